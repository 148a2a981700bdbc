"""Bad input and hard cases: history 404, rule suites 403, a ruleset deleted mid-period (and
recreated), a rule disabled and re-enabled between two runs, bypass coverage gaps, trusted time."""

from __future__ import annotations

from datetime import timedelta

from period_world import World, at, ledger_ruleset, ruleset_state, version

from checker.evidence import read_entries
from checker.evidence.keys import TrustedKey, load_public
from checker.evidence.posture_verify import classify
from checker.period.diff import differences, weakening


def postures(world: World) -> list[dict]:
    return [
        e.predicate
        for e in read_entries(str(world.ledger), "changeproof-ledger")
        if e.predicate_type.endswith("posture/v1")
    ]


def test_history_404_is_unobservable_and_the_change_still_shows(world: World) -> None:
    world.run("2026-11-01T06:00:00Z")
    world.update_ruleset(11, "2026-11-01T10:00:00Z", 502, enforcement="evaluate")
    world.fake.add_fault(path=r"/rulesets/11/history$", status=404, body={"message": "Not Found"}, times=5)
    out = world.run("2026-11-02T06:00:00Z")
    assert {"what": "history of ruleset 11", "why": "GitHub answered 404", "permission_needed": ""} in out["posture"][
        "unobservable"
    ]
    (w,) = out["posture"]["weakenings"]
    assert (w["field"], w["before"], w["after"], w["actor"], w["weakening"]) == (
        "enforcement",
        "active",
        "evaluate",
        None,
        "enforcement evaluate",
    )
    assert out["posture"]["results"]["branch_rules"] == "fail"  # evaluate mode enforces nothing


def test_rule_suites_403_means_bypasses_unreadable_not_none(world: World) -> None:
    world.fake.add_fault(path=r"/rulesets/rule-suites$", status=403, body={"message": "Resource not accessible"})
    out = world.run("2026-11-01T06:00:00Z")
    assert out["bypasses"]["readable"] is False and out["bypasses"]["recorded"] == 0
    assert postures(world)[0]["posture"]["bypass_scan"]["readable"] is False


def test_ruleset_deleted_mid_period_and_recreated_loses_history(world: World) -> None:
    world.run("2026-11-01T06:00:00Z")
    world.repo()["rulesets"]["11"]["deleted"] = True
    out = world.run("2026-11-02T06:00:00Z")
    (deleted,) = [w for w in out["posture"]["weakenings"] if w["field"] == "ruleset"]
    assert (deleted["ruleset_id"], deleted["before"], deleted["after"], deleted["weakening"]) == (
        11,
        "main protection",
        None,
        "ruleset deleted",
    )
    assert out["posture"]["results"]["branch_rules"] == "fail"
    # deleted again and recreated under the same name before the next run: the old versions are gone
    world.run("2026-11-03T06:00:00Z")
    world.repo()["rulesets"]["12"]["deleted"] = True
    world.repo()["rulesets"]["13"] = {
        "versions": [version(300, 502, "2026-11-03T12:00:00Z", {**ledger_ruleset(), "id": 13})]
    }
    out = world.run("2026-11-04T06:00:00Z")
    lost = [w for w in out["posture"]["weakenings"] if w["field"] == "ruleset"]
    assert [(w["ruleset_id"], w["weakening"]) for w in lost] == [(12, "ruleset deleted and recreated: history lost")]


def test_rule_disabled_and_reenabled_between_two_runs_shows(world: World) -> None:
    world.run("2026-11-01T06:00:00Z")
    world.update_ruleset(11, "2026-11-01T20:00:00Z", 502, enforcement="disabled")
    world.update_ruleset(11, "2026-11-01T21:30:00Z", 501, enforcement="active")
    out = world.run("2026-11-02T06:00:00Z")
    assert out["posture"]["changed"] is False  # the two postures are identical ...
    diff = postures(world)[-1]["differences"]
    assert [(c["at"], c["before"], c["after"], c["actor"]) for c in diff["changes"]] == [
        ("2026-11-01T20:00:00Z", "active", "disabled", "mallory"),
        ("2026-11-01T21:30:00Z", "disabled", "active", "ops-admin"),
    ]  # ... but the history shows the 90 minutes without enforcement
    assert diff["enforcement_gaps"] == [
        {"ruleset_id": 11, "enforcement": "disabled", "from": "2026-11-01T20:00:00Z", "to": "2026-11-01T21:30:00Z"}
    ]


