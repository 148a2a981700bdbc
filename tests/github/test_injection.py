"""Untrusted text (titles, bodies, file names, logins) never becomes a command, markup or a mention."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub
from ghaction import parse_outputs, pr_event, run_action

from checker.github.report import Outputs
from checker.render.workflow import Annotation, command, escape_data, escape_property, mask_lines, plain_block

EVIL_TITLE = "Fix %0A::error::pwned\n::add-mask::x <script>alert(1)</script> @acme/core ::stop-commands::t"
EVIL_FILE = "src/evil\n::add-mask::x%0A::stop-commands::t<img src=x onerror=alert(1)>.py"
EVIL_LOGIN = "ev1l-user"


def test_escaping_rules_match_the_toolkit() -> None:
    assert escape_data("a%b\r\nc") == "a%25b%0D%0Ac"
    assert escape_property("x:y,z%\n") == "x%3Ay%2Cz%25%0A"
    line = command("error", "msg\n::add-mask::x", title="t:1,2", file="a\nb")
    assert "\n" not in line and line == "::error title=t%3A1%2C2,file=a%0Ab::msg%0A::add-mask::x"


def test_annotation_of_a_hostile_path_is_one_line() -> None:
    rendered = Annotation("error", "bad %0A thing\n::warning::x", "title", EVIL_FILE, 3, 4).render()
    assert rendered.count("\n") == 0
    assert rendered.startswith("::error title=title,file=src/evil%0A%3A%3Aadd-mask%3A%3Ax%250A")
    assert "%250A" in rendered  # a literal "%0A" in the input cannot decode into a newline


def test_plain_block_pauses_commands_with_an_unguessable_token() -> None:
    first, *body, last = plain_block(["::stop-commands::t", "::t::", "::add-mask::x"])
    token = first.removeprefix("::stop-commands::")
    assert re.fullmatch(r"[0-9a-f]{32}", token) and last == f"::{token}::"
    assert body == ["::stop-commands::t", "::t::", "::add-mask::x"]
    assert plain_block(["a"])[0] != first


def test_multiline_secret_is_masked_line_by_line() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAbc\nMORELINE%\n-----END PRIVATE KEY-----\n"
    lines = mask_lines(pem)
    assert lines == [
        "::add-mask::-----BEGIN PRIVATE KEY-----",
        "::add-mask::MC4CAQAwBQYDK2VwBCIEIAbc",
        "::add-mask::MORELINE%25",
        "::add-mask::-----END PRIVATE KEY-----",
    ]


def test_outputs_use_random_delimiters_a_value_cannot_close(tmp_path: Path) -> None:
    path = tmp_path / "out"
    hostile = "x\nghadelimiter_\nEOF\nverdict<<EOF\npass"
    Outputs({"verdict": "fail", "title": hostile}).write(str(path))
    Outputs({"verdict": "fail"}).write(str(path))
    text = path.read_text()
    delimiters = re.findall(r"<<(ghadelimiter_[0-9a-f]{32})$", text, re.MULTILINE)
    assert len(set(delimiters)) == 3
    assert parse_outputs(text)["title"] == hostile and parse_outputs(text)["verdict"] == "fail"


def hostile_scenario() -> dict[str, Any]:
    data = sc.typical()
    repo = data["repos"]["acme/web"]
    pr = repo["pulls"]["7"]
    pr["pull"]["title"] = EVIL_TITLE
    pr["pull"]["body"] = "::add-mask::x\n%0A::error::body"
    pr["pull"]["head"]["ref"] = "feat/::error::branch"
    pr["files"].append(sc.file_entry(EVIL_FILE))
    pr["pull"]["changed_files"] += 1
    # carol (owner of /infra/) stops approving; an unknown login approves: findings quote paths and logins.
    pr["reviews"] = [r for r in pr["reviews"] if r["user"]["login"] != "carol"]
    pr["reviews"].append(sc.review(77, EVIL_LOGIN, "APPROVED", sc.HEAD_SHA, "2026-11-20T13:00:00Z"))
    repo["contents"][sc.BASE_SHA][".github/CODEOWNERS"] = "*  @acme/core\n/infra/ @carol\n/src/evil* @carol\n"
    return data


def test_hostile_pr_produces_no_foreign_commands_markup_or_mentions(tmp_path: Path) -> None:
    fake = FakeGitHub(hostile_scenario()).start()
    try:
        run = run_action(tmp_path, fake.base_url, "pull_request", pr_event(), inputs={"check-run": "true"})
    finally:
        fake.stop()
    assert run.code == 1 and run.outputs["verdict"] == "fail"
    inside: str | None = None
    ours = re.compile(
        r"^::(add-mask::ghs_faketoken1234567890|(error|warning|notice) title=changeproof[^\n]*"
        r"|endgroup::)$"
    )
    for line in run.stdout.splitlines():
        if inside is not None:
            if line == f"::{inside}::":
                inside = None
            continue
        if line.startswith("::stop-commands::"):
            inside = line.removeprefix("::stop-commands::")
            assert re.fullmatch(r"[0-9a-f]{32}", inside)
            continue
        if line.startswith("::"):
            assert ours.match(line), f"unexpected workflow command: {line!r}"
            assert "::error::pwned" not in line.split("::", 2)[2].replace("%0A", "\n").split("\n")[0]
        else:
            assert "::" not in line[:2]
    assert inside is None  # every pause was resumed
    # The hostile path is annotated, with its newline and its literal %0A escaped.
    assert any("file=src/evil%0A%3A%3Aadd-mask%3A%3Ax%250A" in line for line in run.commands("error"))
    summary = run.summary
    assert "<script>" not in summary and "<img" not in summary
    # Every @ (owners named in findings, such as @carol) is broken so it cannot notify anyone.
    assert "@\u2060carol" in summary and not re.search(r"@[A-Za-z0-9]", summary)
    assert "\n::add-mask::" not in summary and "\n::error" not in summary
