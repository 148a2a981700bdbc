"""A ledger behind HTTP(S): the token travels as an auth header, never in the URL, argv or output.

A real `git http-backend` behind a tiny local HTTP server that demands the token, exactly as a
Git host would (only 127.0.0.1, no network).
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from evidence_support import BRANCH, CONTEXT

from checker.errors import InfrastructureError
from checker.evidence import load_signer, record_evaluation, verify_ledger

TOKEN = "ghs_test_token_0123456789abcdef"
EXPECTED = "basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()


class GitHttp(BaseHTTPRequestHandler):
    root: Path
    seen: list[str]

    def log_message(self, *args: object) -> None:
        return

    def _handle(self) -> None:
        auth = self.headers.get("Authorization", "")
        self.seen.append(self.path)
        self.seen.append(auth)
        if auth.lower() != EXPECTED.lower():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="ledger"')
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {
            "PATH": os.environ["PATH"],
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(length),
            "REMOTE_USER": "x-access-token",
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        }
        out = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=env, check=False).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.decode().split("\r\n"):
            key, _, value = line.partition(": ")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers.append((key, value))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _handle
    do_POST = _handle


@pytest.fixture
def http_remote(tmp_path):
    root = tmp_path / "srv"
    root.mkdir()
    repo = root / "ledger.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    subprocess.run(["git", f"--git-dir={repo}", "config", "http.receivepack", "true"], check=True)
    handler = type("Handler", (GitHttp,), {"root": root, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ledger.git", handler.seen
    server.shutdown()


def test_append_and_verify_over_http_with_token_header(http_remote, keypair, example, monkeypatch):
    url, seen = http_remote
    signer = load_signer("key", keypair.private_pem)
    monkeypatch.delenv("CHANGEPROOF_LEDGER_TOKEN", raising=False)
    with pytest.raises(InfrastructureError) as refused:
        record_evaluation(example.evaluation, example.facts, example.policy, ledger=url, signer=signer, context=CONTEXT)
    assert TOKEN not in refused.value.diagnostics()
    monkeypatch.setenv("CHANGEPROOF_LEDGER_TOKEN", TOKEN)
    results = [
        record_evaluation(example.evaluation, example.facts, example.policy, ledger=url, signer=signer, context=CONTEXT)
        for _ in range(2)
    ]
    assert [r.seq for r in results] == [0, 1]
    assert EXPECTED in seen  # the header reached the server ...
    assert not any(TOKEN in s for s in seen if not s.startswith("basic ")) and TOKEN not in url  # ... only there
    report = verify_ledger(url, BRANCH, keys=[keypair.public_pem])
    assert report.ok and report.entries == 2, report.problems
