"""A local fake of GitHub's REST API for tests (see server.py) and scenario builders (scenario.py)."""
