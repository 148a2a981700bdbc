"""Read-only views of one version of a repository: a directory on disk or a commit in git.

Both answer the same three questions (what is in this directory, what are this file's bytes, where
does this symlink point) so the materialiser never cares where a version came from. Neither ever
reads outside the repository: disk paths are checked after resolving symlinks, git objects are
read from the commit's tree only.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from checker.errors import InfrastructureError


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # file / link / dir / other
    size: int


class Tree(Protocol):
    label: str

    def entries(self, rel_dir: str) -> list[Entry] | None: ...
    def read(self, rel_path: str, limit: int) -> bytes: ...
    def link_target(self, rel_path: str) -> str: ...


def _join(rel_dir: str, name: str) -> str:
    return f"{rel_dir}/{name}" if rel_dir else name


class DirTree:
    """A checked-out tree on disk. Symlinks are reported as links, never followed here."""

    def __init__(self, root: Path, label: str) -> None:
        self.root = root.resolve()
        self.label = label

    def _inside(self, rel: str) -> Path | None:
        path = self.root / rel if rel else self.root
        real = Path(os.path.realpath(path))
        if real != self.root and self.root not in real.parents:
            return None
        return path

    def entries(self, rel_dir: str) -> list[Entry] | None:
        path = self._inside(rel_dir)
        if path is None or not path.is_dir() or (rel_dir and Path(self.root / rel_dir).is_symlink()):
            return None
        found = []
        with os.scandir(path) as it:
            for item in it:
                if item.is_symlink():
                    found.append(Entry(item.name, "link", 0))
                elif item.is_file(follow_symlinks=False):
                    found.append(Entry(item.name, "file", item.stat(follow_symlinks=False).st_size))
                elif item.is_dir(follow_symlinks=False):
                    found.append(Entry(item.name, "dir", 0))
                else:
                    found.append(Entry(item.name, "other", 0))
        return sorted(found, key=lambda e: e.name)

    def read(self, rel_path: str, limit: int) -> bytes:
        path = self._inside(rel_path)
        if path is None or path.is_symlink():
            raise OSError(f"{rel_path} is not a regular file inside the repository")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            return handle.read(limit + 1)

    def link_target(self, rel_path: str) -> str:
        return os.readlink(self.root / rel_path)


class GitTree:
    """One commit of a git repository, read with `git ls-tree` / `git cat-file` (no checkout).

    Blobs come through one long-lived `git cat-file --batch` process: one fork per tree, not per file.
    """

    def __init__(self, repo: Path, sha: str, label: str) -> None:
        self.repo = repo
        self.sha = sha
        self.label = label
        self._batch: subprocess.Popen[bytes] | None = None
        self._listings: dict[str, list[Entry] | None] = {}

    def close(self) -> None:
        if self._batch is not None:
            if self._batch.stdin:
                self._batch.stdin.close()
            self._batch.wait(timeout=30)
            if self._batch.stdout:
                self._batch.stdout.close()
            self._batch = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: S110 - best effort at interpreter shutdown
            pass

    def _cat(self, rel_path: str) -> bytes | None:
        if "\n" in rel_path or "\r" in rel_path:  # the batch protocol is line-based
            done = self._git("cat-file", "blob", f"{self.sha}:{rel_path}", check=False)
            return done.stdout if done.returncode == 0 else None
        if self._batch is None:
            self._batch = subprocess.Popen(
                ["git", "-C", str(self.repo), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
        assert self._batch.stdin is not None and self._batch.stdout is not None
        self._batch.stdin.write(f"{self.sha}:{rel_path}\n".encode("utf-8", "surrogateescape"))
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().split()
        if len(header) != 3:
            return None  # "<name> missing" / "ambiguous"
        data = self._batch.stdout.read(int(header[2]))
        self._batch.stdout.read(1)
        return data if header[1] == b"blob" else None

    def _git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", "-C", str(self.repo), *args], capture_output=True, check=check)

    def entries(self, rel_dir: str) -> list[Entry] | None:
        if rel_dir not in self._listings:  # planning and materialising ask for the same directories
            self._listings[rel_dir] = self._list(rel_dir)
        return self._listings[rel_dir]

    def _list(self, rel_dir: str) -> list[Entry] | None:
        spec = [f"{rel_dir}/"] if rel_dir else []
        out = self._git("ls-tree", "-l", "-z", self.sha, "--", *spec).stdout
        found = []
        for raw in out.split(b"\0"):
            if not raw:
                continue
            meta, _, name_b = raw.partition(b"\t")
            mode, kind, _obj, size = meta.split()
            name = os.path.basename(name_b.decode("utf-8", "surrogateescape"))
            if mode == b"120000":
                found.append(Entry(name, "link", 0))
            elif kind == b"blob":
                found.append(Entry(name, "file", int(size)))
            elif kind == b"tree":
                found.append(Entry(name, "dir", 0))
            else:
                found.append(Entry(name, "other", 0))
        if not found and rel_dir:
            return None
        return sorted(found, key=lambda e: e.name)

    def read(self, rel_path: str, limit: int) -> bytes:
        data = self._cat(rel_path)
        if data is None:
            raise OSError(f"{rel_path} is not a file in commit {self.sha[:12]}")
        return data[: limit + 1]

    def link_target(self, rel_path: str) -> str:
        return self.read(rel_path, 4096).decode("utf-8", "surrogateescape")


def ensure_commit(repo: Path, sha: str) -> None:
    """Make `sha` available locally, fetching it from `origin` when a shallow checkout lacks it."""

    def present() -> bool:
        return (
            subprocess.run(
                ["git", "-C", str(repo), "cat-file", "-e", f"{sha}^{{commit}}"], capture_output=True
            ).returncode
            == 0
        )

    if present():
        return
    fetched = subprocess.run(
        ["git", "-C", str(repo), "fetch", "--no-tags", "--depth=1", "origin", sha], capture_output=True, text=True
    )
    if fetched.returncode != 0 or not present():
        raise InfrastructureError(
            f"commit {sha[:12]} is not in {repo} and could not be fetched from origin",
            fix="check out the repository with enough history (actions/checkout with fetch-depth: 0) "
            "or give the job read access to the repository",
        )
