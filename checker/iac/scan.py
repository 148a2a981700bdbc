"""Scan a PR's IaC change: plan, materialise base and head, run checkov once per tree, diff.

The plan comes from the changed files alone (cheap, no checkov): which frameworks, which
directories, which files get a secrets scan. When the plan is empty checkov is never imported.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from checker.errors import InfrastructureError, UsageError
from checker.iac import classify
from checker.iac.diff import diff
from checker.iac.engine import require_checkov
from checker.iac.materialise import MAX_FILE_BYTES, Materialiser, safe_rel
from checker.iac.sarif import build_sarif
from checker.iac.severity import SeverityTable, custom_policies_dir, default_table
from checker.iac.trees import DirTree, GitTree, Tree, ensure_commit
from checker.model import ChangedFile, IacFacts

#: How checkov runs: "fork" (default: one child interpreter imports checkov once, then scans base and
#: head side by side in two forked children), "worker" (one child scans base then head), "inprocess",
#: or "subprocess-per-tree" (two children side by side, each importing checkov). Chosen by
#: measurement: see bench/iac_scan.py and bench/iac_modes.py.
MODES = ("fork", "worker", "inprocess", "subprocess-per-tree")
DEFAULT_MODE = "fork" if hasattr(os, "fork") else "worker"
WORKER_TIMEOUT_S = 900


@dataclass
class Plan:
    frameworks: list[str] = field(default_factory=list)
    dirs: set[str] = field(default_factory=set)
    secret_head: list[str] = field(default_factory=list)
    secret_base: list[str] = field(default_factory=list)
    changed_iac: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.frameworks


@dataclass(frozen=True)
class IacScan:
    facts: IacFacts
    sarif: dict[str, Any]
    checkov_version: str = ""
    mode: str = ""


def _sniff(tree: Tree, path: str) -> bytes | None:
    parent, name = posixpath.dirname(path), posixpath.basename(path)
    entry = next((e for e in tree.entries(parent) or [] if e.name == name), None)
    if entry is None or entry.kind != "file":
        return None  # links and oversized files are judged (and reported) by the materialiser
    try:
        return tree.read(path, min(entry.size, MAX_FILE_BYTES))
    except OSError:
        return None


def plan_change(base: Tree, head: Tree, changed: Sequence[ChangedFile], frameworks: Sequence[str] | None) -> Plan:
    wanted = set(frameworks) if frameworks else set(classify.FRAMEWORKS)
    wanted.discard("github_configuration")
    plan = Plan()
    found: set[str] = set()
    for change in changed:
        head_path = safe_rel(change.path)
        base_path = safe_rel(change.previous_path) if change.previous_path else head_path
        if head_path is None or base_path is None:
            plan.errors.append(f"{change.path!r}: path is outside the repository; ignored")
            continue
        removed = change.status == "removed"
        content = None if removed else _sniff(head, head_path)
        needs: set[str] = set()
        for path, tree in ((head_path, head), (base_path, base)):
            if classify.is_iac_path(path):
                sample = content if tree is head else _sniff(base, path)
                needs |= classify.frameworks_for(path, sample)
        needs &= wanted
        if needs:
            found |= needs
            plan.changed_iac.append(head_path)
            plan.dirs.update({posixpath.dirname(head_path), posixpath.dirname(base_path)})
        if classify.SECRETS in wanted and content is not None and classify.may_hold_secret(content):
            found.add(classify.SECRETS)
            plan.secret_head.append(head_path)
            plan.secret_base.append(base_path)
            if head_path not in plan.changed_iac:
                plan.changed_iac.append(head_path)
    plan.frameworks = [f for f in classify.FRAMEWORKS if f in found]
    plan.changed_iac.sort()
    return plan


def _run_inprocess(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from checker.iac.engine import scan_tree

    return [scan_tree(Path(r["root"]), r["frameworks"], r["secret_files"], r["external"]) for r in requests]


def _run_workers(requests: list[dict[str, Any]], *, per_tree: bool, fork: bool = False) -> list[dict[str, Any]]:
    """Scan in child interpreters: one for both trees (in turn, or `fork`ed side by side after one
    import), or (`per_tree`) one interpreter per tree side by side."""
    batches: list[Any] = list(requests) if per_tree else [{"fork": requests} if fork else requests]
    procs = []
    for _ in batches:
        proc = subprocess.Popen(
            [sys.executable, "-m", "checker.iac.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: a timeout ends forked scans too
        )
        procs.append(proc)
    outputs: list[dict[str, Any]] = []
    for proc, batch in zip(procs, batches, strict=True):
        label = batch["label"] if per_tree else "base and head"
        try:
            out, err = proc.communicate(json.dumps(batch), timeout=WORKER_TIMEOUT_S)
        except subprocess.TimeoutExpired as error:
            for other in procs:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(other.pid, signal.SIGKILL)
            raise InfrastructureError(
                f"the checkov scan of the {label} tree took longer than {WORKER_TIMEOUT_S} s", fix="re-run the job"
            ) from error
        if proc.returncode != 0:
            tail = "\n".join(err.strip().splitlines()[-5:])
            raise InfrastructureError(
                f"the checkov scan of the {label} tree failed (exit {proc.returncode}): {tail}",
                fix="re-run with CHANGEPROOF_IAC_MODE=inprocess to see the traceback",
            )
        loaded = json.loads(out)
        outputs.extend([loaded] if per_tree else loaded)
    return outputs


def _suppression_line(root: Path) -> Callable[[dict[str, Any]], int]:
    """The line of the skip comment/annotation naming the check, else the resource's first line."""

    def find(rec: dict[str, Any]) -> int:
        try:
            lines = (root / rec["file"]).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return int(rec["line_start"])
        start, end = max(rec["line_start"], 1), max(rec["line_end"], rec["line_start"])
        for number in range(start, min(end, len(lines)) + 1):
            if rec["check_id"] in lines[number - 1]:
                return number
        return int(rec["line_start"])

    return find


