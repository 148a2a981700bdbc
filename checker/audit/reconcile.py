"""Completeness: the population is what reached the branch, and every change must have a merge record.

1. The branch's first-parent history is grouped into changes: a merge or squash commit whose sha
   a merge record names is one change; a rebase merge lands several commits for one PR, so the
   commits before that record's merge sha that repeat the PR's recorded commits (same author
   e-mail and message, in order) join it. With the API, a commit's associated pull request
   (`GET /repos/{o}/{r}/commits/{sha}/pulls`) attributes whatever the messages did not.
2. Each change is placed in the period by the time it was *pushed*, from the repository activity
   API (`GET /repos/{o}/{r}/activity`); commit dates can be forged, so when the API is not
   available the output says it fell back to them, change by change.
3. Gaps are exceptions: a direct push (no PR), a force push (from the activity list), a merged PR
   without a merge record (missing evidence), a PR merged although its merge-time evaluation
   failed, and an admin bypass (merged failing, with no passing gate evaluation before it).
"""

from __future__ import annotations

import subprocess
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from checker.audit.document import ledger_summary
from checker.audit.github_api import Api, NotAvailable
from checker.audit.ledgers import OpenLedger, open_ledgers
from checker.audit.population import Period, as_dict
from checker.audit.times import parse_time
from checker.errors import UsageError

POPULATION_FORMAT = "changeproof-population/1"
SEP, END = "\x1f", "\x1e"


@dataclass(frozen=True)
class GitCommit:
    sha: str
    parents: tuple[str, ...]
    committed_at: str
    author_email: str
    message: str


@dataclass
class MergeRecord:
    repository: str
    pr: int
    title: str
    merge_sha: str
    verdict: str
    policy_mode: str
    merged_by: str
    merged_at: str
    commits: list[tuple[str, str]]  # (author e-mail, message) of the PR's own commits, oldest first
    ledger: str
    seq: int
    entry_hash: str
    gate_verdict: str = "none"
    gate_seq: int | None = None


@dataclass
class Records:
    by_sha: dict[str, MergeRecord] = field(default_factory=dict)
    by_pr: dict[int, MergeRecord] = field(default_factory=dict)
    exceptions: dict[str, dict[str, Any]] = field(default_factory=dict)  # commit sha -> exception entry


