"""Reading the user's input files (facts JSON, evaluations) into the model, with located errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from checker.errors import FactsError, Problem, UsageError
from checker.serde import DecodeError, from_json

T = TypeVar("T")
MAX_JSON_BYTES = 256 * 1024 * 1024


def read_json_file(path: str | Path, what: str) -> Any:
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{what} file {path} does not exist", fix=f"pass the path of a {what} JSON file")
    raw = p.read_bytes()
    if len(raw) > MAX_JSON_BYTES:
        raise UsageError(f"{what} file {path} is larger than {MAX_JSON_BYTES // (1024 * 1024)} MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UsageError(
            f"{what} file {path} is not UTF-8",
            problems=(Problem(f"byte 0x{raw[exc.start]:02x} is not valid UTF-8", str(path), line),),
            fix="save the file as UTF-8",
        ) from None
    if not text.strip():
        raise UsageError(f"{what} file {path} is empty", fix=f"pass a {what} JSON document")
    try:
        return json.loads(text)
    except RecursionError:
        raise UsageError(
            f"{what} file {path} is nested too deeply to be a {what} document",
            fix=f"compare the file with `changeproof schema {what}`",
        ) from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{what} file {path} is not valid JSON",
            problems=(Problem(exc.msg, str(path), exc.lineno, exc.colno),),
            fix="check the JSON syntax at that position",
        ) from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise UsageError(
            f"{what} file {path} is not a usable JSON document: {str(exc)[:200]}",
            fix=f"compare the file with `changeproof schema {what}`",
        ) from None


def decode(cls: type[T], data: Any, path: str | Path, what: str) -> T:
    try:
        return from_json(cls, data)
    except DecodeError as exc:
        raise FactsError(
            f"{what} file {path} does not match the {what} schema",
            problems=(Problem(exc.message, str(path), json_path=exc.path),),
            fix=f"compare the file with `changeproof schema {what}`",
        ) from None


def load_model(cls: type[T], path: str | Path, what: str) -> T:
    return decode(cls, read_json_file(path, what), path, what)
