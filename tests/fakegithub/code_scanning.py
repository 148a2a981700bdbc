"""The fake GitHub's code scanning upload: `POST /repos/{o}/{r}/code-scanning/sarifs`.

Answers 202 with GitHub's receipt (`id`, `url`), or 403 when the scenario's repository has
`"code_scanning": "disabled"` (no code security) or denies writes (a fork's token). Every accepted
upload is kept, decoded (base64, then gzip, then JSON), under the writes kind "code_scanning".
"""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from typing import Any

DOCS = "https://docs.github.com/rest/code-scanning/code-scanning#upload-an-analysis-as-sarif-data"


def upload_sarif(server: Any, request: Any, repo: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    if repo.get("code_scanning") == "disabled":
        return 403, {"message": "Advanced Security must be enabled for this repository to use code scanning.",
                     "documentation_url": DOCS}, {}  # fmt: skip
    if repo.get("deny_writes"):
        return 403, {"message": "Resource not accessible by integration", "documentation_url": DOCS}, {}
    body = request.get_json()
    try:
        sarif = json.loads(gzip.decompress(base64.b64decode(body["sarif"], validate=True)))
    except (KeyError, ValueError, OSError):
        return 400, {"message": "Invalid request.\n\nThe sarif field is not a gzip-compressed, base64-encoded SARIF",
                     "documentation_url": DOCS}, {}  # fmt: skip
    sarif_id = str(uuid.uuid4())
    server._record("code_scanning", {**body, "sarif": sarif, "id": sarif_id})
    url = f"https://api.github.com/repos/{repo['repo']['full_name']}/code-scanning/sarifs/{sarif_id}"
    return 202, {"id": sarif_id, "url": url}, {}
