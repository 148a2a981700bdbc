"""`python -m checker.iac.worker`: scan materialised trees in a fresh interpreter.

Reads a JSON request on stdin and writes the engine's JSON result(s) on stdout. Keeps checkov's
memory, logging set-up and any hang out of the caller's process. Three request shapes:
one tree (an object), several trees in turn (a list), or several trees side by side
(`{"fork": [...]}`): checkov is imported once, then one forked child per tree scans it while the
others do, sharing the imported modules copy-on-write (what a single large module needs: base and
head are each a full scan of it). Results always come back in request order.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any


def _scan(request: dict[str, Any]) -> dict[str, Any]:
    from checker.iac.engine import scan_tree

    return scan_tree(Path(request["root"]), request["frameworks"], request["secret_files"], request["external"])


def scan_forked(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Import checkov's runners once, then scan every tree in its own forked child at the same time."""
    from checker.iac.engine import warm_up

    warm_up(sorted({f for r in requests for f in r["frameworks"]}))
    with tempfile.TemporaryDirectory(prefix="changeproof-iac-fork-") as tmp:
        children: list[tuple[int, Path, str]] = []
        for index, request in enumerate(requests):
            path = Path(tmp) / f"{index}.json"
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the child: scan, write, leave without running the parent's cleanup
                code = 0
                try:
                    path.write_text(json.dumps(_scan(request)))
                except BaseException:  # whatever happens, report it and exit non-zero
                    traceback.print_exc()
                    code = 1
                finally:
                    sys.stderr.flush()
                    os._exit(code)
            children.append((pid, path, str(request.get("label", index))))
        results, failed = [], []
        for pid, path, label in children:
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0 or not path.exists():
                failed.append(label)
            else:
                results.append(json.loads(path.read_text()))
    if failed:
        raise SystemExit(f"the checkov scan of the {', '.join(failed)} tree failed")
    return results


def main() -> None:
    request = json.loads(sys.stdin.read())
    out, sys.stdout = sys.stdout, sys.stderr  # whatever checkov prints must not corrupt the result
    result: Any
    if isinstance(request, dict) and "fork" in request:
        result = scan_forked(request["fork"])
    elif isinstance(request, list):
        result = [_scan(r) for r in request]
    else:
        result = _scan(request)
    out.write(json.dumps(result))
    out.flush()
    sys.stderr.flush()
    # Leave without tearing down checkov's interpreter state (seconds of finalisers, thread pools):
    # the result is written and nothing else of this process is needed.
    os._exit(0)


if __name__ == "__main__":
    main()
