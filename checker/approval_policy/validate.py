"""What JSON Schema cannot say about an approval policy: names resolve, nesting ends, patterns are RE2.

Like policy-bot's parser (policy/approval/parse.go), a rule name in `approval:` must name a rule
of `approval_rules:` and nesting is at most 10 deep; unlike it, every problem is reported at
once, located by file:line:column, with the nearest rule name suggested.
"""

from __future__ import annotations

import difflib
from typing import Any

from checker.approval_policy.spec import MAX_DEPTH, walk_patterns
from checker.errors import Problem
from checker.patterns import PatternError, compile_regex
from checker.yamldoc import PathKey, YamlDocument

SECTION = "approval_policy"


def approval_problems(doc: YamlDocument) -> list[Problem]:
    data = doc.data if isinstance(doc.data, dict) else {}
    section = data.get(SECTION)
    if not isinstance(section, dict):
        return []
    problems: list[Problem] = []
    rules = section.get("approval_rules")
    names: dict[str, int] = {}
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        name = rule.get("name") if isinstance(rule, dict) else None
        if not isinstance(name, str):
            continue  # the schema reports it
        if name in names:
            problems.append(
                doc.problem(
                    (SECTION, "approval_rules", i, "name"),
                    f"a second rule is named {name!r} (first at approval_rules[{names[name]}])",
                    "give every rule its own name",
                )
            )
        else:
            names[name] = i
    policy = section.get("policy")
    tree = policy.get("approval") if isinstance(policy, dict) else []
    _tree(doc, tree, (SECTION, "policy", "approval"), names, 1, problems)
    for path, pattern in walk_patterns(section):
        if not isinstance(pattern, str):
            continue  # the schema reports it
        try:
            compile_regex(pattern)
        except PatternError as exc:
            problems.append(
                doc.problem(
                    (SECTION, *path),
                    f"{pattern!r} is {exc}",
                    "write an RE2 regular expression (no look-arounds or back-references), e.g. '^docs/.*\\.md$'",
                )
            )
    return problems


def _tree(
    doc: YamlDocument, nodes: Any, path: PathKey, names: dict[str, int], depth: int, problems: list[Problem]
) -> None:
    if depth > MAX_DEPTH:
        problems.append(
            doc.problem(path, f"the approval tree is nested more than {MAX_DEPTH} levels deep", "flatten the and/or")
        )
        return
    for i, node in enumerate(nodes if isinstance(nodes, list) else []):
        where = (*path, i)
        if isinstance(node, str):
            if node not in names:
                near = difflib.get_close_matches(node, list(names), n=1, cutoff=0.6)
                fix = f"did you mean {near[0]!r}?" if near else f"rules: {', '.join(map(repr, names)) or 'none'}"
                problems.append(doc.problem(where, f"the approval policy references undefined rule {node!r}", fix))
        elif isinstance(node, dict):
            for op, children in node.items():
                if op not in ("and", "or"):
                    continue  # the schema reports it
                _tree(doc, children, (*where, op), names, depth + 1, problems)
