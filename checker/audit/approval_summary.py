"""The auditor's view of a recorded change's approvals, computed by the core's own rule.

There is one definition of "a valid approval" in the project: `checker.approvals.ReviewAnalysis`.
The export does not re-implement it on raw JSON; it decodes the recorded facts into the model
(`checker.serde`) and asks the analysis, under the approval options of the policy the entry was
evaluated against. Pure: JSON in, small frozen values out, no I/O, so it runs in the reader's
worker processes.

Only the fields the analysis reads are decoded (`ANALYSED_FIELDS`): decoding a whole Facts
costs several times more at 100 000 entries, and a test holds the projection equal to the full
decode on the fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from checker.approvals import ApprovalOptions, ReviewAnalysis
from checker.audit.times import parse_time
from checker.model import Facts
from checker.serde import MAX_INT, DecodeError, from_json, has_surrogate

# Facts fields that ReviewAnalysis reads (plus the required ones, so the projection decodes).
ANALYSED_FIELDS = (
    "repository",
    "number",
    "title",
    "head_sha",
    "base_sha",
    "observed_at",
    "author",
    "commits",
    "reviews",
)
STRICTEST = ApprovalOptions()


@dataclass(frozen=True)
class ApprovalView:
    """One reviewer's standing approval: does it count, and if not, why not."""

    reviewer: str
    submitted_at: str
    commit: str
    counts: bool
    why_not: str = ""

    def describe(self) -> str:
        text = f"{self.reviewer} at {self.submitted_at} on {self.commit[:12]}"
        return text if self.counts else f"{text} (not counted: {self.why_not})"


@dataclass(frozen=True)
class ApprovalSummary:
    """Every standing approval of one recorded change; `error` when the facts no longer decode."""

    approvals: tuple[ApprovalView, ...] = ()
    error: str = ""

    @property
    def valid(self) -> tuple[ApprovalView, ...]:
        return tuple(a for a in self.approvals if a.counts)

    @property
    def not_counted(self) -> tuple[ApprovalView, ...]:
        return tuple(a for a in self.approvals if not a.counts)


NO_APPROVALS = ApprovalSummary()


def options_of(policy_doc: dict[str, Any] | None) -> ApprovalOptions:
    """The approval options of a recorded policy document; the strictest ones when it is unreadable.

    Mirrors `controls.context.Context.reviews` (the peer_review control's parameters and the
    policy's trusted bots), so the auditor sees the approvals the evaluation counted.
    """
    if not isinstance(policy_doc, dict):
        return STRICTEST
    controls = policy_doc.get("controls")
    peer = controls.get("peer_review") if isinstance(controls, dict) else None
    params = peer.get("params") if isinstance(peer, dict) else None
    params = params if isinstance(params, dict) else {}
    bots = policy_doc.get("trusted_bots")
    return ApprovalOptions(
        allow_stale=bool(params.get("allow_stale", False)),
        ignore_update_merges=bool(params.get("ignore_update_merges", True)),
        accept_unlinked_authors=bool(params.get("accept_unlinked_authors", False)),
        trusted_bots=tuple(str(b) for b in bots) if isinstance(bots, list) else (),
    )


class PolicyOptions:
    """Approval options per recorded policy digest, read once each through `read(path)`."""

    def __init__(self, read: Callable[[str], bytes | None]) -> None:
        self._read = read
        self._cache: dict[str, ApprovalOptions] = {}

    def __call__(self, digest: str) -> ApprovalOptions:
        if digest not in self._cache:
            raw = self._read(f"policies/{digest}") if digest else None
            try:
                doc = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                doc = None
            self._cache[digest] = options_of(doc)
        return self._cache[digest]


def analysis_of(facts_json: dict[str, Any], options: ApprovalOptions) -> ReviewAnalysis:
    """The core's review analysis of recorded facts (raises DecodeError when they do not fit the model)."""
    projected = {k: facts_json[k] for k in ANALYSED_FIELDS if k in facts_json}
    return ReviewAnalysis(from_json(Facts, projected, "$.predicate.facts"), options)


def _why_not(problems: tuple[str, ...], unobservable: tuple[str, ...], fresh: bool, head: str) -> str:
    reasons = [*problems, *unobservable]
    if not fresh:
        reasons.append(f"not given on the head commit {head[:12]}")
    return "; ".join(reasons)


def summarise_approvals(facts_json: dict[str, Any], options: ApprovalOptions) -> ApprovalSummary:
    """Each reviewer's standing approval and whether the core's rule counts it at the recorded head."""
    try:
        analysis = analysis_of(facts_json, options)
    except DecodeError as exc:
        return ApprovalSummary(error=f"recorded facts do not decode ({exc})")
    head = analysis.facts.head_sha
    return ApprovalSummary(
        tuple(
            ApprovalView(
                a.reviewer,
                a.review.submitted_at,
                a.review.commit_id,
                a.counts(),
                _why_not(a.problems, a.unobservable, a.fresh, head),
            )
            for a in analysis.approvals
        )
    )


# The projection without its lists: what every entry still decodes when its analysis is shared.
_SCALARS = tuple(k for k in ANALYSED_FIELDS if k not in ("commits", "reviews"))


def _scalars_decode(facts_json: dict[str, Any]) -> bool:
    """True when the scalar fields are all there with their exact types (so `from_json` would
    accept them: a string without surrogates, an integer in range); False sends the caller to
    `from_json` itself. Building the Facts to find that out was a third of a row's cost."""
    for key in _SCALARS:
        value = facts_json.get(key)
        if key == "number":
            if type(value) is not int or not -MAX_INT - 1 <= value <= MAX_INT:
                return False
        elif type(value) is not str or has_surrogate(value):
            return False
    return True


class ApprovalMemo:
    """`summarise_approvals`, its result shared by entries that record the same head, author,
    commits and reviews under the same options (a PR's gate and merge records; at 100 000
    entries the analysis was most of a row's cost). Exact: the analysis reads only those four
    fields, and the others (title, number, ...) are still decoded for every entry; when they do
    not decode, the uncached path gives its own error."""

    def __init__(self, limit: int = 8192) -> None:
        self._limit = limit
        self._seen: dict[tuple[Any, ...], ApprovalSummary] = {}

    def __call__(self, facts_json: dict[str, Any], options: ApprovalOptions) -> ApprovalSummary:
        try:
            if not _scalars_decode(facts_json):
                from_json(Facts, {k: facts_json[k] for k in _SCALARS if k in facts_json}, "$.predicate.facts")
            key = (
                options,
                facts_json["head_sha"],
                facts_json["author"],
                orjson.dumps(facts_json.get("commits")),
                orjson.dumps(facts_json.get("reviews")),
            )
        except (DecodeError, KeyError, TypeError):
            return summarise_approvals(facts_json, options)
        found = self._seen.get(key)
        if found is None:
            if len(self._seen) >= self._limit:
                self._seen.clear()
            found = self._seen[key] = summarise_approvals(facts_json, options)
        return found


def retrospective_approval(later: ApprovalSummary, merged_at: str) -> ApprovalView | None:
    """The first counting approval of a later entry of a merged PR that was submitted after the merge.

    `later` summarises a follow-up record of the same, already merged PR: independence, write
    access, bot trust and binding to the merged head are the core's, exactly as for the gate;
    only the submission time must fall after the merge.
    """
    merged = parse_time(merged_at)
    if merged is None:
        return None
    late = [(when, a) for a in later.valid if (when := parse_time(a.submitted_at)) is not None and when > merged]
    return min(late, key=lambda wa: (wa[0], wa[1].reviewer))[1] if late else None
