"""The shape of the event payload fields changeproof reads, checked before anything reads them.

An event file is input (a `workflow_dispatch` can carry anything in `inputs`, and a test or a
self-hosted runner can hand over any file): a field of the wrong type must end in one message
naming its JSON path, never in an AttributeError deep inside the gate.
"""

from __future__ import annotations

from typing import Any

from checker.errors import UsageError

# JSON path (dots; "[]" = every item of a list) -> the JSON types allowed there (null always is).
_OBJECT, _STRING, _INT, _BOOL, _LIST = "an object", "a string", "an integer", "true or false", "a list"
FIELDS: dict[str, tuple[str, ...]] = {
    "action": (_STRING,),
    "repository": (_OBJECT,),
    "repository.default_branch": (_STRING,),
    "repository.full_name": (_STRING,),
    "repository.id": (_INT,),
    "repository.owner": (_OBJECT,),
    "repository.owner.login": (_STRING,),
    "before": (_STRING,),
    "after": (_STRING,),
    "ref": (_STRING,),
    "forced": (_BOOL,),
    "pull_request": (_OBJECT,),
    "pull_request.number": (_INT,),
    "pull_request.head": (_OBJECT,),
    "pull_request.head.sha": (_STRING,),
    "pull_request.head.ref": (_STRING,),
    "pull_request.head.repo": (_OBJECT,),
    "pull_request.head.repo.full_name": (_STRING,),
    "pull_request.base": (_OBJECT,),
    "pull_request.base.sha": (_STRING,),
    "pull_request.base.ref": (_STRING,),
    "pull_request.base.repo": (_OBJECT,),
    "pull_request.base.repo.full_name": (_STRING,),
    "merge_group": (_OBJECT,),
    "merge_group.head_ref": (_STRING,),
    "merge_group.head_sha": (_STRING,),
    "inputs": (_OBJECT,),
    "inputs.pr": (_STRING, _INT),
    **{
        f"{key}{suffix}": kinds
        for key in ("workflow_run", "check_suite", "check_run")
        for suffix, kinds in (
            ("", (_OBJECT,)),
            (".head_sha", (_STRING,)),
            (".pull_requests", (_LIST,)),
            (".pull_requests[]", (_OBJECT,)),
            (".pull_requests[].number", (_INT,)),
            (".pull_requests[].base", (_OBJECT,)),
            (".pull_requests[].base.repo", (_OBJECT,)),
            (".pull_requests[].base.repo.id", (_INT,)),
            (".pull_requests[].base.repo.url", (_STRING,)),
            (".head_branch", (_STRING,)),
            (".head_repository", (_OBJECT,)),
            (".head_repository.full_name", (_STRING,)),
            (".head_repository.owner", (_OBJECT,)),
            (".head_repository.owner.login", (_STRING,)),
            (".check_suite", (_OBJECT,)),
            (".check_suite.head_branch", (_STRING,)),
        )
    },
}
MAX_NUMBER = 2**31 - 1  # GitHub's PR numbers are 32-bit


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return _BOOL
    return {dict: _OBJECT, str: _STRING, int: _INT, list: _LIST, float: "a number"}.get(type(value), "null")


def _values(payload: Any, path: str) -> list[tuple[str, Any]]:
    """(concrete JSON path, value) for every place `path` names that exists in the payload."""
    found: list[tuple[str, Any]] = [("$", payload)]
    for part in path.split("."):
        each = part.endswith("[]")
        key = part.removesuffix("[]")
        step = []
        for where, value in found:
            if isinstance(value, dict) and value.get(key) is not None:
                child = value[key]
                if each and isinstance(child, list):
                    step += [(f"{where}.{key}[{i}]", item) for i, item in enumerate(child)]
                elif not each:
                    step.append((f"{where}.{key}", child))
        found = step
    return found


def check_payload(event_name: str, payload: dict[str, Any]) -> None:
    """Raise UsageError naming the first field that has the wrong type or an impossible number."""
    for path, kinds in FIELDS.items():
        for where, value in _values(payload, path):
            if _kind(value) not in kinds:
                raise UsageError(
                    f"the {event_name or 'event'} payload has {_kind(value)} at {where}, expected {' or '.join(kinds)}",
                    fix="pass the event file GitHub wrote (GITHUB_EVENT_PATH), unchanged",
                )
            if _kind(value) == _INT and not 0 < value <= MAX_NUMBER:
                raise UsageError(
                    f"the {event_name or 'event'} payload has {str(value)[:30]} at {where}, "
                    "which is not a pull request number",
                    fix="pass the event file GitHub wrote (GITHUB_EVENT_PATH), unchanged",
                )
