"""After the record job (or the period run) appends: copy the witnesses' cosigned checkpoints
onto the ledger branch, so an auditor finds them with the ledger itself and a posture day counts
as observed when a cosignature bounds it within 24 hours. Nothing when no witness is configured.
"""

from __future__ import annotations

from checker.errors import UsageError
from checker.evidence.cosignature import WitnessKey, load_vkey
from checker.evidence.gitio import Token
from checker.evidence.publish import publish_cosignatures
from checker.pipeline import Pipeline


def configured(vkeys: tuple[str, ...], states: tuple[str, ...]) -> list[WitnessKey]:
    """The witnesses' keys (vkey text or files), checked before any work; [] when none is set."""
    if bool(vkeys) != bool(states):
        raise UsageError(
            "a witness needs both its vkey and where its state is",
            fix="set witness-vkey and witness-state together (period run: --witness-key with --witness-state)",
        )
    return [load_vkey(v) for v in vkeys]


def publish(ledger: str, branch: str, keys: list[WitnessKey], states: tuple[str, ...], token: Token) -> list[str]:
    """Copy the witnesses' valid cosignatures onto the branch; the paths written."""
    if not keys:
        return []
    return publish_cosignatures(ledger, branch, witness_keys=keys, states=list(states), token=token)


def publish_step(pipeline: Pipeline, keys: list[WitnessKey]) -> None:
    """The record job's last step: publish cosignatures when it could append (it has a signer)."""
    config = pipeline.config
    if not keys or pipeline.signer is None:
        return
    written = publish(
        config.ledger_location, config.ledger_branch, keys, config.witness_states, config.ledger_token or None
    )
    pipeline.run.notes.append(f"witness cosignatures published: {len(written)}")
    pipeline.reporter.summary(
        f"### changeproof witnesses\n\n{len(written)} witness cosignature(s) copied onto the ledger branch.\n"
    )
