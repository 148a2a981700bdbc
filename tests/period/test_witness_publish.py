"""The record job (and `period run`) copy the witnesses' cosigned checkpoints onto the ledger
branch after they append, so the auditor's export finds them with the ledger and counts the
witnessed posture day as observed."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from audit_helpers import ROOT, bare_repo, make_keys, run_cli
from period_world import APP_TOKEN, REPO, World

from checker.evidence import layout
from checker.evidence.cosignature import load_vkey

sys.path.append(str(ROOT / "tests" / "github"))
from ghaction import ActionRun, run_action

LEDGER_BRANCH = "ledger/payments"


def scheduled(world: World, central: Path, tmp: Path, **inputs: str) -> ActionRun:
    """One central matrix job for acme/payments (the action's scheduled record job)."""
    tmp.mkdir(parents=True)
    with_ = {"job": "record", "repository": REPO, "ledger-repository": str(central), "github-token": APP_TOKEN,
             "signing-key": world.keys.private.read_text(), **inputs}  # fmt: skip
    event = {"schedule": "23 4 * * *", "repository": {"full_name": "acme/evidence", "default_branch": "main"}}
    env = {"GITHUB_REPOSITORY": "acme/evidence"}
    return run_action(tmp, world.fake.base_url, "schedule", event, inputs=with_, extra_env=env)


def witness(central: Path, world: World, wdir: Path, state: Path) -> None:
    done = run_cli(
        "witness", "--ledger", str(central), "--branch", LEDGER_BRANCH, "--log-key", str(world.keys.public),
        "--state", str(state), "--key", str(wdir / "witness.key"), "--name", "witness.example/auditor",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def cosignature_files(central: Path) -> list[str]:
    names = subprocess.run(
        ["git", "--git-dir", str(central), "ls-tree", "-r", "--name-only", LEDGER_BRANCH, "checkpoints"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return [n for n in names if ".cosignature." in n]


def test_record_job_publishes_cosignatures_and_the_day_counts_as_observed(world: World, tmp_path: Path) -> None:
    central = bare_repo(tmp_path / "evidence.git")
    wdir = tmp_path / "w"
    assert run_cli("keygen", "--witness", "--name", "witness.example/auditor", "--out", str(wdir)).returncode == 0
    state = tmp_path / "witness-state"
    witnesses = {"witness-vkey": (wdir / "witness.vkey").read_text(), "witness-state": str(state)}

    first = scheduled(world, central, tmp_path / "a")
    assert first.code == 0, first.stdout + first.stderr
    assert cosignature_files(central) == [] and "### changeproof witnesses" not in first.summary
    witness(central, world, wdir, state)  # the auditor's witness cosigns the checkpoint of size 1
    second = scheduled(world, central, tmp_path / "b", **witnesses)
    assert second.code == 0, second.stdout + second.stderr
    key_id = load_vkey(str(wdir / "witness.vkey")).key_id
    assert cosignature_files(central) == [layout.cosignature_path(1, key_id)]
    assert "1 witness cosignature(s) copied onto the ledger branch" in second.summary
    again = scheduled(world, central, tmp_path / "c", **witnesses)
    assert again.code == 0 and "0 witness cosignature(s)" in again.summary  # nothing new: nothing written twice

    today = datetime.now(UTC).date().isoformat()
    out = tmp_path / "e.json"
    exported = run_cli(
        "export", "--ledger", f"{central}#{LEDGER_BRANCH}", "--key", str(world.keys.public),
        "--posture-key", str(world.keys.public), "--witness-key", str(wdir / "witness.vkey"),
        "--from", today, "--to", today, "--format", "json", "--out", str(out),
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    (cov,) = json.loads(out.read_text())["coverage"]
    assert (cov["days_in_period"], cov["days_observed"], cov["days_self_asserted"]) == (1, 1, 0)


def test_a_witness_without_its_state_is_a_usage_error_before_any_work(world: World, tmp_path: Path) -> None:
    central = bare_repo(tmp_path / "evidence.git")
    wdir = tmp_path / "w"
    assert run_cli("keygen", "--witness", "--name", "witness.example/auditor", "--out", str(wdir)).returncode == 0
    run = scheduled(world, central, tmp_path / "a", **{"witness-vkey": (wdir / "witness.vkey").read_text()})
    assert run.code == 2 and "witness-state" in run.stdout + run.stderr and "Traceback" not in run.stderr
    assert subprocess.run(["git", "--git-dir", str(central), "rev-parse", "--verify", "-q", LEDGER_BRANCH],
                          capture_output=True, check=False).returncode != 0  # fmt: skip


def test_period_run_publishes_cosignatures_too(world: World, tmp_path: Path) -> None:
    central = bare_repo(tmp_path / "evidence.git")
    key = make_keys(tmp_path / "keys", "central")
    world.keys = key
    wdir = tmp_path / "w"
    assert run_cli("keygen", "--witness", "--name", "witness.example/auditor", "--out", str(wdir)).returncode == 0
    state = tmp_path / "witness-state"

    def period_run() -> dict[str, object]:
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "changeproof"), "period", "run", "--repository", REPO, "--ledger",
             str(central), "--branch", LEDGER_BRANCH, "--key", str(key.private), "--witness-key",
             str(wdir / "witness.vkey"), "--witness-state", str(state), "--api-url", world.fake.base_url,
             "--token", APP_TOKEN],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    state.mkdir()
    assert period_run()["cosignatures_published"] == []
    witness(central, world, wdir, state)
    published = period_run()["cosignatures_published"]
    assert published == [layout.cosignature_path(1, load_vkey(str(wdir / "witness.vkey")).key_id)]
