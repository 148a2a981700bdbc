"""The policy language: load, validate (JSON Schema + semantic checks), resolve `extends`, merge.

Layers, outermost first: the catalog's defaults, the profile or shared policy named by
`extends` (recursively), then the file itself. Without `extends` a policy builds on `baseline`.
Every problem is reported at once, located by file:line:column and JSON path, with the nearest
valid key suggested for typos.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from checker import yamldoc
from checker.approval_policy import spec as approval_spec
from checker.approval_policy.validate import approval_problems
from checker.catalog import catalog
from checker.errors import PolicyError, Problem, UsageError
from checker.model import (
    ControlSettings,
    DeploymentScope,
    Facts,
    Mode,
    PathRule,
    Policy,
    PolicyIssue,
    PolicyMode,
    PolicySource,
    RuleCondition,
    RuleRequirement,
    Waiver,
    WaiverScope,
)
from checker.patterns import PatternError, check_glob, compile_regex
from checker.resources import rules_dir, schema
from checker.yamldoc import PathKey, YamlDocument

POLICY_PATH = ".github/changeproof.yml"
DEFAULT_PROFILE = "baseline"
MAX_EXTENDS_DEPTH = 5

# Fetches the text of `owner/repo:path@ref`; None when it does not exist.
RemoteFetcher = Callable[[str], "str | None"]


@cache
def profile_names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in (rules_dir() / "profiles").glob("*.yml")))


# ------------------------------------------------------------------------------------ validation


def _check_glob(value: object) -> bool:
    if isinstance(value, str):
        check_glob(value)
    return True


def _check_re2(value: object) -> bool:
    if isinstance(value, str):
        compile_regex(value)
    return True


def _check_date(value: object) -> bool:
    if isinstance(value, str):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise PatternError(f"'{value[:40]}' is not a calendar date") from None
    return True


_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("glob", raises=PatternError)(_check_glob)
_FORMATS.checks("re2", raises=PatternError)(_check_re2)
_FORMATS.checks("date", raises=PatternError)(_check_date)
_FORMAT_FIXES = {
    "glob": "write a glob such as 'src/**/*.py'; escape a literal '[' as '\\['",
    "re2": "use an RE2 regular expression such as '[A-Z]+-[0-9]+'",
    "date": "write the date as YYYY-MM-DD, e.g. '2027-01-31'",
}


def _strict_integer(_checker: object, instance: object) -> bool:
    """JSON Schema counts 2.0 as an integer; the model (and every canonical encoder) does not."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _validator() -> jsonschema.protocols.Validator:
    base = jsonschema.validators.validator_for(schema("policy"))
    cls = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        base, type_checker=base.TYPE_CHECKER.redefine("integer", _strict_integer)
    )
    return cls(schema("policy"), format_checker=_FORMATS)  # type: ignore[no-any-return]


def _allowed_keys(schema_node: dict[str, Any]) -> list[str]:
    return sorted(schema_node.get("properties", {}))


def _schema_problems(doc: YamlDocument) -> list[Problem]:
    problems: list[Problem] = []
    for error in _validator().iter_errors(doc.data):
        path: PathKey = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = _allowed_keys(error.schema)  # type: ignore[arg-type]
            for key in sorted(set(error.instance) - set(allowed)):
                near = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                what = "control" if path == ("controls",) else "key"
                if path[:1] == ("approval_policy",) and path[-1:] in (("if",), ("conditions",)):
                    what = "predicate"
                fix = f"did you mean '{near[0]}'?" if near else f"valid {what}s here: {', '.join(allowed)}"
                problems.append(doc.problem((*path, key), f"unknown {what} '{key}'", fix, key=True))
            continue
        if error.validator in ("oneOf", "anyOf") and error.context:
            error = jsonschema.exceptions.best_match(error.context)
            path = (*path, *error.relative_path)
        message = error.message
        if len(message) > 300:
            message = message[:300] + "..."
        fix = ""
        if error.validator == "format":
            message = str(error.cause) if error.cause else message
            fix = _FORMAT_FIXES.get(str(error.validator_value), "")
        elif error.validator == "enum":
            allowed_values = [str(v) for v in error.validator_value]  # type: ignore[union-attr]
            near = (
                difflib.get_close_matches(error.instance, allowed_values, n=1, cutoff=0.6)
                if isinstance(error.instance, str)
                else []
            )
            shown = repr(error.instance) if len(repr(error.instance)) <= 60 else repr(error.instance)[:60] + "..."
            message = f"{shown} is not one of the allowed values"
            fix = f"did you mean '{near[0]}'?" if near else "use one of: " + ", ".join(allowed_values)
        elif error.validator == "required":
            fix = "add the missing key"
        problems.append(doc.problem(path, message, fix))
    return problems


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _semantic_problems(doc: YamlDocument) -> list[Problem]:
    """What JSON Schema cannot say: the profile named by `extends` exists, changeproof never requires
    itself. Runs on schema-invalid documents too (so every problem is reported in one round)."""
    data = _mapping(doc.data)
    problems: list[Problem] = []
    extends = data.get("extends")
    if isinstance(extends, str) and ":" not in extends and extends not in profile_names():
        problems.append(doc.problem(("extends",), *_unknown_profile(extends)))
    checks = _mapping(_mapping(data.get("controls")).get("required_checks")).get("checks")
    for i, check in enumerate(checks if isinstance(checks, list) else []):
        name = check if isinstance(check, str) else _mapping(check).get("name", "")
        if str(name).lower().startswith("changeproof"):
            problems.append(
                doc.problem(
                    ("controls", "required_checks", "checks", i),
                    "changeproof cannot require its own check",
                    "remove it; make changeproof itself a required check in the ruleset",
                )
            )
    problems.extend(approval_problems(doc))
    return problems


