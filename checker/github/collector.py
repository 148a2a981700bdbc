"""Build the `Facts` of one pull request from GitHub's REST API.

Trust: the policy file and CODEOWNERS are read through the contents API at the BASE sha, never
from a workspace the PR controls; the head's policy text is collected only so the policy-change
control can see it. Economy: a typical PR (20 files, 5 reviews, 3 checks) costs about 13 calls;
extra calls are made only when the facts need them (team members named by the policy or by the
owners of changed files, the emergency label's events, base-merge detection). Anything that could
not be read becomes an `Unobservable` (or an unreadable source), never a silent pass.

`as_of` (an RFC 3339 time, the record job passes `merged_at`) evaluates the PR as it stood then:
reviews and label events after it are dropped and checks that had not finished count as running.
"""

from __future__ import annotations

import datetime as dt
import re
from base64 import b64decode
from dataclasses import dataclass, replace
from typing import Any

from checker import codeowners as codeowners_mod
from checker.errors import ChangeproofError, InfrastructureError, UsageError
from checker.github import collect_approval
from checker.github.api import Api
from checker.github.graph import GraphUnavailable, PullGraph, PullSnapshot
from checker.model import (
    TRUSTED_BOT,
    BranchRules,
    ChangedFile,
    Check,
    Commit,
    Facts,
    LabelEvent,
    MergeInfo,
    Person,
    Policy,
    PolicySource,
    RequiredCheck,
    Review,
    SourceFile,
    TeamMembership,
    Unobservable,
)
from checker.policy import POLICY_PATH, policy_from_source

MAX_FILES = 3000  # the pull request files API lists at most this many
MAX_COMMITS = 250  # the pull request commits API lists at most this many
_CO_AUTHOR = re.compile(r"^co-authored-by:\s*(.*?)\s*<([^>]*)>\s*$", re.IGNORECASE | re.MULTILINE)
_NOREPLY = re.compile(r"^(?:\d+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$", re.IGNORECASE)
_EXTENDS_REF = re.compile(r"^([\w.-]+/[\w.-]+):(.+)@(.+)$")


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Target:
    """What to collect: `owner/repo`, the PR number, and where the ledger branch lives."""

    repository: str
    number: int
    ledger_repository: str = ""
    ledger_branch: str = ""


@dataclass(frozen=True)
class Collected:
    """What collection yields: the Facts and the policy derived from their policy files."""

    facts: Facts
    policy: Policy