def scan_trees(
    base: Tree,
    head: Tree,
    changed: Sequence[ChangedFile],
    *,
    frameworks: Sequence[str] | None = None,
    mode: str | None = None,
    table: SeverityTable | None = None,
    external_checks: Sequence[Path] | None = None,
) -> IacScan:
    """The whole pipeline over two trees; checkov is imported (or spawned) only if the plan is not empty."""
    plan = plan_change(base, head, changed, frameworks)
    table = table or default_table()
    if plan.empty:
        facts = IacFacts(scanned=True, frameworks=(), errors=tuple(plan.errors))
        return IacScan(facts, build_sarif(facts, "", {}, table.severity), "", "skipped")
    require_checkov()
    mode = mode or DEFAULT_MODE
    external = [str(p) for p in (external_checks if external_checks is not None else [custom_policies_dir()])]
    with tempfile.TemporaryDirectory(prefix="changeproof-iac-") as tmp:
        roots, errors, requests = {}, list(plan.errors), []
        unscanned: set[str] = set()
        for label, tree, secret_files in (("base", base, plan.secret_base), ("head", head, plan.secret_head)):
            root = Path(tmp) / label
            root.mkdir()
            mat = Materialiser(tree, root)
            mat.add_dirs(plan.dirs)
            for path in secret_files:
                mat.add_file(path)
            errors.extend(mat.out.errors)
            if label == "head":
                unscanned |= mat.out.refused
            roots[label] = root
            requests.append(
                {
                    "label": label,
                    "root": str(root),
                    "frameworks": plan.frameworks,
                    "secret_files": sorted(p for p in secret_files if p in mat.out.files),
                    "external": external,
                }
            )
        if mode not in MODES:
            raise UsageError(f"unknown IaC scan mode {mode!r}", fix=f"use one of {', '.join(MODES)}")
        results = (
            _run_inprocess(requests)
            if mode == "inprocess"
            else _run_workers(requests, per_tree=(mode == "subprocess-per-tree"), fork=(mode == "fork"))
        )
        for label, result in zip(("base", "head"), results, strict=True):
            errors.extend(
                f"{label}: {path}: checkov could not parse this file; its resources were not scanned"
                for path in result["parse_errors"]
            )
        unscanned |= set(results[1]["parse_errors"])
        delta = diff(
            results[0]["records"],
            results[1]["records"],
            table.severity,
            _suppression_line(roots["head"]),
            frozenset(unscanned),
        )
    names = {r["check_id"]: r["check_name"] for res in results for r in res["records"]}
    facts = IacFacts(
        scanned=True,
        frameworks=tuple(plan.frameworks),
        introduced=delta.introduced,
        resolved=delta.resolved,
        suppressions=delta.suppressions,
        errors=tuple(dict.fromkeys(errors)),
        changed_iac_files=tuple(plan.changed_iac),
    )
    version = str(results[1].get("checkov_version", ""))
    return IacScan(facts, build_sarif(facts, version, names, table.severity), version, mode)


def scan_dirs(base_dir: Path, head_dir: Path, changed: Sequence[ChangedFile], **kwargs: Any) -> IacScan:
    return scan_trees(DirTree(base_dir, "base"), DirTree(head_dir, "head"), changed, **kwargs)


def scan_git(repo_dir: Path, base_sha: str, head_sha: str, changed: Sequence[ChangedFile], **kwargs: Any) -> IacScan:
    ensure_commit(repo_dir, head_sha)
    ensure_commit(repo_dir, base_sha)
    base, head = GitTree(repo_dir, base_sha, "base"), GitTree(repo_dir, head_sha, "head")
    try:
        return scan_trees(base, head, changed, **kwargs)
    finally:
        base.close()
        head.close()


def with_digest(scan: IacScan, digest: str) -> IacScan:
    return replace(scan, facts=replace(scan.facts, sarif_sha256=digest))
