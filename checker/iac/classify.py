"""Which changed files are infrastructure-as-code, and for which checkov framework.

Path rules are cheap and never import checkov: the whole point is that a PR touching no IaC file
costs nothing. YAML/JSON files are sniffed (first 64 KiB) to tell CloudFormation from Kubernetes
from everything else, so `mkdocs.yml` does not wake the scanner up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from checker.model import ChangedFile

TERRAFORM = "terraform"
CLOUDFORMATION = "cloudformation"
KUBERNETES = "kubernetes"
DOCKERFILE = "dockerfile"
GITHUB_ACTIONS = "github_actions"
SECRETS = "secrets"

#: The frameworks this scanner runs (checkov's `github_configuration` is never among them: it calls the API).
FRAMEWORKS: tuple[str, ...] = (TERRAFORM, CLOUDFORMATION, KUBERNETES, DOCKERFILE, GITHUB_ACTIONS, SECRETS)

_YAML_JSON = (".yaml", ".yml", ".json", ".template")
SNIFF_BYTES = 64 * 1024

_CFN = re.compile(rb"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::")
_K8S_API = re.compile(rb"(?m)^\s*[\"']?apiVersion[\"']?\s*:")
_K8S_KIND = re.compile(rb"(?m)^\s*[\"']?kind[\"']?\s*:")

# Cheap pre-filter deciding whether a non-IaC changed file is worth a checkov secrets scan.
# Generous on purpose (false positives only cost a scan); checkov's detectors decide.
_SECRET_HINT = re.compile(
    rb"(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[A-Z0-9]{16}"
    rb"|-----BEGIN [A-Z ]*PRIVATE KEY"
    rb"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
    rb"|xox[abposr]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}"
    rb"|(?i:passw(?:or)?d|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)"
    rb"[\"']?\s*[:=]\s*[\"']?[^\s\"']{8,}",
)


def _name(path: str) -> str:
    return PurePosixPath(path).name


def is_dockerfile(path: str) -> bool:
    name = _name(path)
    lower = name.lower()
    return lower == "dockerfile" or lower.startswith("dockerfile.") or lower.endswith(".dockerfile")


def is_workflow(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return len(parts) >= 3 and parts[-3] == ".github" and parts[-2] == "workflows" and path.endswith((".yml", ".yaml"))


def is_terraform(path: str) -> bool:
    return path.endswith((".tf", ".tf.json", ".tfvars", ".tfvars.json"))


def is_iac_path(path: str) -> bool:
    """True when `path` may hold IaC checkov scans (YAML/JSON are candidates until sniffed)."""
    return is_terraform(path) or is_dockerfile(path) or is_workflow(path) or path.lower().endswith(_YAML_JSON)


def frameworks_for(path: str, head: bytes | None) -> set[str]:
    """The frameworks a changed file needs; `head` is (the start of) its content, None if unreadable."""
    if is_terraform(path):
        return {TERRAFORM}
    if is_dockerfile(path):
        return {DOCKERFILE}
    if is_workflow(path):
        return {GITHUB_ACTIONS}
    if path.lower().endswith(_YAML_JSON) and head is not None:
        sample = head[:SNIFF_BYTES]
        found = set()
        if _CFN.search(sample):
            found.add(CLOUDFORMATION)
        if _K8S_API.search(sample) and _K8S_KIND.search(sample):
            found.add(KUBERNETES)
        return found
    return set()


def may_hold_secret(content: bytes) -> bool:
    """Cheap hint that checkov's secret detectors should look at a file."""
    return b"\0" not in content[:8192] and _SECRET_HINT.search(content) is not None


def changed_iac_files(files: Iterable[ChangedFile]) -> tuple[str, ...]:
    """The changed paths (old and new names) that may be IaC, in order, each once."""
    paths: dict[str, None] = {}
    for f in files:
        for path in (f.path, f.previous_path):
            if path and is_iac_path(path):
                paths[path] = None
    return tuple(paths)
