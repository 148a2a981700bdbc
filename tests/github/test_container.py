"""The real image: scripts/container-test.sh builds the Dockerfile with podman and runs it once
against the fake GitHub server on the host; then the IaC tests run inside that image (every
checkov framework the slimmed image must still support, no network). Deselect with
`-m "not container"`; CI runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("CHANGEPROOF_TEST_IMAGE", "localhost/changeproof:test")
BASE_IMAGE = os.environ.get("CHANGEPROOF_BASE_IMAGE", "localhost/changeproof-base:bookworm")
CACHE = ROOT / ".cache" / "container"
ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "PYTHON": sys.executable,
    "HOME": str(Path.home()),
    "CONTAINERS_CONF": str(CACHE / "containers.conf"),
}


def _run(*cmd: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), capture_output=True, text=True, env=ENV, timeout=timeout, check=False)


@pytest.mark.container
@pytest.mark.timeout(1800)
def test_image_builds_and_passes_the_reference_pr() -> None:
    proc = _run("bash", str(ROOT / "scripts" / "container-test.sh"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "container test: OK" in proc.stdout


@pytest.mark.container
@pytest.mark.timeout(1800)
def test_the_iac_tests_pass_inside_the_slimmed_image() -> None:
    assert _run("bash", str(ROOT / "scripts" / "setup" / "container.sh")).returncode == 0
    build = _run("podman", "build", "-q", "--network", "host", "--build-arg", f"BASE_IMAGE={BASE_IMAGE}",
                 "-t", IMAGE, str(ROOT))  # fmt: skip
    assert build.returncode == 0, build.stderr
    # The test tools for the image's Python, beside (never over) the image's own packages.
    site = CACHE / "pytest-site"
    tools = {"pytest": "pytest", "pluggy": "pluggy", "iniconfig": "iniconfig", "pytest_timeout.py": "pytest-timeout",
             "hypothesis": "hypothesis", "sortedcontainers": "sortedcontainers"}  # fmt: skip
    missing = [name for path, name in tools.items() if not (site / path).exists()]
    if missing:
        pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site)]
        assert _run(*pip, *missing).returncode == 0
    size = int(_run("podman", "image", "inspect", "--format", "{{.Size}}", IMAGE).stdout.strip())
    assert size <= 400_000_000, f"the image is {size / 1e6:.0f} MB, over the 400 MB budget"
    proc = _run(
        "podman", "run", "--rm", "--network", "none", "--workdir", "/tmp",
        "-v", f"{ROOT / 'tests'}:/src/tests:ro", "-v", f"{ROOT / 'pyproject.toml'}:/src/pyproject.toml:ro",
        "-v", f"{site}:/opt/pytest-site:ro", "-e", "PYTHONPATH=/opt/pytest-site",
        "--entrypoint", "/opt/changeproof/bin/python", IMAGE,
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", "/src/pyproject.toml", "--rootdir", "/src",
        "/src/tests/iac",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "failed" not in proc.stdout
