"""The only module that imports checkov, and only inside `scan_tree` (importing it costs ~3 s, ~150 MB).

One call scans one materialised tree: every requested framework's runner over the whole tree, and
the secrets runner over the listed files only. Runners are imported one by one (not checkov.main,
which drags in every framework and the platform client) and created fresh for every call. The
result is plain JSON-able data so the same function serves in-process calls and the worker process.
Nothing here talks to the network: the update check, the platform mapping download and external
module download are off, and `github_configuration` (which calls the GitHub API) is never run.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
from pathlib import Path
from typing import Any

from checker.errors import UsageError

OFFLINE_ENV = {
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "BC_SKIP_MAPPING": "TRUE",
    "CHECKOV_ALLOW_NETWORK": "false",
    "CKV_NO_OUTPUT": "true",
    "LOG_LEVEL": "ERROR",
}
_PLATFORM_ENV = ("BC_API_KEY", "PRISMA_API_URL", "BC_PLATFORM_URL", "CKV_API_KEY")

RUNNERS = {
    "terraform": "checkov.terraform.runner",
    "cloudformation": "checkov.cloudformation.runner",
    "kubernetes": "checkov.kubernetes.runner",
    "dockerfile": "checkov.dockerfile.runner",
    "github_actions": "checkov.github_actions.runner",
    "secrets": "checkov.secrets.runner",
}

_loaded_external: set[tuple[str, str]] = set()


def offline_environment() -> None:
    """Must run before checkov is first imported: several switches are read at import time."""
    os.environ.update(OFFLINE_ENV)
    for name in _PLATFORM_ENV:
        os.environ.pop(name, None)


def require_checkov() -> None:
    """Fail with the fix before any work when the IaC scanner (the `iac` extra) is not installed."""
    try:
        found = importlib.util.find_spec("checkov") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise UsageError(
            "infrastructure-as-code files changed, but checkov (changeproof's IaC scanner) is not installed",
            fix="install the iac extra (pip install 'changeproof[iac]'; the action image has it), "
            "or set the action input `iac: off` so the IaC control reports the change as unobservable",
        )


def warm_up(frameworks: list[str]) -> None:
    """Import checkov and the runners (and so their check registries) a scan of `frameworks` needs,
    so that processes forked afterwards share them instead of importing them each (~3 s apiece)."""
    offline_environment()
    logging.getLogger("checkov").setLevel(logging.ERROR)
    importlib.import_module("checkov.runner_filter")
    for framework in frameworks:
        importlib.import_module(RUNNERS[framework])


def checkov_imported() -> bool:
    return "checkov" in sys.modules


def _record(framework: str, root: Path, record: Any, state: str) -> dict[str, Any]:
    abs_path = Path(record.file_abs_path or "")
    try:
        rel = abs_path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = str(record.file_path).lstrip("/")
    line_range = [*(record.file_line_range or [0, 0]), 0, 0]
    result = record.check_result or {}
    out: dict[str, Any] = {
        "framework": framework,
        "check_id": record.check_id,
        "check_name": record.check_name or "",
        "file": rel,
        "line_start": int(line_range[0] or 0),
        "line_end": int(line_range[1] or line_range[0] or 0),
        "resource": str(record.resource or ""),
        "guideline": str(record.guideline or ""),
        "state": state,
        "suppress_comment": str(result.get("suppress_comment", "") or "") if state == "skipped" else "",
    }
    if record.caller_file_path:
        out["caller"] = str(record.caller_file_path).lstrip("/")
    return out


def scan_tree(root: Path, frameworks: list[str], secret_files: list[str], external_checks: list[str]) -> dict[str, Any]:
    """Scan one materialised tree; returns {"records", "parse_errors", "checkov_version"}."""
    offline_environment()
    logging.getLogger("checkov").setLevel(logging.ERROR)
    from checkov.runner_filter import RunnerFilter
    from checkov.version import version

    records: list[dict[str, Any]] = []
    parse_errors: list[str] = []
    for framework in frameworks:
        if framework == "secrets" and not secret_files:
            continue
        module = importlib.import_module(RUNNERS[framework])
        runner = module.Runner()
        runner_filter = RunnerFilter(
            framework=[framework],
            download_external_modules=False,
            show_progress_bar=False,
            enable_secret_scan_all_files=(framework == "secrets"),
        )
        # External checks register into process-wide registries: load each directory once per
        # process and framework, or a second scan would run every custom check twice.
        external = [d for d in external_checks if (framework, d) not in _loaded_external]
        _loaded_external.update((framework, d) for d in external)
        if framework == "secrets":
            report = runner.run(None, files=[str(root / f) for f in secret_files], runner_filter=runner_filter)
        else:
            report = runner.run(str(root), external_checks_dir=external or None, runner_filter=runner_filter)
        for rep in report if isinstance(report, list) else [report]:
            records.extend(_record(framework, root, r, "failed") for r in rep.failed_checks)
            records.extend(_record(framework, root, r, "skipped") for r in rep.skipped_checks)
            for path in rep.parsing_errors:
                try:
                    parse_errors.append(Path(path).resolve().relative_to(root.resolve()).as_posix())
                except ValueError:
                    parse_errors.append(str(path).lstrip("/"))
    return {"records": records, "parse_errors": sorted(set(parse_errors)), "checkov_version": version}
