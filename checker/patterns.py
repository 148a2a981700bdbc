"""Policy patterns (regexes and globs), compiled once and applied safely to hostile text.

Regexes run on RE2, which matches in linear time, so no PR title or body can make evaluation
hang on a pathological pattern; patterns and the text they are applied to are length-limited.
Globs use wcmatch with `**` (globstar) semantics on repository-relative paths.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import re2
from wcmatch import glob

MAX_PATTERN_LENGTH = 512
MAX_TEXT_LENGTH = 65_536
GLOB_FLAGS = glob.GLOBSTAR | glob.DOTGLOB | glob.BRACE | glob.NEGATE


class PatternError(ValueError):
    """A policy pattern that cannot be used; the message says why in plain words."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    return options


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


@lru_cache(maxsize=1024)
def _glob_matcher(patterns: tuple[str, ...]) -> glob.WcMatcher[str] | None:
    if not patterns:
        return None
    for p in patterns:
        if len(p) > MAX_PATTERN_LENGTH:
            raise PatternError(f"the glob {p[:40]!r}... is longer than {MAX_PATTERN_LENGTH} characters")
    return glob.compile(list(patterns), flags=GLOB_FLAGS)


def check_glob(pattern: str) -> None:
    """Raise PatternError when `pattern` cannot be compiled."""
    try:
        _glob_matcher((pattern,))
    except PatternError:
        raise
    except Exception as exc:  # wcmatch raises several types for bad patterns
        raise PatternError(f"not a valid glob: {exc}") from None


def glob_match(patterns: Iterable[str], path: str) -> bool:
    """True when `path` matches any of the globs (a leading `!` glob excludes)."""
    matcher = _glob_matcher(tuple(patterns))
    return bool(matcher and matcher.match(path))
