"""Smoke test of the benchmarks: `benchmarks/bench.py --quick` runs and prints its goals table.

No timing is asserted here (issue 6: the test suite stays free of wall-clock assertions); the numbers
of a quick run are rough anyway.  The run also checks, as a side effect, that teachgrad's MLP step
gives the same losses as hand-written NumPy (bench.py exits 1 when a teachgrad case fails).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "bench.py"


def test_bench_quick_prints_the_goals_table():
    env = dict(os.environ)
    env.pop("BENCH_TRACEBACK", None)
    # --keep-openblas-env: tests never change OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE.
    proc = subprocess.run([sys.executable, str(BENCH), "--quick", "--keep-openblas-env"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    out = proc.stdout
    assert proc.returncode == 0, f"bench.py --quick failed (exit {proc.returncode}):\n{out[-4000:]}\n{proc.stderr[-4000:]}"
    assert "| Goal (issue 6) | Measured | Result |" in out, out[-4000:]
    for goal in ("Small MLP step ≤ 1.5 × hand-written NumPy", "MNIST-size MLP step ≤ 1.0 × PyTorch CPU",
                 "`import teachgrad` ≤ 0.15 s", "Memory flat over 10,000 steps", "Seed-004 chain widget redraw"):
        assert goal in out, goal
    goal_rows = [line for line in out.splitlines() if line.startswith("| ") and ("PASS" in line or "MISS" in line)]
    assert goal_rows, "no PASS/MISS verdicts printed"
    # Every library that ran agreed with NumPy's losses.
    assert "DIFFERS" not in out, out
    assert "| teachgrad |" in out
    assert "| cpu |" in out  # the machine table
