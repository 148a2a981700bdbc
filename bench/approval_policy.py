"""Cost of the approval policy in the pure core, against the `rules:` it replaces, in one run.

Large PR: 500 changed files, 50 reviews, 200 PR comments, 22 commits. Policy A: 20 policy-bot
rules (regex `changed_files`, team and org requirements, comment methods, an `or` of `and`s),
imported with `changeproof policy import`. Baseline B: the soc2 profile with 20 equivalent
`rules:` (globs). Printed: evaluations per second of each and the ratio A/B.
Run: .venv/bin/python bench/approval_policy.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "core"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate_core import large_pr

from checker.approval_policy.importer import import_policy_bot
from checker.evaluate import evaluate
from checker.model import ApprovalFacts, IssueComment, OrgMembership
from checker.policy import load_text

AREAS = [f"services/svc{i:03d}" for i in range(20)]


def policy_bot_text() -> str:
    rules, names = [], []
    for i, area in enumerate(AREAS):
        name = f"{area} owners approved"
        names.append(name)
        rules.append(
            f"""  - name: {name}
    if:
      changed_files:
        paths: ["^{area}/.*\\\\.(go|py|ts)$"]
        ignore: ["\\\\.md$"]
    options:
      methods: {{comments: ["LGTM", ":+1:"], comment_patterns: ["^/approve\\\\b"]}}
    requires:
      count: {1 + i % 2}
      teams: ["acme/devs"]
      organizations: ["acme"]
"""
        )
    tree = "\n".join(f'      - or: ["{n}", "{names[(i + 1) % len(names)]}"]' for i, n in enumerate(names))
    return f"policy:\n  approval:\n    - and:\n{tree}\napproval_rules:\n" + "".join(rules)


def rules_text() -> str:
    rules = "".join(
        f"""  - name: {area}
    if: {{changed_files: {{paths: ["{area}/**/*.go", "{area}/**/*.py", "{area}/**/*.ts"]}}}}
    requires: {{count: {1 + i % 2}, teams: [acme/devs]}}
"""
        for i, area in enumerate(AREAS)
    )
    return "version: 1\nextends: soc2\nrules:\n" + rules


def rate(policy: object, facts: object, seconds: float) -> float:
    evaluate(policy, facts)  # type: ignore[arg-type]
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        evaluate(policy, facts)  # type: ignore[arg-type]
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    _, facts = large_pr()
    people = [f"owner{i}" for i in range(48)]
    comments = tuple(
        IssueComment(i, people[i % 48], "LGTM" if i % 3 else "looks odd", f"2026-11-28T11:{i % 60:02d}:00Z")
        for i in range(200)
    )
    facts = replace(
        facts,  # type: ignore[type-var]
        approval=ApprovalFacts(
            comments=comments,
            comments_observed=True,
            head_pushed_at="2026-11-28T10:30:00Z",
            organizations=(OrgMembership("acme", tuple(people)),),
        ),
        permissions={f"@{p}": "write" for p in people},
    )
    imported = import_policy_bot(policy_bot_text(), ".policy.yml")
    assert not imported.problems, imported.problems
    policy_a = load_text(imported.render(".policy.yml"), "imported.yml")
    policy_b = load_text(rules_text(), "rules.yml")
    a = rate(policy_a, facts, args.seconds)
    b = rate(policy_b, facts, args.seconds)
    print(f"approval_policy (20 policy-bot rules, 200 comments): {a:8.0f} evaluations/s ({1000 / a:.2f} ms each)")
    print(f"baseline: soc2 + 20 equivalent rules:                 {b:8.0f} evaluations/s ({1000 / b:.2f} ms each)")
    print(f"ratio approval_policy / baseline time:                {b / a:8.2f}x")


if __name__ == "__main__":
    main()
