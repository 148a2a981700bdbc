"""Verification of keyless (certificate-based) bundles through sigstore-python.

Kept apart so sigstore is imported only when a ledger holds keyless entries. `trusted_root` is a
Sigstore trusted_root.json; without it the public-good instance's root would be fetched with TUF,
which needs the network, so offline verification requires the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_verifiers: dict[str, Any] = {}


def verify_keyless_bundle(data: bytes, identities: Sequence[Any], trusted_root: str | None) -> tuple[str, str]:
    """("", identity) when the bundle verifies for one of `identities`, else (problem, "")."""
    if not identities:
        return "keyless (Sigstore) entry but no --identity was given to trust", ""
    if not trusted_root:
        return "keyless (Sigstore) entry: pass --trusted-root FILE to verify it offline", ""
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle, TrustedRoot
    from sigstore.verify import Verifier
    from sigstore.verify.policy import Identity as IdentityPolicy

    verifier = _verifiers.get(trusted_root)
    if verifier is None:
        verifier = Verifier(trusted_root=TrustedRoot.from_file(trusted_root))
        _verifiers[trusted_root] = verifier
    try:
        parsed = Bundle.from_json(data)
    except (SigstoreError, ValueError) as exc:
        return f"keyless bundle unreadable: {exc}", ""
    reasons = []
    for ident in identities:
        try:
            verifier.verify_dsse(parsed, IdentityPolicy(identity=ident.identity, issuer=ident.issuer))
            return "", ident.identity
        except (SigstoreError, ValueError) as exc:
            reasons.append(str(exc))
    return f"keyless signature not valid for any trusted identity ({'; '.join(reasons)[:300]})", ""
