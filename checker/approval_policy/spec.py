"""The approval policy as typed values, parsed from a schema-validated policy section.

Defaults are changeproof's, which are stricter than policy-bot's where independence is at
stake: `invalidate_on_push` is true, approvers need write access, and co-authors count as
contributors. `relaxations()` names every option of a rule that weakens those defaults.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from checker.model import ApprovalPolicySpec, ApprovalRuleSpec

# policy-bot evaluates predicates in this order (policy/predicate/predicates.go) and reports the
# first one that does not hold.
PREDICATE_ORDER = (
    "changed_files",
    "no_changed_files",
    "only_changed_files",
    "has_author_in",
    "has_contributor_in",
    "only_has_contributors_in",
    "author_is_only_contributor",
    "targets_branch",
    "from_branch",
    "modified_lines",
    "has_status",
    "has_successful_status",
    "has_workflow_result",
    "has_labels",
    "repository",
    "title",
    "has_valid_signatures",
    "has_valid_signatures_by",
    "has_valid_signatures_by_keys",
)
# policy-bot's parse depth limit (policy/approval/parse.go: depth > 10 fails).
MAX_DEPTH = 10
DEFAULT_COMMENTS = (":+1:", "\U0001f44d")
DEFAULT_DISAPPROVE_COMMENTS = (":-1:", "\U0001f44e")
PERMISSION_RANK = {"none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}


@dataclass(frozen=True)
class Actors:
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()

    def empty(self) -> bool:
        return not (self.users or self.teams or self.organizations or self.permissions)

    def describe(self) -> str:
        parts = [f"@{u}" for u in self.users]
        parts += [f"@{t}" for t in self.teams]
        parts += [f"members of {o}" for o in self.organizations]
        parts += [f"users with {p} permission" for p in self.permissions]
        return ", ".join(parts) or "no one"


@dataclass(frozen=True)
class Methods:
    comments: tuple[str, ...] = ()
    comment_patterns: tuple[str, ...] = ()
    github_review: bool = True
    github_review_comment_patterns: tuple[str, ...] = ()
    body_patterns: tuple[str, ...] = ()

    def uses_comments(self) -> bool:
        return bool(self.comments or self.comment_patterns)

    def uses_reviews(self) -> bool:
        return self.github_review or bool(self.github_review_comment_patterns)


@dataclass(frozen=True)
class RequestReview:
    enabled: bool = False
    mode: str = "random-users"
    count: int = 0


@dataclass(frozen=True)
class Options:
    allow_author: bool = False
    allow_contributor: bool = False
    allow_non_author_contributor: bool = False
    invalidate_on_push: bool = True
    ignore_edited_comments: bool = False
    ignore_update_merges: bool = True
    ignore_commits_by: Actors = field(default_factory=Actors)
    request_review: RequestReview = field(default_factory=RequestReview)
    methods: Methods = field(default_factory=Methods)
    require_write_access: bool = True
    count_co_authors: bool = True


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    predicates: tuple[tuple[str, Any], ...]
    count: int
    actors: Actors
    code_owners: bool
    conditions: tuple[tuple[str, Any], ...]
    options: Options


@dataclass(frozen=True)
class Disapproval:
    predicates: tuple[tuple[str, Any], ...] = ()
    actors: Actors = field(default_factory=Actors)
    disapprove: Methods = field(default_factory=lambda: Methods(comments=DEFAULT_DISAPPROVE_COMMENTS))
    revoke: Methods = field(default_factory=lambda: Methods(comments=DEFAULT_COMMENTS))


# A node of the approval tree: a rule name, or ("and" | "or", children).
Node = str | tuple[str, tuple["Node", ...]]


@dataclass(frozen=True)
class ApprovalPolicy:
    tree: tuple[Node, ...]  # an implicit `and`
    rules: dict[str, Rule]
    disapproval: Disapproval


def actors(raw: dict[str, Any] | None) -> Actors:
    raw = raw or {}
    permissions = list(raw.get("permissions") or ())
    if raw.get("admins"):
        permissions.append("admin")
    if raw.get("write_collaborators"):
        permissions.append("write")
    return Actors(
        users=tuple(raw.get("users") or ()),
        teams=tuple(str(t).lstrip("@") for t in raw.get("teams") or ()),
        organizations=tuple(raw.get("organizations") or ()),
        permissions=tuple(dict.fromkeys(permissions)),
    )


def methods(
    raw: dict[str, Any] | None, *, default_comments: tuple[str, ...] = DEFAULT_COMMENTS, default_review: bool = True
) -> Methods:
    """policy-bot's GetMethods: unset `comments` means the default emoji, unset review means true.

    (Disapproval's `disapprove` / `revoke` blocks, when given, are used as written: no defaults.)
    """
    raw = raw or {}
    comments = raw.get("comments")
    return Methods(
        comments=default_comments if comments is None else tuple(comments),
        comment_patterns=tuple(raw.get("comment_patterns") or ()),
        github_review=bool(raw.get("github_review", default_review)),
        github_review_comment_patterns=tuple(raw.get("github_review_comment_patterns") or ()),
        body_patterns=tuple(raw.get("body_patterns") or ()),
    )


def predicates(raw: dict[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    raw = raw or {}
    return tuple((name, raw[name]) for name in PREDICATE_ORDER if name in raw)


def options(raw: dict[str, Any] | None) -> Options:
    raw = raw or {}
    request = raw.get("request_review") or {}
    return Options(
        allow_author=bool(raw.get("allow_author", False)),
        allow_contributor=bool(raw.get("allow_contributor", False)),
        allow_non_author_contributor=bool(raw.get("allow_non_author_contributor", False)),
        invalidate_on_push=bool(raw.get("invalidate_on_push", True)),
        ignore_edited_comments=bool(raw.get("ignore_edited_comments", False)),
        ignore_update_merges=bool(raw.get("ignore_update_merges", True)),
        ignore_commits_by=actors(raw.get("ignore_commits_by")),
        request_review=RequestReview(
            enabled=bool(request.get("enabled", False)),
            mode=str(request.get("mode") or "random-users"),
            count=int(request.get("count") or 0),
        ),
        methods=methods(raw.get("methods")),
        require_write_access=bool(raw.get("require_write_access", True)),
        count_co_authors=bool(raw.get("count_co_authors", True)),
    )


def rule(spec: ApprovalRuleSpec) -> Rule:
    req = spec.requires
    return Rule(
        name=spec.name,
        description=spec.description,
        predicates=predicates(spec.predicates),
        count=int(req.get("count") or 0),
        actors=actors(req),
        code_owners=bool(req.get("code_owners", False)),
        conditions=predicates(req.get("conditions")),
        options=options(spec.options),
    )


def _node(raw: Any) -> Node:
    if isinstance(raw, str):
        return raw
    ((op, children),) = raw.items()
    return (str(op), tuple(_node(c) for c in children))


def build(spec: ApprovalPolicySpec) -> ApprovalPolicy:
    raw_dis = spec.disapproval or {}
    dis_methods = (raw_dis.get("options") or {}).get("methods") or {}
    disapproval = Disapproval(
        predicates=predicates(raw_dis.get("if")),
        actors=actors(raw_dis.get("requires")),
        disapprove=methods(dis_methods["disapprove"], default_comments=(), default_review=False)
        if dis_methods.get("disapprove") is not None
        else Methods(comments=DEFAULT_DISAPPROVE_COMMENTS),
        revoke=methods(dis_methods["revoke"], default_comments=(), default_review=False)
        if dis_methods.get("revoke") is not None
        else Methods(comments=DEFAULT_COMMENTS),
    )
    return ApprovalPolicy(
        tree=tuple(_node(n) for n in spec.approval),
        rules={r.name: rule(r) for r in spec.rules},
        disapproval=disapproval,
    )


def from_raw(section: dict[str, Any]) -> ApprovalPolicySpec:
    """The model form of a validated `approval_policy:` section."""
    policy = section.get("policy") or {}
    return ApprovalPolicySpec(
        approval=tuple(policy.get("approval") or ()),
        disapproval=policy.get("disapproval"),
        rules=tuple(
            ApprovalRuleSpec(
                name=r["name"],
                description=r.get("description", ""),
                predicates=dict(r.get("if") or {}),
                requires=dict(r.get("requires") or {}),
                options=dict(r.get("options") or {}),
            )
            for r in section.get("approval_rules") or ()
        ),
    )


def relaxations(options_raw: dict[str, Any]) -> list[str]:
    """The options of one rule that weaken changeproof's independence defaults, in words."""
    out = []
    if options_raw.get("invalidate_on_push") is False:
        out.append("invalidate_on_push: false (approvals given before the latest push count)")
    if options_raw.get("allow_author"):
        out.append("allow_author (the PR author may approve)")
    if options_raw.get("allow_contributor"):
        out.append("allow_contributor (committers, including the author, may approve)")
    if options_raw.get("allow_non_author_contributor"):
        out.append("allow_non_author_contributor (committers other than the author may approve)")
    if options_raw.get("require_write_access") is False:
        out.append("require_write_access: false (approvers without write access count)")
    if options_raw.get("count_co_authors") is False:
        out.append("count_co_authors: false (Co-authored-by trailers do not make contributors)")
    if (options_raw.get("ignore_commits_by") or {}) != {}:
        out.append("ignore_commits_by (some committers do not count as contributors)")
    return out


def walk_patterns(section: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every RE2 pattern in a raw section with its path below `approval_policy` (any shape: the
    section may not have passed the schema yet)."""

    def mapping(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    def items(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    def preds(path: tuple[str | int, ...], raw: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
        raw = mapping(raw)
        for key in ("changed_files", "no_changed_files", "only_changed_files"):
            for list_key in ("paths", "ignore"):
                for i, p in enumerate(items(mapping(raw.get(key)).get(list_key))):
                    yield (*path, key, list_key, i), p
        for key in ("targets_branch", "from_branch"):
            if "pattern" in mapping(raw.get(key)):
                yield (*path, key, "pattern"), raw[key]["pattern"]
        for key in ("repository", "title"):
            for list_key in ("matches", "not_matches"):
                for i, p in enumerate(items(mapping(raw.get(key)).get(list_key))):
                    yield (*path, key, list_key, i), p

    def meth(path: tuple[str | int, ...], raw: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
        raw = mapping(raw)
        for key in ("comment_patterns", "github_review_comment_patterns", "body_patterns"):
            for i, p in enumerate(items(raw.get(key))):
                yield (*path, key, i), p

    for i, r in enumerate(items(section.get("approval_rules"))):
        r = mapping(r)
        yield from preds(("approval_rules", i, "if"), r.get("if"))
        yield from preds(("approval_rules", i, "requires", "conditions"), mapping(r.get("requires")).get("conditions"))
        yield from meth(("approval_rules", i, "options", "methods"), mapping(r.get("options")).get("methods"))
    dis = mapping(mapping(section.get("policy")).get("disapproval"))
    yield from preds(("policy", "disapproval", "if"), dis.get("if"))
    for kind in ("disapprove", "revoke"):
        yield from meth(
            ("policy", "disapproval", "options", "methods", kind),
            mapping(mapping(mapping(dis.get("options")).get("methods")).get(kind)),
        )
