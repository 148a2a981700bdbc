"""The commits of a rebase-merged pull request, mapped to its merge record.

A rebase merge puts the PR's N commits on the default branch as N new first-parent commits; the
PR's `merge_commit_sha` is the last of them (GitHub's documented semantics), so only it has a
merge record. Walking first-parent back from that commit, the N-1 before it belong to the same
record when they are the PR's recorded commits rebased: the same fingerprints (author, message),
in the same order, the last one being the merge commit itself. A merge commit (merge method
"merge") or a squash commit never matches the PR's last commit, so nothing before it is taken.
Pure: it reads the deployment's fingerprints (from git) and the ledger index.

Where the record cannot say (its commit list is truncated, or the deployment recorded no
fingerprints) the commit stays untraced, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from checker.deploy.ledger_index import LedgerIndex, MergeRecord


@dataclass(frozen=True)
class Member:
    """A shipped commit that is commit `position` (1-based) of `of` of a rebase-merged PR."""

    record: MergeRecord
    merge_sha: str
    position: int
    of: int


def rebased(
    commits: Sequence[str], fingerprints: Mapping[str, str], index: LedgerIndex
) -> tuple[dict[str, Member], dict[str, str]]:
    """(members, reasons) for first-parent `commits` (oldest first): each commit that belongs to a
    later commit's rebase-merged PR, and why an unrecorded commit just before a merge record could
    not be matched to it."""
    members: dict[str, Member] = {}
    reasons: dict[str, str] = {}
    for j, sha in enumerate(commits):
        record = index.merges.get(sha)
        if record is None or j == 0 or _recorded(commits[j - 1], index):
            continue
        before = commits[j - 1]
        if record.commits is None:
            reasons[before] = (
                f"PR #{record.pr}'s record (entry {record.seq}) does not list all its commits: whether this is "
                "one of them, rebase-merged, cannot be told"
            )
            continue
        if not fingerprints:
            reasons[before] = "the deployment entry records no commit fingerprints: rebase merges cannot be matched"
            continue
        wanted = record.commits
        if len(wanted) < 2 or fingerprints.get(sha) != wanted[-1]:
            continue  # a merge commit, a squash, or a one-commit PR: the commit before is not the PR's
        for k in range(1, len(wanted)):
            if j - k < 0:
                break  # the rest shipped with an earlier deployment
            earlier = commits[j - k]
            if _recorded(earlier, index) or fingerprints.get(earlier) != wanted[-1 - k]:
                reasons.setdefault(
                    earlier,
                    f"not one of PR #{record.pr}'s commits: its record lists {len(wanted)} commit(s) and this "
                    f"one does not match commit {len(wanted) - k} of them",
                )
                break
            members[earlier] = Member(record, sha, len(wanted) - k, len(wanted))
    return members, reasons


def _recorded(sha: str, index: LedgerIndex) -> bool:
    return sha in index.merges or sha in index.exceptions
