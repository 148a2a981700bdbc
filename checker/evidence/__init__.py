"""Signed evidence and the tamper-evident ledger branch.

Public API (other packages code against these names only):
`RunContext`, `AppendResult`, `Signer`, `load_signer`, `record_evaluation`, `record_exception`,
`verify_ledger` (-> `VerifyReport`), `read_entries` (-> `LedgerEntry`), `Identity`.
"""

from checker.evidence.layout import DEFAULT_BRANCH
from checker.evidence.ledger import AppendResult
from checker.evidence.record import record_evaluation, record_exception
from checker.evidence.signing import KeySigner, Signer, SigstoreSigner, load_signer
from checker.evidence.statement import RunContext
from checker.evidence.verify import Identity, LedgerEntry, VerifyReport, read_entries, verify_ledger

__all__ = [
    "DEFAULT_BRANCH",
    "AppendResult",
    "Identity",
    "KeySigner",
    "LedgerEntry",
    "RunContext",
    "Signer",
    "SigstoreSigner",
    "VerifyReport",
    "load_signer",
    "read_entries",
    "record_evaluation",
    "record_exception",
    "verify_ledger",
]
