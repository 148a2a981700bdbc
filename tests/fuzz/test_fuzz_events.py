"""Event payloads: every file the runner could hand over is an Event or one UsageError naming the field.

The parser is fuzzed at the full CI budget; a smaller run goes through `entrypoint.py` itself
against the local fake GitHub (the gate is real there, so each example costs a whole evaluation).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz_support import ROOT, assert_located
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.errors import UsageError
from checker.github import events

sys.path.append(str(ROOT / "tests"))
from fakegithub import scenario as scenario_mod
from fakegithub.server import FakeGitHub

NAMES = [
    "pull_request",
    "pull_request_review",
    "merge_group",
    "workflow_run",
    "check_suite",
    "push",
    "workflow_dispatch",
]


def base_payload() -> dict[str, Any]:
    return {
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"sha": scenario_mod.HEAD_SHA, "ref": "feature", "repo": {"full_name": "acme/web"}},
            "base": {"sha": scenario_mod.BASE_SHA, "ref": "main", "repo": {"full_name": "acme/web"}},
        },
        "merge_group": {"head_ref": f"gh-readonly-queue/main/pr-7-{scenario_mod.HEAD_SHA}", "head_sha": "d" * 40},
        "workflow_run": {"head_sha": scenario_mod.HEAD_SHA, "pull_requests": [{"number": 7}]},
        "check_suite": {"head_sha": scenario_mod.HEAD_SHA, "pull_requests": []},
        "inputs": {"pr": "7"},
        "before": scenario_mod.BASE_SHA,
        "after": scenario_mod.HEAD_SHA,
        "ref": "refs/heads/main",
        "repository": {"full_name": "acme/web", "default_branch": "main"},
    }


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += paths(item, (*prefix, i))
    return out


PATHS = paths(base_payload())[1:]
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.sampled_from(["7", "seven", "", "²", "٣", "#7", "9" * 30, "\ud800", "gh-readonly-queue/main/pr-x-y"]),
    st.lists(st.sampled_from([{"number": "x"}, {"number": 7}, 7, None, []]), max_size=3),
    st.dictionaries(st.sampled_from(["number", "sha", "repo", "full_name"]), st.sampled_from([1, "x", None, {}])),
    st.integers(1, 200).map(lambda n: json.loads("[" * n + "]" * n)),
)


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, Any]:
    doc = base_payload()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        target: Any = doc
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = draw(HOSTILE)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


@given(st.sampled_from(NAMES), payloads(), st.sampled_from(["", "gate", "record"]))
def test_event_payloads_parse_or_name_the_field(name: str, payload: dict[str, Any], job: str) -> None:
    try:
        event = events.parse(name, payload, job=job)
    except UsageError as error:
        assert_located(error)
        return
    assert all(isinstance(n, int) and n > 0 for n in event.numbers)
    assert isinstance(event.head_sha, str) and isinstance(event.before, str)


@given(text=st.text(alphabet=st.sampled_from([*'{}[]":,0123456789.eE-+ tfnrul\\', "\ud800"]), max_size=200))
def test_any_event_file_loads_or_is_refused(text: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.getbasetemp() / "event.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        payload = events.load_payload(str(path))
        events.parse("pull_request", payload)
    except UsageError as error:
        assert_located(error)


def test_a_ten_thousand_deep_event_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text('{"pull_request": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(UsageError, match="nested too deeply"):
        events.load_payload(str(path))


def load_entrypoint() -> Any:
    spec = importlib.util.spec_from_file_location("changeproof_entrypoint", ROOT / "entrypoint.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENTRYPOINT = load_entrypoint()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub(scenario_mod.typical()).start()
    yield server
    server.stop()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(NAMES[:5]), payloads())
def test_event_payloads_through_the_entrypoint(
    fake: FakeGitHub, tmp_path_factory: pytest.TempPathFactory, name: str, payload: dict[str, Any]
) -> None:
    """The Action's own entry point: a broken payload exits 2 with the field named, never a traceback."""
    work = tmp_path_factory.mktemp("run")
    event_path = work / "event.json"
    event_path.write_text(json.dumps(payload), encoding="utf-8", errors="surrogatepass")
    (work / "output").write_text("")
    (work / "summary").write_text("")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": "acme/web",
        "GITHUB_API_URL": fake.base_url,
        "GITHUB_SERVER_URL": f"file://{work}/no-server",
        "GITHUB_OUTPUT": str(work / "output"),
        "GITHUB_STEP_SUMMARY": str(work / "summary"),
        "GITHUB_RUN_ID": "1",
        "INPUT_GITHUB-TOKEN": "ghs_faketoken1234567890",
        "INPUT_IAC": "off",
        "CHANGEPROOF_API_THROTTLE": "0",
        "CHANGEPROOF_API_BACKOFF": "0.01",
        "CHANGEPROOF_API_RETRIES": "1",
        "CHANGEPROOF_API_MAX_WAIT": "1",
    }
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = ENTRYPOINT.main(env, out=out)
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text and "internal error" not in text, text[-2000:]
    assert code in (0, 1, 2, 3)
    if code == 2:
        assert "::error" in out.getvalue()
