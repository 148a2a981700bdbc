"""Inline SVG charts for the HTML report: pictures where an auditor would rather look than read.

Each chart is drawn here, server-side, as an SVG element placed inline in the page: no script,
no external asset, nothing the report's Content-Security-Policy has to allow. Every text in an
SVG (control ids, PR numbers, dates) goes through markupsafe's escape, and every mark carries a
`<title>` so hovering shows its exact figure; the figures are also in the report's tables.

Extension point: `CHARTS` is the ordered list of charts the report draws. A chart is a function
`(rows, context) -> Markup | None` (None: nothing to draw for this population). The period
issue adds the per-repository coverage timeline by appending a `Chart("coverage", ...)` whose
function reads its figures from `ChartContext.extra["coverage"]` (the report passes whatever the
caller put in `extra`); nothing else in the report changes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup, escape

from checker.audit.population import AWAITING
from checker.audit.times import parse_time

# verdict -> colour (colour-blind safe pairs: blue/orange, with red for failures)
VERDICT_COLOURS = {
    "pass": "#2f7ebc",
    "fail": "#c0392b",
    "error": "#7b3294",
    "emergency": "#e08214",
    "exception": "#5e3c99",
}
OTHER_COLOUR = "#8c8c8c"
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


@dataclass(frozen=True)
class ChartContext:
    controls: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    draw: Callable[[list[dict[str, Any]], ChartContext], Markup | None]
    caption: str = ""


def _when(row: dict[str, Any]) -> datetime | None:
    return parse_time(str(row.get("merged_at") or ""))


def _week(when: datetime) -> datetime:
    day = when.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def _svg(width: int, height: int, label: str, body: Iterable[str]) -> Markup:
    """An inline <svg> (the HTML parser gives it the SVG namespace: no xmlns, no URL in the page)."""
    return Markup(  # noqa: S704 - every text inside went through escape()
        f'<svg class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}" {FONT}>' + "".join(body) + "</svg>"
    )


def _legend(items: list[tuple[str, str]], x: int, y: int) -> list[str]:
    out = []
    for name, colour in items:
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{y}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return out


def weekly_verdicts(rows: list[dict[str, Any]], context: ChartContext) -> Markup | None:
    """Changes per ISO week (Monday), stacked by verdict."""
    weeks: dict[datetime, Counter[str]] = defaultdict(Counter)
    for row in rows:
        when = _when(row)
        if when is not None:
            weeks[_week(when)][str(row.get("verdict") or "")] += 1
    if not weeks:
        return None
    first, last = min(weeks), max(weeks)
    span = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    present = Counter[str]()
    for counts in weeks.values():
        present.update(counts)
    order = [v for v in VERDICT_COLOURS if v in present] + sorted(v for v in present if v not in VERDICT_COLOURS)
    top = max(sum(weeks[w].values()) for w in weeks)
    left, bottom, plot_h = 44, 30, 170
    bar = max(3, min(28, 900 // len(span)))
    width = left + bar * len(span) + 20
    height = plot_h + bottom + 34
    body = [
        f'<line x1="{left}" y1="{plot_h + 20}" x2="{width - 10}" y2="{plot_h + 20}" stroke="#555"/>',
        f'<text x="{left - 6}" y="{24}" text-anchor="end">{top}</text>',
        f'<text x="{left - 6}" y="{plot_h + 20}" text-anchor="end">0</text>',
    ]
    every = max(1, -(-40 // bar), len(span) // 12)  # labels at least 40 px apart
    for n, week in enumerate(span):
        x = left + n * bar
        y = float(plot_h + 20)
        for verdict in order:
            count = weeks.get(week, Counter())[verdict]
            if not count:
                continue
            h = count * plot_h / top
            y -= h
            colour = VERDICT_COLOURS.get(verdict, OTHER_COLOUR)
            body.append(
                f'<rect x="{x + 1}" y="{y:.1f}" width="{bar - 2}" height="{h:.1f}" fill="{colour}" '
                f'data-week="{week:%Y-%m-%d}" data-verdict="{escape(verdict)}" data-count="{count}">'
                f"<title>week of {week:%Y-%m-%d}: {count} {escape(verdict or 'no verdict')}</title></rect>"
            )
        if n % every == 0:
            body.append(f'<text x="{x}" y="{plot_h + 34}">{week:%m-%d}</text>')
    body += _legend([(v or "none", VERDICT_COLOURS.get(v, OTHER_COLOUR)) for v in order], left, height - 4)
    return _svg(width, height, "changes per week, stacked by verdict", body)


def _rate_colour(rate: float) -> str:
    """White (0 %) to blue (100 %), with failures below 80 % turning orange so they stand out."""
    if rate < 0.8:
        shade = int(255 - 120 * (1 - rate))
        return f"rgb(255,{shade},{max(0, shade - 90)})"
    shade = int(255 - 600 * (rate - 0.8))
    return f"rgb({shade},{min(255, shade + 40)},255)"


def control_pass_rates(rows: list[dict[str, Any]], context: ChartContext) -> Markup | None:
    """Pass rate (pass or waived, of the applicable) per control per month, as a heat map."""
    if not context.controls:
        return None
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    months: set[str] = set()
    for row in rows:
        if row.get("kind") != "pr":
            continue
        when = _when(row)
        if when is None:
            continue
        month = f"{when:%Y-%m}"
        months.add(month)
        for control in context.controls:
            status = str(row.get(f"control:{control}") or "")
            if status in ("", "not_applicable"):
                continue
            cell = cells[(control, month)]
            cell[1] += 1
            cell[0] += status in ("pass", "waived")
    if not months:
        return None
    columns = sorted(months)
    name_w = 8 + 7 * max(len(c) for c in context.controls)
    cw, ch = 54, 22
    width = name_w + cw * len(columns) + 10
    height = 24 + ch * len(context.controls) + 6
    body = [
        f'<text x="{name_w + n * cw + cw / 2}" y="14" text-anchor="middle">{month}</text>'
        for n, month in enumerate(columns)
    ]
    for r, control in enumerate(context.controls):
        y = 22 + r * ch
        body.append(f'<text x="{name_w - 6}" y="{y + 15}" text-anchor="end">{escape(control)}</text>')
        for n, month in enumerate(columns):
            passed, applicable = cells.get((control, month), [0, 0])
            x = name_w + n * cw
            if not applicable:
                body.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cw - 2}" height="{ch - 2}" fill="#f2f2f2"/>')
                continue
            rate = passed / applicable
            body.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cw - 2}" height="{ch - 2}" fill="{_rate_colour(rate)}" '
                f'data-control="{escape(control)}" data-month="{month}" data-rate="{rate:.4f}">'
                f"<title>{escape(control)} {month}: {passed} of {applicable} passed or waived</title></rect>"
                f'<text x="{x + cw / 2}" y="{y + 15}" text-anchor="middle">{rate * 100:.0f}%</text>'
            )
    return _svg(width, height, "pass rate per control per month", body)


def _marks(rows: list[dict[str, Any]]) -> list[tuple[datetime, str, str]]:
    """(time, kind, label) of every exception and emergency change."""
    out = []
    for row in rows:
        when = _when(row)
        if when is None:
            continue
        emergency = str(row.get("emergency") or "")
        if row.get("kind") == "exception":
            out.append((when, "exception", f"{row.get('exception') or 'exception'} {str(row.get('merge_sha'))[:12]}"))
        elif emergency == AWAITING:
            out.append((when, "emergency awaiting review", f"PR {row.get('pr')} {row.get('repository')}"))
        elif emergency.startswith("closed"):
            out.append((when, "emergency closed", f"PR {row.get('pr')} {row.get('repository')}"))
    return out


TIMELINE_LANES = {
    "exception": (VERDICT_COLOURS["exception"], "diamond"),
    "emergency awaiting review": (VERDICT_COLOURS["emergency"], "circle"),
    "emergency closed": ("#1a7f37", "circle"),
}


def exception_timeline(rows: list[dict[str, Any]], context: ChartContext) -> Markup | None:
    """Exceptions and emergency changes on one time axis, one lane each."""
    marks = _marks(rows)
    if not marks:
        return None
    times = [m[0] for m in marks] + [w for r in rows if (w := _when(r)) is not None]
    start, end = min(times), max(times)
    total = max((end - start).total_seconds(), 86400.0)
    left, plot_w, lane_h = 190, 820, 26
    height = 30 + lane_h * len(TIMELINE_LANES) + 20
    body = []
    for n, lane in enumerate(TIMELINE_LANES):
        y = 24 + n * lane_h + lane_h / 2
        body.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{escape(lane)}</text>')
        body.append(f'<line x1="{left}" y1="{y}" x2="{left + plot_w}" y2="{y}" stroke="#ddd"/>')
    lanes = list(TIMELINE_LANES)
    for when, lane, label in marks:
        x = left + (when - start).total_seconds() / total * plot_w
        y = 24 + lanes.index(lane) * lane_h + lane_h / 2
        colour, shape = TIMELINE_LANES[lane]
        tip = f"<title>{when:%Y-%m-%d %H:%M}Z {escape(lane)}: {escape(label)}</title>"
        if shape == "diamond":
            body.append(
                f'<path d="M{x:.1f},{y - 6} l6,6 l-6,6 l-6,-6 z" fill="{colour}" data-lane="{escape(lane)}">'
                f"{tip}</path>"
            )
        else:
            body.append(
                f'<circle cx="{x:.1f}" cy="{y}" r="5" fill="{colour}" data-lane="{escape(lane)}">{tip}</circle>'
            )
    axis_y = 24 + lane_h * len(TIMELINE_LANES) + 14
    body.append(f'<text x="{left}" y="{axis_y}">{start:%Y-%m-%d}</text>')
    body.append(f'<text x="{left + plot_w}" y="{axis_y}" text-anchor="end">{end:%Y-%m-%d}</text>')
    return _svg(left + plot_w + 20, height, "exceptions and emergency changes over time", body)


CHARTS: list[Chart] = [
    Chart("weekly-verdicts", "Changes per week, by verdict", weekly_verdicts),
    Chart(
        "control-pass-rates", "Pass rate per control per month", control_pass_rates, "passed or waived, of applicable"
    ),
    Chart("exception-timeline", "Exceptions and emergency changes", exception_timeline),
]


def draw_charts(rows: list[dict[str, Any]], context: ChartContext) -> list[dict[str, Any]]:
    """The charts that have something to show, ready for the template."""
    out = []
    for chart in CHARTS:
        svg = chart.draw(rows, context)
        if svg is not None:
            out.append({"id": chart.id, "title": chart.title, "caption": chart.caption, "svg": svg})
    return out
