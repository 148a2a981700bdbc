"""Changes to the signing environment (its deployment branch policy, custom branch policies,
protection rules and required reviewers) are posture changes, and widening them a weakening,
dated by the environment's `updated_at` and without an author (GitHub does not say who)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakegithub import scenario as sc
from period_world import World, export_json

from checker.period.environment_diff import environment_weakening

ENV = "changeproof-evidence"


def reviewers_rule(prevent_self_review: bool) -> dict[str, Any]:
    return {
        "id": 3755,
        "node_id": "GA_3755",
        "type": "required_reviewers",
        "prevent_self_review": prevent_self_review,
        "reviewers": [{"type": "User", "reviewer": sc.user("carol")}],
    }


def change_environment(world: World, when: str, **fields: Any) -> None:
    found = world.repo()["environments"][ENV]
    branches = fields.pop("branch_policies", None)
    if branches is not None:
        found["branch_policies"] = [
            {"id": i + 1, "node_id": f"DBP_{i + 1}", "name": b, "type": "branch"} for i, b in enumerate(branches)
        ]
    found["environment"].update(fields, updated_at=when)


def test_widening_the_signing_environment_is_a_weakening(world: World, tmp_path: Path) -> None:
    change_environment(world, "2026-10-01T00:00:00Z", protection_rules=[reviewers_rule(True)])
    world.run("2026-11-01T06:00:00Z")
    change_environment(
        world, "2026-11-01T15:00:00Z", branch_policies=["main", "feature/*"], protection_rules=[reviewers_rule(False)]
    )
    second = world.run("2026-11-02T06:00:00Z")
    change_environment(world, "2026-11-02T09:00:00Z", deployment_branch_policy=None, protection_rules=[])
    world.run("2026-11-03T06:00:00Z")
    assert [w["weakening"] for w in second["posture"]["weakenings"]] == [
        "branch policy added: branch:feature/*",
        "required reviewers may approve their own deployments",
    ]
    assert world.mutating_requests() == []

    (cov,) = export_json(world, tmp_path / "e.json", "2026-11-01", "2026-11-03")["coverage"]
    field = f"environment.{ENV}."
    assert cov["weakenings"] == [
        {"at": "2026-11-01T15:00:00Z", "ruleset_id": None, "field": field + "branch_policies",
         "before": ["branch:main"], "after": ["branch:feature/*", "branch:main"], "actor": None,
         "why": "branch policy added: branch:feature/*"},
        {"at": "2026-11-01T15:00:00Z", "ruleset_id": None, "field": field + "prevent_self_review",
         "before": True, "after": False, "actor": None,
         "why": "required reviewers may approve their own deployments"},
        {"at": "2026-11-02T09:00:00Z", "ruleset_id": None, "field": field + "deployment_branch_policy",
         "before": "custom branch policies", "after": "all branches", "actor": None,
         "why": "deployment branch policy removed: any branch can use the environment"},
        {"at": "2026-11-02T09:00:00Z", "ruleset_id": None, "field": field + "protection_rules",
         "before": ["required_reviewers"], "after": [], "actor": None,
         "why": "environment protection rule removed: required_reviewers"},
    ]  # fmt: skip
    later = [(c["field"].removeprefix(field), c["before"], c["after"]) for c in cov["posture_changes"][2:]]
    assert later == [
        ("branch_policies", ["branch:feature/*", "branch:main"], None),
        ("deployment_branch_policy", "custom branch policies", "all branches"),
        ("prevent_self_review", False, None),
        ("protection_rules", ["required_reviewers"], []),
        ("required_reviewers", ["User:carol"], []),
    ]  # every change listed; only the widening ones are weakenings
    who = next(u for u in cov["unobservable"] if u["what"] == f"who changed environment {ENV}")
    assert (who["from"], who["to"]) == ("2026-11-01T06:00:00Z", "2026-11-03T06:00:00Z")


def test_narrowing_is_not_a_weakening() -> None:
    assert environment_weakening("deployment_branch_policy", "all branches", "protected branches") == ""
    assert environment_weakening("branch_policies", ["branch:main", "branch:x"], ["branch:main"]) == ""
    assert environment_weakening("protection_rules", [], ["required_reviewers"]) == ""
    assert environment_weakening("prevent_self_review", False, True) == ""
    assert environment_weakening("exists", True, False) == "signing environment deleted"
    assert environment_weakening("required_reviewers", ["User:carol"], ["User:carol", "User:mallory"]) == (
        "required reviewer added: User:mallory"
    )


def _reperform(world: World) -> dict[str, Any]:
    import json

    from audit_helpers import BRANCH, run_cli

    result = run_cli(
        "verify", "--ledger", str(world.ledger), "--branch", BRANCH, "--key", str(world.keys.public),
        "--posture-key", str(world.keys.public), "--reperform", "--format", "json",
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["period"]  # type: ignore[no-any-return]


def _widen_over_two_days(world: World) -> None:
    change_environment(world, "2026-10-01T00:00:00Z", protection_rules=[reviewers_rule(True)])
    world.run("2026-11-01T06:00:00Z")
    change_environment(world, "2026-11-01T15:00:00Z", protection_rules=[reviewers_rule(False)])
    world.run("2026-11-02T06:00:00Z")


def test_environment_weakenings_reperform(world: World) -> None:
    _widen_over_two_days(world)
    period = _reperform(world)
    assert (period["reperformed"], period["problems"]) == (2, [])


def test_entries_recorded_under_the_earlier_diff_rules_still_reperform(
    world: World, monkeypatch: Any, tmp_path: Path
) -> None:
    """A ledger written before environment changes were judged (diff rules 1: no "rules" key,
    the environment compared unjudged) re-performs with the rules it was recorded under."""
    import functools

    from checker.period import diff, steps

    monkeypatch.setattr(steps, "differences", functools.partial(diff.differences, rules=1))
    _widen_over_two_days(world)
    monkeypatch.undo()
    world.run("2026-11-03T06:00:00Z")  # today's release appends beside them (rules 2)
    period = _reperform(world)
    assert (period["reperformed"], period["problems"]) == (3, [])
    (cov,) = export_json(world, tmp_path / "e.json", "2026-11-01", "2026-11-03")["coverage"]
    assert cov["weakenings"] == []  # recorded under rules 1: the widening was listed, not judged
    assert [c["field"] for c in cov["posture_changes"]] == ["environment.prevent_self_review", "environment.updated_at"]


def test_unknown_diff_rules_are_reported(world: World, monkeypatch: Any) -> None:
    from checker.period import diff, steps

    def from_the_future(previous: Any, posture: Any) -> dict[str, Any]:
        return {**diff.differences(previous, posture), "rules": 99}

    monkeypatch.setattr(steps, "differences", from_the_future)
    _widen_over_two_days(world)
    period = _reperform(world)
    assert period["problems"] == [
        "entry 0: its differences name diff rules 99, which this verifier does not know",
        "entry 1: its differences name diff rules 99, which this verifier does not know",
    ]
