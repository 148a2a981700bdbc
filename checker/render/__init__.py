"""Renderers of an Evaluation: text for terminals, Markdown for PRs, JSON for machines."""
