"""One run of any job: collect -> IaC -> policy -> evaluate -> record -> report.

Every job (the gate, the record job, and the jobs that build on them) composes these steps, so a
pull request is judged the same way whichever job looks at it. The steps take their settings from
one `Config` built at the edge (`checker.github.config`); the adapters they call (`github/` for
REST and reports, `iac/` for checkov and git, `evidence/` for the ledger) get every token, URL
and path as a parameter. `evaluate` stays the pure core between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.errors import ChangeproofError
from checker.evaluate import evaluate
from checker.github.collector import Collected, Collector, Target, utc_now
from checker.github.graph import PullGraph
from checker.github.report import Reporter, build_annotations, give_to_owner, summary_markdown
from checker.model import Evaluation, Facts, IacFacts, Policy

if TYPE_CHECKING:
    from checker.evidence import RunContext, Signer
    from checker.github.api import Api
    from checker.github.config import Config
    from checker.github.events import Event


@dataclass
class Run:
    """What one invocation produced, for the step outputs and the JSON report."""

    evaluations: list[Evaluation] = field(default_factory=list)
    ledger_entries: list[str] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    report_sha: str = ""  # the sha the commit status goes to, once known


@dataclass(frozen=True)
class Judged:
    """A pull request's facts, the policy it was judged by, and the verdict."""

    facts: Facts
    policy: Policy
    evaluation: Evaluation


