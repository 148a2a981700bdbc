"""CODEOWNERS parsing and matching, and policy globs, under arbitrary patterns and paths.

Properties: parsing never raises; the indexed CODEOWNERS matcher equals a naive last-match scan
of single-rule matchers; globs either validate and then match like wcmatch (on the syntax both
share), or are refused with a reason; every matcher runs on RE2 (linear in the path).
"""

from __future__ import annotations

import re2
from hypothesis import given
from hypothesis import strategies as st
from wcmatch import glob as wcglob

from checker.codeowners import _Matcher, parse
from checker.patterns import PatternError, _glob_matcher, check_glob, glob_match

SEGMENTS = ["a", "b", "src", "docs", "x.py", "y.md", ".hidden", "a b", "é", "*", "**", "?", "[ab]", "{a,b}", "\\#"]
PATH_PARTS = ["a", "b", "src", "docs", "x.py", "y.md", ".hidden", "a b", "é", "ab", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab"]


@st.composite
def codeowners_patterns(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=5))
    pattern = "/".join(parts)
    if draw(st.booleans()):
        pattern = "/" + pattern
    if draw(st.booleans()):
        pattern += "/"
    return draw(st.sampled_from(["", "!"])) + pattern


paths = st.lists(st.sampled_from(PATH_PARTS), min_size=1, max_size=6).map("/".join)
owners = st.sampled_from(["@a", "@org/team", "me@example.com", "not-an-owner", "@", "#x"])


@given(
    st.lists(st.tuples(codeowners_patterns(), st.lists(owners, max_size=2)), max_size=8),
    st.lists(paths, min_size=1, max_size=5),
)
def test_codeowners_indexed_matching_equals_a_naive_scan(rules: list[tuple[str, list[str]]], files: list[str]) -> None:
    text = "\n".join(" ".join([pattern, *who]) for pattern, who in rules)
    parsed = parse(text)
    patterns = [rule.pattern for rule in parsed.rules]
    singles = [_Matcher((pattern,)) for pattern in patterns]
    for path, via_many in zip(files, parsed.rules_for(files), strict=True):
        expected = -1
        for i, single in enumerate(singles):
            if single.last_match(path) == 0:
                expected = i
        found = parsed.rule_for(path)
        assert (found.index if found else -1) == expected, (path, patterns)
        assert via_many == found


@given(st.text(max_size=300))
def test_any_codeowners_text_parses(text: str) -> None:
    parsed = parse(text)
    parsed.owners_of("src/a.py")
    assert all(w.startswith("CODEOWNERS:") for w in parsed.warnings)


GLOB_PIECES = ["a", "b", "/", "*", "**", "?", ".", "{a,b}", "{,a}", "[ab]", "[!a]", "[a-", "]", "\\*", "{", "}", ","]


@given(st.lists(st.sampled_from(GLOB_PIECES), min_size=1, max_size=8).map("".join), paths)
def test_globs_validate_then_match_like_wcmatch(pattern: str, path: str) -> None:
    try:
        check_glob(pattern)
    except PatternError as error:
        assert str(error)
        return
    matched = glob_match((pattern,), path)
    shared_syntax = not any(c in pattern for c in "[]{}\\")
    if shared_syntax:
        flags = wcglob.GLOBSTAR | wcglob.DOTGLOB | wcglob.BRACE
        assert matched == wcglob.globmatch(path, pattern, flags=flags), (pattern, path)


def test_every_compiled_matcher_is_re2() -> None:
    """Linear time by construction: no glob or CODEOWNERS rule ever reaches a backtracking engine."""
    globs = _glob_matcher(("*a*a*a*a*a*a*a*a*a*a*a*b", "**/x/**/y/**/z", "{a,{b,c}}/**"))
    assert globs is not None
    for program in (globs.include.full, globs.include.basename):
        assert program is None or isinstance(program.regex, re2._Regexp)
    matcher = parse("/a*a*a*a*a*a*a*a*a*b/** @o\n**/x/**/y/** @o\n").matcher
    assert matcher.generic or matcher.floating
    for alternation in [*matcher.generic.values(), *([matcher.floating] if matcher.floating else [])]:
        assert all(isinstance(program.regex, re2._Regexp) for _, program in alternation.chunks)
    hostile = "a" * 5000 + "/" + "x/" * 2000 + "c"
    assert not glob_match(("*a*a*a*a*a*a*a*a*a*a*a*b",), hostile)
    assert matcher.last_match(hostile) == -1
