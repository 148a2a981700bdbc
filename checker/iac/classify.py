"""Which changed files are infrastructure-as-code, and for which checkov framework.

Path rules are cheap and never import checkov: the whole point is that a PR touching no IaC file
costs nothing. Terraform, Dockerfiles, GitHub workflows and Helm/kustomize files are known by their
paths; any other YAML/JSON file is IaC only when its content says so (first 64 KiB): a
CloudFormation template (`AWSTemplateFormatVersion`, or `Resources` with `Type: AWS::...`) or a
Kubernetes manifest (`apiVersion` and `kind`). A plain config (`mkdocs.yml`, `package.json`) is not,
and changeproof's own files (the policy, CODEOWNERS) never are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
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

_KEY = rb"(?m)(?:^|[{,])\s*[\"']?%s[\"']?\s*:"  # a mapping key in YAML or JSON (also one-line JSON)
_CFN_VERSION = re.compile(_KEY % rb"AWSTemplateFormatVersion")
_CFN_RESOURCES = re.compile(_KEY % rb"Resources")
_CFN_TYPE = re.compile(rb"[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::")
_K8S_API = re.compile(_KEY % rb"apiVersion")
_K8S_KIND = re.compile(_KEY % rb"kind")

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


# changeproof's own files: the policy-change control judges them, the IaC scanner never does.
OWN_FILES = frozenset({".github/changeproof.yml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"})
# Well-known YAML/JSON files that are never IaC, decided without reading them.
PLAIN_CONFIG_NAMES = frozenset(
    {
        "package.json",
        "package-lock.json",
        "composer.json",
        "composer.lock",
        "tsconfig.json",
        "renovate.json",
        ".pre-commit-config.yaml",
        "mkdocs.yml",
        "pnpm-lock.yaml",
        ".eslintrc.json",
        "codecov.yml",
        "dependabot.yml",
    }
)
# Helm charts and kustomize overlays, known by name (chart templates are sniffed like manifests).
_K8S_TOOLING_NAMES = frozenset({"chart.yaml", "chart.yml", "kustomization.yaml", "kustomization.yml"})


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


def is_own_file(path: str) -> bool:
    return path in OWN_FILES


def is_k8s_tooling(path: str) -> bool:
    return _name(path).lower() in _K8S_TOOLING_NAMES


def needs_content(path: str) -> bool:
    """True when only the file's content can tell whether it is IaC (a YAML/JSON file of no known kind)."""
    return (
        path.lower().endswith(_YAML_JSON)
        and not is_own_file(path)
        and _name(path) not in PLAIN_CONFIG_NAMES
        and not (is_terraform(path) or is_workflow(path) or is_k8s_tooling(path))
    )


def is_iac_by_path(path: str) -> bool:
    """True when the path alone makes the file IaC (no content needed)."""
    if is_own_file(path):
        return False
    return is_terraform(path) or is_dockerfile(path) or is_workflow(path) or is_k8s_tooling(path)


def is_iac_path(path: str) -> bool:
    """True when `path` may hold IaC checkov scans (YAML/JSON are candidates until sniffed)."""
    return is_iac_by_path(path) or needs_content(path)


def is_iac(path: str, content: bytes | None) -> bool:
    """Whether a file is IaC: by path, else by its content (None: unknown, so IaC — fail closed)."""
    if is_iac_by_path(path):
        return True
    if not needs_content(path):
        return False
    return content is None or bool(frameworks_for(path, content))


def frameworks_for(path: str, head: bytes | None) -> set[str]:
    """The frameworks a changed file needs; `head` is (the start of) its content, None if unreadable."""
    if is_own_file(path):
        return set()
    if is_terraform(path):
        return {TERRAFORM}
    if is_dockerfile(path):
        return {DOCKERFILE}
    if is_workflow(path):
        return {GITHUB_ACTIONS}
    if is_k8s_tooling(path):
        return {KUBERNETES}
    if needs_content(path) and head is not None:
        sample = head[:SNIFF_BYTES]
        found = set()
        if _CFN_VERSION.search(sample) or (_CFN_RESOURCES.search(sample) and _CFN_TYPE.search(sample)):
            found.add(CLOUDFORMATION)
        if _K8S_API.search(sample) and _K8S_KIND.search(sample):
            found.add(KUBERNETES)
        return found
    return set()


def may_hold_secret(content: bytes) -> bool:
    """Cheap hint that checkov's secret detectors should look at a file."""
    return b"\0" not in content[:8192] and _SECRET_HINT.search(content) is not None


MAX_CONTENT_READS = 40  # YAML/JSON files read to classify them; any further candidate counts as IaC
Reader = Callable[[str, str], bytes | None]  # (path, sha) -> the file's start, None when unreadable


def changed_iac_files(
    files: Iterable[ChangedFile], read: Reader | None = None, *, head_sha: str = "", base_sha: str = ""
) -> tuple[str, ...]:
    """The changed paths (old and new names) that are IaC, in order, each once.

    A YAML/JSON file of no known kind is judged by its content, read with `read` at the head (at
    the base for a removed file or a rename's old name). Without `read`, when it cannot be read,
    and past `MAX_CONTENT_READS` files, it counts as IaC: fail closed.
    """
    paths: dict[str, None] = {}
    reads = 0
    for f in files:
        for path, sha in ((f.path, base_sha if f.status == "removed" else head_sha), (f.previous_path, base_sha)):
            if not path or path in paths:
                continue
            content = None
            if read is not None and needs_content(path) and reads < MAX_CONTENT_READS:
                reads += 1
                content = read(path, sha)
            if is_iac(path, content):
                paths[path] = None
    return tuple(paths)
