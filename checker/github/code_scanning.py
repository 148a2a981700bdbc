"""Upload the IaC SARIF to GitHub code scanning (`code-scanning: true`), so findings show as alerts.

The gate uploads for `refs/pull/N/head` at the PR's head commit and the record job for the
default branch at the merge commit, both under one category (the SARIF's
`runs[].automationDetails.id`), so GitHub compares a PR's alerts against the base branch's
analysis of the same category. The REST call (`POST /repos/{o}/{r}/code-scanning/sarifs`) takes
the SARIF gzip-compressed and base64-encoded and needs `security-events: write`. Code scanning is
a reporting channel, never a control: a 403 (code security off, a fork's read-only token) or any
other failure is a warning and leaves the verdict alone.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
from dataclasses import dataclass
from typing import Any

from checker.errors import ChangeproofError
from checker.github.api import Api, status_of

#: The analysis category; with the trailing slash GitHub treats it as the category itself.
CATEGORY = "changeproof/iac/"
#: GitHub refuses uploads over 10 MB compressed (413).
MAX_GZIPPED_BYTES = 10 * 1024 * 1024
PERMISSION = "security-events: write"


@dataclass(frozen=True)
class UploadResult:
    """What happened: `sarif_id` when GitHub accepted it, else the warning shown to the developer."""

    sarif_id: str = ""
    url: str = ""
    warning: str = ""

    @property
    def uploaded(self) -> bool:
        return bool(self.sarif_id)


def categorised(sarif: dict[str, Any], category: str = CATEGORY) -> dict[str, Any]:
    """A copy of `sarif` whose every run carries the category (`automationDetails.id`)."""
    out = copy.deepcopy(sarif)
    for run in out.get("runs", []):
        run["automationDetails"] = {**run.get("automationDetails", {}), "id": category}
    return out


def encode(sarif: dict[str, Any]) -> str:
    """gzip, then base64: the form the upload endpoint takes."""
    raw = json.dumps(sarif, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, mtime=0)).decode("ascii")


def upload_sarif(
    api: Api, repository: str, sarif: dict[str, Any], *, commit_sha: str, ref: str, category: str = CATEGORY
) -> UploadResult:
    """Upload one analysis; never raises for GitHub's answer (the caller shows `warning`)."""
    encoded = encode(categorised(sarif, category))
    if len(encoded) * 3 // 4 > MAX_GZIPPED_BYTES:
        return UploadResult(warning="the IaC SARIF is over GitHub's 10 MB upload limit; not uploaded to code scanning")
    body = {"commit_sha": commit_sha, "ref": ref, "sarif": encoded, "tool_name": "changeproof"}
    try:
        _, data = api.request(
            "POST",
            f"/repos/{repository}/code-scanning/sarifs",
            body=body,
            what="the code scanning upload",
            permission=PERMISSION,
        )
    except ChangeproofError as error:
        cause = error.__cause__
        if cause is not None and status_of(cause) == 403:
            return UploadResult(
                warning="code scanning refused the IaC SARIF (403): enable code security for the repository and "
                f"give the job `{PERMISSION}`; a fork's pull request cannot upload (its token is read-only)"
            )
        return UploadResult(warning=f"the IaC SARIF was not uploaded to code scanning: {error.summary}")
    data = data if isinstance(data, dict) else {}
    return UploadResult(sarif_id=str(data.get("id", "")), url=str(data.get("url", "")))
