"""The data model: what was observed (Facts), what was asked (Policy), what was concluded (Evaluation).

Everything is a frozen dataclass with a lossless JSON form (see `serde`). The recorded evidence
holds Facts and Policy, so anyone can re-run `evaluate(policy, facts)` later and must get the same
Evaluation. Times are RFC 3339 strings in UTC (`2026-11-28T10:00:00Z`), never clock reads.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

FACTS_SCHEMA_VERSION = "1"
POLICY_SCHEMA_VERSION = "1"
EVALUATION_SCHEMA_VERSION = "1"

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})
TRUSTED_BOT = "trusted_bot"  # the standing of a reviewer bot the policy trusts (see Review)


class Status(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    WAIVED = "waived"
    EMERGENCY = "emergency"
    PENDING = "pending"
    NOT_APPLICABLE = "not_applicable"
    UNOBSERVABLE = "unobservable"
    ERROR = "error"


class Verdict(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    PENDING = "pending"
    EMERGENCY = "emergency"


class Mode(enum.StrEnum):
    """How a control's failure counts: enforce blocks, warn reports, off skips."""

    ENFORCE = "enforce"
    WARN = "warn"
    OFF = "off"


class PolicyMode(enum.StrEnum):
    """Whole-policy enforcement: advisory reports everything but never blocks a merge."""

    ENFORCE = "enforce"
    ADVISORY = "advisory"


# ----------------------------------------------------------------------------------------- Facts


@dataclass(frozen=True)
class Person:
    """A git identity; `login` is the GitHub account it links to, None when it cannot be linked."""

    name: str
    email: str
    login: str | None = None


@dataclass(frozen=True)
class Commit:
    sha: str
    author: Person
    committer: Person
    parents: tuple[str, ...]
    message: str
    verified: bool | None = None
    verification_reason: str = ""
    co_authors: tuple[Person, ...] = ()
    # True when the collector established that this commit only merges the base branch in
    # ("Update branch"): two parents, the second one reachable from the base branch.
    merges_base: bool = False


@dataclass(frozen=True)
class Review:
    id: int
    reviewer: str
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    commit_id: str
    submitted_at: str
    reviewer_is_bot: bool = False
    author_association: str = "NONE"
    # The reviewer's permission on the repository (admin/maintain/write/triage/read/none), or
    # `trusted_bot` for a bot account (`user.type == "Bot"`) the policy's `trusted_bots` names:
    # an App's bot is no collaborator, the policy's trust stands in for write access. None when
    # it could not be read.
    reviewer_permission: str | None = None
    body: str = ""  # the review's text (github_review_comment_patterns match it)


@dataclass(frozen=True)
class LabelEvent:
    """Who applied (or removed) a label and when: the emergency control needs the actor."""

    label: str
    action: str  # labeled / unlabeled
    actor: str
    created_at: str


@dataclass(frozen=True)
class ChangedFile:
    path: str
    status: str  # added, modified, removed, renamed, copied, changed
    additions: int = 0
    deletions: int = 0
    previous_path: str | None = None


@dataclass(frozen=True)
class Check:
    """A check run or a commit status on the head sha."""

    name: str
    kind: str  # check_run / status
    status: str  # queued / in_progress / completed (statuses: completed or pending)
    conclusion: str | None  # success, failure, neutral, skipped, cancelled, timed_out, action_required, ...
    app: str  # check runs: the app's slug; statuses: the login that posted it
    url: str = ""
    app_id: int | None = None


@dataclass(frozen=True)
class Unobservable:
    """Something the collector could not read, why, and what would make it readable."""

    what: str
    reason: str
    permission_needed: str = ""


@dataclass(frozen=True)
class RequiredCheck:
    """A status check a branch rule requires; `integration_id` pins the GitHub App that must report it."""

    context: str
    integration_id: int | None = None
    source: str = "ruleset"  # ruleset / classic protection


@dataclass(frozen=True)
class BranchRules:
    """The protections in force on a branch, merged from rulesets and classic protection.

    `sources_read` says which of the two were readable; `unreadable` lists the others, so a
    requirement not found in what was read is `unobservable`, not `fail`, when a source was hidden.
    """

    branch: str
    sources_read: tuple[str, ...] = ()
    unreadable: tuple[Unobservable, ...] = ()
    requires_pull_request: bool = False
    required_approvals: int = 0
    requires_code_owner_review: bool = False
    dismisses_stale_reviews: bool = False
    required_status_checks: tuple[str, ...] = ()
    blocks_force_push: bool = False
    blocks_deletion: bool = False
    restricts_updates: bool = False
    # The required checks with the app each is pinned to (what the `required_checks` control
    # enforces besides the policy's own list; empty in Facts recorded before it was collected).
    required_checks: tuple[RequiredCheck, ...] = ()


