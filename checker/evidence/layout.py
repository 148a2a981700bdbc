"""Where things live on the ledger branch, and which names are allowed there at all."""

from __future__ import annotations

import re

from checker.defaults import DEFAULT_LEDGER_BRANCH

FORMAT = "changeproof-ledger/1"
LEDGER_FILE = "LEDGER.json"
HEAD_FILE = "head.json"
CHECKPOINT_FILE = "checkpoint"
SHARD = "seq:1000/1000"  # entries/AAA/BBB/NNNNNNNNNNNN.json, at most 1000 names per directory
DIGITS = 12
DEFAULT_BRANCH = DEFAULT_LEDGER_BRANCH

ENTRY_RE = re.compile(r"^entries/(\d{3})/(\d{3})/(\d{12})\.json$")
ARCHIVE_RE = re.compile(r"^checkpoints/(\d{3})/(\d{3})/(\d{12})$")
POLICY_RE = re.compile(r"^policies/([0-9a-f]{64})$")
FIXED = frozenset({LEDGER_FILE, HEAD_FILE, CHECKPOINT_FILE})


def _shard(seq: int) -> str:
    if not 0 <= seq < 10**DIGITS:
        raise ValueError(f"sequence number {seq} out of range")
    return f"{seq // 1_000_000 % 1000:03d}/{seq // 1000 % 1000:03d}/{seq:0{DIGITS}d}"


def entry_path(seq: int) -> str:
    return f"entries/{_shard(seq)}.json"


def archive_path(size: int) -> str:
    """Where the checkpoint of tree size `size` is kept once a newer one replaces it."""
    return f"checkpoints/{_shard(size)}"


def policy_path(digest: str) -> str:
    return f"policies/{digest}"


def classify(path: str) -> tuple[str, int | str | None]:
    """('entry', seq) / ('archive', size) / ('policy', digest) / ('fixed', name) / ('foreign', None)."""
    if path in FIXED:
        return "fixed", path
    for kind, pattern in (("entry", ENTRY_RE), ("archive", ARCHIVE_RE)):
        m = pattern.match(path)
        if m:
            top, mid, digits = m.groups()
            # the shard directories must be the ones the number maps to (entry_path / archive_path)
            return (kind, int(digits)) if top == digits[3:6] and mid == digits[6:9] else ("foreign", None)
    m = POLICY_RE.match(path)
    if m:
        return "policy", m.group(1)
    return "foreign", None


def checkpoint_origin(repository: str) -> str:
    return f"changeproof.dev/ledger/{repository}"
