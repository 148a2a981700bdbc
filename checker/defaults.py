"""Names and addresses that several parts of changeproof must agree on, defined once."""

from __future__ import annotations

#: GitHub.com's REST API; GitHub Enterprise Server uses https://HOST/api/v3.
DEFAULT_API_URL = "https://api.github.com"

#: The branch that holds the evidence ledger unless the `ledger-branch` input or `--branch` says otherwise.
DEFAULT_LEDGER_BRANCH = "changeproof-ledger"

#: Accounts GitHub itself commits as (web merges, squash merges): never a person's own change.
PLATFORM_COMMITTERS = frozenset({"web-flow", "github"})
