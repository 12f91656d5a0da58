"""Smoke test of the benchmarks: `benchmarks/bench.py --quick` runs and prints its goals table.

No timing is asserted here (speed goals live in the benchmarks, never in timed tests); the numbers
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
    assert "| Goal | Measured | Result |" in out, out[-4000:]
    for goal in ("Small MLP step, raw tensors (the lessons' style) ≤ 1.0 × PyTorch",
                 "Small MLP step, nn + optim ≤ 0.5 × PyTorch", "MNIST-size MLP step, nn + optim ≤ 1.15 × hand-written",
                 "`import teachgrad` ≤ 0.15 s", "Memory flat over 10,000 steps",
                 "Every explorer control ≤ 20 ms per update in the kernel"):
        assert goal in out, goal
    goal_rows = [line for line in out.splitlines() if line.startswith("| ") and ("PASS" in line or "MISS" in line)]
    assert goal_rows, "no PASS/MISS verdicts printed"
    # Every library that ran agreed with NumPy's losses.
    assert "DIFFERS" not in out, out
    assert "| teachgrad nn |" in out and "| teachgrad raw |" in out
    assert "| ChainExplorer: " in out and "| TrainingCurveExplorer: train |" in out  # every explorer timed
    assert "| cpu |" in out  # the machine table


def test_numpy_with_pytorchs_rounding_is_teachgrads_arithmetic_bit_for_bit():
    """The benchmark's "numpy, PyTorch's rounding" row claims to do exactly teachgrad's arithmetic (so
    that the gap between the two rows is the engine's bookkeeping): the losses of 20 SGD steps, and so
    every weight along the way, must be identical to the last bit."""
    sys.path.insert(0, str(BENCH.parent))
    try:
        import bench
    finally:
        sys.path.remove(str(BENCH.parent))
    import teachgrad
    for sizes, batch in (bench.SMALL, ((5, 7, 3), 4)):
        weights, X, Y = bench.init_problem(sizes, batch, seed=3)
        exact = bench.numpy_exact_step(weights, X, Y)
        engine = bench.nn_style_step(teachgrad, weights, X, Y)
        exact_losses = [exact.loss_value(exact()) for _ in range(20)]
        engine_losses = [engine.loss_value(engine()) for _ in range(20)]
        assert exact_losses == engine_losses
