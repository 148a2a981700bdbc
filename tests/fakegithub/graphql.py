"""GitHub's GraphQL API for the fake server, answered from the same scenario as its REST API.

Every query is parsed and validated against GitHub's official schema (npm `@octokit/graphql-schema`,
`schema.json`, installed by `scripts/setup/npm-github-descriptions.sh`) and executed by
graphql-core, which also checks every answer against the schema (non-null fields, enum values,
abstract types). An invalid query is answered as GitHub does: HTTP 200 with `errors`, and it is
kept in `violations` so the test that sent it fails.

Only the parts of the schema changeproof reads are resolved (a repository's pull request with its
labels, files, commits, reviews and head checks; blobs by `object(expression:)`; collaborators by
login); the data comes from the scenario's REST-shaped records, turned into GraphQL's shapes here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, build_client_schema, graphql_sync, parse, validate

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_JSON = ROOT / ".cache/npm/node_modules/@octokit/graphql-schema/schema.json"

_CHANGE_TYPES = {
    "added": "ADDED",
    "removed": "DELETED",
    "modified": "MODIFIED",
    "renamed": "RENAMED",
    "copied": "COPIED",
    "changed": "CHANGED",
    "unchanged": "MODIFIED",
}
_ROLE_PERMISSIONS = {"admin": "ADMIN", "maintain": "MAINTAIN", "write": "WRITE", "triage": "TRIAGE", "read": "READ"}


@cache
def schema() -> GraphQLSchema:
    data = json.loads(SCHEMA_JSON.read_text(encoding="utf-8"))
    return build_client_schema(data.get("data", data))


def check_query(query: str) -> list[str]:
    """Problems of `query` against GitHub's schema (empty when GitHub would accept it)."""
    try:
        document = parse(query)
    except Exception as error:  # graphql-core raises GraphQLSyntaxError
        return [f"syntax: {error}"]
    return [e.message for e in validate(schema(), document)]


