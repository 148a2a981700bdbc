"""`python -m checker.iac.worker`: scan one materialised tree in a fresh interpreter.

Reads a JSON request (or a list of them, scanned in order) on stdin and writes the engine's JSON
result(s) on stdout. Keeps checkov's memory, logging set-up and any hang out of the caller's process.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    request = json.loads(sys.stdin.read())
    out, sys.stdout = sys.stdout, sys.stderr  # whatever checkov prints must not corrupt the result
    from checker.iac.engine import scan_tree

    requests = request if isinstance(request, list) else [request]
    results = [scan_tree(Path(r["root"]), r["frameworks"], r["secret_files"], r["external"]) for r in requests]
    out.write(json.dumps(results if isinstance(request, list) else results[0]))
    out.flush()


if __name__ == "__main__":
    main()
