"""Deployments in the auditor's export: per repository a list, and the figure "N of M production
deployments traced", recomputed from the verified ledger's merge records (never read from an entry).

Deployment claims count only when verify accepted their signer as a trusted deployer
(`--deployer-key` / `--deployer-identity`); GitHub deployments are signed by the record job.
"""

from __future__ import annotations

import base64
import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from checker.audit.ledgers import OpenLedger
from checker.audit.population import Period, Summary
from checker.deploy.from_ledger import traced_deployments
from checker.deploy.ledger_index import LedgerIndex
from checker.deploy.unobservable import Unobserved, describe, intervals, overlaps
from checker.errors import UsageError
from checker.evidence import blobs, layout
from checker.evidence.gitio import Git
from checker.evidence.ledger import entry_hash

COLUMNS = (
    "repository",
    "environment",
    "id",
    "source",
    "sha",
    "ref",
    "creator",
    "deployed_at",
    "approved_by",
    "approval_unobservable",
    "traced",
    "untraced_changes",
    "changes",
    "rollback",
    "baseline",
    "ledger",
    "seq",
    "entry_hash",
)


class Tap:
    """Collects, from the population pass's summaries, the merge records per ledger and which
    entries are neither gates nor merges, so the deployments need no second read of every entry."""

    def __init__(self) -> None:
        self.indexes: dict[str, LedgerIndex] = {}
        self.others: dict[str, list[int]] = {}

    def wrap(self, name: str, items: Iterable[Summary]) -> Iterator[Summary]:
        index, others = self.indexes.setdefault(name, LedgerIndex()), self.others.setdefault(name, [])
        for s in items:
            if s.kind in ("gate", "merge"):
                index.add_summary(s)
            else:
                others.append(s.seq)
            yield s


def _statements(ledger: OpenLedger, seqs: list[int]) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """The statements of `seqs`, format 2 values put back (from the ledger's blob cache)."""
    names = [f"{ledger.commit}:{layout.entry_path(seq)}" for seq in seqs]
    for seq, data in zip(seqs, Git(ledger.git_dir).cat_blobs(names), strict=True):
        try:
            statement = json.loads(base64.b64decode(json.loads(data)["dsseEnvelope"]["payload"]))
            predicate = statement["predicate"]
        except (ValueError, KeyError, TypeError):
            raise UsageError(
                f"entry {seq} ({layout.entry_path(seq)}) is corrupt", fix="run changeproof verify"
            ) from None
        if isinstance(predicate, dict) and blobs.references(predicate) and ledger.ledger is not None:
            where = f"entry {seq} ({layout.entry_path(seq)})"
            statement = {**statement, "predicate": blobs.expand(predicate, ledger.ledger.blobs, where)}
        yield seq, entry_hash(data), statement


def deployment_rows(ledgers: list[OpenLedger], period: Period, tap: Tap | None = None) -> list[dict[str, Any]]:
    """Every trusted deployment of the period (by deployment time), judged from its own ledger."""
    return deployment_records(ledgers, period, tap)[0]


