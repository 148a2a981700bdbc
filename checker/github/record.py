"""The record job: the authoritative evidence of what reached the default branch.

It runs on `push` to the default branch (with that branch's workflow and secrets) and on a
`schedule`. For a push, the compare API lists `before...after` (the payload's own list is
capped); each commit on the first-parent line is mapped to its pull request with
`GET /repos/{o}/{r}/commits/{sha}/pulls`, retried while GitHub has not linked a merge yet. Each
merged PR is evaluated as it stood at merge (reviews before `merged_at`, checks on its head then,
policy at the merge commit's first parent) and recorded; commits that no merged PR accounts for,
and force pushes, are recorded as exceptions. The scheduled run backfills merges with no record.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from typing import Any

from checker.errors import ChangeproofError
from checker.evaluate import evaluate
from checker.github import action as action_mod
from checker.github.api import Api
from checker.github.collector import Collector, Target, utc_now
from checker.github.config import Config
from checker.github.events import ZERO_SHA, Event
from checker.github.report import Reporter, build_annotations, summary_markdown
from checker.model import Evaluation
from checker.policy import policy_for_facts
from checker.render.escape import md_code, md_escape

_PR_HINT = re.compile(r"\(#\d+\)|^Merge pull request #\d+", re.MULTILINE)
PLATFORM_COMMITTERS = frozenset({"web-flow", "github"})


def run_record(config: Config, event: Event, api: Api, reporter: Reporter, run: Any) -> int:
    recorder = Recorder(config, event, api, reporter, run)
    if event.name == "push":
        recorder.push()
    else:
        recorder.backfill()
    return 0


class Recorder:
    def __init__(self, config: Config, event: Event, api: Api, reporter: Reporter, run: Any) -> None:
        self.config = config
        self.event = event
        self.api = api
        self.reporter = reporter
        self.run = run
        self.collector = Collector(api)
        self.repo = config.repository
        self.signer = self._signer()
        self.link_retries = int(os.environ.get("CHANGEPROOF_LINK_RETRIES", "4"))
        self.link_delay = float(os.environ.get("CHANGEPROOF_LINK_DELAY", "3"))

    # ------------------------------------------------------------------------------ push
    def push(self) -> None:
        event = self.event
        default = event.default_branch or self._default_branch()
        if event.ref != f"refs/heads/{default}":
            self.reporter.line(f"::notice title=changeproof::{event.ref} is not the default branch; nothing to record")
            self.run.notes.append(f"{event.ref} is not refs/heads/{default}")
            return
        if event.after == ZERO_SHA:
            self._exception("the default branch was deleted", (), event.before, event.after)
            return
        if event.forced:
            self._exception("force push to the default branch", (event.after,), event.before, event.after)
        commits = self._range(event.before, event.after)
        by_sha = {c["sha"]: c for c in commits}
        mainline = self._mainline(event.after, by_sha)
        merged: dict[int, dict[str, Any]] = {}
        covered: set[str] = set()
        unexplained: list[str] = []
        for sha in mainline:
            pulls = self._pulls_of(by_sha[sha], default)
            own = [p for p in pulls if p.get("merge_commit_sha") == sha]
            if own:
                merged[int(own[0]["number"])] = own[0]
                covered.add(sha)
            elif any(p.get("merge_commit_sha") in by_sha for p in pulls):
                covered.add(sha)  # a rebase merge: earlier commits of a PR merged in this push
            else:
                unexplained.append(sha)
        for number, pull in sorted(merged.items()):
            self._record_merge(number, pull)
        if unexplained:
            self._exception(
                "commits pushed to the default branch without a merged pull request",
                tuple(unexplained),
                event.before,
                event.after,
            )
        self._summary_tail()

    def _default_branch(self) -> str:
        data = self.api.get(f"/repos/{self.repo}", what=f"repository {self.repo}", permission="contents: read")
        return str(data.get("default_branch") or "main")

    def _range(self, before: str, after: str) -> list[dict[str, Any]]:
        if before == ZERO_SHA or not before:
            data = self.api.get(
                f"/repos/{self.repo}/commits/{after}", what=f"commit {after[:12]}", permission="contents: read"
            )
            return [data]
        try:
            return self.api.paginate(
                f"/repos/{self.repo}/compare/{before}...{after}",
                key="commits",
                what=f"the pushed range {before[:12]}...{after[:12]}",
                permission="contents: read",
            )
        except ChangeproofError as error:
            if getattr(error.__cause__, "status", None) != 404 or not self.event.forced:
                raise
            # A force push can drop `before` from the repository: only `after` can be examined.
            data = self.api.get(f"/repos/{self.repo}/commits/{after}", what=f"commit {after[:12]}")
            return [data]

    @staticmethod
    def _mainline(after: str, by_sha: dict[str, dict[str, Any]]) -> list[str]:
        """The first-parent line from `after` back to the start of the range, oldest first."""
        line: list[str] = []
        sha: str | None = after
        while sha in by_sha and sha not in line:
            line.append(sha)
            parents = by_sha[sha].get("parents") or []
            sha = parents[0]["sha"] if parents else None
        return list(reversed(line))

    def _pulls_of(self, commit: dict[str, Any], default: str) -> list[dict[str, Any]]:
        """Merged PRs into the default branch that GitHub links to this commit (retried while unlinked)."""
        sha = commit["sha"]
        looks_merged = (
            len(commit.get("parents") or []) > 1
            or bool(_PR_HINT.search((commit.get("commit") or {}).get("message") or ""))
            or ((commit.get("committer") or {}).get("login") or "") in PLATFORM_COMMITTERS
        )
        attempts = 1 + (self.link_retries if looks_merged else 0)
        for attempt in range(attempts):
            pulls = self.api.paginate(
                f"/repos/{self.repo}/commits/{sha}/pulls",
                what=f"the PR of {sha[:12]}",
                permission="pull-requests: read",
            )
            merged = [p for p in pulls if p.get("merged_at") and (p.get("base") or {}).get("ref") == default]
            if merged:
                return merged
            if attempt + 1 < attempts:
                time.sleep(self.link_delay * (attempt + 1))
        return []

    # ------------------------------------------------------------------------------ records
    def _record_merge(self, number: int, pull: dict[str, Any]) -> Evaluation:
        merged_at = str(pull.get("merged_at"))
        facts = self.collector.collect(
            Target(
                self.repo, number, ledger_repository=self.config.ledger_name, ledger_branch=self.config.ledger_branch
            ),
            as_of=merged_at,
        )
        facts = action_mod._with_iac(self.config, facts, self.reporter, self.api)
        policy = policy_for_facts(facts)
        evaluation = evaluate(policy, facts)
        self.run.evaluations.append(evaluation)
        evidence_url = ""
        if self.signer is not None:
            evidence_url = action_mod._record(
                self.config, self.event, evaluation, facts, policy, self.signer, self.run, kind="merge"
            )
        self.reporter.log_untrusted(
            [f"merged PR #{number}: {facts.title}", f"as it stood at merge ({merged_at}): {evaluation.verdict.value}"]
        )
        for a in build_annotations(evaluation):
            level = "warning" if a.level == "error" else a.level  # the merge has happened: inform, not block
            self.reporter.line(
                type(a)(level, f"PR #{number}: {a.message}", a.title, a.file, a.line, a.end_line).render()
            )
        self.reporter.summary(
            summary_markdown(
                evaluation,
                evidence_url=evidence_url,
                api_calls=None,
                notes=[f"Merged PR #{number} evaluated as it stood at merge ({merged_at}); policy {policy.source}."],
            )
        )
        return evaluation

    def _exception(self, reason: str, commits: tuple[str, ...], before: str, after: str) -> None:
        entry: dict[str, Any] = {"reason": reason, "commits": list(commits), "before": before, "after": after}
        if self.signer is not None:
            from checker.evidence import record_exception
            from checker.evidence.gitio import TOKEN_ENV

            if self.config.token and not os.environ.get(TOKEN_ENV):
                os.environ[TOKEN_ENV] = self.config.token
            result = record_exception(
                repository=self.repo,
                reason=reason,
                commits=commits,
                before=before,
                after=after,
                observed_at=utc_now(),
                ledger=self.config.ledger_location,
                branch=self.config.ledger_branch,
                signer=self.signer,
                context=action_mod.run_context(self.config, self.event),
            )
            entry["ledger_entry"] = result.entry_path
            self.run.ledger_entries.append(result.entry_path)
        self.run.exceptions.append(entry)
        shown = ", ".join(c[:12] for c in commits[:10]) + (" …" if len(commits) > 10 else "")
        self.reporter.warn(f"exception recorded: {reason}: {shown or after[:12]}")

    def _summary_tail(self) -> None:
        lines = [
            f"### changeproof record: {len(self.run.evaluations)} merge(s), {len(self.run.exceptions)} exception(s)",
            "",
        ]
        if self.run.exceptions:
            lines += ["| Exception | Commits |", "|---|---|"]
            for e in self.run.exceptions:
                commits = " ".join(md_code(c[:12]) for c in e["commits"][:20]) or md_code(e["after"][:12])
                lines.append(f"| {md_escape(e['reason'])} | {commits} |")
        if self.signer is None:
            lines += ["", "_signing-mode is none (or no key is available): nothing was appended to the ledger._"]
        self.reporter.summary("\n".join(lines) + "\n")

    def _signer(self) -> Any:
        return action_mod._signer(self.config, self.event, self.reporter)

    # ------------------------------------------------------------------------------ backfill
    def backfill(self) -> None:
        """Record merges of the last `backfill-days` days that have no merge record in the ledger."""
        default = self.event.default_branch or self._default_branch()
        since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=self.config.backfill_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        pulls = self.api.paginate(
            f"/repos/{self.repo}/pulls",
            what="recently closed pull requests",
            params={"state": "closed", "base": default, "sort": "updated", "direction": "desc"},
            permission="pull-requests: read",
            limit=1000,
        )
        merged = [p for p in pulls if p.get("merged_at") and p["merged_at"] >= since]
        recorded = self._recorded_merges()
        missing = [p for p in merged if p.get("merge_commit_sha") not in recorded]
        for pull in sorted(missing, key=lambda p: p["merged_at"]):
            self._record_merge(int(pull["number"]), pull)
        self.run.notes.append(f"backfill since {since}: {len(merged)} merged, {len(missing)} without a record")
        self.reporter.summary(
            f"### changeproof backfill\n\n{len(merged)} PR(s) merged since {since}; "
            f"{len(missing)} had no merge record and were evaluated"
            + ("" if self.signer else " (nothing appended: no signer)")
            + ".\n"
        )

    def _recorded_merges(self) -> set[str]:
        if self.signer is None:
            return set()
        from checker.evidence import read_entries
        from checker.evidence.gitio import TOKEN_ENV

        if self.config.token and not os.environ.get(TOKEN_ENV):
            os.environ[TOKEN_ENV] = self.config.token
        found: set[str] = set()
        try:
            for entry in read_entries(self.config.ledger_location, self.config.ledger_branch):
                predicate = entry.statement.get("predicate") or {}
                if predicate.get("kind") == "merge" and predicate.get("merge_sha"):
                    found.add(str(predicate["merge_sha"]))
        except ChangeproofError as error:
            if "has no branch" not in error.summary:  # an empty ledger has no records yet
                raise
        return found
