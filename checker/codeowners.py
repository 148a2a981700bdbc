"""CODEOWNERS as GitHub reads it: gitignore-style patterns, last match wins, owner-less lines un-own.

GitHub's documented differences from gitignore are honoured: `!` negation, `[ ]` character
ranges and `\\#` escapes are not supported (such lines are skipped with a warning, as GitHub
skips them), and `dir/*` matches only the files directly inside `dir`.

Matching is indexed (literal paths and names in dicts, `*.ext` suffixes in a list, the rest in one
combined regex) because a large PR matches hundreds of files against hundreds of rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CODEOWNERS_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
MAX_CODEOWNERS_BYTES = 3 * 1024 * 1024  # GitHub ignores larger files


@dataclass(frozen=True)
class OwnerRule:
    index: int
    line: int
    pattern: str
    owners: tuple[str, ...]


@dataclass(frozen=True)
class CodeOwners:
    rules: tuple[OwnerRule, ...]
    warnings: tuple[str, ...]
    matcher: _Matcher

    def rule_for(self, path: str) -> OwnerRule | None:
        """The last rule matching `path`, or None when no rule matches."""
        index = self.matcher.last_match(path)
        return None if index < 0 else self.rules[index]

    def owners_of(self, path: str) -> tuple[str, ...]:
        rule = self.rule_for(path)
        return () if rule is None else rule.owners


_OWNER = re.compile(r"^(@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+)$")


@lru_cache(maxsize=16)
def parse(text: str) -> CodeOwners:
    """Parse CODEOWNERS text; cached because the same base file is matched again and again."""
    rules: list[OwnerRule] = []
    warnings: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if " #" in line:
            line = line.split(" #", 1)[0].rstrip()
        parts = line.split()
        pattern, owners = parts[0], parts[1:]
        unsupported = _unsupported(pattern)
        if unsupported:
            warnings.append(f"CODEOWNERS:{lineno}: {unsupported}; GitHub skips this line, so does changeproof")
            continue
        bad = [o for o in owners if not _OWNER.match(o)]
        if bad:
            warnings.append(f"CODEOWNERS:{lineno}: {bad[0]!r} is not a @user, @org/team or email; skipped")
            owners = [o for o in owners if _OWNER.match(o)]
        rules.append(OwnerRule(len(rules), lineno, pattern, tuple(o.lower() for o in owners)))
    return CodeOwners(tuple(rules), tuple(warnings), _Matcher(tuple(r.pattern for r in rules)))


def _unsupported(pattern: str) -> str:
    if pattern.startswith("!"):
        return "negation with '!' is not supported"
    if "[" in pattern or "]" in pattern:
        return "character ranges with '[ ]' are not supported"
    if pattern.startswith("\\#"):
        return "escaping '#' with '\\' is not supported"
    return ""


class _Matcher:
    """Finds the highest-indexed pattern matching a path."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.anchored_literal: dict[str, list[tuple[int, bool]]] = {}  # path -> [(index, dir_only)]
        self.name_literal: dict[str, list[tuple[int, bool]]] = {}  # component -> [(index, dir_only)]
        self.suffixes: list[tuple[int, str]] = []  # "*.ext" anywhere
        generic: list[tuple[int, str]] = []
        for index, pattern in enumerate(patterns):
            self._classify(index, pattern, generic)
        self.generic_index: list[int] = []
        alternatives: list[str] = []
        for index, regex in reversed(generic):
            self.generic_index.append(index)
            alternatives.append(f"(?P<g{len(alternatives)}>{regex})")
        self.generic = re.compile("|".join(alternatives)) if alternatives else None

    def _classify(self, index: int, pattern: str, generic: list[tuple[int, str]]) -> None:
        dir_only = pattern.endswith("/") and len(pattern) > 1
        body = pattern.strip("/") if pattern != "/" else ""
        anchored = pattern.startswith("/") or "/" in body
        wild = any(c in body for c in "*?")
        if not wild and body:
            table = self.anchored_literal if anchored else self.name_literal
            table.setdefault(body, []).append((index, dir_only))
            return
        if not anchored and body.startswith("*") and not any(c in body[1:] for c in "*?") and not dir_only:
            self.suffixes.append((index, body[1:]))
            return
        generic.append((index, _to_regex(body, anchored, dir_only)))

    def last_match(self, path: str) -> int:
        best = -1
        components = path.split("/")
        last = len(components) - 1
        prefix = ""
        for i, component in enumerate(components):
            prefix = component if i == 0 else f"{prefix}/{component}"
            for index, dir_only in self.anchored_literal.get(prefix, ()):
                if index > best and (i < last or not dir_only):
                    best = index
            for index, dir_only in self.name_literal.get(component, ()):
                if index > best and (i < last or not dir_only):
                    best = index
        for index, suffix in self.suffixes:
            if index > best and any(c.endswith(suffix) for c in components):
                best = index
        if self.generic is not None:
            match = self.generic.match(path)
            if match is not None and match.lastgroup is not None:
                index = self.generic_index[int(match.lastgroup[1:])]
                best = max(best, index)
        return best


def _to_regex(body: str, anchored: bool, dir_only: bool) -> str:
    segments = body.split("/") if body else []
    out: list[str] = []
    for i, seg in enumerate(segments):
        is_last = i == len(segments) - 1
        if seg == "**":
            if is_last:
                out.append(".*")
                continue
            out.append("(?:[^/]+/)*")
            continue
        piece = "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in seg)
        out.append(piece + ("" if is_last else "/"))
    regex = "".join(out)
    head = "" if anchored or body.startswith("**") else "(?:[^/]+/)*"
    if segments and segments[-1] == "**":
        tail = ""
    elif segments and segments[-1] == "*" and not dir_only:
        tail = ""  # `dir/*` matches the files directly inside dir, nothing deeper
    elif dir_only:
        tail = "/.+"
    else:
        tail = "(?:/.+)?"
    return f"{head}{regex}{tail}\\Z"
