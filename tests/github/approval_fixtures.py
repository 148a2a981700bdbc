"""Shared by the approval-policy tests against the fake GitHub: a policy header that leaves the
approval policy alone in charge of review, and the scenario with that policy at base and head."""

from __future__ import annotations

from typing import Any

from fakegithub import scenario as sc

HEADER = """\
version: 1
controls:
  peer_review: {mode: "off"}
  code_owners: {mode: "off"}
approval_policy:
  policy:
"""


def with_policy(data: dict[str, Any], text: str) -> dict[str, Any]:
    repo = data["repos"][sc.REPO]
    for sha in (sc.BASE_SHA, sc.HEAD_SHA):
        repo["contents"][sha][".github/changeproof.yml"] = text
    return data
