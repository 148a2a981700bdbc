"""A small local GitHub REST server (werkzeug) with the two endpoints reconcile reads."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class FakeGitHub:
    def __init__(
        self,
        repository: str,
        activity: list[dict[str, Any]],
        pulls: dict[str, list[dict[str, Any]]],
        page_size: int = 2,
    ) -> None:
        self.repository = repository
        self.activity = activity
        self.pulls = pulls
        self.page_size = page_size
        self.requests: list[str] = []
        self.base = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append(request.full_path)
        prefix = f"/repos/{self.repository}"
        path = request.path
        if path == f"{prefix}/activity":
            page = int(request.args.get("page", "1"))
            items = self.activity[(page - 1) * self.page_size : page * self.page_size]
            headers = {}
            if page * self.page_size < len(self.activity):
                headers["Link"] = f'<{self.base}{path}?ref={request.args.get("ref")}&page={page + 1}>; rel="next"'
            response = Response(json.dumps(items), content_type="application/json", headers=headers)
        elif path.startswith(f"{prefix}/commits/") and path.endswith("/pulls"):
            sha = path.split("/")[-2]
            response = Response(json.dumps(self.pulls.get(sha, [])), content_type="application/json")
        else:
            response = Response(json.dumps({"message": "Not Found"}), status=404, content_type="application/json")
        return response(environ, start_response)


@contextmanager
def serve(app: FakeGitHub) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app)
    app.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app.base
    finally:
        server.shutdown()
        thread.join(5)
