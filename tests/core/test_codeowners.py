"""CODEOWNERS matching against the examples in GitHub's documentation of the format."""

from __future__ import annotations

import pytest

from checker.codeowners import parse

GITHUB_EXAMPLE = """\
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
/lib/ @libowner
/lib/vendor/ @vendorowner
"""


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("README.md", ("@global-owner1", "@global-owner2")),
        ("src/app.js", ("@js-owner",)),
        ("main.go", ("docs@example.com",)),
        ("notes/a.txt", ("@octo-org/octocats",)),
        ("build/logs/out.log", ("@octocat",)),  # later `**/logs` wins over /build/logs/
        ("docs/getting-started.md", ("@doctocat",)),  # /docs/ is later than docs/*
        ("deep/docs/getting-started.md", ("@global-owner1", "@global-owner2")),  # docs/* is anchored
        ("docs/build-app/troubleshooting.md", ("@doctocat",)),
        ("web/apps/x.py", ("@octocat",)),
        ("apps/github/hook.rb", ()),  # un-owned by the owner-less line
        ("apps/other/x.rb", ("@octocat",)),
        ("scripts/deploy.sh", ("@doctocat", "@octocat")),
        ("deeply/nested/logs/x", ("@octocat",)),
        ("lib/vendor/dep.c", ("@vendorowner",)),
        ("lib/core.c", ("@libowner",)),
    ],
)
def test_github_documented_examples(path: str, owners: tuple[str, ...]) -> None:
    assert parse(GITHUB_EXAMPLE).owners_of(path) == owners


def test_unsupported_syntax_is_skipped_with_a_warning() -> None:
    parsed = parse("* @a\n!secret.txt @b\n[abc].txt @c\n\\#notes @d\n")
    assert [r.pattern for r in parsed.rules] == ["*"]
    assert len(parsed.warnings) == 3
    assert parsed.owners_of("secret.txt") == ("@a",)


def test_star_slash_only_matches_direct_children() -> None:
    parsed = parse("docs/* @d\n")
    assert parsed.owners_of("docs/a.md") == ("@d",)
    assert parsed.owners_of("docs/sub/a.md") == ()


def test_double_star_in_the_middle_and_question_mark() -> None:
    parsed = parse("src/**/test_?.py @t\n/a/**/b/ @ab\n")
    assert parsed.owners_of("src/test_x.py") == ("@t",)
    assert parsed.owners_of("src/x/y/test_z.py") == ("@t",)
    assert parsed.owners_of("src/x/test_zz.py") == ()
    assert parsed.owners_of("a/b/file") == ("@ab",)
    assert parsed.owners_of("a/x/y/b/file") == ("@ab",)


def test_indexed_matcher_agrees_with_rule_by_rule_scan() -> None:
    """The fast indexed lookup must equal a naive last-match scan over individually compiled rules."""
    import random

    from checker.codeowners import _Matcher

    patterns = [
        "*",
        "*.py",
        "/src/",
        "src/",
        "docs/*",
        "**/logs",
        "/a/b/c",
        "a/**/z.txt",
        "tests/",
        "/x?y/",
        "*.md",
        "/src/core/",
        "core",
        "/lib/**",
        "build/out/",
    ]
    text = "\n".join(f"{p} @o{i}" for i, p in enumerate(patterns))
    parsed = parse(text)
    rng = random.Random(7)
    parts = [
        "src",
        "core",
        "docs",
        "logs",
        "a",
        "b",
        "c",
        "z.txt",
        "lib",
        "x1y",
        "tests",
        "build",
        "out",
        "m.py",
        "r.md",
    ]
    for _ in range(3000):
        path = "/".join(rng.choice(parts) for _ in range(rng.randint(1, 5)))
        expected = -1
        for i, p in enumerate(patterns):
            if _Matcher((p,)).last_match(path) == 0:
                expected = i
        assert parsed.matcher.last_match(path) == expected, path
