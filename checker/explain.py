"""`policy explain`: the effective policy written back as a policy file, each value named by its layer.

The output is valid input to `changeproof policy validate` (and loads to the same effective
policy), so an admin can paste it, trim it and keep it. Layers, outermost first: the catalog's
defaults, the profiles and shared policies named by `extends`, then the file itself; each value's
comment names the last layer that set it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from checker.policy import Layer
from checker.yamldoc import PathKey, json_path


@dataclass
class Explained:
    """The effective policy in policy-file form, and which layer set each value."""

    policy: dict[str, Any]
    set_by: dict[PathKey, str] = field(default_factory=dict)
    layers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "layers": list(self.layers),
            "policy": self.policy,
            "set_by": {json_path(path): label for path, label in self.set_by.items()},
        }


def layer_name(label: str, *, last: bool) -> str:
    if label == "defaults":
        return "catalog defaults"
    if last:
        return label
    return f"shared policy {label}" if ":" in label else f"profile {label}"


def explain(layers: list[Layer]) -> Explained:
    """Fold the layers as the loader does (policy._merge), remembering who set what."""
    names = [layer_name(label, last=i == len(layers) - 1) for i, (label, _) in enumerate(layers)]
    out = Explained(policy={"version": 1}, layers=tuple(names))
    controls: dict[str, dict[str, Any]] = {}
    rules: dict[str, tuple[dict[str, Any], str]] = {}
    waivers: list[tuple[dict[str, Any], str]] = []
    bots: dict[str, str] = {}
    approval: tuple[Any, str] | None = None
    mode = ("enforce", names[0])
    for name, (_, data) in zip(names, layers, strict=True):
        if "mode" in data:
            mode = (data["mode"], name)
        for bot in data.get("trusted_bots") or []:
            bots.setdefault(bot, name)
        for control_id, settings in (data.get("controls") or {}).items():
            for key, value in (settings or {}).items():
                controls.setdefault(control_id, {})[key] = value
                out.set_by[("controls", control_id, key)] = name
        for rule in data.get("rules") or []:
            rules[rule["name"]] = (rule, name)
        waivers.extend((waiver, name) for waiver in data.get("waivers") or [])
        if "approval_policy" in data:  # as policy._merge: the section replaces, and turns the control on
            approval = (data["approval_policy"], name)
            if "mode" not in ((data.get("controls") or {}).get("approval_policy") or {}):
                controls.setdefault("approval_policy", {})["mode"] = "enforce"
                out.set_by[("controls", "approval_policy", "mode")] = name
    out.policy["mode"], out.set_by[("mode",)] = mode
    if bots:
        out.policy["trusted_bots"] = list(bots)
        out.set_by.update({("trusted_bots", i): name for i, name in enumerate(bots.values())})
    out.policy["controls"] = controls
    if rules:
        out.policy["rules"] = [rule for rule, _ in rules.values()]
        out.set_by.update({("rules", i): name for i, (_, name) in enumerate(rules.values())})
    if waivers:
        out.policy["waivers"] = [waiver for waiver, _ in waivers]
        out.set_by.update({("waivers", i): name for i, (_, name) in enumerate(waivers)})
    if approval is not None:
        out.policy["approval_policy"], out.set_by[("approval_policy",)] = approval
    return out


def _flow(value: Any) -> str:
    """A value on one line: JSON is valid YAML flow syntax and quotes every string unambiguously."""
    return json.dumps(value, ensure_ascii=False)


def render_yaml(explained: Explained) -> str:
    """The effective policy as a commented policy file."""
    lines = [
        "# The effective policy, valid input to `changeproof policy validate`.",
        "# Layers, outermost first: " + " -> ".join(explained.layers),
        "# Each comment names the layer that set the value.",
        "version: 1",
    ]

    def line(indent: str, head: str, value: Any, path: PathKey) -> None:
        comment = explained.set_by.get(path)
        lines.append(f"{indent}{head}{_flow(value)}" + (f"  # {comment}" if comment else ""))

    policy = explained.policy
    line("", "mode: ", policy["mode"], ("mode",))
    if "trusted_bots" in policy:
        lines.append("trusted_bots:")
        for i, bot in enumerate(policy["trusted_bots"]):
            line("  ", "- ", bot, ("trusted_bots", i))
    lines.append("controls:")
    for control_id, settings in policy["controls"].items():
        lines.append(f"  {control_id}:")
        for key, value in settings.items():
            line("    ", f"{key}: ", value, ("controls", control_id, key))
    for section in ("rules", "waivers"):
        if section in policy:
            lines.append(f"{section}:")
            for i, item in enumerate(policy[section]):
                line("  ", "- ", item, (section, i))
    if "approval_policy" in policy:
        line("", "approval_policy: ", policy["approval_policy"], ("approval_policy",))
    return "\n".join(lines) + "\n"
