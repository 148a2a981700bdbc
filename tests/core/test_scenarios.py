"""Table-driven scenarios: one PR situation each, the policy it is judged by, the expected statuses."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
from builders import (
    ALICE,
    BASE,
    BOB,
    C1,
    HEAD,
    MERGE,
    WEB_FLOW,
    check,
    commit,
    labeled,
    review,
    unreadable_classic,
    well_run_pr,
    with_policy_text,
)

from checker.evaluate import evaluate
from checker.model import (
    ChangedFile,
    Facts,
    IacFacts,
    IacFinding,
    IacSuppression,
    MergeInfo,
    Person,
    SourceFile,
    TeamMembership,
)
from checker.policy import load_text, policy_for_facts

SOC2 = "version: 1\nextends: soc2\n"


@dataclass(frozen=True)
class Scenario:
    name: str
    facts: Facts
    expect: dict[str, str]
    verdict: str
    policy: str | None = None  # YAML; None: the policy the facts carry (base commit), like the action
    message_has: dict[str, str] = field(default_factory=dict)


def pol(extra: str = "", base: str = "version: 1\n") -> str:
    return base + extra


INFRA_FINDING = IacFinding(
    "CKV_AWS_20", "S3 bucket allows public read", "high", "terraform", "infra/s3.tf", 3, 9, "aws_s3_bucket.public"
)
LOW_FINDING = replace(INFRA_FINDING, check_id="CKV_AWS_18", severity="low", check_name="access logging")
STRICT_TESTS = pol("controls:\n  tests_with_code: {mode: enforce}\n")
TICKETS = pol("controls:\n  change_ticket: {mode: enforce}\n")
EMERGENCY = pol("controls:\n  emergency_change: {team: acme/sre}\n")
RULES = pol("""rules:
  - name: infra needs sre
    if:
      changed_files: {paths: ["infra/**"]}
    requires: {count: 1, teams: [acme/sre]}
