"""`changeproof policy import --from policy-bot`: a `.policy.yml` as an equivalent changeproof policy.

The approval policy is copied as written (regex paths stay regexes) into `approval_policy:`,
and every rule gets policy-bot's defaults spelled out where changeproof's are stricter
(`invalidate_on_push: false`, ...), so the imported policy gives policy-bot's verdict; the notes
say, per rule, which line to delete for changeproof's stricter default. The controls the
approval policy replaces (`peer_review`, `path_rules`) are turned off, the others stay as the
profile has them. A construct that cannot be translated is listed at its location in the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from checker import yamldoc
from checker.approval_policy import REFERENCE
from checker.approval_policy.spec import relaxations
from checker.errors import PolicyError, Problem
from checker.yamldoc import PathKey, YamlDocument

# policy-bot's defaults where changeproof's differ, and what changeproof's default means.
POLICY_BOT_DEFAULTS: dict[str, tuple[Any, str]] = {
    "invalidate_on_push": (False, "changeproof's default (true) discards approvals given before the latest push"),
    "ignore_update_merges": (False, "changeproof's default (true) lets 'Update branch' merges keep approvals"),
    "require_write_access": (False, "changeproof's default (true) counts only approvers with write access"),
    "count_co_authors": (False, "changeproof's default (true) treats Co-authored-by trailers as contributors"),
}
REPLACED_CONTROLS = ("peer_review", "path_rules")
STRICT_PROFILES = frozenset({"soc2"})


@dataclass
class ImportResult:
    document: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def render(self, source: str) -> str:
        header = [
            f"# Imported from {source} by `changeproof policy import --from policy-bot`.",
            f"# policy-bot semantics: {REFERENCE}.",
            *(f"# - {n}" for n in self.notes),
        ]
        body = yaml.safe_dump(self.document, sort_keys=False, allow_unicode=True, width=100)
        return "\n".join(header) + "\n" + body


def import_policy_bot(text: str, file: str, *, extends: str = "baseline", allow_relaxing: bool = False) -> ImportResult:
    doc = yamldoc.load(text, file)
    data = doc.data
    if not isinstance(data, dict):
        raise PolicyError(
            f"{file} is not a policy-bot policy",
            problems=(doc.problem((), "expected a mapping with `policy:` and `approval_rules:` (or `remote:`)"),),
        )
    strict = extends in STRICT_PROFILES and not allow_relaxing
    out: dict[str, Any] = {"version": 1, "extends": extends}
    result = ImportResult(out)
    for key in sorted(set(data) - {"policy", "approval_rules", "remote", "path", "ref"}):
        result.problems.append(
            doc.problem((key,), f"unknown policy-bot key {key!r} cannot be translated", "remove it", key=True)
        )
    if "remote" in data:
        _remote(doc, data, out, result)
        return result
    section: dict[str, Any] = {"policy": {}, "approval_rules": []}
    policy = data.get("policy") or {}
    if isinstance(policy, dict):
        for key in ("approval", "disapproval"):
            if key in policy:
                section["policy"][key] = policy[key]
    rules = data.get("approval_rules") or []
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        section["approval_rules"].append(_rule(doc, i, rule, result, strict=strict))
    controls = {c: {"mode": "off"} for c in REPLACED_CONTROLS}
    if strict:
        result.notes.append(
            f"extends {extends}: its review requirements are kept (peer_review stays on, changeproof's stricter "
            "defaults apply); pass --allow-relaxing to get policy-bot's exact verdicts"
        )
        controls = {"path_rules": {"mode": "off"}}
    else:
        result.notes.append(
            "peer_review and path_rules are turned off: the approval policy replaces them; other controls stay as "
            f"{extends} has them"
        )
    out["controls"] = {**controls, "approval_policy": {"mode": "enforce"}}
    out["approval_policy"] = section
    result.problems.extend(_untranslatable(doc, out))
    return result


def _rule(doc: YamlDocument, index: int, rule: dict[str, Any], result: ImportResult, *, strict: bool) -> dict[str, Any]:
    rule = dict(rule)
    options = dict(rule.get("options") or {})
    name = rule.get("name", f"#{index}")
    stricter = []
    for key, (value, meaning) in POLICY_BOT_DEFAULTS.items():
        if key in options or strict:
            continue
        options[key] = value
        stricter.append(f"{key}: {str(value).lower()} ({meaning}; delete the line for it)")
    if strict:
        explicit = relaxations(options)
        if explicit:
            result.problems.append(
                doc.problem(
                    ("approval_rules", index, "options"),
                    f"rule {name!r} relaxes changeproof's independence defaults ({'; '.join(explicit)}), "
                    "which the strict profile does not allow",
                    "pass --allow-relaxing, or remove those options",
                )
            )
    if stricter:
        result.notes.append(f"rule {name!r}: kept policy-bot's " + ", ".join(stricter))
    requires = rule.get("requires") or {}
    if int(requires.get("count") or 0) > 0 and not any(
        requires.get(k) for k in ("users", "teams", "organizations", "permissions", "admins", "write_collaborators")
    ):
        result.notes.append(
            f"rule {name!r}: requires approvals but names no one who may give them; policy-bot (and this import) "
            "never approve it; add e.g. `permissions: [write]`"
        )
    if options:
        rule["options"] = options
    return rule


def _remote(doc: YamlDocument, data: dict[str, Any], out: dict[str, Any], result: ImportResult) -> None:
    """policy-bot's `remote: org/repo` (+ path, ref) becomes `extends: org/repo:path@ref`."""
    remote = str(data.get("remote") or "")
    ref = data.get("ref")
    if "/" not in remote:
        result.problems.append(doc.problem(("remote",), f"remote {remote!r} is not org/repo", "write org/repo-name"))
        return
    if not ref:
        result.problems.append(
            doc.problem(
                ("remote",),
                "a remote policy without `ref:` follows the remote's default branch; changeproof pins shared "
                "policies to a ref",
                "add `ref: <branch, tag or commit>`",
            )
        )
        return
    path = str(data.get("path") or ".github/changeproof.yml")
    out["extends"] = f"{remote}:{path}@{ref}"
    result.notes.append(
        f"remote {remote} became extends {out['extends']}: that file must be a changeproof policy (import the "
        "remote .policy.yml there too)"
    )


def _untranslatable(doc: YamlDocument, out: dict[str, Any]) -> list[Problem]:
    """Validate the translation; every problem is reported at its place in the policy-bot file."""
    from checker import policy as policies

    text = yaml.safe_dump(out, sort_keys=False, allow_unicode=True)
    try:
        policies.parse(text, "<import>")
    except PolicyError as error:
        problems = []
        for p in error.problems:
            path = _input_path(p.json_path)
            line, column = doc.locate(path)
            problems.append(
                Problem(
                    f"cannot be translated: {p.message}",
                    file=doc.file,
                    line=line,
                    column=column,
                    json_path=yamldoc.json_path(path),
                    fix=p.fix,
                )
            )
        return problems
    return []


def _input_path(json_path: str) -> PathKey:
    """`$.approval_policy.approval_rules[0].if.x` -> ("approval_rules", 0, "if", "x")."""
    parts: list[str | int] = []
    for token in json_path.lstrip("$").replace("[", ".[").split("."):
        if not token:
            continue
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    if parts[:1] == ["approval_policy"]:
        parts = parts[1:]
    return tuple(parts)
