"""Which later review closes an emergency merge: the independence rule applied after the fact.

An emergency change merges without the usual review; it is closed by an APPROVED review
submitted after `merged_at` by someone with write access to the repository, who is not a bot
and not the PR's author, nor an author, committer or co-author of any of its commits (the
people recorded in the merge-time facts). Pure: reviews and facts in, the approval out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from checker.model import WRITE_PERMISSIONS


def moment(text: str) -> datetime | None:
    """An RFC 3339 time as an aware UTC datetime (None when empty or unreadable)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def involved(facts: dict[str, Any]) -> set[str]:
    """Logins (lower case) of everyone who wrote the change, from the recorded facts."""
    people = {str(facts.get("author") or "")}
    for c in facts.get("commits") or []:
        for who in (c.get("author"), c.get("committer"), *(c.get("co_authors") or [])):
            if isinstance(who, dict):
                people.add(str(who.get("login") or ""))
    return {p.lower() for p in people if p}


def closing_approval(reviews: list[dict[str, Any]], merged_at: str, people: set[str]) -> dict[str, Any] | None:
    """The earliest independent approval submitted after the merge, or None."""
    merged = moment(merged_at)
    if merged is None:
        return None
    candidates = []
    for r in reviews:
        when = moment(str(r.get("submitted_at") or ""))
        who = str(r.get("reviewer") or "")
        if (
            r.get("state") == "APPROVED"
            and when is not None
            and when > merged
            and who
            and who.lower() not in people
            and not r.get("reviewer_is_bot")
            and r.get("reviewer_permission") in WRITE_PERMISSIONS
        ):
            candidates.append((when, r))
    return min(candidates, key=lambda c: c[0])[1] if candidates else None
