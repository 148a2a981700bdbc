"""The gate's pull-request read through GitHub's GraphQL API: two queries instead of a dozen calls.

Decision for the whole project: the gate reads a pull request with GraphQL (the PR, its labels,
files, commits, reviews, and its head's check runs and statuses in one query; the policy file,
CODEOWNERS and the approvers' repository roles at the base commit in a second); everything else
(rulesets, classic protection, team members, writes) stays REST, and so does the record job,
which judges a merged PR as it stood at merge. The answers are turned
into the REST shapes the collector already reads, so one code path builds the Facts and both
sources give the same Facts (a test compares them). Whenever GraphQL cannot give exactly what REST
would (an error, a 403, more than one page, a renamed file whose old name GraphQL does not
report), the collector falls back to REST for that piece: fidelity first, speed second.

Every query here is validated in the tests against GitHub's official schema (npm
`@octokit/graphql-schema`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checker.errors import ChangeproofError
from checker.github.api import Api

PAGE = 100

PULL_QUERY = """
query ChangeproofPull($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      number
      title
      body
      isDraft
      author { __typename login }
      headRefOid
      headRefName
      headRepository { nameWithOwner }
      baseRefOid
      baseRefName
      merged
      mergedAt
      mergedBy { login }
      mergeCommit { oid }
      potentialMergeCommit { oid }
      changedFiles
      labels(first: 100) { totalCount nodes { name } }
      files(first: 100) {
        totalCount
        pageInfo { hasNextPage }
        nodes { path additions deletions changeType }
      }
      commits(first: 100) {
        totalCount
        pageInfo { hasNextPage }
        nodes {
          commit {
            oid
            message
            author { name email user { login } }
            committer { name email user { login } }
            parents(first: 3) { nodes { oid } }
            signature { isValid state }
          }
        }
      }
      reviews(first: 100) {
        totalCount
        pageInfo { hasNextPage }
        nodes {
          databaseId
          author { __typename login }
          state
          submittedAt
          commit { oid }
          authorAssociation
        }
      }
      headCommit: commits(last: 1) {
        nodes {
          commit {
            oid
            checkSuites(first: 50) {
              pageInfo { hasNextPage }
              nodes {
                app { slug databaseId }
                checkRuns(first: 100, filterBy: {checkType: LATEST}) {
                  pageInfo { hasNextPage }
                  nodes { name status conclusion startedAt completedAt permalink }
                }
              }
            }
            status {
              contexts { context state createdAt targetUrl creator { login } }
            }
          }
        }
      }
    }
  }
}
"""

#: GitHub's REST `verification.reason` for each GraphQL `GitSignatureState` that is spelled differently.
_SIGNATURE_REASONS = {"UNKNOWN_SIG_TYPE": "unknown_signature_type", "MALFORMED_SIG": "malformed_signature"}
_FILE_STATUS = {"ADDED": "added", "DELETED": "removed", "MODIFIED": "modified", "CHANGED": "changed"}
_PERMISSIONS = {"ADMIN": "admin", "MAINTAIN": "maintain", "WRITE": "write", "TRIAGE": "triage", "READ": "read"}


class GraphUnavailable(Exception):
    """GraphQL could not give exactly what REST would; the caller reads REST instead."""


@dataclass
class PullSnapshot:
    """One pull request in the REST shapes the collector reads."""

    pr: dict[str, Any]
    files: list[dict[str, Any]]
    commits: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    check_runs: list[dict[str, Any]]
    statuses: list[dict[str, Any]]


@dataclass
class BaseSnapshot:
    """Files at the base commit (None: absent; a `str` reason in `unreadable`) and collaborator roles."""

    files: dict[str, str | None] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    permissions: dict[str, str] = field(default_factory=dict)


def graphql_url(api_url: str) -> str:
    """GitHub.com: https://api.github.com/graphql; GitHub Enterprise Server: https://HOST/api/graphql."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


