"""Lossless conversion between the frozen model dataclasses and plain JSON values.

The model is declared once, as typed dataclasses; this module derives both directions from the
type hints so there is no hand-written (and drifting) `to_dict`/`from_dict` per class.
Supported field types: str, int, bool, None, enums of str, nested dataclasses, `tuple[X, ...]`,
`dict[str, X]`, `X | None` and `Any` (kept as the JSON value it is).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import re
import types
import typing
from functools import cache
from typing import Any, TypeVar

import orjson

T = TypeVar("T")


class DecodeError(ValueError):
    """A JSON value does not fit the dataclass it is decoded into; `path` is a JSON path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@cache
def _hints(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    """(name, type, has_default) for each dataclass field, resolved once per class."""
    resolved = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        out.append((f.name, resolved[f.name], has_default))
    return tuple(out)


def to_json(value: Any) -> Any:
    """Turn a model value into JSON-compatible data (dataclasses keep field order, mappings are sorted)."""
    if value is None or isinstance(value, (bool, int, str)):
        if isinstance(value, enum.Enum):
            return value.value
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: to_json(getattr(value, name)) for name, _, _ in _hints(type(value))}
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        # keys sorted: a mapping's JSON form must not depend on insertion order, so an evaluation
        # decoded from the ledger's canonical JSON prints byte for byte as it did when it was made
        return {str(k): to_json(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, float):
        raise TypeError("floats are not allowed in the model: their JSON form is not canonical")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def from_json(cls: type[T], data: Any, path: str = "$") -> T:
    """Build `cls` from JSON data, checking types; errors name the JSON path.

    A decoder compiled once per type does the work; only when it meets data that does not fit
    does the path-tracking walk below run again, to name where (same result, same error).
    """
    try:
        return typing.cast(T, _compiled(typing.cast(Any, cls))(data))
    except _Mismatch:
        return typing.cast(T, _decode(cls, data, path))


class _Mismatch(Exception):
    """The compiled decoder met data that does not fit; the slow walk names where."""


def _fail() -> typing.NoReturn:
    raise _Mismatch


@cache
def _compiled(tp: Any) -> typing.Callable[[Any], Any]:
    """A decoder for `tp` without path bookkeeping; raises _Mismatch exactly where `_decode` raises."""
    if tp is Any:

        def plain(data: Any) -> Any:
            try:
                _check_plain(data, "$")
            except DecodeError:
                raise _Mismatch from None
            return data

        return plain
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        optional = type(None) in args
        decoders = [_compiled(a) for a in args if a is not type(None)]

        def union(data: Any) -> Any:
            if data is None and optional:
                return None
            for decoder in decoders:
                try:
                    return decoder(data)
                except _Mismatch:
                    continue
            raise _Mismatch

        return union
    if origin is tuple:
        item = _compiled(typing.get_args(tp)[0])
        return lambda data: tuple(map(item, data)) if isinstance(data, list) else _fail()
    if origin is dict:
        value = _compiled(typing.get_args(tp)[1])
        return lambda data: (
            {k: value(v) for k, v in data.items()}
            if isinstance(data, dict) and not any(has_surrogate(str(k)) for k in data)
            else _fail()
        )
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _compiled_dataclass(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        enum_type = tp

        def member(data: Any) -> Any:
            try:
                return enum_type(data)
            except (ValueError, TypeError):
                raise _Mismatch from None

        return member
    if tp is bool:
        return lambda data: data if isinstance(data, bool) else _fail()
    if tp is int:

        def integer(data: Any) -> Any:
            if isinstance(data, bool) or not isinstance(data, int) or not -MAX_INT - 1 <= data <= MAX_INT:
                raise _Mismatch
            return data

        return integer
    if tp is str:
        return lambda data: data if isinstance(data, str) and not has_surrogate(data) else _fail()
    if tp is type(None):
        return lambda data: None if data is None else _fail()
    raise TypeError(f"unsupported model type {tp!r}")


def _compiled_dataclass(cls: type) -> typing.Callable[[Any], Any]:
    known = frozenset(name for name, _, _ in _hints(cls))
    required = frozenset(name for name, _, has_default in _hints(cls) if not has_default)
    decoders: dict[str, typing.Callable[[Any], Any]] = {}

    def decode(data: Any) -> Any:
        if not decoders:  # compiled on first use: model types may refer to each other
            decoders.update((name, _compiled(tp)) for name, tp, _ in _hints(cls))
        if not isinstance(data, dict) or not known.issuperset(data) or not required.issubset(data):
            raise _Mismatch
        return cls(**{name: decoders[name](value) for name, value in data.items()})

    return decode


MAX_INT = 2**63 - 1  # the range every canonical JSON encoder downstream (orjson, RFC 8785) accepts
MAX_ANY_DEPTH = 64


_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(text: str) -> bool:
    """What a str field rejects: lone surrogates have no UTF-8 encoding."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def _check_plain(data: Any, path: str) -> None:
    """A free-form JSON value must have a canonical encoding: no floats, 64-bit integers, valid Unicode,
    bounded depth. Iterative, so a hostile depth cannot exhaust the stack."""
    stack: list[tuple[Any, str, int]] = [(data, path, 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_ANY_DEPTH:
            raise DecodeError(where, f"nested more than {MAX_ANY_DEPTH} levels deep")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str) or has_surrogate(key):
                    raise DecodeError(where, "an object key is not valid Unicode text")
                stack.append((item, f"{where}.{key}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, float):
            raise DecodeError(where, "expected an integer, got a number with a fraction or exponent")
        elif isinstance(value, int) and not isinstance(value, bool):
            _check_int(value, where)
        elif isinstance(value, str):
            _check_text(value, where)
        elif value is not None and not isinstance(value, bool):
            raise DecodeError(where, f"expected a JSON value, got {_kind(value)}")


def _check_int(value: int, path: str) -> None:
    if not -MAX_INT - 1 <= value <= MAX_INT:
        raise DecodeError(path, "the integer is out of range (at most 64 bits)")


def _check_text(value: str, path: str) -> None:
    if has_surrogate(value):
        raise DecodeError(path, "the string is not valid Unicode (a lone surrogate, e.g. \\ud800)")


def _decode(tp: Any, data: Any, path: str) -> Any:
    if tp is Any:
        _check_plain(data, path)
        return data
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) == 1:
            return _decode(non_none[0], data, path)
        errors = []
        for arg in non_none:
            try:
                return _decode(arg, data, path)
            except DecodeError as exc:
                errors.append(exc.message)
        raise DecodeError(path, " or ".join(errors))
    if origin is tuple:
        if not isinstance(data, list):
            raise DecodeError(path, f"expected a list, got {_kind(data)}")
        (item_type, _ellipsis) = typing.get_args(tp)
        return tuple(_decode(item_type, v, f"{path}[{i}]") for i, v in enumerate(data))
    if origin is dict:
        if not isinstance(data, dict):
            raise DecodeError(path, f"expected an object, got {_kind(data)}")
        _key_type, value_type = typing.get_args(tp)
        for k in data:
            _check_text(str(k), path)
        return {k: _decode(value_type, v, f"{path}.{k}") for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, data, path)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except (ValueError, TypeError):
            allowed = ", ".join(str(m.value) for m in tp)
            shown = repr(data) if len(repr(data)) <= 60 else repr(data)[:60] + "..."
            raise DecodeError(path, f"{shown} is not one of: {allowed}") from None
    if tp is bool:
        if not isinstance(data, bool):
            raise DecodeError(path, f"expected true or false, got {_kind(data)}")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise DecodeError(path, f"expected an integer, got {_kind(data)}")
        _check_int(data, path)
        return data
    if tp is str:
        if not isinstance(data, str):
            raise DecodeError(path, f"expected a string, got {_kind(data)}")
        _check_text(data, path)
        return data
    if tp is type(None):
        if data is not None:
            raise DecodeError(path, f"expected null, got {_kind(data)}")
        return None
    raise TypeError(f"unsupported model type {tp!r} at {path}")


def _decode_dataclass(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise DecodeError(path, f"expected an object, got {_kind(data)}")
    hints = _hints(cls)
    known = {name for name, _, _ in hints}
    unknown = sorted(set(data) - known)
    if unknown:
        raise DecodeError(f"{path}.{unknown[0]}", f"unknown field (expected one of: {', '.join(sorted(known))})")
    kwargs = {}
    for name, tp, has_default in hints:
        if name in data:
            kwargs[name] = _decode(tp, data[name], f"{path}.{name}")
        elif not has_default:
            raise DecodeError(f"{path}.{name}", "required field is missing")
    return cls(**kwargs)


def _kind(data: Any) -> str:
    if data is None:
        return "null"
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }.get(type(data), type(data).__name__)


def fast_canonical_bytes(value: Any) -> bytes:
    """Compact JSON with keys sorted by code point and non-ASCII left unescaped.

    This is the digest form of `Evaluation.facts_digest` / `policy_digest`, byte-identical to
    `json.dumps(to_json(v), sort_keys=True, separators=(",", ":"), ensure_ascii=False)` (a test
    holds them equal) but produced by orjson, because evaluate() is a hot path. It coincides with
    RFC 8785 except for the ordering of keys outside the Basic Multilingual Plane.
    """
    return orjson.dumps(value, default=_dataclass_as_dict, option=_ORJSON_OPTIONS)


_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _dataclass_as_dict(value: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in _field_names(type(value))}
    raise TypeError(f"cannot serialise {type(value).__name__}")


def sha256_digest(value: Any) -> str:
    return hashlib.sha256(fast_canonical_bytes(value)).hexdigest()


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """Human-readable, deterministic JSON for files and CLI output."""
    return json.dumps(to_json(value), indent=indent, ensure_ascii=False, sort_keys=False) + "\n"
