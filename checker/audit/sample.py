"""Reproducible sampling: anyone can re-draw the sample by hand from the population and the seed.

Method (written into every sample): for each change compute SHA-256 over the UTF-8 bytes of
`<seed>:<change id>`, sort the changes by that hex digest (ties, which do not happen in practice,
by change id), and take the first N. Exceptions are part of the population, so they can be drawn.
No random number generator is involved, so the draw is the same in every Python version.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from checker.errors import UsageError

SAMPLE_FORMAT = "changeproof-sample/1"
CHANGE_FIELDS = (
    "id",
    "repository",
    "kind",
    "pr",
    "title",
    "tip",
    "commits",
    "pushed_at",
    "time_source",
    "exception",
    "record",
)
# what is known of a change nobody recorded: reconcile fills these for such changes only
KNOWN_FIELDS = ("pushed_by", "commit_details", "recorded_exception")
METHOD = (
    "for each change, key = SHA-256 of the UTF-8 bytes of '<seed>:<change id>' (lower-case hex); sort the "
    "population by key (then by change id); take the first N"
)


def sort_key(seed: str, change_id: str) -> str:
    return hashlib.sha256(f"{seed}:{change_id}".encode()).hexdigest()


def load_population(path: Path) -> dict[str, Any]:
    """A reconciled population (or an export JSON, whose rows become changes); with its digest."""
    raw = path.read_bytes()
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise UsageError(f"{path} is not JSON ({exc})", fix="pass the POPULATION.json written by reconcile") from None
    if not isinstance(doc, dict):
        raise UsageError(f"{path} is not a population", fix="pass the POPULATION.json written by reconcile")
    if doc.get("format") == "changeproof-export/1":
        changes = []
        for row in doc.get("rows") or []:
            cid = (
                f"{row['repository']}#{row['pr']}"
                if row.get("kind") == "pr"
                else f"{row['repository']}@{row.get('merge_sha')}"
            )
            changes.append(
                {
                    "id": cid,
                    "repository": row.get("repository"),
                    "kind": row.get("kind"),
                    "pr": row.get("pr") or None,
                    "title": row.get("title"),
                    "tip": row.get("merge_sha"),
                    "exception": row.get("exception") or None,
                    "record": {
                        "ledger": row.get("ledger"),
                        "seq": row.get("seq"),
                        "entry_hash": row.get("entry_hash"),
                        "verdict": row.get("verdict"),
                        "gate_seq": None if row.get("gate_seq") in ("", None) else row["gate_seq"],
                    },
                }
            )
        doc = {**doc, "changes": changes}
    if not isinstance(doc.get("changes"), list) or not all(isinstance(c, dict) and c.get("id") for c in doc["changes"]):
        raise UsageError(
            f"{path} has no list of changes with ids", fix="pass the POPULATION.json written by `changeproof reconcile`"
        )
    ids = [c["id"] for c in doc["changes"]]
    if len(set(ids)) != len(ids):
        raise UsageError(f"{path} lists a change id twice", fix="re-run `changeproof reconcile`")
    doc["_sha256"] = hashlib.sha256(raw).hexdigest()
    doc["_path"] = str(path)
    return doc


def draw(population: dict[str, Any], size: int, seed: str) -> dict[str, Any]:
    if not seed:
        raise UsageError("the seed is empty", fix="pass --seed with a value you record in the workpapers")
    keyed = sorted(((sort_key(seed, c["id"]), c) for c in population["changes"]), key=lambda kc: (kc[0], kc[1]["id"]))
    chosen = keyed[:size]
    return {
        "format": SAMPLE_FORMAT,
        "method": METHOD,
        "seed": seed,
        "size": size,
        "drawn": len(chosen),
        "population": {
            "path": population.get("_path"),
            "sha256": population.get("_sha256"),
            "total": len(population["changes"]),
            "repository": population.get("repository"),
            "period": population.get("period"),
            "exceptions": sum(1 for c in population["changes"] if c.get("exception")),
        },
        "note": "" if size <= len(chosen) else f"the population has only {len(chosen)} changes: all were drawn",
        "sample": [
            {
                "rank": n + 1,
                "key": key,
                **{k: c.get(k) for k in CHANGE_FIELDS},
                **{k: c[k] for k in KNOWN_FIELDS if k in c},
            }
            for n, (key, c) in enumerate(chosen)
        ],
    }
