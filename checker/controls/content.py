"""Controls on the change's content and metadata: tests with code, a ticket, signed commits."""

from __future__ import annotations

import re
from typing import Any

from checker.controls.context import Context, Outcome, listing, short
from checker.model import Status
from checker.patterns import MAX_TEXT_LENGTH, glob_set, regex_search

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def justification(body: str, heading: str) -> str:
    """The text under the Markdown heading named `heading` (case-insensitive), up to the next heading."""
    wanted = heading.strip().lower()
    lines = body[:MAX_TEXT_LENGTH].splitlines()
    collecting = False
    level = 0
    found: list[str] = []
    for line in lines:
        m = _HEADING.match(line)
        if m:
            if collecting and len(m.group(1)) <= level:
                break
            if not collecting and m.group(2).strip().lower() == wanted:
                collecting, level = True, len(m.group(1))
                continue
        if collecting:
            found.append(line)
    text = "\n".join(found).strip()
    return re.sub(r"<!--.*?-->", "", text, flags=re.S).strip()


def tests_with_code(ctx: Context, params: dict[str, Any]) -> Outcome:
    facts = ctx.facts
    if facts.files_truncated:
        return Outcome(
            Status.UNOBSERVABLE,
            "the PR changes more files than the API lists (3000)",
            "Split the PR into smaller ones.",
        )
    source, tests = tuple(params.get("source", ())), tuple(params.get("tests", ()))
    changed = [f for f in facts.files if f.status != "removed"]
    test_glob, source_glob = glob_set(tests), glob_set(source)
    test_files = [f.path for f in changed if test_glob.match(f.path)]
    is_test = set(test_files)
    source_files = [f.path for f in changed if f.path not in is_test and source_glob.match(f.path)]
    observed: dict[str, Any] = {"source_files": source_files[:100], "test_files": test_files[:100]}
    if not source_files:
        return Outcome(Status.NOT_APPLICABLE, "no source files changed", observed=observed)
    if test_files:
        return Outcome(
            Status.PASS, f"{len(source_files)} source and {len(test_files)} test file(s) changed", observed=observed
        )
    label = params.get("exemption_label", "")
    heading = str(params.get("justification_heading", "Testing"))
    if label and label in facts.labels:
        reason = justification(facts.body, heading)
        observed["justification"] = reason[:500]
        if reason:
            return Outcome(Status.PASS, f"exempted by the '{label}' label with a justification", observed=observed)
        return Outcome(
            Status.FAIL,
            f"the '{label}' label is present but the PR body has no '## {heading}' section explaining why",
            f"Add a '## {heading}' section to the PR description saying why no tests are needed.",
            observed,
        )
    return Outcome(
        Status.FAIL,
        f"{len(source_files)} source file(s) changed without any test change: {listing(source_files)}",
        f"Add or update tests, or add the '{label}' label and a '## {heading}' section justifying it."
        if label
        else "Add or update tests.",
        observed,
    )


def change_ticket(ctx: Context, params: dict[str, Any]) -> Outcome:
    facts = ctx.facts
    pattern = str(params.get("pattern", ""))
    places = {"title": facts.title, "body": facts.body, "branch": facts.head_ref}
    for place in params.get("search", ("title", "body", "branch")):
        ticket = regex_search(pattern, places[place])
        if ticket:
            return Outcome(
                Status.PASS,
                f"ticket {ticket} referenced in the {place}",
                observed={"ticket": ticket, "found_in": place, "pattern": pattern},
            )
    where = listing(list(params.get("search", ())))
    return Outcome(
        Status.FAIL,
        f"no ticket matching /{pattern}/ in the PR {where}",
        f"Put the ticket key (for example {_example(pattern)}) in the PR title.",
        observed={"pattern": pattern},
    )


def _example(pattern: str) -> str:
    return "PROJ-123" if pattern == "[A-Z][A-Z0-9]+-[0-9]+" else f"text matching /{pattern}/"


def signed_commits(ctx: Context, params: dict[str, Any]) -> Outcome:
    facts = ctx.facts
    if facts.commits_truncated:
        return Outcome(
            Status.UNOBSERVABLE,
            "the PR has more commits than the API lists (250)",
            "Squash the branch so every commit can be read.",
        )
    if not facts.commits:
        return Outcome(Status.UNOBSERVABLE, "the PR's commits were not collected")
    unsigned = [c for c in facts.commits if c.verified is False]
    unknown = [c for c in facts.commits if c.verified is None]
    observed = {
        "commits": [
            {"sha": c.sha, "verified": c.verified, "reason": c.verification_reason} for c in facts.commits[:250]
        ]
    }
    if unsigned:
        text = listing([f"{short(c.sha)} ({c.verification_reason or 'unsigned'})" for c in unsigned])
        return Outcome(
            Status.FAIL, f"{len(unsigned)} commit(s) without a verified signature: {text}", observed=observed
        )
    if unknown:
        return Outcome(
            Status.UNOBSERVABLE,
            f"signature status unknown for {listing([short(c.sha) for c in unknown])}",
            observed=observed,
        )
    return Outcome(Status.PASS, f"all {len(facts.commits)} commit(s) have verified signatures", observed=observed)