def test_more_than_seven_days_between_runs_is_a_gap_that_cannot_be_backfilled(world: World) -> None:
    world.run("2026-11-01T06:00:00Z")
    out = world.run("2026-11-12T06:00:00Z")
    assert out["bypasses"]["gap"] == {
        "from": "2026-11-01T06:00:00Z",
        "to": "2026-11-05T06:00:00Z",
        "why": "more than 7 days since the last run",
    }


def test_bypass_actor_added_and_other_weakenings_are_named() -> None:
    assert weakening("bypass_actors", ["Team:1:always"], ["Team:1:always", "User:9:always"]) == (
        "bypass actor added: User:9:always"
    )
    assert weakening("bypass_actors", None, ["User:9:always"]) == ""  # unreadable before: not comparable
    assert weakening("rules.non_fast_forward", True, None) == "force pushes allowed"
    assert weakening("rules.pull_request.dismiss_stale_reviews_on_push", True, False) == "stale-review dismissal off"
    assert weakening("rules.required_status_checks.required_status_checks", ["build", "test"], ["build"]) == (
        "required check removed: test"
    )
    assert weakening("enforcement", "evaluate", "active") == ""
    base = {"collected_at": "2026-11-01T00:00:00Z", "config": {"rulesets": {"1": _normal(ruleset_state(1))}}}
    later = {"collected_at": "2026-11-02T00:00:00Z", "config": {"rulesets": {"1": _normal(ruleset_state(1))}}}
    assert differences(base, later) == {"changes": [], "enforcement_gaps": [], "rules": 2}


def _normal(state: dict) -> dict:
    from checker.github.posture import normalise_ruleset

    return normalise_ruleset(state)


def test_a_day_is_observed_only_when_trusted_time_bounds_it(world: World) -> None:
    world.run("2026-11-01T06:00:00Z")
    world.run("2026-11-02T06:00:00Z")
    world.run("2026-11-03T06:00:00Z")
    entries = [(e.seq, e.statement, e.bundle) for e in read_entries(str(world.ledger), "changeproof-ledger")]
    key = TrustedKey.of(load_public(str(world.keys.public)))
    signed = {s: at(st["predicate"]["observed_at"]) for s, st, _ in entries}
    witness = {
        0: (signed[0] + timedelta(hours=2)).isoformat(),  # cosigned two hours later: observed
        1: (signed[1] + timedelta(hours=25)).isoformat(),  # a day and an hour later: not bounded
        2: (signed[2] - timedelta(minutes=1)).isoformat(),  # before it was signed: impossible
    }
    trust = classify(entries, [key], witness)
    assert [bool(trust.trusted[s].trusted_time) for s in (0, 1, 2)] == [True, False, False]
    assert classify(entries, [], witness).trusted == {}  # not the posture key: counts for nothing


def test_review_within_days_from_the_policy_makes_a_late_retrospective(world: World) -> None:
    policy = world.repo()["contents"]["main"][".github/changeproof.yml"]
    world.repo()["contents"]["main"][".github/changeproof.yml"] = policy.replace(
        "    team: acme/sre\n", "    team: acme/sre\n    review_within_days: 1\n"
    )
    world.emergency_merge(3, "2026-11-02T10:00:00Z")
    world.approve(3, "carol", "2026-11-04T08:00:00Z", 9001)  # two days later: late
    world.approve(3, "dave", "2026-11-03T08:00:00Z", 9002)  # in time, but dave has read access only
    out = world.run("2026-11-05T06:00:00Z")
    assert out["retrospectives"]["closed"] == 1
    (retro,) = [
        e.predicate
        for e in read_entries(str(world.ledger), "changeproof-ledger")
        if e.predicate_type.endswith("retrospective/v1")
    ]
    assert (retro["approval"]["reviewer"], retro["in_time"], retro["review_within_days"]) == ("carol", False, 1)
