"""One error hierarchy. Every user-facing error says what went wrong, where, and how to fix it.

The CLI catches `ChangeproofError`, prints `diagnostics()` and exits with `exit_code`; nothing the
user can cause ever reaches them as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_POLICY_FAILURE = 1
EXIT_USAGE = 2
EXIT_INFRASTRUCTURE = 3


@dataclass(frozen=True)
class Problem:
    """One located problem: a message, where it is (file:line:column and JSON path), how to fix it."""

    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    json_path: str = ""
    fix: str = ""

    def where(self) -> str:
        parts = []
        if self.file:
            loc = self.file
            if self.line:
                loc += f":{self.line}"
                if self.column:
                    loc += f":{self.column}"
            parts.append(loc)
        if self.json_path:
            parts.append(f"at {self.json_path}")
        return " ".join(parts)

    def render(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text += f"\n    How to fix: {self.fix}"
        return text


class ChangeproofError(Exception):
    """Base of every error changeproof reports to a person."""

    exit_code = EXIT_USAGE

    def __init__(self, summary: str, *, fix: str = "", problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(summary)
        self.summary = summary
        self.fix = fix
        self.problems = problems

    def diagnostics(self) -> str:
        lines = [f"error: {self.summary}"]
        lines.extend(f"  {p.render()}" for p in self.problems)
        if self.fix:
            lines.append(f"  How to fix: {self.fix}")
        return "\n".join(lines)


class UsageError(ChangeproofError):
    """Wrong arguments, unreadable input files, malformed JSON/YAML given by the user."""


class PolicyError(ChangeproofError):
    """The policy file is not valid; `problems` lists every violation with its location."""


class LedgerBranchMissing(UsageError):
    """The ledger repository has no ledger branch yet (nothing was ever recorded there)."""


class FactsError(ChangeproofError):
    """A facts document does not match the facts schema."""


class InfrastructureError(ChangeproofError):
    """Something outside the user's input failed (API down, push kept failing)."""

    exit_code = EXIT_INFRASTRUCTURE


class LedgerInvalidError(ChangeproofError):
    """A ledger failed verification (exit 1): what an auditor must not use as evidence as it stands."""

    exit_code = EXIT_POLICY_FAILURE


class CorruptEntryError(LedgerInvalidError):
    """A ledger entry's bytes are not a readable bundle or statement (the ledger is invalid, exit 1)."""


class WitnessRefusedError(ChangeproofError):
    """A witness was shown a checkpoint inconsistent with the one it cosigned before (a fork; exit 1)."""

    exit_code = EXIT_POLICY_FAILURE
