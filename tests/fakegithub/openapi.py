"""GitHub's own REST description (npm `@octokit/openapi`) as the contract of the fake server.

Every request the product sends to the fake is checked against the operation it names (method,
path template, query parameters, JSON body) and every response the fake serves is first
*completed* from the operation's response schema (required properties the scenario did not give
get deterministic values from the schema: its `example`, `default`, first `enum` value, a value of
its `format`, or null where the property is nullable) and then *validated* against it. A problem
becomes one precise line (operation, JSON path, what GitHub documents); the server collects them
and the test that caused them fails.

The description is read once per process (`spec()`); validators are built lazily, once per
operation and status, and cached. Schemas are OpenAPI 3.0 (`nullable`), validated with a Draft 4
validator that also accepts null where `nullable: true`; `format` is not asserted.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft4Validator
from jsonschema import _keywords as keywords
from referencing import Registry
from referencing.jsonschema import DRAFT4

ROOT = Path(__file__).resolve().parents[2]
NPM_DIR = ROOT / ".cache" / "npm" / "node_modules" / "@octokit"
SPEC_FILE = NPM_DIR / "openapi" / "generated" / "api.github.com.json"
EXAMPLES_FILE = NPM_DIR / "webhooks-examples" / "api.github.com" / "index.json"
SETUP = "scripts/setup/npm-github-descriptions.sh"
BASE_URI = "urn:github-rest-openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SYNTHETIC_TIME = "2026-11-20T10:00:00Z"
MAX_DEPTH = 12
MEMO_SIZE = 4096  # completed responses kept (oldest dropped first)


class DescriptionMissing(RuntimeError):
    """The pinned npm packages are not installed."""


def _nullable(keyword: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    """OpenAPI 3.0's `nullable: true` admits null whatever the schema's other keywords say."""

    def check(validator: Any, value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[Any]:
        if instance is None and schema.get("nullable"):
            return
        yield from keyword(validator, value, instance, schema)

    return check


OpenApiValidator = jsonschema.validators.extend(
    Draft4Validator,
    {
        name: _nullable(getattr(keywords, attr))
        for name, attr in (("type", "type"), ("enum", "enum"), ("anyOf", "anyOf"), ("oneOf", "oneOf"))
    }
    | {"allOf": _nullable(Draft4Validator.VALIDATORS["allOf"])},
)


def _absolute_refs(node: Any) -> Any:
    """A copy of an inline schema whose `#/...` references point into the registered description."""
    if isinstance(node, dict):
        out = {k: _absolute_refs(v) for k, v in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            out["$ref"] = BASE_URI + ref
        return out
    if isinstance(node, list):
        return [_absolute_refs(v) for v in node]
    return node


def _template_regex(template: str) -> tuple[re.Pattern[str], re.Pattern[str] | None, int]:
    """Strict (one segment per parameter) and lenient (a last path/branch/ref parameter may hold slashes)."""
    parts = re.split(r"(\{[^}]+\})", template)
    names = [p[1:-1] for p in parts if p.startswith("{")]

    def build(last_greedy: bool) -> re.Pattern[str]:
        out = []
        seen = 0
        for part in parts:
            if part.startswith("{"):
                seen += 1
                greedy = last_greedy and seen == len(names)
                out.append(f"(?P<{_group(part[1:-1])}>{'.+' if greedy else '[^/]+'})")
            else:
                out.append(re.escape(part))
        return re.compile("^" + "".join(out) + "$")

    literal = sum(len(p) for p in parts if not p.startswith("{"))
    lenient = build(True) if names and names[-1] in _SLASHED_PARAMETERS else None
    return build(False), lenient, literal


# Path parameters GitHub lets hold slashes (a file path, a branch or ref name, a base...head range).
_SLASHED_PARAMETERS = frozenset({"path", "branch", "ref", "basehead", "head", "base"})


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


@dataclass
class Operation:
    """One documented operation, with lazily built, cached validators."""

    spec: Spec
    method: str
    template: str
    pointer: str  # JSON pointer of the operation object in the description
    raw: dict[str, Any]
    _validators: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.template} ({self.raw.get('operationId', '?')})"

    @functools.cached_property
    def parameters(self) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        path_item = self.spec.doc["paths"][self.template]
        for param in [*path_item.get("parameters", []), *self.raw.get("parameters", [])]:
            param = self.spec.resolve(param)
            found[(param["in"], param["name"])] = param
        return found

    def validator(self, key: str, schema: dict[str, Any]) -> Any:
        with self.spec.lock:
            cached = self._validators.get(key)
            if cached is None:
                cached = OpenApiValidator(_absolute_refs(schema), registry=self.spec.registry)
                self._validators[key] = cached
            return cached

    def problems(self, key: str, schema: dict[str, Any], value: Any, where: str) -> list[str]:
        errors = sorted(self.validator(key, schema).iter_errors(value), key=lambda e: list(e.absolute_path))
        out = []
        for error in errors[:10]:
            path = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            out.append(f"{self.name}: {where}{path}: {_short(error.message)}")
        if len(errors) > 10:
            out.append(f"{self.name}: {where}: ... and {len(errors) - 10} more")
        return out

    # ------------------------------------------------------------------------------ requests
    def check_request(
        self, path_args: dict[str, str], query: Mapping[str, list[str]], body: Any, has_body: bool
    ) -> list[str]:
        out: list[str] = []
        for (where, name), param in self.parameters.items():
            if where == "path" and name in path_args:
                value = _coerce(path_args[name], param.get("schema") or {})
                out += self.problems(f"path:{name}", param.get("schema") or {}, value, f"path parameter {name}")
            if where == "query" and param.get("required") and name not in query:
                out.append(f"{self.name}: the required query parameter {name} is missing")
        for name, values in query.items():
            param = self.parameters.get(("query", name))
            if param is None:
                known = sorted(n for w, n in self.parameters if w == "query")
                out.append(f"{self.name}: query parameter {name!r} is not documented (documented: {known})")
                continue
            schema = self.spec.resolve(param.get("schema") or {})
            for raw in values:
                out += self.problems(f"query:{name}", schema, _coerce(raw, schema), f"query parameter {name}")
        request_body = self.spec.resolve(self.raw.get("requestBody") or {})
        content = request_body.get("content") or {}
        json_schema = (content.get("application/json") or {}).get("schema")
        if has_body:
            if json_schema is None:
                out.append(f"{self.name}: takes no JSON request body, got {_short(json.dumps(body))}")
            else:
                out += self.problems("request", json_schema, body, "request body")
        elif request_body.get("required"):
            out.append(f"{self.name}: the request body is required")
        return out

    # ------------------------------------------------------------------------------ responses
    def response(self, status: int) -> tuple[dict[str, Any] | None, str]:
        """The documented response for `status` (or `default`) and the key it was found under."""
        responses = self.raw.get("responses") or {}
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                return self.spec.resolve(responses[key]), key
        return None, ""

    @staticmethod
    def json_schema(response: dict[str, Any]) -> dict[str, Any] | None:
        content = response.get("content") or {}
        for ctype in ("application/json", *content):
            if "json" in ctype and (content.get(ctype) or {}).get("schema") is not None:
                return content[ctype]["schema"]  # type: ignore[no-any-return]
        return None

    def answer(self, status: int, body: Any) -> tuple[str, list[str]]:
        """The response body as JSON text, every required property filled in, and its problems.

        Memoised on the body's JSON text: the tests serve the same scenario objects again and
        again, and completing and validating a pull request with its two repositories is the
        costly part of the contract.
        """
        text = json.dumps(body, sort_keys=True)
        memo_key = (self.pointer, status, text)
        with self.spec.lock:
            hit = self.spec.memo.get(memo_key)
        if hit is not None:
            self.spec.memo_hits += 1
            return hit[0], list(hit[1])
        completed, problems = self.complete_and_check(status, body)
        answer = json.dumps(completed) if completed is not None else ""
        with self.spec.lock:
            if len(self.spec.memo) >= MEMO_SIZE:
                self.spec.memo.pop(next(iter(self.spec.memo)))
            self.spec.memo[memo_key] = (answer, list(problems))
        return answer, problems

    def complete_and_check(self, status: int, body: Any) -> tuple[Any, list[str]]:
        """The response body with every required property filled in, and its problems."""
        response, key = self.response(status)
        if response is None:
            if status >= 400 and isinstance(body, dict) and "message" in body:
                return body, []  # GitHub answers errors not listed per operation in its basic-error shape
            documented = sorted((self.raw.get("responses") or {}).keys())
            return body, [f"{self.name}: status {status} is not documented (documented: {documented})"]
        schema = self.json_schema(response)
        if schema is None:
            if body not in (None, "", {}, []) and status != 304:
                return body, [f"{self.name}: status {status} has no documented body, got {_short(json.dumps(body))}"]
            return body, []
        notes: list[str] = []
        completed = self.spec.complete(schema, body, notes=notes)
        self.spec.dropped += len(notes)
        return completed, self.problems(f"response:{key}", schema, completed, f"response {status} body")


class Spec:
    """GitHub's REST description: operations by method and path, `$ref` resolution, completion."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.lock = threading.RLock()
        self.registry: Registry[Any] = Registry().with_resource(BASE_URI, DRAFT4.create_resource(doc))
        self._by_method: dict[str, list[tuple[int, re.Pattern[str], re.Pattern[str] | None, Operation]]] = {}
        for template, item in doc["paths"].items():
            strict, lenient, literal = _template_regex(template)
            for method in METHODS:
                if method in item:
                    pointer = f"/paths/{_escape(template)}/{method}"
                    op = Operation(self, method, template, pointer, item[method])
                    self._by_method.setdefault(method.upper(), []).append((literal, strict, lenient, op))
        for ops in self._by_method.values():
            ops.sort(key=lambda entry: -entry[0])  # the most literal template wins
        self._resolved: dict[str, Any] = {}
        self._operations: dict[tuple[str, str], tuple[Operation, dict[str, str]] | None] = {}
        self.synthesized = 0  # required properties filled in so far (what the fake's scenarios omit)
        self.dropped = 0  # undocumented properties removed from the fake's answers so far
        self.memo: dict[tuple[str, int, str], tuple[str, list[str]]] = {}
        self.memo_hits = 0

    def operation(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The documented operation a request names, and its path parameters (lookups memoised)."""
        key = (method.upper(), path)
        with self.lock:
            if key not in self._operations:
                if len(self._operations) >= MEMO_SIZE:
                    self._operations.pop(next(iter(self._operations)))
                self._operations[key] = self._find(*key)
            return self._operations[key]

    def _find(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        ops = self._by_method.get(method, [])
        for pattern_index in (1, 2):
            for entry in ops:
                pattern = entry[pattern_index]
                match = pattern.match(path) if pattern is not None else None
                if match:
                    op = entry[3]
                    names = [p[1:-1] for p in re.findall(r"\{[^}]+\}", op.template)]
                    return op, {n: match.group(_group(n)) for n in names}
        return None

    def resolve(self, node: Any) -> Any:
        """Follow `$ref` chains inside the description."""
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            ref = node["$ref"]
            cached = self._resolved.get(ref)
            if cached is None:
                cached = self.doc
                for part in ref[2:].split("/"):
                    cached = cached[part.replace("~1", "/").replace("~0", "~")]
                self._resolved[ref] = cached
            node = cached
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref loop at {ref}")
        return node

    # ------------------------------------------------------------------------------ completion
    def complete(self, schema: Any, value: Any, depth: int = 0, path: str = "", notes: list[str] | None = None) -> Any:
        """`value` with the required properties `schema` documents filled in (never mutates `value`).

        Properties the description does not document are dropped, as GitHub would never send them
        (so the product cannot come to rely on them), and listed in `notes`.
        """
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or depth > MAX_DEPTH or value is None:
            return value
        parts = [schema, *(self.resolve(p) for p in schema.get("allOf") or [])]
        for key in ("oneOf", "anyOf"):
            for part in list(parts):
                if isinstance(part, dict) and part.get(key):
                    branch = self._branch(part[key], value)
                    if branch is not None:
                        parts += [branch, *(self.resolve(p) for p in branch.get("allOf") or [])]
        parts = [p for p in parts if isinstance(p, dict)]
        if isinstance(value, dict) and any(p.get("type") == "object" or "properties" in p for p in parts):
            props: dict[str, Any] = {}
            required: list[str] = []
            open_ended = False
            for part in parts:
                props.update(part.get("properties") or {})
                required += part.get("required") or []
                extra = part.get("additionalProperties")
                open_ended |= extra is True or (isinstance(extra, dict) and extra != {}) or extra == {}
                if part.get("type") == "object" and "properties" not in part and extra is None:
                    open_ended = True
            out: dict[str, Any] = {}
            for name, item in value.items():
                if name in props:
                    out[name] = self.complete(props[name], item, depth + 1, f"{path}.{name}", notes)
                elif open_ended:
                    out[name] = item
                elif notes is not None:
                    notes.append(f"{path}.{name}")
            for name in required:
                if name not in out:
                    out[name] = self.synthesize(props.get(name) or {}, name, depth + 1)
                    self.synthesized += 1
            return out
        items = next((p["items"] for p in parts if p.get("items") is not None), None)
        if isinstance(value, list) and items is not None:
            return [self.complete(items, item, depth + 1, f"{path}[{i}]", notes) for i, item in enumerate(value)]
        return value

    def _branch(self, branches: list[Any], value: Any) -> dict[str, Any] | None:
        """The oneOf/anyOf branch that fits `value` best (type first, then shared property names)."""
        best: tuple[int, int] | None = None
        chosen = None
        for index, branch in enumerate(branches):
            branch = self.resolve(branch)
            if not isinstance(branch, dict) or not _type_fits(branch, value):
                continue
            props = set((branch.get("properties") or {}).keys())
            if isinstance(value, dict):
                if set(value) - props and branch.get("additionalProperties") is False:
                    continue
                if not self._discriminators_fit(branch, value):
                    continue  # e.g. a ruleset rule's `type` enum names exactly one branch
                score = (len(set(value) & props), -index)
            else:
                score = (0, -index)
            if best is None or score > best:
                best, chosen = score, branch
        return chosen

    def _discriminators_fit(self, branch: dict[str, Any], value: dict[str, Any]) -> bool:
        """False when a property the value has is pinned by the branch (enum or const) to other values."""
        parts = [branch, *(self.resolve(p) for p in branch.get("allOf") or [])]
        for part in parts:
            for name, prop in ((part or {}).get("properties") or {}).items():
                prop = self.resolve(prop)
                if name not in value or not isinstance(prop, dict):
                    continue
                if "const" in prop and value[name] != prop["const"]:
                    return False
                if isinstance(prop.get("enum"), list) and len(prop["enum"]) == 1 and value[name] not in prop["enum"]:
                    return False
        return True

    def synthesize(self, schema: Any, name: str, depth: int) -> Any:
        """A value for a required property the scenario did not give."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return None
        if schema.get("nullable"):
            return None
        if "allOf" in schema:
            merged: Any = {}
            for part in schema["allOf"]:
                merged = self.complete(part, merged, depth + 1) if isinstance(merged, dict) else merged
            return merged
        for key in ("oneOf", "anyOf"):
            if schema.get(key):
                return self.synthesize(schema[key][0], name, depth + 1)
        kind = schema.get("type")
        if schema.get("enum"):
            return schema["enum"][0]
        example = schema.get("example", schema.get("default"))
        if example is not None and _type_fits(schema, example) and kind not in ("object", "array"):
            return example
        if kind == "string":
            return _string_for(schema.get("format"), name)
        if kind == "integer":
            return int(schema.get("minimum") or 1)
        if kind == "number":
            return float(schema.get("minimum") or 1)
        if kind == "boolean":
            return False
        if kind == "array":
            return []
        if depth > MAX_DEPTH:
            return {}
        return self.complete(schema, {}, depth + 1)


def _type_fits(schema: dict[str, Any], value: Any) -> bool:
    kind = schema.get("type")
    if value is None:
        return bool(schema.get("nullable")) or kind is None
    checks: dict[str, Callable[[Any], bool]] = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    if kind is None:
        return not ("properties" in schema and not isinstance(value, dict))
    return checks.get(kind, lambda v: True)(value)


def _string_for(fmt: str | None, name: str) -> str:
    if fmt == "date-time":
        return SYNTHETIC_TIME
    if fmt == "date":
        return SYNTHETIC_TIME[:10]
    if fmt == "uri" or fmt == "uri-template" or name.endswith("url"):
        return f"https://api.github.com/synthetic/{name}"
    if fmt == "email":
        return "synthetic@example.com"
    return f"synthetic-{name}"


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


@functools.cache
def spec() -> Spec:
    """The pinned description, read once per process."""
    if not SPEC_FILE.is_file():
        raise DescriptionMissing(
            f"GitHub's REST description is not installed at {SPEC_FILE.relative_to(ROOT)}; run {SETUP} "
            "(scripts/test.sh does)"
        )
    return Spec(json.loads(SPEC_FILE.read_text(encoding="utf-8")))


@functools.cache
def webhook_examples() -> dict[str, list[dict[str, Any]]]:
    """`@octokit/webhooks-examples`: event name -> GitHub's example payloads."""
    if not EXAMPLES_FILE.is_file():
        raise DescriptionMissing(f"GitHub's webhook examples are not installed at {EXAMPLES_FILE}; run {SETUP}")
    data = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return {entry["name"]: copy.deepcopy(entry["examples"]) for entry in data}


class Contract:
    """What the fake server calls: check one request, complete and check its response."""

    def __init__(self) -> None:
        self.spec = spec()

    def exchange(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        body: Any,
        has_body: bool,
    ) -> tuple[Operation | None, list[str]]:
        if method == "POST" and path.rstrip("/") in ("/graphql", "/api/graphql"):
            return None, []  # GraphQL is not REST: graphql.py checks it against GitHub's GraphQL schema
        if path.startswith("/api/v3/"):
            path = path[len("/api/v3") :]
        found = self.spec.operation(method, path.rstrip("/") or "/")
        if found is None:
            return None, [f"{method} {path} is no operation of GitHub's REST API"]
        op, args = found
        return op, op.check_request(args, query, body, has_body)
