"""One `Signer` interface with two implementations: a PEM key signer and Sigstore keyless.

Both produce a Sigstore bundle v0.3 around a DSSE envelope, and a signature line for the
checkpoint note. The ledger code never knows which one it holds.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner  # type: ignore[attr-defined]

from checker.errors import UsageError
from checker.evidence import bundle, checkpoint
from checker.evidence.keys import PrivateKey, TrustedKey, load_private


class Signer(ABC):
    """Signs ledger entries (as bundles) and checkpoints (as signed-note lines)."""

    @abstractmethod
    def sign_bundle(self, payload_type: str, payload: bytes) -> dict[str, Any]:
        """A Sigstore bundle v0.3 whose DSSE envelope signs `payload`."""

    @abstractmethod
    def sign_note(self, name: str, text: str) -> str:
        """One signed-note signature line over `text` (a checkpoint body)."""

    @abstractmethod
    def trust_entry(self) -> dict[str, str]:
        """How LEDGER.json lists this signer (informational; auditors bring their own trust)."""


class KeySigner(Signer):
    """Ed25519 or ECDSA P-256 private key; DSSE signing through securesystemslib."""

    def __init__(self, private_key: PrivateKey) -> None:
        self._private = private_key
        self.key = TrustedKey.of(private_key.public_key())
        self._sslib = CryptoSigner(private_key)

    @property
    def keyid(self) -> str:
        return self.key.keyid

    def sign_bundle(self, payload_type: str, payload: bytes) -> dict[str, Any]:
        envelope = Envelope(payload=payload, payload_type=payload_type, signatures={})
        sig = envelope.sign(self._sslib)
        return bundle.key_bundle(payload_type, payload, bytes.fromhex(sig.signature), self.keyid)

    def sign_note(self, name: str, text: str) -> str:
        data = text.encode()
        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            signature = self._private.sign(data)
        else:
            signature = self._private.sign(data, ec.ECDSA(hashes.SHA256()))
        alg, public = self.key.note_key()
        return checkpoint.signature_line(name, checkpoint.key_hash(name, alg, public), signature)

    def trust_entry(self) -> dict[str, str]:
        return {"type": "key", "keyid": self.keyid, "scheme": self.key.scheme, "public_key": self.key.pem}


class SigstoreSigner(Signer):
    """Keyless signing with the ambient OIDC identity of a GitHub Actions job (sigstore-python).

    Deliberately thin: it needs Fulcio, Rekor and an OIDC token, none of which exist offline, so
    here only the bundles such a signer produces are verified (tests/evidence/localsigstore.py
    mints equivalent ones). One sigstore signing session (one ephemeral key and certificate) is
    held open for the signer's lifetime, so the checkpoint note can be signed with the same key
    that the newest entry's certificate binds to the workflow identity.
    """

    def __init__(self) -> None:
        from sigstore.models import ClientTrustConfig
        from sigstore.oidc import IdentityToken, detect_credential
        from sigstore.sign import SigningContext

        token = detect_credential()
        if token is None:
            raise UsageError(
                "keyless signing needs an ambient OIDC identity and none was found",
                fix="run in GitHub Actions with `permissions: id-token: write`, or use --key",
            )
        self._identity = IdentityToken(token)
        context = SigningContext.from_trust_config(ClientTrustConfig.production())
        self._session = context.signer(self._identity)
        self._signer = self._session.__enter__()

    def sign_bundle(self, payload_type: str, payload: bytes) -> dict[str, Any]:
        from sigstore.dsse import Statement

        result = self._signer.sign_dsse(Statement(payload))
        data: dict[str, Any] = json.loads(result.to_json())
        return data

    def sign_note(self, name: str, text: str) -> str:
        key = self._signer._private_key  # the session's ephemeral key (sigstore-python has no public accessor)
        signature = key.sign(text.encode(), ec.ECDSA(hashes.SHA256()))
        return checkpoint.signature_line(name, checkpoint.KEYLESS_HASH, signature)

    def trust_entry(self) -> dict[str, str]:
        return {"type": "sigstore", "identity": str(self._identity.identity), "issuer": str(self._identity.issuer)}


def load_signer(mode: str, key: str | None = None, password: str | None = None) -> Signer:
    """mode "key": `key` is PEM text or a file path; mode "sigstore": ambient OIDC keyless."""
    if mode == "key":
        if not key:
            raise UsageError(
                "no signing key given", fix="pass --key FILE or set CHANGEPROOF_SIGNING_KEY to the PEM private key"
            )
        return KeySigner(load_private(key, password))
    if mode == "sigstore":
        return SigstoreSigner()
    raise UsageError(f"unknown signing mode {mode!r}", fix="use 'key' or 'sigstore'")