@dataclass(frozen=True)
class TeamMembership:
    team: str  # org/slug
    members: tuple[str, ...] = ()
    observable: bool = True
    reason: str = ""


@dataclass(frozen=True)
class SourceFile:
    """A file read from the base commit through the API (never from the PR's workspace)."""

    path: str
    state: str  # present / absent / unreadable
    content: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class PolicySource:
    """The policy file at the base commit, and at the head when the PR changes it.

    `extends` holds the text of every `owner/repo:path@ref` the policy extends, fetched by the
    collector, so resolving the effective policy needs no I/O.
    """

    base: SourceFile
    head: SourceFile | None = None
    extends: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IacFinding:
    check_id: str
    check_name: str
    severity: str  # critical / high / medium / low / info / unknown
    framework: str
    file: str
    line_start: int
    line_end: int
    resource: str
    guideline: str = ""


@dataclass(frozen=True)
class IacSuppression:
    check_id: str
    file: str
    resource: str
    reason: str
    line: int = 0


@dataclass(frozen=True)
class IacFacts:
    """What the PR changed in infrastructure-as-code: findings at head minus findings at base."""

    scanned: bool
    frameworks: tuple[str, ...] = ()
    introduced: tuple[IacFinding, ...] = ()
    resolved: tuple[IacFinding, ...] = ()
    suppressions: tuple[IacSuppression, ...] = ()
    errors: tuple[str, ...] = ()
    sarif_sha256: str = ""
    changed_iac_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class MergeInfo:
    merged: bool = False
    merged_at: str | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None


@dataclass(frozen=True)
class IssueComment:
    """A comment on the PR's conversation (comment approvals of the approval policy read these)."""

    id: int
    author: str
    body: str
    created_at: str
    edited: bool = False  # updated_at later than created_at
    author_is_bot: bool = False


@dataclass(frozen=True)
class WorkflowRun:
    """A GitHub Actions run for the head sha (has_workflow_result, and the push-time bound)."""

    id: int
    path: str  # .github/workflows/build.yml
    event: str
    status: str
    conclusion: str | None
    head_sha: str
    created_at: str


@dataclass(frozen=True)
class OrgMembership:
    """Members of an organization: the whole list, or (`complete` false) the logins checked one by one."""

    org: str
    members: tuple[str, ...] = ()
    observable: bool = True
    reason: str = ""
    complete: bool = True  # False: only `members` and `non_members` are known
    non_members: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommitSignature:
    """A commit's signature as GitHub's GraphQL API describes it (REST has no signer or key id)."""

    sha: str
    kind: str  # GpgSignature / SshSignature / SmimeSignature / UnknownSignature; "" when unsigned
    is_valid: bool = False
    signer: str | None = None  # the login GitHub attributes the signature to
    key_id: str | None = None  # GPG signatures only


@dataclass(frozen=True)
class ApprovalFacts:
    """What only the approval policy needs: comments, the head's push time, workflow runs, orgs.

    `head_pushed_at` is the earliest server-stamped event for the head sha in the base repository
    (`activity`, else the first workflow run's created_at); None when neither was readable, and
    then comment approvals bound to the head are unobservable. Never the committer date.
    """

    comments: tuple[IssueComment, ...] = ()
    comments_observed: bool = False
    head_pushed_at: str | None = None
    head_pushed_source: str = ""  # activity / workflow_run / ""
    workflow_runs: tuple[WorkflowRun, ...] = ()
    workflow_runs_observed: bool = False
    organizations: tuple[OrgMembership, ...] = ()
    pr_created_at: str = ""
    requested_reviewers: tuple[str, ...] = ()
    requested_teams: tuple[str, ...] = ()
    # Candidate reviewers per permission for request_review (login -> permission), when read.
    collaborators: dict[str, str] = field(default_factory=dict)
    # Read only when a rule uses has_valid_signatures_by or has_valid_signatures_by_keys.
    signatures: tuple[CommitSignature, ...] = ()
    signatures_observed: bool = False


@dataclass(frozen=True)
class Facts:
    """One immutable snapshot of a pull request and its surroundings."""

    repository: str
    number: int
    title: str
    head_sha: str
    base_sha: str
    observed_at: str
    author: str
    body: str = ""
    author_is_bot: bool = False
    draft: bool = False
    labels: tuple[str, ...] = ()
    base_ref: str = ""
    head_ref: str = ""
    head_repository: str = ""
    merge: MergeInfo = field(default_factory=MergeInfo)
    commits: tuple[Commit, ...] = ()
    commits_truncated: bool = False
    reviews: tuple[Review, ...] = ()
    label_events: tuple[LabelEvent, ...] = ()
    files: tuple[ChangedFile, ...] = ()
    files_truncated: bool = False
    checks: tuple[Check, ...] = ()
    codeowners: SourceFile | None = None
    branch_rules: BranchRules | None = None
    ledger_rules: BranchRules | None = None
    teams: tuple[TeamMembership, ...] = ()
    # Permission on the repository of users and teams ("@org/slug") that policy rules name.
    permissions: dict[str, str] = field(default_factory=dict)
    iac: IacFacts | None = None
    policy: PolicySource | None = None
    unobservable: tuple[Unobservable, ...] = ()
    approval: ApprovalFacts | None = None
    schema_version: str = FACTS_SCHEMA_VERSION