def answer(fake: Any, body: Any) -> dict[str, Any]:
    """The JSON body GitHub would send for a GraphQL request `body`."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return {"errors": [{"message": "A query attribute must be specified and must be a string."}]}
    problems = check_query(body["query"])
    if problems:
        fake.violations.extend(f"GraphQL query rejected by GitHub's schema: {p}" for p in problems)
        return {"errors": [{"message": p} for p in problems]}
    result = graphql_sync(schema(), body["query"], root_value=_Root(fake), variable_values=body.get("variables") or {})
    if result.errors:
        fake.violations.extend(f"GraphQL answer does not fit GitHub's schema: {e.message}" for e in result.errors)
        return {"data": result.data, "errors": [{"message": e.message} for e in result.errors]}
    return {"data": result.data}


# ---------------------------------------------------------------------------------- resolvers
def _connection(items: list[Any], first: int | None = None, last: int | None = None, **_: Any) -> dict[str, Any]:
    chosen = items[:first] if first is not None else items
    if last is not None:
        chosen = chosen[-last:] if last else []
    more = len(chosen) < len(items)
    return {
        "totalCount": len(items),
        "nodes": chosen,
        "edges": [{"node": n, **n.get("_edge", {})} for n in chosen if isinstance(n, dict)],
        "pageInfo": {"hasNextPage": more and first is not None, "hasPreviousPage": more and last is not None},
    }


def _lazy(items: list[Any]) -> Any:
    return lambda _info, **args: _connection(items, **args)


def _actor(account: Any) -> dict[str, Any] | None:
    if not isinstance(account, dict) or not account.get("login"):
        return None
    kind = account.get("type") or "User"
    return {"__typename": "Bot" if kind == "Bot" else "Organization" if kind == "Organization" else "User", **account}


class _Root:
    def __init__(self, fake: Any) -> None:
        self.fake = fake

    def repository(self, _info: Any, owner: str, name: str, **_: Any) -> dict[str, Any] | None:
        repos = self.fake.scenario.get("repos", {})
        repo = next((r for n, r in repos.items() if n.lower() == f"{owner}/{name}".lower()), None)
        return None if repo is None else _Repository(repo, self.fake).fields()


class _Repository:
    def __init__(self, repo: dict[str, Any], fake: Any) -> None:
        self.repo = repo
        self.fake = fake

    def fields(self) -> dict[str, Any]:
        return {
            "id": self.repo["repo"].get("node_id") or "R_fake",
            "pullRequest": lambda _info, number: self.pull(number),
            "object": lambda _info, expression=None, **_: self.blob(expression or ""),
            "collaborators": lambda _info, login=None, **args: self.collaborators(login, **args),
        }

    def pull(self, number: int) -> dict[str, Any] | None:
        record = self.repo.get("pulls", {}).get(str(number))
        if record is None:
            return None
        pull = record["pull"]
        merged = bool(pull.get("merged") or pull.get("merged_at"))
        commits = [self.commit(c) for c in record.get("commits", [])[:250]]
        for c in commits:  # signer / key id given by an approval-policy scenario (REST has neither)
            if c["oid"] in record.get("signatures", {}):
                c["signature"] = record["signatures"][c["oid"]]
        return {
            "number": pull["number"],
            "title": pull.get("title") or "",
            "body": pull.get("body") or "",
            "isDraft": bool(pull.get("draft")),
            "author": _actor(pull.get("user")),
            "headRefOid": pull["head"]["sha"],
            "headRefName": pull["head"].get("ref") or "",
            "headRepository": {"nameWithOwner": (pull["head"].get("repo") or {}).get("full_name") or ""}
            if pull["head"].get("repo")
            else None,
            "baseRefOid": pull["base"]["sha"],
            "baseRefName": pull["base"].get("ref") or "",
            "merged": merged,
            "mergedAt": pull.get("merged_at"),
            "mergedBy": _actor(pull.get("merged_by")),
            "mergeCommit": {"oid": pull["merge_commit_sha"]} if merged and pull.get("merge_commit_sha") else None,
            "potentialMergeCommit": {"oid": pull["merge_commit_sha"]}
            if not merged and pull.get("merge_commit_sha")
            else None,
            "changedFiles": int(pull.get("changed_files") or len(record.get("files", []))),
            "labels": _lazy([{"name": label["name"]} for label in pull.get("labels") or []]),
            "files": _lazy(
                [
                    {
                        "path": f["filename"],
                        "additions": f.get("additions") or 0,
                        "deletions": f.get("deletions") or 0,
                        "changeType": _CHANGE_TYPES[f.get("status") or "modified"],
                    }
                    for f in record.get("files", [])[:3000]
                ]
            ),
            "commits": _lazy([{"commit": c} for c in commits]),
            "reviews": _lazy([self.review(r) for r in record.get("reviews", []) if r.get("state") != "PENDING"]),
        }

    def commit(self, raw: dict[str, Any]) -> dict[str, Any]:
        git = raw.get("commit") or {}
        verification = git.get("verification") or {}
        reason = str(verification.get("reason") or "unsigned")
        signature = None
        if reason != "unsigned":
            signature = {
                "__typename": "GpgSignature",
                "isValid": bool(verification.get("verified")),
                "state": {"unknown_signature_type": "UNKNOWN_SIG_TYPE", "malformed_signature": "MALFORMED_SIG"}.get(
                    reason, reason.upper()
                ),
            }
        sha = raw["sha"]

        def person(git_person: Any, account: Any) -> dict[str, Any]:
            git_person = git_person or {}
            user = {"login": account["login"]} if isinstance(account, dict) and account.get("login") else None
            return {"name": git_person.get("name"), "email": git_person.get("email"), "user": user}

        return {
            "oid": sha,
            "message": git.get("message") or "",
            "author": person(git.get("author"), raw.get("author")),
            "committer": person(git.get("committer"), raw.get("committer")),
            "parents": _lazy([{"oid": p["sha"]} for p in raw.get("parents") or []]),
            "signature": signature,
            "checkSuites": lambda _info, **args: _connection(self.suites(sha), **args),
            "status": self.status(sha),
        }

    def suites(self, sha: str) -> list[dict[str, Any]]:
        runs = self.repo.get("check_runs", {}).get(sha, []) + [
            r for r in self.fake.scenario.get("_writes", {}).get("check_runs", []) if r.get("head_sha") == sha
        ]
        by_app: dict[Any, list[dict[str, Any]]] = {}
        apps: dict[Any, dict[str, Any]] = {}
        for run in runs:
            app = run.get("app") or {}
            key = (app.get("id"), app.get("slug"))
            apps[key] = app
            by_app.setdefault(key, []).append(
                {
                    "name": run.get("name") or "",
                    "status": str(run.get("status") or "queued").upper(),
                    "conclusion": str(run["conclusion"]).upper() if run.get("conclusion") else None,
                    "startedAt": run.get("started_at"),
                    "completedAt": run.get("completed_at"),
                    "permalink": run.get("html_url") or f"https://github.com/checks/{run.get('id', 0)}",
                }
            )
        return [
            {
                "app": {"slug": apps[k].get("slug") or "", "databaseId": apps[k].get("id")} if apps[k] else None,
                "checkRuns": lambda _info, items=items, **args: _connection(items, **args),
            }
            for k, items in by_app.items()
        ]

    def status(self, sha: str) -> dict[str, Any] | None:
        statuses = self.repo.get("statuses", {}).get(sha, [])
        if not statuses:
            return None
        return {
            "contexts": [
                {
                    "context": s.get("context") or "",
                    "state": str(s.get("state") or "pending").upper(),
                    "createdAt": s.get("created_at") or "2026-01-01T00:00:00Z",
                    "targetUrl": s.get("target_url"),
                    "creator": _actor(s.get("creator")),
                }
                for s in statuses
            ]
        }

    @staticmethod
    def review(raw: dict[str, Any]) -> dict[str, Any]:
        return {
            "databaseId": raw.get("id"),
            "author": _actor(raw.get("user")),
            "state": raw.get("state"),
            "submittedAt": raw.get("submitted_at"),
            "commit": {"oid": raw["commit_id"]} if raw.get("commit_id") else None,
            "authorAssociation": raw.get("author_association") or "NONE",
        }

    def blob(self, expression: str) -> dict[str, Any] | None:
        sha, _, path = expression.partition(":")
        files = self.repo.get("contents", {}).get(sha, {})
        if path not in files:
            return None
        text = files[path]
        if isinstance(text, dict):  # {"type": "dir"} and the like
            return {"__typename": "Tree"}
        return {"__typename": "Blob", "text": text, "isBinary": False, "isTruncated": len(text) > 512 * 1024}

    def collaborators(self, login: str | None, **args: Any) -> dict[str, Any]:
        roles = self.repo.get("permissions", {})
        found = [
            {"login": user, "_edge": {"permission": _ROLE_PERMISSIONS[role]}}
            for user, role in roles.items()
            if role in _ROLE_PERMISSIONS and (login is None or user.lower() == login.lower())
        ]
        return _connection(found, **args)
