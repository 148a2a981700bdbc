"""Our bundles verify with other people's code, given only the public key.

- securesystemslib's own DSSE implementation (Envelope.verify);
- the Sigstore project's JavaScript verifier, @sigstore/verify from npm, with a trust material
  that holds nothing but the public key (no CA, no transparency log, no timestamp authority).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from evidence_support import append_n, entry_file, make_keypair, read
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey

from checker.serde import to_json

JS = Path(__file__).with_name("js")


@pytest.fixture(params=["ed25519", "ecdsa"])
def signed(request, tmp_path, remote, example):
    key = make_keypair(tmp_path / "keys", request.param)
    append_n(remote, key, example, 2)
    bundles = []
    for seq in range(2):
        path = tmp_path / f"entry{seq}.json"
        path.write_bytes(read(remote, entry_file(seq)))
        bundles.append(path)
    return key, bundles


def test_securesystemslib_verifies_the_envelopes(signed, example):
    key, bundles = signed
    public = SSlibKey.from_crypto(load_pem_public_key(key.public_pem.encode()))
    for path in bundles:
        bundle = json.loads(path.read_bytes())
        envelope = Envelope.from_dict(bundle["dsseEnvelope"])
        assert public.keyid in envelope.verify([public], 1)
        statement = json.loads(envelope.payload)
        assert statement["_type"] == "https://in-toto.io/Statement/v1"
        assert envelope.payload_type == "application/vnd.in-toto+json"
        assert bundle["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
        assert bundle["verificationMaterial"]["publicKey"]["hint"] == public.keyid
        digest = hashlib.sha256(rfc8785.dumps(to_json(example.evaluation))).hexdigest()
        assert statement["subject"] == [
            {"name": f"acme/payments@{example.evaluation.head_sha}", "digest": {"sha256": digest}}
        ]
    tampered = json.loads(bundles[0].read_bytes())["dsseEnvelope"]
    statement = json.loads(base64.b64decode(tampered["payload"]))
    statement["predicate"]["verdict"] = "pass" if statement["predicate"]["verdict"] != "pass" else "fail"
    tampered["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    with pytest.raises(VerificationError):
        Envelope.from_dict(tampered).verify([public], 1)


def _node_verify(key_pem: Path, hint: str, bundles: list[Path]) -> tuple[int, list[dict]]:
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "@sigstore" / "verify").is_dir():
        pytest.fail("@sigstore/verify is not installed: run scripts/setup/evidence.sh")
    proc = subprocess.run(
        [node, str(JS / "verify-bundles.js"), str(key_pem), hint, *map(str, bundles)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()]


def test_sigstore_js_verifies_the_bundles_with_only_the_public_key(signed, tmp_path):
    key, bundles = signed
    hint = json.loads(bundles[0].read_bytes())["verificationMaterial"]["publicKey"]["hint"]
    code, results = _node_verify(key.public_path, hint, bundles)
    assert code == 0, results
    assert [r["ok"] for r in results] == [True, True]

    bad = json.loads(bundles[1].read_bytes())
    sig = bytearray(base64.b64decode(bad["dsseEnvelope"]["signatures"][0]["sig"]))
    sig[-3] ^= 0x40
    bad["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    bad_path = tmp_path / "bad.json"
    bad_path.write_text(json.dumps(bad))
    other = make_keypair(tmp_path / "other", name="other")
    code, results = _node_verify(key.public_path, hint, [bad_path])
    assert code == 1 and "SIGNATURE_ERROR" in results[0]["error"]
    code, results = _node_verify(other.public_path, hint, [bundles[0]])
    assert code == 1 and not results[0]["ok"]
