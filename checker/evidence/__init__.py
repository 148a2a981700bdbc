"""Signed evidence and the tamper-evident ledger branch.

Public API (other packages code against these names only):
`RunContext`, `AppendResult`, `Signer`, `load_signer`, `record_evaluation`, `record_exception`,
`open_ledger` (-> `Ledger`), `verify_ledger` / `verify_opened` (-> `VerifyReport`, options in
`VerifyOptions`), `iter_entries` / `read_entries` (-> `LedgerEntry`), `Identity`,
`witness_ledger` (-> `WitnessResult`).
"""

from checker.evidence.access import Ledger, LedgerEntry, iter_entries, open_ledger, read_entries
from checker.evidence.layout import DEFAULT_BRANCH
from checker.evidence.ledger import AppendResult
from checker.evidence.record import record_evaluation, record_exception
from checker.evidence.signing import KeySigner, Signer, SigstoreSigner, load_signer
from checker.evidence.statement import RunContext
from checker.evidence.verify import Identity, VerifyOptions, VerifyReport, verify_ledger, verify_opened

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
    "iter_entries",
    "load_signer",
    "open_ledger",
    "read_entries",
    "record_evaluation",
    "record_exception",
    "verify_ledger",
    "verify_opened",
]
