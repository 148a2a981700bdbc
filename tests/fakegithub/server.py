"""A local HTTP server that speaks the shapes of GitHub's REST API, for the real PyGithub client.

It is driven by scenario data (plain JSON, see `scenario.py`): repositories with their pull
requests, files, commits, reviews, check runs, statuses, file contents per ref, rulesets, classic
protection, collaborators, teams, issue events, compare ranges and commit-to-PR links. It answers
with GitHub's JSON bodies, `Link` pagination honouring `per_page`/`page`, GitHub-style error bodies
and rate-limit headers, rewrites `https://api.github.com` in every body and header to its own
address, records every request, and can inject faults (a status, headers and body for the next N
matching requests). Writes (commit statuses, check runs, comments) are kept so tests can read them.

Run standalone (the container test does): `python server.py SCENARIO.json --port-file F --log L`.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

try:  # imported as the `fakegithub` package by tests, or run as a script by the container test
    from fakegithub.approval_endpoints import ROUTES as APPROVAL_ROUTES
    from fakegithub.approval_endpoints import ApprovalEndpoints
except ImportError:  # pragma: no cover
    from approval_endpoints import ROUTES as APPROVAL_ROUTES  # type: ignore[no-redef]
    from approval_endpoints import ApprovalEndpoints  # type: ignore[no-redef]
try:
    from fakegithub.code_scanning import upload_sarif as _upload_sarif
    from fakegithub.deployments import DEPLOYMENT_ROUTES, DeploymentRoutes
    from fakegithub.openapi import Contract
    from fakegithub.posture import POSTURE_ROUTES, PostureRoutes
except ImportError:  # run as a script: python tests/fakegithub/server.py
    from code_scanning import upload_sarif as _upload_sarif  # type: ignore[no-redef]
    from deployments import DEPLOYMENT_ROUTES, DeploymentRoutes  # type: ignore[no-redef]
    from openapi import Contract  # type: ignore[no-redef]
    from posture import POSTURE_ROUTES, PostureRoutes  # type: ignore[no-redef]

GITHUB_API = "https://api.github.com"
logging.getLogger("werkzeug").setLevel(logging.ERROR)
DOCS = "https://docs.github.com/rest"


@dataclass
class Fault:
    """Answer the next `times` requests matching `method` and the `path` regex with this response."""

    path: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    times: int = 1
    raw: bool = False  # body is sent as text, not JSON


class FakeGitHub(ApprovalEndpoints, PostureRoutes, DeploymentRoutes):
    def __init__(self, scenario: dict[str, Any], *, check_contract: bool = True) -> None:
        self.scenario = copy.deepcopy(scenario)
        self.requests: list[dict[str, Any]] = []
        self.faults: list[Fault] = [Fault(**f) for f in self.scenario.pop("faults", [])]
        self.base_url = ""
        self._lock = threading.Lock()
        self._next_id = 9000
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        # Every request and response is checked against GitHub's REST description (openapi.py);
        # only bench/fake_contract.py turns it off, to measure what it costs.
        self.contract = Contract() if check_contract else None
        self.violations: list[str] = []

    # ------------------------------------------------------------------------------ lifecycle
    def start(self, port: int = 0) -> FakeGitHub:
        self._server = make_server("127.0.0.1", port, self.wsgi, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.assert_contract()

    def assert_contract(self) -> None:
        """Fail the test whose requests or fake responses GitHub's REST description does not allow."""
        if self.violations:
            found, self.violations = self.violations, []
            raise SpecViolation(
                f"{len(found)} exchange(s) differ from GitHub's REST description:\n" + "\n".join(found[:40])
            )

    def add_fault(self, **kwargs: Any) -> None:
        self.faults.append(Fault(**kwargs))

    def calls(self, method: str | None = None, path_contains: str = "") -> list[dict[str, Any]]:
        return [r for r in self.requests if (method is None or r["method"] == method) and path_contains in r["path"]]

    def writes(self, kind: str) -> list[dict[str, Any]]:
        return list(self.scenario.setdefault("_writes", {}).get(kind, []))

    # ------------------------------------------------------------------------------ plumbing
    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        body_text = request.get_data(as_text=True)
        operation, problems = (
            self.contract.exchange(
                request.method,
                request.path,
                request.args.to_dict(flat=False),
                _json_or_none(body_text),
                bool(body_text),
            )
            if self.contract is not None
            else (None, [])
        )
        with self._lock:
            self.requests.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "query": request.query_string.decode(),
                    "authorization": bool(request.headers.get("Authorization")),
                    "accept": request.headers.get("Accept", ""),
                    "body": json.loads(body_text) if body_text.strip().startswith(("{", "[")) else body_text,
                    "time": time.time(),
                }
            )
            fault = self._take_fault(request)
            self.violations += [f"request {len(self.requests)}: {p}" for p in problems]
        if fault is not None:  # injected on purpose: not GitHub's documented answer, so not checked
            text = fault.body if fault.raw else json.dumps(fault.body if fault.body is not None else {})
            return self._respond(
                fault.status, text, fault.headers, "text/html" if fault.raw else "application/json; charset=utf-8"
            )
        try:
            status, data, headers = self.route(request)
        except _Error as err:
            status, data, headers = err.status, {"message": err.message, "documentation_url": DOCS}, err.headers
        text = json.dumps(data) if data is not None else ""
        if operation is not None:
            text, problems = operation.answer(status, data)
            with self._lock:
                self.violations += [f"response to request {len(self.requests)}: {p}" for p in problems]
        return self._respond(status, text, headers, "application/json; charset=utf-8")

    def _take_fault(self, request: Request) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and re.search(fault.path, request.path):
                fault.times -= 1
                return fault
        return None

    def _respond(self, status: int, text: str, headers: dict[str, str], ctype: str) -> Response:
        text = text.replace(GITHUB_API, self.base_url)
        out = {
            "X-RateLimit-Limit": "1000",
            "X-RateLimit-Remaining": str(max(0, 1000 - len(self.requests))),
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            "X-RateLimit-Resource": "core",
            "X-GitHub-Request-Id": f"FAKE:{len(self.requests)}",
        }
        out.update({k: v.replace(GITHUB_API, self.base_url) for k, v in headers.items()})
        return Response(text, status=status, headers=out, content_type=ctype)

    # ------------------------------------------------------------------------------ routing
    ROUTES: tuple[tuple[str, str, str], ...] = (
        *POSTURE_ROUTES,
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)$", "get_repo"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/pulls$", "list_pulls"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/pulls/(?P<n>\d+)$", "get_pull"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/pulls/(?P<n>\d+)/files$", "pull_files"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/pulls/(?P<n>\d+)/commits$", "pull_commits"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/pulls/(?P<n>\d+)/reviews$", "pull_reviews"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)/events$", "issue_events"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)/comments$", "list_comments"),
        ("POST", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)/comments$", "create_comment"),
        ("PATCH", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/comments/(?P<id>\d+)$", "update_comment"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/commits/(?P<sha>[^/]+)/check-runs$", "check_runs"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/commits/(?P<sha>[^/]+)/status$", "combined_status"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/commits/(?P<sha>[^/]+)/statuses$", "list_statuses"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/commits/(?P<sha>[^/]+)/pulls$", "commit_pulls"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/commits/(?P<sha>[^/]+)$", "get_commit"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/commits$", "list_commits"),
        ("POST", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/statuses/(?P<sha>[^/]+)$", "create_status"),
        ("POST", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/check-runs$", "create_check_run"),
        ("PATCH", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/check-runs/(?P<id>\d+)$", "update_check_run"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/contents/(?P<path>.+)$", "get_contents"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/rules/branches/(?P<b>.+)$", "branch_rules"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/branches/(?P<b>.+)/protection$", "protection"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/collaborators/(?P<u>[^/]+)/permission$", "permission"),
        ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/compare/(?P<base>.+)\.\.\.(?P<head>.+)$", "compare"),
        ("GET", r"^/orgs/(?P<org>[^/]+)/teams/(?P<slug>[^/]+)/members$", "team_members"),
        *DEPLOYMENT_ROUTES,
        ("POST", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/code-scanning/sarifs$", "upload_sarif"),
        ("POST", r"^(?:/api)?/graphql$", "graphql"),
        *APPROVAL_ROUTES,
    )

    def upload_sarif(self, request: Request, repo: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        return _upload_sarif(self, request, repo)

    def route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        path = request.path.rstrip("/")
        if path.startswith("/api/v3"):  # GitHub Enterprise Server prefix
            path = path[len("/api/v3") :]
        for method, pattern, name in self.ROUTES:
            match = re.match(pattern, path)
            if match and method == request.method:
                args = match.groupdict()
                if "o" in args:
                    repo = self._repo(f"{args.pop('o')}/{args.pop('r')}", request)
                    return getattr(self, name)(request, repo, **args)  # type: ignore[no-any-return]
                return getattr(self, name)(request, **args)  # type: ignore[no-any-return]
        raise _Error(404, "Not Found")

    def _repo(self, full_name: str, request: Request) -> dict[str, Any]:
        repos = self.scenario.get("repos", {})
        token = (request.headers.get("Authorization") or "").split(" ")[-1]
        tokens = self.scenario.get("valid_tokens")
        if tokens is not None and token not in tokens:
            raise _Error(401, "Bad credentials")
        for name, repo in repos.items():
            if name.lower() == full_name.lower():
                return repo  # type: ignore[no-any-return]
        raise _Error(404, "Not Found")

    def _page(
        self, request: Request, items: list[Any], wrap: str | None = None, extra: dict[str, Any] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = min(int(request.args.get("per_page", 30)), 100)
        page = int(request.args.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(items) // per_page))
        links = []
        url = f"{GITHUB_API}{request.path}"

        def at(n: int) -> str:
            args = dict(request.args)
            args.update({"per_page": str(per_page), "page": str(n)})
            return f"{url}?{urlencode(args)}"

        if page < last:
            links += [f'<{at(page + 1)}>; rel="next"', f'<{at(last)}>; rel="last"']
        if page > 1:
            links += [f'<{at(1)}>; rel="first"', f'<{at(page - 1)}>; rel="prev"']
        headers = {"Link": ", ".join(links)} if links else {}
        if wrap:
            return 200, {"total_count": len(items), wrap: chunk, **(extra or {})}, headers
        return 200, chunk, headers

    @staticmethod
    def _pull(repo: dict[str, Any], n: str | int) -> dict[str, Any]:
        pull = repo.get("pulls", {}).get(str(n))
        if pull is None:
            raise _Error(404, "Not Found")
        return pull  # type: ignore[no-any-return]

    # ------------------------------------------------------------------------------ handlers
    def get_repo(self, request: Request, repo: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        return 200, repo["repo"], {}

    def list_pulls(self, request: Request, repo: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        state = request.args.get("state", "open")
        base = request.args.get("base")
        pulls = [p["pull"] for p in repo.get("pulls", {}).values()]
        pulls = [p for p in pulls if state == "all" or p["state"] == state]
        if base:
            pulls = [p for p in pulls if p["base"]["ref"] == base]
        head = request.args.get("head")
        if head:  # `owner:branch`, the owner of the head repository
            pulls = [p for p in pulls if head.lower() == _head_label(p).lower()]
        pulls.sort(key=lambda p: p.get("updated_at") or "", reverse=request.args.get("direction", "desc") == "desc")
        return self._page(request, pulls)

    def get_pull(self, request: Request, repo: dict[str, Any], n: str) -> tuple[int, Any, dict[str, str]]:
        return 200, self._pull(repo, n)["pull"], {}

    def pull_files(self, request: Request, repo: dict[str, Any], n: str) -> tuple[int, Any, dict[str, str]]:
        return self._page(request, self._pull(repo, n).get("files", [])[:3000])

    def pull_commits(self, request: Request, repo: dict[str, Any], n: str) -> tuple[int, Any, dict[str, str]]:
        return self._page(request, self._pull(repo, n).get("commits", [])[:250])

    def pull_reviews(self, request: Request, repo: dict[str, Any], n: str) -> tuple[int, Any, dict[str, str]]:
        return self._page(request, self._pull(repo, n).get("reviews", []))

    def issue_events(self, request: Request, repo: dict[str, Any], n: str) -> tuple[int, Any, dict[str, str]]:
        return self._page(request, self._pull(repo, n).get("events", []))

    def list_comments(self, request: Request, repo: dict[str, Any], n: str) -> tuple[int, Any, dict[str, str]]:
        return self._page(request, [c for c in repo.setdefault("comments", []) if c["issue"] == int(n)])

    def create_comment(self, request: Request, repo: dict[str, Any], n: str) -> tuple[int, Any, dict[str, str]]:
        body = request.get_json()
        comment = {
            "id": self._id(),
            "issue": int(n),
            "body": body["body"],
            "user": {"login": "github-actions[bot]"},
            "url": f"{GITHUB_API}/repos/{repo['repo']['full_name']}/issues/comments/{self._next_id}",
        }
        repo.setdefault("comments", []).append(comment)
        self._record("comments", {"action": "create", **comment})
        return 201, comment, {}

    def update_comment(self, request: Request, repo: dict[str, Any], id: str) -> tuple[int, Any, dict[str, str]]:
        for comment in repo.setdefault("comments", []):
            if comment["id"] == int(id):
                comment["body"] = request.get_json()["body"]
                self._record("comments", {"action": "update", **comment})
                return 200, comment, {}
        raise _Error(404, "Not Found")

    def check_runs(self, request: Request, repo: dict[str, Any], sha: str) -> tuple[int, Any, dict[str, str]]:
        runs = repo.get("check_runs", {}).get(sha, []) + [
            r for r in self.scenario.get("_writes", {}).get("check_runs", []) if r["head_sha"] == sha
        ]
        return self._page(request, runs, wrap="check_runs")

    def combined_status(self, request: Request, repo: dict[str, Any], sha: str) -> tuple[int, Any, dict[str, str]]:
        statuses = repo.get("statuses", {}).get(sha, [])
        state = "success" if all(s["state"] == "success" for s in statuses) else "pending"
        return self._page(request, statuses, wrap="statuses", extra={"state": state, "sha": sha})

    def list_statuses(self, request: Request, repo: dict[str, Any], sha: str) -> tuple[int, Any, dict[str, str]]:
        """Every status of the commit, newest first (GitHub's order), each with its `creator`."""
        statuses = list(reversed(repo.get("statuses", {}).get(sha, [])))
        statuses.sort(key=lambda s: s.get("created_at") or "", reverse=True)
        return self._page(request, statuses)

    def commit_pulls(self, request: Request, repo: dict[str, Any], sha: str) -> tuple[int, Any, dict[str, str]]:
        links = repo.get("commit_pulls", {})
        entry = links.get(sha, [])
        # {"after_calls": k, "pulls": [...]} models GitHub linking a merge to its PR with a delay.
        if isinstance(entry, dict):
            seen = entry.setdefault("_seen", 0)
            entry["_seen"] = seen + 1
            numbers = entry["pulls"] if seen >= entry.get("after_calls", 0) else []
        else:
            numbers = entry
        return self._page(request, [self._pull(repo, n)["pull"] for n in numbers])

    def get_commit(self, request: Request, repo: dict[str, Any], sha: str) -> tuple[int, Any, dict[str, str]]:
        for commit in repo.get("commits", {}).values():
            if commit["sha"] == sha:
                return 200, commit, {}
        raise _Error(422, f"No commit found for SHA: {sha}")

    def list_commits(self, request: Request, repo: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        return self._page(request, list(repo.get("commits", {}).values()))

    def create_status(self, request: Request, repo: dict[str, Any], sha: str) -> tuple[int, Any, dict[str, str]]:
        if repo.get("deny_writes"):
            raise _Error(403, "Resource not accessible by integration")
        status = {"id": self._id(), "sha": sha, **request.get_json()}
        self._record("statuses", status)
        return 201, status, {}

    def create_check_run(self, request: Request, repo: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        body = request.get_json()
        output = dict(body.pop("output", None) or {})
        body["annotations"] = output.pop("annotations", [])
        body["output"] = output
        run = {
            "id": self._id(),
            "app": {"slug": "github-actions", "id": 15368},
            **body,
            "url": f"{GITHUB_API}/repos/{repo['repo']['full_name']}/check-runs/{self._next_id}",
        }
        self._record("check_runs", run)
        return 201, run, {}

    def update_check_run(self, request: Request, repo: dict[str, Any], id: str) -> tuple[int, Any, dict[str, str]]:
        for run in self.scenario.get("_writes", {}).get("check_runs", []):
            if run["id"] == int(id):
                body = request.get_json()
                output = body.pop("output", None)
                run.update(body)
                if output:
                    run.setdefault("annotations", []).extend(output.get("annotations", []))
                    run["output"] = {k: v for k, v in output.items() if k != "annotations"}
                return 200, run, {}
        raise _Error(404, "Not Found")

    def get_contents(self, request: Request, repo: dict[str, Any], path: str) -> tuple[int, Any, dict[str, str]]:
        ref = request.args.get("ref") or repo["repo"]["default_branch"]
        files = repo.get("contents", {}).get(ref)
        if files is None:
            raise _Error(404, f"No commit found for the ref {ref}")
        text = files.get(path)
        if text is None:
            raise _Error(404, "Not Found")
        raw = text.encode()
        return (
            200,
            {
                "type": "file",
                "encoding": "base64",
                "size": len(raw),
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "content": base64.encodebytes(raw).decode(),
                "sha": f"{abs(hash((path, ref))):040x}"[:40],
                "url": f"{GITHUB_API}/repos/{repo['repo']['full_name']}/contents/{path}?ref={ref}",
            },
            {},
        )

    def branch_rules(self, request: Request, repo: dict[str, Any], b: str) -> tuple[int, Any, dict[str, str]]:
        rules = repo.get("rules", {}).get(b, [])
        if rules == "forbidden":
            raise _Error(403, "Resource not accessible by integration")
        return self._page(request, rules)

    def protection(self, request: Request, repo: dict[str, Any], b: str) -> tuple[int, Any, dict[str, str]]:
        prot = repo.get("protection", {}).get(b, "forbidden")
        if prot == "forbidden":
            raise _Error(403, "Resource not accessible by integration")
        if prot is None:
            raise _Error(404, "Branch not protected")
        return 200, prot, {}

    def permission(self, request: Request, repo: dict[str, Any], u: str) -> tuple[int, Any, dict[str, str]]:
        perms = {k.lower(): v for k, v in repo.get("permissions", {}).items()}
        perm = perms.get(u.lower())
        if perm is None:
            raise _Error(404, f"{u} is not a user")
        legacy = {"maintain": "write", "triage": "read"}.get(perm, perm)
        return 200, {"permission": legacy, "role_name": perm, "user": {"login": u, "type": "User"}}, {}

    def compare(self, request: Request, repo: dict[str, Any], base: str, head: str) -> tuple[int, Any, dict[str, str]]:
        entry = repo.get("compare", {}).get(f"{base}...{head}")
        if entry is None:
            raise _Error(404, "Not Found")
        _, chunk, headers = self._page(request, entry.get("commits", []))
        body = {k: v for k, v in entry.items() if k != "commits"}
        body.setdefault("total_commits", len(entry.get("commits", [])))
        return 200, {**body, "commits": chunk}, headers

    def graphql(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        from fakegithub import graphql as graphql_mod  # graphql-core and the schema load on first use

        return 200, graphql_mod.answer(self, request.get_json(silent=True)), {}

    def team_members(self, request: Request, org: str, slug: str) -> tuple[int, Any, dict[str, str]]:
        teams = self.scenario.get("teams", {})
        members = teams.get(f"{org}/{slug}")
        if members is None or members == "forbidden":
            raise _Error(
                404 if members is None else 403,
                "Not Found" if members is None else "Resource not accessible by integration",
            )
        return self._page(request, [{"login": m, "type": "User"} for m in members])

    # ------------------------------------------------------------------------------ helpers
    def _not_found(self) -> Exception:
        return _Error(404, "Not Found")

    def _fail(self, status: int, message: str) -> Exception:
        return _Error(status, message)

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _record(self, kind: str, item: dict[str, Any]) -> None:
        self.scenario.setdefault("_writes", {}).setdefault(kind, []).append(item)


class SpecViolation(AssertionError):
    """The product sent, or the fake answered, something GitHub's REST description does not allow."""


def _head_label(pull: dict[str, Any]) -> str:
    repo = pull["head"].get("repo") or {}
    return f"{(repo.get('owner') or {}).get('login', '')}:{pull['head']['ref']}"


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        return text


class _Error(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--log", type=Path, help="write the request log and writes here on SIGTERM")
    args = parser.parse_args()
    server = FakeGitHub(json.loads(args.scenario.read_text())).start(args.port)
    import signal

    def dump(*_: Any) -> None:
        if args.log:
            args.log.write_text(
                json.dumps(
                    {
                        "requests": server.requests,
                        "writes": server.scenario.get("_writes", {}),
                        "violations": server.violations,
                    }
                )
            )
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, dump)
    args.port_file.write_text(server.base_url)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
