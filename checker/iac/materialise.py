"""Copy the directories a PR touched (and the local Terraform modules they call) out of one tree.

Only these directories are scanned, whole, so cross-resource checks see their neighbours while the
cost follows the size of the change, not of the repository. Every refusal (oversized, binary,
symlink leaving the repository, module source escaping it) becomes an error line, never a crash.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from checker.iac.classify import is_iac_path, is_terraform
from checker.iac.trees import Tree

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_LINK_HOPS = 8
_MODULE_SOURCE = re.compile(r"""(?m)^\s*source\s*=\s*"(\.{1,2}/[^"]*)"\s*$""")


def safe_rel(path: str) -> str | None:
    """Normalise a repository-relative path; None when it is absolute or climbs out of the repository."""
    if not path or "\0" in path or path.startswith("/") or "\\" in path:
        return None
    norm = posixpath.normpath(path)
    if norm == "." or norm.startswith("../") or norm == "..":
        return None
    return norm


@dataclass
class Materialised:
    root: Path
    files: set[str] = field(default_factory=set)
    dirs: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # files present in the tree but not scanned


def looks_binary(data: bytes) -> bool:
    if b"\0" in data[:8192]:
        return True
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start < 65536 - 4  # a character cut at the sample's end is not binary
    return False


class Materialiser:
    """Writes the chosen files of one tree under `dest`, keeping their repository-relative paths."""

    def __init__(self, tree: Tree, dest: Path, *, max_bytes: int = MAX_FILE_BYTES) -> None:
        self.tree = tree
        self.out = Materialised(dest)
        self.max_bytes = max_bytes

    def _error(self, path: str, message: str, *, refused: bool = True) -> None:
        self.out.errors.append(f"{self.tree.label}: {path}: {message}")
        if refused:
            self.out.refused.add(path)

    def _resolve_link(self, rel_path: str) -> str | None:
        current = rel_path
        for _ in range(MAX_LINK_HOPS):
            target = self.tree.link_target(current)
            joined = None if target.startswith("/") else safe_rel(posixpath.join(posixpath.dirname(current), target))
            if joined is None:
                self._error(rel_path, "symlink points outside the repository; not followed")
                return None
            parent = posixpath.dirname(joined)
            listing = self.tree.entries(parent)
            entry = next((e for e in listing or [] if e.name == posixpath.basename(joined)), None)
            if entry is None:
                self._error(rel_path, "symlink target does not exist in the repository; skipped")
                return None
            if entry.kind == "file":
                return joined
            if entry.kind != "link":
                self._error(rel_path, "symlink does not point to a regular file; skipped")
                return None
            current = joined
        self._error(rel_path, "symlink chain too long; skipped")
        return None

    def copy_file(self, rel_path: str, kind: str, size: int) -> bytes | None:
        """Copy one file (following in-repository symlinks); returns its bytes or None when refused."""
        source = rel_path
        if kind == "link":
            resolved = self._resolve_link(rel_path)
            if resolved is None:
                return None
            source = resolved
        elif kind != "file":
            return None
        if size > self.max_bytes:
            self._error(rel_path, f"{size} bytes is over the {self.max_bytes} byte limit; not scanned")
            return None
        try:
            data = self.tree.read(source, self.max_bytes)
        except OSError as error:
            self._error(rel_path, f"unreadable ({error}); not scanned")
            return None
        if len(data) > self.max_bytes:
            self._error(rel_path, f"over the {self.max_bytes} byte limit; not scanned")
            return None
        if looks_binary(data):
            self._error(rel_path, "binary (or not UTF-8) content in a text IaC file; not scanned")
            return None
        target = self.out.root / rel_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.out.files.add(rel_path)
        return data

    def add_dirs(self, dirs: Iterable[str]) -> None:
        """Copy the IaC files directly in each directory, then the local modules their Terraform calls."""
        queue = sorted(set(dirs))
        while queue:
            rel_dir = queue.pop(0)
            if rel_dir in self.out.dirs:
                continue
            self.out.dirs.add(rel_dir)
            listing = self.tree.entries(rel_dir)
            if listing is None:
                continue
            for entry in listing:
                rel_path = posixpath.join(rel_dir, entry.name) if rel_dir else entry.name
                if entry.kind not in ("file", "link") or not is_iac_path(rel_path):
                    continue
                data = self.copy_file(rel_path, entry.kind, entry.size)
                if data is None or not is_terraform(rel_path):
                    continue
                for source in _MODULE_SOURCE.findall(data.decode("utf-8", "replace")):
                    module = safe_rel(posixpath.join(rel_dir, source))
                    if module is None:
                        self._error(
                            rel_path,
                            f"module source {source!r} points outside the repository; not followed",
                            refused=False,
                        )
                    elif module not in self.out.dirs:
                        queue.append(module)

    def add_file(self, rel_path: str) -> None:
        """Copy one file that is not IaC itself (a secrets scan target)."""
        parent = posixpath.dirname(rel_path)
        listing = self.tree.entries(parent) or []
        entry = next((e for e in listing if e.name == posixpath.basename(rel_path)), None)
        if entry is not None and rel_path not in self.out.files:
            self.copy_file(rel_path, entry.kind, entry.size)
