"""How checkov should run, measured: in-process vs one worker vs one subprocess per tree, and the
import cost a PR without IaC changes saves.

    .venv/bin/python bench/iac_modes.py [--repeat 3]

Every figure is a fresh interpreter, imports included (what a CI job pays), on the fixture
repository of tests/iac with the public-bucket scenario (Terraform) and a Kubernetes edit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPO = ROOT / "tests/iac/fixtures/repo"
OVERLAY = ROOT / "tests/iac/fixtures/scenarios/public_bucket/files"

SCAN = """
import sys
from pathlib import Path
from checker.iac import scan_change
from checker.iac.changes import changed_between
base, head = Path(sys.argv[1]), Path(sys.argv[2])
changed = [c for c in changed_between(base, head) if c.path.startswith(tuple(sys.argv[4].split(",")))]
scan = scan_change(base_dir=base, head_dir=head, changed=changed, mode=sys.argv[3])
print(len(scan.facts.introduced), "checkov" in sys.modules)
"""
IMPORT = "import os; os.environ.update(CKV_SKIP_PACKAGE_UPDATE_CHECK='true', BC_SKIP_MAPPING='TRUE'); import {}"


def measure(cmd: list[str]) -> tuple[float, float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, _status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, out.strip()


def best(cmd: list[str], repeat: int) -> tuple[float, float, str]:
    runs = [measure(cmd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[0][2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="iac-modes-") as tmp:
        head = Path(tmp) / "head"
        shutil.copytree(REPO, head)
        shutil.copytree(OVERLAY, head, dirs_exist_ok=True)
        (head / "docs/README.md").write_text("edited\n")
        api = head / "k8s/api.yaml"
        api.write_text(api.read_text().replace("replicas: 2", "replicas: 3"))
        print(f"fresh interpreter per figure, best of {args.repeat}; {os.cpu_count()} cpus (shared)")
        print("\nimport cost saved when no IaC file changed:")
        for label, module in (
            ("python + checker.iac", "checker.iac"),
            ("+ checkov terraform runner", "checkov.terraform.runner"),
            (
                "+ all six runners used",
                "checkov.terraform.runner, checkov.cloudformation.runner, "
                "checkov.kubernetes.runner, checkov.dockerfile.runner, "
                "checkov.github_actions.runner, checkov.secrets.runner",
            ),
            ("checkov.main (what the CLI loads)", "checkov.main"),
        ):
            seconds, mb, _ = best([py, "-c", IMPORT.format(module)], args.repeat)
            print(f"  {label:36} {seconds:6.2f} s  peak {mb:5.0f} MB")
        seconds, mb, out = best([py, "-c", SCAN, str(REPO), str(head), "inprocess", "docs/"], args.repeat)
        print(
            f"  {'docs-only PR, full scan_change':36} {seconds:6.2f} s  peak {mb:5.0f} MB  "
            f"(findings, checkov imported: {out})"
        )
        for label, prefixes in (("terraform change", "infra/"), ("terraform + kubernetes change", "infra/,k8s/")):
            print(f"\n{label}:")
            for mode in ("inprocess", "worker", "subprocess-per-tree"):
                seconds, mb, out = best([py, "-c", SCAN, str(REPO), str(head), mode, prefixes], args.repeat)
                print(f"  {mode:20} {seconds:6.2f} s  peak {mb:5.0f} MB (largest process)  findings {out.split()[0]}")


if __name__ == "__main__":
    main()
