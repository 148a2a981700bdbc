"""policy-bot's predicates (`if:` and `requires.conditions`), as pure functions of the Facts.

Each follows policy/predicate/*.go at `checker.approval_policy.REFERENCE`; the result is
satisfied (True), not satisfied (False) or `None` when the Facts cannot tell (fail closed: the
caller reports the rule unobservable, never skipped or approved). Every pattern is RE2 and is
searched, not anchored, as Go's `MatchString` does. Where changeproof is stricter it says so:
a rename counts under both its old and its new path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import re2

from checker.approval_policy.spec import PERMISSION_RANK, Actors, actors
from checker.defaults import PLATFORM_COMMITTERS
from checker.model import Commit, Facts, Person
from checker.patterns import MAX_TEXT_LENGTH, compile_regex, regex_options

if TYPE_CHECKING:  # the controls package imports this one; at run time a Context is only passed in
    from checker.controls.context import Context


@dataclass(frozen=True)
class PredicateResult:
    name: str
    satisfied: bool | None
    description: str


def matches_any(patterns: Iterable[str], text: str) -> bool:
    """Whether any RE2 pattern matches somewhere in `text` (Go's MatchString), in one pass."""
    patterns = tuple(patterns)
    if not patterns:
        return False
    return _found(_alternation(patterns), text[:MAX_TEXT_LENGTH])


@lru_cache(maxsize=512)
def _alternation(patterns: tuple[str, ...]) -> Any:
    """One RE2 program for a list of (individually validated) patterns."""
    for p in patterns:
        compile_regex(p)  # each one must be valid on its own (and short enough)
    if len(patterns) == 1:
        return compile_regex(patterns[0])
    return re2.compile("|".join(f"(?:{p})" for p in patterns), options=regex_options())


_UNANCHORED = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)


def _found(compiled: Any, text: str) -> bool:
    """A search without building match objects: thousands of paths per PR make the wrapper's
    per-call overhead the cost (google-re2's own `search` decodes offsets we never use)."""
    raw = getattr(compiled, "_regexp", None)
    if raw is None or _UNANCHORED is None:
        return compiled.search(text) is not None
    data = text.encode("utf-8", "surrogatepass")
    return bool(raw.Match(_UNANCHORED, data, 0, len(data))[0] != (-1, -1))


