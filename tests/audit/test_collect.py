"""The export reads each entry once, beside its verification, and shows exactly what it showed
when it read every entry again afterwards: same summaries, same period entries, same files
whether the work runs on one process or several, and the shared approval analysis equal to the
per-entry one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import BASE_FACTS, BRANCH, Keys, Recorder, pr_facts, review
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.approvals import ApprovalOptions
from checker.audit.approval_summary import STRICTEST, ApprovalMemo, summarise_approvals
from checker.audit.collect import ExportCollector, attach
from checker.audit.coverage import period_entries
from checker.audit.ledgers import open_ledgers
from checker.audit.population import Period
from checker.audit.reader import summaries
from checker.audit.run import export
from checker.serde import to_json

HEAD = BASE_FACTS.head_sha


def _fill(recorder: Recorder) -> None:
    for n in range(1, 5):
        facts = pr_facts(n, f"PAY-{n}", merged_at=f"2026-11-1{n}T10:00:00Z", merge_sha=f"{n}" * 40, approved=n != 3)
        recorder.record(replace(facts, merge=replace(facts.merge, merged=False, merged_at=None)), kind="gate")
        recorder.record(facts)
    recorder.record(pr_facts(5, "PAY-5", merged_at="2026-11-20T10:00:00Z", merge_sha="5" * 40, emergency=True))
    late = (review("bob", HEAD, "2026-11-21T09:00:00Z"),)
    recorder.record(pr_facts(5, "PAY-5", merged_at="2026-11-20T10:00:00Z", merge_sha="5" * 40, reviews=late))
    recorder.exception("bypass", ("c" * 40,), "a" * 40, "b" * 40, "2026-11-22T10:00:00Z")
    recorder.exception("direct_push", ("d" * 40,), "b" * 40, "e" * 40, "2026-11-23T10:00:00Z")


def test_collected_summaries_and_period_entries_equal_a_second_read(
    recorder: Recorder, keys: Keys, tmp_path: Path
) -> None:
    _fill(recorder)
    with open_ledgers([str(recorder.ledger)], BRANCH, [str(keys.public)]) as plain:
        again = list(summaries(plain[0], workers=1))
        period_again = period_entries(plain[0])
    with open_ledgers([str(recorder.ledger)], BRANCH, [str(keys.public)], collect=ExportCollector()) as read:
        assert read[0].report.ok and len(read[0].report.collected) == len(again)
        attach(read[0])
        assert read[0].period_read is not None and read[0].report.collected == []
        period = period_entries(read[0])
        taken = list(summaries(read[0]))
    assert taken == again and len(taken) == 12
    assert {s.kind for s in taken} == {"gate", "merge", "exception"}
    assert period == period_again and [p[0] for p in period] == [10]  # the bypass exception


def test_a_missing_blob_fails_the_export_as_reading_it_did(recorder: Recorder, keys: Keys, tmp_path: Path) -> None:
    import subprocess

    from checker.errors import CorruptEntryError, LedgerInvalidError

    _fill(recorder)
    git = ["git", f"--git-dir={recorder.ledger}"]
    listing = subprocess.run([*git, "ls-tree", "-r", "--name-only", BRANCH], capture_output=True, text=True).stdout
    blob = next(p for p in listing.split() if p.startswith("blobs/"))
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", "-b", BRANCH, str(recorder.ledger), str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "rm", "-q", blob], check=True)
    who = ["-c", "user.name=x", "-c", "user.email=x@x"]
    subprocess.run(["git", "-C", str(work), *who, "commit", "-qm", "drop a blob"], check=True)
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", BRANCH], check=True)
    args = ([str(recorder.ledger)], BRANCH, [str(keys.public)], Period(), "csv")
    with pytest.raises(LedgerInvalidError):  # refused: invalid
        export(*args, tmp_path / "a.csv")
    with pytest.raises(CorruptEntryError, match="missing or does not match its digest"):  # even when allowed
        export(*args, tmp_path / "b.csv", allow_invalid=True)


@pytest.mark.parametrize("fmt", ["csv", "json", "html"])
def test_export_on_several_processes_writes_what_one_process_writes(
    recorder: Recorder, keys: Keys, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import checker.evidence.verify

    _fill(recorder)
    monkeypatch.setattr(checker.evidence.verify, "CHUNK", 3)  # small chunks, so the 12 entries spread over workers
    outs = []
    for jobs in (1, 2):
        out = tmp_path / f"population-{jobs}.{fmt}"
        export([str(recorder.ledger)], BRANCH, [str(keys.public)], Period(), fmt, out, jobs=jobs)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and b"PAY-4" in outs[0]


def test_verify_shares_its_chunks_between_the_pool_and_this_process(
    recorder: Recorder, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool takes chunks from the front and this process from the back: every chunk is
    checked once, whichever took it, and the report (problems included) is one process's."""
    import checker.evidence.verify as verify

    _fill(recorder)
    monkeypatch.setattr(verify, "CHUNK", 2)
    here: list[int] = []
    real = verify.check_entry

    def counting(seq: int, *args: Any) -> Any:
        here.append(seq)  # forked pool workers append to their own copy
        return real(seq, *args)

    monkeypatch.setattr(verify, "check_entry", counting)
    reports, taken = [], []
    for w in (1, 2, 3):
        here.clear()
        reports.append(verify.verify_ledger(str(recorder.ledger), BRANCH, keys=[str(keys.public)], workers=w))
        taken.append(sorted(here))
    assert taken[0] == list(range(12))  # one process: all of them here
    assert 0 < len(taken[1]) < 12 and len(set(taken[1])) == len(taken[1])  # shared, none twice
    for report in reports:
        assert report.ok and report.entries == 12
        assert (report.signers, report.size, report.root) == (reports[0].signers, reports[0].size, reports[0].root)
        assert report.entry_index == reports[0].entry_index


