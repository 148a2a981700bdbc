"""Unobservable intervals: consecutive failed runs merge, every run's interval stays covered, and a
recorded predicate of any shape decodes without crashing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from checker.audit.times import parse_time
from checker.deploy.unobservable import Unobserved, describe, intervals, overlaps, unobserved_from

DAY = "2026-11-{:02d}T00:00:00Z"


def gap(since: int | None, until: int, env: str = "production", seq: int = 0) -> Unobserved:
    return Unobserved("acme/web", env, DAY.format(since) if since else None, DAY.format(until), ("403",), seq)


def test_consecutive_runs_merge_and_a_later_interval_stays_apart() -> None:
    merged = intervals([gap(3, 5, seq=1), gap(3, 6, seq=2), gap(8, 9, seq=4), gap(None, 4, "staging", seq=3)])
    assert [(m["environment"], m["from"], m["to"], m["runs"], m["seqs"]) for m in merged] == [
        ("production", DAY.format(3), DAY.format(6), 2, [1, 2]),
        ("production", DAY.format(8), DAY.format(9), 1, [4]),
        ("staging", None, DAY.format(4), 1, [3]),
    ]
    assert describe(merged[0]) == f"deployments unobservable from {DAY.format(3)} to {DAY.format(6)}"
    assert describe(merged[2]).startswith("deployments unobservable from the first deployment")


def test_overlap_with_the_period() -> None:
    [one] = intervals([gap(3, 5)])
    assert overlaps(one, None, None)
    assert overlaps(one, parse_time(DAY.format(5)), None) and not overlaps(one, parse_time(DAY.format(6)), None)
    assert overlaps(one, None, parse_time(DAY.format(3))) and not overlaps(one, None, parse_time(DAY.format(2)))


@given(st.lists(st.tuples(st.none() | st.integers(1, 20), st.integers(1, 28), st.sampled_from(["a", "b"]))))
def test_every_run_stays_covered(runs: list[tuple[int | None, int, str]]) -> None:
    gaps = [gap(s, max(u, s or 1), env, seq) for seq, (s, u, env) in enumerate(runs)]
    merged = intervals(gaps)
    assert sum(m["runs"] for m in merged) == len(gaps)
    for g in gaps:
        [home] = [m for m in merged if g.seq in m["seqs"]]
        assert home["environment"] == g.environment
        assert home["from"] is None or (g.since is not None and home["from"] <= g.since)
        assert home["to"] >= g.until


@given(
    st.dictionaries(
        st.sampled_from(["since", "until", "reasons", "environment"]), st.none() | st.text() | st.integers()
    )
)
def test_recorded_predicates_of_any_shape_decode(predicate: dict) -> None:
    got = unobserved_from(predicate, 1, "h")
    assert isinstance(got.until, str) and all(isinstance(r, str) for r in got.reasons)
