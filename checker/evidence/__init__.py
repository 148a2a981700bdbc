"""Signed evidence and the tamper-evident ledger branch.

Public API (other packages code against these names only):
`RunContext`, `AppendResult`, `Signer`, `load_signer`, `record_evaluation`, `record_exception`,
`open_ledger` (-> `Ledger`), `verify_ledger` / `verify_opened` (-> `VerifyReport`, options in
`VerifyOptions`), `iter_entries` / `read_entries` (-> `LedgerEntry`), `Identity`,
`witness_ledger` (-> `WitnessResult`), `publish_cosignatures` (witness cosignatures onto the branch).
"""

from checker.evidence.access import Ledger, LedgerEntry, iter_entries, open_ledger, read_entries
from checker.evidence.layout import DEFAULT_BRANCH
from checker.evidence.ledger import AppendResult
from checker.evidence.publish import publish_cosignatures
from checker.evidence.record import record_evaluation, record_exception
from checker.evidence.signing import KeySigner, Signer, SigstoreSigner, load_signer
from checker.evidence.statement import RunContext
from checker.evidence.verify import Identity, VerifyOptions, VerifyReport, verify_ledger, verify_opened
from checker.evidence.witness import WitnessResult, witness_ledger

__all__ = [
    "DEFAULT_BRANCH",
    "AppendResult",
    "Identity",
    "KeySigner",
    "Ledger",
    "LedgerEntry",
    "RunContext",
    "Signer",
    "SigstoreSigner",
    "VerifyOptions",
    "VerifyReport",
    "WitnessResult",
    "iter_entries",
    "load_signer",
    "open_ledger",
    "publish_cosignatures",
    "read_entries",
    "record_evaluation",
    "record_exception",
    "verify_ledger",
    "verify_opened",
    "witness_ledger",
]
