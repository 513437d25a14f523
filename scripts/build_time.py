#!/usr/bin/env python3
"""How long ``mkdocs build --strict`` of the whole site takes: a benchmark that prints, not a test.

    python scripts/build_time.py            # 3 timed builds after one warm-up
    python scripts/build_time.py --runs 5 --limit 3.0

Each build runs in a fresh process into a temporary folder, as a person would run it (so the
time includes starting Python, importing MkDocs and loading jieba's dictionary).  Prints every
run and the median, and exits 1 when the median is over the limit (default 3 s).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_once(out: Path, instructor: bool = False) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("CASELAB_INSTRUCTOR", None)
    if instructor:
        env["CASELAB_INSTRUCTOR"] = "1"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                           "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"mkdocs build --strict failed:\n{proc.stdout}{proc.stderr}")
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=float, default=float(os.environ.get("CASELAB_BUILD_LIMIT", 3.0)))
    ap.add_argument("--instructor", action="store_true", help="build with the teaching notes (CASELAB_INSTRUCTOR=1)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="caselab-build-") as tmp:
        build_once(Path(tmp) / "warm", args.instructor)  # warm-up: jieba's cache, the OS file cache
        times = [build_once(Path(tmp) / f"run{i}", args.instructor) for i in range(args.runs)]
    median = statistics.median(times)
    pages = "student + instructor" if args.instructor else "student"
    print(f"mkdocs build --strict ({pages} site): " + ", ".join(f"{t:.2f} s" for t in times)
          + f"; median {median:.2f} s (limit {args.limit:.1f} s)")
    return 0 if median <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
