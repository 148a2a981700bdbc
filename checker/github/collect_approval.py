"""Facts only the approval policy needs, read through the REST API when a policy has one.

- the PR's conversation comments (`GET /repos/{o}/{r}/issues/{n}/comments`), for comment approvals;
- the head's push time: the earliest server-stamped event for the head sha in the base
  repository, its entry in `GET /repos/{o}/{r}/activity`, else the `created_at` of the first
  workflow run for it (`GET /repos/{o}/{r}/actions/runs?head_sha=`, which covers fork heads too).
  Never the committer date, which the pusher writes. Unreadable: comment approvals bound to the
  head are unobservable;
- the head's workflow runs (has_workflow_result);
- organization membership of the people involved (`GET /orgs/{org}/members/{user}`: 204 member,
  404 not; anything else, e.g. a 302 for a token outside the organization, is unobservable);
- team members and repository permissions of everyone a rule names or who left an approval;
- repository collaborators, only when a rule requests reviews by permission;
- commit signers and GPG key ids through GraphQL, only when a rule uses has_valid_signatures_by(_keys).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from checker.approval_policy.methods import comment_matches
from checker.approval_policy.spec import Actors, ApprovalPolicy, build
from checker.errors import ChangeproofError
from checker.github import graphql_signatures
from checker.model import (
    ApprovalFacts,
    CommitSignature,
    Facts,
    IssueComment,
    OrgMembership,
    Policy,
    Unobservable,
    WorkflowRun,
)

if TYPE_CHECKING:
    from checker.github.collector import Collector

MAX_COMMENTS = 3000
MAX_PEOPLE = 200  # membership and permission look-ups per PR


def wanted(policy: Policy) -> bool:
    settings = policy.controls.get("approval_policy")
    return policy.approval_policy is not None and settings is not None and settings.mode.value != "off"


def enrich(collector: Collector, facts: Facts, policy: Policy, pr: dict[str, Any], as_of: str | None) -> Facts:
    """`facts` with `approval` filled in (and what could not be read listed as unobservable)."""
    if not wanted(policy) or policy.approval_policy is None:
        return facts
    spec = build(policy.approval_policy)
    repo = facts.repository
    unobservable = list(facts.unobservable)
    comments, comments_observed = _comments(collector, repo, facts.number, as_of, unobservable)
    runs, runs_observed = _workflow_runs(collector, repo, facts.head_sha, unobservable)
    if as_of:  # the record job judges the PR as it stood at merge: later runs did not exist yet
        runs = tuple(r for r in runs if r.created_at <= as_of)
    pushed, source = _push_time(collector, facts, runs, unobservable)
    actors = _all_actors(spec)
    people = _people(facts, comments, spec)
    teams = {t.team.lower() for t in facts.teams}
    extra_teams = tuple(
        collector._team(t) for t in sorted({t for a in actors for t in a.teams}) if t.lower() not in teams and "/" in t
    )
    permissions = dict(facts.permissions)
    for login in sorted(people)[:MAX_PEOPLE]:
        key = f"@{login.lower()}"
        if key not in permissions and (p := collector._permission(repo, login)) is not None:
            permissions[key] = p
    orgs = tuple(
        _org(collector, org, sorted(people)[:MAX_PEOPLE])
        for org in sorted({o for a in actors for o in a.organizations})
    )
    signatures: tuple[CommitSignature, ...] = ()
    signatures_observed = False
    if _uses_signers(spec):
        try:
            signatures, signatures_observed = graphql_signatures.signatures(collector.api, repo, facts.number), True
        except ChangeproofError as error:  # fail closed: the signer predicates become unobservable
            unobservable.append(Unobservable("the PR's commit signatures (GraphQL)", error.summary, "contents: read"))
    collaborators: dict[str, str] = {}
    if any(r.options.request_review.enabled and r.actors.permissions for r in spec.rules.values()):
        collaborators = _collaborators(collector, repo)
    approval = ApprovalFacts(
        comments=comments,
        comments_observed=comments_observed,
        head_pushed_at=pushed,
        head_pushed_source=source,
        workflow_runs=runs,
        workflow_runs_observed=runs_observed,
        organizations=orgs,
        pr_created_at=str(pr.get("created_at") or ""),
        requested_reviewers=tuple(str(u.get("login")) for u in pr.get("requested_reviewers") or () if u.get("login")),
        requested_teams=tuple(str(t.get("slug")) for t in pr.get("requested_teams") or () if t.get("slug")),
        collaborators=collaborators,
        signatures=signatures,
        signatures_observed=signatures_observed,
    )
    return replace(
        facts,
        approval=approval,
        teams=(*facts.teams, *extra_teams),
        permissions=permissions,
        unobservable=tuple(unobservable),
    )


SIGNER_PREDICATES = frozenset({"has_valid_signatures_by", "has_valid_signatures_by_keys"})


def _uses_signers(spec: ApprovalPolicy) -> bool:
    items = [*spec.disapproval.predicates]
    for rule in spec.rules.values():
        items += [*rule.predicates, *rule.conditions]
    return any(name in SIGNER_PREDICATES for name, _ in items)


def _code(error: ChangeproofError) -> int | None:
    return getattr(error.__cause__, "status", None)


def _comments(
    collector: Collector, repo: str, number: int, as_of: str | None, unobservable: list[Unobservable]
) -> tuple[tuple[IssueComment, ...], bool]:
    try:
        raw = collector.api.paginate(
            f"/repos/{repo}/issues/{number}/comments",
            what="the PR's comments",
            permission="issues: read",
            limit=MAX_COMMENTS,
        )
    except ChangeproofError as error:
        if _code(error) not in (403, 404):
            raise
        unobservable.append(Unobservable("the PR's comments", error.summary, "issues: read"))
        return (), False
    out = []
    for c in raw:
        created = str(c.get("created_at") or "")
        if as_of and created > as_of:
            continue
        user = c.get("user") or {}
        out.append(
            IssueComment(
                id=int(c["id"]),
                author=str(user.get("login") or "ghost"),
                body=str(c.get("body") or ""),
                created_at=created,
                edited=str(c.get("updated_at") or created) > created,
                author_is_bot=user.get("type") == "Bot",
            )
        )
    return tuple(out), True


def _workflow_runs(
    collector: Collector, repo: str, sha: str, unobservable: list[Unobservable]
) -> tuple[tuple[WorkflowRun, ...], bool]:
    try:
        raw = collector.api.paginate(
            f"/repos/{repo}/actions/runs",
            params={"head_sha": sha},
            key="workflow_runs",
            what="the head commit's workflow runs",
            permission="actions: read",
        )
    except ChangeproofError as error:
        if _code(error) not in (403, 404):
            raise
        unobservable.append(Unobservable("the head commit's workflow runs", error.summary, "actions: read"))
        return (), False
    runs = tuple(
        WorkflowRun(
            id=int(r["id"]),
            path=str(r.get("path") or "").split("@", 1)[0],
            event=str(r.get("event") or ""),
            status=str(r.get("status") or ""),
            conclusion=r.get("conclusion"),
            head_sha=str(r.get("head_sha") or ""),
            created_at=str(r.get("created_at") or ""),
        )
        for r in raw
        if r.get("head_sha") == sha
    )
    return runs, True


def _push_time(
    collector: Collector, facts: Facts, runs: tuple[WorkflowRun, ...], unobservable: list[Unobservable]
) -> tuple[str | None, str]:
    """The earliest server-stamped event for the head sha: its push (activity), else its first workflow run."""
    same_repo = not facts.head_repository or facts.head_repository.lower() == facts.repository.lower()
    if same_repo and facts.head_ref:
        try:
            activity = collector.api.paginate(
                f"/repos/{facts.repository}/activity",
                params={"ref": f"refs/heads/{facts.head_ref}", "direction": "asc"},
                what="the repository activity of the PR's branch",
                permission="contents: read",
                limit=1000,
            )
        except ChangeproofError as error:
            if _code(error) not in (403, 404, 422):
                raise
        else:
            stamps = sorted(str(a.get("timestamp")) for a in activity if a.get("after") == facts.head_sha)
            if stamps:
                return stamps[0], "activity"
    created = sorted(r.created_at for r in runs if r.created_at)
    if created:
        return created[0], "workflow_run"
    unobservable.append(
        Unobservable(
            "the head commit's push time",
            "no repository activity and no workflow run was found for the head sha",
            "contents: read and actions: read",
        )
    )
    return None, ""


def _all_actors(spec: ApprovalPolicy) -> list[Actors]:
    from checker.approval_policy.spec import actors as to_actors

    out = [spec.disapproval.actors]
    for rule in spec.rules.values():
        out += [rule.actors, rule.options.ignore_commits_by]
        out += [to_actors(cfg) for _, cfg in (*rule.predicates, *rule.conditions) if isinstance(cfg, dict)]
    out += [to_actors(cfg) for _, cfg in spec.disapproval.predicates if isinstance(cfg, dict)]
    return out


def _people(facts: Facts, comments: tuple[IssueComment, ...], spec: ApprovalPolicy) -> set[str]:
    """Everyone whose membership or permission a rule may ask about."""
    people = {facts.author}
    for c in facts.commits:
        people.update(p.login for p in (c.author, c.committer, *c.co_authors) if p.login)
    people.update(r.reviewer for r in facts.reviews)
    all_methods = [r.options.methods for r in spec.rules.values()]
    all_methods += [spec.disapproval.disapprove, spec.disapproval.revoke]
    people.update(c.author for c in comments if any(comment_matches(m, c.body) for m in all_methods))
    for rule in spec.rules.values():
        people.update(rule.actors.users)
    return {p for p in people if p and p.lower() not in ("web-flow", "github", "ghost")}


def _org(collector: Collector, org: str, people: list[str]) -> OrgMembership:
    members, non_members = [], []
    for login in people:
        try:
            headers, _ = collector.api.request(
                "GET", f"/orgs/{org}/members/{login}", what=f"whether {login} is in {org}"
            )
        except ChangeproofError as error:
            code = _code(error)
            if code == 404:
                non_members.append(login)
                continue
            if code in (302, 401, 403):
                return OrgMembership(
                    org,
                    observable=False,
                    reason=f"{code}: organization membership needs a token of a member of {org} "
                    "(a GitHub App with Members: read)",
                    complete=False,
                )
            raise
        if any(k.lower() == "location" for k in headers):  # 302: the token is outside the organization
            return OrgMembership(
                org,
                observable=False,
                reason=f"302: organization membership needs a token of a member of {org} (a GitHub App with "
                "Members: read)",
                complete=False,
            )
        members.append(login)
    return OrgMembership(org, tuple(members), complete=False, non_members=tuple(non_members))


def _collaborators(collector: Collector, repo: str) -> dict[str, str]:
    try:
        raw = collector.api.paginate(f"/repos/{repo}/collaborators", what="the repository's collaborators", limit=1000)
    except ChangeproofError as error:
        if _code(error) not in (403, 404):
            raise
        return {}
    return {str(c["login"]).lower(): str(c.get("role_name") or "") for c in raw if c.get("login")}
