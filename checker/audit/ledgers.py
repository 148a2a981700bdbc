"""Opening the auditor's ledgers: one local git directory per ledger, verified before use.

A remote ledger is fetched once into a temporary directory, and that directory is handed to the
evidence package's `verify_ledger` and `read_entries`, so verification and reading see the very
same commit and nothing is downloaded twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.errors import EXIT_POLICY_FAILURE, ChangeproofError, UsageError
from checker.evidence import LedgerEntry, VerifyReport, read_entries, verify_ledger
from checker.evidence.gitio import Git, fetch_tip, is_local, redact, scratch_repo


class LedgerInvalidError(ChangeproofError):
    """A ledger failed verification and the auditor did not pass --allow-invalid (exit 1)."""

    exit_code = EXIT_POLICY_FAILURE


@dataclass
class OpenLedger:
    """One verified ledger: where it came from, its local git directory and its verify report."""

    name: str  # what the auditor passed (credentials redacted)
    branch: str
    git_dir: Path
    commit: str
    report: VerifyReport
    _policies: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def local(self) -> str:
        return str(self.git_dir)

    def entries(self) -> Iterator[LedgerEntry]:
        return read_entries(self.local, self.branch)

    def read(self, path: str) -> bytes | None:
        out = Git(self.git_dir).run("cat-file", "blob", f"{self.commit}:{path}", check=False)
        return out if out else None

    def policy(self, digest: str) -> dict[str, Any] | None:
        """The recorded policy document (JSON) stored under policies/<digest>."""
        if digest not in self._policies:
            raw = self.read(f"policies/{digest}") if digest else None
            self._policies[digest] = json.loads(raw) if raw else None
        return self._policies[digest]

    def checkpoint(self) -> str:
        raw = self.read("checkpoint")
        return raw.decode() if raw else ""

    def status(self) -> str:
        if self.report.ok:
            return "valid"
        return f"INVALID ({len(self.report.problems)} problem(s))"


def _local_copy(stack: ExitStack, ledger: str, branch: str) -> tuple[Path, str]:
    local = is_local(ledger)
    if local is not None:
        commit = Git(local).rev(f"refs/heads/{branch}")
        if commit is None:
            raise UsageError(f"{ledger} has no branch {branch}", fix="pass --branch with the ledger branch")
        return local, commit
    git = stack.enter_context(scratch_repo(ledger))
    git.run("config", "--unset", "extensions.partialClone")
    git.run("config", "--unset", "remote.origin.promisor")
    commit = fetch_tip(git, branch, object_filter=None, ledger=ledger)
    if commit is None:
        raise UsageError(f"{redact(ledger)} has no branch {branch}", fix="pass --branch with the ledger branch")
    git.run("update-ref", f"refs/heads/{branch}", commit)
    return git.git_dir, commit


@contextmanager
def open_ledgers(
    ledgers: list[str] | tuple[str, ...],
    branch: str,
    keys: list[str] | tuple[str, ...],
    *,
    allow_invalid: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    deployer_keys: list[str] | tuple[str, ...] = (),
) -> Iterator[list[OpenLedger]]:
    """Verify every ledger (with the auditor's keys); refuse an invalid one unless allow_invalid."""
    if not ledgers:
        raise UsageError("no ledger given", fix="pass --ledger PATH_OR_URL (repeat it for several repositories)")
    if not keys:
        raise UsageError(
            "no trusted public key given",
            fix="pass --key PUBLIC.pem (the key of the record job); the ledger's own key list is not evidence",
        )
    for key in keys:
        if not Path(key).is_file():
            raise UsageError(
                f"public key file {key} does not exist", fix="pass the .pub file from `changeproof keygen`"
            )
    with ExitStack() as stack:
        out = []
        for spec in ledgers:
            ledger, _, own = spec.partition("#")  # LEDGER#BRANCH: one branch per repository (org setup)
            on = own or branch
            git_dir, commit = _local_copy(stack, ledger, on)
            cb = (lambda done, total, _n=ledger: progress(_n, done, total)) if progress else None
            report = verify_ledger(str(git_dir), on, keys=list(keys), progress=cb, deployer_keys=deployer_keys)
            report.ledger = redact(ledger)
            if not report.ok and not allow_invalid:
                shown = "\n".join(f"  - {p}" for p in report.problems[:20])
                more = f"\n  ... and {len(report.problems) - 20} more" if len(report.problems) > 20 else ""
                raise LedgerInvalidError(
                    f"ledger {redact(ledger)} branch {on} does not verify:\n{shown}{more}",
                    fix="run `changeproof verify` for details; export anyway with --allow-invalid, "
                    "which marks every row as coming from an invalid ledger",
                )
            out.append(OpenLedger(redact(spec), on, git_dir, commit, report))
        yield out
