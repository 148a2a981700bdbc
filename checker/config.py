"""The command line's settings that come from the environment, read in this one place.

Everything else under `checker/` takes its settings as parameters. The Action's settings are
built by `checker.github.config.Config.from_env`; click options read their own `envvar=`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from checker.defaults import DEFAULT_API_URL


def debug_enabled() -> bool:
    """`CHANGEPROOF_DEBUG=1` shows the traceback of an internal error."""
    return bool(os.environ.get("CHANGEPROOF_DEBUG"))


def secret(name: str) -> str:
    """The value of the environment variable `name` (tokens and passwords are never arguments)."""
    return os.environ.get(name, "")


def api_url() -> str:
    return (os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")


def api_throttle() -> float | None:
    """Seconds between API requests when `CHANGEPROOF_API_THROTTLE` is set (the tests set 0)."""
    value = os.environ.get("CHANGEPROOF_API_THROTTLE")
    return float(value) if value not in (None, "") else None


def data_dir_override(name: str) -> str:
    """`CHANGEPROOF_RULES_DIR` / `CHANGEPROOF_EXAMPLES_DIR`: use another rules or examples folder."""
    return os.environ.get(f"CHANGEPROOF_{name.upper()}_DIR", "")


def process_environment() -> Mapping[str, str]:
    """The whole environment, for the Action's own config builder when run from the terminal."""
    return dict(os.environ)
