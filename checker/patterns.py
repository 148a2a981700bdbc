"""Policy patterns (regexes and globs), compiled once and applied safely to hostile text.

Regexes run on RE2, which matches in linear time, so no PR title or body can make evaluation
hang on a pathological pattern; patterns and the text they are applied to are length-limited.
Globs have `**` (globstar) semantics on repository-relative paths, with braces and classes; they
are translated to plain regexes (a test holds them equal to wcmatch's matching) because wcmatch's
own regexes are several times slower on the thousands of matches a large PR needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import re2

MAX_PATTERN_LENGTH = 512
MAX_TEXT_LENGTH = 65_536


class PatternError(ValueError):
    """A policy pattern that cannot be used; the message says why in plain words."""


def regex_options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    return options


@lru_cache(maxsize=256)
def compile_regex(pattern: str) -> re2._Regexp:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"the pattern is {len(pattern)} characters long; the limit is {MAX_PATTERN_LENGTH}")
    try:
        return re2.compile(pattern, options=regex_options())
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(
            f"not a valid RE2 regular expression ({detail}); look-arounds and back-references are not supported"
        ) from None


def regex_search(pattern: str, text: str) -> str | None:
    """The first match of `pattern` in the first MAX_TEXT_LENGTH characters of `text`, or None."""
    match = compile_regex(pattern).search(text[:MAX_TEXT_LENGTH])
    return None if match is None else str(match.group(0))


class _GlobSet:
    """Globs compiled into one include and one exclude (`!glob`) regex, matched against whole paths."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.include = _PathRegex([p for p in patterns if not p.startswith("!")])
        self.exclude = _PathRegex([p[1:] for p in patterns if p.startswith("!")])

    def match(self, path: str) -> bool:
        return self.include.match(path) and not self.exclude.match(path)


class _PathRegex:
    """Globs as regexes; `**/name-glob` patterns are matched against the basename alone (same result,
    no backtracking over directories)."""

    def __init__(self, patterns: list[str]) -> None:
        basename, full = [], []
        for p in patterns:
            rest = p[3:]
            if p.startswith("**/") and "/" not in rest and "**" not in rest and "{" not in rest:
                basename.append(glob_to_regex(rest))
            else:
                full.append(glob_to_regex(p))
        self.basename = re.compile("|".join(basename)) if basename else None
        self.full = re.compile("|".join(full)) if full else None

    def match(self, path: str) -> bool:
        if self.basename is not None and self.basename.fullmatch(path[path.rfind("/") + 1 :]):
            return True
        return self.full is not None and self.full.fullmatch(path) is not None


def glob_to_regex(pat: str) -> str:
    """Translate one glob to a regex for `fullmatch`: `**` spans directories, `*` and `?` do not."""
    out = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            j = i
            while j < n and pat[j] == "*":
                j += 1
            whole_segment = (i == 0 or pat[i - 1] == "/") and (j == n or pat[j] == "/")
            if j - i >= 2 and whole_segment:
                if j == n:
                    out.append(".*")
                else:
                    out.append("(?:[^/]*/)*")
                    j += 1
            else:
                out.append("[^/]*")
            i = j
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            close = pat.find("]", i + 2 if pat[i + 1 : i + 2] in ("!", "^") else i + 1)
            if close == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pat[i + 1 : close]
                neg = body[:1] in ("!", "^")
                if neg:
                    body = body[1:]
                body = body.replace("\\", "\\\\")
                out.append(f"[{'^/' if neg else ''}{body}]")
                i = close + 1
        elif c == "{":
            depth, j, parts, start = 0, i, [], i + 1
            while j < n:
                if pat[j] == "{":
                    depth += 1
                elif pat[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                elif pat[j] == "," and depth == 1:
                    parts.append(pat[start:j])
                    start = j + 1
                j += 1
            if j >= n or not parts:
                out.append(re.escape(c))
                i += 1
            else:
                parts.append(pat[start:j])
                out.append("(?:" + "|".join(glob_to_regex(p) for p in parts) + ")")
                i = j + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def _glob_matcher(patterns: tuple[str, ...]) -> _GlobSet | None:
    if not patterns:
        return None
    for p in patterns:
        if len(p) > MAX_PATTERN_LENGTH:
            raise PatternError(f"the glob {p[:40]!r}... is longer than {MAX_PATTERN_LENGTH} characters")
    return _GlobSet(patterns)


def check_glob(pattern: str) -> None:
    """Raise PatternError when `pattern` cannot be compiled."""
    try:
        _glob_matcher((pattern,))
    except re.error as exc:
        raise PatternError(f"not a valid glob: {exc}") from None


def glob_set(patterns: Iterable[str]) -> _GlobSet | _NoGlobs:
    """A compiled matcher for a group of globs, for matching many paths in a loop."""
    return _glob_matcher(patterns if isinstance(patterns, tuple) else tuple(patterns)) or _NoGlobs()


class _NoGlobs:
    def match(self, path: str) -> bool:
        return False


def glob_match(patterns: Iterable[str], path: str) -> bool:
    """True when `path` matches any of the globs (a leading `!` glob excludes)."""
    matcher = _glob_matcher(patterns if isinstance(patterns, tuple) else tuple(patterns))
    return bool(matcher and matcher.match(path))
