"""A simulated audited repository for the period tests: a fake GitHub whose rulesets change
between simulated days, a real bare-git ledger, real keys, and the real scheduled steps.

(A uniquely named module, not conftest.py, so imports never pick another directory's helpers.)
"""

from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for extra in (HERE.parent / "audit", HERE.parent):
    if str(extra) not in sys.path:
        sys.path.append(str(extra))

from audit_helpers import BRANCH, POLICY, ROOT, Keys, Recorder, bare_repo, make_keys, pr_facts  # noqa: E402
from fakegithub import scenario as scenario_mod  # noqa: E402
from fakegithub.server import FakeGitHub  # noqa: E402

from checker.evidence import RunContext, load_signer  # noqa: E402
from checker.github.api import Api  # noqa: E402
from checker.github.posture import PostureCollector, PostureSettings  # noqa: E402
from checker.period.steps import PeriodRun, run_period_steps  # noqa: E402

REPO = "acme/payments"
POLICY_TEXT = (ROOT / "examples" / "policy.yml").read_text()
APP_TOKEN = "app-installation-token"
READ_TOKEN = "github-token"
POSTURE_RUN = RunContext(
    event="schedule",
    job="posture",
    workflow_ref="acme/evidence/.github/workflows/posture.yml@refs/heads/main",
    run_id="900",
    run_url="https://github.com/acme/evidence/actions/runs/900",
    ref="refs/heads/main",
)
USERS = {"501": "ops-admin", "502": "mallory"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def ruleset_state(id_: int = 11, *, approvals: int = 2, enforcement: str = "active", **extra: Any) -> dict[str, Any]:
    """A branch ruleset on the default branch in GitHub's shape."""
    rules: list[dict[str, Any]] = [
        {"type": "deletion"},
        {"type": "non_fast_forward"},
        {
            "type": "pull_request",
            "parameters": {
                "required_approving_review_count": approvals,
                "dismiss_stale_reviews_on_push": True,
                "require_code_owner_review": True,
                "require_last_push_approval": False,
                "required_review_thread_resolution": False,
            },
        },
        {
            "type": "required_status_checks",
            "parameters": {
                "strict_required_status_checks_policy": False,
                "required_status_checks": [{"context": "build"}, {"context": "unit-tests"}],
            },
        },
    ]
    return {
        "id": id_,
        "name": "main protection",
        "target": "branch",
        "enforcement": enforcement,
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "bypass_actors": [{"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "pull_request"}],
        "rules": rules,
        **extra,
    }


def ledger_ruleset() -> dict[str, Any]:
    return {
        "id": 12,
        "name": "evidence ledger",
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": [f"refs/heads/{BRANCH}"], "exclude": []}},
        "bypass_actors": [{"actor_id": 99, "actor_type": "Integration", "bypass_mode": "always"}],
        "rules": [{"type": "deletion"}, {"type": "non_fast_forward"}, {"type": "update"}],
    }


def repo_scenario(full_name: str = REPO) -> dict[str, Any]:
    repo = scenario_mod.repo_obj(full_name)
    repo.update(
        {
            "allow_merge_commit": True,
            "allow_squash_merge": True,
            "allow_rebase_merge": False,
            "allow_auto_merge": False,
            "allow_update_branch": True,
            "delete_branch_on_merge": True,
            "archived": False,
            "topics": ["soc2"],
        }
    )
    return {
        "repo": repo,
        "rulesets": {
            "11": {"versions": [version(1, 501, "2026-10-01T00:00:00Z", ruleset_state())]},
            "12": {"versions": [version(2, 501, "2026-10-01T00:00:00Z", ledger_ruleset())]},
        },
        "protection": {"main": None, BRANCH: None},
        "contents": {
            "main": {
                ".github/changeproof.yml": POLICY_TEXT,
                ".github/CODEOWNERS": "* @acme/core\n",
                ".github/workflows/changeproof.yml": "name: changeproof\non: [pull_request, push]\n",
            }
        },
        "environments": {
            "changeproof-evidence": {
                "environment": {
                    "id": 77,
                    "node_id": "EN_77",
                    "name": "changeproof-evidence",
                    "url": f"https://api.github.com/repos/{full_name}/environments/changeproof-evidence",
                    "html_url": f"https://github.com/{full_name}/deployments/activity_log?environments_filter=changeproof-evidence",
                    "created_at": "2026-01-01T00:00:00Z",
                    "updated_at": "2026-01-01T00:00:00Z",
                    "protection_rules": [],
                    "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
                },
                "branch_policies": [{"id": 1, "node_id": "DBP_1", "name": "main", "type": "branch"}],
            }
        },
        "rule_suites": [],
        "pulls": {},
        "permissions": {"carol": "write", "dave": "read", "bob": "write"},
    }


def version(version_id: int, actor: int, when: str, state: dict[str, Any]) -> dict[str, Any]:
    return {"version_id": version_id, "actor": {"id": actor, "type": "User"}, "updated_at": when, "state": state}


def gh_review(id_: int, login: str, when: str, state: str = "APPROVED", sha: str = "f" * 40) -> dict[str, Any]:
    return scenario_mod.review(id_, login, state, sha, when)


@dataclass
class World:
    """One audited repository, its ledger and the scheduled job's identity, over simulated days."""

    tmp: Path
    token: str = APP_TOKEN
    repos: tuple[str, ...] = (REPO,)
    fake: FakeGitHub = field(init=False)
    keys: Keys = field(init=False)
    ledger: Path = field(init=False)
    recorder: Recorder = field(init=False)
    context: RunContext = POSTURE_RUN  # the scheduled job's run (an image digest makes its evaluator a blob)

    def __post_init__(self) -> None:
        scenario = {
            "repos": {name: repo_scenario(name) for name in self.repos},
            "users": dict(USERS),
            "token_access": {READ_TOKEN: "read"},
            "now": "2026-11-01T00:00:00Z",
        }
        self.fake = FakeGitHub(scenario).start()
        self.keys = make_keys(self.tmp / "keys", "posture")
        self.ledger = bare_repo(self.tmp / "ledger.git")
        self.recorder = Recorder(self.ledger, load_signer("key", str(self.keys.private)), POLICY)

    def repo(self, name: str = REPO) -> dict[str, Any]:
        return self.fake.scenario["repos"][name]  # type: ignore[no-any-return]

    # ------------------------------------------------------------ changes on GitHub
    def update_ruleset(self, id_: int, when: str, actor: int, **changes: Any) -> None:
        entry = self.repo()["rulesets"][str(id_)]
        last = entry["versions"][-1]
        state = copy.deepcopy(last["state"])
        if "approvals" in changes:
            for rule in state["rules"]:
                if rule["type"] == "pull_request":
                    rule["parameters"]["required_approving_review_count"] = changes.pop("approvals")
        state.update(changes)
        entry["versions"].append(version(last["version_id"] + 100, actor, when, state))

    def bypass_push(self, id_: int, when: str, actor: str, before: str, after: str) -> None:
        self.repo()["rule_suites"].append(
            {
                "id": id_,
                "actor_id": 502,
                "actor_name": actor,
                "before_sha": before,
                "after_sha": after,
                "ref": "refs/heads/main",
                "repository_id": 4242,
                "repository_name": "payments",
                "pushed_at": when,
                "result": "bypass",
                "evaluation_result": "fail",
            }
        )

    def emergency_merge(self, number: int, merged_at: str, merge_sha: str | None = None) -> None:
        merge_sha = merge_sha or f"{number:040x}"
        facts = pr_facts(
            number,
            f"PAY-{number} hotfix",
            merged_at=merged_at,
            merge_sha=merge_sha,
            approved=False,
            emergency=True,
        )
        _, evaluation = self.recorder.record(facts)
        assert evaluation.verdict.value == "emergency", evaluation.verdict
        pull = scenario_mod.pull(
            number,
            title=f"PAY-{number} hotfix",
            author="dave",
            head_sha=facts.head_sha,
            base_sha=facts.base_sha,
            merged_at=merged_at,
            merge_commit_sha=merge_sha,
            merged_by="bob",
            full_name=REPO,
        )
        self.repo()["pulls"][str(number)] = {"pull": pull, "reviews": []}

    def approve(self, number: int, login: str, when: str, id_: int) -> None:
        self.repo()["pulls"][str(number)]["reviews"].append(gh_review(id_, login, when))

    # ------------------------------------------------------------ the scheduled job
    def run(self, when: str, repository: str = REPO, token: str | None = None) -> dict[str, Any]:
        self.fake.scenario["now"] = when
        api = Api(token or self.token, self.fake.base_url, retries=0, backoff=0, max_wait=1, throttle=0)
        run = PeriodRun(str(self.ledger), BRANCH, load_signer("key", str(self.keys.private)), self.context)
        return run_period_steps(PostureCollector(api), PostureSettings(repository), run, at(when))

    def mutating_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.fake.requests if r["method"] != "GET"]


def export_json(world: World, out: Path, start: str, end: str) -> dict[str, Any]:
    """`changeproof export --format json` of the world's ledger, its key trusted for everything."""
    from audit_helpers import run_cli

    keys = ("--key", str(world.keys.public), "--posture-key", str(world.keys.public))
    exported = run_cli(
        "export", "--ledger", str(world.ledger), "--branch", BRANCH, *keys, "--from", start, "--to", end,
        "--format", "json", "--out", str(out),
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def add_merged_pulls(data: dict[str, Any], full_name: str, merged_at: str) -> list[int]:
    """Two merged PRs in GitHub's shapes for the record job's backfill: PR 21 with two approvals
    (passes), PR 22 with one (fails the policy's two); returns their numbers."""
    sc = scenario_mod
    base = sc.sha(f"{full_name}-base")
    data["contents"][base] = {".github/changeproof.yml": sc.POLICY, ".github/CODEOWNERS": sc.CODEOWNERS}
    data["permissions"].update({"erin": "write", "carol": "maintain", "dave": "write"})
    data.setdefault("check_runs", {})
    data.setdefault("statuses", {})
    for number, approvers in ((21, ("erin", "carol")), (22, ("erin",))):
        head, merge = sc.sha(f"{full_name}-{number}"), sc.sha(f"{full_name}-m{number}")
        data.setdefault("commits", {})[merge] = sc.commit(
            merge, login="carol", parents=(base, head), message=f"Merge pull request #{number}",
            committer_login="web-flow", full_name=full_name,
        )  # fmt: skip
        data["pulls"][str(number)] = {
            "pull": sc.pull(
                number,
                title=f"Feature {number} (WEB-{number})",
                author="dave",
                head_sha=head,
                base_sha=base,
                body="## Testing\nunit tests",
                merged_at=merged_at,
                merge_commit_sha=merge,
                merged_by="carol",
                head_ref=f"feature-{number}",
                updated_at=merged_at,
                full_name=full_name,
            ),
            "files": [sc.file_entry("src/app/module.py")],
            "commits": [
                sc.commit(head, login="dave", parents=(base,), message=f"Feature {number}", full_name=full_name)
            ],
            "reviews": [
                sc.review(number * 10 + i, who, "APPROVED", head, merged_at) for i, who in enumerate(approvers)
            ],
            "events": [],
        }
        data["check_runs"][head] = [
            sc.check_run(number * 10 + i, n, head) for i, n in enumerate(("build", "unit-tests", "test", "lint"))
        ]
        data["statuses"][head] = []
    return [21, 22]
