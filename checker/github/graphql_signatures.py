"""Commit signatures of a PR through GitHub's GraphQL API: who signed and with which key.

REST's commit `verification` says only whether a signature is valid; `has_valid_signatures_by`
and `has_valid_signatures_by_keys` need the signer and the GPG key id, which only GraphQL's
`GitSignature` (`signer`, and `GpgSignature.keyId`) carries. The query is validated against
GitHub's published schema (npm `@octokit/graphql-schema`) by the tests.
"""

from __future__ import annotations

from typing import Any

from checker.errors import InfrastructureError
from checker.github.api import Api
from checker.model import CommitSignature

QUERY = """
query PullRequestSignatures($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      commits(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          commit {
            oid
            signature {
              __typename
              isValid
              signer { login }
              ... on GpgSignature { keyId }
            }
          }
        }
      }
    }
  }
}
"""
MAX_PAGES = 3  # a pull request lists at most 250 commits


def graphql_url(api_url: str) -> str:
    """api.github.com/graphql, or https://HOST/api/graphql for GitHub Enterprise Server."""
    base = api_url.rstrip("/")
    return base[: -len("/v3")] + "/graphql" if base.endswith("/api/v3") else base + "/graphql"


def signatures(api: Api, repository: str, number: int) -> tuple[CommitSignature, ...]:
    """Every commit's signature; raises ChangeproofError when GraphQL cannot be read."""
    owner, name = repository.split("/", 1)
    out: list[CommitSignature] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        variables = {"owner": owner, "name": name, "number": number, "cursor": cursor}
        _, data = api.request(
            "POST",
            graphql_url(api.api_url),
            body={"query": QUERY, "variables": variables},
            what="the PR's commit signatures (GraphQL)",
            permission="contents: read",
        )
        if not isinstance(data, dict) or data.get("errors"):
            errors = data.get("errors") if isinstance(data, dict) else None
            raise InfrastructureError(
                f"GitHub's GraphQL API answered with errors: {str(errors)[:300]}",
                fix="Check the token's access to the repository.",
            )
        commits = _dig(data, "data", "repository", "pullRequest", "commits")
        for node in commits.get("nodes") or []:
            out.append(_signature(node.get("commit") or {}))
        page = commits.get("pageInfo") or {}
        if not page.get("hasNextPage"):
            return tuple(out)
        cursor = page.get("endCursor")
    return tuple(out)


def _dig(data: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, dict):
        raise InfrastructureError("GitHub's GraphQL answer lacks the PR's commits", fix="Re-run the job.")
    return data


def _signature(commit: dict[str, Any]) -> CommitSignature:
    sig = commit.get("signature")
    if not isinstance(sig, dict):
        return CommitSignature(str(commit.get("oid") or ""), "")
    signer = sig.get("signer") or {}
    return CommitSignature(
        sha=str(commit.get("oid") or ""),
        kind=str(sig.get("__typename") or "UnknownSignature"),
        is_valid=bool(sig.get("isValid")),
        signer=signer.get("login") if isinstance(signer, dict) else None,
        key_id=sig.get("keyId"),
    )
