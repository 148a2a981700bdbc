"""The self-contained HTML report: summary, charts, verification status and a sortable, filterable table.

One file, no external assets. Jinja2 autoescapes every value in the page; the charts are inline
SVG drawn by `charts` with every text escaped; the population travels as JSON inside a
`<script type="application/json">` block (with `<`, `>`, `&` and line separators escaped so no
text can close the block) and the table is drawn with `textContent`, never `innerHTML`, so
untrusted text (titles, logins, file names) cannot become markup. A Content-Security-Policy
allows only the report's own script, by hash. The table pages through the rows in memory, so
100 000 rows sort and filter without building 100 000 DOM rows; the rows' JSON is streamed into
the file batch by batch. A print stylesheet lays the report out on A4 landscape pages.
"""

from __future__ import annotations

import base64
import hashlib
from importlib import resources
from pathlib import Path
from typing import IO, Any

import jinja2
import orjson
from markupsafe import Markup

from checker.audit import deployments
from checker.audit.charts import ChartContext, draw_charts
from checker.audit.document import header
from checker.audit.ledgers import OpenLedger
from checker.audit.population import Population
from checker.audit.writing import BATCH, WriteOptions

TABLE_COLUMNS = (
    "repository",
    "pr",
    "title",
    "author",
    "approvals",
    "merged_by",
    "merged_at",
    "verdict",
    "gate_verdict",
    "emergency",
    "exception",
    "seq",
    "entry_hash",
)
# Values short enough that breaking them helps nobody ("4 / 2" for PR 42): never wrapped.
SHORT_COLUMNS = (
    "ledger_status",
    "repository",
    "kind",
    "pr",
    "author",
    "merged_by",
    "merged_at",
    "verdict",
    "gate_verdict",
    "gate_seq",
    "seq",
    "entry_hash",
    "evaluated_at",
)
_ROWS_MARK = "\x00changeproof-rows\x00"


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("checker.audit", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _script_safe(text: str) -> str:
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _script() -> tuple[Markup, str]:
    code = resources.files("checker.audit").joinpath("templates/report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    return Markup(code), f"'sha256-{digest}'"  # noqa: S704 - our own script file, not user data


def _page(
    population: Population,
    ledgers: list[OpenLedger],
    title: str,
    template: str,
    extra: dict[str, Any] | None,
) -> tuple[str, str]:
    """The page before and after the rows' JSON."""
    doc = header(population, ledgers)
    columns = doc["columns"]
    table_head = {
        "columns": columns,
        "shown": [c for c in TABLE_COLUMNS if c in columns],
        "short": [c for c in SHORT_COLUMNS if c in columns],
    }
    head_json = _script_safe(orjson.dumps(table_head).decode())
    table = Markup(head_json[:-1] + ',"rows":' + _ROWS_MARK + "}")  # noqa: S704 - escaped above
    script, script_hash = _script()
    charts = draw_charts(population.rows, ChartContext(tuple(population.controls), dict(extra or {})))
    page = (
        environment()
        .get_template(template)
        .render(
            title=title,
            doc=doc,
            summary=doc["summary"],
            ledgers=doc["ledgers"],
            charts=charts,
            table=table,
            script=script,
            script_hash=script_hash,
            **{
                **(extra or {}),
                "extra_summary": Markup((extra or {}).get("extra_summary", ""))  # noqa: S704 - the caller passes Markup it escaped
                + deployments.html(population.deployments, population.deployment_gaps),
            },
        )
    )
    before, after = page.split(_ROWS_MARK)
    return before, after


def _write_rows(fh: IO[str], population: Population, options: WriteOptions) -> None:
    columns = population.columns()
    rows = population.rows
    fh.write("[")
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        text = orjson.dumps([[row.get(c, "") for c in columns] for row in batch]).decode()
        fh.write(("," if start else "") + _script_safe(text[1:-1]))
        options.tick(len(batch))
    fh.write("]")


def write_html(
    population: Population,
    ledgers: list[OpenLedger],
    out: Path,
    options: WriteOptions | None = None,
    *,
    title: str = "Change management evidence",
    template: str = "report.html.j2",
    extra: dict[str, Any] | None = None,
) -> None:
    if extra is None and population.coverage:  # the period issue's per-repository coverage, above the charts
        from checker.audit.coverage import coverage_html

        extra = {"extra_summary": Markup(coverage_html(population.coverage))}  # noqa: S704 - escaped in coverage_html
    before, after = _page(population, ledgers, title, template, extra)
    with out.open("w", encoding="utf-8") as fh:
        fh.write(before)
        _write_rows(fh, population, options or WriteOptions())
        fh.write(after)