class Pipeline:
    """The steps, bound to one run's settings, adapters and log."""

    def __init__(self, config: Config, event: Event, api: Api, reporter: Reporter, run: Run) -> None:
        self.config = config
        self.event = event
        self.api = api
        self.reporter = reporter
        self.run = run
        self.collector = Collector(api, graph=PullGraph(api) if config.graphql else None)
        self._signer: Signer | None = None
        self._signer_known = False
        self.sarifs: dict[int, dict[str, Any]] = {}  # the IaC SARIF per PR, for code scanning

    # ------------------------------------------------------------------------------ collect
    def collect(self, number: int, *, as_of: str | None = None) -> Collected:
        """The PR's Facts and its policy (read at the base commit), each derived once."""
        config = self.config
        target = Target(
            config.repository, number, ledger_repository=config.ledger_name, ledger_branch=config.ledger_branch
        )
        return self.collector.gather(target, as_of=as_of)

    # ------------------------------------------------------------------------------ IaC
    def scan_iac(self, collected: Collected) -> Collected:
        """The Facts with `iac` filled in when the PR touches IaC files (unchanged otherwise)."""
        facts = collected.facts
        from checker.github.contents import contents_reader
        from checker.iac.classify import changed_iac_files

        read = contents_reader(self.collector, self.config.repository)
        changed = changed_iac_files(facts.files, read, head_sha=facts.head_sha, base_sha=facts.base_sha)
        if not changed:
            return collected
        if self.config.iac == "off":
            iac = IacFacts(
                scanned=False,
                changed_iac_files=changed,
                errors=("IaC scanning is turned off by the action's iac input",),
            )
            return replace(collected, facts=replace(facts, iac=iac))
        return replace(collected, facts=replace(facts, iac=self._iac_scan(facts, changed)))

    def _iac_scan(self, facts: Facts, changed: tuple[str, ...]) -> IacFacts:
        from checker.iac import scan_git_change, write_sarif
        from checker.iac.checkout import commits_checkout

        config = self.config
        try:
            with commits_checkout(
                workspace=config.workspace,
                remote_url=f"{config.server_url}/{config.repository}.git",
                token=config.token,
                shas=(facts.base_sha, facts.head_sha),
                base_env=dict(config.git_env),
            ) as repo_dir:
                scan = scan_git_change(
                    repo_dir=repo_dir,
                    base_sha=facts.base_sha,
                    head_sha=facts.head_sha,
                    changed=facts.files,
                    mode=config.iac_mode or None,
                )
        except ChangeproofError as error:
            self.reporter.warn(f"the IaC scan did not run: {error.summary}")
            return IacFacts(scanned=False, changed_iac_files=changed, errors=(error.summary,))
        iac = scan.facts
        self.sarifs[facts.number] = scan.sarif
        if config.workspace and Path(config.workspace).is_dir():
            folder = Path(config.workspace) / ".changeproof"
            digest = write_sarif(scan, folder / f"iac-pr-{facts.number}.sarif")
            give_to_owner(folder, Path(config.workspace))
            if not iac.sarif_sha256:
                iac = replace(iac, sarif_sha256=digest)
        return iac

    # ------------------------------------------------------------------------------ evaluate
    def judge(self, collected: Collected) -> Judged:
        """The pure core's verdict on the Facts, under the policy the collector derived."""
        evaluation = evaluate(collected.policy, collected.facts)
        self.run.evaluations.append(evaluation)
        return Judged(collected.facts, collected.policy, evaluation)

    def evaluate_pr(self, number: int, *, as_of: str | None = None) -> Judged:
        """collect -> IaC -> evaluate for one pull request."""
        collected = self.collect(number, as_of=as_of)
        self.run.report_sha = self.event.report_sha or collected.facts.head_sha
        return self.judge(self.scan_iac(collected))

    # ------------------------------------------------------------------------------ record
    @property
    def signer(self) -> Signer | None:
        """The evidence signer, or None when this run must not append (fork PR, signing-mode none)."""
        if not self._signer_known:
            self._signer = self._load_signer()
            self._signer_known = True
        return self._signer

    def _load_signer(self) -> Signer | None:
        config, event, reporter = self.config, self.event, self.reporter
        if config.signing_mode == "none":
            return None
        if event.fork:
            reporter.line(
                "::notice title=changeproof::fork pull request: no evidence is appended by the gate; "
                "the record job signs after merge"
            )
            return None
        if config.signing_mode == "key" and not config.signing_key:
            reporter.warn(
                "signing-mode is key but no signing-key was given (secrets are not available to this run): "
                "no evidence appended"
            )
            return None
        from checker.evidence import load_signer

        return load_signer(config.signing_mode, config.signing_key or None, config.signing_key_password or None)

    def run_context(self) -> RunContext:
        from checker.evidence import RunContext

        config = self.config
        return RunContext(
            event=self.event.name,
            job=self.event.job,
            workflow_ref=config.workflow_ref,
            run_id=config.run_id,
            run_url=config.run_url,
            ref=config.ref,
            image_digest=config.image_digest,
        )

    def record(self, judged: Judged, *, kind: str) -> str:
        """Append the signed evaluation; returns a link to the entry ("" when none can be made)."""
        signer = self.signer
        if signer is None:
            return ""
        from checker.evidence import record_evaluation

        config = self.config
        result = record_evaluation(
            judged.evaluation,
            judged.facts,
            judged.policy,
            ledger=config.ledger_location,
            branch=config.ledger_branch,
            signer=signer,
            context=self.run_context(),
            kind=kind,
            token=config.ledger_token or None,
        )
        self.run.ledger_entries.append(result.entry_path)
        return self.evidence_link(result.entry_path)

    def record_exception(self, reason: str, commits: tuple[str, ...], before: str, after: str) -> None:
        """Log (and, with a signer, append) what reached the branch outside the controlled path."""
        entry: dict[str, Any] = {"reason": reason, "commits": list(commits), "before": before, "after": after}
        signer = self.signer
        if signer is not None:
            from checker.evidence import record_exception

            config = self.config
            result = record_exception(
                repository=config.repository,
                reason=reason,
                commits=commits,
                before=before,
                after=after,
                observed_at=utc_now(),
                ledger=config.ledger_location,
                branch=config.ledger_branch,
                signer=signer,
                context=self.run_context(),
                token=config.ledger_token or None,
            )
            entry["ledger_entry"] = result.entry_path
            self.run.ledger_entries.append(result.entry_path)
        self.run.exceptions.append(entry)
        shown = ", ".join(c[:12] for c in commits[:10]) + (" …" if len(commits) > 10 else "")
        self.reporter.warn(f"exception recorded: {reason}: {shown or after[:12]}")

    def recorded_merges(self) -> set[str]:
        """Merge commits the ledger already has a merge record of (empty without a signer)."""
        if self.signer is None:
            return set()
        from checker.errors import LedgerBranchMissing
        from checker.evidence import read_entries

        config = self.config
        found: set[str] = set()
        try:
            for entry in read_entries(config.ledger_location, config.ledger_branch, token=config.ledger_token or None):
                predicate = entry.statement.get("predicate") or {}
                if predicate.get("kind") == "merge" and predicate.get("merge_sha"):
                    found.add(str(predicate["merge_sha"]))
        except LedgerBranchMissing:
            pass  # an empty ledger has no records yet
        return found

    def evidence_link(self, entry_path: str) -> str:
        config = self.config
        if config.ledger_location.startswith(config.server_url):
            return f"{config.server_url}/{config.ledger_name}/blob/{config.ledger_branch}/{entry_path}"
        return ""

    # ------------------------------------------------------------------------------ report
    def report_gate(self, judged: Judged, evidence_url: str) -> None:
        """The developer's view: log, annotations, step summary, commit status, check run, comment."""
        config, reporter, event = self.config, self.reporter, self.event
        facts, policy, evaluation = judged.facts, judged.policy, judged.evaluation
        notes = [f"Policy: {policy.source}", *policy.notes]
        if event.fork:
            notes.append(
                "Fork pull request: evaluated with a read-only token; the record job signs the result after merge."
            )
        review_note = reporter.request_reviews(facts.number, evaluation, facts, permitted=not event.fork)
        notes += [review_note] if review_note else []
        reporter.log_untrusted(
            [f"PR #{facts.number}: {facts.title}", f"verdict: {evaluation.verdict.value} - {evaluation.summary}"]
        )
        reporter.annotate(build_annotations(evaluation))
        markdown = summary_markdown(evaluation, evidence_url=evidence_url, api_calls=self.api.calls, notes=notes)
        reporter.summary(markdown)
        targets = [facts.head_sha]
        if event.report_sha and event.report_sha != facts.head_sha:
            targets.append(event.report_sha)
        for sha in targets:
            reporter.commit_status(sha, evaluation)
        if config.check_run:
            reporter.check_run(event.report_sha or facts.head_sha, evaluation, markdown)
        if config.comment:
            reporter.sticky_comment(facts.number, markdown)
        self.report_code_scanning(facts, ref=f"refs/pull/{facts.number}/head", sha=facts.head_sha)

    def report_code_scanning(self, facts: Facts, *, ref: str, sha: str) -> None:
        """Upload the PR's IaC SARIF (when it had one) to code scanning; a refusal is only a warning."""
        sarif = self.sarifs.get(facts.number)
        if not self.config.code_scanning or sarif is None or not sha:
            return
        from checker.github.code_scanning import upload_sarif

        result = upload_sarif(self.api, self.config.repository, sarif, commit_sha=sha, ref=ref)
        if result.warning:
            self.reporter.warn(result.warning)

    def report_merge(self, judged: Judged, evidence_url: str) -> None:
        """The record job's view of a merge: informs (warnings, not errors); the merge has happened."""
        facts, policy, evaluation = judged.facts, judged.policy, judged.evaluation
        merged_at = facts.merge.merged_at if facts.merge else None
        number = facts.number
        self.reporter.log_untrusted(
            [f"merged PR #{number}: {facts.title}", f"as it stood at merge ({merged_at}): {evaluation.verdict.value}"]
        )
        for a in build_annotations(evaluation):
            level = "warning" if a.level == "error" else a.level
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
        merge_sha = facts.merge.merge_commit_sha if facts.merge else None
        self.report_code_scanning(facts, ref=f"refs/heads/{facts.base_ref}", sha=merge_sha or "")
