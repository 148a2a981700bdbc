"""gate_integrity: the gate's workflows, policy and CODEOWNERS change only through merges whose record passed."""

from __future__ import annotations

from dataclasses import replace

from audit_helpers import pr_facts, review
from period_world import World

from checker.model import ChangedFile, Facts

WORKFLOW = ".github/workflows/changeproof.yml"


def workflow_change(number: int, owner_approved: bool) -> Facts:
    facts = pr_facts(
        number, f"PAY-{number} pin the action", merged_at="2026-11-01T12:00:00Z", merge_sha=f"{number:040x}"
    )
    facts = replace(facts, files=(*facts.files, ChangedFile(WORKFLOW, "modified", 1, 0)))
    if owner_approved:  # @acme/platform owns .github/
        facts = replace(
            facts,
            reviews=(*facts.reviews, review("heidi", facts.head_sha, "2026-11-01T11:00:00Z")),
            permissions={**facts.permissions, "heidi": "write"},
        )
    return facts


def test_gate_changed_by_a_passing_merge_passes(world: World) -> None:
    world.run("2026-11-01T06:00:00Z")
    files = world.repo()["contents"]["main"]
    files[WORKFLOW] += "# reviewed change\n"
    _, evaluation = world.recorder.record(workflow_change(5, owner_approved=True))
    assert evaluation.verdict.value == "pass"
    out = world.run("2026-11-02T06:00:00Z")
    assert out["posture"]["results"]["gate_integrity"] == "pass"

    files[".github/changeproof.yml"] = files[".github/changeproof.yml"].replace("mode: enforce", "mode: advisory")
    out = world.run("2026-11-03T06:00:00Z")  # no merge touched the policy: someone pushed it
    assert out["posture"]["results"]["gate_integrity"] == "fail"


def test_gate_changed_by_a_merge_whose_record_failed_fails(world: World) -> None:
    world.run("2026-11-01T06:00:00Z")
    world.repo()["contents"]["main"][WORKFLOW] += "# unreviewed change\n"
    _, evaluation = world.recorder.record(workflow_change(6, owner_approved=False))
    assert evaluation.verdict.value == "fail"  # no code-owner approval of the workflow change
    out = world.run("2026-11-02T06:00:00Z")
    assert out["posture"]["results"]["gate_integrity"] == "fail"
