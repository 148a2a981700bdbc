"""Builders for scenario data in the shapes GitHub's REST API returns (plain JSON-able dicts).

`typical()` is the reference pull request used by the API-budget test and most end-to-end tests:
20 changed files, 5 reviews from 3 reviewers, 3 check runs, a policy and CODEOWNERS at the base.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

API = "https://api.github.com"
REPO = "acme/web"
BASE_SHA = "b" * 40
HEAD_SHA = "c" * 40
T0 = "2026-11-20T10:00:00Z"

POLICY = """\
version: 1
extends: baseline
mode: enforce
controls:
  peer_review:
    mode: enforce
    min_approvals: 2
  code_owners:
    mode: enforce
  required_checks:
    mode: enforce
    checks: [build, test, lint]
"""

CODEOWNERS = """\
# owners
*           @acme/core
/infra/     @carol
"""


def sha(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()


def user(login: str, kind: str = "User") -> dict[str, Any]:
    return {
        "login": login,
        "id": abs(hash(login)) % 10**7,
        "type": kind,
        "url": f"{API}/users/{login}",
        "html_url": f"https://github.com/{login}",
    }


def repo_obj(full_name: str = REPO) -> dict[str, Any]:
    owner, name = full_name.split("/")
    return {
        "id": 4242,
        "name": name,
        "full_name": full_name,
        "owner": user(owner, "Organization"),
        "private": True,
        "default_branch": "main",
        "url": f"{API}/repos/{full_name}",
        "html_url": f"https://github.com/{full_name}",
    }


def pull(
    number: int,
    *,
    title: str,
    author: str,
    head_sha: str,
    base_sha: str,
    head_ref: str = "feature",
    base_ref: str = "main",
    body: str = "",
    labels: tuple[str, ...] = (),
    draft: bool = False,
    commits: int = 1,
    changed_files: int = 1,
    merged_at: str | None = None,
    merge_commit_sha: str | None = None,
    merged_by: str | None = None,
    full_name: str = REPO,
    head_repo: str | None = None,
    updated_at: str = T0,
) -> dict[str, Any]:
    url = f"{API}/repos/{full_name}/pulls/{number}"
    return {
        "url": url,
        "id": 100000 + number,
        "number": number,
        "state": "closed" if merged_at else "open",
        "title": title,
        "body": body,
        "draft": draft,
        "user": user(author),
        "labels": [{"name": label, "id": i} for i, label in enumerate(labels)],
        "head": {
            "ref": head_ref,
            "sha": head_sha,
            "label": f"acme:{head_ref}",
            "repo": repo_obj(head_repo or full_name),
            "user": user(author),
        },
        "base": {"ref": base_ref, "sha": base_sha, "label": f"acme:{base_ref}", "repo": repo_obj(full_name)},
        "merged": merged_at is not None,
        "merged_at": merged_at,
        "merge_commit_sha": merge_commit_sha,
        "merged_by": user(merged_by) if merged_by else None,
        "commits": commits,
        "changed_files": changed_files,
        "additions": 10,
        "deletions": 2,
        "created_at": T0,
        "updated_at": updated_at,
        "html_url": f"https://github.com/{full_name}/pull/{number}",
        "issue_url": f"{API}/repos/{full_name}/issues/{number}",
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "statuses_url": f"{API}/repos/{full_name}/statuses/{head_sha}",
    }


def commit(
    sha_: str,
    *,
    login: str | None,
    name: str = "",
    email: str = "",
    parents: tuple[str, ...] = (),
    message: str = "change",
    verified: bool = True,
    committer_login: str | None = None,
    date: str = T0,
    full_name: str = REPO,
) -> dict[str, Any]:
    name = name or (login or "someone")
    email = email or f"{name}@example.com"
    committer_login = committer_login if committer_login is not None else login
    return {
        "sha": sha_,
        "url": f"{API}/repos/{full_name}/commits/{sha_}",
        "commit": {
            "author": {"name": name, "email": email, "date": date},
            "committer": {"name": name, "email": email, "date": date},
            "message": message,
            "verification": {
                "verified": verified,
                "reason": "valid" if verified else "unsigned",
                "signature": None,
                "payload": None,
            },
            "url": f"{API}/repos/{full_name}/git/commits/{sha_}",
        },
        "author": user(login) if login else None,
        "committer": user(committer_login) if committer_login else None,
        "parents": [{"sha": p, "url": f"{API}/repos/{full_name}/commits/{p}"} for p in parents],
    }


def review(id_: int, login: str, state: str, commit_id: str, submitted_at: str, kind: str = "User") -> dict[str, Any]:
    return {
        "id": id_,
        "user": user(login, kind),
        "state": state,
        "commit_id": commit_id,
        "body": "",
        "submitted_at": submitted_at,
        "author_association": "MEMBER",
    }


def check_run(
    id_: int,
    name: str,
    head_sha: str,
    conclusion: str | None = "success",
    app: str = "github-actions",
    completed_at: str = T0,
) -> dict[str, Any]:
    return {
        "id": id_,
        "name": name,
        "head_sha": head_sha,
        "status": "completed" if conclusion else "in_progress",
        "conclusion": conclusion,
        "app": {"slug": app, "id": 15368, "name": app},
        "started_at": T0,
        "completed_at": completed_at if conclusion else None,
        "html_url": f"https://github.com/{REPO}/runs/{id_}",
    }


def file_entry(path: str, status: str = "modified", previous: str | None = None) -> dict[str, Any]:
    entry = {"sha": sha(path), "filename": path, "status": status, "additions": 3, "deletions": 1, "changes": 4}
    if previous:
        entry["previous_filename"] = previous
    return entry


def rulesets_main() -> list[dict[str, Any]]:
    src = {"ruleset_source_type": "Repository", "ruleset_source": REPO, "ruleset_id": 1}
    return [
        {
            "type": "pull_request",
            "parameters": {
                "required_approving_review_count": 2,
                "require_code_owner_review": True,
                "dismiss_stale_reviews_on_push": True,
                "require_last_push_approval": False,
                "required_review_thread_resolution": False,
            },
            **src,
        },
        {
            "type": "required_status_checks",
            "parameters": {
                "strict_required_status_checks_policy": False,
                "required_status_checks": [{"context": "changeproof", "integration_id": 15368}],
            },
            **src,
        },
        {"type": "non_fast_forward", **src},
        {"type": "deletion", **src},
    ]


def typical(number: int = 7) -> dict[str, Any]:
    """The reference PR: 20 files, 5 reviews (3 reviewers), 3 checks; passes the policy above."""
    files = [file_entry(f"src/app/module_{i}.py") for i in range(17)] + [
        file_entry("tests/test_app.py"),
        file_entry("infra/deploy.sh"),
        file_entry("README.md"),
    ]
    c1, c2 = sha("c1"), HEAD_SHA
    commits = [
        commit(
            c1,
            login="dave",
            parents=(BASE_SHA,),
            message="Add module\n\nCo-authored-by: Dave Two <4711+dave2@users.noreply.github.com>",
        ),
        commit(c2, login="dave", parents=(c1,), message="Fix review comments"),
    ]
    reviews = [
        review(1, "erin", "COMMENTED", c1, "2026-11-20T11:00:00Z"),
        review(2, "erin", "APPROVED", c2, "2026-11-20T12:00:00Z"),
        review(3, "carol", "CHANGES_REQUESTED", c1, "2026-11-20T11:30:00Z"),
        review(4, "carol", "APPROVED", c2, "2026-11-20T12:30:00Z"),
        review(5, "frank", "COMMENTED", c2, "2026-11-20T12:40:00Z"),
    ]
    checks = [check_run(11, "build", HEAD_SHA), check_run(12, "test", HEAD_SHA), check_run(13, "lint", HEAD_SHA)]
    pr = {
        "pull": pull(
            number,
            title="Add the app module (WEB-12)",
            author="dave",
            head_sha=HEAD_SHA,
            base_sha=BASE_SHA,
            body="## Testing\nunit tests",
            commits=len(commits),
            changed_files=len(files),
        ),
        "files": files,
        "commits": commits,
        "reviews": reviews,
        "events": [],
    }
    return {
        "repos": {
            REPO: {
                "repo": repo_obj(),
                "pulls": {str(number): pr},
                "check_runs": {HEAD_SHA: checks},
                "statuses": {HEAD_SHA: []},
                "contents": {
                    BASE_SHA: {".github/changeproof.yml": POLICY, ".github/CODEOWNERS": CODEOWNERS},
                    HEAD_SHA: {".github/changeproof.yml": POLICY, ".github/CODEOWNERS": CODEOWNERS},
                },
                "rules": {
                    "main": rulesets_main(),
                    "changeproof-ledger": [{"type": "non_fast_forward"}, {"type": "deletion"}, {"type": "update"}],
                },
                "protection": {"main": "forbidden", "changeproof-ledger": "forbidden"},
                "permissions": {"erin": "write", "carol": "maintain", "frank": "read", "dave": "write"},
                "commit_pulls": {},
                "compare": {},
            }
        },
        "teams": {"acme/core": ["erin", "frank", "dave"]},
    }


def clone(data: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(data)


def push_of_two_merges_and_a_direct_commit() -> tuple[dict[str, Any], dict[str, Any]]:
    """A push to main carrying: PR 11 (merge commit), a direct commit, PR 12 (squash, linked late).

    PR 12 had one approval at merge; a second approval was submitted after the merge (must not count).
    Returns (scenario, push event payload).
    """
    data = typical()
    repo = data["repos"][REPO]
    b0, f1, m1, d2, m3 = (sha(x) for x in ("b0", "f1", "m1", "d2", "m3"))
    h11, h12 = f1, sha("h12")
    t11, t12 = "2026-11-21T10:00:00Z", "2026-11-21T12:00:00Z"
    range_commits = [
        commit(f1, login="dave", parents=(b0,), message="Feature A"),
        commit(
            m1,
            login="carol",
            parents=(b0, f1),
            message="Merge pull request #11 from acme/feature-a",
            committer_login="web-flow",
        ),
        commit(d2, login="mallory", parents=(m1,), message="hotfix straight to main"),
        commit(m3, login="dave", parents=(d2,), message="Feature B (#12)", committer_login="web-flow"),
    ]
    repo["compare"] = {
        f"{b0}...{m3}": {"status": "ahead", "ahead_by": 4, "behind_by": 0, "commits": range_commits, "files": []}
    }
    repo["commits"] = {c["sha"]: c for c in range_commits}
    repo["commit_pulls"] = {f1: [11], m1: [11], d2: [], m3: {"after_calls": 1, "pulls": [12]}}
    base_files = {".github/changeproof.yml": POLICY, ".github/CODEOWNERS": CODEOWNERS}
    repo["contents"] = {b0: dict(base_files), d2: dict(base_files)}
    template = repo["pulls"]["7"]
    pulls = {}
    for number, head, merge_sha, merged_at in ((11, h11, m1, t11), (12, h12, m3, t12)):
        entry = copy.deepcopy(template)
        entry["pull"] = pull(
            number,
            title=f"Feature {number} (WEB-{number})",
            author="dave",
            head_sha=head,
            base_sha=b0,
            body="## Testing\nunit tests",
            commits=1,
            changed_files=20,
            merged_at=merged_at,
            merge_commit_sha=merge_sha,
            merged_by="carol",
            head_ref=f"feature-{number}",
            updated_at=merged_at,
        )
        entry["commits"] = [commit(head, login="dave", parents=(b0,), message=f"Feature {number}")]
        entry["reviews"] = [
            review(number * 10 + 1, "erin", "APPROVED", head, "2026-11-21T09:00:00Z"),
            review(
                number * 10 + 2,
                "carol",
                "APPROVED",
                head,
                "2026-11-21T09:30:00Z" if number == 11 else "2026-11-22T09:00:00Z",
            ),
        ]
        repo["check_runs"][head] = [
            check_run(number * 10 + i, name, head) for i, name in enumerate(("build", "test", "lint"))
        ]
        pulls[str(number)] = entry
    repo["pulls"] = pulls
    payload = {
        "ref": "refs/heads/main",
        "before": b0,
        "after": m3,
        "forced": False,
        "created": False,
        "deleted": False,
        "commits": [],
        "repository": {"full_name": REPO, "default_branch": "main"},
    }
    return data, payload
