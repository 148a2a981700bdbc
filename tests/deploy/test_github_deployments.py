"""The record job's deployments step against the local fake GitHub: a period of production
deployments (a first one, one shipping two approved merges, one shipping a failed merge, one of a
sha off the default branch, a rollback), a staging deployment out of scope, a deployment without
a successful status, and the deployments API answering 403."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from deploy_support import BRANCH, GitRepo, Recorder, bare_repo, make_keys, pr_facts, run_cli
from openpyxl import load_workbook

sys.path.append(str(Path(__file__).resolve().parents[1]))  # fakegithub
from fakegithub import deployments as gh
from fakegithub.server import FakeGitHub

from checker.deploy.step import LedgerTarget, record_deployments
from checker.evidence import RunContext, blobs, load_signer, read_entries
from checker.evidence.statement import DEPLOYMENT_PREDICATE
from checker.github.api import Api
from checker.github.deployments import collect_deployments

REPO = "acme/payments"
CONTEXT = RunContext(
    "schedule", "record", f"{REPO}/.github/workflows/cp.yml@refs/heads/main", "9", "", "refs/heads/main"
)


def status_list(dep_id: int, *states: str, run_id: int | None = None) -> list[dict]:
    """Statuses newest first, the way GitHub lists them."""
    return [
        gh.status(REPO, dep_id, dep_id * 10 + n, state, f"2026-11-{dep_id - 90}T10:0{n}:00Z", run_id, "production")
        for n, state in reversed(list(enumerate(states)))
    ]


@pytest.fixture
def world(tmp_path: Path):
    repo = GitRepo(tmp_path / "app")
    m1 = repo.merge("pr1", "Merge pull request #1")
    m2 = repo.merge("pr2", "Merge pull request #2")
    m3 = repo.merge("pr3", "Merge pull request #3")
    m4 = repo.merge("pr4", "Merge pull request #4")  # failed its evaluation
    off = repo.side("hotfix", "hotfix deployed from a branch")
    ledger = bare_repo(tmp_path / "ledger.git")
    keys = make_keys(tmp_path / "keys")
    recorder = Recorder(ledger, load_signer("key", str(keys.private)))
    for n, sha in enumerate((m1, m2, m3, m4), start=1):
        recorder.record(pr_facts(n, f"PR {n}", merged_at=f"2026-11-0{n}T10:00:00Z", merge_sha=sha, approved=n != 4))
    deployments = [
        gh.deployment(REPO, 100, m1, "production", "dana", "2026-11-10T09:00:00Z"),
        gh.deployment(REPO, 101, m3, "production", "dana", "2026-11-11T09:00:00Z"),
        gh.deployment(REPO, 102, m4, "staging", "erin", "2026-11-11T12:00:00Z"),
        gh.deployment(REPO, 103, m4, "production", "dana", "2026-11-12T09:00:00Z"),
        gh.deployment(REPO, 104, off, "production", "erin", "2026-11-13T09:00:00Z", ref="hotfix"),
        gh.deployment(REPO, 105, m4, "production", "dana", "2026-11-14T09:00:00Z"),
        gh.deployment(REPO, 106, m3, "production", "dana", "2026-11-15T09:00:00Z"),
    ]
    statuses = {
        "100": status_list(100, "queued", "in_progress", "success", run_id=5000),
        "101": status_list(101, "pending", "in_progress", "success", run_id=5001),
        "102": status_list(102, "success", run_id=5002),
        "103": status_list(103, "in_progress", "success", run_id=5003),
        "104": status_list(104, "success"),  # deployed by another tool: no Actions run
        "105": status_list(105, "in_progress", "failure", run_id=5005),  # never succeeded
        "106": status_list(106, "success", run_id=5006),  # the rollback
    }
    scenario = {
        "repos": {
            REPO: {
                "repo": {"full_name": REPO, "default_branch": "main"},
                "deployments": deployments,
                "deployment_statuses": statuses,
                "environments": {
                    "production": {"environment": gh.environment(REPO, "production", ["carol", "frank"], True)}
                },
                "run_approvals": {
                    "5001": [gh.approval(REPO, "production", "carol", comment="ship it")],
                    "5003": [gh.approval(REPO, "production", "frank")],
                    "5006": [gh.approval(REPO, "production", "carol", comment="roll back")],
                },
            }
        }
    }
    fake = FakeGitHub(scenario).start()
    api = Api("t0ken", fake.base_url, retries=0, backoff=0, max_wait=1, throttle=0)
    yield dict(repo=repo, ledger=ledger, keys=keys, fake=fake, api=api, m1=m1, m2=m2, m3=m3, m4=m4, off=off)
    fake.stop()


def step(world: dict, environments: tuple[str, ...] = ("production",), at: str = "2026-11-16T00:00:00Z"):
    return record_deployments(
        lambda env, after: collect_deployments(world["api"], REPO, env, after_id=after),
        repository=REPO,
        environments=environments,
        repo_dir=world["repo"].path,
        default_branch="main",
        target=target(world, at),
    )


def target(world: dict, at: str = "2026-11-16T00:00:00Z") -> LedgerTarget:
    signer = load_signer("key", str(world["keys"].private))
    return LedgerTarget(str(world["ledger"]), BRANCH, signer, CONTEXT, at)


def recorded(world: dict, kind: str = "deployment") -> list[dict]:
    return [
        e.predicate
        for e in read_entries(str(world["ledger"]), BRANCH)
        if e.predicate_type == DEPLOYMENT_PREDICATE and e.predicate["kind"] == kind
    ]


def forbid(world: dict, times: int = 1) -> None:
    world["fake"].add_fault(
        path=r"/deployments$", status=403, body={"message": "Resource not accessible by integration"}, times=times
    )


def test_a_period_of_production_deployments(world: dict) -> None:
    run = step(world)
    assert run.unobservable == []
    assert [(env, i) for env, i, _ in run.skipped] == [("production", "105")]
    assert "no successful status" in run.skipped[0][2]
    got = {p["deployment_id"]: p for p in recorded(world)}
    assert sorted(got) == ["100", "101", "103", "104", "106"]  # staging 102 out of scope, 105 never succeeded
    m1, m2, m3, m4, off = (world[k] for k in ("m1", "m2", "m3", "m4", "off"))
    first, two, failed, off_branch, rollback = (got[i] for i in ("100", "101", "103", "104", "106"))
    assert (first["shipment"]["baseline"], [c["sha"] for c in first["changes"]], first["traced"]) == (None, [m1], True)
    assert [(c["sha"], c["pr"], c["verdict"]) for c in two["changes"]] == [(m2, 2, "pass"), (m3, 3, "pass")]
    assert (two["shipment"]["baseline"], two["traced"], two["creator"]) == ("100", True, "dana")
    assert two["approval"]["approved_by"] == ["carol"] and two["approval"]["prevent_self_review"] is True
    assert two["approval"]["run_id"] == "5001" and two["deployed_at"] == "2026-11-11T10:02:00Z"
    assert (failed["traced"], failed["untraced_changes"]) == (False, [m4])
    assert [c["seq"] for c in failed["changes"]] == [3]
    assert (off_branch["traced"], off_branch["untraced_changes"], off_branch["changes"][0]["record"]) == (
        False,
        [off],
        "off-branch",
    )
    assert off_branch["approval"]["unobservable"]  # no Actions run: who approved cannot be read
    assert (rollback["shipment"]["rollback"], rollback["changes"], rollback["shipment"]["returns_to"]) == (
        True,
        [],
        "101",
    )
    assert rollback["traced"] is True and rollback["shipment"]["baseline"] == "104"
    # only GET requests, and nothing about staging
    assert {r["method"] for r in world["fake"].requests} == {"GET"}
    assert all("staging" not in r["query"] for r in world["fake"].requests)


def test_a_second_run_records_only_newer_deployments(world: dict) -> None:
    step(world)
    before = len(recorded(world))
    again = step(world)
    assert again.recorded == [] and len(recorded(world)) == before
    listing = world["fake"].calls("GET", "/deployments")
    assert listing  # it asked again, and appended nothing


def test_an_unfinished_deployment_stops_the_listing(world: dict) -> None:
    repo = world["fake"].scenario["repos"][REPO]
    repo["deployment_statuses"]["103"] = status_list(103, "queued", "in_progress")
    run = step(world)
    assert [p["deployment_id"] for p in recorded(world)] == ["100", "101"]
    assert run.skipped[0][:2] == ("production", "103") and "not finished" in run.skipped[0][2]


def test_deployments_api_403_is_unobservable(world: dict) -> None:
    forbid(world)
    run = step(world)
    assert run.recorded == [] and recorded(world) == []
    assert run.unobservable and "403" in run.unobservable[0][1] and "deployments: read" in run.unobservable[0][1]
    [gap] = recorded(world, "deployments-unobservable")  # fail closed: the ledger says what went unseen
    assert (gap["repository"], gap["environment"], gap["since"], gap["until"]) == (
        REPO,
        "production",
        None,
        "2026-11-16T00:00:00Z",
    )
    assert gap["reasons"] == ["deployments to production: GitHub answered 403 (needs `deployments: read`)"]
    assert run.gaps[0][0] == 4  # after the four merge records
    key = str(world["keys"].public)
    verified = run_cli("verify", "--ledger", str(world["ledger"]), "--branch", BRANCH, "--key", key)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_unreadable_statuses_record_an_interval_after_the_last_deployment_seen(world: dict) -> None:
    world["fake"].add_fault(path=r"/deployments/101/statuses$", status=403, body={"message": "Forbidden"})
    run = step(world)
    assert [p["deployment_id"] for p in recorded(world)] == ["100"]
    [gap] = recorded(world, "deployments-unobservable")
    assert (gap["since"], gap["until"]) == ("2026-11-10T10:02:00Z", "2026-11-16T00:00:00Z")
    assert "statuses of deployment 101: GitHub answered 403" in gap["reasons"][0]
    assert [seq for seq, _ in run.gaps] == [5]


def test_export_reports_unobservable_intervals_beside_the_figure(world: dict, tmp_path: Path) -> None:
    step(world)  # 100, 101, 103, 104 and 106 recorded; the last deployed at 2026-11-16T10:00:00Z
    forbid(world, times=2)
    step(world, at="2026-11-20T00:00:00Z")
    step(world, at="2026-11-21T00:00:00Z")  # the next scheduled run: still forbidden
    doc = export(world, tmp_path / "all.json", "--format", "json")
    figure = doc["summary"]["deployments"][REPO]["production"]
    assert figure == {
        "traced": 3,
        "total": 5,
        "complete": False,
        "unobservable": [{"from": "2026-11-16T10:00:00Z", "to": "2026-11-21T00:00:00Z"}],
        "figure": "3 of 5 production deployments traced; "
        "deployments unobservable from 2026-11-16T10:00:00Z to 2026-11-21T00:00:00Z",
    }
    [gap] = doc["deployments_unobservable"][REPO]
    assert (gap["runs"], gap["seqs"], gap["ledger"]) == (2, [9, 10], str(world["ledger"]))
    assert "GitHub answered 403" in gap["reasons"][0]
    # a period that ends before the interval began is complete; one that overlaps it is not
    before = export(world, tmp_path / "b.json", "--format", "json", "--to", "2026-11-10")
    assert before["summary"]["deployments"][REPO]["production"]["complete"] is True
    assert before["deployments_unobservable"] == {}
    late = export(world, tmp_path / "l.json", "--format", "json", "--from", "2026-11-21")
    assert late["summary"]["deployments"][REPO]["production"]["figure"] == (
        "0 of 0 production deployments traced; "
        "deployments unobservable from 2026-11-16T10:00:00Z to 2026-11-21T00:00:00Z"
    )
    export(world, tmp_path / "p.csv", "--format", "csv")
    lines = (tmp_path / "p-deployments-unobservable.csv").read_text().splitlines()
    assert lines[0] == "repository,environment,from,to,figure,runs,reasons,ledger,seqs"
    assert lines[1].startswith(f"{REPO},production,2026-11-16T10:00:00Z,2026-11-21T00:00:00Z,") and len(lines) == 2
    assert lines[1].endswith(",9; 10")
    export(world, tmp_path / "r.html", "--format", "html")
    page = (tmp_path / "r.html").read_text()
    assert '<b class="bad">3 of 5</b>production deployments traced' in page
    assert "<h3>Deployments unobservable</h3>" in page and "2026-11-21T00:00:00Z" in page
    export(world, tmp_path / "w.xlsx", "--format", "xlsx")
    book = load_workbook(tmp_path / "w.xlsx", read_only=True)
    table = [[cell.value for cell in row] for row in book["Deployments unobservable"].iter_rows()]
    head = table[0]
    assert [dict(zip(head, row, strict=True)) for row in table[1:]] == [
        {
            "repository": REPO,
            "environment": "production",
            "from": "2026-11-16T10:00:00Z",
            "to": "2026-11-21T00:00:00Z",
            "figure": "deployments unobservable from 2026-11-16T10:00:00Z to 2026-11-21T00:00:00Z",
            "runs": 2,
            "reasons": "deployments to production: GitHub answered 403 (needs `deployments: read`)",
            "ledger": str(world["ledger"]),
            "seqs": "9; 10",
        }
    ]
    deployments = [[cell.value for cell in row] for row in book["Deployments"].iter_rows()]
    assert deployments[1][deployments[0].index("figure")] == figure["figure"]


def test_environment_403_leaves_the_release_approval_unobservable(world: dict) -> None:
    world["fake"].add_fault(path=r"/environments/production$", status=403, body={"message": "Forbidden"})
    world["fake"].add_fault(path=r"/actions/runs/\d+/approvals$", status=403, body={"message": "Forbidden"}, times=9)
    step(world)
    two = next(p for p in recorded(world) if p["deployment_id"] == "101")
    assert two["approval"]["required"] is None and two["approval"]["approved_by"] == []
    assert len(two["approval"]["unobservable"]) == 2


def export(world: dict, out: Path, *extra: str) -> dict:
    done = run_cli(
        "export", "--ledger", str(world["ledger"]), "--branch", BRANCH, "--key", str(world["keys"].public),
        "--out", str(out), *extra,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text()) if out.suffix == ".json" else {}


def test_export_figures(world: dict, tmp_path: Path) -> None:
    step(world)
    doc = export(world, tmp_path / "all.json", "--format", "json")
    assert doc["summary"]["deployments"] == {
        REPO: {
            "production": {
                "traced": 3,
                "total": 5,
                "complete": True,
                "unobservable": [],
                "figure": "3 of 5 production deployments traced",
            }
        }
    }
    rows = doc["deployments"][REPO]
    assert [(r["id"], r["traced"], r["rollback"], r["baseline"]) for r in rows] == [
        ("100", True, False, None),
        ("101", True, False, "100"),
        ("103", False, False, "101"),
        ("104", False, False, "103"),
        ("106", True, True, "104"),
    ]
    assert rows[1]["approved_by"] == ["carol"] and rows[2]["untraced_changes"] == [world["m4"]]
    period = export(world, tmp_path / "p.json", "--format", "json", "--from", "2026-11-11", "--to", "2026-11-14")
    assert period["summary"]["deployments"][REPO]["production"]["figure"] == "1 of 3 production deployments traced"
    export(world, tmp_path / "p.csv", "--format", "csv")
    lines = (tmp_path / "p-deployments.csv").read_text().splitlines()
    assert lines[0].startswith("repository,environment,id,source,sha") and len(lines) == 6
    export(world, tmp_path / "r.html", "--format", "html")
    page = (tmp_path / "r.html").read_text()
    assert "3 of 5</b>production deployments traced" in page
    export(world, tmp_path / "w.xlsx", "--format", "xlsx")
    sheet = load_workbook(tmp_path / "w.xlsx", read_only=True)["Deployments"]
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    head = table[0]
    assert head[:3] == ["repository", "environment", "id"] and "deployed_at (UTC)" in head
    xlsx = [dict(zip(head, row, strict=True)) for row in table[1:]]
    assert [(r["id"], r["traced"], r["rollback"]) for r in xlsx] == [
        ("100", "true", "false"),
        ("101", "true", "false"),
        ("103", "false", "false"),
        ("104", "false", "false"),
        ("106", "true", "true"),
    ]
    assert {(r["figure"], r["traced_in_environment"], r["deployments_in_environment"]) for r in xlsx} == {
        ("3 of 5 production deployments traced", 3, 5)
    }
    assert xlsx[1]["approved_by"] == "carol" and xlsx[2]["untraced_changes"] == world["m4"]
    assert isinstance(xlsx[0]["deployed_at (UTC)"], datetime)
    drawn = run_cli("sample", "--population", str(tmp_path / "all.json"), "--size", "2", "--seed", "s",
                    "--kind", "deployment", "--format", "json")  # fmt: skip
    assert drawn.returncode == 0, drawn.stderr
    sample = json.loads(drawn.stdout)
    assert sample["population"]["total"] == 5
    assert all(item["id"].startswith(f"{REPO}:production#") for item in sample["sample"])


def test_export_counts_claims_of_trusted_deployers_only(world: dict, tmp_path: Path) -> None:
    step(world)
    (world["repo"].path / ".github").mkdir()
    (world["repo"].path / ".github" / "changeproof.yml").write_text(
        "version: 1\nextends: baseline\ndeployments:\n  environments: [production]\n"
    )
    deployer = make_keys(tmp_path / "keys", "deployer")
    claim = run_cli(
        "attest", "deployment", "--environment", "production", "--sha", world["m4"], "--key", str(deployer.private),
        "--artifact", "sha256:" + "c" * 64, "--ledger", str(world["ledger"]), "--branch", BRANCH,
        "--repository", REPO, "--repo", str(world["repo"].path), "--deployed-at", "2026-11-17T10:00:00Z",
    )  # fmt: skip
    assert claim.returncode == 0, claim.stderr
    doc = export(world, tmp_path / "c.json", "--format", "json", "--deployer-key", str(deployer.public))
    figure = doc["summary"]["deployments"][REPO]["production"]
    assert figure["figure"] == "3 of 6 production deployments traced"
    last = doc["deployments"][REPO][-1]
    assert (last["source"], last["sha"], last["traced"], last["untraced_changes"]) == (
        "claim",
        world["m4"],
        False,
        [world["m4"]],
    )
    assert last["baseline"] == "106"


def test_an_environments_release_rule_is_stored_once_in_entry_format_2(world: dict, tmp_path: Path) -> None:
    reviewers = [f"release-manager-{n}" for n in range(12)]  # the rule every production deployment repeats
    repo = world["fake"].scenario["repos"][REPO]
    repo["environments"]["production"]["environment"] = gh.environment(REPO, "production", reviewers, True)
    step(world)
    entries = [e for e in read_entries(str(world["ledger"]), BRANCH) if e.predicate.get("kind") == "deployment"]
    assert len(entries) == 5
    digests = set()
    for entry in entries:
        assert entry.predicate["approval"]["reviewers"] == reviewers  # read back whole
        signed = json.loads(base64.b64decode(git_show(world, entry.path)["dsseEnvelope"]["payload"]))["predicate"]
        assert signed["entry_format"] == 2 and signed["approval"]["reviewers"] == "@blob"
        digests.add(signed["blobs"]["/approval/reviewers"])
    [digest] = digests  # one blob, shared by every deployment to the environment
    files = subprocess.run(
        ["git", "--git-dir", str(world["ledger"]), "ls-tree", "-r", "--name-only", BRANCH],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert [f for f in files if f.endswith(digest)] == [blobs.blob_path(digest)]
    doc = export(world, tmp_path / "all.json", "--format", "json")  # the export puts the value back
    assert doc["summary"]["deployments"][REPO]["production"]["figure"] == "3 of 5 production deployments traced"
    assert doc["deployments"][REPO][1]["approved_by"] == ["carol"]


def git_show(world: dict, path: str) -> dict:
    shown = subprocess.run(
        ["git", "--git-dir", str(world["ledger"]), "show", f"{BRANCH}:{path}"], capture_output=True, check=True
    )
    return json.loads(shown.stdout)
