"""The action's `repository` input: the central evidence workflow audits another repository."""

from __future__ import annotations

from checker.github.config import Config

BASE = {"GITHUB_REPOSITORY": "acme/evidence", "INPUT_SIGNING-KEY": "k"}


def test_repository_input_puts_the_ledger_on_the_central_repository() -> None:
    config = Config.from_env({**BASE, "INPUT_REPOSITORY": "acme/payments"})
    assert (config.repository, config.ledger_name, config.ledger_branch) == (
        "acme/payments",
        "acme/evidence",
        "ledger/payments",
    )


def test_without_it_the_single_repository_setup_is_unchanged() -> None:
    config = Config.from_env(dict(BASE))
    assert (config.repository, config.ledger_name, config.ledger_branch) == (
        "acme/evidence",
        "acme/evidence",
        "changeproof-ledger",
    )
    override = Config.from_env({**BASE, "INPUT_REPOSITORY": "acme/payments", "INPUT_LEDGER-BRANCH": "audit/pay"})
    assert override.ledger_branch == "audit/pay"
