"""Benchmark: one changed Terraform file, changeproof's IaC scan vs `checkov -d <repo>` in the same run.

    .venv/bin/python bench/iac_scan.py [--scales single,1,10] [--full-scan-scales single,1] [--repeat 1]

For each scale the generator (bench/iac_gen.py) writes a Terraform repository: "single" is one
big AWS module (like terragoat's terraform/aws: any change rescans all of it), a number is a
multi-module repository (scale 1 is terragoat-sized). A copy gets one file changed (a public
bucket added to an AWS module), and each measurement runs in a fresh process, import included:
wall time and peak RSS (of the largest process in the tree, from wait4). The ratio is scan /
`checkov -d repo` (checkov-action's default). Modes: trees on disk (fork: one import, base and
head scanned side by side; worker: one after the other; in-process) and a git checkout
(scan_git_change with the default mode, reading both commits with git cat-file).
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from iac_gen import generate, generate_single  # noqa: E402

PY = sys.executable
CHECKOV = str(Path(PY).with_name("checkov"))
OFFLINE = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
CHANGED = {"single": "aws/stack00_s3.tf"}
CHANGED_MULTI = "stack00/aws/s3/main.tf"
PUBLIC = """
resource "aws_s3_bucket_acl" "stack00_s3_public" {
  bucket = aws_s3_bucket.stack00_s3.id
  acl    = "public-read"
}
"""

SCAN = """
import json, sys
from pathlib import Path
from checker.iac import scan_change
from checker.model import ChangedFile
scan = scan_change(base_dir=Path(sys.argv[1]), head_dir=Path(sys.argv[2]),
                   changed=[ChangedFile(sys.argv[3], "modified")], mode=sys.argv[4])
print(json.dumps({"introduced": len(scan.facts.introduced), "errors": list(scan.facts.errors)}))
"""


SCAN_GIT = """
import json, sys
from pathlib import Path
from checker.iac import scan_git_change
from checker.model import ChangedFile
scan = scan_git_change(repo_dir=Path(sys.argv[1]), base_sha=sys.argv[2], head_sha=sys.argv[3],
                       changed=[ChangedFile(sys.argv[4], "modified")])
print(json.dumps({"introduced": len(scan.facts.introduced), "errors": list(scan.facts.errors)}))
"""


def git_repo(base: Path, dest: Path, changed: str) -> tuple[str, str]:
    """A git repository with the base tree as one commit and the one-file change as the next."""
    shutil.copytree(base, dest)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@example.com",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@example.com",
    }

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(dest), *args], check=True, capture_output=True, text=True, env=env
        ).stdout.strip()

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "base")
    base_sha = git("rev-parse", "HEAD")
    with (dest / changed).open("a") as handle:
        handle.write(PUBLIC)
    git("commit", "-qam", "head")
    return base_sha, git("rev-parse", "HEAD")


def measure(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS in MB (largest process of the tree), stdout, CPU seconds of the tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env={**os.environ, **OFFLINE}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)  # the usage includes the descendants it waited for
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{cmd[:3]} failed with {status}")
    return elapsed, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


def show(label: str, runs: list[tuple[float, float, str, float]], full: tuple[float, float] | None) -> None:
    """Best wall and CPU of the runs, with the ratios against `checkov -d` (wall, CPU) when measured."""
    wall, cpu = min(r[0] for r in runs), min(r[3] for r in runs)
    ratio = f"  ratio {wall / full[0]:.3f} (cpu {cpu / full[1]:.3f})" if full else ""
    result = f"  result {runs[0][2].strip()}" if runs[0][2].strip() else ""
    print(f"  {label:30} {wall:7.2f} s  cpu {cpu:6.2f} s  peak {max(r[1] for r in runs):6.0f} MB{ratio}{result}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="single,1,10")
    parser.add_argument("--full-scan-scales", default="single,1", help="scales at which to also run checkov -d")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--modes", default="fork,worker")
    args = parser.parse_args()
    full_scales = set(args.full_scan_scales.split(","))
    load = os.getloadavg()[0]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {load:.1f}; best of {args.repeat}")
    with tempfile.TemporaryDirectory(prefix="iac-bench-") as tmp:
        for scale in args.scales.split(","):
            base = Path(tmp) / f"base{scale}"
            size = generate_single(base) if scale == "single" else generate(base, int(scale))
            changed = CHANGED.get(scale, CHANGED_MULTI)
            head = Path(tmp) / f"head{scale}"
            shutil.copytree(base, head)
            with (head / changed).open("a") as handle:
                handle.write(PUBLIC)
            print(f"\nscale {scale}: {size}; changed file {changed}")
            full = None
            if scale in full_scales:
                command = [CHECKOV, "-d", str(head), "--quiet", "--compact", "-o", "json", "--skip-download"]
                runs = [measure(command) for _ in range(args.repeat)]
                runs = [(r[0], r[1], "", r[3]) for r in runs]
                show("checkov -d <repo>", runs, None)
                full = (min(r[0] for r in runs), min(r[3] for r in runs))
            for mode in args.modes.split(","):
                runs = [measure([PY, "-c", SCAN, str(base), str(head), changed, mode]) for _ in range(args.repeat)]
                show(f"changeproof iac ({mode})", runs, full)
            repo = Path(tmp) / f"git{scale}"
            base_sha, head_sha = git_repo(base, repo, changed)
            runs = [measure([PY, "-c", SCAN_GIT, str(repo), base_sha, head_sha, changed]) for _ in range(args.repeat)]
            show("changeproof iac (git, default)", runs, full)


if __name__ == "__main__":
    main()
