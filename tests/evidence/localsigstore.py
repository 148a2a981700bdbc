"""A miniature, offline Sigstore for tests: a Fulcio-like CA, a CT log key, a Rekor-like log key.

It mints short-lived signing certificates for a workflow identity (SAN URI + OIDC issuer
extension, an embedded precertificate SCT), records each DSSE signature as a `dsse/0.0.1` log
entry with an inclusion proof, a signed checkpoint and a signed entry timestamp, and writes the
matching trusted_root.json. sigstore-python then verifies these bundles exactly as it would
public-good ones, which exercises our keyless path (identity and ref pinning) without a network.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import struct
from pathlib import Path
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from checker.evidence import bundle as bundles
from checker.evidence import checkpoint as notes
from checker.evidence.signing import Signer

ISSUER = "https://token.actions.githubusercontent.com"
OID_ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
OID_SCT_LIST = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _octet_string(data: bytes) -> bytes:
    n = len(data)
    length = bytes([n]) if n < 128 else (bytes([0x81, n]) if n < 256 else bytes([0x82]) + struct.pack("!H", n))
    return b"\x04" + length + data


class LocalSigstore:
    def __init__(self) -> None:
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ct_key = ec.generate_private_key(ec.SECP256R1())
        self.log_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "changeproof-test"),
                x509.NameAttribute(NameOID.COMMON_NAME, "local fulcio"),
            ]
        )
        ski = x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key())
        self.ca = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )
        self.log_id = hashlib.sha256(_der(self.log_key.public_key())).digest()
        self.ct_id = hashlib.sha256(_der(self.ct_key.public_key())).digest()
        self.entries: list[bytes] = []

    # ------------------------------------------------------------------ trust material

    def trusted_root(self, path: Path) -> Path:
        start = (NOW - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

        def log(key: ec.EllipticCurvePrivateKey, log_id: bytes, url: str) -> dict[str, Any]:
            return {
                "baseUrl": url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": _b64(_der(key.public_key())),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": {"start": start},
                },
                "logId": {"keyId": _b64(log_id)},
            }

        root = {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log(self.log_key, self.log_id, "https://rekor.invalid")],
            "certificateAuthorities": [
                {
                    "subject": {"organization": "changeproof-test", "commonName": "local fulcio"},
                    "uri": "https://fulcio.invalid",
                    "certChain": {
                        "certificates": [{"rawBytes": _b64(self.ca.public_bytes(serialization.Encoding.DER))}]
                    },
                    "validFor": {"start": start},
                }
            ],
            "ctlogs": [log(self.ct_key, self.ct_id, "https://ctlog.invalid")],
            "timestampAuthorities": [],
        }
        path.write_text(json.dumps(root, indent=2))
        return path

    # ------------------------------------------------------------------ certificates

    def _leaf_builder(
        self, public: ec.EllipticCurvePublicKey, identity: str, serial: int, sct_list: bytes
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.ca.subject)
            .public_key(public)
            .serial_number(serial)
            .not_valid_before(NOW - dt.timedelta(minutes=5))
            .not_valid_after(NOW + dt.timedelta(minutes=10))
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(identity)]), critical=True)
            .add_extension(x509.UnrecognizedExtension(OID_ISSUER_V1, ISSUER.encode()), critical=False)
            .add_extension(x509.UnrecognizedExtension(OID_SCT_LIST, _octet_string(sct_list)), critical=False)
        )

    def _sct(self, tbs_precert: bytes, timestamp_ms: int, signature: bytes | None) -> bytes:
        issuer_key_hash = hashlib.sha256(_der(self.ca_key.public_key())).digest()
        if signature is None:
            signed = (
                struct.pack("!BBQH", 0, 0, timestamp_ms, 1)
                + issuer_key_hash
                + struct.pack("!I", len(tbs_precert))[1:]
                + tbs_precert
                + struct.pack("!H", 0)
            )
            signature = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (
            struct.pack("!B", 0)
            + self.ct_id
            + struct.pack("!QH", timestamp_ms, 0)
            + struct.pack("!BBH", 4, 3, len(signature))
            + signature
        )
        return struct.pack("!HH", len(sct) + 2, len(sct)) + sct

    def issue(self, public: ec.EllipticCurvePublicKey, identity: str) -> x509.Certificate:
        """A Fulcio-style leaf certificate with an embedded SCT that verifies against the CT key."""
        serial = x509.random_serial_number()
        timestamp_ms = int(NOW.timestamp() * 1000)
        placeholder = self._sct(b"", timestamp_ms, b"\x00" * 72)
        draft = self._leaf_builder(public, identity, serial, placeholder).sign(self.ca_key, hashes.SHA256())
        sct_list = self._sct(draft.tbs_precertificate_bytes, timestamp_ms, None)
        return self._leaf_builder(public, identity, serial, sct_list).sign(self.ca_key, hashes.SHA256())

    # ------------------------------------------------------------------ the log

    def log_entry(self, payload: bytes, signature: bytes, cert: x509.Certificate) -> dict[str, Any]:
        pem = cert.public_bytes(serialization.Encoding.PEM)
        body = rfc8785.dumps(
            {
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": {
                    "envelopeHash": {"algorithm": "sha256", "value": hashlib.sha256(payload + signature).hexdigest()},
                    "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
                    "signatures": [{"signature": _b64(signature), "verifier": _b64(pem)}],
                },
            }
        )
        index = len(self.entries)
        self.entries.append(body)
        leaf = hashlib.sha256(b"\x00" + body).digest()  # a log of one entry: its root is the leaf
        origin = "rekor.invalid - 1"
        text = f"{origin}\n1\n{_b64(leaf)}\n"
        note = (
            text
            + "\n"
            + notes.signature_line(
                "rekor.invalid", self.log_id[:4], self.log_key.sign(text.encode(), ec.ECDSA(hashes.SHA256()))
            )
        )
        integrated = int(NOW.timestamp())
        promise = rfc8785.dumps(
            {"body": _b64(body), "integratedTime": integrated, "logID": self.log_id.hex(), "logIndex": index}
        )
        return {
            "logIndex": str(index),
            "logId": {"keyId": _b64(self.log_id)},
            "kindVersion": {"kind": "dsse", "version": "0.0.1"},
            "integratedTime": str(integrated),
            "inclusionPromise": {"signedEntryTimestamp": _b64(self.log_key.sign(promise, ec.ECDSA(hashes.SHA256())))},
            "inclusionProof": {
                "logIndex": "0",
                "rootHash": _b64(leaf),
                "treeSize": "1",
                "hashes": [],
                "checkpoint": {"envelope": note},
            },
            "canonicalizedBody": _b64(body),
        }


class LocalKeylessSigner(Signer):
    """Signs like sigstore-python's keyless signer would, but against LocalSigstore."""

    def __init__(self, sigstore: LocalSigstore, identity: str) -> None:
        self.sigstore = sigstore
        self.identity = identity
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.cert = sigstore.issue(self._key.public_key(), identity)

    def sign_bundle(self, payload_type: str, payload: bytes) -> dict[str, Any]:
        signature = self._key.sign(bundles.pae(payload_type, payload), ec.ECDSA(hashes.SHA256()))
        return {
            "mediaType": bundles.BUNDLE_MEDIA_TYPE,
            "verificationMaterial": {
                "certificate": {"rawBytes": _b64(self.cert.public_bytes(serialization.Encoding.DER))},
                "tlogEntries": [self.sigstore.log_entry(payload, signature, self.cert)],
            },
            "dsseEnvelope": {
                "payload": _b64(payload),
                "payloadType": payload_type,
                "signatures": [{"sig": _b64(signature), "keyid": ""}],
            },
        }

    def sign_note(self, name: str, text: str) -> str:
        signature = self._key.sign(text.encode(), ec.ECDSA(hashes.SHA256()))
        return notes.signature_line(name, notes.KEYLESS_HASH, signature)

    def trust_entry(self) -> dict[str, str]:
        return {"type": "sigstore", "identity": self.identity, "issuer": ISSUER}