def first_parent_history(repo: Path, branch: str) -> list[GitCommit]:
    """Oldest first."""
    fmt = SEP.join(["%H", "%P", "%cI", "%ae", "%B"]) + END
    proc = subprocess.run(
        ["git", "-C", str(repo), "log", "--first-parent", f"--format={fmt}", "--reverse", f"refs/heads/{branch}", "--"],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise UsageError(
            f"cannot read the history of branch {branch} in {repo}: "
            f"{proc.stderr.decode(errors='replace').strip()[:300]}",
            fix="pass --repo with a clone of the audited repository and --branch with its branch",
        )
    out = []
    for item in proc.stdout.decode(errors="replace").split(END):
        item = item.lstrip("\n")
        if not item:
            continue
        sha, parents, date, email, message = item.split(SEP, 4)
        out.append(GitCommit(sha, tuple(parents.split()), _utc(date), email.lower(), message.strip()))
    return out


def _utc(date: str) -> str:
    value = parse_time(date)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else date


def _collect(entries: Any, ledger: str, repository: str | None, records: Records, seen: Counter[str]) -> None:
    gates: dict[tuple[str, int], tuple[str, int]] = {}
    for entry in entries:
        p = entry.predicate
        kind = p.get("kind")
        repo = str(p.get("repository") or "")
        seen[repo] += 1
        if repository and repo != repository:
            continue
        if kind == "exception":
            for sha in [*(p.get("commits") or []), p.get("after")]:
                if sha:
                    records.exceptions.setdefault(
                        str(sha),
                        {"reason": p.get("reason"), "seq": entry.seq, "ledger": ledger, "entry_hash": entry.entry_hash},
                    )
            continue
        pr = int(p.get("pr") or 0)
        if kind == "gate":
            gates[(repo, pr)] = (str(p.get("verdict")), entry.seq)
            continue
        if kind != "merge" or pr in records.by_pr:
            continue  # only the first (merge-time) record of a PR counts
        facts = as_dict(p.get("facts"))
        merge = facts.get("merge") or {}
        sha = str(merge.get("merge_commit_sha") or p.get("merge_sha") or "")
        own = [c for c in facts.get("commits") or [] if len(c.get("parents") or []) < 2 and not c.get("merges_base")]
        gate = gates.get((repo, pr))
        record = MergeRecord(
            repository=repo,
            pr=pr,
            title=str(facts.get("title") or ""),
            merge_sha=sha,
            verdict=str(p.get("verdict") or ""),
            policy_mode=str((p.get("evaluation") or {}).get("policy_mode") or "enforce"),
            merged_by=str(merge.get("merged_by") or ""),
            merged_at=str(merge.get("merged_at") or ""),
            commits=[
                (str((c.get("author") or {}).get("email") or "").lower(), str(c.get("message") or "").strip())
                for c in own
            ],
            ledger=ledger,
            seq=entry.seq,
            entry_hash=entry.entry_hash,
            gate_verdict=gate[0] if gate else "none",
            gate_seq=gate[1] if gate else None,
        )
        records.by_pr[pr] = record
        if sha:
            records.by_sha[sha] = record


def _gap(record: MergeRecord) -> str | None:
    """Why a recorded merge is still an exception, or None."""
    if record.verdict in ("pass", "emergency"):
        return None
    if record.policy_mode == "advisory":
        return f"merged although its evaluation was {record.verdict} (advisory policy: the gate did not block)"
    if record.gate_verdict != "pass":
        return (
            f"admin bypass: merged by {record.merged_by or 'unknown'} with a {record.verdict} evaluation and "
            f"no passing gate evaluation (last gate: {record.gate_verdict})"
        )
    return f"merged although its merge-time evaluation was {record.verdict} (the gate had passed earlier)"


def _bypass_label(change: dict[str, Any], records: Records) -> str | None:
    """`observed` when GitHub's rule suites recorded a bypass of this change (a bypass entry), `inferred`
    when only a failed record that merged anyway says so (classic protection leaves no rule suite)."""
    for sha in [*change.get("commits", []), change.get("tip")]:
        found = records.exceptions.get(str(sha)) if sha else None
        if found and found.get("reason") == "bypass":
            return "observed"
    return "inferred" if str(change.get("exception") or "").startswith("admin bypass") else None


def _late_retrospective(change: dict[str, Any], records: Records) -> str | None:
    """An emergency merge whose retrospective the scheduled run recorded as late or missing."""
    found = records.exceptions.get(str(change.get("tip")))
    if found and str(found.get("reason") or "").startswith("emergency retrospective"):
        return f"{found['reason']} (recorded by the scheduled run, entry {found['seq']})"
    return None


def _group(history: list[GitCommit], records: Records, api: Api | None) -> list[dict[str, Any]]:
    """Newest to oldest, turn first-parent commits into changes; returns them oldest first."""
    changes: list[dict[str, Any]] = []
    i = len(history) - 1
    while i >= 0:
        commit = history[i]
        record = records.by_sha.get(commit.sha)
        how = "merge sha"
        if record is None and api is not None:
            record, missing = _by_pull_request(api, commit.sha, records)
            if record is not None:
                how = "pull request of the commit (API)"
            elif missing:
                changes.append(
                    _unrecorded(commit, f"merged PR #{missing} has no merge record (missing evidence)", pr=missing)
                )
                i -= 1
                continue
        if record is None:
            changes.append(_unrecorded(commit, None))
            i -= 1
            continue
        size = 1
        if len(commit.parents) == 1 and len(record.commits) > 1:
            k = len(record.commits)
            window = history[i - k + 1 : i + 1] if i - k + 1 >= 0 else []
            if window and all((c.author_email, c.message) == r for c, r in zip(window, record.commits, strict=True)):
                size, how = k, "rebase merge: the PR's commits by author and message"
        commits = [c.sha for c in history[i - size + 1 : i + 1]]
        # commits the API attributes to the same PR just below (rebase with edited messages)
        j = i - size
        while api is not None and j >= 0 and history[j].sha not in records.by_sha and len(history[j].parents) == 1:
            if not any(int(p.get("number") or 0) == record.pr for p in api.pulls_of_commit(history[j].sha)):
                break
            commits.insert(0, history[j].sha)
            j -= 1
            how = "rebase merge: commits attributed to the PR by the API"
        changes.append(
            {
                "id": f"{record.repository}#{record.pr}",
                "kind": "pr",
                "pr": record.pr,
                "title": record.title,
                "tip": commit.sha,
                "commits": commits,
                "matched_by": how,
                "record": {
                    "ledger": record.ledger,
                    "seq": record.seq,
                    "entry_hash": record.entry_hash,
                    "verdict": record.verdict,
                    "gate_verdict": record.gate_verdict,
                    "gate_seq": record.gate_seq,
                    "merged_by": record.merged_by,
                    "merged_at": record.merged_at,
                },
                "emergency": record.verdict == "emergency",
                "exception": _gap(record),
            }
        )
        i = j
    changes.reverse()
    return changes


def _by_pull_request(api: Api, sha: str, records: Records) -> tuple[MergeRecord | None, int | None]:
    """(the merge record of the commit's merged PR, or None; else the number of a merged PR without one)."""
    for pull in api.pulls_of_commit(sha):
        number = int(pull.get("number") or 0)
        if pull.get("merged_at"):
            return (records.by_pr[number], None) if number in records.by_pr else (None, number)
    return None, None


def _unrecorded(commit: GitCommit, reason: str | None, pr: int | None = None) -> dict[str, Any]:
    return {
        "id": "",
        "kind": "pr" if pr else "direct",
        "pr": pr,
        "title": commit.message.splitlines()[0][:200] if commit.message else "",
        "tip": commit.sha,
        "commits": [commit.sha],
        "matched_by": "",
        "record": None,
        "emergency": False,
        "exception": reason,
    }


def _details(commit: GitCommit) -> dict[str, str]:
    """What git says about a commit nobody recorded (the author e-mail can be forged; the sha cannot)."""
    return {
        "sha": commit.sha,
        "author_email": commit.author_email,
        "committed_at": commit.committed_at,
        "subject": commit.message.splitlines()[0][:200] if commit.message else "",
    }


def _push_times(
    history: list[GitCommit], activity: list[dict[str, Any]], pushers: dict[str, str] | None = None
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """commit sha -> push time, from the activity list; and the force pushes it shows.

    `pushers`, when given, receives commit sha -> login of whoever pushed it (the activity's actor).
    """
    position = {c.sha: n for n, c in enumerate(history)}
    times: dict[str, str] = {}
    forced = []
    pushers = pushers if pushers is not None else {}
    for event in sorted(activity, key=lambda a: str(a.get("timestamp") or "")):
        kind = str(event.get("activity_type") or "")
        after, before = str(event.get("after") or ""), str(event.get("before") or "")
        when = _utc(str(event.get("timestamp") or ""))
        if kind == "force_push":
            forced.append(
                {
                    "before": before,
                    "after": after,
                    "at": when,
                    "actor": str((event.get("actor") or {}).get("login") or ""),
                }
            )
        if after not in position:
            continue
        start = position.get(before, -1) if kind != "force_push" else -1
        actor = str((event.get("actor") or {}).get("login") or "")
        for n in range(start + 1, position[after] + 1):
            times.setdefault(history[n].sha, when)
            if actor:
                pushers.setdefault(history[n].sha, actor)
    return times, forced


def reconcile(
    repo: Path,
    branch: str,
    ledgers: list[str] | tuple[str, ...],
    ledger_branch: str,
    keys: list[str] | tuple[str, ...],
    period: Period,
    *,
    repository: str | None = None,
    api_url: str | None = None,
    token: str = "",
    allow_invalid: bool = False,
) -> dict[str, Any]:
    with open_ledgers(ledgers, ledger_branch, keys, allow_invalid=allow_invalid) as opened:
        return reconcile_opened(repo, branch, opened, period, repository=repository, api_url=api_url, token=token)


def reconcile_opened(
    repo: Path,
    branch: str,
    opened: list[OpenLedger],
    period: Period,
    *,
    repository: str | None = None,
    api_url: str | None = None,
    token: str = "",
) -> dict[str, Any]:
    """Reconcile one repository's branch against ledgers that are already open and verified."""
    history = first_parent_history(repo, branch)
    records = Records()
    seen: Counter[str] = Counter()
    for ledger in opened:
        _collect(ledger.entries(), ledger.name, repository, records, seen)
    summaries = [ledger_summary(x) for x in opened]
    if repository is None:
        if len(seen) > 1:
            raise UsageError(
                f"the ledgers record several repositories ({', '.join(sorted(seen))})",
                fix="pass --repository owner/name for the repository --repo is a clone of",
            )
        repository = next(iter(seen), "")
    api = Api(api_url, repository, token) if api_url else None
    times: dict[str, str] = {}
    pushers: dict[str, str] = {}
    forced: list[dict[str, Any]] = []
    note = "no --api-url: changes are placed in the period by commit date, which the committer can forge"
    if api is not None:
        if not repository:
            raise UsageError("the repository name is unknown", fix="pass --repository owner/name")
        try:
            times, forced = _push_times(history, api.activity(branch), pushers)
            note = "push times from the repository activity API"
        except NotAvailable as exc:
            note = (
                f"the repository activity API is not available ({exc}): changes are placed in the period by "
                "commit date, which the committer can forge"
            )
    changes = _group(history, records, api)
    by_sha = {c.sha: c for c in history}
    out_changes = []
    fallback = 0
    for change in changes:
        tip = change["tip"]
        if tip in times:
            change["pushed_at"], change["time_source"] = times[tip], "activity"
        else:
            change["pushed_at"], change["time_source"] = by_sha[tip].committed_at, "commit date"
            fallback += api is not None and note.startswith("push times")
        if not period.contains(change["pushed_at"]):
            continue
        if not change["id"]:
            change["id"] = f"{repository}@{tip}"
        if change["record"] is None:
            recorded = next((records.exceptions[s] for s in change["commits"] if s in records.exceptions), None)
            change["recorded_exception"] = recorded
            change["pushed_by"] = pushers.get(tip, "")
            change["commit_details"] = [_details(by_sha[sha]) for sha in change["commits"] if sha in by_sha]
            if change["exception"] is None:
                if recorded:
                    change["exception"] = f"{recorded['reason']} (recorded by the record job, entry {recorded['seq']})"
                elif api is not None:
                    change["exception"] = "direct push: no pull request and no merge record"
                else:
                    change["exception"] = "no merge record: a direct push, or a merge whose evidence is missing"
        elif change["emergency"] and change["exception"] is None:
            change["exception"] = _late_retrospective(change, records)
        change["bypass"] = _bypass_label(change, records)
        out_changes.append(change)
    for push in forced:
        if period.contains(push["at"]):
            out_changes.append(
                {
                    "id": f"{repository}@force-push:{push['after']}",
                    "kind": "force_push",
                    "pr": None,
                    "title": f"force push by {push['actor'] or 'unknown'}",
                    "tip": push["after"],
                    "commits": [],
                    "matched_by": "",
                    "record": None,
                    "emergency": False,
                    "exception": f"force push: {push['before'][:12]} replaced by {push['after'][:12]} "
                    f"(history rewritten)",
                    "pushed_at": push["at"],
                    "time_source": "activity",
                    "bypass": None,
                }
            )
    if fallback:
        note += f"; {fallback} change(s) not in the activity list (older than its retention) use commit dates"
    on_branch = {c.sha for c in history}
    unmatched = [
        {"pr": r.pr, "merge_sha": r.merge_sha, "seq": r.seq}
        for r in records.by_pr.values()
        if r.merge_sha not in on_branch and period.contains(r.merged_at)
    ]
    for change in out_changes:
        change["repository"] = repository
    exceptions = sum(1 for c in out_changes if c["exception"])
    return {
        "format": POPULATION_FORMAT,
        "repository": repository,
        "branch": branch,
        "head": history[-1].sha if history else "",
        "period": period.describe(),
        "time_source": "activity" if note.startswith("push times") else "commit date",
        "time_source_note": note,
        "ledgers": summaries,
        "changes": out_changes,
        "total": len(out_changes),
        "exceptions": exceptions,
        "emergency": sum(1 for c in out_changes if c["emergency"]),
        "records_not_on_branch": unmatched,
    }
