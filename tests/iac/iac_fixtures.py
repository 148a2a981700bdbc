"""Fixture repositories for the IaC scanner: a base tree plus scenario overlays (one per PR).

A uniquely named module (not conftest) so tests can import it without clashing with other areas.
"""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
REPO = FIXTURES / "repo"
SCENARIOS = FIXTURES / "scenarios"


def fake_aws_key() -> tuple[str, str]:
    """Fabricated credentials, assembled at run time so no key-shaped string sits in the repository."""
    return "AKIA" + "Q3EGUNIKZ7XYZ2WB", "wJalrXUtnFEMI/K7MDENG" + "/bPxRfiCYzq8Kbm3t2Q"


def make_head(dest: Path, scenario: str) -> Path:
    """Copy the base repository and apply one scenario's overlay (files to write, paths to delete)."""
    shutil.copytree(REPO, dest, symlinks=True)
    overlay = SCENARIOS / scenario
    if (overlay / "files").is_dir():
        shutil.copytree(overlay / "files", dest, dirs_exist_ok=True)
    if (overlay / "delete").is_file():
        for line in (overlay / "delete").read_text().split():
            (dest / line).unlink()
    if scenario == "secret":
        write_secret(dest)
    return dest


def write_secret(dest: Path) -> None:
    key_id, secret = fake_aws_key()
    (dest / "app").mkdir(exist_ok=True)
    (dest / "app/settings.py").write_text(
        f'REGION = "eu-west-1"\nAWS_ACCESS_KEY_ID = "{key_id}"\nAWS_SECRET_ACCESS_KEY = "{secret}"\n'
    )
