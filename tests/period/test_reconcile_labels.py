"""reconcile labels each bypass: `observed` (a rule-suite bypass entry) or `inferred` (a failed record merged)."""

from __future__ import annotations

from checker.audit.reconcile import Records, _bypass_label


def test_observed_from_rule_suites_inferred_from_failed_records() -> None:
    records = Records()
    records.exceptions["b" * 40] = {"reason": "bypass", "seq": 4, "ledger": "L", "entry_hash": "h"}
    records.exceptions["d" * 40] = {"reason": "force push to the default branch", "seq": 5}
    observed = {"commits": ["b" * 40], "tip": "b" * 40, "exception": "no merge record"}
    inferred = {"commits": ["c" * 40], "tip": "c" * 40, "exception": "admin bypass: merged by root with a fail"}
    other = {"commits": ["d" * 40], "tip": "d" * 40, "exception": "force push to the default branch"}
    assert [_bypass_label(c, records) for c in (observed, inferred, other)] == ["observed", "inferred", None]
