"""Escaping of untrusted text (PR titles, bodies, file names, logins) for each output medium.

Markdown: every character with meaning in GitHub-flavoured Markdown is backslash-escaped, `@`
is broken with a zero-width joiner so `@org/team` never becomes a mention, pipes cannot split a
table cell, and newlines cannot start a new block. HTML: the standard five characters.
"""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:=\"'$%])")
_WORD_JOINER = "\u2060"


def md_escape(text: str, limit: int = 2000) -> str:
    """Untrusted text made inert inside a Markdown table cell or paragraph."""
    text = text[:limit] + ("…" if len(text) > limit else "")
    text = "".join(ch if ch >= " " or ch == "\n" else " " for ch in text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = text.replace("@", "@" + _WORD_JOINER)
    return text.replace("\r", " ").replace("\n", "<br>")


def md_code(text: str, limit: int = 300) -> str:
    """Untrusted text as inline code: backticks are widened past any run the text contains."""
    text = text[:limit].replace("\n", " ").replace("\r", " ")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html_escape(text: str) -> str:
    return html.escape(text, quote=True)
