"""Copy witnesses' cosigned checkpoints onto the ledger branch, beside the archived checkpoints.

What the record job can do after an append, so an auditor finds the cosignatures with the ledger
itself (`checkpoints/…/N.cosignature.<key id>`). Only cosignatures that verify under a trusted
witness key and match the ledger's own checkpoint of that size are copied: the branch never
carries a file verify would have to call foreign or forged. Verify checks them again anyway.
"""

from __future__ import annotations

from checker.evidence import checkpoint as notes
from checker.evidence import layout
from checker.evidence.cosignature import WitnessKey, cosignatures
from checker.evidence.gitio import AMBIENT_TOKEN, Git, Token, resolve_token
from checker.evidence.ledger import DEFAULT_ATTEMPTS, compare_and_swap, path_exists, read_paths
from checker.evidence.witnessing import CosignedNote, state_notes


def _ledger_root(git: Git, commit: str, size: int, current: notes.Checkpoint) -> bytes | None:
    if size == current.size:
        return current.root
    raw = read_paths(git, commit, [layout.archive_path(size)])[layout.archive_path(size)]
    try:
        return notes.parse(raw.decode()).root if raw else None
    except (notes.NoteError, UnicodeDecodeError):
        return None


def publish_cosignatures(
    ledger: str,
    branch: str = layout.DEFAULT_BRANCH,
    *,
    witness_keys: list[WitnessKey],
    states: list[str],
    token: Token = AMBIENT_TOKEN,
    attempts: int = DEFAULT_ATTEMPTS,
) -> list[str]:
    """Add the missing, valid cosigned checkpoints from the witnesses' `states`; the paths written."""

    def change(git: Git, commit: str | None) -> tuple[dict[str, bytes], str, list[str]] | None:
        if commit is None:
            return None
        raw = read_paths(git, commit, [layout.CHECKPOINT_FILE])[layout.CHECKPOINT_FILE]
        try:
            current = notes.parse((raw or b"").decode())
        except (notes.NoteError, UnicodeDecodeError):
            return None
        found: list[CosignedNote] = []
        for location in states:
            found.extend(state_notes(location, current.origin, resolve_token(token)))
        files: dict[str, bytes] = {}
        for note in found:
            try:
                cp = notes.parse(note.text)
            except notes.NoteError:
                continue
            if cp.origin != current.origin or cp.size > current.size or cp.size == 0:
                continue
            good, _ = cosignatures(cp, witness_keys)
            if not good or _ledger_root(git, commit, cp.size, current) != cp.root:
                continue
            for cosig in good:
                path = layout.cosignature_path(cp.size, cosig.witness.key_id)
                if path not in files and not path_exists(git, commit, path):
                    files[path] = note.text.encode()
        if not files:
            return None
        return files, f"changeproof: {len(files)} witness cosignature(s)\n", sorted(files)

    return (
        compare_and_swap(ledger, branch, change, token=token, attempts=attempts, what="publish cosignatures to") or []
    )
