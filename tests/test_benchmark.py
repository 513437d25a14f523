"""The grading benchmark runs (a small class), so that its figures can always be reproduced.

Timing targets live in the benchmark's own output, never here: this test only proves that it runs
end to end, grades every synthetic student ``ok``, leaves its work folder empty (it asserts that
itself) and prints the figures the README quotes.
"""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, require_sandbox


def test_benchmark_runs_on_a_small_class():
    require_sandbox()
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "grade.py"), "--sizes", "12",
                           "--sample", "2", "--repeats", "1"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "statuses {'ok': 12}" in out, out
    assert "caselab grade (the command), end to end" in out, out
    assert "caselab grade / floor = " in out and "processor time " in out, out
    assert "before," in out and "after; processor" in out, out  # the floor measured on both sides
    assert "floor: bare `python -I -S -c pass`" in out, out
    assert "ratio" in out, out
