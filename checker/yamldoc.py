"""Load a YAML document together with the line:column of every value, for located error messages.

PyYAML's node graph carries marks; walking it once yields both the plain data and a map from JSON
path (a tuple of keys and indexes) to the 1-based line and column where that value starts.
Duplicate keys, which PyYAML would silently collapse, are reported as problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from checker.errors import PolicyError, Problem

MAX_DOCUMENT_BYTES = 1024 * 1024

PathKey = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false, so `mode: off` stays the string "off"."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class YamlDocument:
    data: Any
    file: str
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value (or, with key=True, of the key) at `path`, or its nearest parent."""
        table = self.key_positions if key else self.positions
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, path: PathKey, message: str, fix: str = "", *, key: bool = False) -> Problem:
        line, column = self.locate(path, key=key)
        return Problem(message, file=self.file, line=line, column=column, json_path=json_path(path), fix=fix)


def json_path(path: PathKey) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def decode_text(raw: bytes, file: str) -> str:
    """UTF-8 text of a file, or a located Problem list for the first undecodable byte."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise _error(
            file,
            Problem(
                f"the file is {len(raw):,} bytes; a policy may be at most {MAX_DOCUMENT_BYTES:,} bytes",
                file=file,
                fix="split shared settings into an organisation policy and use `extends:`",
            ),
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise _error(
            file,
            Problem(
                f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                file=file,
                line=line,
                column=column,
                fix="save the file as UTF-8",
            ),
        ) from None


def load(text: str, file: str) -> YamlDocument:
    """Parse one YAML document; raises PolicyError with a located problem when it is not valid YAML."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
        decode_text(text.encode("utf-8", "surrogatepass"), file)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = exc.problem or exc.context or "not valid YAML"
        raise _error(
            file,
            Problem(
                f"YAML syntax error: {what}",
                file=file,
                line=line,
                column=column,
                fix="check the indentation and quoting around this position",
            ),
        ) from None
    except yaml.YAMLError as exc:
        raise _error(file, Problem(f"YAML error: {exc}", file=file)) from None
    doc = YamlDocument(data=None, file=file)
    if node is None:
        return doc
    problems: list[Problem] = []
    doc.data = _walk(node, (), doc, problems)
    if problems:
        raise _error(file, *problems)
    return doc


def _walk(
    node: yaml.Node, path: PathKey, doc: YamlDocument, problems: list[Problem], active: frozenset[int] = frozenset()
) -> Any:
    doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if id(node) in active:  # an alias inside the node it names: the document would be infinite
        problems.append(
            Problem(
                "a YAML alias refers to a node that contains it (a cycle)",
                file=doc.file,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
                json_path=json_path(path),
                fix="replace the alias (*name) with the values it should repeat",
            )
        )
        return None
    active = active | {id(node)}
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(
                    Problem(
                        "YAML merge keys (<<) are not supported in a policy",
                        file=doc.file,
                        line=key_node.start_mark.line + 1,
                        column=key_node.start_mark.column + 1,
                    )
                )
                continue
            key = _scalar(key_node)
            key_str = str(key)
            child = (*path, key_str)
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key_str in out:
                problems.append(
                    Problem(
                        f"duplicate key {key_str!r}",
                        file=doc.file,
                        line=line,
                        column=column,
                        json_path=json_path(child),
                        fix="keep only one of the two entries",
                    )
                )
            doc.key_positions[child] = (line, column)
            out[key_str] = _walk(value_node, child, doc, problems, active)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, i), doc, problems, active) for i, item in enumerate(node.value)]
    return _scalar(node)


class _ScalarConstructor(yaml.constructor.SafeConstructor):
    """PyYAML's safe scalar typing (ints, bools, nulls) without a full loader."""


_CONSTRUCTOR = _ScalarConstructor()


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return str(node.value)
    value = _CONSTRUCTOR.construct_object(node, deep=True)
    _CONSTRUCTOR.constructed_objects.clear()
    if hasattr(value, "isoformat"):  # dates stay the text the admin wrote
        return str(node.value)
    return value


def _error(file: str, *problems: Problem) -> PolicyError:
    return PolicyError(f"{file} is not a valid policy file", problems=problems)