""")
SRE_STALE_OK = RULES.replace("    requires", "    options: {invalidate_on_push: false}\n    requires")
SRE_FRESH = RULES.replace("    requires", "    options: {invalidate_on_push: true}\n    requires")
INFRA_FILE = (ChangedFile("infra/s3.tf", "modified", 3, 1), ChangedFile("tests/test_infra.py", "added", 5, 0))

SCENARIOS = [
    # ------------------------------------------------------------------ peer review
    Scenario("well-run PR passes the baseline", well_run_pr(), {"peer_review": "pass", "code_owners": "pass"}, "pass"),
    Scenario("no reviews at all", well_run_pr(reviews=()), {"peer_review": "fail"}, "fail"),
    Scenario(
        "stale approval after a new push",
        well_run_pr(reviews=(review("bob", on=C1),)),
        {"peer_review": "fail"},
        "fail",
        message_has={"peer_review": "before the latest push"},
    ),
    Scenario(
        "approval kept across an Update-branch merge",
        well_run_pr(
            commits=(commit(C1, BASE), commit(HEAD, C1, WEB_FLOW, merges_base=True)), reviews=(review("bob", on=C1),)
        ),
        {"peer_review": "pass"},
        "pass",
    ),
    Scenario(
        "update-branch merge does not keep approval when ignore_update_merges is off",
        well_run_pr(
            commits=(commit(C1, BASE), commit(HEAD, C1, WEB_FLOW, merges_base=True)), reviews=(review("bob", on=C1),)
        ),
        {"peer_review": "fail"},
        "fail",
        pol("controls:\n  peer_review: {ignore_update_merges: false}\n"),
    ),
    Scenario(
        "a merge with own content after the approval does not keep it",
        well_run_pr(
            commits=(commit(C1, BASE), commit(MERGE, C1), commit(HEAD, MERGE, WEB_FLOW, merges_base=True)),
            reviews=(review("bob", on=C1),),
        ),
        {"peer_review": "fail"},
        "fail",
    ),
    Scenario(
        "approval by a co-author named in a Co-authored-by trailer",
        well_run_pr(commits=(commit(C1, BASE), commit(HEAD, C1, co_authors=(BOB,)))),
        {"peer_review": "fail"},
        "fail",
        message_has={"peer_review": "co-authored"},
    ),
    Scenario(
        "approval by the committer of a rebased commit",
        well_run_pr(commits=(commit(C1, BASE), commit(HEAD, C1, committer=BOB))),
        {"peer_review": "fail"},
        "fail",
    ),
    Scenario(
        "approval by the PR author",
        well_run_pr(reviews=(review("alice"),)),
        {"peer_review": "fail"},
        "fail",
        message_has={"peer_review": "PR author"},
    ),
    Scenario(
        "a COMMENTED review after an approval changes nothing",
        well_run_pr(
            reviews=(review("bob", at="2026-11-28T09:00:00Z"), review("bob", "COMMENTED", at="2026-11-28T11:30:00Z"))
        ),
        {"peer_review": "pass"},
        "pass",
    ),
    Scenario(
        "re-approval after changes were requested",
        well_run_pr(
            reviews=(
                review("bob", "CHANGES_REQUESTED", on=C1, at="2026-11-28T09:00:00Z"),
                review("bob", at="2026-11-28T11:30:00Z"),
            )
        ),
        {"peer_review": "pass"},
        "pass",
    ),
    Scenario(
        "outstanding changes requested block despite another approval",
        well_run_pr(reviews=(review("bob"), review("erin", "CHANGES_REQUESTED"))),
        {"peer_review": "fail"},
        "fail",
        message_has={"peer_review": "changes requested by erin"},
    ),
    Scenario(
        "a dismissed approval no longer counts",
        well_run_pr(
            reviews=(review("bob", at="2026-11-28T09:00:00Z"), review("bob", "DISMISSED", at="2026-11-28T10:00:00Z"))
        ),
        {"peer_review": "fail"},
        "fail",
    ),
    Scenario(
        "approval by an untrusted bot",
        well_run_pr(reviews=(review("helper[bot]", bot=True),)),
        {"peer_review": "fail"},
        "fail",
        message_has={"peer_review": "bot"},
    ),
    Scenario(
        "approval by a trusted bot",
        well_run_pr(reviews=(review("helper[bot]", bot=True),)),
        {"peer_review": "pass"},
        "pass",
        pol('trusted_bots: ["helper[bot]"]\ncontrols:\n  code_owners: {mode: off}\n'),
    ),
    Scenario(
        "approval by a reviewer with read access only",
        well_run_pr(reviews=(review("bob", permission="read"),)),
        {"peer_review": "fail"},
        "fail",
        message_has={"peer_review": "read access"},
    ),
    Scenario(
        "reviewer permission could not be read",
        well_run_pr(reviews=(review("bob", permission=None),)),
        {"peer_review": "unobservable"},
        "fail",
    ),
    Scenario(
        "a commit author that links to no account makes independence unobservable",
        well_run_pr(commits=(commit(C1, BASE, Person("Mallory", "m@example.net", None)), commit(HEAD, C1))),
        {"peer_review": "unobservable"},
        "fail",
    ),
    Scenario(
        "unlinked authors accepted by the policy",
        well_run_pr(commits=(commit(C1, BASE, Person("Mallory", "m@example.net", None)), commit(HEAD, C1))),
        {"peer_review": "pass"},
        "pass",
        pol("controls:\n  peer_review: {accept_unlinked_authors: true}\n"),
    ),
    Scenario(
        "two approvals required, one given",
        well_run_pr(),
        {"peer_review": "fail"},
        "fail",
        pol("controls:\n  peer_review: {min_approvals: 2}\n"),
    ),
    Scenario(
        "allow_stale accepts an approval on an older commit",
        well_run_pr(reviews=(review("bob", on=C1),)),
        {"peer_review": "pass"},
        "pass",
        pol("controls:\n  peer_review: {allow_stale: true}\n  code_owners: {mode: off}\n"),
    ),
    Scenario(
        "more than 250 commits: independence unobservable",
        well_run_pr(commits_truncated=True),
        {"peer_review": "unobservable", "signed_commits": "unobservable"},
        "fail",
    ),
    # ------------------------------------------------------------------ required checks
    Scenario(
        "a status named like the required check but posted by someone else",
        well_run_pr(checks=(check("tests", app="mallory", kind="status"),)),
        {"required_checks": "pending"},
        "pending",
        pol("controls:\n  required_checks: {checks: [{name: tests, app: github-actions}]}\n"),
        {"required_checks": "not from github-actions"},
    ),
    Scenario(
        "the spoofed status on a merged PR is a failure",
        well_run_pr(
            checks=(check("tests", app="mallory", kind="status"),),
            merge=MergeInfo(True, "2026-11-28T12:30:00Z", "bob", MERGE),
        ),
        {"required_checks": "fail"},
        "fail",
        pol("controls:\n  required_checks: {checks: [{name: tests, app: github-actions}]}\n"),
    ),
    Scenario(
        "a required check still running is pending, not pass",
        well_run_pr(checks=(check("tests", None, status="in_progress"),)),
        {"required_checks": "pending"},
        "pending",
        pol("controls:\n  required_checks: {checks: [tests]}\n"),
    ),
    Scenario(
        "a failed required check",
        well_run_pr(checks=(check("tests", "failure"),)),
        {"required_checks": "fail"},
        "fail",
        pol("controls:\n  required_checks: {checks: [tests]}\n"),
    ),
    Scenario(
        "neutral is not success unless allowed",
        well_run_pr(checks=(check("tests", "neutral"),)),
        {"required_checks": "fail"},
        "fail",
        pol("controls:\n  required_checks: {checks: [tests]}\n"),
    ),
    Scenario(
        "neutral allowed",
        well_run_pr(checks=(check("tests", "neutral"),)),
        {"required_checks": "pass"},
        "pass",
        pol("controls:\n  required_checks: {checks: [tests], allow_neutral: true}\n"),
    ),
    # ------------------------------------------------------------------ policy source
    Scenario(
        "invalid base policy fails every PR",
        with_policy_text(well_run_pr(), "version: 1\ncontrols:\n  peer_reveiw: {}\n"),
        {"policy_file": "error", "peer_review": "pass"},
        "fail",
        message_has={"policy_file": "peer_review"},
    ),
    Scenario(
        "invalid base policy repaired by the PR, approved by the owner of .github/",
        with_policy_text(
            well_run_pr(files=(ChangedFile(".github/changeproof.yml", "modified", 2, 2),), reviews=(review("pat"),)),
            "version: 1\nmode: strict\n",
            "version: 1\nmode: enforce\n",
        ),
        {"policy_change": "pass", "peer_review": "pass"},
        "pass",
    ),
    Scenario(
        "invalid base policy 'repaired' without the owner's approval",
        with_policy_text(
            well_run_pr(files=(ChangedFile(".github/changeproof.yml", "modified", 2, 2),)),
            "version: 1\nmode: strict\n",
            "version: 1\nmode: enforce\n",
        ),
        {"policy_change": "fail"},
        "fail",
    ),
    Scenario(
        "a PR that switches its own policy to advisory is judged by the base policy",
        with_policy_text(
            well_run_pr(reviews=(), files=(ChangedFile(".github/changeproof.yml", "modified"),)),
            "version: 1\nmode: enforce\n",
            "version: 1\nmode: advisory\n",
        ),
        {"peer_review": "fail", "policy_change": "fail"},
        "fail",
    ),
    Scenario(
        "advisory mode reports but does not block",
        with_policy_text(well_run_pr(reviews=()), "version: 1\nmode: advisory\n"),
        {"peer_review": "fail"},
        "fail",
    ),
    # ------------------------------------------------------------------ CODEOWNERS
    Scenario(
        "CODEOWNERS last match wins: infra needs carol",
        well_run_pr(files=INFRA_FILE),
        {"code_owners": "fail"},
        "fail",
        pol("controls:\n  code_owners: {mode: enforce}\n"),
        {"code_owners": "@carol"},
    ),
    Scenario(
        "CODEOWNERS last match wins: carol approved",
        well_run_pr(files=INFRA_FILE, reviews=(review("carol"), review("bob"))),
        {"code_owners": "pass"},
        "pass",
        pol("controls:\n  code_owners: {mode: enforce}\n"),
    ),
    Scenario(
        "an owner-less line un-owns a path",
        well_run_pr(files=(ChangedFile("infra/legacy/old.tf", "modified"),), reviews=(review("zed"),)),
        {"code_owners": "pass"},
        "pass",
        pol("controls:\n  code_owners: {mode: enforce}\n"),
    ),
    Scenario(
        "docs/* owns direct children only",
        well_run_pr(files=(ChangedFile("docs/guide/deep.md", "modified"),), reviews=(review("bob"),)),
        {"code_owners": "pass"},
        "pass",
        pol("controls:\n  code_owners: {mode: enforce}\n"),
    ),
    Scenario(
        "rename moving a file into an owned path needs that owner",
        well_run_pr(files=(ChangedFile("infra/moved.py", "renamed", previous_path="src/moved.py"),)),
        {"code_owners": "fail"},
        "fail",
        pol("controls:\n  code_owners: {mode: enforce}\n"),
        {"code_owners": "infra/moved.py"},
    ),
    Scenario(
        "team owner with unreadable membership",
        well_run_pr(teams=(TeamMembership("acme/devs", observable=False, reason="403 needs read:org"),)),
        {"code_owners": "unobservable"},
        "fail",
        pol("controls:\n  code_owners: {mode: enforce}\n"),
    ),
    Scenario(
        "an owner without write access is ignored",
        well_run_pr(files=INFRA_FILE, permissions={"@carol": "read"}),
        {"code_owners": "pass"},
        "pass",
        pol("controls:\n  code_owners: {mode: enforce}\n"),
    ),
    Scenario(
        "unsupported CODEOWNERS syntax is skipped with a warning",
        well_run_pr(codeowners=SourceFile("CODEOWNERS", "present", "* @acme/devs\n!src/ @carol\n")),
        {"code_owners": "pass"},
        "pass",
        pol("controls:\n  code_owners: {mode: enforce}\n"),
    ),
    Scenario(
        "soc2 requires a CODEOWNERS file",
        well_run_pr(codeowners=SourceFile(".github/CODEOWNERS", "absent")),
        {"code_owners": "fail"},
        "fail",
        SOC2 + "controls:\n  change_ticket: {mode: off}\n"
        "  branch_rules: {mode: off}\n  ledger_protected: {mode: off}\n",
    ),
    Scenario(
        "more than 3000 files: ownership unobservable",
        well_run_pr(files_truncated=True),
        {"code_owners": "unobservable", "tests_with_code": "unobservable", "policy_change": "unobservable"},
        "fail",
        pol("controls:\n  code_owners: {mode: enforce}\n"),
    ),
    # ------------------------------------------------------------------ waivers
    Scenario(
        "a waiver that expired yesterday no longer waives",
        well_run_pr(reviews=()),
        {"peer_review": "fail"},
        "fail",
        pol(
            "waivers:\n  - {control: peer_review, reason: 'solo maintainer week', approved_by: carol, "
            "expires: '2026-11-27'}\n"
        ),
        {"peer_review": "expired on 2026-11-27"},
    ),
    Scenario(
        "a waiver valid through today waives",
        well_run_pr(reviews=()),
        {"peer_review": "waived"},
        "pass",
        pol(
            "waivers:\n  - {control: peer_review, reason: 'solo maintainer week', approved_by: carol, "
            "expires: '2026-11-28'}\n"
        ),
    ),
    Scenario(
        "a waiver scoped to another PR does not apply",
        well_run_pr(reviews=()),
        {"peer_review": "fail"},
        "fail",
        pol(
            "waivers:\n  - {control: peer_review, reason: 'solo maintainer week', approved_by: carol, "
            "expires: '2027-01-01', scope: {prs: [99]}}\n"
        ),
    ),
    # ------------------------------------------------------------------ emergency
    Scenario(
        "emergency label applied by the SRE team passes as emergency",
        well_run_pr(reviews=(), labels=("emergency",), label_events=(labeled("emergency", "sam"),)),
        {"emergency_change": "emergency", "peer_review": "emergency"},
        "emergency",
        EMERGENCY,
    ),
    Scenario(
        "emergency label applied by someone outside the team",
        well_run_pr(reviews=(), labels=("emergency",), label_events=(labeled("emergency", "alice"),)),
        {"emergency_change": "fail", "peer_review": "fail"},
        "fail",
        EMERGENCY,
    ),
    Scenario(
        "emergency label whose applier is unknown",
        well_run_pr(reviews=(), labels=("emergency",)),
        {"emergency_change": "unobservable"},
        "fail",
        EMERGENCY,
    ),
    # ------------------------------------------------------------------ tests, tickets, signatures
    Scenario(
        "source change without tests",
        well_run_pr(files=(ChangedFile("src/basket.py", "modified"),)),
        {"tests_with_code": "fail"},
        "fail",
        STRICT_TESTS,
    ),
    Scenario(
        "exemption label with a justification",
        well_run_pr(files=(ChangedFile("src/basket.py", "modified"),), labels=("no-tests-needed",)),
        {"tests_with_code": "pass"},
        "pass",
        STRICT_TESTS,
    ),
    Scenario(
        "exemption label without a justification section",
        well_run_pr(
            files=(ChangedFile("src/basket.py", "modified"),), labels=("no-tests-needed",), body="just a refactor"
        ),
        {"tests_with_code": "fail"},
        "fail",
        STRICT_TESTS,
        {"tests_with_code": "Testing"},
    ),
    Scenario(
        "docs-only change needs no tests",
        well_run_pr(files=(ChangedFile("README.md", "modified"),)),
        {"tests_with_code": "not_applicable"},
        "pass",
        STRICT_TESTS,
    ),
    Scenario(
        "ticket only in the branch name",
        well_run_pr(title="add the basket total", body=""),
        {"change_ticket": "pass"},
        "pass",
        TICKETS,
    ),
    Scenario(
        "no ticket anywhere",
        well_run_pr(title="add the basket total", body="", head_ref="feature"),
        {"change_ticket": "fail"},
        "fail",
        TICKETS,
    ),
    Scenario(
        "hostile body against a backtracking-prone pattern stays linear",
        well_run_pr(title="x", head_ref="x", body="a" * 60_000 + "!"),
        {"change_ticket": "fail"},
        "fail",
        pol("controls:\n  change_ticket: {mode: enforce, pattern: '(a+)+$'}\n"),
    ),
    Scenario(
        "an unsigned commit",
        well_run_pr(commits=(commit(C1, BASE, verified=False), commit(HEAD, C1))),
        {"signed_commits": "fail"},
        "fail",
        pol("controls:\n  signed_commits: {mode: enforce}\n"),
    ),
    Scenario(
        "signature status unknown",
        well_run_pr(commits=(commit(C1, BASE, verified=None), commit(HEAD, C1))),
        {"signed_commits": "unobservable"},
        "pass",
    ),
    # ------------------------------------------------------------------ branch rules
    Scenario(
        "rulesets lack force-push blocking and classic protection is unreadable",
        well_run_pr(
            branch_rules=replace(well_run_pr().branch_rules, blocks_force_push=False, unreadable=unreadable_classic())
        ),
        {"branch_rules": "unobservable"},
        "fail",
        pol("controls:\n  branch_rules: {mode: enforce}\n"),
    ),
    Scenario(
        "rulesets readable and lacking a rule",
        well_run_pr(branch_rules=replace(well_run_pr().branch_rules, required_approvals=0)),
        {"branch_rules": "fail"},
        "fail",
        pol("controls:\n  branch_rules: {mode: enforce}\n"),
    ),
    Scenario(
        "branch rules in warn mode only warn",
        well_run_pr(branch_rules=replace(well_run_pr().branch_rules, blocks_deletion=False)),
        {"branch_rules": "warn"},
        "pass",
    ),
    Scenario(
        "ledger branch that anyone may push to",
        well_run_pr(ledger_rules=replace(well_run_pr().ledger_rules, restricts_updates=False)),
        {"ledger_protected": "fail"},
        "fail",
        pol("controls:\n  ledger_protected: {mode: enforce}\n"),
    ),
    # ------------------------------------------------------------------ governance, path rules
    Scenario(
        "workflow edited without the platform team",
        well_run_pr(files=(ChangedFile(".github/workflows/ci.yml", "modified"),)),
        {"policy_change": "fail"},
        "fail",
        message_has={"policy_change": "@acme/platform"},
    ),
    Scenario(
        "workflow edited with the platform team's approval",
        well_run_pr(
            files=(ChangedFile(".github/workflows/ci.yml", "modified"),), reviews=(review("bob"), review("pat"))
        ),
        {"policy_change": "pass"},
        "pass",
    ),
    Scenario("infra path rule unmet", well_run_pr(files=INFRA_FILE), {"path_rules": "fail"}, "fail", RULES),
    Scenario(
        "infra path rule met by the SRE team",
        well_run_pr(files=INFRA_FILE, reviews=(review("sam"),)),
        {"path_rules": "pass"},
        "pass",
        RULES,
    ),
    Scenario(
        "path rule without invalidate_on_push counts an older approval",
        well_run_pr(files=INFRA_FILE, reviews=(review("bob"), review("sam", on=C1))),
        {"path_rules": "pass"},
        "pass",
        SRE_STALE_OK,
    ),
    Scenario(
        "path rule with invalidate_on_push needs a fresh approval",
        well_run_pr(files=INFRA_FILE, reviews=(review("bob"), review("sam", on=C1))),
        {"path_rules": "fail"},
        "fail",
        SRE_FRESH,
    ),
    Scenario("path rule not triggered", well_run_pr(), {"path_rules": "pass"}, "pass", RULES),
    # ------------------------------------------------------------------ IaC
    Scenario(
        "a new high-severity IaC finding",
        well_run_pr(iac=IacFacts(True, ("terraform",), (INFRA_FINDING,))),
        {"iac_misconfig": "fail"},
        "fail",
        message_has={"iac_misconfig": "CKV_AWS_20"},
    ),
    Scenario(
        "a new low-severity finding stays below the threshold",
        well_run_pr(iac=IacFacts(True, ("terraform",), (LOW_FINDING,))),
        {"iac_misconfig": "pass"},
        "pass",
    ),
    Scenario(
        "a suppression without a reason",
        well_run_pr(
            iac=IacFacts(
                True,
                ("terraform",),
                suppressions=(IacSuppression("CKV_AWS_20", "infra/s3.tf", "aws_s3_bucket.public", "", 4),),
            )
        ),
        {"iac_misconfig": "fail"},
        "fail",
    ),
    Scenario(
        "the IaC scan could not run",
        well_run_pr(iac=IacFacts(False, errors=("checkov crashed",))),
        {"iac_misconfig": "unobservable"},
        "fail",
    ),
    Scenario(
        "an IaC finding waived for the infra path",
        well_run_pr(
            files=(ChangedFile("infra/s3.tf", "modified"),), iac=IacFacts(True, ("terraform",), (INFRA_FINDING,))
        ),
        {"iac_misconfig": "waived"},
        "pass",
        pol(
            "controls:\n  code_owners: {mode: off}\n  policy_change: {mode: off}\n"
            "waivers:\n  - {control: iac_misconfig, reason: 'public website bucket by design',"
            " approved_by: carol, expires: '2027-06-30', scope: {paths: ['infra/**']}}\n"
        ),
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(scenario: Scenario) -> None:
    if scenario.policy is None:
        policy = policy_for_facts(scenario.facts)
    else:
        policy = load_text(scenario.policy, "scenario.yml")
    evaluation = evaluate(policy, scenario.facts)
    got = {r.control: r.status.value for r in evaluation.results}
    for control, expected in scenario.expect.items():
        assert got.get(control) == expected, (control, got.get(control), evaluation.results)
    assert evaluation.verdict.value == scenario.verdict, evaluation.summary
    for control, fragment in scenario.message_has.items():
        result = next(r for r in evaluation.results if r.control == control)
        assert fragment in result.message + " " + result.remediation


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 40


def test_advisory_mode_does_not_block() -> None:
    facts = with_policy_text(well_run_pr(reviews=()), "version: 1\nmode: advisory\n")
    evaluation = evaluate(policy_for_facts(facts), facts)
    assert evaluation.verdict.value == "fail" and not evaluation.blocking()


def test_well_run_pr_passes_baseline_with_default_token_facts() -> None:
    """Baseline must pass on what GITHUB_TOKEN can read: no team membership, classic protection hidden."""
    facts = well_run_pr(
        teams=(),
        codeowners=SourceFile(".github/CODEOWNERS", "present", "* @acme/devs\n"),
        branch_rules=replace(well_run_pr().branch_rules, unreadable=unreadable_classic()),
        ledger_rules=None,
    )
    evaluation = evaluate(policy_for_facts(facts), facts)
    assert evaluation.verdict.value == "pass", evaluation.summary
    statuses = {r.control: r.status.value for r in evaluation.results}
    assert statuses["code_owners"] == "unobservable"  # reported (warn mode), not blocking
    assert statuses["ledger_protected"] == "unobservable"


def test_alice_is_not_independent_of_her_own_commits() -> None:
    facts = well_run_pr(commits=(commit(C1, BASE, BOB), commit(HEAD, C1, ALICE)), reviews=(review("bob"),))
    evaluation = evaluate(policy_for_facts(facts), facts)
    assert {r.control: r.status.value for r in evaluation.results}["peer_review"] == "fail"