class Collector:
    def __init__(self, api: Api, *, graph: PullGraph | None = None) -> None:
        self.api = api
        self.graph = graph  # GraphQL reads for the gate (REST for whatever it cannot give exactly)
        self._base_files: dict[tuple[str, str, str], SourceFile] = {}
        self._head_checks: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
        self._protection_denied: dict[str, Unobservable] = {}
        self._permissions: dict[tuple[str, str], str | None] = {}
        self.head_sha = ""  # of the PR being collected, known after its first call (for error reports)

    # ===================================================================== the pull request
    def collect(self, target: Target, *, as_of: str | None = None, observed_at: str | None = None) -> Facts:
        """The Facts of one pull request (`gather` also returns the policy derived on the way)."""
        return self.gather(target, as_of=as_of, observed_at=observed_at).facts

    def gather(self, target: Target, *, as_of: str | None = None, observed_at: str | None = None) -> Collected:
        """The Facts of one pull request and the policy it is judged by, each derived once."""
        repo = target.repository
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
            raise UsageError(f"'{repo}' is not an owner/repository name", fix="Pass the repository as owner/name.")
        snapshot = self._snapshot(repo, target.number) if as_of is None else None
        pr = (
            snapshot.pr
            if snapshot
            else self.api.get(
                f"/repos/{repo}/pulls/{target.number}",
                what=f"pull request #{target.number} of {repo}",
                permission="pull-requests: read",
            )
        )
        if not isinstance(pr, dict) or not isinstance(pr.get("head"), dict) or not pr["head"].get("sha"):
            raise InfrastructureError(
                f"GitHub's answer for pull request #{target.number} has no head commit",
                fix="Re-run the job; check the api-url input if it persists.",
            )
        head_sha, base_sha = pr["head"]["sha"], pr["base"]["sha"]
        self.head_sha = head_sha
        merge = MergeInfo(
            merged=bool(pr.get("merged") or pr.get("merged_at")),
            merged_at=pr.get("merged_at"),
            merged_by=(pr.get("merged_by") or {}).get("login"),
            merge_commit_sha=pr.get("merge_commit_sha"),
        )
        unobservable: list[Unobservable] = []

        raw_files = (
            snapshot.files
            if snapshot
            else self.api.paginate(
                f"/repos/{repo}/pulls/{target.number}/files",
                what="the PR's changed files",
                permission="pull-requests: read",
            )
        )
        files = tuple(
            ChangedFile(
                path=f["filename"],
                status=f.get("status", "modified"),
                additions=int(f.get("additions") or 0),
                deletions=int(f.get("deletions") or 0),
                previous_path=f.get("previous_filename"),
            )
            for f in raw_files
        )
        files_truncated = len(files) >= MAX_FILES or int(pr.get("changed_files") or 0) > len(files)

        raw_commits = (
            snapshot.commits
            if snapshot
            else self.api.paginate(
                f"/repos/{repo}/pulls/{target.number}/commits",
                what="the PR's commits",
                permission="pull-requests: read",
            )
        )
        commits = tuple(self._commit(c) for c in raw_commits)
        commits_truncated = len(commits) >= MAX_COMMITS or int(pr.get("commits") or 0) > len(commits)
        commits = self._mark_base_merges(repo, commits, base_sha)

        raw_reviews = (
            snapshot.reviews
            if snapshot
            else self.api.paginate(
                f"/repos/{repo}/pulls/{target.number}/reviews",
                what="the PR's reviews",
                permission="pull-requests: read",
            )
        )
        if as_of:
            raw_reviews = [r for r in raw_reviews if (r.get("submitted_at") or "9999") <= as_of]
        policy_base = as_of_base = base_sha
        if as_of and merge.merge_commit_sha:
            as_of_base = self._first_parent(repo, merge.merge_commit_sha) or base_sha
            policy_base = as_of_base
        if snapshot:
            self._prefetch_base(repo, policy_base, raw_reviews)
        policy, effective = self._policy(repo, policy_base, head_sha, files)
        owners_file = self._codeowners(repo, policy_base)

        checks = self._checks(repo, head_sha, as_of)
        pr_author = (pr.get("user") or {}).get("login") or "ghost"
        labels = tuple(lbl["name"] for lbl in pr.get("labels") or [] if isinstance(lbl, dict))
        base_ref = pr["base"].get("ref", "")
        facts = Facts(
            repository=repo,
            number=int(pr["number"]),
            title=pr.get("title") or "",
            head_sha=head_sha,
            base_sha=policy_base,
            observed_at=as_of or observed_at or utc_now(),
            author=pr_author,
            body=pr.get("body") or "",
            author_is_bot=(pr.get("user") or {}).get("type") == "Bot",
            draft=bool(pr.get("draft")),
            labels=labels,
            base_ref=base_ref,
            head_ref=pr["head"].get("ref", ""),
            head_repository=((pr["head"].get("repo") or {}).get("full_name") or ""),
            merge=merge,
            commits=commits,
            commits_truncated=commits_truncated,
            files=files,
            files_truncated=files_truncated,
            checks=checks,
            codeowners=owners_file,
            policy=policy,
        )

        reviews = self._reviews(repo, raw_reviews, effective.trusted_bots)
        branch_rules = self.branch_rules(repo, base_ref)
        ledger_rules = None
        if target.ledger_branch:
            ledger_rules = self.branch_rules(target.ledger_repository or repo, target.ledger_branch)

        teams_needed, users_needed = self._subjects(effective, owners_file, files, labels)
        permissions = {f"@{u.lower()}": p for u in sorted(users_needed) if (p := self._permission(repo, u)) is not None}
        teams = tuple(self._team(t) for t in sorted(teams_needed))
        label_events: tuple[LabelEvent, ...] = ()
        emergency = effective.controls.get("emergency_change")
        if emergency and str(emergency.params.get("label", "emergency")) in labels:
            label_events = self._label_events(repo, target.number, as_of)
        facts = replace(
            facts,
            reviews=reviews,
            branch_rules=branch_rules,
            ledger_rules=ledger_rules,
            permissions=permissions,
            teams=teams,
            label_events=label_events,
            unobservable=tuple(unobservable),
        )
        facts = collect_approval.enrich(self, facts, effective, pr, as_of)
        return Collected(facts, effective)

    # ===================================================================== GraphQL
    def _snapshot(self, repo: str, number: int) -> PullSnapshot | None:
        """The PR in one GraphQL query, or None when REST must read it (see checker/github/graph.py)."""
        if self.graph is None:
            return None
        try:
            snapshot = self.graph.pull(repo, number)
        except GraphUnavailable:
            return None
        self._head_checks[str(snapshot.pr["head"]["sha"])] = (snapshot.check_runs, snapshot.statuses)
        return snapshot

    def _prefetch_base(self, repo: str, base_sha: str, reviews: list[dict[str, Any]]) -> None:
        """The policy file, CODEOWNERS and the approvers' roles in one query (REST reads what it misses)."""
        assert self.graph is not None
        paths = [POLICY_PATH, *codeowners_mod.CODEOWNERS_LOCATIONS]
        logins = {
            (r.get("user") or {}).get("login") or ""
            for r in reviews
            if r.get("state") == "APPROVED" and (r.get("user") or {}).get("type") != "Bot"
        }
        try:
            base = self.graph.base(repo, base_sha, paths, {login for login in logins if login})
        except GraphUnavailable:
            return
        for path in paths:
            if path in base.unreadable:
                found = SourceFile(path=path, state="unreadable", reason=base.unreadable[path])
            elif base.files.get(path) is None:
                found = SourceFile(path=path, state="absent")
            else:
                found = SourceFile(path=path, state="present", content=base.files[path])
            self._base_files[(repo, path, base_sha)] = found
        for login, role in base.permissions.items():
            self._permissions[(repo.lower(), login)] = role

    # ===================================================================== pieces
    @staticmethod
    def _person(git: dict[str, Any] | None, account: dict[str, Any] | None) -> Person:
        git = git or {}
        login = (account or {}).get("login")
        if not login:
            match = _NOREPLY.match(git.get("email") or "")
            login = match.group(1) if match else None
        return Person(name=git.get("name") or "", email=git.get("email") or "", login=login)

    def _commit(self, raw: dict[str, Any]) -> Commit:
        data = raw.get("commit") or {}
        message = data.get("message") or ""
        verification = data.get("verification") or {}
        co_authors = []
        for name, email in _CO_AUTHOR.findall(message):
            match = _NOREPLY.match(email)
            co_authors.append(Person(name=name, email=email, login=match.group(1) if match else None))
        return Commit(
            sha=raw["sha"],
            author=self._person(data.get("author"), raw.get("author")),
            committer=self._person(data.get("committer"), raw.get("committer")),
            parents=tuple(p["sha"] for p in raw.get("parents") or []),
            message=message,
            verified=verification.get("verified") if verification else None,
            verification_reason=verification.get("reason") or "",
            co_authors=tuple(co_authors),
        )

    def _mark_base_merges(self, repo: str, commits: tuple[Commit, ...], base_sha: str) -> tuple[Commit, ...]:
        """A two-parent commit whose second parent is already in the base is an "Update branch" merge."""
        out = []
        for c in commits:
            if len(c.parents) == 2:
                second = c.parents[1]
                data = self.api.get(
                    f"/repos/{repo}/compare/{second}...{base_sha}",
                    params={"per_page": 1},
                    what="whether a merge commit only merges the base",
                )
                if isinstance(data, dict) and data.get("status") in ("ahead", "identical"):
                    c = replace(c, merges_base=True)
            out.append(c)
        return tuple(out)

    def _first_parent(self, repo: str, sha: str) -> str | None:
        data = self.api.get(
            f"/repos/{repo}/commits/{sha}", what=f"merge commit {sha[:12]}", permission="contents: read"
        )
        parents = data.get("parents") if isinstance(data, dict) else None
        return parents[0]["sha"] if parents else None

    def read_file(self, repo: str, path: str, ref: str) -> SourceFile:
        """A file at a commit through the contents API: present, absent (404) or unreadable (403...)."""
        if (repo, path, ref) in self._base_files:
            return self._base_files[(repo, path, ref)]
        try:
            data = self.api.get(f"/repos/{repo}/contents/{path}", params={"ref": ref}, what=f"{path} at {ref[:12]}")
        except ChangeproofError as error:
            cause = error.__cause__
            code = getattr(cause, "status", None)
            if code == 404:
                return SourceFile(path=path, state="absent")
            if code in (401, 403):
                return SourceFile(path=path, state="unreadable", reason=f"{code}: needs contents: read")
            raise
        if not isinstance(data, dict) or data.get("type") != "file":
            return SourceFile(path=path, state="unreadable", reason="not a regular file")
        if data.get("encoding") != "base64" or not data.get("content"):
            return SourceFile(path=path, state="unreadable", reason="too large for the contents API (over 1 MB)")
        try:
            text = b64decode(data["content"]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return SourceFile(path=path, state="unreadable", reason="not UTF-8 text")
        return SourceFile(path=path, state="present", content=text)

    def _policy(
        self, repo: str, base_sha: str, head_sha: str, files: tuple[ChangedFile, ...]
    ) -> tuple[PolicySource, Policy]:
        """The policy files as the Facts record them, and the policy derived from them (parsed once).

        Shared policies (`extends: owner/repo:path@ref`) are read when the loader asks for them and
        kept, so re-performance from the Facts alone resolves the same chain.
        """
        base = self.read_file(repo, POLICY_PATH, base_sha)
        head = None
        if any(POLICY_PATH in (f.path, f.previous_path) for f in files):
            head = self.read_file(repo, POLICY_PATH, head_sha)
        fetched: dict[str, str] = {}

        def fetch(ref: str) -> str | None:
            if ref in fetched:
                return fetched[ref]
            match = _EXTENDS_REF.match(ref)
            if not match:
                return None
            shared = self.read_file(match.group(1), match.group(2), match.group(3))
            if shared.state != "present" or shared.content is None:
                return None
            fetched[ref] = shared.content
            return shared.content

        policy = policy_from_source(PolicySource(base=base, head=head, extends={}), base_sha, fetch)
        return PolicySource(base=base, head=head, extends=dict(sorted(fetched.items()))), policy

    def _codeowners(self, repo: str, base_sha: str) -> SourceFile:
        """The first CODEOWNERS GitHub would use (.github/, root, docs/) at the base commit."""
        for path in codeowners_mod.CODEOWNERS_LOCATIONS:
            found = self.read_file(repo, path, base_sha)
            if found.state != "absent":
                return found
        return SourceFile(path=codeowners_mod.CODEOWNERS_LOCATIONS[0], state="absent")

    def _checks(self, repo: str, sha: str, as_of: str | None) -> tuple[Check, ...]:
        if sha in self._head_checks:
            runs, statuses = self._head_checks[sha]
        else:
            runs = self.api.paginate(
                f"/repos/{repo}/commits/{sha}/check-runs",
                key="check_runs",
                what="the head commit's check runs",
                permission="checks: read",
            )
            # The list, not the combined status: only it names each status's `creator` (GitHub's
            # description of the combined status has none), which a check pinned to an app needs.
            statuses = self.api.paginate(
                f"/repos/{repo}/commits/{sha}/statuses",
                what="the head commit's statuses",
                permission="statuses: read",
            )
        out: list[Check] = []
        for run in runs:
            if as_of and (run.get("started_at") or "") > as_of:
                continue
            status, conclusion = run.get("status") or "queued", run.get("conclusion")
            if as_of and (run.get("completed_at") or "9999") > as_of:
                status, conclusion = "in_progress", None
            app = run.get("app") or {}
            out.append(
                Check(
                    name=run.get("name") or "",
                    kind="check_run",
                    status=status,
                    conclusion=conclusion,
                    app=app.get("slug") or "",
                    url=run.get("html_url") or "",
                    app_id=app.get("id"),
                )
            )
        contexts: set[str] = set()
        for st in statuses:  # newest first: the first of each context is its current state
            if as_of and (st.get("created_at") or "") > as_of:
                continue
            if (st.get("context") or "") in contexts:
                continue
            contexts.add(st.get("context") or "")
            state = st.get("state") or "pending"
            out.append(
                Check(
                    name=st.get("context") or "",
                    kind="status",
                    status="completed" if state != "pending" else "pending",
                    conclusion=None if state == "pending" else ("success" if state == "success" else state),
                    app=(st.get("creator") or {}).get("login") or "",
                    url=st.get("target_url") or "",
                )
            )
        return tuple(out)

    def _reviews(self, repo: str, raw: list[dict[str, Any]], trusted_bots: tuple[str, ...]) -> tuple[Review, ...]:
        """Reviews with the standing of every reviewer whose deciding review is an approval.

        A bot account is no collaborator (the permission lookup fails for an App's bot): one the
        policy trusts by its exact login stands as `trusted_bot`, any other as `none`.
        """
        trusted = {b.lower() for b in trusted_bots}
        decisive: dict[str, dict[str, Any]] = {}
        for r in sorted(raw, key=lambda r: (r.get("submitted_at") or "", r.get("id") or 0)):
            if r.get("state") in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                decisive[((r.get("user") or {}).get("login") or "ghost").lower()] = r
        approvers = {login for login, r in decisive.items() if r.get("state") == "APPROVED"}
        out = []
        for r in raw:
            if r.get("state") == "PENDING" or not r.get("submitted_at"):
                continue
            account = r.get("user") or {}
            login = account.get("login") or "ghost"
            is_bot = account.get("type") == "Bot"
            permission = None
            if login.lower() in approvers:
                if is_bot:
                    permission = TRUSTED_BOT if login.lower() in trusted else "none"
                else:
                    permission = self._permission(repo, login)
            out.append(
                Review(
                    id=int(r["id"]),
                    reviewer=login,
                    state=r["state"],
                    commit_id=r.get("commit_id") or "",
                    submitted_at=r["submitted_at"],
                    reviewer_is_bot=is_bot,
                    author_association=r.get("author_association") or "NONE",
                    reviewer_permission=permission,
                    body=r.get("body") or "",
                )
            )
        return tuple(out)

    def _permission(self, repo: str, login: str) -> str | None:
        """The user's role on the repository (admin/maintain/write/triage/read/none); None if unreadable."""
        key = (repo.lower(), login.lower())
        if key not in self._permissions:
            try:
                data = self.api.get(f"/repos/{repo}/collaborators/{login}/permission", what=f"{login}'s permission")
                role = data.get("role_name") or data.get("permission") if isinstance(data, dict) else None
                self._permissions[key] = str(role) if role else None
            except ChangeproofError as error:
                code = getattr(error.__cause__, "status", None)
                if code == 404:  # not a collaborator: no access beyond what the public has
                    self._permissions[key] = "none"
                elif code == 403:
                    self._permissions[key] = None
                else:
                    raise
        return self._permissions[key]

    def _subjects(
        self, policy: Any, owners_file: SourceFile | None, files: tuple[ChangedFile, ...], labels: tuple[str, ...]
    ) -> tuple[set[str], set[str]]:
        """Teams whose members and users whose permission the controls will ask about."""
        teams: set[str] = set()
        users: set[str] = set()
        if owners_file and owners_file.state == "present" and owners_file.content:
            parsed = codeowners_mod.parse(owners_file.content)
            for f in files:
                for path in (f.path, f.previous_path):
                    for owner in parsed.owners_of(path) if path else ():
                        if owner.startswith("@") and "/" in owner:
                            teams.add(owner[1:])
                        elif owner.startswith("@"):
                            users.add(owner[1:])
        for rule in policy.rules:
            teams.update(rule.requires.teams)
            teams.update(rule.condition.author_teams)
        change = policy.controls.get("policy_change")
        if change:
            teams.update(str(t).lstrip("@") for t in change.params.get("teams", ()))
        emergency = policy.controls.get("emergency_change")
        if emergency and emergency.params.get("team") and str(emergency.params.get("label", "emergency")) in labels:
            teams.add(str(emergency.params["team"]).lstrip("@"))
        return {t for t in teams if "/" in t}, users

    def _team(self, team: str) -> TeamMembership:
        org, slug = team.split("/", 1)
        try:
            members = self.api.paginate(f"/orgs/{org}/teams/{slug}/members", what=f"members of @{team}")
        except ChangeproofError as error:
            code = getattr(error.__cause__, "status", None)
            if code in (403, 404):
                return TeamMembership(
                    team=team,
                    observable=False,
                    reason=f"{code}: team membership needs a token with read:org (a GitHub App with Members: read)",
                )
            raise
        return TeamMembership(team=team, members=tuple(m["login"] for m in members if m.get("login")))

    def _label_events(self, repo: str, number: int, as_of: str | None) -> tuple[LabelEvent, ...]:
        events = self.api.paginate(
            f"/repos/{repo}/issues/{number}/events", what="the PR's label events", permission="issues: read"
        )
        out = []
        for e in events:
            if e.get("event") not in ("labeled", "unlabeled") or (as_of and (e.get("created_at") or "") > as_of):
                continue
            out.append(
                LabelEvent(
                    label=(e.get("label") or {}).get("name") or "",
                    action=e["event"],
                    actor=(e.get("actor") or {}).get("login") or "ghost",
                    created_at=e.get("created_at") or "",
                )
            )
        return tuple(out)

    # ===================================================================== branch rules
    def branch_rules(self, repo: str, branch: str) -> BranchRules:
        """Rulesets (readable with `contents: read`) merged with classic protection when readable."""
        sources: list[str] = []
        unreadable: list[Unobservable] = []
        fields: dict[str, Any] = {
            "requires_pull_request": False,
            "required_approvals": 0,
            "requires_code_owner_review": False,
            "dismisses_stale_reviews": False,
            "required_status_checks": [],
            "required_checks": [],
            "blocks_force_push": False,
            "blocks_deletion": False,
            "restricts_updates": False,
        }
        try:
            rules = self.api.paginate(f"/repos/{repo}/rules/branches/{branch}", what=f"the rulesets of {branch}")
            sources.append("rulesets")
            _apply_rulesets(fields, rules)
        except ChangeproofError as error:
            code = getattr(error.__cause__, "status", None)
            if code not in (403, 404):
                raise
            unreadable.append(Unobservable(f"rulesets of {repo}@{branch}", f"GitHub answered {code}", "contents: read"))
        denied = self._protection_denied.get(repo.lower())
        if denied is not None:  # the same token was already refused classic protection on this repo
            unreadable.append(replace(denied, what=f"classic branch protection of {repo}@{branch}"))
        else:
            try:
                data = self.api.get(
                    f"/repos/{repo}/branches/{branch}/protection", what=f"the classic protection of {branch}"
                )
                sources.append("classic protection")
                _apply_classic(fields, data if isinstance(data, dict) else {})
            except ChangeproofError as error:
                code = getattr(error.__cause__, "status", None)
                if code == 404:  # "Branch not protected": read, and there is none
                    sources.append("classic protection")
                elif code in (401, 403):
                    entry = Unobservable(
                        f"classic branch protection of {repo}@{branch}",
                        f"GitHub answered {code}: the token cannot read branch protection",
                        "administration: read (repository admin; GITHUB_TOKEN never has it)",
                    )
                    self._protection_denied[repo.lower()] = entry
                    unreadable.append(entry)
                else:
                    raise
        fields["required_status_checks"] = tuple(dict.fromkeys(fields["required_status_checks"]))
        fields["required_checks"] = tuple(dict.fromkeys(fields["required_checks"]))
        return BranchRules(branch=branch, sources_read=tuple(sources), unreadable=tuple(unreadable), **fields)


def _apply_rulesets(fields: dict[str, Any], rules: list[dict[str, Any]]) -> None:
    for rule in rules:
        kind, params = rule.get("type"), rule.get("parameters") or {}
        if kind == "pull_request":
            fields["requires_pull_request"] = True
            fields["required_approvals"] = max(
                fields["required_approvals"], int(params.get("required_approving_review_count") or 0)
            )
            fields["requires_code_owner_review"] |= bool(params.get("require_code_owner_review"))
            fields["dismisses_stale_reviews"] |= bool(params.get("dismiss_stale_reviews_on_push"))
        elif kind == "required_status_checks":
            for check in params.get("required_status_checks") or []:
                pinned = check.get("integration_id")
                fields["required_status_checks"].append(check.get("context", ""))
                fields["required_checks"].append(
                    RequiredCheck(check.get("context", ""), int(pinned) if pinned is not None else None, "ruleset")
                )
        elif kind == "non_fast_forward":
            fields["blocks_force_push"] = True
        elif kind == "deletion":
            fields["blocks_deletion"] = True
        elif kind == "update":
            fields["restricts_updates"] = True


def _apply_classic(fields: dict[str, Any], data: dict[str, Any]) -> None:
    reviews = data.get("required_pull_request_reviews")
    if isinstance(reviews, dict):
        fields["requires_pull_request"] = True
        fields["required_approvals"] = max(
            fields["required_approvals"], int(reviews.get("required_approving_review_count") or 0)
        )
        fields["requires_code_owner_review"] |= bool(reviews.get("require_code_owner_reviews"))
        fields["dismisses_stale_reviews"] |= bool(reviews.get("dismiss_stale_reviews"))
    checks = data.get("required_status_checks")
    if isinstance(checks, dict):
        fields["required_status_checks"] += list(checks.get("contexts") or [])
        pinned = {c.get("context"): c.get("app_id") for c in checks.get("checks") or [] if isinstance(c, dict)}
        for context in dict.fromkeys([*(checks.get("contexts") or []), *(k for k in pinned if k)]):
            app_id = pinned.get(context)  # -1 / null: any app may report it
            fields["required_checks"].append(
                RequiredCheck(context, int(app_id) if app_id is not None and int(app_id) > 0 else None, "classic")
            )
    if not (data.get("allow_force_pushes") or {}).get("enabled", True):
        fields["blocks_force_push"] = True
    if not (data.get("allow_deletions") or {}).get("enabled", True):
        fields["blocks_deletion"] = True
    if (data.get("lock_branch") or {}).get("enabled") or data.get("restrictions"):
        fields["restricts_updates"] = True