FACTS = to_json(pr_facts(7, "PAY-7", merged_at="2026-11-10T10:00:00Z", merge_sha="7" * 40))
OTHER_REVIEWS = to_json(
    pr_facts(
        7, "x", merged_at=None, reviews=(review("carol", HEAD, "2026-11-27T13:41:00Z"), review("alice", HEAD, "x"))
    )
)["reviews"]


scalars = st.one_of(st.text(max_size=5), st.integers(-2, 2), st.none(), st.lists(st.integers(), max_size=1))


@settings(max_examples=300, deadline=None)
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from(["title", "number", "repository", "base_sha", "observed_at", "author", "head_sha"]), scalars
        ),
        max_size=3,
    ),
    drop=st.lists(st.sampled_from(["title", "number", "head_sha", "author", "commits", "reviews"]), max_size=2),
    reviews=st.sampled_from(["same", "other", "broken", "none"]),
    options=st.sampled_from([STRICTEST, ApprovalOptions(allow_stale=True), ApprovalOptions(trusted_bots=("x[bot]",))]),
)
def test_shared_approval_analysis_equals_the_per_entry_one(
    changes: list[tuple[str, Any]], drop: list[str], reviews: str, options: ApprovalOptions
) -> None:
    memo = ApprovalMemo(limit=4)
    facts: dict[str, Any] = dict(FACTS)
    if reviews == "other":
        facts["reviews"] = OTHER_REVIEWS
    elif reviews == "broken":
        facts["reviews"] = [{"reviewer": 3}]
    elif reviews == "none":
        facts["reviews"] = []
    # the memo sees the unchanged record first, as a gate entry before its merge entry
    assert memo(dict(FACTS), STRICTEST) == summarise_approvals(dict(FACTS), STRICTEST)
    for name, value in changes:
        facts[name] = value
    for name in drop:
        facts.pop(name, None)
    for _ in range(2):  # a miss, then a hit
        assert memo(facts, options) == summarise_approvals(facts, options)


@given(st.lists(st.one_of(st.text(max_size=4), st.integers(), st.none()), max_size=8))
def test_a_whole_csv_row_is_neutralised_as_each_cell_is(values: list[Any]) -> None:
    import csv
    import io

    from checker.audit.cells import neutralise
    from checker.audit.csv_rows import render

    columns = [f"c{i}" for i in range(len(values))] + ["absent"]
    expected = io.StringIO()
    csv.writer(expected).writerow([neutralise(v) for v in values] + [""])
    assert render([dict(zip(columns, values, strict=False))], columns, 0, 1) == expected.getvalue()
