"""Policy patterns (regexes and globs), compiled once and applied safely to hostile text.

Regexes run on RE2, which matches in linear time, so no PR title or body can make evaluation
hang on a pathological pattern; patterns and the text they are applied to are length-limited.
Globs have `**` (globstar) semantics on repository-relative paths, with braces and classes; they
are translated to RE2 programs (a test holds them equal to wcmatch's matching), so matching is
linear in the path whatever the glob: wcmatch's and fnmatch's backtracking regexes are not.
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


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    return options


regex_options = _options  # for modules that build their own programs from validated patterns


class Program:
    """A compiled RE2 program matched whole against a text: one call into RE2 per match.

    google-re2's `re`-compatible wrapper spends several microseconds per call in Python (offset
    bookkeeping for `str`); a large PR matches thousands of paths, so this calls the compiled
    program directly on the UTF-8 bytes and reads back only the spans it needs.
    """

    def __init__(self, regex: str, options: re2.Options) -> None:
        self.regex = re2.compile(regex, options=options)
        self._raw = self.regex._regexp
        self._both = re2._Anchor.ANCHOR_BOTH

    def fullmatch(self, text: str) -> bool:
        data = text.encode("utf-8", "surrogatepass")
        return bool(self._raw.Match(self._both, data, 0, len(data))[0][0] != -1)

    def first_group(self, text: str) -> int:
        """Index (0-based) of the first capturing group that took part in a whole match, or -1."""
        data = text.encode("utf-8", "surrogatepass")
        spans = self._raw.Match(self._both, data, 0, len(data))
        if spans[0][0] == -1:
            return -1
        for index, span in enumerate(spans[1:]):
            if span[0] != -1:
                return index
        return -1


@lru_cache(maxsize=256)
def compile_regex(pattern: str) -> re2._Regexp:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"the pattern is {len(pattern)} characters long; the limit is {MAX_PATTERN_LENGTH}")
    try:
        return re2.compile(pattern, options=_options())
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
    """Globs compiled into one include and one exclude (`!glob`) RE2 program, matched against whole paths."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.include = _PathRegex([p for p in patterns if not p.startswith("!")])
        self.exclude = _PathRegex([p[1:] for p in patterns if p.startswith("!")])

    def match(self, path: str) -> bool:
        return self.include.match(path) and not self.exclude.match(path)


class _PathRegex:
    """Globs as one RE2 program (linear time in the path, whatever the globs); `**/name-glob` patterns
    are matched against the basename alone (same result, a shorter text). Each glob's literal prefix
    and suffix are checked first, so most paths are rejected without calling into RE2 at all."""

    def __init__(self, patterns: list[str]) -> None:
        basename, full = [], []
        for p in patterns:
            rest = p[3:]
            if p.startswith("**/") and "/" not in rest and "**" not in rest and "{" not in rest:
                basename.append(rest)
            else:
                full.append(p)
        self.basename = _compile_globs([glob_to_regex(p) for p in basename])
        self.full = _compile_globs([glob_to_regex(p) for p in full])
        self.basename_prefixes, self.basename_suffixes = _literal_bounds(basename)
        self.full_prefixes, self.full_suffixes = _literal_bounds(full)

    def match(self, path: str) -> bool:
        if self.basename is not None:
            name = path[path.rfind("/") + 1 :]
            if (
                name.startswith(self.basename_prefixes)
                and name.endswith(self.basename_suffixes)
                and self.basename.fullmatch(name)
            ):
                return True
        return (
            self.full is not None
            and path.startswith(self.full_prefixes)
            and path.endswith(self.full_suffixes)
            and self.full.fullmatch(path)
        )


_SPECIAL = frozenset("*?[]{}\\")


def _literal_bounds(globs: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Literal texts every match of some glob starts with, and ends with ("" when a wildcard or an
    escape comes first): a path starting with none of them, or ending with none, cannot match."""
    prefixes, suffixes = set(), set()
    for glob in globs:
        if "\\" in glob:
            prefixes.add("")
            suffixes.add("")
            continue
        start = next((i for i, c in enumerate(glob) if c in _SPECIAL), len(glob))
        end = next((i for i in range(len(glob) - 1, -1, -1) if glob[i] in _SPECIAL), -1)
        prefixes.add(glob[:start])
        suffixes.add(glob[end + 1 :] if end >= start else "")
    return tuple(sorted(prefixes)), tuple(sorted(suffixes))


def _compile_globs(regexes: list[str]) -> Program | None:
    if not regexes:
        return None
    options = _options()
    options.max_mem = 64 << 20  # hundreds of globs in one program
    try:
        return Program("|".join(f"(?:{r})" for r in regexes), options)
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(f"not a valid glob ({detail})") from None


def glob_to_regex(pat: str) -> str:
    """Translate one glob to an RE2 regex for `fullmatch`: `**` spans directories, `*` and `?` do not."""
    out = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            j = i
            while j < n and pat[j] == "*":
                j += 1
            whole_segment = (i == 0 or pat[i - 1] == "/") and (j == n or pat[j] == "/")
            if j - i == 2 and whole_segment:  # `***` is a plain `*`, as in bash and gitignore
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
            close = _class_end(pat, i)
            if close == -1:
                out.append(re.escape(c))
                i += 1
            else:
                out.append(_class_regex(pat[i + 1 : close]))
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


def _class_end(pat: str, i: int) -> int:
    """Index of the `]` closing the class opened at `i` (a `]` first in the class is a member), or -1."""
    j = i + 1
    if pat[j : j + 1] in ("!", "^"):
        j += 1
    if pat[j : j + 1] == "]":
        j += 1
    return pat.find("]", j)


def _class_regex(body: str) -> str:
    """A glob character class as an RE2 class: members escaped, `a-z` ranges kept, never matching `/`."""
    neg = body[:1] in ("!", "^")
    if neg:
        body = body[1:]
    members = []
    k = 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":
            members.append(f"{re.escape(body[k])}-{re.escape(body[k + 2])}")
            k += 3
        else:
            members.append(re.escape(body[k]))
            k += 1
    return f"[{'^/' if neg else ''}{''.join(members)}]"


def _unclosed_class(pat: str) -> int:
    """Position of a `[` that no `]` closes (a likely typo), or -1."""
    i = 0
    while i < len(pat):
        if pat[i] == "\\":
            i += 2
            continue
        if pat[i] == "[":
            close = _class_end(pat, i)
            if close == -1:
                return i
            i = close
        i += 1
    return -1


@lru_cache(maxsize=1024)
def _glob_matcher(patterns: tuple[str, ...]) -> _GlobSet | None:
    if not patterns:
        return None
    for p in patterns:
        if len(p) > MAX_PATTERN_LENGTH:
            raise PatternError(f"the glob {p[:40]!r}... is longer than {MAX_PATTERN_LENGTH} characters")
    return _GlobSet(patterns)


def check_glob(pattern: str) -> None:
    """Raise PatternError when `pattern` cannot be used: too long, an unclosed `[`, or a bad range."""
    if not isinstance(pattern, str):
        raise PatternError("a glob must be a string")
    at = _unclosed_class(pattern.removeprefix("!"))
    if at != -1:
        raise PatternError(
            f"the glob {pattern[:60]!r} has an unclosed '[' at character {at + 1 + pattern.startswith('!')}"
        )
    _glob_matcher((pattern,))


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
