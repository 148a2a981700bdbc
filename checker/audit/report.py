"""The self-contained HTML report: summary, verification status and a sortable, filterable table.

One file, no external assets. Jinja2 autoescapes every value in the page; the population travels
as JSON inside a `<script type="application/json">` block (with `<`, `>`, `&` and line separators
escaped so no text can close the block) and the table is drawn with `textContent`, never
`innerHTML`, so untrusted text (titles, logins, file names) cannot become markup. A
Content-Security-Policy allows only the report's own script, by hash. The table pages through
the rows in memory, so 100 000 rows sort and filter without building 100 000 DOM rows.
"""

from __future__ import annotations

import base64
import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import orjson
from markupsafe import Markup

from checker.audit import deployments
from checker.audit.export import document
from checker.audit.ledgers import OpenLedger
from checker.audit.population import Population

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


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("checker.audit", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def script_json(data: Any) -> Markup:
    """JSON safe inside a <script> element: nothing in it can end the element or open a comment."""
    text = orjson.dumps(data).decode()
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return Markup(text)  # noqa: S704 - escaped above for the script-data context


def _script() -> tuple[Markup, str]:
    code = resources.files("checker.audit").joinpath("templates/report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    return Markup(code), f"'sha256-{digest}'"  # noqa: S704 - our own script file, not user data


def render_html(
    population: Population,
    ledgers: list[OpenLedger],
    *,
    title: str = "Change management evidence",
    template: str = "report.html.j2",
    extra: dict[str, Any] | None = None,
) -> str:
    doc = document(population, ledgers)
    columns = doc["columns"]
    table = {
        "columns": columns,
        "shown": [c for c in TABLE_COLUMNS if c in columns],
        "rows": [[row.get(c, "") for c in columns] for row in population.rows],
    }
    script, script_hash = _script()
    return (
        _environment()
        .get_template(template)
        .render(
            title=title,
            doc=doc,
            summary=doc["summary"],
            ledgers=doc["ledgers"],
            table=script_json(table),
            script=script,
            script_hash=script_hash,
            **{
                **(extra or {}),
                "extra_summary": Markup((extra or {}).get("extra_summary", ""))  # noqa: S704 - the caller passes Markup it escaped
                + deployments.html(population.deployments),
            },
        )
    )


def write_html(population: Population, ledgers: list[OpenLedger], out: Path) -> None:
    from checker.audit.coverage import coverage_html

    extra = {"extra_summary": Markup(coverage_html(population.coverage))} if population.coverage else None  # noqa: S704 - escaped in coverage_html
    out.write_text(render_html(population, ledgers, extra=extra), encoding="utf-8")
