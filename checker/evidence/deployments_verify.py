"""Who may sign what: deployers are trusted for deployment claims only, the ledger key never for them.

`verify --deployer-key K` / `--deployer-identity I` trust a CD system's claims of what it deployed.
A claim signed by anyone else is ignored (kept in the chain, not evidence) so that an unknown
deployer cannot make a ledger look approved, nor invalid; a claim signed by the ledger's own key,
or any other entry signed by a deployer, is a problem.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checker.evidence import bundle as bundles
from checker.evidence.keys import TrustedKey, load_public
from checker.evidence.statement import DEPLOYMENT_CLAIM_PREDICATE, DEPLOYMENT_PREDICATE

if TYPE_CHECKING:
    from checker.evidence.verify import EntryCheck, Identity, VerifyReport


@dataclass(frozen=True)
class Deployers:
    keys: tuple[TrustedKey, ...]
    identities: tuple[Identity, ...]

    @classmethod
    def of(cls, keys: Sequence[str], identities: Sequence[Identity]) -> Deployers:
        return cls(tuple(TrustedKey.of(load_public(k)) for k in keys), tuple(identities))

    def check_roles(
        self,
        opened: Any,
        checks: Sequence[EntryCheck],
        auditor_keys: Sequence[TrustedKey],
        trusted_root: str | None,
        report: VerifyReport,
    ) -> None:
        from checker.evidence.access import where

        deployer_ids = {k.keyid for k in self.keys}
        ledger_ids = {k.keyid for k in auditor_keys} - deployer_ids
        keyless_claims = [c for c in checks if c.keyless and c.predicate_type == DEPLOYMENT_CLAIM_PREDICATE]
        keyless_trusted = self._keyless(opened, keyless_claims, trusted_root, report)
        self._embedded(opened, [c for c in checks if c.predicate_type == DEPLOYMENT_PREDICATE], trusted_root, report)
        for c in checks:
            if c.predicate_type != DEPLOYMENT_CLAIM_PREDICATE:
                if c.signer in deployer_ids and c.signer not in ledger_ids:
                    report.problems.append(
                        f"{where(c.seq, c.path)}: signed by deployer key {c.signer[:16]}, which is trusted for "
                        "deployment claims only"
                    )
                continue
            at = where(c.seq, c.path)
            if c.signer in ledger_ids:
                report.problems.append(
                    f"{at}: a deployment claim signed with the ledger's key {c.signer[:16]}; claims are signed by "
                    "deployers, never the ledger's key"
                )
            elif c.signer in deployer_ids or c.seq in keyless_trusted:
                report.trusted_claims.append(c.seq)
            else:
                report.ignored_claims.append(c.seq)
                report.warnings.append(
                    f"{at}: deployment claim by a signer you did not trust with --deployer-key / "
                    "--deployer-identity: ignored"
                )

    def _embedded(
        self, opened: Any, entries: Sequence[EntryCheck], trusted_root: str | None, report: VerifyReport
    ) -> None:
        """Deployments the record job made from claim files count when the embedded claim's
        signer is a trusted deployer and the claim says what the entry says."""
        from checker.evidence.access import where

        keys = {k.keyid: k for k in self.keys}
        for c, data in zip(entries, opened.read_many([c.path for c in entries]), strict=True):
            try:
                outer = json.loads(base64.b64decode(json.loads(data or b"{}")["dsseEnvelope"]["payload"]))
                predicate = outer["predicate"]
            except (ValueError, KeyError, TypeError):
                continue  # check_entry has reported it
            claim = predicate.get("claim")
            if predicate.get("source") != "claim" or not isinstance(claim, dict):
                continue
            raw = json.dumps(claim).encode()
            try:
                parsed = bundles.parse(raw)
                inner = json.loads(parsed.payload)["predicate"]
            except (bundles.BundleError, ValueError, KeyError, TypeError):
                report.problems.append(f"{where(c.seq, c.path)}: its embedded deployment claim is unreadable")
                continue
            if parsed.keyless:
                from checker.evidence.sigstore_verify import verify_keyless_bundle

                trusted = bool(self.identities) and not verify_keyless_bundle(raw, self.identities, trusted_root)[0]
            else:
                key = keys.get(parsed.keyid)
                trusted = key is not None and key.verify(
                    parsed.signature, bundles.pae(parsed.payload_type, parsed.payload)
                )
            if not trusted:
                report.ignored_claims.append(c.seq)
                report.warnings.append(
                    f"{where(c.seq, c.path)}: recorded from a deployment claim by a signer you did not trust "
                    "(or whose signature does not verify): ignored"
                )
                continue
            same = all(inner.get(k) == predicate.get(k) for k in ("repository", "environment", "deployment_id"))
            same = same and sorted(inner.get("artifacts") or []) == sorted(predicate.get("artifacts") or [])
            if not same or not str(predicate.get("sha", "")).startswith(str(inner.get("sha") or "-")):
                report.problems.append(
                    f"{where(c.seq, c.path)}: the recorded deployment does not match the claim it embeds"
                )
                continue
            report.trusted_claims.append(c.seq)

    def _keyless(
        self, opened: Any, claims: Sequence[EntryCheck], trusted_root: str | None, report: VerifyReport
    ) -> set[int]:
        if not claims or not self.identities:
            return set()
        from checker.evidence.sigstore_verify import verify_keyless_bundle

        trusted = set()
        for c, data in zip(claims, opened.read_many([c.path for c in claims]), strict=True):
            error, who = verify_keyless_bundle(data or b"", self.identities, trusted_root)
            if not error:
                trusted.add(c.seq)
                report.signers[who] = report.signers.get(who, 0) + 1
        return trusted
