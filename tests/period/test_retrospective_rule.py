"""The independence rule for closing an emergency merge after the fact."""

from __future__ import annotations

from checker.period.retrospective import closing_approval, involved

MERGED = "2026-11-02T10:00:00Z"


def review(who: str, at: str, *, state: str = "APPROVED", permission: str = "write", bot: bool = False) -> dict:
    return {
        "reviewer": who,
        "submitted_at": at,
        "state": state,
        "reviewer_permission": permission,
        "reviewer_is_bot": bot,
    }


def test_only_an_independent_write_access_human_approval_after_the_merge_closes_it() -> None:
    facts = {"author": "dave", "commits": [{"author": {"login": "Erin"}, "committer": {"login": "dave"}}]}
    people = involved(facts)
    assert people == {"dave", "erin"}
    reviews = [
        review("carol", "2026-11-02T09:00:00Z"),  # before the merge
        review("erin", "2026-11-02T11:00:00Z"),  # a commit author
        review("renovate[bot]", "2026-11-02T11:00:00Z", bot=True),
        review("frank", "2026-11-02T11:30:00Z", permission="read"),
        review("grace", "2026-11-02T12:00:00Z", state="COMMENTED"),
        review("heidi", "2026-11-03T08:00:00Z"),
        review("ivan", "2026-11-02T13:00:00Z", permission="maintain"),
    ]
    assert closing_approval(reviews, MERGED, people)["reviewer"] == "ivan"  # the earliest qualifying one
    assert closing_approval(reviews[:5], MERGED, people) is None
    assert closing_approval(reviews, "", people) is None
