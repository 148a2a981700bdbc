"""Policy globs and regexes: same matching as wcmatch, linear-time regexes, bounded input."""

from __future__ import annotations

import random

import pytest
from wcmatch import glob

from checker.patterns import PatternError, compile_regex, glob_match, regex_search

FLAGS = glob.GLOBSTAR | glob.DOTGLOB | glob.BRACE
PATTERNS = [
    "src/**",
    "**/*.py",
    "**/test_*.py",
    "**/*_test.go",
    "a/*/b",
    "**/src/test/**",
    "x/{a,b}/*.c",
    "*.md",
    "d?c/**",
    "[ab]*/z",
    "**",
    "**/x/**/y.txt",
    "{src,lib}/**/*.{js,ts}",
    "[!a]*",
]
PARTS = [
    "src",
    "lib",
    "a",
    "b",
    "x",
    "y.txt",
    "test_m.py",
    "m.py",
    "m_test.go",
    "doc",
    "dac",
    "z",
    "q.c",
    "w.js",
    "w.ts",
    "R.md",
    ".hidden",
    "test",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_globs_match_exactly_like_wcmatch(pattern: str) -> None:
    rng = random.Random(pattern)
    for _ in range(2000):
        path = "/".join(rng.choice(PARTS) for _ in range(rng.randint(1, 5)))
        assert glob_match((pattern,), path) == glob.globmatch(path, pattern, flags=FLAGS), path


def test_negated_glob_excludes() -> None:
    assert glob_match(("src/**", "!src/vendor/**"), "src/app.py")
    assert not glob_match(("src/**", "!src/vendor/**"), "src/vendor/lib.py")


def test_pathological_regex_on_hostile_text_runs_on_a_linear_engine() -> None:
    """On a backtracking engine these two searches would not finish; RE2 answers at once."""
    assert type(compile_regex("(a+)+$")).__module__.startswith("re2")
    assert regex_search("(a+)+$", "a" * 60_000 + "!") is None
    assert regex_search("(x|xx)+y", "x" * 60_000) is None


def test_regex_limits_and_unsupported_syntax() -> None:
    with pytest.raises(PatternError, match="limit"):
        compile_regex("a" * 600)
    with pytest.raises(PatternError, match="look-arounds"):
        compile_regex("(?=x)")
    assert regex_search("PAY-[0-9]+", "x" * 70_000 + "PAY-1") is None  # beyond the scanned length
