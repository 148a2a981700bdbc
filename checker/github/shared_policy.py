"""Read an organisation's shared policy (`extends: owner/repo:path@ref`) for the command line.

The action's collector puts these texts into the Facts; a person validating or evaluating a policy
file on their machine needs the same texts, read through the same contents API.
"""

from __future__ import annotations

from collections.abc import Callable

from checker.errors import PolicyError


def shared_policy_fetcher(api_url: str, token: str, *, throttle: float | None = None) -> Callable[[str], str | None]:
    """A fetcher for `checker.policy`: connects on first use, so local-only policies need no network."""
    from checker.github.collector import _EXTENDS_REF

    state: dict[str, object] = {}

    def fetch(ref: str) -> str | None:
        match = _EXTENDS_REF.match(ref)
        if not match:
            return None
        if "collector" not in state:
            from checker.github.api import Api
            from checker.github.collector import Collector

            state["collector"] = Collector(Api(token, api_url, throttle=throttle))
        collector = state["collector"]
        from checker.github.collector import Collector

        assert isinstance(collector, Collector)
        found = collector.read_file(match.group(1), match.group(2), match.group(3))
        if found.state == "unreadable":
            raise PolicyError(
                f"the shared policy {ref} could not be read: {found.reason}",
                fix="set GITHUB_TOKEN to a token that can read that repository",
            )
        return found.content if found.state == "present" else None

    return fetch
