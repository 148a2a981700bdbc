"""CODEOWNERS as GitHub reads it: gitignore-style patterns, last match wins, owner-less lines un-own.

GitHub's documented differences from gitignore are honoured: `!` negation, `[ ]` character
ranges and `\\#` escapes are not supported (such lines are skipped with a warning, as GitHub
skips them), and `dir/*` matches only the files directly inside `dir`.

Matching is indexed (literal paths and names in dicts, `*.ext` suffixes in a list, the rest in one
combined RE2 program, linear in the path) because a large PR matches hundreds of files against
hundreds of rules, and a hostile CODEOWNERS line must not make matching backtrack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import re2

from checker.patterns import Program

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

    def rules_for(self, paths: Iterable[str]) -> list[OwnerRule | None]:
        """`rule_for` over many paths, sharing the directory work between files of one directory."""
        memo: dict[str, int] = {}
        return [None if (i := self.matcher.last_match(p, memo)) < 0 else self.rules[i] for p in paths]

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
    """Finds the highest-indexed pattern matching a path.

    Literal patterns live in dicts holding the highest rule index per key, split by whether the key
    is a directory above the file (`*_dir`, every literal rule applies) or the file itself
    (`*_file`, only rules without a trailing slash apply). `*.ext` patterns are indexed by suffix.
    Only genuinely wild patterns reach a regex, grouped by their first literal segment.
    """

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.anchored_dir: dict[str, int] = {}
        self.anchored_file: dict[str, int] = {}
        self.name_dir: dict[str, int] = {}
        self.name_file: dict[str, int] = {}
        self.suffixes: dict[str, int] = {}  # "*.ext" anywhere: ".ext" -> highest index
        self.loose_suffixes: list[tuple[int, str]] = []  # "*foo" (no dot to index on)
        self.match_all = -1  # the last bare "*" rule, which matches every file
        generic: list[tuple[int, str, str]] = []  # (index, first literal segment or "", regex)
        for index, pattern in enumerate(patterns):
            self._classify(index, pattern, generic)
        # Anchored patterns whose first segment is literal only need trying on paths starting with it.
        groups: dict[str, list[tuple[int, str]]] = {}
        for index, first, regex in generic:
            groups.setdefault(first, []).append((index, regex))
        self.generic = {first: _Alternation(items) for first, items in groups.items()}
        self.floating = self.generic.pop("", None)

    def _classify(self, index: int, pattern: str, generic: list[tuple[int, str, str]]) -> None:
        dir_only = pattern.endswith("/") and len(pattern) > 1
        body = pattern.strip("/") if pattern != "/" else ""
        anchored = pattern.startswith("/") or "/" in body
        wild = any(c in body for c in "*?")
        if not wild and body:
            dir_table, file_table = (
                (self.anchored_dir, self.anchored_file) if anchored else (self.name_dir, self.name_file)
            )
            dir_table[body] = index
            if not dir_only:
                file_table[body] = index
            return
        if not anchored and body.startswith("*") and not any(c in body[1:] for c in "*?") and not dir_only:
            suffix = body[1:]
            if not suffix:
                self.match_all = index
            elif suffix.startswith("."):
                self.suffixes[suffix] = index
            else:
                self.loose_suffixes.append((index, suffix))
            return
        generic.append((index, _literal_lead(body) if anchored else "", _to_regex(body, anchored, dir_only)))

    def _suffix_best(self, component: str) -> int:
        best = -1
        suffixes = self.suffixes
        dot = component.find(".")
        while dot != -1:
            index = suffixes.get(component[dot:], -1)
            if index > best:
                best = index
            dot = component.find(".", dot + 1)
        return best

    def _dir_best(self, directory: str) -> int:
        """Best index among literal and suffix rules that match because of a directory above the file."""
        best = -1
        anchored, names, suffixes = self.anchored_dir, self.name_dir, self.suffixes
        prefix = ""
        for component in directory.split("/"):
            prefix = prefix + "/" + component if prefix else component
            index = anchored.get(prefix, -1)
            if index > best:
                best = index
            index = names.get(component, -1)
            if index > best:
                best = index
            if suffixes and "." in component:
                index = self._suffix_best(component)
                if index > best:
                    best = index
        return best

    def last_match(self, path: str, dir_memo: dict[str, int] | None = None) -> int:
        cut = path.rfind("/")
        name = path[cut + 1 :]
        best = max(self.match_all, self.anchored_file.get(path, -1), self.name_file.get(name, -1))
        if self.suffixes and "." in name:
            index = self._suffix_best(name)
            if index > best:
                best = index
        if cut > 0:
            directory = path[:cut]
            if dir_memo is None:
                best = max(best, self._dir_best(directory))
            else:
                known = dir_memo.get(directory)
                if known is None:
                    known = dir_memo[directory] = self._dir_best(directory)
                best = max(best, known)
        for index, suffix in self.loose_suffixes:
            if index > best and any(c.endswith(suffix) for c in path.split("/")):
                best = index
        slash = path.find("/")
        if slash > 0 and self.generic:
            second = path.find("/", slash + 1)
            for key in (path[:slash], path[:second] if second > 0 else ""):
                grouped = self.generic.get(key)
                if grouped is not None:
                    best = max(best, grouped.last_match(path))
        if self.floating is not None:
            best = max(best, self.floating.last_match(path))
        return best


class _Alternation:
    """Several rules' regexes in one RE2 program per chunk, highest index first, so the first alternative
    that matches is the last rule in file order (GitHub's "last match wins"). RE2 is linear in the
    path, and its leftmost-first alternation keeps that order; chunks bound each program's size."""

    CHUNK = 256

    def __init__(self, items: list[tuple[int, str]]) -> None:
        ordered = sorted(items, reverse=True)
        options = re2.Options()
        options.log_errors = False
        options.max_mem = 64 << 20
        self.chunks: list[tuple[list[int], Program]] = []
        for start in range(0, len(ordered), self.CHUNK):
            part = ordered[start : start + self.CHUNK]
            regex = "|".join(f"({regex})" for _, regex in part)  # the rules' regexes capture nothing
            self.chunks.append(([index for index, _ in part], Program(regex, options)))

    def last_match(self, path: str) -> int:
        for indexes, program in self.chunks:
            group = program.first_group(path)
            if group != -1:
                return indexes[group]
        return -1


def _literal_lead(body: str) -> str:
    """The leading one or two literal directory segments of an anchored pattern ("" when wild at once)."""
    segments = body.split("/")[:-1][:2]
    lead: list[str] = []
    for segment in segments:
        if any(c in segment for c in "*?"):
            break
        lead.append(segment)
    return "/".join(lead)


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
    return f"{head}{regex}{tail}\\z"
