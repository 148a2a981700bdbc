"""Collecting a repository's change-management posture from GitHub: GET requests only.

The posture is the configuration that makes the per-PR controls mean anything: the rules in
force on the default branch (effective rules, the rulesets behind them with enforcement,
conditions and bypass actors, classic protection), how the rulesets changed since the last
posture (their version history, each version's actor resolved to a login), digests of the
gate's own files at the branch head (policy, CODEOWNERS, changeproof's workflows), the merge
settings and the signing environment's branch policy.

What the token cannot read is listed under `unobservable` with GitHub's answer, never
reported as "none": the workflow's GITHUB_TOKEN gets no bypass actors and a 403 from ruleset
history and rule suites; only an App installation token (Administration: read) sees them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from checker.errors import ChangeproofError
from checker.github.api import Api, status_of
from checker.github.collector import Collector
from checker.serde import to_json

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
MERGE_SETTINGS = (
    "allow_merge_commit",
    "allow_squash_merge",
    "allow_rebase_merge",
    "allow_auto_merge",
    "allow_update_branch",
    "delete_branch_on_merge",
)
ADMIN_READ = "administration: read (a GitHub App installation token; GITHUB_TOKEN never has it)"


@dataclass(frozen=True)
class PostureSettings:
    """Which repository, branch and files the posture covers (all passed in, nothing read from the environment)."""

    repository: str
    branch: str = ""  # "" = the repository's default branch
    policy_path: str = ".github/changeproof.yml"
    workflow_paths: tuple[str, ...] = (".github/workflows/changeproof.yml",)
    environment: str = "changeproof-evidence"
    ledger_repository: str = ""  # "" = the audited repository itself
    ledger_branch: str = "changeproof-ledger"


@dataclass
class _Gaps:
    items: list[dict[str, str]] = field(default_factory=list)

    def add(self, what: str, why: str, permission: str = "") -> None:
        self.items.append({"what": what, "why": why, "permission_needed": permission})


def _code(error: ChangeproofError) -> int | None:
    return status_of(error.__cause__) if error.__cause__ is not None else None


def _digest(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest() if text is not None else None


def normalise_ruleset(state: dict[str, Any]) -> dict[str, Any]:
    """The parts of a ruleset that decide what it enforces, in a stable order."""
    actors = state.get("bypass_actors")
    return {
        "id": int(state.get("id") or 0),
        "name": str(state.get("name") or ""),
        "target": str(state.get("target") or "branch"),
        "source_type": str(state.get("source_type") or "Repository"),
        "source": str(state.get("source") or ""),
        "enforcement": str(state.get("enforcement") or ""),
        "conditions": state.get("conditions") or {},
        "bypass_actors": None
        if actors is None
        else sorted(
            (
                {
                    "actor_id": a.get("actor_id"),
                    "actor_type": str(a.get("actor_type") or ""),
                    "bypass_mode": str(a.get("bypass_mode") or "always"),
                }
                for a in actors
            ),
            key=lambda a: (a["actor_type"], str(a["actor_id"]), a["bypass_mode"]),
        ),
        "rules": sorted(
            ({"type": str(r.get("type")), "parameters": r.get("parameters") or {}} for r in state.get("rules") or []),
            key=lambda r: str(r["type"]),
        ),
    }


class PostureCollector:
    """Reads one repository's posture; every request is a GET."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.files = Collector(api)
        self._logins: dict[tuple[str, int], str] = {}

    def collect(self, settings: PostureSettings, *, collected_at: str, since: str | None) -> dict[str, Any]:
        """The normalised posture; `since` (the previous posture's time) bounds the history read."""
        repo = settings.repository
        gaps = _Gaps()
        meta = self.api.get(f"/repos/{repo}", what=f"the repository {repo}", permission="metadata: read")
        branch = settings.branch or str(meta.get("default_branch") or "main")
        rulesets, history = self._rulesets(repo, gaps, since)
        effective = self.files.branch_rules(repo, branch)
        ledger_repo = settings.ledger_repository or repo
        ledger = self.files.branch_rules(ledger_repo, settings.ledger_branch)
        for u in (*effective.unreadable, *ledger.unreadable):
            gaps.add(u.what, u.reason, u.permission_needed)
        merge = {k: meta.get(k) for k in MERGE_SETTINGS}
        if any(v is None for v in merge.values()):
            gaps.add("merge settings", "GitHub did not return them to this token", "administration: read")
        config = {
            "branch": branch,
            "rulesets": {str(r["id"]): r for r in rulesets},
            "effective_rules": to_json(effective),
            "ledger": {"repository": ledger_repo, "rules": to_json(ledger)},
            "files": self._files(repo, branch, settings, gaps),
            "merge_settings": merge,
            "environment": self._environment(repo, settings.environment, gaps),
        }
        return {
            "repository": repo,
            "collected_at": collected_at,
            "since": since,
            "config": config,
            "history": history,
            "unobservable": gaps.items,
        }

    # ------------------------------------------------------------------ rulesets
    def _rulesets(
        self, repo: str, gaps: _Gaps, since: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        try:
            listed = self.api.paginate(
                f"/repos/{repo}/rulesets", params={"includes_parents": "true"}, what=f"the rulesets of {repo}"
            )
        except ChangeproofError as error:
            if _code(error) not in (403, 404):
                raise
            gaps.add("rulesets", f"GitHub answered {_code(error)}", "metadata: read")
            return [], {}
        out: list[dict[str, Any]] = []
        history: dict[str, list[dict[str, Any]]] = {}
        history_denied = False
        for item in listed:
            id_ = int(item["id"])
            try:
                state = self.api.get(
                    f"/repos/{repo}/rulesets/{id_}", params={"includes_parents": "true"}, what=f"ruleset {id_}"
                )
            except ChangeproofError as error:
                if _code(error) != 404:  # deleted between the list and the read: gone
                    raise
                continue
            ruleset = normalise_ruleset(state)
            if ruleset["bypass_actors"] is None:
                gaps.add(
                    f"bypass actors of ruleset {id_}",
                    "GitHub returns them only to tokens that can edit the ruleset",
                    ADMIN_READ,
                )
            out.append(ruleset)
            if history_denied:
                continue
            versions = self._history(repo, id_, since, gaps)
            if versions is None:
                history_denied = True
            else:
                history[str(id_)] = versions
        return out, history

    def _history(self, repo: str, id_: int, since: str | None, gaps: _Gaps) -> list[dict[str, Any]] | None:
        """Versions of a ruleset updated after `since`, oldest first; None when history is forbidden."""
        try:
            listed = self.api.paginate(f"/repos/{repo}/rulesets/{id_}/history", what=f"the history of ruleset {id_}")
        except ChangeproofError as error:
            code = _code(error)
            if code == 403:
                gaps.add("ruleset history", "GitHub answered 403", ADMIN_READ)
                return None
            if code == 404:
                gaps.add(f"history of ruleset {id_}", "GitHub answered 404")
                return []
            raise
        newer = sorted(
            (v for v in listed if since is None or str(v.get("updated_at") or "") > since),
            key=lambda v: (str(v.get("updated_at") or ""), int(v.get("version_id") or 0)),
        )
        if since is None:
            newer = newer[-1:]  # the first posture keeps only the version in force
        out = []
        for v in newer:
            vid = int(v["version_id"])
            try:
                data = self.api.get(
                    f"/repos/{repo}/rulesets/{id_}/history/{vid}", what=f"version {vid} of ruleset {id_}"
                )
            except ChangeproofError as error:
                if _code(error) not in (403, 404):
                    raise
                gaps.add(f"version {vid} of ruleset {id_}", f"GitHub answered {_code(error)}", ADMIN_READ)
                continue
            actor = data.get("actor") or v.get("actor") or {}
            out.append(
                {
                    "version_id": vid,
                    "updated_at": str(data.get("updated_at") or v.get("updated_at") or ""),
                    "actor": {
                        "id": actor.get("id"),
                        "type": str(actor.get("type") or ""),
                        "login": self._login(actor),
                    },
                    "state": normalise_ruleset({**(data.get("state") or {}), "id": id_}),
                }
            )
        return out

    def _login(self, actor: dict[str, Any]) -> str:
        """A version's actor `{id, type}` as a login (users through GET /user/{id})."""
        kind, id_ = str(actor.get("type") or ""), actor.get("id")
        if not isinstance(id_, int):
            return kind or "unknown"
        key = (kind, id_)
        if key not in self._logins:
            login = f"{kind}:{id_}"
            if kind == "User":
                try:
                    login = str(self.api.get(f"/user/{id_}", what=f"user {id_}").get("login") or login)
                except ChangeproofError as error:
                    if _code(error) not in (403, 404):
                        raise
            self._logins[key] = login
        return self._logins[key]

    # ------------------------------------------------------------------ files, environment
    def _file(self, repo: str, path: str, ref: str, gaps: _Gaps) -> dict[str, Any]:
        got = self.files.read_file(repo, path, ref)
        if got.state == "unreadable":
            gaps.add(f"{path} at {ref}", got.reason, "contents: read")
        return {"path": path, "state": got.state, "sha256": _digest(got.content) if got.state == "present" else None}

    def _files(self, repo: str, branch: str, settings: PostureSettings, gaps: _Gaps) -> dict[str, Any]:
        owners = {"path": CODEOWNERS_PATHS[0], "state": "absent", "sha256": None}
        for path in CODEOWNERS_PATHS:
            found = self._file(repo, path, branch, gaps)
            if found["state"] != "absent":
                owners = found
                break
        return {
            "policy": self._file(repo, settings.policy_path, branch, gaps),
            "codeowners": owners,
            "workflows": {p: self._file(repo, p, branch, gaps) for p in settings.workflow_paths},
        }

    def _environment(self, repo: str, name: str, gaps: _Gaps) -> dict[str, Any] | None:
        gaps.add(
            f"admin bypass of environment {name}",
            "GitHub does not return whether administrators may bypass an environment's protection",
        )
        gaps.add(
            f"who changed environment {name}",
            "GitHub keeps no history of environment changes: a change is seen at the next run, without its author",
        )
        try:
            env = self.api.get(f"/repos/{repo}/environments/{quote(name, safe='')}", what=f"environment {name}")
        except ChangeproofError as error:
            code = _code(error)
            if code == 404:
                return {"name": name, "exists": False}
            if code == 403:
                gaps.add(f"environment {name}", "GitHub answered 403", "actions: read")
                return None
            raise
        policy = env.get("deployment_branch_policy")
        branches: list[dict[str, str]] | None = None
        if isinstance(policy, dict) and policy.get("custom_branch_policies"):
            try:
                listed = self.api.paginate(
                    f"/repos/{repo}/environments/{quote(name, safe='')}/deployment-branch-policies",
                    key="branch_policies",
                    what=f"the branch policies of environment {name}",
                )
                branches = sorted(
                    ({"name": str(b.get("name")), "type": str(b.get("type") or "branch")} for b in listed),
                    key=lambda b: (b["type"], b["name"]),
                )
            except ChangeproofError as error:
                if _code(error) not in (403, 404):
                    raise
                gaps.add(f"branch policies of environment {name}", f"GitHub answered {_code(error)}")
        return {
            "name": name,
            "exists": True,
            "deployment_branch_policy": policy,
            "branch_policies": branches,
            "protection_rules": sorted(str(r.get("type")) for r in env.get("protection_rules") or []),
            **_reviewers(env.get("protection_rules") or []),
            "updated_at": env.get("updated_at"),  # when it last changed (GitHub does not say by whom)
        }

    # ------------------------------------------------------------------ bypasses
    def bypasses(self, repository: str, branch: str) -> list[dict[str, Any]] | None:
        """Rule suites with result bypass on the branch over the last week (all pages, by id); None if unreadable."""
        try:
            suites = self.api.paginate(
                f"/repos/{repository}/rulesets/rule-suites",
                params={"ref": f"refs/heads/{branch}", "rule_suite_result": "bypass", "time_period": "week"},
                what=f"the rule suites of {repository}",
            )
        except ChangeproofError as error:
            if _code(error) not in (403, 404):
                raise
            return None
        unique: dict[int, dict[str, Any]] = {}
        for s in suites:
            if s.get("result") == "bypass" and isinstance(s.get("id"), int):
                unique.setdefault(
                    int(s["id"]),
                    {
                        "rule_suite_id": int(s["id"]),
                        "actor": str(s.get("actor_name") or f"id:{s.get('actor_id')}"),
                        "ref": str(s.get("ref") or ""),
                        "before_sha": str(s.get("before_sha") or ""),
                        "after_sha": str(s.get("after_sha") or ""),
                        "at": str(s.get("pushed_at") or ""),
                    },
                )
        return [unique[k] for k in sorted(unique, key=lambda k: (unique[k]["at"], k))]

    # ------------------------------------------------------------------ retrospectives
    def reviews(self, repository: str, number: int) -> list[dict[str, Any]]:
        """The PR's reviews as of now, with each reviewer's permission and whether it is a bot."""
        listed = self.api.paginate(
            f"/repos/{repository}/pulls/{number}/reviews",
            what=f"the reviews of PR #{number}",
            permission="pull-requests: read",
        )
        out = []
        for r in listed:
            user = r.get("user") or {}
            login = str(user.get("login") or "")
            out.append(
                {
                    "reviewer": login,
                    "state": str(r.get("state") or ""),
                    "submitted_at": str(r.get("submitted_at") or ""),
                    "commit_id": str(r.get("commit_id") or ""),
                    "reviewer_is_bot": user.get("type") == "Bot" or login.endswith("[bot]"),
                    "reviewer_permission": self._permission(repository, login) if login else None,
                }
            )
        return out

    def _permission(self, repository: str, login: str) -> str | None:
        try:
            data = self.api.get(f"/repos/{repository}/collaborators/{login}/permission", what=f"{login}'s permission")
        except ChangeproofError as error:
            if _code(error) == 404:
                return "none"
            if _code(error) == 403:
                return None
            raise
        role = data.get("role_name") or data.get("permission") if isinstance(data, dict) else None
        return str(role) if role else None


def _reviewers(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """The environment's required reviewers (`User:login` / `Team:slug`) and whether they may
    approve their own deployments, from its `required_reviewers` protection rule."""
    for rule in rules:
        if rule.get("type") == "required_reviewers":
            names = []
            for r in rule.get("reviewers") or []:
                who = r.get("reviewer") or {}
                names.append(f"{r.get('type')}:{who.get('login') or who.get('slug') or who.get('name')}")
            return {"required_reviewers": sorted(names), "prevent_self_review": bool(rule.get("prevent_self_review"))}
    return {"required_reviewers": [], "prevent_self_review": None}
