"""A commit's identity that survives a rebase: its author's email and its message.

GitHub's "Rebase and merge" writes each commit of the pull request again onto the default branch
with a new sha (a new committer and parent) but the same author and message. The merge record
lists the PR's commits as they stood (from the API); the deployment's walk reads the rebased ones
from git; both reduce a commit to this fingerprint so the two can be matched, in order. Neutral
module: used by the audit population (merge records) and the deploy package (git) alike.
"""

from __future__ import annotations

import hashlib
from typing import Any


def fingerprint(author_email: str, message: str) -> str:
    """32 hex digits over the author's email (case-insensitive) and the message (trimmed)."""
    text = f"{author_email.strip().lower()}\n{message.strip()}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def recorded_commits(facts: dict[str, Any]) -> tuple[str, ...] | None:
    """The fingerprints of a merge record's PR commits, oldest first, without merge commits (a
    rebase drops them); None when the record cannot say (a truncated or malformed commit list)."""
    commits = facts.get("commits")
    if facts.get("commits_truncated") or not isinstance(commits, list) or not commits:
        return None
    out = []
    for commit in commits:
        if not isinstance(commit, dict) or not isinstance(commit.get("author"), dict):
            return None
        parents = commit.get("parents")
        if isinstance(parents, list) and len(parents) > 1:
            continue
        out.append(fingerprint(str(commit["author"].get("email") or ""), str(commit.get("message") or "")))
    return tuple(out)
