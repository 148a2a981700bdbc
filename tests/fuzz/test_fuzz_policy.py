"""The policy loader under hostile YAML: every input is a Policy or one located PolicyError.

A loaded policy must also be usable all the way down: evaluated, digested, and written to the
ledger in canonical JSON (RFC 8785), because a base policy fetched by the Action reaches all three.
"""

from __future__ import annotations

import tracemalloc

import pytest
import rfc8785
from fuzz_support import ROOT, assert_located
from hypothesis import given
from hypothesis import strategies as st

from checker.errors import PolicyError
from checker.evaluate import evaluate
from checker.inputs import load_model
from checker.model import Facts
from checker.policy import load_text
from checker.serde import sha256_digest, to_json
from checker.yamldoc import MAX_NODES, decode_text

FACTS = load_model(Facts, ROOT / "examples" / "pr-42-facts.json", "facts")
FILE = "fuzz.yml"

# Pieces a policy is made of, and the hostile things a fuzzer (or a careless admin) puts in them.
KEYS = [
    "version",
    "extends",
    "mode",
    "controls",
    "rules",
    "waivers",
    "trusted_bots",
    "peer_review",
    "min_approvals",
    "change_ticket",
    "pattern",
    "tests_with_code",
    "source",
    "iac_misconfig",
    "deny",
    "allow",
    "control",
    "reason",
    "approved_by",
    "expires",
    "scope",
    "paths",
    "branches",
    "name",
    "if",
    "changed_files",
    "requires",
    "count",
    "<<",
    "? ",
]
SCALARS = [
    "1",
    "2.0",
    "-1",
    "1e400",
    ".nan",
    ".inf",
    "0x1F",
    "0o17",
    "1_000",
    "1:30",
    "9" * 5000,
    "99999999999999999999",
    "!!int abc",
    "!!float x",
    "!!binary ===",
    "!!timestamp 2027-13-01",
    "!!python/object:os.system ls",
    "!custom value",
    "!!set {a, b}",
    "2027-13-01",
    "2027-02-30",
    "2027-01-01",
    "2026-01-01 10:00:00",
    "'2099-12-31'",
    "off",
    "on",
    "yes",
    "no",
    "true",
    "null",
    "~",
    "enforce",
    "warn",
    "soc2",
    "soc3",
    "baseline",
    "peer_review",
    "peer_reveiw",
    '"\\ud800"',
    '"\\x00"',
    "'src/**'",
    "'src/[a-z'",
    "'[z-a]'",
    "'{a,{b,c}}/*.py'",
    "'**/x/**/y/**'",
    "'*a*a*a*a*a*a*a*a*a*a*a*b'",
    "'!vendor/**'",
    "'\\\\'",
    "'(?=x)'",
    "'(a+)+$'",
    "'a{1000}{1000}'",
    "'\\\\C'",
    "'[A-Z]+-[0-9]+'",
    "x" * 3000,
    "&a [1, 2]",
    "*a",
    "*missing",
    "[]",
    "{}",
    "[[[[[[]]]]]]",
    "| \n  block",
]
NOISE = [
    "\t",
    "\ufeff",
    "\r\n",
    "\x00",
    "\x1b[2J",
    "\u2028",
    "  ",
    "- ",
    ": ",
    "{",
    "[",
    "#",
    "&x ",
    "*x",
    "%YAML 1.2\n---\n",
]


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    """Policy-shaped YAML: nested mappings and lists of policy keys and hostile scalars, then noise."""

    def node(depth: int) -> str:
        kind = draw(st.integers(0, 5 if depth < 4 else 1))
        indent = "  " * depth
        if kind <= 1:
            return " " + draw(st.sampled_from(SCALARS))
        if kind == 2:
            items = draw(st.lists(st.sampled_from(SCALARS), max_size=4))
            return " [" + ", ".join(items) + "]"
        if kind == 3:
            return "".join(f"\n{indent}-{node(depth + 1)}" for _ in range(draw(st.integers(0, 3))))
        keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4))
        return "".join(f"\n{indent}{k}:{node(depth + 1)}" for k in keys)

    text = "version: 1\n" + node(0).lstrip("\n") + "\n"
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(NOISE)) + text[at:]
    return text


def check_loads_or_refuses(text: str) -> None:
    try:
        policy = load_text(text, FILE)
    except PolicyError as error:
        assert_located(error, file=FILE)
        return
    evaluation = evaluate(policy, FACTS)
    assert evaluation.policy_digest == sha256_digest(policy)
    rfc8785.dumps(to_json(policy))  # what the ledger stores under policies/<digest>
    rfc8785.dumps(to_json(evaluation))


@given(yaml_documents())
def test_policy_shaped_yaml_loads_or_is_refused_with_a_location(text: str) -> None:
    check_loads_or_refuses(text)


@given(st.text(alphabet=st.sampled_from([*list("ab:-[]{}&*!|>'\"#%@` \t\n,?<"), "\ufeff", "\x85"]), max_size=200))
def test_arbitrary_yaml_syntax_is_refused_with_a_location(text: str) -> None:
    check_loads_or_refuses(text)


@given(st.binary(max_size=200))
def test_any_bytes_decode_or_name_the_first_bad_byte(raw: bytes) -> None:
    try:
        text = decode_text(b"version: 1\n" + raw, FILE)
    except PolicyError as error:
        assert_located(error, file=FILE)
        (problem,) = error.problems
        assert problem.line >= 1 and problem.column >= 1 and "UTF-8" in problem.message
        return
    check_loads_or_refuses(text)


def laughs(levels: int, width: int) -> str:
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_before_it_is_expanded() -> None:
    """A billion laughs (10^9 values) in a few hundred bytes: refused with a location, in bounded memory."""
    text = laughs(10, 10)
    tracemalloc.start()
    try:
        with pytest.raises(PolicyError) as info:
            load_text(text, FILE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (problem,) = info.value.problems
    assert f"expands to more than {MAX_NODES:,} values" in problem.message and problem.line > 1
    assert peak < 64 * 1024 * 1024, peak  # the expanded document would need tens of gigabytes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &a [*a]\n", "recursive alias"),
        ("a: &a {b: *a}\n", "recursive alias"),
        ("controls: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested more than 64 levels"),
        ("controls: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", "nested more than 64 levels"),
        ("x: &x {mode: warn}\ncontrols:\n  peer_review:\n    <<: *x\n", "merge keys"),
        ("version: 1\nversion: 1\n", "duplicate key 'version'"),
        ("version: !!int abc\n", "'abc' cannot be read as an integer"),
        ("version: !mine 1\n", "the YAML tag '!mine' is not supported"),
        ("version: " + "1" * 5000 + "\n", "too many digits"),
        ("version: 1\ncontrols: {peer_review: {min_approvals: 2.0}}\n", "is not of type 'integer'"),
        ('version: 1\nmode: "\\ud800"\n', "lone surrogate"),
        ("version: 1\nmode: " + "x" * 1_100_000 + "\n", "bytes; a policy may be at most"),
    ],
    ids=lambda value: value[:24] if isinstance(value, str) else None,
)
def test_each_class_the_fuzzer_found_gets_its_message(text: str, message: str) -> None:
    """The instances behind each class, pinned (the fuzzer finds them too, but slower)."""
    with pytest.raises(PolicyError) as info:
        load_text(text, FILE)
    assert_located(info.value)
    assert message in info.value.diagnostics()
