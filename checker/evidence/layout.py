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
ATTEMPTS_ENV = "CHANGEPROOF_LEDGER_ATTEMPTS"  # the CLI option's envvar; read nowhere in this package
DEFAULT_ATTEMPTS = 60  # appends rebuilt and retried this often when other jobs append first
DEFAULT_CLOCK_SKEW = 300  # seconds an entry's signing time may precede its predecessor's

ENTRY_RE = re.compile(r"^entries/([0-9]{3})/([0-9]{3})/([0-9]{12})\.json$")
ARCHIVE_RE = re.compile(r"^checkpoints/([0-9]{3})/([0-9]{3})/([0-9]{12})$")
# a witness's cosigned copy of the checkpoint of that size, beside where it is (or will be) archived
COSIGNATURE_RE = re.compile(r"^checkpoints/([0-9]{3})/([0-9]{3})/([0-9]{12})\.cosignature\.([0-9a-f]{8})$")
# Directories of content-addressed files: each file is named by the SHA-256 of its bytes and
# exists because some entry references it. Verify treats every such directory alike: a referenced
# file must exist and match its name, an unreferenced one is foreign.
CONTENT_ADDRESSED = ("policies",)
BLOB_RE = re.compile(r"^([a-z][a-z0-9-]*)/([0-9a-f]{64})$")
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


def cosignature_path(size: int, key_id: bytes) -> str:
    """Where a witness's cosigned checkpoint of tree size `size` is copied on the ledger branch."""
    return f"{archive_path(size)}.cosignature.{key_id.hex()}"


def blob_path(directory: str, digest: str) -> str:
    if directory not in CONTENT_ADDRESSED:
        raise ValueError(f"{directory} is not a content-addressed directory of the ledger")
    return f"{directory}/{digest}"


def policy_path(digest: str) -> str:
    return blob_path("policies", digest)


def classify(path: str) -> tuple[str, int | str | None]:
    """('entry', seq) / ('archive', size) / ('cosignature', size) / ('blob', path) / ('fixed', name)
    / ('foreign', None)."""
    if path in FIXED:
        return "fixed", path
    for kind, pattern in (("entry", ENTRY_RE), ("archive", ARCHIVE_RE), ("cosignature", COSIGNATURE_RE)):
        m = pattern.match(path)
        if m:
            top, mid, digits = m.groups()[:3]
            # the shard directories must be the ones the number maps to (entry_path / archive_path)
            return (kind, int(digits)) if top == digits[3:6] and mid == digits[6:9] else ("foreign", None)
    m = BLOB_RE.match(path)
    if m and m.group(1) in CONTENT_ADDRESSED:
        return "blob", path
    return "foreign", None


def checkpoint_origin(repository: str) -> str:
    return f"changeproof.dev/ledger/{repository}"