class PullView:
    """The PR as policy-bot's `pull.Context` sees it, computed from the Facts (memoised)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.facts: Facts = ctx.facts
        self._actor_memo: dict[tuple[Actors, str], bool | None] = {}
        self.memo: dict[tuple[Any, ...], Any] = {}  # per-evaluation results shared by rules (candidates)

    # ------------------------------------------------------------------ people
    def permission(self, login: str) -> str | None:
        """The login's permission on the repository, from any fact that carries it."""
        key = login.lower()
        for review in self.facts.reviews:
            if review.reviewer.lower() == key and review.reviewer_permission is not None:
                return review.reviewer_permission
        found = self.facts.permissions.get(f"@{key}")
        if found is None and self.facts.approval is not None:
            found = self.facts.approval.collaborators.get(key)
        return found

    def org_members(self, org: str) -> frozenset[str] | None:
        """The known members of `org` (for review requests); None when membership was not read."""
        approval = self.facts.approval
        for membership in approval.organizations if approval else ():
            if membership.org.lower() == org.lower():
                return frozenset(m.lower() for m in membership.members) if membership.observable else None
        return None

    def in_org(self, org: str, login: str) -> bool | None:
        approval = self.facts.approval
        key = login.lower()
        for m in approval.organizations if approval else ():
            if m.org.lower() != org.lower():
                continue
            if not m.observable:
                return None
            if key in {x.lower() for x in m.members}:
                return True
            if m.complete or key in {x.lower() for x in m.non_members}:
                return False
            return None
        return None

    def is_actor(self, who: Actors, login: str) -> bool | None:
        """policy-bot's Actors.IsActor; None when a membership or permission needed cannot be read."""
        memo = (who, login.lower())
        if memo not in self._actor_memo:
            self._actor_memo[memo] = self._is_actor(who, login)
        return self._actor_memo[memo]

    def _is_actor(self, who: Actors, login: str) -> bool | None:
        key = login.lower()
        if key in {u.lower() for u in who.users}:
            return True
        unknown = False
        for team in who.teams:
            members = self.ctx.team_members(team)
            if members is None:
                unknown = True
            elif key in members:
                return True
        for org in who.organizations:
            member = self.in_org(org, login)
            if member is None:
                unknown = True
            elif member:
                return True
        if who.permissions:
            permission = self.permission(login)
            if permission is None:
                unknown = True
            elif permission != "none" and any(
                PERMISSION_RANK.get(permission, 0) >= PERMISSION_RANK[p] for p in who.permissions
            ):
                return True
        return None if unknown else False

    @staticmethod
    def commit_users(commit: Commit) -> tuple[str | None, ...]:
        """policy-bot's Commit.Users(): author and committer logins (None: not linked to an account)."""
        out: list[str | None] = []
        for person in (commit.author, commit.committer):
            if person.login and person.login.lower() in PLATFORM_COMMITTERS:
                continue
            out.append(person.login)
        return tuple(out)

    @cached_property
    def contributors(self) -> tuple[set[str], bool]:
        """Author plus every commit's author and committer; True when some identity is unlinked."""
        users = {self.facts.author}
        unlinked = self.facts.commits_truncated
        for commit in self.facts.commits:
            for login in self.commit_users(commit):
                if login is None:
                    unlinked = True
                else:
                    users.add(login)
        return users, unlinked

    # ------------------------------------------------------------------ the PR
    @cached_property
    def paths(self) -> tuple[tuple[str, ...], ...]:
        """Per changed file the paths it touches (old and new for a rename)."""
        return tuple((f.path,) + ((f.previous_path,) if f.previous_path else ()) for f in self.facts.files)

    @cached_property
    def statuses(self) -> dict[str, str]:
        """policy-bot's LatestStatuses: commit statuses by context, then check runs by name."""
        out: dict[str, str] = {}
        for check in self.facts.checks:
            if check.kind == "status":
                out[check.name] = check.conclusion or "pending"
        seen: set[str] = set()
        for check in self.facts.checks:
            if check.kind == "check_run" and check.name not in seen:
                seen.add(check.name)
                out[check.name] = check.conclusion or ""
        return out

    @cached_property
    def workflow_conclusions(self) -> dict[str, list[str]] | None:
        """policy-bot's LatestWorkflowRuns: per workflow path, the latest completed run per event."""
        approval = self.facts.approval
        if approval is None or not approval.workflow_runs_observed:
            return None
        latest: dict[tuple[str, str], Any] = {}
        for run in sorted(approval.workflow_runs, key=lambda r: (r.created_at, r.id)):
            if run.status == "completed" and run.head_sha == self.facts.head_sha:
                latest[(run.path, run.event)] = run
        out: dict[str, list[str]] = {}
        for (path, _event), run in sorted(latest.items()):
            out.setdefault(path, []).append(run.conclusion or "")
        return out

    def source_branch(self) -> str:
        facts = self.facts
        if facts.head_repository and facts.head_repository.lower() != facts.repository.lower():
            return f"{facts.head_repository.split('/')[0]}:{facts.head_ref}"
        return facts.head_ref


# ---------------------------------------------------------------------------- the predicates

Evaluator = Callable[[PullView, Any], tuple[bool | None, str]]