def _unknown_profile(name: str) -> tuple[str, str]:
    near = difflib.get_close_matches(name, profile_names(), n=1)
    fix = f"did you mean '{near[0]}'?" if near else f"profiles: {', '.join(profile_names())}"
    return f"unknown profile '{name}'", fix + " (or a shared policy: owner/repo:path@ref)"


def parse(text: str, file: str) -> YamlDocument:
    """Parse and fully validate one policy document; raises PolicyError listing every problem."""
    doc = yamldoc.load(text, file)
    if doc.data is None:
        raise PolicyError(
            f"{file} is empty",
            problems=(
                Problem(
                    "the policy file is empty", file=file, line=1, fix="start with 'version: 1' and 'extends: baseline'"
                ),
            ),
        )
    if not isinstance(doc.data, dict):
        raise PolicyError(
            f"{file} is not a valid policy file",
            problems=(doc.problem((), "the policy must be a mapping of keys to values", "start with 'version: 1'"),),
        )
    problems = _schema_problems(doc) + _semantic_problems(doc)
    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise PolicyError(f"{file} is not a valid policy file ({len(problems)} problem(s))", problems=tuple(problems))
    return doc


def expired_waivers(policy: Policy, today: str) -> list[str]:
    """Warnings for waivers whose expiry date (YYYY-MM-DD, inclusive) is before `today`."""
    return [
        f"the waiver of {w.control} approved by {w.approved_by} expired on {w.expires}: it no longer waives "
        "anything. How to fix: renew it with a new `expires` date, or remove it"
        for w in policy.waivers
        if w.expires < today
    ]


# ------------------------------------------------------------------------------------ resolution


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = dict(parent)
    for key in ("mode",):
        if key in child:
            merged[key] = child[key]
    merged["trusted_bots"] = list(dict.fromkeys([*parent.get("trusted_bots", []), *child.get("trusted_bots", [])]))
    controls = {k: dict(v) for k, v in parent.get("controls", {}).items()}
    for control_id, settings in (child.get("controls") or {}).items():
        controls.setdefault(control_id, {}).update(settings or {})
    merged["controls"] = controls
    rules = {r["name"]: r for r in parent.get("rules", [])}
    for rule in child.get("rules") or []:
        rules[rule["name"]] = rule  # a rule of the same name replaces the inherited one
    merged["rules"] = list(rules.values())
    merged["waivers"] = [*parent.get("waivers", []), *(child.get("waivers") or [])]
    if "deployments" in parent or "deployments" in child:  # environments in scope: a union, like trusted_bots
        named = [
            *(parent.get("deployments") or {}).get("environments", []),
            *(child.get("deployments") or {}).get("environments", []),
        ]
        merged["deployments"] = {"environments": list(dict.fromkeys(named))}
    if "approval_policy" in child:  # the whole section replaces an inherited one
        merged["approval_policy"] = child["approval_policy"]
        if "mode" not in ((child.get("controls") or {}).get("approval_policy") or {}):
            controls["approval_policy"]["mode"] = "enforce"  # writing the section turns the control on
    return merged


