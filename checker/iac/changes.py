"""The changed files between two directory trees, for `changeproof iac` run locally without a PR."""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

from checker.model import ChangedFile

_SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "__pycache__"}


def _files(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root):  # os.walk does not follow directory symlinks
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in filenames:
            path = Path(dirpath) / name
            found[path.relative_to(root).as_posix()] = path
    return found


def changed_between(base: Path, head: Path) -> list[ChangedFile]:
    """Added, modified and removed files (no rename detection: a move is a removal plus an addition)."""
    before, after = _files(base), _files(head)
    changed = []
    for rel in sorted(set(before) | set(after)):
        if rel not in before:
            changed.append(ChangedFile(rel, "added"))
        elif rel not in after:
            changed.append(ChangedFile(rel, "removed"))
        elif before[rel].is_symlink() or after[rel].is_symlink():
            if (os.readlink(before[rel]) if before[rel].is_symlink() else None) != (
                os.readlink(after[rel]) if after[rel].is_symlink() else None
            ):
                changed.append(ChangedFile(rel, "modified"))
        elif not filecmp.cmp(before[rel], after[rel], shallow=False):
            changed.append(ChangedFile(rel, "modified"))
    return changed