def _changed_files(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    paths, ignore = tuple(cfg.get("paths") or ()), tuple(cfg.get("ignore") or ())
    wanted = _alternation(paths) if paths else None
    ignored = _alternation(ignore) if ignore else None
    for touched in view.paths:
        for path in touched:
            if ignored is not None and _found(ignored, path):
                continue
            if wanted is not None and _found(wanted, path):
                return True, f"{path} was changed"
    if view.facts.files_truncated:
        return None, "the PR lists more files than the API returns (3000), so not every file could be matched"
    return False, "No changed files match the required patterns"


def _no_changed_files(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    satisfied, desc = _changed_files(view, cfg)
    if satisfied is None:
        return None, desc
    return (not satisfied), ("No changed files match the specified patterns" if not satisfied else desc)


def _only_changed_files(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    paths = tuple(cfg.get("paths") or ())
    wanted = _alternation(paths) if paths else None
    for touched in view.paths:
        for path in touched:
            if wanted is None or not _found(wanted, path):
                return False, f"A changed file does not match the required pattern: {path}"
    if view.facts.files_truncated:
        return None, "the PR lists more files than the API returns (3000), so not every file could be matched"
    if not view.paths:
        return False, "No files changed"
    return True, "every changed file matches"


def _has_author_in(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    author = view.facts.author
    member = view.is_actor(actors(cfg), author)
    if member is None:
        return None, f"whether the author {author} is a member cannot be read (team or organization membership)"
    if not member:
        return False, f"The pull request author {author!r} does not meet the required membership conditions"
    return True, f"the author {author} meets the membership conditions"


def _contributor_in(view: PullView, cfg: Any, *, every: bool) -> tuple[bool | None, str]:
    users, unlinked = view.contributors
    who = actors(cfg)
    unknown = unlinked
    for user in sorted(users, key=str.lower):
        member = view.is_actor(who, user)
        if member is None:
            unknown = True
        elif every and not member:
            return False, f"Contributor {user!r} does not meet the required membership conditions"
        elif not every and member:
            return True, f"contributor {user} meets the membership conditions"
    if unknown:
        return None, (
            "some contributors cannot be identified (a commit not linked to a GitHub account, more commits than "
            "the API lists) or their membership cannot be read"
        )
    if every:
        return True, "every contributor meets the membership conditions"
    return False, "No contributors meet the required membership conditions"


def _has_contributor_in(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    return _contributor_in(view, cfg, every=False)


def _only_has_contributors_in(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    return _contributor_in(view, cfg, every=True)


def _via_web(person: Person) -> bool:
    return bool(person.login and person.login.lower() in PLATFORM_COMMITTERS)


def _author_is_only_contributor(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    author = view.facts.author.lower()
    wanted = bool(cfg)
    unknown = view.facts.commits_truncated
    for c in view.facts.commits:
        committer = "" if _via_web(c.committer) else c.committer.login
        if c.author.login is None or committer is None:
            unknown = True
            continue
        other = c.author.login.lower() != author or (committer != "" and committer.lower() != author)
        if other:
            if wanted:
                return False, f"Commit {c.sha[:10]} was authored or committed by a different user"
            return True, f"commit {c.sha[:10]} was authored or committed by another user"
    if unknown:
        return None, "a commit is not linked to a GitHub account (or not every commit is listed)"
    if wanted:
        return True, "the author made every commit"
    return False, f"All commits were authored and committed by {view.facts.author}"


def _targets_branch(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    branch = view.facts.base_ref
    if matches_any((cfg["pattern"],), branch):
        return True, f"target branch {branch!r} matches"
    return False, f"Target branch {branch!r} does not match required pattern {cfg['pattern']!r}"


def _from_branch(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    branch = view.source_branch()
    if matches_any((cfg["pattern"],), branch):
        return True, f"source branch {branch!r} matches"
    return False, f"Source branch {branch!r} does not match specified from_branch pattern {cfg['pattern']!r}"


def parse_comparison(text: str) -> tuple[str, int]:
    text = text.strip()
    return text[0], int(text[1:].strip())


def _compare(expr: str, n: int) -> bool:
    op, value = parse_comparison(expr)
    return {"<": n < value, ">": n > value, "=": n == value}[op]


def _modified_lines(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    additions = sum(f.additions for f in view.facts.files)
    deletions = sum(f.deletions for f in view.facts.files)
    for key, n in (("additions", additions), ("deletions", deletions), ("total", additions + deletions)):
        if cfg.get(key) and _compare(cfg[key], n):
            return True, f"{key} {n} {cfg[key].strip()}"
    if view.facts.files_truncated:
        return None, "not every file is listed, so the modified lines are a lower bound"
    return False, f"+{additions} -{deletions} meet none of the modification conditions"


def _has_status(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    wanted = tuple(cfg.get("statuses") or ())
    conclusions = tuple(cfg.get("conclusions") or ("success",))
    statuses = view.statuses
    missing = [s for s in wanted if s not in statuses]
    if missing:
        return False, "One or more statuses is missing: " + ", ".join(missing)
    failing = [s for s in wanted if statuses[s] not in conclusions]
    if failing:
        return False, f"One or more statuses has not concluded with {' or '.join(conclusions)}: {','.join(failing)}"
    return True, "every status concluded with " + " or ".join(conclusions)


def _has_successful_status(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    return _has_status(view, {"statuses": list(cfg)})


def _has_workflow_result(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    runs = view.workflow_conclusions
    if runs is None:
        return None, "the head commit's workflow runs could not be read (needs actions: read)"
    wanted = tuple(cfg.get("workflows") or ())
    conclusions = tuple(cfg.get("conclusions") or ("success",))
    missing = [w for w in wanted if w not in runs]
    if missing:
        return False, "One or more workflow runs are missing: " + ", ".join(missing)
    failing = [w for w in wanted if any(c not in conclusions for c in runs[w])]
    if failing:
        return False, (
            f"One or more workflow runs have not concluded with {' or '.join(conclusions)}: {','.join(failing)}"
        )
    return True, "every workflow concluded with " + " or ".join(conclusions)


def _has_labels(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    labels = {label.lower() for label in view.facts.labels}
    for required in cfg:
        if str(required).lower() not in labels:
            return False, f"Missing label: {required}"
    return True, "every label is applied"


def _matches(cfg: Any, text: str, what: str) -> tuple[bool | None, str]:
    """policy-bot's title / repository: any `matches` pattern matches, or no `not_matches` one does."""
    if cfg.get("matches") and matches_any(cfg["matches"], text):
        return True, f"{what} matches a Match pattern"
    if cfg.get("not_matches") and not matches_any(cfg["not_matches"], text):
        return True, f"{what} doesn't match a NotMatch pattern"
    return False, f"{what} does not meet the match conditions"


def _repository(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    return _matches(cfg, view.facts.repository, "Repository")


def _title(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    return _matches(cfg, view.facts.title, "PR Title")


def _first_invalid(view: PullView) -> tuple[bool | None, str]:
    """(False, why) at the first commit without a verified signature; (None, why) if unknown; else True."""
    unknown = ""
    for c in view.facts.commits:
        if c.verified is False:
            return False, f"Commit {c.sha[:10]} does not have a valid signature ({c.verification_reason or 'unsigned'})"
        if c.verified is None:
            unknown = unknown or f"the signature of commit {c.sha[:10]} could not be read"
    if view.facts.commits_truncated:
        unknown = unknown or "the PR has more commits than the API lists"
    if unknown:
        return None, unknown
    return True, "every commit has a valid signature"


def _has_valid_signatures(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    valid, desc = _first_invalid(view)
    if valid is None:
        return None, desc
    if bool(cfg):
        return valid, desc
    return (not valid), ("All commits are signed and have valid signatures" if valid else desc)


def _graphql_signatures(view: PullView) -> tuple[bool | None, str, dict[str, Any]]:
    """(valid, why, sha -> CommitSignature): REST validity first, then GraphQL's signer and key."""
    valid, desc = _first_invalid(view)
    if valid is not True:
        return valid, desc, {}
    approval = view.facts.approval
    if approval is None or not approval.signatures_observed:
        return None, "the signer and key id of a commit signature (GitHub GraphQL) could not be read", {}
    found = {s.sha: s for s in approval.signatures}
    missing = [c.sha for c in view.facts.commits if c.sha not in found]
    if missing:
        return None, f"GitHub's GraphQL API did not list the signature of commit {missing[0][:10]}", {}
    return True, "", found


def _has_valid_signatures_by(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    valid, desc, found = _graphql_signatures(view)
    if valid is not True:
        return valid, desc
    who = actors(cfg)
    unknown = ""
    for signer in sorted({found[c.sha].signer or "" for c in view.facts.commits}):
        member = view.is_actor(who, signer) if signer else False
        if member is None:
            unknown = unknown or f"whether signer {signer} meets the membership conditions cannot be read"
        elif not member:
            return False, f"Contributor {signer!r} does not meet the required membership conditions for signing"
    if unknown:
        return None, unknown
    return True, "every commit is signed by a user who meets the membership conditions"


def _has_valid_signatures_by_keys(view: PullView, cfg: Any) -> tuple[bool | None, str]:
    valid, desc, found = _graphql_signatures(view)
    if valid is not True:
        return valid, desc
    accepted = {str(k) for k in cfg.get("key_ids") or ()}
    for c in view.facts.commits:
        sig = found[c.sha]
        if sig.kind != "GpgSignature":
            return False, f"Commit {c.sha[:10]} signature is not a GPG signature"
        if sig.key_id not in accepted:
            return False, f"Commit {c.sha[:10]} was signed by key {sig.key_id}, which is not accepted"
    return True, "every commit is signed by an accepted GPG key"


PREDICATES: dict[str, Evaluator] = {
    "changed_files": _changed_files,
    "no_changed_files": _no_changed_files,
    "only_changed_files": _only_changed_files,
    "has_author_in": _has_author_in,
    "has_contributor_in": _has_contributor_in,
    "only_has_contributors_in": _only_has_contributors_in,
    "author_is_only_contributor": _author_is_only_contributor,
    "targets_branch": _targets_branch,
    "from_branch": _from_branch,
    "modified_lines": _modified_lines,
    "has_status": _has_status,
    "has_successful_status": _has_successful_status,
    "has_workflow_result": _has_workflow_result,
    "has_labels": _has_labels,
    "repository": _repository,
    "title": _title,
    "has_valid_signatures": _has_valid_signatures,
    "has_valid_signatures_by": _has_valid_signatures_by,
    "has_valid_signatures_by_keys": _has_valid_signatures_by_keys,
}


def evaluate_predicate(view: PullView, name: str, cfg: Any) -> PredicateResult:
    satisfied, description = PREDICATES[name](view, cfg)
    return PredicateResult(name, satisfied, description)


def evaluate_all(view: PullView, items: tuple[tuple[str, Any], ...]) -> list[PredicateResult]:
    return [evaluate_predicate(view, name, cfg) for name, cfg in items]