def _load_layer(ref: str, fetch: RemoteFetcher | None, seen: tuple[str, ...]) -> dict[str, Any]:
    """The validated raw settings of `ref` (a profile name or owner/repo:path@ref), unmerged."""
    if ref in seen:
        raise PolicyError(
            "policy `extends` forms a cycle",
            problems=(Problem(" -> ".join((*seen, ref)), fix="remove one of the extends"),),
        )
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise PolicyError(
            f"policy `extends` is nested more than {MAX_EXTENDS_DEPTH} levels deep",
            problems=(Problem(" -> ".join((*seen, ref))),),
        )
    if ":" in ref:
        text = fetch(ref) if fetch else None
        if text is None:
            raise PolicyError(
                f"the shared policy {ref} could not be read",
                fix="check owner/repo:path@ref and that the token can read that repository",
            )
        doc = parse(text, ref)
    else:
        if ref not in profile_names():
            message, fix = _unknown_profile(ref)
            raise PolicyError(message, fix=fix)
        return copy.deepcopy(_profile_layer(ref))
    return dict(doc.data)


@cache
def _profile_layer(name: str) -> dict[str, Any]:
    """A bundled profile's validated settings, parsed once per process (every load builds on one)."""
    path = rules_dir() / "profiles" / f"{name}.yml"
    return dict(parse(path.read_text(encoding="utf-8"), f"profile:{name}").data)


Layer = tuple[str, dict[str, Any]]  # (the ref that named it: "defaults", a profile, owner/repo:path@ref, or "", data)


def _layers(data: dict[str, Any], label: str, fetch: RemoteFetcher | None, seen: tuple[str, ...]) -> list[Layer]:
    """Every layer of a policy, outermost (the catalog's defaults) first, the document itself last."""
    parent_ref = data.get("extends")
    if parent_ref is None and DEFAULT_PROFILE not in seen:
        parent_ref = DEFAULT_PROFILE
    if parent_ref is None:
        return [("defaults", _defaults()), (label, data)]
    parent = _load_layer(parent_ref, fetch, seen)
    return [*_layers(parent, parent_ref, fetch, (*seen, parent_ref)), (label, data)]


