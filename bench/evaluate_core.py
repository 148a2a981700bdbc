"""Throughput of the pure core: evaluations per second on a large PR, on one core.

Large PR: 500 changed files, 50 reviews, 30 checks, 200 CODEOWNERS rules, evaluated under the
soc2 profile plus path rules. Baseline in the same process: a small PR (2 files, 1 review), so
the ratio shows how cost grows with the PR. Target: >= 200 evaluations/s for the large PR.
The files of the main figure are spread over ~400 distinct directories (the adversarial case for
CODEOWNERS matching); a second figure clusters them into 60 directories, as large refactors do.
Run: .venv/bin/python bench/evaluate_core.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "core"))

from builders import BASE, C1, HEAD, check, commit, review, well_run_pr

from checker.evaluate import evaluate
from checker.model import ChangedFile, SourceFile, TeamMembership
from checker.policy import load_text

POLICY = """version: 1
extends: soc2
controls:
  required_checks:
    checks: [%s]
rules:
  - name: infra
    if: {changed_files: {paths: ["infra/**"]}}
    requires: {count: 1, teams: [acme/sre]}
  - name: payments
    if: {changed_files: {paths: ["services/payments/**"], ignore: ["**/*.md"]}}
    requires: {count: 2, code_owners: true}
"""


def large_pr(directories: int = 0) -> tuple[object, object]:
    """The large PR; `directories` > 0 clusters the 500 files into that many directories."""
    rng = random.Random(42)
    areas = [f"services/svc{i:03d}" for i in range(120)] + [f"libs/lib{i:02d}" for i in range(40)]
    lines = ["* @acme/devs"]
    for i, area in enumerate(areas):
        lines.append(f"/{area}/ @owner{i % 60}")
    lines += [f"*.{ext} @lang-{ext}" for ext in ("go", "py", "ts", "tf", "sql", "proto", "md", "yml", "json", "sh")]
    lines += [f"/{a}/**/*.md @docs" for a in areas[:20]]
    lines += [
        "/infra/ @acme/sre",
        "/services/payments/ @acme/payments",
        "docs/* @docs",
        "**/migrations/ @dba",
        "/.github/ @acme/platform",
        "/infra/legacy/",
        "Makefile @build",
        "**/vendor/**",
        "*.lock @build",
    ]
    assert len(lines) >= 200, len(lines)
    files = []
    for n in range(500):
        area = rng.choice(areas)
        ext = rng.choice(["go", "py", "ts", "md", "sql"])
        path = f"{area}/pkg{n % 13}/file{n}.{ext}"
        if directories:
            path = f"{areas[n % directories]}/pkg/file{n}.{ext}"
        if n % 5 == 0:
            path = f"tests/{area}/test_file{n}.py"
        files.append(ChangedFile(path, "modified", 10, 3))
    reviewers = [f"owner{i}" for i in range(48)] + ["sam", "bob"]
    reviews = tuple(review(r, on=HEAD if i % 3 else C1, rid=i + 1) for i, r in enumerate(reviewers))
    checks = tuple(check(f"ci-{i}") for i in range(30))
    facts = well_run_pr(
        files=tuple(files),
        reviews=reviews,
        checks=checks,
        codeowners=SourceFile(".github/CODEOWNERS", "present", "\n".join(lines) + "\n"),
        commits=tuple(
            [commit(C1, BASE)]
            + [commit(hashlib.sha1(str(i).encode()).hexdigest(), C1) for i in range(20)]
            + [commit(HEAD, C1)]
        ),
        teams=(
            TeamMembership("acme/devs", tuple(reviewers)),
            TeamMembership("acme/sre", ("sam",)),
            TeamMembership("acme/payments", ("owner1", "owner2")),
        ),
    )
    policy = load_text(POLICY % ", ".join(f"ci-{i}" for i in range(30)), "bench.yml")
    return policy, facts


def rate(policy: object, facts: object, seconds: float) -> tuple[float, int]:
    evaluate(policy, facts)  # type: ignore[arg-type]  # warm caches (parsed CODEOWNERS, compiled globs)
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        evaluate(policy, facts)  # type: ignore[arg-type]
        count += 1
    elapsed = time.perf_counter() - start
    return count / elapsed, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    policy, facts = large_pr()
    small_policy = load_text("version: 1\nextends: soc2\n", "small.yml")
    small_rate, _ = rate(small_policy, well_run_pr(), args.seconds)
    large_rate, n = rate(policy, facts, args.seconds)
    clustered_rate, _ = rate(*large_pr(directories=60), args.seconds)
    cold_start = time.perf_counter()
    from checker import codeowners

    codeowners.parse.cache_clear()
    evaluate(policy, facts)  # type: ignore[arg-type]
    cold_ms = (time.perf_counter() - cold_start) * 1000
    print(f"small PR (2 files, 1 review):                     {small_rate:8.0f} evaluations/s")
    print(
        f"large PR (500 files, 50 reviews, 30 checks, 200+ CODEOWNERS rules): {large_rate:8.0f} evaluations/s "
        f"({n} runs, {1000 / large_rate:.2f} ms each)"
    )
    print(f"large PR, files clustered in 60 directories:      {clustered_rate:8.0f} evaluations/s")
    print(f"first evaluation incl. CODEOWNERS parse:          {cold_ms:8.2f} ms")
    print(f"ratio small/large:                                {small_rate / large_rate:8.1f}x")
    print(f"target >= 200/s on one core:                      {'met' if large_rate >= 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
