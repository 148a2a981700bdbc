"""Tell the developer: exit code, step summary, annotations, the `changeproof` commit status,
optionally a check run and a sticky PR comment, and the step's outputs.

The job's exit code is the verdict (1 when blocking in `enforce` mode, 0 in `advisory` mode).
The commit status is posted on the evaluated sha by every run, so a stale red result from an
earlier event never lingers. Writing to GitHub is best effort: a fork PR's read-only token cannot
post a status; that is reported as a warning and never changes the verdict.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from checker.errors import ChangeproofError
from checker.github.api import Api
from checker.model import Evaluation, Mode, PolicyMode, Status, Verdict
from checker.render.escape import md_escape
from checker.render.markdown import MAX_SUMMARY_BYTES, render_markdown
from checker.render.workflow import Annotation, command, plain_block

STATUS_CONTEXT = "changeproof"
COMMENT_MARKER = "<!-- changeproof:sticky-comment -->"
ANNOTATIONS_PER_REQUEST = 50  # the check runs API accepts at most 50 annotations per call
MAX_ANNOTATIONS = 20  # the runner shows 10 errors and 10 warnings per step
CHECK_RUN_ANNOTATIONS = 500  # per control in a check run (10 update requests at most)
BLOCKING = frozenset({Status.FAIL, Status.ERROR, Status.UNOBSERVABLE})


def exit_code(evaluations: Iterable[Evaluation]) -> int:
    return 1 if any(e.blocking() for e in evaluations) else 0


def status_state(evaluation: Evaluation) -> tuple[str, str]:
    """The commit status state and its description (at most 140 characters)."""
    advisory = evaluation.policy_mode is PolicyMode.ADVISORY
    if evaluation.verdict in (Verdict.PASS, Verdict.EMERGENCY):
        state = "success"
    elif evaluation.verdict is Verdict.PENDING:
        state = "success" if advisory else "pending"
    else:
        state = "success" if advisory else "failure"
    description = evaluation.summary
    return state, (description[:137] + "...") if len(description) > 140 else description


def build_annotations(evaluation: Evaluation, per_result: int = MAX_ANNOTATIONS) -> list[Annotation]:
    """Most important first, so the 10 errors + 10 warnings the runner shows are the ones that matter.

    `per_result` caps the file annotations of one control (the runner shows few; a check run more).
    """
    out: list[Annotation] = []
    ranked = sorted(
        evaluation.results,
        key=lambda r: (r.mode is not Mode.ENFORCE, r.status not in BLOCKING, r.status is not Status.PENDING, r.control),
    )
    for r in ranked:
        if r.status in (Status.PASS, Status.NOT_APPLICABLE, Status.WAIVED):
            continue
        enforced = r.mode is Mode.ENFORCE and evaluation.policy_mode is PolicyMode.ENFORCE
        level = (
            "error"
            if enforced and r.status in BLOCKING
            else ("notice" if r.status in (Status.PENDING, Status.EMERGENCY) else "warning")
        )
        text = r.message + (f" How to fix: {r.remediation}" if r.remediation else "")
        title = f"changeproof: {r.title} ({r.status.value})"
        if r.locations:
            for loc in r.locations[:per_result]:
                out.append(Annotation(level, text, title, loc.path, loc.start_line, loc.end_line))
        else:
            out.append(Annotation(level, text, title))
    return out


def summary_markdown(
    evaluation: Evaluation,
    *,
    evidence_url: str = "",
    api_calls: int | None = None,
    notes: Iterable[str] = (),
    limit: int = MAX_SUMMARY_BYTES,
) -> str:
    footer = []
    if evidence_url:
        footer.append(f"Evidence: [ledger entry]({evidence_url})")
    for note in notes:
        footer.append(md_escape(note))
    if api_calls is not None:
        footer.append(f"<sub>{api_calls} GitHub API call(s)</sub>")
    return render_markdown(evaluation, footer="  \n".join(footer), limit=limit)


@dataclass
class Outputs:
    """Step outputs, written to GITHUB_OUTPUT with a random heredoc delimiter per value."""

    values: dict[str, str] = field(default_factory=dict)

    def write(self, path: str) -> None:
        if not path:
            return
        with open(path, "a", encoding="utf-8") as fh:
            for name, value in self.values.items():
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
                while delimiter in value:  # pragma: no cover - 128 random bits
                    delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
                fh.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


class Reporter:
    """Writes to the runner (stdout, files) and, best effort, to GitHub."""

    def __init__(
        self, api: Api | None, repository: str, *, out: TextIO | None = None, summary_path: str = "", run_url: str = ""
    ) -> None:
        self.api = api
        self.repository = repository
        self.out = out or sys.stdout
        self.summary_path = summary_path
        self.run_url = run_url
        self.warnings: list[str] = []

    # ------------------------------------------------------------------------ runner side
    def line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def log_untrusted(self, lines: Iterable[str]) -> None:
        for text in plain_block(lines):
            self.line(text)

    def annotate(self, items: Iterable[Annotation]) -> None:
        errors = warnings = 0
        for a in items:
            if a.level == "error":
                errors += 1
                if errors > MAX_ANNOTATIONS // 2:
                    continue
            elif a.level == "warning":
                warnings += 1
                if warnings > MAX_ANNOTATIONS // 2:
                    continue
            self.line(a.render())

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        self.line(command("warning", message, title="changeproof"))

    def error(self, message: str, title: str = "changeproof") -> None:
        self.line(command("error", message, title=title))

    def summary(self, markdown: str) -> None:
        if not self.summary_path:
            return
        existing = Path(self.summary_path).stat().st_size if Path(self.summary_path).exists() else 0
        room = MAX_SUMMARY_BYTES - existing - 1
        data = markdown.encode()
        if len(data) > room:
            markdown = data[: max(0, room - 200)].decode(errors="ignore")
            markdown = markdown[: markdown.rfind("\n") + 1] + "\n_Summary truncated at GitHub's 1 MiB limit._\n"
        with open(self.summary_path, "a", encoding="utf-8") as fh:
            fh.write(markdown + "\n")

    # ------------------------------------------------------------------------ GitHub side
    def _write(self, what: str, verb: str, path: str, body: dict[str, Any]) -> Any:
        if self.api is None:
            return None
        try:
            return self.api.request(verb, path, body=body, what=what)[1]
        except ChangeproofError as error:
            code = getattr(error.__cause__, "status", None)
            hint = (
                " (a fork PR's token is read-only; the record job will sign the result after merge)"
                if code == 403
                else ""
            )
            self.warn(f"could not write {what}: {error.summary}{hint}")
            return None

    def commit_status(self, sha: str, evaluation: Evaluation | None, *, error: str = "") -> None:
        if evaluation is not None:
            state, description = status_state(evaluation)
        else:
            state, description = "error", (error[:137] + "...") if len(error) > 140 else error
        self._write(
            f"the {STATUS_CONTEXT} commit status",
            "POST",
            f"/repos/{self.repository}/statuses/{sha}",
            {
                "state": state,
                "context": STATUS_CONTEXT,
                "description": description,
                **({"target_url": self.run_url} if self.run_url else {}),
            },
        )

    def check_run(self, sha: str, evaluation: Evaluation, markdown: str) -> None:
        conclusion = {"success": "success", "pending": "neutral", "failure": "failure"}[status_state(evaluation)[0]]
        items = build_annotations(evaluation, per_result=CHECK_RUN_ANNOTATIONS)
        payload = [
            {
                "path": a.file or ".github",
                "start_line": a.line or 1,
                "end_line": max(a.end_line, a.line, 1),
                "annotation_level": {"error": "failure", "warning": "warning"}.get(a.level, "notice"),
                "title": a.title[:255],
                "message": a.message[:60000],
            }
            for a in items
        ]
        output = {"title": f"changeproof: {evaluation.verdict.value}", "summary": markdown[:65000]}
        run = self._write(
            "a check run",
            "POST",
            f"/repos/{self.repository}/check-runs",
            {
                "name": STATUS_CONTEXT,
                "head_sha": sha,
                "status": "completed",
                "conclusion": conclusion,
                "output": {**output, "annotations": payload[:ANNOTATIONS_PER_REQUEST]},
            },
        )
        if not isinstance(run, dict) or "id" not in run:
            return
        for start in range(ANNOTATIONS_PER_REQUEST, len(payload), ANNOTATIONS_PER_REQUEST):
            self._write(
                "check run annotations",
                "PATCH",
                f"/repos/{self.repository}/check-runs/{run['id']}",
                {"output": {**output, "annotations": payload[start : start + ANNOTATIONS_PER_REQUEST]}},
            )

    def sticky_comment(self, number: int, markdown: str) -> None:
        if self.api is None:
            return
        body = f"{COMMENT_MARKER}\n{markdown}"[:65000]
        try:
            comments = self.api.paginate(f"/repos/{self.repository}/issues/{number}/comments", what="the PR's comments")
        except ChangeproofError as error:
            self.warn(f"could not read the PR's comments: {error.summary}")
            return
        mine = [c for c in comments if COMMENT_MARKER in (c.get("body") or "") and _is_bot(c.get("user") or {})]
        if mine:
            self._write(
                "the sticky comment",
                "PATCH",
                f"/repos/{self.repository}/issues/comments/{mine[0]['id']}",
                {"body": body},
            )
        else:
            self._write(
                "the sticky comment", "POST", f"/repos/{self.repository}/issues/{number}/comments", {"body": body}
            )

    def request_reviews(self, number: int, evaluation: Evaluation, facts: Any, *, permitted: bool) -> str:
        """Ask for the reviewers the approval policy wants (once per head); a note for the summary.

        Only those not already requested and not already asked for this head (the PR's
        `review_requested` events since the head was pushed) are requested, in one paced write.
        """
        wanted = next(
            (r.observed.get("request_review") for r in evaluation.results if r.control == "approval_policy"), None
        )
        users, teams = list((wanted or {}).get("users") or ()), list((wanted or {}).get("teams") or ())
        if not users and not teams:
            return ""
        approval = getattr(facts, "approval", None)
        already = {u.lower() for u in getattr(approval, "requested_reviewers", ())}
        already_teams = {t.lower() for t in getattr(approval, "requested_teams", ())}
        users = [u for u in users if u.lower() not in already]
        teams = [t for t in teams if t.split("/")[-1].lower() not in already_teams]
        if (users or teams) and self.api is not None:
            since = getattr(approval, "head_pushed_at", None) or ""
            try:
                events = self.api.paginate(f"/repos/{self.repository}/issues/{number}/events", what="the PR's events")
            except ChangeproofError:
                events = []
            asked = {
                (
                    (e.get("requested_reviewer") or {}).get("login")
                    or (e.get("requested_team") or {}).get("slug")
                    or ""
                ).lower()
                for e in events
                if e.get("event") == "review_requested" and str(e.get("created_at") or "") >= since
            }
            users = [u for u in users if u.lower() not in asked]
            teams = [t for t in teams if t.split("/")[-1].lower() not in asked]
        if not users and not teams:
            return ""
        who = ", ".join([*(f"@{u}" for u in users), *(f"@{t}" for t in teams)])
        if not permitted or self.api is None:
            return f"Review requests for {who} were not made: this run's token cannot write pull requests."
        done = self._write(
            "review requests",
            "POST",
            f"/repos/{self.repository}/pulls/{number}/requested_reviewers",
            {"reviewers": users, "team_reviewers": [t.split("/")[-1] for t in teams]},
        )
        if done is None:
            return f"Review requests for {who} were not made: the token needs pull-requests: write."
        return f"Requested reviews from {who} (approval policy request_review)."


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def give_to_owner(path: Path, workspace: Path) -> None:
    """Files we create in the workspace belong to the workspace's owner, not to the container's root."""
    try:
        st = workspace.stat()
        if os.geteuid() == 0 and (st.st_uid, st.st_gid) != (0, 0):
            for p in [path, *([q for q in path.rglob("*")] if path.is_dir() else [])]:
                os.chown(p, st.st_uid, st.st_gid)
    except OSError:
        pass


def _is_bot(account: dict[str, Any]) -> bool:
    """Only our own (bot) comment is updated; a human can paste the marker but not become a bot."""
    return bool(account.get("type") == "Bot" or str(account.get("login", "")).endswith("[bot]"))
