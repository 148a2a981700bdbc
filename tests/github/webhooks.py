"""GitHub's own example webhook payloads (npm `@octokit/webhooks-examples`), retargeted to the fake.

A payload is moved to the fake's repository (`acme/web`, id 4242) by its identity only: the event's
`repository` and every URL naming it. Entries that belong to *other* repositories stay foreign, as
GitHub sends them. The head and base commits become the scenario's, and the scenario's PR takes the
number (and head branch) the payload names, so a verdict can be checked to be for the right PR.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

from fakegithub import scenario as sc
from fakegithub.openapi import webhook_examples

REPO_ID = 4242  # scenario.repo_obj's id
_QUEUE = re.compile(r"pr-(\d+)-([0-9a-f]{40})$")

# The events the README's gate and record workflows subscribe to, with the actions they ask for
# (None: every action), plus check_run, which the gate also understands.
SUBSCRIBED: dict[str, frozenset[str] | None] = {
    "pull_request": frozenset(
        {"opened", "synchronize", "reopened", "ready_for_review", "edited", "labeled", "unlabeled"}
    ),
    "pull_request_review": frozenset({"submitted", "dismissed", "edited"}),
    "merge_group": None,
    "workflow_run": frozenset({"completed"}),
    "check_suite": frozenset({"completed"}),
    "check_run": frozenset({"completed"}),
    "workflow_dispatch": None,
    "push": None,
}


@dataclass(frozen=True)
class Example:
    event: str
    index: int
    payload: dict[str, Any]
    number: int | None  # the PR of the fake's repository the gate must evaluate (None: none)
    head_branch: str
    head_owner: str

    @property
    def id(self) -> str:
        return f"{self.event}-{self.payload.get('action') or 'none'}-{self.index}"


def subscribed_examples() -> list[Example]:
    """Every example of a subscribed event and action, one per distinct case the product decides on."""
    out = []
    seen: set[tuple[Any, ...]] = set()
    for event, actions in SUBSCRIBED.items():
        for index, raw in enumerate(webhook_examples().get(event, [])):
            if actions is not None and raw.get("action") not in actions:
                continue
            example = retarget(event, index, raw)
            obj = raw.get(event) if isinstance(raw.get(event), dict) else {}
            case = (
                event,
                raw.get("action"),
                example.number,
                example.head_branch,
                example.head_owner,
                json.dumps(obj.get("pull_requests"), sort_keys=True),
                raw.get("ref"),
                str(raw.get("before", "")).strip("0") == "",
                str(raw.get("after", "")).strip("0") == "",
                json.dumps(raw.get("inputs"), sort_keys=True),
            )
            if case not in seen:
                seen.add(case)
                out.append(example)
    return out


def retarget(event: str, index: int, raw: dict[str, Any]) -> Example:
    repository = raw.get("repository") or {}
    old_full, old_id = str(repository.get("full_name") or ""), repository.get("id")
    shas = _shas(event, raw)
    text = json.dumps(raw)
    if old_full:
        text = text.replace(f"/{old_full}", f"/{sc.REPO}").replace(f'"{old_full}"', f'"{sc.REPO}"')
    for old, new in shas.items():
        text = text.replace(old, new)
    payload = json.loads(text)
    here = payload.get("repository") or {}
    if here:
        here.update(id=REPO_ID, name="web", full_name=sc.REPO)
        here["owner"] = {**(here.get("owner") or {}), "login": "acme"}
    obj = payload.get(event) if event in ("workflow_run", "check_suite", "check_run") else None
    number: int | None = None
    head_branch, head_owner = "feature", "acme"
    if obj is not None:
        for entry in obj.get("pull_requests") or []:
            base = (entry.get("base") or {}).get("repo") or {}
            if old_id is not None and base.get("id") == old_id:
                base["id"] = REPO_ID
                number = number or int(entry["number"])
        suite = obj.get("check_suite") or {} if event == "check_run" else obj
        head_branch = str(suite.get("head_branch") or head_branch)
        owner = ((obj.get("head_repository") or {}).get("owner") or {}).get("login")
        head_owner = "acme" if owner in (None, repository.get("owner", {}).get("login")) else str(owner)
        if number is None:
            number = 7  # found by the head-branch / head-commit lookup
    elif event in ("pull_request", "pull_request_review"):
        number = int(payload["pull_request"]["number"])
        head_branch = payload["pull_request"]["head"]["ref"]
    elif event == "merge_group":
        match = _QUEUE.search(payload["merge_group"]["head_ref"])
        number = int(match.group(1)) if match else None
    return Example(event, index, payload, number, head_branch, head_owner)


def _shas(event: str, raw: dict[str, Any]) -> dict[str, str]:
    """The example's head (and base) commits -> the scenario's."""
    found: dict[str, str] = {}
    if event in ("pull_request", "pull_request_review"):
        found[raw["pull_request"]["head"]["sha"]] = sc.HEAD_SHA
        found[raw["pull_request"]["base"]["sha"]] = sc.BASE_SHA
    elif event in ("workflow_run", "check_suite", "check_run"):
        found[raw[event]["head_sha"]] = sc.HEAD_SHA
    elif event == "merge_group":
        match = _QUEUE.search(raw["merge_group"]["head_ref"])
        if match:
            found[match.group(2)] = sc.BASE_SHA
    return found


def scenario_for(example: Example) -> dict[str, Any]:
    """The typical scenario, its PR renumbered and on the example's head branch; PR 2 a decoy elsewhere."""
    data = sc.typical()
    repo = data["repos"][sc.REPO]
    default = (example.payload.get("repository") or {}).get("default_branch")
    if default:
        repo["repo"]["default_branch"] = default
    pulls = repo["pulls"]
    entry = pulls.pop("7")
    number = example.number or 7
    text = json.dumps(entry).replace(f"/pulls/{7}", f"/pulls/{number}").replace(f"/issues/{7}", f"/issues/{number}")
    entry = json.loads(text)
    entry["pull"]["number"] = number
    entry["pull"]["head"]["ref"] = example.head_branch
    entry["pull"]["head"]["label"] = f"{example.head_owner}:{example.head_branch}"
    entry["pull"]["head"]["repo"] = sc.repo_obj(f"{example.head_owner}/web")
    pulls[str(number)] = entry
    if number != 2:  # a decoy with another head: evaluating it would be evaluating a foreign PR's number
        decoy = copy.deepcopy(entry)
        decoy["pull"].update(number=2, id=100002)
        decoy["pull"]["head"] = {**decoy["pull"]["head"], "sha": sc.sha("decoy"), "ref": "decoy"}
        pulls["2"] = decoy
    repo["commit_pulls"] = {sc.HEAD_SHA: [number]}
    after = str(example.payload.get("after") or "")
    if example.event == "push" and after.strip("0"):  # the pushed commit, a direct commit on the branch
        repo["commits"] = {after: sc.commit(after, login="codertocat", parents=(sc.BASE_SHA,), message="direct")}
        repo["commit_pulls"][after] = []
        repo["contents"][after] = dict(repo["contents"][sc.BASE_SHA])
    return data
