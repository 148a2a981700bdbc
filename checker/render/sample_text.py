"""The terminal text of `changeproof sample`: the draw's parameters and the drawn changes in rank order."""

from __future__ import annotations

from typing import Any


def render_text(drawn: dict[str, Any]) -> str:
    pop = drawn["population"]
    lines = [
        f"sample of {drawn['drawn']} from {pop['total']} changes (population sha256 {str(pop['sha256'])[:16]}), "
        f"seed {drawn['seed']!r}",
        f"method: {drawn['method']}",
    ]
    if drawn["note"]:
        lines.append(f"note: {drawn['note']}")
    for item in drawn["sample"]:
        flag = f"  EXCEPTION: {item['exception']}" if item.get("exception") else ""
        lines.append(f"{item['rank']:>4}. {item['id']}  {item['key'][:16]}{flag}")
    for packet in drawn.get("packets", []):
        lines.append(f"packet: {packet['html']}")
    return "\n".join(lines)
