"""Loading Ed25519 / ECDSA P-256 keys from PEM, with errors a person can act on."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import nacl.bindings
import nacl.exceptions
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from securesystemslib.signer import SSlibKey  # type: ignore[attr-defined]

from checker.errors import UsageError

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
SUPPORTED = "Ed25519 or ECDSA P-256"


def read_pem(key: str, what: str) -> tuple[bytes, str]:
    """Accept PEM text itself or a path to a PEM file; return (bytes, where-for-messages)."""
    if "-----BEGIN" in key:
        return key.encode(), f"the {what} given as text"
    path = Path(key).expanduser()
    if not path.is_file():
        raise UsageError(
            f"{what} {key!r} is neither PEM text nor an existing file",
            fix=f"pass the path of a PEM {what} file, or its PEM text",
        )
    return path.read_bytes(), str(path)


def _check_type(key: object, where: str) -> None:
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if isinstance(key.curve, ec.SECP256R1):
            return
        raise UsageError(
            f"{where}: ECDSA key on curve {key.curve.name} is not supported",
            fix=f"use an {SUPPORTED} key (`changeproof keygen` makes one)",
        )
    raise UsageError(
        f"{where}: {type(key).__name__.lstrip('_')} keys are not supported",
        fix=f"use an {SUPPORTED} key (`changeproof keygen` makes one)",
    )


def _is_encrypted(data: bytes) -> bool:
    """Whether a PEM private key needs a password, decided by trying without one: cryptography
    raises TypeError for exactly that case (and loads or raises ValueError otherwise)."""
    try:
        serialization.load_pem_private_key(data, None)
    except TypeError:
        return True
    except (ValueError, UnsupportedAlgorithm):
        return False
    return False


def load_private(key: str, password: str | None) -> PrivateKey:
    data, where = read_pem(key, "private key")
    encrypted = _is_encrypted(data)
    if encrypted and not password:
        raise UsageError(
            f"{where}: the private key is encrypted and no password was given",
            fix="set CHANGEPROOF_KEY_PASSWORD (or --password-env NAME) to its password",
        )
    try:
        loaded = serialization.load_pem_private_key(data, password.encode() if password and encrypted else None)
    except (TypeError, ValueError):
        # by type: TypeError = a password given for an unencrypted key or none for an encrypted
        # one (both excluded above), ValueError = bad PEM/DER or a wrong password
        if encrypted:
            raise UsageError(
                f"{where}: the password does not decrypt this private key", fix="check CHANGEPROOF_KEY_PASSWORD"
            ) from None
        raise UsageError(
            f"{where}: not a readable PEM private key", fix="pass a PEM file beginning with -----BEGIN PRIVATE KEY-----"
        ) from None
    except UnsupportedAlgorithm:
        raise UsageError(f"{where}: unsupported key algorithm", fix=f"use an {SUPPORTED} key") from None
    _check_type(loaded, where)
    return loaded  # type: ignore[return-value]


def load_public(key: str) -> PublicKey:
    data, where = read_pem(key, "public key")
    try:
        loaded = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError(
            f"{where}: not a readable PEM public key",
            fix="pass a file beginning with -----BEGIN PUBLIC KEY----- (e.g. changeproof.pub)",
        ) from None
    _check_type(loaded, where)
    return loaded  # type: ignore[return-value]


@dataclass(frozen=True)
class TrustedKey:
    """A public key an auditor (or the ledger) trusts, with its securesystemslib key id."""

    keyid: str
    scheme: str
    public: PublicKey
    pem: str

    @classmethod
    def of(cls, public: PublicKey) -> TrustedKey:
        sslib = SSlibKey.from_crypto(public)
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        return cls(sslib.keyid, sslib.scheme, public, pem)

    def verify(self, signature: bytes, data: bytes) -> bool:
        if isinstance(self.public, ed25519.Ed25519PublicKey):
            return ed25519_verify(self.raw, signature, data)
        try:
            self.public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True

    @functools.cached_property
    def raw(self) -> bytes:
        """The raw public key bytes (Ed25519: the 32-byte point encoding)."""
        return self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def note_key(self) -> tuple[int, bytes]:
        """(signed-note algorithm byte, public key bytes) for checkpoint key hashes."""
        if isinstance(self.public, ed25519.Ed25519PublicKey):
            return 0x01, self.raw
        return 0x02, self.public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def ed25519_verify(public: bytes, signature: bytes, data: bytes) -> bool:
    """RFC 8032 Ed25519 verification with libsodium (PyNaCl): about 1.7x faster than OpenSSL's on
    this kind of machine, which is most of a ledger's verify time. It accepts no signature that
    OpenSSL rejects (it also rejects small-order keys and R values, and non-canonical encodings:
    stricter, so it fails closed); tests hold the two equal on real signatures and edits."""
    if len(signature) != 64 or len(public) != 32:
        return False
    try:
        nacl.bindings.crypto_sign_open(signature + data, public)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, nacl.exceptions.TypeError):
        return False
    return True


def trusted_key(key: str) -> TrustedKey:
    return TrustedKey.of(load_public(key))


def write_private_file(path: Path, data: bytes) -> None:
    """Write a private key file readable by its owner only, from the moment it exists."""
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def generate_keypair(
    out: Path, key_type: str = "ed25519", *, password: str | None = None, force: bool = False
) -> tuple[Path, Path, TrustedKey]:
    """Write `out/changeproof.key` (PKCS#8 PEM, mode 0600 from creation) and `out/changeproof.pub`."""
    out.mkdir(parents=True, exist_ok=True)
    priv_path, pub_path = out / "changeproof.key", out / "changeproof.pub"
    if not force and (priv_path.exists() or pub_path.exists()):
        raise UsageError(f"{priv_path} or {pub_path} already exists", fix="choose another --out or pass --force")
    private: PrivateKey = (
        ed25519.Ed25519PrivateKey.generate() if key_type == "ed25519" else ec.generate_private_key(ec.SECP256R1())
    )
    encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    if password:
        encryption = serialization.BestAvailableEncryption(password.encode())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    write_private_file(priv_path, pem)
    key = TrustedKey.of(private.public_key())
    pub_path.write_text(key.pem, encoding="utf-8")
    return priv_path, pub_path, key
