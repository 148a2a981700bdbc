"""The local demo: the bundled example PRs taken through the whole pipeline on this machine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from checker import policy as policies
from checker.evaluate import evaluate
from checker.inputs import load_model
from checker.model import Evaluation, Facts
from checker.render.markdown import render_markdown
from checker.render.text import render_text
from checker.resources import examples_dir
from checker.serde import dumps

EXAMPLE_PRS = ("pr-42-facts.json", "pr-43-facts.json")


def run_demo(workdir: Path, echo: Callable[[str], None]) -> list[Evaluation]:
    workdir.mkdir(parents=True, exist_ok=True)
    evaluations = []
    for name in EXAMPLE_PRS:
        facts = load_model(Facts, examples_dir() / name, "facts")
        policy = policies.policy_for_facts(facts)
        evaluation = evaluate(policy, facts)
        evaluations.append(evaluation)
        stem = f"pr-{facts.number}"
        (workdir / f"{stem}.evaluation.json").write_text(dumps(evaluation), encoding="utf-8")
        (workdir / f"{stem}.summary.md").write_text(render_markdown(evaluation), encoding="utf-8")
        echo(f"── example PR #{facts.number}: {facts.title}  (policy: {policy.source})")
        echo(render_text(evaluation))
    echo(f"reports written to {workdir}/ (JSON evaluation and the Markdown step summary of each PR)")
    return evaluations