def _resolve(
    data: dict[str, Any], fetch: RemoteFetcher | None, seen: tuple[str, ...]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    return _fold(_layers(data, "", fetch, seen))


def _fold(layers: list[Layer]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The merged settings of layers (outermost first) and the chain of `extends` between them."""
    merged = layers[0][1]
    for _, layer in layers[1:]:
        merged = _merge(merged, layer)
    return merged, tuple(label for label, _ in layers[1:-1])


def policy_from_layers(layers: list[Layer], file: str) -> Policy:
    """The effective Policy of layers from `policy_layers` (no second parse or fetch)."""
    merged, chain = _fold(layers)
    return _build(merged, file, chain)


def policy_layers(text: str, file: str, *, fetch: RemoteFetcher | None = None) -> list[Layer]:
    """The validated layers of a policy document, outermost first; the last one is labelled `file`."""
    doc = parse(text, file)
    return _layers(doc.data, file, fetch, ())


def _defaults() -> dict[str, Any]:
    return {
        "mode": "enforce",
        "controls": {cid: {"mode": "off", **info.defaults} for cid, info in catalog().items()},
        "rules": [],
        "waivers": [],
        "trusted_bots": [],
    }


def _build(raw: dict[str, Any], source: str, chain: tuple[str, ...]) -> Policy:
    controls = {}
    for control_id, settings in raw["controls"].items():
        params = {k: v for k, v in settings.items() if k != "mode"}
        controls[control_id] = ControlSettings(Mode(settings.get("mode", "off")), params)
    rules = []
    for rule in raw.get("rules", []):
        cond = rule.get("if") or {}
        changed = cond.get("changed_files") or {}
        author = cond.get("has_author_in") or {}
        req = rule.get("requires") or {}
        rules.append(
            PathRule(
                name=rule["name"],
                condition=RuleCondition(
                    changed_files=tuple(changed.get("paths", ())),
                    ignore_files=tuple(changed.get("ignore", ())),
                    author_users=tuple(author.get("users", ())),
                    author_teams=tuple(author.get("teams", ())),
                    has_labels=tuple(cond.get("has_labels", ())),
                    target_branches=tuple(cond.get("targets_branch", ())),
                ),
                requires=RuleRequirement(
                    count=int(req.get("count", 1)),
                    users=tuple(req.get("users", ())),
                    teams=tuple(t.lstrip("@") for t in req.get("teams", ())),
                    code_owners=bool(req.get("code_owners", False)),
                ),
                invalidate_on_push=bool((rule.get("options") or {}).get("invalidate_on_push", False)),
            )
        )
    waivers = tuple(
        Waiver(
            control=w["control"],
            reason=w["reason"],
            approved_by=w["approved_by"],
            expires=w["expires"],
            scope=WaiverScope(
                prs=tuple((w.get("scope") or {}).get("prs", ())),
                paths=tuple((w.get("scope") or {}).get("paths", ())),
                branches=tuple((w.get("scope") or {}).get("branches", ())),
            ),
        )
        for w in raw.get("waivers", [])
    )
    return Policy(
        mode=PolicyMode(raw.get("mode", "enforce")),
        controls=controls,
        rules=tuple(rules),
        waivers=waivers,
        trusted_bots=tuple(raw.get("trusted_bots", ())),
        source=source,
        extends=chain,
        approval_policy=approval_spec.from_raw(raw["approval_policy"]) if raw.get("approval_policy") else None,
    )


def load_text(text: str, file: str, *, fetch: RemoteFetcher | None = None) -> Policy:
    """The effective Policy of a policy document; raises PolicyError when it is not valid."""
    doc = parse(text, file)
    raw, chain = _resolve_located(doc, file, fetch)
    return _build(raw, file, chain)


def _resolve_located(
    doc: YamlDocument, file: str, fetch: RemoteFetcher | None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """`_resolve`, with a problem of the chain located at the document's `extends`."""
    try:
        return _resolve(doc.data, fetch, ())
    except PolicyError as error:
        if error.problems or "extends" not in doc.data:
            raise
        located = doc.problem(("extends",), error.summary, error.fix)
        raise PolicyError(f"{file} is not a valid policy file", problems=(located,)) from None


def load_file(path: str | Path, *, fetch: RemoteFetcher | None = None) -> Policy:
    """A policy file, or an effective-policy document as the ledger stores it (`policies/<digest>`)."""
    text = read_policy_bytes(path)
    if text.lstrip().startswith("{") and '"schema_version"' in text:
        return load_effective_document(text, str(path))
    return load_text(text, str(path), fetch=fetch)


def load_effective_document(text: str, file: str) -> Policy:
    """An effective policy recorded in a ledger, exactly as recorded (its source label included, so
    re-performing gives the recorded `policy_digest`). Its patterns are checked like a policy file's."""
    from checker.serde import DecodeError, from_json

    def refuse(path: str, message: str, fix: str) -> PolicyError:
        return PolicyError(
            f"{file} is not a valid effective-policy document",
            problems=(Problem(message, file=file, json_path=path, fix=fix),),
        )

    try:
        data = json.loads(text)
    except RecursionError:
        raise refuse("$", "the document is nested too deeply", "use the document the ledger stores") from None
    except ValueError as exc:
        raise refuse("$", f"not valid JSON: {str(exc)[:200]}", "use the document the ledger stores") from None
    try:
        policy = from_json(Policy, data)
    except DecodeError as exc:
        raise refuse(exc.path, exc.message, "compare it with `changeproof schema effective-policy`") from None
    as_file: dict[str, Any] = {
        "version": 1,
        "controls": {cid: {"mode": c.mode.value, **c.params} for cid, c in policy.controls.items()},
    }
    globs: list[tuple[str, str]] = []
    for i, rule in enumerate(policy.rules):
        for name in ("changed_files", "ignore_files", "target_branches"):
            globs += [(f"$.rules[{i}].condition.{name}[{j}]", g) for j, g in enumerate(getattr(rule.condition, name))]
    for i, waiver in enumerate(policy.waivers):
        for name in ("paths", "branches"):
            globs += [(f"$.waivers[{i}].scope.{name}[{j}]", g) for j, g in enumerate(getattr(waiver.scope, name))]
    for where, glob in globs:
        try:
            check_glob(glob)
        except PatternError as exc:
            raise refuse(where, str(exc), _FORMAT_FIXES["glob"]) from None
    for error in _validator().iter_errors(as_file):
        where = yamldoc.json_path(tuple(error.absolute_path))
        raise refuse(where, str(error.cause or error.message)[:300], "use the document the ledger stores")
    return policy


def read_policy_bytes(path: str | Path) -> str:
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"policy file {path} does not exist", fix="pass the path of a .yml policy file")
    return yamldoc.decode_text(p.read_bytes(), str(path))


@cache
def profile(name: str) -> Policy:
    """A bundled profile as an effective policy (`baseline`, `soc2`)."""
    return load_text(f"version: 1\nextends: {name}\n", f"profile:{name}")


def policy_for_facts(facts: Facts) -> Policy:
    """The policy a PR is judged by, from the policy file at its BASE commit (pure).

    No file: `baseline`. A broken file: the PR fails with the reasons, unless the PR itself
    replaces it with a valid one; then it is judged by `baseline` plus the policy-change control,
    so a broken policy can always be repaired through a reviewed PR.
    """
    source = facts.policy
    return policy_from_source(source, facts.base_sha, source.extends.get if source is not None else None)


def policy_from_source(source: PolicySource | None, base_sha: str, fetch: RemoteFetcher | None) -> Policy:
    """`policy_for_facts` before the Facts exist: the collector derives the policy once, while it
    reads the shared policies the chain names through `fetch` (and keeps them for the Facts)."""
    if source is None or source.base.state == "absent":
        return _with(profile(DEFAULT_PROFILE), source="profile:baseline (no policy file at the base commit)")
    where = f"{source.base.path}@{base_sha[:12]}"
    if source.base.state != "present" or source.base.content is None:
        return _broken(
            where,
            [
                PolicyIssue(
                    f"the policy file could not be read: {source.base.reason}",
                    where,
                    "give the action `contents: read`",
                )
            ],
        )
    try:
        return load_text(source.base.content, where, fetch=fetch)
    except PolicyError as error:
        issues = [PolicyIssue(p.message, p.where(), p.fix) for p in error.problems] or [
            PolicyIssue(error.summary, where, error.fix)
        ]
    head = source.head
    if head is not None and head.state == "present" and head.content is not None:
        try:
            load_text(head.content, f"{head.path}@head", fetch=fetch)
        except PolicyError:
            pass
        else:
            base = profile(DEFAULT_PROFILE)
            controls = dict(base.controls)
            controls["policy_change"] = ControlSettings(Mode.ENFORCE, controls["policy_change"].params)
            return _with(
                base,
                controls=controls,
                source=f"profile:baseline (repairing {where})",
                notes=(
                    f"the base policy {where} is invalid and this PR replaces it with a valid one: "
                    "judged by the baseline profile plus the policy-change control",
                ),
            )
    return _broken(where, issues)


def _broken(where: str, issues: list[PolicyIssue]) -> Policy:
    return _with(profile(DEFAULT_PROFILE), source=where, invalid=tuple(issues))


def _with(policy: Policy, **changes: Any) -> Policy:
    return replace(policy, **changes)


# ----------------------------------------------------------------------------------- deployments


def deployment_scope(text: str, file: str, *, fetch: RemoteFetcher | None = None) -> DeploymentScope:
    """The environments `deployments: {environments: [...]}` puts in scope, this file's and those it
    inherits through `extends` (a union: a repository can add environments to a shared policy's
    scope, never drop one). Located at the file's own section, else at its `extends`."""
    doc = parse(text, file)
    merged, _ = _resolve_located(doc, file, fetch)
    environments = tuple((merged.get("deployments") or {}).get("environments") or ())
    if not environments:
        return DeploymentScope(file)
    where = ("deployments", "environments") if isinstance(doc.data.get("deployments"), dict) else ("extends",)
    line, column = doc.locate(where)
    return DeploymentScope(file, environments, line, column)


def require_environment(scope: DeploymentScope, environment: str) -> None:
    """A located usage error unless the policy names `environment` as in scope."""
    if environment in scope.environments:
        return
    if not scope.environments:
        raise PolicyError(
            f"{scope.file} puts no deployment environment in scope",
            problems=(
                Problem(
                    "the policy has no `deployments:` section",
                    file=scope.file,
                    line=1,
                    json_path="$.deployments",
                    fix=f"add `deployments: {{environments: [{environment}]}}` to the policy",
                ),
            ),
        )
    named = ", ".join(scope.environments)
    raise PolicyError(
        f"environment {environment!r} is not one the policy names ({named})",
        problems=(
            Problem(
                f"deployments.environments lists {named}, not {environment!r}",
                file=scope.file,
                line=scope.line,
                column=scope.column,
                json_path="$.deployments.environments",
                fix=f"deploy to one of {named}, or add {environment!r} to deployments.environments",
            ),
        ),
    )
