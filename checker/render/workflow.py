"""GitHub Actions workflow commands, written so untrusted text can never become a command.

The runner parses a stdout line as a command only when the line starts with `::`. Untrusted text
(PR titles, file names, logins, control messages quoting them) therefore goes out either
- inside a command's message or property, escaped as the Actions toolkit does (`%` `\\r` `\\n`,
  plus `:` and `,` in properties), so it can never start a new line; or
- as plain log lines between `::stop-commands::<token>` and `::<token>::`, with a random token
  the text cannot know, so a line such as `::add-mask::x` or `::stop-commands::t` is just text.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

MAX_MESSAGE = 4000  # keep one annotation readable; the step summary carries the full text


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str | int) -> str:
    """One `::name k=v,...::message` line with every part escaped."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v not in ("", 0, None))
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


@dataclass(frozen=True)
class Annotation:
    level: str  # error / warning / notice
    message: str
    title: str = ""
    file: str = ""
    line: int = 0
    end_line: int = 0

    def render(self) -> str:
        message = self.message if len(self.message) <= MAX_MESSAGE else self.message[:MAX_MESSAGE] + "…"
        props: dict[str, str | int] = {"title": self.title[:200]}
        if self.file:
            props["file"] = self.file
            if self.line:
                props["line"] = self.line
                if self.end_line >= self.line:
                    props["endLine"] = self.end_line
        return command(self.level, message, **props)


def mask_lines(secret: str) -> list[str]:
    """`::add-mask::` for a secret; a multi-line value (a PEM key) is masked line by line."""
    lines = [line.strip() for line in secret.replace("\r", "\n").split("\n")]
    out = [command("add-mask", line) for line in lines if len(line) >= 4]
    return out


def plain_block(lines: Iterable[str]) -> list[str]:
    """Untrusted lines for the log, with command processing paused by an unguessable token."""
    token = secrets.token_hex(16)
    body = [line.replace("\r", " ") for text in lines for line in text.split("\n")]
    return [f"::stop-commands::{token}", *body, f"::{token}::"]


def group(title: str, lines: Iterable[str]) -> list[str]:
    return [command("group", title), *plain_block(lines), "::endgroup::"]
