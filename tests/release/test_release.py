"""scripts/release.sh against a local registry (Debian's docker-registry on 127.0.0.1), in a
throwaway clone: the pushed digest is the one the tagged release commit's action.yml pins."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / "scripts" / "release.sh"
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def _clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    _git(clone, "config", "user.name", "Release Tester")
    _git(clone, "config", "user.email", "release@example.com")
    return clone


def _release(clone: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(clone / "scripts" / "release.sh"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=1800,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("127.0.0.1:5000",), "expected 2 arguments"),
        (("127.0.0.1:5000", "1.2"), "is not MAJOR.MINOR.PATCH"),
        (("https://ghcr.io", "1.2.3"), "is not a registry host"),
    ],
)
def test_bad_arguments_exit_2_before_building(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    proc = _release(_clone(tmp_path), *args)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_a_dirty_work_tree_is_refused(tmp_path: Path) -> None:
    clone = _clone(tmp_path)
    (clone / "action.yml").write_text((clone / "action.yml").read_text() + "# edit\n")
    proc = _release(clone, "127.0.0.1:5000", "1.2.3")
    assert proc.returncode == 2 and "uncommitted changes" in proc.stderr, proc.stderr


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    """A local OCI registry (Debian's docker-registry) on a free port; yields host:port."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.fail("docker-registry is not installed; run scripts/setup/container.sh")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "registry.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {tmp_path / 'registry-data'}\nhttp:\n  addr: 127.0.0.1:{port}\n"
    )
    proc = subprocess.Popen([binary, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the local registry did not start")
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.container
@pytest.mark.timeout(1800)
def test_release_pushes_the_image_and_pins_its_digest_on_the_tag(tmp_path: Path, registry: str) -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "setup" / "container.sh")], check=True)
    clone = _clone(tmp_path)
    branch_before = _git(clone, "rev-parse", "HEAD")
    env = {
        "CONTAINERS_CONF": str(ROOT / ".cache" / "container" / "containers.conf"),
        "CHANGEPROOF_BASE_IMAGE": os.environ.get("CHANGEPROOF_BASE_IMAGE", "localhost/changeproof-base:bookworm"),
        "CHANGEPROOF_REGISTRY_TLS_VERIFY": "false",
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
    }
    proc = _release(clone, f"{registry}/acme", "1.4.0", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # What the registry holds (asked over its own HTTP API, not through podman).
    request = urllib.request.Request(
        f"http://{registry}/v2/acme/changeproof/manifests/1.4.0", headers={"Accept": MANIFEST_TYPES}, method="GET"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        pushed = response.headers["Docker-Content-Digest"]
        manifest = json.loads(response.read())
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", pushed)
    assert manifest.get("layers") or manifest.get("manifests")

    # The tag points at a release commit whose action.yml runs exactly that digest.
    pinned = f"docker://{registry}/acme/changeproof@{pushed}"
    assert proc.stdout.strip() == pinned
    for tag in ("v1.4.0", "v1"):
        action = _git(clone, "show", f"{tag}:action.yml")
        assert re.search(r"^  using: docker$", action, re.M)
        assert re.findall(r"^  image: (.*)$", action, re.M) == [pinned]
    release_commit = _git(clone, "rev-parse", "v1.4.0^{commit}")
    assert _git(clone, "rev-parse", f"{release_commit}^") == branch_before
    assert _git(clone, "diff", "--name-only", branch_before, release_commit) == "action.yml"
    # The branch itself still builds the Dockerfile (development and tests).
    assert _git(clone, "rev-parse", "HEAD") == branch_before
    assert re.findall(r"^  image: (.*)$", (clone / "action.yml").read_text(), re.M) == ["Dockerfile"]
    outputs = (tmp_path / "github_output").read_text()
    assert f"digest={pushed}\n" in outputs and "tag=v1.4.0\n" in outputs
