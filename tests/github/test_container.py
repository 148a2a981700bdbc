"""The real image: scripts/container-test.sh builds the Dockerfile with podman and runs it once
against the fake GitHub server on the host. Deselect with `-m "not container"`; CI runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.container
@pytest.mark.timeout(1800)
def test_image_builds_and_passes_the_reference_pr() -> None:
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "container-test.sh")],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "PYTHON": sys.executable,
            "HOME": str(Path.home()),
        },
        timeout=1800,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "container test: OK" in proc.stdout
