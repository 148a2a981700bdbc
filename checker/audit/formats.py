"""The export formats the CLI offers (the writers table in `writers` has one writer per name)."""

from __future__ import annotations

FORMATS = ("csv", "json", "html", "xlsx")