class PullGraph:
    """GraphQL reads for the collector, over the same counted client as REST."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def query(self, text: str, variables: dict[str, Any], what: str) -> dict[str, Any]:
        try:
            _, data = self.api.request(
                "POST",
                graphql_url(self.api.api_url),
                body={"query": text, "variables": variables},
                what=what,
                mutative=False,
            )
        except ChangeproofError as error:
            raise GraphUnavailable(error.summary) from error
        if not isinstance(data, dict) or data.get("errors") or not isinstance(data.get("data"), dict):
            reason = json.dumps((data or {}).get("errors") if isinstance(data, dict) else data)[:300]
            raise GraphUnavailable(f"GraphQL answered {what} with errors: {reason}")
        result: dict[str, Any] = data["data"]
        return result

    # ------------------------------------------------------------------------------ the PR
    def pull(self, repository: str, number: int) -> PullSnapshot:
        owner, name = repository.split("/", 1)
        data = self.query(PULL_QUERY, {"owner": owner, "name": name, "number": number}, f"pull request #{number}")
        pr = ((data.get("repository") or {}).get("pullRequest")) or None
        if not isinstance(pr, dict):
            raise GraphUnavailable("no pull request in the GraphQL answer")
        for connection in ("files", "commits", "reviews"):
            if (pr.get(connection) or {}).get("pageInfo", {}).get("hasNextPage"):
                raise GraphUnavailable(f"more than {PAGE} {connection}")
        if (pr.get("labels") or {}).get("totalCount", 0) > PAGE:
            raise GraphUnavailable(f"more than {PAGE} labels")
        files = [_file(f) for f in _nodes(pr.get("files"))]
        head_nodes = _nodes(pr.get("headCommit"))
        head = (head_nodes[0].get("commit") if head_nodes else None) or {}
        if head.get("oid") != pr.get("headRefOid"):
            raise GraphUnavailable("the head commit is not the PR's last commit")
        suites = head.get("checkSuites") or {}
        if suites.get("pageInfo", {}).get("hasNextPage") or any(
            (s.get("checkRuns") or {}).get("pageInfo", {}).get("hasNextPage") for s in _nodes(suites)
        ):
            raise GraphUnavailable("more check runs than one page")
        return PullSnapshot(
            pr=_pull(pr, repository),
            files=files,
            commits=[_commit(n.get("commit") or {}) for n in _nodes(pr.get("commits"))],
            reviews=[_review(r) for r in _nodes(pr.get("reviews"))],
            check_runs=[
                _check_run(run, s.get("app") or {}) for s in _nodes(suites) for run in _nodes(s.get("checkRuns"))
            ],
            statuses=[_status(c) for c in ((head.get("status") or {}).get("contexts") or [])],
        )

    # ------------------------------------------------------------------------------ the base
    def base(self, repository: str, sha: str, paths: Iterable[str], logins: Iterable[str]) -> BaseSnapshot:
        """Files at `sha` and the repository roles of `logins`, in one query."""
        owner, name = repository.split("/", 1)
        paths, logins = list(dict.fromkeys(paths)), sorted({login.lower() for login in logins})
        parts = []
        variables: dict[str, Any] = {"owner": owner, "name": name}
        header = ["$owner: String!", "$name: String!"]
        for i, path in enumerate(paths):
            header.append(f"$f{i}: String!")
            variables[f"f{i}"] = f"{sha}:{path}"
            parts.append(
                f"f{i}: object(expression: $f{i}) {{ __typename ... on Blob {{ text isBinary isTruncated }} }}"
            )
        for i, login in enumerate(logins):
            header.append(f"$u{i}: String!")
            variables[f"u{i}"] = login
            parts.append(f"u{i}: collaborators(login: $u{i}, first: 1) {{ edges {{ permission node {{ login }} }} }}")
        text = (
            f"query ChangeproofBase({', '.join(header)}) {{\n  repository(owner: $owner, name: $name) {{\n    "
            + "\n    ".join(parts or ["id"])
            + "\n  }\n}\n"
        )
        data = self.query(text, variables, f"the policy and CODEOWNERS at {sha[:12]}")
        repo = data.get("repository") or {}
        out = BaseSnapshot()
        for i, path in enumerate(paths):
            blob = repo.get(f"f{i}")
            if blob is None:
                out.files[path] = None
            elif blob.get("__typename") != "Blob":
                out.unreadable[path] = "not a regular file"
            elif blob.get("isBinary") or blob.get("text") is None:
                out.unreadable[path] = "not UTF-8 text"
            elif blob.get("isTruncated"):
                out.unreadable[path] = "too large for the contents API (over 1 MB)"
            else:
                out.files[path] = str(blob["text"])
        for i, login in enumerate(logins):
            edges = (repo.get(f"u{i}") or {}).get("edges") or []
            match = [e for e in edges if ((e.get("node") or {}).get("login") or "").lower() == login]
            out.permissions[login] = _PERMISSIONS.get(str(match[0].get("permission")), "none") if match else "none"
        return out


def _nodes(connection: Any) -> list[dict[str, Any]]:
    nodes = (connection or {}).get("nodes") if isinstance(connection, dict) else None
    return [n for n in nodes or [] if isinstance(n, dict)]


def _account(actor: Any) -> dict[str, Any] | None:
    if not isinstance(actor, dict) or not actor.get("login"):
        return None
    kind = actor.get("__typename")
    return {
        "login": actor["login"],
        "type": "Bot" if kind == "Bot" else "Organization" if kind == "Organization" else "User",
    }


def _pull(pr: dict[str, Any], repository: str) -> dict[str, Any]:
    merge = (pr.get("mergeCommit") or pr.get("potentialMergeCommit") or {}).get("oid")
    return {
        "number": pr.get("number"),
        "title": pr.get("title") or "",
        "body": pr.get("body") or "",
        "draft": bool(pr.get("isDraft")),
        "user": _account(pr.get("author")),
        "head": {
            "sha": pr.get("headRefOid"),
            "ref": pr.get("headRefName") or "",
            "repo": {"full_name": (pr.get("headRepository") or {}).get("nameWithOwner") or ""},
        },
        "base": {"sha": pr.get("baseRefOid"), "ref": pr.get("baseRefName") or ""},
        "merged": bool(pr.get("merged")),
        "merged_at": pr.get("mergedAt"),
        "merged_by": _account(pr.get("mergedBy")),
        "merge_commit_sha": merge,
        "changed_files": pr.get("changedFiles") or 0,
        "commits": (pr.get("commits") or {}).get("totalCount") or 0,
        "labels": [{"name": label.get("name")} for label in _nodes(pr.get("labels"))],
    }


def _file(node: dict[str, Any]) -> dict[str, Any]:
    change = str(node.get("changeType") or "")
    if change not in _FILE_STATUS:  # RENAMED / COPIED: REST also names the old path; GraphQL does not
        raise GraphUnavailable(f"a {change.lower() or 'changed'} file")
    return {
        "filename": node.get("path"),
        "status": _FILE_STATUS[change],
        "additions": node.get("additions") or 0,
        "deletions": node.get("deletions") or 0,
    }


def _person(actor: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    actor = actor if isinstance(actor, dict) else {}
    user = actor.get("user") if isinstance(actor.get("user"), dict) else None
    return {"name": actor.get("name") or "", "email": actor.get("email") or ""}, (
        {"login": user["login"]} if user and user.get("login") else None
    )


def _commit(node: dict[str, Any]) -> dict[str, Any]:
    author_git, author = _person(node.get("author"))
    committer_git, committer = _person(node.get("committer"))
    signature = node.get("signature")
    if isinstance(signature, dict):
        state = str(signature.get("state") or "")
        verification = {
            "verified": bool(signature.get("isValid")) and state == "VALID",
            "reason": _SIGNATURE_REASONS.get(state, state.lower()),
        }
    else:
        verification = {"verified": False, "reason": "unsigned"}
    return {
        "sha": node.get("oid"),
        "commit": {
            "message": node.get("message") or "",
            "author": author_git,
            "committer": committer_git,
            "verification": verification,
        },
        "author": author,
        "committer": committer,
        "parents": [{"sha": p.get("oid")} for p in _nodes(node.get("parents"))],
    }


def _review(node: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": node.get("databaseId") or 0,
        "user": _account(node.get("author")),
        "state": node.get("state"),
        "submitted_at": node.get("submittedAt"),
        "commit_id": (node.get("commit") or {}).get("oid") or "",
        "author_association": node.get("authorAssociation") or "NONE",
    }


def _check_run(node: dict[str, Any], app: dict[str, Any]) -> dict[str, Any]:
    conclusion = node.get("conclusion")
    return {
        "name": node.get("name") or "",
        "status": str(node.get("status") or "QUEUED").lower(),
        "conclusion": str(conclusion).lower() if conclusion else None,
        "started_at": node.get("startedAt"),
        "completed_at": node.get("completedAt"),
        "html_url": node.get("permalink") or "",
        "app": {"slug": app.get("slug") or "", "id": app.get("databaseId")},
    }


def _status(node: dict[str, Any]) -> dict[str, Any]:
    return {
        "context": node.get("context") or "",
        "state": str(node.get("state") or "PENDING").lower(),
        "created_at": node.get("createdAt"),
        "target_url": node.get("targetUrl") or "",
        "creator": {"login": (node.get("creator") or {}).get("login") or ""},
    }
