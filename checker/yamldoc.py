"""Load a YAML document together with the line:column of every value, for located error messages.

PyYAML's node graph carries marks; walking it once yields both the plain data and a map from JSON
path (a tuple of keys and indexes) to the 1-based line and column where that value starts.
Duplicate keys, which PyYAML would silently collapse, are reported as problems.

A policy is untrusted input (a PR can propose one; a base policy is fetched by the Action), so
composing is bounded: nesting depth, the number of nodes after alias expansion (counted while
composing, so an alias bomb is refused before anything is expanded), recursive aliases, tags
and scalar conversions all end in a located problem, never in an exception or a hang.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from checker.errors import PolicyError, Problem

MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_DEPTH = 64  # a policy needs about 6 levels
MAX_NODES = 200_000  # values after alias expansion; a 1 MiB policy of plain values has fewer
MAX_INT = 2**63 - 1  # what every JSON consumer downstream (orjson, RFC 8785) can encode
MAX_INT_DIGITS = 40

PathKey = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(f"{_TAG}{t}" for t in ("str", "int", "bool", "null", "float", "timestamp"))
_COLLECTION_TAGS = frozenset({f"{_TAG}map", f"{_TAG}seq"})


class _Limit(yaml.MarkedYAMLError):
    """A structural limit was hit while composing (depth, size, recursive alias)."""

    def __init__(self, problem: str, mark: yaml.Mark, fix: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.fix = fix


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (only true/false, so `mode: off` stays the string "off"),
    composing under a depth limit and an expanded-size budget."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._expanded = 0
        self._sizes: dict[int, int] = {}  # id(node) -> its size after alias expansion

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._sizes:
                raise _Limit(
                    f"the alias *{event.anchor} refers to a value that contains it (a recursive alias)",
                    event.start_mark,
                    "replace the alias with the values it should stand for",
                )
            alias: yaml.Node = super().compose_node(parent, index)  # type: ignore[assignment]
            self._count(self._sizes.get(id(alias), 1), event.start_mark)
            return alias
        event = self.peek_event()  # type: ignore[no-untyped-call]
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Limit(
                f"the document is nested more than {MAX_DEPTH} levels deep",
                event.start_mark,
                "a policy needs only a few levels: flatten this structure",
            )
        node: yaml.Node = super().compose_node(parent, index)  # type: ignore[assignment]
        self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            size = 1 + sum(self._sizes[id(k)] + self._sizes[id(v)] for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._sizes[id(item)] for item in node.value)
        else:
            size = 1
        self._sizes[id(node)] = size
        self._count(1, event.start_mark)
        return node

    def _count(self, nodes: int, mark: yaml.Mark) -> None:
        self._expanded += nodes
        if self._expanded > MAX_NODES:
            raise _Limit(
                f"the document expands to more than {MAX_NODES:,} values (aliases included): "
                "refused before expanding it",
                mark,
                "write the values out instead of nesting aliases of aliases",
            )


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != f"{_TAG}bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(f"{_TAG}bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


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
    """Parse one YAML document; raises PolicyError with located problems when it is not valid YAML."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) > MAX_DOCUMENT_BYTES:
        decode_text(encoded, file)
    text = text.removeprefix("\ufeff")
    surrogate = _SURROGATE.search(text)
    if surrogate:
        line, column = _position(text, surrogate.start())
        raise _error(file, Problem("the text is not valid Unicode (a lone surrogate)", file, line, column))
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        raise _error(file, _syntax_problem(exc, text, file)) from None
    except yaml.reader.ReaderError as exc:
        line, column = _position(text, exc.position)
        raise _error(
            file,
            Problem(
                f"character U+{exc.character:04X} is not allowed in YAML"
                if isinstance(exc.character, int)
                else "the text contains a character YAML does not allow",
                file=file,
                line=line,
                column=column,
                fix="remove the control character",
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def _compose(text: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _position(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    if isinstance(exc, _Limit):
        return Problem(str(exc.problem), file=file, line=line, column=column, fix=exc.fix)
    tab = _tab_near(text, mark.line if mark else -1)
    if tab is not None:
        return Problem(
            "YAML does not allow tabs for indentation",
            file=file,
            line=tab[0],
            column=tab[1],
            fix="indent with spaces instead of tabs",
        )
    what = exc.problem or exc.context or "not valid YAML"
    return Problem(
        f"YAML syntax error: {what}",
        file=file,
        line=line,
        column=column,
        fix="check the indentation and quoting around this position",
    )


def _tab_near(text: str, line_index: int) -> tuple[int, int] | None:
    """The first tab in the leading whitespace of the erroneous line or the line before it."""
    if line_index < 0:
        return None
    lines = text.split("\n")
    for index in (line_index, line_index - 1):
        if 0 <= index < len(lines):
            content = lines[index]
            indent = content[: len(content) - len(content.lstrip(" \t"))]
            if "\t" in indent:
                return index + 1, indent.index("\t") + 1
    return None


def _walk(node: yaml.Node, path: PathKey, doc: YamlDocument, problems: list[Problem]) -> Any:
    """The plain value of `node`; iterative over depth is unnecessary (composing bounded it)."""
    doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _COLLECTION_TAGS:
        problems.append(_tag_problem(node, path, doc))
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key_node.tag == f"{_TAG}merge":
                problems.append(
                    Problem(
                        "YAML merge keys (<<) are not supported in a policy",
                        file=doc.file,
                        line=line,
                        column=column,
                        json_path=json_path(path),
                        fix="write the keys out in this mapping",
                    )
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Problem(
                        "a key must be a plain name, not a list or mapping",
                        file=doc.file,
                        line=line,
                        column=column,
                        json_path=json_path(path),
                        fix="use a name such as 'mode' as the key",
                    )
                )
                continue
            key_str = str(_scalar(key_node, path, doc, problems))
            child = (*path, key_str)
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
            out[key_str] = _walk(value_node, child, doc, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, i), doc, problems) for i, item in enumerate(node.value)]
    return _scalar(node, path, doc, problems)


class _ScalarConstructor(yaml.constructor.SafeConstructor):
    """PyYAML's safe scalar typing (ints, bools, nulls, floats) without a full loader."""


_CONSTRUCTOR = _ScalarConstructor()
_KINDS = {f"{_TAG}int": "an integer", f"{_TAG}float": "a number", f"{_TAG}bool": "true or false"}


def _scalar(node: yaml.Node, path: PathKey, doc: YamlDocument, problems: list[Problem]) -> Any:
    """The typed value of a scalar; a value its tag cannot hold becomes a located problem (and None)."""
    tag = node.tag
    if tag not in _SCALAR_TAGS:
        problems.append(_tag_problem(node, path, doc))
        return None
    text = str(node.value)
    if _SURROGATE.search(text):
        problems.append(
            _value_problem(node, path, doc, "the text is not valid Unicode (a lone surrogate)", "remove it")
        )
        return None
    if tag in (f"{_TAG}str", f"{_TAG}timestamp"):
        return text  # dates stay the text the admin wrote; validation checks they exist
    if tag == f"{_TAG}int" and len(text.lstrip("+-").replace("_", "")) > MAX_INT_DIGITS:
        problems.append(_value_problem(node, path, doc, f"the integer {text[:20]}... has too many digits"))
        return None
    try:
        value = _CONSTRUCTOR.construct_object(node, deep=True)
    except (ValueError, TypeError, OverflowError, yaml.YAMLError):
        kind = _KINDS.get(tag, "a value of this type")
        shown = text if len(text) <= 40 else text[:40] + "..."
        problems.append(
            _value_problem(
                node,
                path,
                doc,
                f"{shown!r} cannot be read as {kind}",
                fix="remove the tag or quote the value",
            )
        )
        return None
    finally:
        _CONSTRUCTOR.constructed_objects.clear()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        problems.append(_value_problem(node, path, doc, f"the integer {text[:20]} is out of range"))
        return None
    return value


def _value_problem(node: yaml.Node, path: PathKey, doc: YamlDocument, message: str, fix: str = "") -> Problem:
    return Problem(
        message,
        file=doc.file,
        line=node.start_mark.line + 1,
        column=node.start_mark.column + 1,
        json_path=json_path(path),
        fix=fix or "write a small whole number",
    )


def _tag_problem(node: yaml.Node, path: PathKey, doc: YamlDocument) -> Problem:
    tag = str(node.tag)
    shown = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
    return _value_problem(
        node,
        path,
        doc,
        f"the YAML tag {shown[:60]!r} is not supported in a policy",
        fix="remove the tag: write plain strings, numbers, true/false, lists and mappings",
    )


def _error(file: str, *problems: Problem) -> PolicyError:
    return PolicyError(f"{file} is not a valid policy file", problems=problems)
