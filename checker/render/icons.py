"""One status vocabulary for every renderer."""

from checker.model import Status, Verdict

STATUS_ICON = {
    Status.PASS: "✅",
    Status.FAIL: "❌",
    Status.WARN: "⚠️",
    Status.WAIVED: "🟦",
    Status.EMERGENCY: "🚨",
    Status.PENDING: "⏳",
    Status.NOT_APPLICABLE: "➖",
    Status.UNOBSERVABLE: "❔",
    Status.ERROR: "💥",
}

VERDICT_ICON = {Verdict.PASS: "✅", Verdict.FAIL: "❌", Verdict.PENDING: "⏳", Verdict.EMERGENCY: "🚨"}

# Most important first: what blocks, then what waits, then what warns, then the rest.
STATUS_ORDER = {
    Status.ERROR: 0,
    Status.FAIL: 1,
    Status.UNOBSERVABLE: 2,
    Status.PENDING: 3,
    Status.EMERGENCY: 4,
    Status.WARN: 5,
    Status.WAIVED: 6,
    Status.PASS: 7,
    Status.NOT_APPLICABLE: 8,
}
