"""Where the data that ships with changeproof lives (rules/, examples/, schemas/).

An installed wheel carries `rules/` and `examples/` inside the package (`checker/_rules`,
`checker/_examples`); a source checkout has them at the repository's top level.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from checker.config import data_dir_override

PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(packaged: str, top_level: str, env: str) -> Path:
    override = data_dir_override(env)
    if override:
        return Path(override)
    inside = PACKAGE_DIR / packaged
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent / top_level


def rules_dir() -> Path:
    return _data_dir("_rules", "rules", "rules")


def examples_dir() -> Path:
    return _data_dir("_examples", "examples", "examples")


@cache
def schema(name: str) -> dict[str, Any]:
    """A published JSON Schema by name (`policy`, `facts`, `evaluation`)."""
    path = PACKAGE_DIR / "schemas" / f"{name}.schema.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
