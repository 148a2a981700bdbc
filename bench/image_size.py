"""Benchmark: the action image's size (`podman image inspect --format {{.Size}}`, base included)
and its ten largest parts (du inside the image: each site-packages entry and the system's parts).

    .venv/bin/python bench/image_size.py [--image localhost/changeproof:test] [--build]

--build builds the Dockerfile first (the base from CHANGEPROOF_BASE_IMAGE, default the local
debootstrapped one of scripts/setup/container.sh). The budget is 400 MB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MB = 400
PARTS = """
cd /opt/changeproof/lib/python3*/site-packages && du -sk -- * | sed 's#\\t#\\tsite-packages/#'
du -sk /usr/lib/*-linux-gnu /usr/lib/python3.* /usr/lib/git-core /usr/bin /usr/sbin /usr/share /var /etc 2>/dev/null
"""


def podman(*args: str) -> str:
    conf = ROOT / ".cache" / "container" / "containers.conf"
    env = {**os.environ, **({"CONTAINERS_CONF": str(conf)} if conf.exists() else {})}
    return subprocess.run(["podman", *args], check=True, capture_output=True, text=True, env=env).stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", default="localhost/changeproof:test")
    parser.add_argument("--build", action="store_true")
    args = parser.parse_args()
    base = os.environ.get("CHANGEPROOF_BASE_IMAGE", "localhost/changeproof-base:bookworm")
    if args.build:
        subprocess.run(["bash", str(ROOT / "scripts" / "setup" / "container.sh")], check=True)
        podman("build", "-q", "--network", "host", "--build-arg", f"BASE_IMAGE={base}", "-t", args.image, str(ROOT))
    size = int(podman("image", "inspect", "--format", "{{.Size}}", args.image).strip())
    print(f"image {args.image}: {size / 1e6:.1f} MB uncompressed (budget {BUDGET_MB} MB)")
    try:
        base_size = int(podman("image", "inspect", "--format", "{{.Size}}", base).strip())
        print(f"  built on {base}: {base_size / 1e6:.1f} MB before slimming")
    except subprocess.CalledProcessError:
        pass
    out = podman("run", "--rm", "--entrypoint", "/bin/sh", args.image, "-c", PARTS)
    parts = sorted(
        ((int(kb), name) for kb, name in (line.split("\t", 1) for line in out.splitlines() if "\t" in line)),
        reverse=True,
    )
    print("  ten largest parts:")
    for kb, name in parts[:10]:
        print(f"    {kb / 1024:7.1f} MB  {name}")
    sys.exit(0 if size <= BUDGET_MB * 1_000_000 else 1)


if __name__ == "__main__":
    main()
