"""requirements.txt (what the image installs with --require-hashes) stays true to pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _locked() -> dict[str, list[tuple[str, str, list[str]]]]:
    """name -> [(version, marker, hashes)] from the lock file's `name==version ; marker \\ --hash` blocks."""
    text = (ROOT / "requirements.txt").read_text()
    pins: dict[str, list[tuple[str, str, list[str]]]] = {}
    for block in re.split(r"\n(?=\S)", text):
        if block.startswith("#"):
            continue
        head = block.split("\\", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)\s*(?:;\s*(.*))?", head)
        assert match, f"not an exact pin: {head!r}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
        name, version, marker = canonicalize_name(match.group(1)), match.group(2), match.group(3) or ""
        pins.setdefault(name, []).append((version, marker, hashes))
    return pins


def test_every_pin_is_exact_and_hashed() -> None:
    pins = _locked()
    assert len(pins) > 50
    for name, entries in pins.items():
        for version, _marker, hashes in entries:
            assert hashes, f"{name}=={version} has no hash"


def test_every_runtime_dependency_and_the_iac_extra_are_locked_within_their_ranges() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["iac"]]]
    pins = _locked()
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.txt; run ./scripts/lock.sh"
        for version, _marker, _hashes in pins[name]:
            assert req.specifier.contains(version, prereleases=True), f"{name}=={version} is outside {req}"


def test_the_dockerfile_installs_the_lock_with_require_hashes() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"pip install [^\n]*--require-hashes -r requirements\.txt", dockerfile)
    assert re.search(r"pip install [^\n]*--no-deps [^\n]*changeproof-\*\.whl", dockerfile)