# ---------------------------------------------------------------------------------------- Policy


@dataclass(frozen=True)
class ControlSettings:
    mode: Mode
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleCondition:
    """policy-bot style `if:`; every condition given must hold (empty = always)."""

    changed_files: tuple[str, ...] = ()
    ignore_files: tuple[str, ...] = ()
    author_users: tuple[str, ...] = ()
    author_teams: tuple[str, ...] = ()
    has_labels: tuple[str, ...] = ()  # any of them
    target_branches: tuple[str, ...] = ()  # globs on the base ref


@dataclass(frozen=True)
class RuleRequirement:
    count: int = 1
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    code_owners: bool = False


@dataclass(frozen=True)
class PathRule:
    name: str
    condition: RuleCondition
    requires: RuleRequirement
    invalidate_on_push: bool = False


@dataclass(frozen=True)
class ApprovalRuleSpec:
    """One policy-bot approval rule as written (validated); `checker.approval_policy` evaluates it."""

    name: str
    description: str = ""
    predicates: dict[str, Any] = field(default_factory=dict)  # `if:`
    requires: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ApprovalPolicySpec:
    """policy-bot's `policy:` (approval tree, disapproval) and `approval_rules:`, as written.

    `approval` is the tree: rule names and `{and: [...]}` / `{or: [...]}` (the list is an `and`).
    """

    approval: tuple[Any, ...] = ()
    disapproval: dict[str, Any] | None = None
    rules: tuple[ApprovalRuleSpec, ...] = ()


@dataclass(frozen=True)
class WaiverScope:
    prs: tuple[int, ...] = ()
    paths: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()


@dataclass(frozen=True)
class Waiver:
    control: str
    reason: str
    approved_by: str
    expires: str  # YYYY-MM-DD, inclusive (the waiver holds through that UTC day)
    scope: WaiverScope = field(default_factory=WaiverScope)


@dataclass(frozen=True)
class PolicyIssue:
    """Why a policy could not be used (kept in the Policy so the verdict can say it)."""

    message: str
    location: str = ""
    fix: str = ""


@dataclass(frozen=True)
class Policy:
    """The effective policy after profiles, `extends` and overrides have been applied."""

    mode: PolicyMode
    controls: dict[str, ControlSettings]
    rules: tuple[PathRule, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    trusted_bots: tuple[str, ...] = ()
    source: str = ""  # e.g. ".github/changeproof.yml@<base sha>" or "profile:baseline"
    extends: tuple[str, ...] = ()  # the chain that was applied, outermost first
    invalid: tuple[PolicyIssue, ...] = ()  # non-empty: the base policy is broken
    notes: tuple[str, ...] = ()  # why this policy was chosen (e.g. repair of a broken base policy)
    approval_policy: ApprovalPolicySpec | None = None
    schema_version: str = POLICY_SCHEMA_VERSION


# ------------------------------------------------------------------------------------ Evaluation


@dataclass(frozen=True)
class Location:
    path: str
    start_line: int = 0
    end_line: int = 0
    title: str = ""


@dataclass(frozen=True)
class ControlResult:
    control: str
    title: str
    status: Status
    mode: Mode
    message: str
    remediation: str = ""
    observed: dict[str, Any] = field(default_factory=dict)
    locations: tuple[Location, ...] = ()
    waiver: Waiver | None = None


@dataclass(frozen=True)
class Evaluation:
    repository: str
    number: int
    head_sha: str
    base_sha: str
    evaluated_at: str
    policy_mode: PolicyMode
    verdict: Verdict
    results: tuple[ControlResult, ...]
    facts_digest: str
    policy_digest: str
    tool_version: str
    summary: str = ""
    schema_version: str = EVALUATION_SCHEMA_VERSION

    def blocking(self) -> bool:
        """True when the merge should be blocked: enforce mode and a verdict that is not passing."""
        return self.policy_mode is PolicyMode.ENFORCE and self.verdict in (Verdict.FAIL, Verdict.PENDING)


# ----------------------------------------------------------------------------------- Deployments


@dataclass(frozen=True)
class DeploymentScope:
    """The environments a policy's `deployments:` section puts in scope, and where it says so."""

    file: str
    environments: tuple[str, ...] = ()
    line: int = 0
    column: int = 0