def deployment_records(
    ledgers: list[OpenLedger], period: Period, tap: Tap | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(deployment rows, unobservable intervals) of the period: the deployments as `deployment_rows`,
    and every interval in which the record job could not list an environment's deployments that
    touches the period (merged across consecutive runs)."""
    rows, gaps = [], []
    for ledger in ledgers:
        seen: list[Unobserved] = []
        if tap is not None and ledger.name in tap.indexes:
            entries: Iterable[tuple[int, str, dict[str, Any]]] = _statements(ledger, tap.others[ledger.name])
            index = tap.indexes[ledger.name]
        else:
            entries, index = ((e.seq, e.entry_hash, e.statement) for e in ledger.entries()), LedgerIndex()
        judged, _ = traced_deployments(entries, set(ledger.report.trusted_claims), index, seen)
        gaps += [{**gap, "ledger": ledger.name} for gap in intervals(seen) if overlaps(gap, period.start, period.end)]
        for recorded, traced in judged:
            d = recorded.deployment
            if not period.contains(d.deployed_at):
                continue
            approval = d.approval
            rows.append(
                {
                    "repository": d.repository,
                    "environment": d.environment,
                    "id": d.id,
                    "source": d.source,
                    "sha": d.sha,
                    "ref": d.ref,
                    "creator": d.creator,
                    "deployed_at": d.deployed_at,
                    "approved_by": list(approval.approved_by) if approval else [],
                    "approval_unobservable": list(approval.unobservable) if approval else [],
                    "traced": traced.traced,
                    "untraced_changes": list(traced.untraced_changes),
                    "changes": [
                        {
                            "sha": c.sha,
                            "record": c.record,
                            "pr": c.pr,
                            "seq": c.seq,
                            "verdict": c.verdict,
                            "note": c.note,
                        }
                        for c in traced.changes
                    ],
                    "rollback": recorded.shipment.rollback,
                    "baseline": recorded.shipment.baseline,
                    "ledger": ledger.name,
                    "seq": recorded.seq,
                    "entry_hash": recorded.entry_hash,
                }
            )
    return rows, gaps


def by_repository(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[row["repository"]].append(row)
    return dict(out)


def figures(
    rows: list[dict[str, Any]], gaps: list[dict[str, Any]] | tuple[()] = ()
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per repository and environment: traced, total, the unobservable intervals and the sentence
    the auditor quotes. An environment with an interval is never `complete`, and its figure says so
    ("N of M production deployments traced; deployments unobservable from X to Y")."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    seen, unseen = by_repository(rows), by_repository(list(gaps))
    for repository in dict.fromkeys([*seen, *unseen]):
        per: dict[str, list[bool]] = defaultdict(list)
        for row in seen.get(repository, []):
            per[row["environment"]].append(bool(row["traced"]))
        blind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for gap in unseen.get(repository, []):
            blind[gap["environment"]].append(gap)
        out[repository] = {}
        for env in sorted({*per, *blind}):
            flags = per.get(env, [])
            missing = [describe(g) for g in blind.get(env, [])]
            out[repository][env] = {
                "traced": sum(flags),
                "total": len(flags),
                "complete": not missing,
                "unobservable": [{"from": g["from"], "to": g["to"]} for g in blind.get(env, [])],
                "figure": "; ".join([f"{sum(flags)} of {len(flags)} {env} deployments traced", *missing]),
            }
    return out


def cell_value(value: Any) -> Any:
    """A deployment field as one spreadsheet cell: lists (approvers, changes) joined with "; "."""
    if isinstance(value, list):
        return "; ".join(
            f"{v['sha'][:12]} {v['record']} {v['verdict']}" if isinstance(v, dict) else str(v) for v in value
        )
    return value


def _cell(value: Any) -> Any:
    from checker.audit.cells import neutralise

    return neutralise(cell_value(value))


def csv_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}-deployments.csv")


def gaps_csv_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}-deployments-unobservable.csv")


def write_csv(rows: list[dict[str, Any]], out: Path, gaps: list[dict[str, Any]] | tuple[()] = ()) -> Path:
    """The deployments beside the population CSV (spreadsheet-safe cells), and the unobservable
    intervals in a second file when there are any."""
    path = csv_path(out)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows([[_cell(row.get(c, "")) for c in COLUMNS] for row in rows])
    if gaps:
        with gaps_csv_path(out).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(GAP_COLUMNS)
            writer.writerows([[_cell(v) for v in gap_cells(gap)] for gap in gaps])
    return path


GAP_COLUMNS = ("repository", "environment", "from", "to", "figure", "runs", "reasons", "ledger", "seqs")


def gap_cells(gap: dict[str, Any]) -> list[Any]:
    """One unobservable interval as a row of GAP_COLUMNS ("from" empty: since the first deployment)."""
    values = {**gap, "from": gap["from"] or "", "figure": describe(gap)}
    return [values[c] for c in GAP_COLUMNS]


def html(rows: list[dict[str, Any]], gaps: list[dict[str, Any]] | tuple[()] = ()) -> Markup:
    """The deployments section of the HTML report (templates/deployments.html.j2, autoescaped)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("checker.audit", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    described = [{**g, "figure": describe(g)} for g in gaps]
    text = env.get_template("deployments.html.j2").render(rows=rows, gaps=described, figures=figures(rows, gaps))
    return Markup(text)  # noqa: S704 - rendered with autoescape from our own template


def sample_population(doc: dict[str, Any]) -> dict[str, Any]:
    """An export document's deployments as a population `sample` can draw from (`--kind deployment`)."""
    changes = []
    for repository, rows in (doc.get("deployments") or {}).items():
        for row in rows:
            changes.append(
                {
                    "id": f"{repository}:{row['environment']}#{row['id']}",
                    "kind": "deployment",
                    "pr": None,
                    "title": f"{row['environment']} {row['sha'][:12]} at {row['deployed_at']}",
                    "tip": row["sha"],
                    "exception": None if row["traced"] else f"untraced: {', '.join(row['untraced_changes'])}",
                    "record": {
                        "ledger": row.get("ledger"),
                        "seq": row.get("seq"),
                        "entry_hash": row.get("entry_hash"),
                        "verdict": "traced" if row["traced"] else "untraced",
                        "gate_seq": None,
                    },
                }
            )
    return {**doc, "changes": changes}
