"""Property tests of the deployment parsers and the walk (hypothesis)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.deploy.model import approval_from, deployment_from, shipment_from
from checker.deploy.shipped import Line, ship
from checker.errors import UsageError
from checker.evidence.deployments import artifact_digest
from checker.github.deployments import run_id_of

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@given(st.text(max_size=80), st.integers(min_value=1, max_value=10**12))
def test_run_id_is_taken_only_from_an_actions_run_url(prefix: str, run: int) -> None:
    url = f"https://github.com/acme/web/actions/runs/{run}/job/1"
    assert run_id_of({"log_url": url, "target_url": prefix}) == str(run)
    assert run_id_of({"target_url": url}) == str(run)
    if "/actions/runs/" not in prefix:
        assert run_id_of({"log_url": prefix, "target_url": None}) == ""


@given(st.text(alphabet=string.hexdigits.lower(), min_size=64, max_size=64))
def test_artifact_digests_round_trip(hexdigest: str) -> None:
    assert artifact_digest(f"sha256:{hexdigest}") == hexdigest
    assert artifact_digest(f" SHA256:{hexdigest.upper()} ") == hexdigest


@given(st.text(max_size=80))
def test_anything_else_is_a_usage_error(text: str) -> None:
    if text.strip().lower().startswith("sha256:") and len(text.strip()) == 71:
        return
    with pytest.raises(UsageError):
        artifact_digest(text)


@given(json_values)
def test_recorded_predicates_of_any_shape_decode_without_crashing(value: object) -> None:
    approval_from(value)
    shipment_from(value)
    if isinstance(value, dict):
        deployment_from(value)


@given(
    st.integers(min_value=1, max_value=40),
    st.lists(st.integers(min_value=0, max_value=45), min_size=1, max_size=8),
    st.sets(st.integers(min_value=0, max_value=39), max_size=40),
)
def test_the_walk(length: int, positions: list[int], recorded_positions: set[int]) -> None:
    line = Line.of([f"{i:040x}" for i in range(length)])
    recorded = {line.commits[p] for p in recorded_positions if p < length}
    earlier: list[tuple[str, str]] = []
    for n, p in enumerate(positions):
        sha = line.commits[p] if p < length else f"{p:040x}-off"
        s = ship(sha, line, earlier, recorded)
        assert s.baseline == (earlier[-1][0] if earlier else None)
        if s.off_branch:
            assert sha not in line.position and not s.changes
        elif s.changes:
            start = line.position[s.changes[0]]
            assert s.changes == line.commits[start : line.position[sha] + 1]  # a contiguous run ending at sha
            assert not s.rollback
            assert not any(e == sha for _, e in earlier)  # a sha deployed before ships nothing new
        earlier.append((str(n), sha))
