"""Isolation: no network, no leakage between the base and head scans, no checkov without IaC changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from iac_fixtures import REPO, make_head

from checker.iac import IacScan, scan_change
from checker.iac.changes import changed_between

GUARD = """
import os, sys
_log = os.environ["CHANGEPROOF_NETLOG"]
_EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
           "socket.sendto", "socket.sendmsg", "http.client.connect", "urllib.Request"}
def _guard(event, args):
    if event in _EVENTS:
        with open(_log, "a") as handle:
            handle.write(f"{os.getpid()} {event} {args!r}\\n")
        raise OSError(f"network access blocked by test guard: {event}")
sys.addaudithook(_guard)
"""


def keys(findings: tuple) -> set[tuple[str, str, str]]:  # type: ignore[type-arg]
    return {(f.check_id, f.framework, f.resource) for f in findings}


def test_no_network_connection_is_attempted(tmp_path: Path) -> None:
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net.log"
    env = {**os.environ, "PYTHONPATH": str(guard_dir), "CHANGEPROOF_NETLOG": str(log)}
    # The guard itself works: a deliberate connection attempt is caught and logged.
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.returncode != 0 and "network access blocked" in probe.stderr and log.read_text()
    log.unlink()
    head = make_head(tmp_path / "head", "public_bucket")
    (head / "k8s/api.yaml").write_text((head / "k8s/api.yaml").read_text().replace("replicas: 2", "replicas: 3"))
    changeproof = Path(sys.executable).with_name("changeproof")
    # Default mode: the worker interpreter inherits the guard through PYTHONPATH.
    done = subprocess.run(
        [str(changeproof), "iac", "--base", str(REPO), "--head", str(head), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    facts = json.loads(done.stdout)
    assert set(facts["frameworks"]) == {"terraform", "kubernetes"} and facts["introduced"]
    assert not log.exists(), log.read_text()


def test_base_and_head_scans_cannot_contaminate_each_other(
    scenario_scan: Callable[[str], IacScan], tmp_path: Path
) -> None:
    forward = scenario_scan("public_bucket")  # in-process, after whatever this process scanned before
    head = make_head(tmp_path / "head", "public_bucket")
    changed = changed_between(REPO, head)
    # The same trees swapped, in the same process: what was introduced is now exactly what is resolved.
    backward = scan_change(base_dir=head, head_dir=REPO, changed=changed, mode="inprocess")
    assert backward.facts.introduced == ()
    assert keys(backward.facts.resolved) == keys(forward.facts.introduced)
    # Fresh interpreters (one per tree, one for both in turn, one forked per tree) agree with in-process.
    for mode in ("fork", "subprocess-per-tree", "worker"):
        isolated = scan_change(base_dir=REPO, head_dir=head, changed=changed, mode=mode)
        assert isolated.facts == forward.facts, mode


def test_checkov_is_not_imported_when_no_iac_file_changed(tmp_path: Path) -> None:
    head = make_head(tmp_path / "head", "unrelated_edit")
    (head / "mkdocs.yml").write_text("site_name: Shop infrastructure\nnav:\n  - Home: README.md\n")
    script = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        from checker.iac import scan_change
        from checker.model import ChangedFile
        docs = [ChangedFile("docs/README.md", "modified"), ChangedFile("mkdocs.yml", "added")]
        quiet = scan_change(base_dir=Path({str(REPO)!r}), head_dir=Path({str(head)!r}), changed=docs,
                            mode="inprocess")
        before = "checkov" in sys.modules
        tf = [ChangedFile("infra/storage/outputs.tf", "modified")]
        loud = scan_change(base_dir=Path({str(REPO)!r}), head_dir=Path({str(head)!r}), changed=tf,
                           mode="inprocess")
        print(json.dumps({{"before": before, "after": "checkov" in sys.modules,
                          "quiet": [quiet.facts.scanned, list(quiet.facts.frameworks), quiet.mode],
                          "loud": list(loud.facts.frameworks)}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"before": False, "after": True, "quiet": [True, [], "skipped"], "loud": ["terraform"]}


def test_a_forked_scan_that_fails_is_an_infrastructure_error_naming_the_tree(tmp_path: Path) -> None:
    from checker.errors import InfrastructureError
    from checker.iac.scan import _run_workers

    good = {"label": "base", "root": str(REPO), "frameworks": ["dockerfile"], "secret_files": [], "external": []}
    bad = {**{k: v for k, v in good.items() if k != "root"}, "label": "head"}  # fails in the child only
    with pytest.raises(InfrastructureError, match="head tree"):
        _run_workers([good, bad], per_tree=False, fork=True)
