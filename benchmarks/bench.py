#!/usr/bin/env python
"""teachgrad's side-by-side benchmarks.

Run from the repository root:

    python benchmarks/bench.py            # full run (about 1-2 minutes)
    python benchmarks/bench.py --quick    # smoke run (a few seconds; numbers are rough)
    ./run bench [ARGS]                    # the same, through the dev script

Options: --quick, --notebooks (also time the notebook series under nbval), --profile (cProfile of
teachgrad's small MLP step), --json PATH (write the raw numbers), --clock cpu|wall (see below),
--keep-openblas-env (see below).

Everything runs in ONE process on ONE thread (OMP/OPENBLAS/MKL_NUM_THREADS=1 are set below, before
NumPy or PyTorch is imported, and torch.set_num_threads(1)).  The same work is run on teachgrad,
hand-written NumPy, PyTorch CPU, MyGrad and micrograd (the last two only when installed; micrograd
only on the small model, with fewer repetitions since it is scalar-based), interleaved repetition by
repetition so that noise from the shared machine hits all of them alike.  Each timing is the median
over several repetitions of a loop after a warm-up (the garbage collector stays on: a learner's
notebook runs with it, and an engine that makes reference cycles should pay for them here).

Clock: by default every time is process CPU time (time.process_time), with the wall-clock median
printed beside it.  This machine has 2 cores shared with other jobs; when they run, wall-clock
medians are inflated 2-10x at random, CPU time much less.  On an idle machine the two agree (all
timed work is single-threaded).  --clock wall makes the wall clock the primary one.

What is measured (the last table prints PASS/MISS per goal; the goals are in GOALS below):
 1. one SGD step of an MLP (forward, MSE loss, backward, update; float32; same initial weights and
    data everywhere, and the losses of the first steps are checked to agree):
    2-16-16-1 with batch 64 and 784-128-128-10 with batch 256, each written in two styles:
    "nn" (``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``, ``nn.MSELoss``, ``optim.SGD``) and "raw", as
    the lessons write code (``x @ w + b``, ``relu()``, ``((out - y) ** 2).mean()``, ``p.grad = None``,
    the update under ``no_grad``); MyGrad runs the raw style.  Besides the plain hand-written NumPy
    step (the baseline of the goals) a second NumPy step does exactly teachgrad's arithmetic --
    PyTorch's rounding, including the SGD update rounded once as PyTorch's fused multiply-add does it
    (tests/test_benchmarks_smoke.py checks it matches teachgrad bit for bit) -- so the table separates
    the cost of exact arithmetic from the cost of the engine's bookkeeping;
 2. `import teachgrad` in a fresh subprocess (median of several), next to `import numpy` (the floor)
    and `import torch`;
 3. the explorers: lesson 5's chain y=a*x+b, z=c*y+d, w=e*z+f with w.backward() (the engine part of
    an explorer's update), then every control of every explorer of the lessons, changed in the kernel
    (teachgrad.widgets.time_updates: one recompute and redraw per change; no display needed), and the
    static matplotlib drawing viz.draw_graph (Agg) of the chain's graph for comparison;
 4. memory over 10,000 training steps of the small MLP with tracemalloc (live memory after a
    warm-up versus at the end, and the peak) -- reported, never asserted; "flat" means it grew by
    at most 64 KiB (6.5 bytes a step);
 5. with --notebooks: the notebook series under strict nbval (`python -m pytest notebooks`).

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: on some processors this workplace sets them, because older
OpenBLAS builds compute wrong results or crash there; they slow a current NumPy down.  As the
environment notes advise for benchmarking, this script removes both (together) from its own
environment before NumPy is loaded -- so only for this command and the subprocesses it starts -- and
prints which BLAS kernel then runs (threadpoolctl, if installed).  Tests and CI keep them; pass
--keep-openblas-env to keep them here too (the smoke test does).

Not a test: nothing here asserts a time.  tests/test_benchmarks_smoke.py only checks that
`bench.py --quick` runs and prints the goals table.
"""

import os
import sys

# --- one thread, set before NumPy / PyTorch are imported -----------------------------------------
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
             "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

_OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
REMOVED_OPENBLAS_ENV = {}
if "--keep-openblas-env" not in sys.argv:
    for _var in _OPENBLAS_VARS:
        if _var in os.environ:
            REMOVED_OPENBLAS_ENV[_var] = os.environ.pop(_var)

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import traceback  # noqa: E402

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # benchmark this checkout, installed or not

import teachgrad  # noqa: E402

SMALL = ((2, 16, 16, 1), 64)
MNIST = ((784, 128, 128, 10), 256)
LR = 0.01

GOALS = {
    "small_raw_vs_torch": 1.0,    # the lessons' raw-tensor style, against the same code on PyTorch
    "small_nn_vs_torch": 0.5,
    "small_nn_vs_numpy": 2.5,
    "mnist_nn_vs_torch": 0.6,
    "mnist_nn_vs_numpy": 1.15,
    "import_s": 0.15,
    "notebooks_s": 30.0,
    "memory_growth_kib": 64.0,
    "explorer_update_ms": 20.0,   # the slowest control of any explorer, in the kernel
}

ERRORS = []  # (what, message) of everything that failed; teachgrad failures make the exit code 1


def optional(name):
    try:
        return importlib.import_module(name)
    except Exception:  # noqa: BLE001 - any import problem means "not installed" here
        return None


torch = optional("torch")
if torch is not None:
    torch.set_num_threads(1)
    importlib.import_module("torch.nn")
    importlib.import_module("torch.optim")
mygrad = optional("mygrad")
micrograd_nn = optional("micrograd.nn")


# --- formatting ----------------------------------------------------------------------------------

def fmt_time(seconds):
    if seconds is None:
        return "—"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def fmt_ratio(a, b):
    if a is None or b is None:
        return "—"
    return f"{a / b:.2f}×"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def record_error(what, exc):
    msg = f"{type(exc).__name__}: {exc}"
    ERRORS.append((what, msg))
    print(f"  ! {what} failed: {msg}", flush=True)
    if os.environ.get("BENCH_TRACEBACK"):
        traceback.print_exc()


# --- timing --------------------------------------------------------------------------------------

# The clock every timing reads: process CPU time by default (all threads of this process; outside
# timings stay single-threaded anyway).  On this shared 2-core machine other jobs take the CPU away
# at random, which inflates wall-clock medians by 2-10x; CPU time is what the engine itself costs.
# --clock wall switches to time.perf_counter.
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]
CLOCK_NAME = "cpu"


def time_calls(fn, n):
    """Seconds (on `clock`) for n calls, and the wall seconds."""
    w0, t0 = time.perf_counter(), clock()
    for _ in range(n):
        fn()
    return clock() - t0, time.perf_counter() - w0


def measure(cases, repeats, target, warmup_s):
    """Median seconds per call of each case; repetitions interleaved across the cases.

    cases: dict name -> zero-argument callable.  Each case is warmed up for about warmup_s seconds,
    then gets a loop count n so that one repetition takes about `target` seconds, then the cases are
    run repetition by repetition in turn (A B C A B C ...).
    """
    counts = {}
    for name, fn in cases.items():
        fn()
        t0 = time.perf_counter()
        calls = 0
        while calls < 3 or time.perf_counter() - t0 < warmup_s:
            fn()
            calls += 1
        per_call = (time.perf_counter() - t0) / calls
        counts[name] = max(1, int(target / per_call))
    samples = {name: [] for name in cases}
    walls = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            t, w = time_calls(fn, counts[name])
            samples[name].append(t / counts[name])
            walls[name].append(w / counts[name])
    return {name: summary(s, counts[name], walls[name]) for name, s in samples.items()}


def summary(samples, n, walls):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": n,
            "repeats": len(samples), "wall": statistics.median(walls)}


# --- the MLP step on each library ----------------------------------------------------------------

def init_problem(sizes, batch, seed=0):
    """Weights (in, out) + biases as PyTorch's nn.Linear initialises them, and the data; float32."""
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(n_in)
        W = rng.uniform(-bound, bound, size=(n_in, n_out)).astype(np.float32)
        b = rng.uniform(-bound, bound, size=(n_out,)).astype(np.float32)
        weights.append((W, b))
    X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    Y = rng.standard_normal((batch, sizes[-1])).astype(np.float32)
    return weights, X, Y


def nn_style_step(lib, weights, X, Y, lr=LR):
    """The same ordinary PyTorch code for teachgrad (``import teachgrad as torch``) and PyTorch:
    ``nn.Sequential``, ``nn.MSELoss``, ``optim.SGD``."""
    nn = importlib.import_module(lib.__name__ + ".nn")
    optim = importlib.import_module(lib.__name__ + ".optim")
    layers = []
    for i, (W, b) in enumerate(weights):
        linear = nn.Linear(W.shape[0], W.shape[1])
        with lib.no_grad():
            linear.weight.copy_(lib.from_numpy(np.ascontiguousarray(W.T)))
            linear.bias.copy_(lib.from_numpy(b.copy()))
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    loss_fn = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=lr)
    x = lib.from_numpy(X.copy())
    y = lib.from_numpy(Y.copy())

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    step.loss_value = lambda loss: loss.item()
    return step


def raw_style_step(lib, weights, X, Y, lr=LR):
    """The same step written as the lessons write code, with tensors only: ``x @ w + b``, ``relu()``,
    ``((out - y) ** 2).mean()``, ``p.grad = None`` and the update under ``no_grad``."""
    params = []
    for W, b in weights:
        params += [lib.tensor(W, requires_grad=True), lib.tensor(b, requires_grad=True)]
    x, y = lib.tensor(X), lib.tensor(Y)
    last = len(weights) - 1

    def step():
        out = x
        for i in range(last + 1):
            out = out @ params[2 * i] + params[2 * i + 1]
            if i < last:
                out = out.relu()
        loss = ((out - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad
        return loss

    step.loss_value = lambda loss: loss.item()
    return step


def numpy_step(weights, X, Y, lr=LR):
    """Plain hand-written NumPy backprop: forward, MSE, backward, in-place SGD update."""
    Ws = [W.copy() for W, _ in weights]
    bs = [b.copy() for _, b in weights]
    last = len(Ws) - 1

    def step():
        hs = [X]  # the input of each layer
        zs = []   # the pre-activations of the hidden layers
        h = X
        for i in range(last + 1):
            z = h @ Ws[i] + bs[i]
            if i < last:
                zs.append(z)
                h = np.maximum(z, 0)
                hs.append(h)
            else:
                h = z
        diff = h - Y
        loss = np.mean(diff * diff)
        g = diff * (2.0 / diff.size)  # dloss/dout
        for i in range(last, -1, -1):
            dW = hs[i].T @ g
            db = g.sum(axis=0)
            if i > 0:
                g = (g @ Ws[i].T) * (zs[i - 1] > 0)
            Ws[i] -= lr * dW
            bs[i] -= lr * db
        return loss

    step.loss_value = float
    return step


def numpy_exact_step(weights, X, Y, lr=LR):
    """The same hand-written NumPy backprop, rounding as PyTorch (and teachgrad) round: weights stored
    (out, in) and used transposed, the MSE gradient as 2/n * diff, sums added in PyTorch's order
    (teachgrad._exact.sum) and the SGD update ``p + (-lr) * g`` rounded once to float32 (PyTorch's CPU
    kernel uses a fused multiply-add; NumPy has none: teachgrad._exact.fma).  Not a goal: it shows how
    much of teachgrad's time is arithmetic that exactness requires, and how much is the engine's own
    bookkeeping."""
    from teachgrad._exact import fma, sum as exact_sum
    Ws = [np.array(W.T, order="C") for W, _ in weights]  # (out, in), as nn.Linear stores them; copies
    bs = [b.copy() for _, b in weights]
    params = [p for pair in zip(Ws, bs) for p in pair]
    work = [np.empty(p.shape, np.float64) for p in params]
    alpha = np.float32(-lr)
    last = len(Ws) - 1

    def step():
        hs = [X]  # the input of each layer (after the first: a ReLU output)
        h = X
        for i in range(last + 1):
            z = np.dot(h, Ws[i].T)
            z += bs[i]
            if i < last:
                h = np.maximum(z, 0)
                hs.append(h)
            else:
                h = z
        diff = h - Y
        loss = exact_sum(diff * diff) / np.float32(diff.size)
        g = diff * np.float32(2.0 / diff.size)
        grads = []
        for i in range(last, -1, -1):
            grads[:0] = [np.dot(g.T, hs[i]), exact_sum(g, (0,))]
            if i > 0:
                g = np.dot(g, Ws[i]) * (hs[i] > 0)  # ReLU's gradient, from its output
        for p, grad, scratch in zip(params, grads, work):  # p + alpha * grad, rounded once
            fma(grad, alpha, p, p, scratch)
        return loss

    step.loss_value = float
    return step


def mygrad_step(weights, X, Y, lr=LR):
    mg = mygrad
    relu = importlib.import_module("mygrad.nnet.activations").relu
    params = []
    for W, b in weights:
        params += [mg.tensor(W.copy()), mg.tensor(b.copy())]
    last = len(weights) - 1

    def step():
        h = X
        for i in range(last + 1):
            h = h @ params[2 * i] + params[2 * i + 1]
            if i < last:
                h = relu(h)
        loss = mg.mean((h - Y) ** 2)
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        return loss

    step.loss_value = lambda loss: loss.item()
    return step


def micrograd_step(weights, X, Y, lr=LR):
    """micrograd (scalar Values, Python floats): the whole batch as one scalar graph."""
    Value = importlib.import_module("micrograd.engine").Value
    sizes = [weights[0][0].shape[0]] + [W.shape[1] for W, _ in weights]
    model = micrograd_nn.MLP(sizes[0], sizes[1:])
    for layer, (W, b) in zip(model.layers, weights):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                w.data = float(W[k, j])
            neuron.b.data = float(b[j])
    xs = X.tolist()
    ys = [row[0] for row in Y.tolist()]
    scale = 1.0 / len(xs)

    def step():
        model.zero_grad()
        loss = sum(((model(xi) - yi) ** 2 for xi, yi in zip(xs, ys)), Value(0.0)) * scale
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        return loss

    step.loss_value = lambda loss: loss.data
    return step


def mlp_factories(small):
    """name -> factory(weights, X, Y) for every library available."""
    f = {
        "teachgrad nn": lambda *a: nn_style_step(teachgrad, *a),
        "teachgrad raw": lambda *a: raw_style_step(teachgrad, *a),
        "numpy": numpy_step,
        "numpy, PyTorch's rounding": numpy_exact_step,
    }
    if torch is not None:
        f["pytorch nn"] = lambda *a: nn_style_step(torch, *a)
        f["pytorch raw"] = lambda *a: raw_style_step(torch, *a)
    if mygrad is not None:
        f["mygrad raw"] = mygrad_step
    if small and micrograd_nn is not None:
        f["micrograd"] = micrograd_step
    return f


def check_losses(factories, weights, X, Y, steps=3, timed=()):
    """Run a few steps on fresh models; every library must produce numpy's losses.

    For the libraries in `timed` (micrograd: too slow to run more often) these steps are also the
    timing: the first is a warm-up, the others are returned as samples.
    """
    out, samples = {}, {}
    for name, factory in factories.items():
        try:
            step = factory(weights, X, Y)
            losses, times = [], []
            for _ in range(steps):
                times.append(time_calls(lambda: losses.append(step.loss_value(step())), 1))
        except Exception as exc:  # noqa: BLE001
            record_error(f"{name} MLP step", exc)
            out[name] = None
            continue
        out[name] = losses
        if name in timed and len(times) > 1:
            samples[name] = times[1:]  # (clock, wall) pairs
    ref = out.get("numpy")
    result = {}
    for name, losses in out.items():
        if losses is None:
            result[name] = "error"
        elif ref is None:
            result[name] = "?"
        else:
            k = min(len(losses), len(ref))
            ok = np.allclose(losses[:k], ref[:k], rtol=1e-4, atol=1e-6)
            result[name] = "ok" if ok else f"DIFFERS {losses[k - 1]:.6g} vs {ref[k - 1]:.6g}"
            if not ok and name.startswith("teachgrad"):
                ERRORS.append(("teachgrad MLP step", f"losses {losses} differ from numpy's {ref}"))
    return result, samples


def bench_mlp(label, sizes, batch, cfg):
    small = sizes == SMALL[0]
    print(f"\n## ({'1a' if small else '1b'}) MLP step {label}: {'-'.join(map(str, sizes))}, batch {batch}, "
          "float32", flush=True)
    weights, X, Y = init_problem(sizes, batch)
    factories = mlp_factories(small)
    if not cfg.micrograd_repeats:
        factories.pop("micrograd", None)
    slow = {"micrograd"}
    check = {name: f for name, f in factories.items() if name not in slow}
    agree, _ = check_losses(check, weights, X, Y)
    for name in slow & set(factories):  # checked and timed in one go: 1 warm-up step + the timed ones
        a, samples = check_losses({"numpy": numpy_step, name: factories[name]}, weights, X, Y,
                                  steps=1 + cfg.micrograd_repeats, timed=(name,))
        agree[name] = a[name]
    steps = {}
    for name, factory in check.items():
        if agree.get(name) == "error":
            continue
        try:
            steps[name] = factory(weights, X, Y)
        except Exception as exc:  # noqa: BLE001
            record_error(f"{name} MLP setup", exc)
    stats = measure(steps, cfg.repeats, cfg.target, cfg.warmup)
    for name in slow & set(factories):
        s = samples.get(name)
        if s:
            stats[name] = summary([t for t, _ in s], 1, [w for _, w in s])
    base_np = stats.get("numpy", {}).get("median")
    rows = []
    for name in factories:
        st = stats.get(name)
        if st is None:
            rows.append([name, "—", "—", "—", "—", "—", "—", "—", agree.get(name, "—")])
            continue
        style = name.rsplit(" ", 1)[-1]  # PyTorch running the same style of code is the reference
        base_pt = stats.get(f"pytorch {style}", stats.get("pytorch nn", {})).get("median")
        rows.append([name, fmt_time(st["median"]), fmt_time(st["min"]), fmt_time(st["max"]), fmt_time(st["wall"]),
                     f"{st['repeats']}×{st['n']}", fmt_ratio(st["median"], base_np), fmt_ratio(st["median"], base_pt),
                     agree.get(name, "—")])
    print(table(["library and style", f"median / step ({CLOCK_NAME})", "min", "max", "wall median", "reps×loop",
                 "÷ numpy", "÷ pytorch (same style)", "losses"], rows))
    return {name: st["median"] for name, st in stats.items()}


# --- import time ---------------------------------------------------------------------------------

IMPORT_CODE = (
    "import sys, time\n"
    "{pre}"
    "w, c = time.perf_counter(), time.process_time()\n"
    "import {mod}\n"
    "c, w = time.process_time() - c, time.perf_counter() - w\n"
    "heavy = [m for m in ('matplotlib', 'ipywidgets', 'IPython', 'torch', 'scipy', 'pandas') if m in sys.modules]\n"
    "print(repr(c), repr(w)); print(','.join(heavy))\n"
)


def import_time(mod, runs, pre=""):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    # A learner's Python caches compiled modules (.pyc); with PYTHONDONTWRITEBYTECODE (set in some
    # sandboxes) every import would compile teachgrad from source again.  The discarded first run
    # writes the cache (teachgrad/__pycache__, ignored by git).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    code = IMPORT_CODE.format(mod=mod, pre=pre)
    times, walls, heavy = [], [], ""
    for i in range(runs + 1):  # the first run only warms the file cache and .pyc files
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split("\n")
        if i:
            c, w = map(float, out[0].split())
            times.append(c if CLOCK_NAME == "cpu" else w)
            walls.append(w)
            heavy = out[1]
    return statistics.median(times), min(times), statistics.median(walls), heavy


def bench_import(cfg):
    print("\n## (2) import time (fresh subprocess, median; the first run, which writes the .pyc cache, is "
          "discarded)", flush=True)
    res = {}
    rows = []
    plan = [("numpy", "numpy", "", cfg.import_runs),
            ("teachgrad", "teachgrad", "", cfg.import_runs),
            ("teachgrad (numpy already imported)", "teachgrad", "import numpy\n", cfg.import_runs)]
    if torch is not None and cfg.torch_import_runs:
        plan.append(("torch", "torch", "", cfg.torch_import_runs))
    for label, mod, pre, runs in plan:
        try:
            med, mn, wall, heavy = import_time(mod, runs, pre)
        except Exception as exc:  # noqa: BLE001
            record_error(f"import {mod}", exc)
            continue
        res[label] = med
        rows.append([f"`import {mod}`" + (" after numpy" if pre else ""), fmt_time(med), fmt_time(mn),
                     fmt_time(wall), runs, heavy or "none"])
    print(table(["what", f"median ({CLOCK_NAME})", "min", "wall median", "runs",
                 "heavy modules loaded (matplotlib, ipywidgets, torch, ...)"], rows))
    return res


# --- the explorers -------------------------------------------------------------------------------

def chain(lib):
    """Lesson 5's chain: the engine part of an explorer's update."""
    def run():
        a = lib.tensor(2.0, requires_grad=True)
        b = lib.tensor(3.0, requires_grad=True)
        c = lib.tensor(5.0, requires_grad=True)
        d = lib.tensor(7.0, requires_grad=True)
        e = lib.tensor(11.0, requires_grad=True)
        f = lib.tensor(13.0, requires_grad=True)
        x = lib.tensor(17.0, requires_grad=True)
        y = a * x + b
        z = c * y + d
        w = e * z + f
        w.backward()
        return a.grad
    return run


def bench_explorers(cfg):
    print("\n## (3) the explorers: lesson 5's chain y=a*x+b, z=c*y+d, w=e*z+f, then every control of every "
          "explorer (in the kernel)", flush=True)
    res = {}
    cases = {"teachgrad": chain(teachgrad)}
    if torch is not None:
        cases["pytorch"] = chain(torch)
    try:
        grad = cases["teachgrad"]().item()
        if grad != 935.0:
            raise AssertionError(f"a.grad is {grad}, expected 935.0")
    except Exception as exc:  # noqa: BLE001
        record_error("teachgrad chain", exc)
        cases.pop("teachgrad")
    stats = measure(cases, cfg.repeats, cfg.target / 2, cfg.warmup / 2)
    rows = []
    for name, st in stats.items():
        res[f"chain_{name}"] = st["median"]
        rows.append([f"{name}: build the chain + backward", fmt_time(st["median"]), fmt_time(st["min"]),
                     fmt_time(st["wall"]), f"{st['repeats']}×{st['n']}"])
    os.environ.setdefault("MPLBACKEND", "Agg")  # no display: matplotlib renders off-screen
    try:
        import matplotlib

        matplotlib.use("Agg")
        widgets = importlib.import_module("teachgrad.widgets")
        viz = importlib.import_module("teachgrad.viz")
    except Exception as exc:  # noqa: BLE001
        record_error("import teachgrad.widgets", exc)
        print(table(["what", f"median ({CLOCK_NAME})", "min", "wall median", "reps×loop"], rows))
        return res
    try:
        traced = lambda: widgets.chain_gradients(trace=True)  # noqa: E731
        traced()
        st = measure({"traced": traced}, cfg.repeats, cfg.target / 2, cfg.warmup / 2)["traced"]
        res["chain_traced"] = st["median"]
        rows.append(["teachgrad: widgets.chain_gradients(trace=True) (code, trace, backward)",
                     fmt_time(st["median"]), fmt_time(st["min"]), fmt_time(st["wall"]),
                     f"{st['repeats']}×{st['n']}"])
        r = widgets.chain_gradients(trace=True)
        names = {k: r["tensors"][k] for k in ("a", "b", "c", "d", "e", "f", "x", "y", "z", "w")}
        draw = lambda: viz.figure_to_svg(viz.draw_graph(r["tensors"]["w"], trace=r["trace"], names=names))  # noqa: E731
        draw()
        s = [time_calls(draw, 1) for _ in range(max(3, cfg.redraws // 3))]
        rows.append(["viz.draw_graph (a matplotlib Figure) → SVG, for comparison",
                     fmt_time(statistics.median(t for t, _ in s)), fmt_time(min(t for t, _ in s)),
                     fmt_time(statistics.median(w for _, w in s)), len(s)])
    except Exception as exc:  # noqa: BLE001
        record_error("teachgrad chain_gradients / draw_graph", exc)
    print(table(["what", f"median ({CLOCK_NAME})", "min", "wall median", "reps×loop"], rows))
    try:
        updates = widgets.time_updates(repeats=cfg.redraws)
    except Exception as exc:  # noqa: BLE001
        record_error("teachgrad explorers", exc)
        return res
    res["explorer_updates"] = updates
    slowest = max(updates, key=updates.get)
    res["explorer_slowest"] = [slowest, updates[slowest]]
    print(f"\nEvery control, one change each (wall-clock median of {cfg.redraws}; recompute + redraw):\n")
    print(table(["explorer: control", "median per update"],
                [[label, f"{seconds * 1e3:.1f} ms"] for label, seconds in updates.items()]))
    return res


# --- memory --------------------------------------------------------------------------------------

def bench_memory(cfg):
    """tracemalloc over `memory_steps` steps of the small MLP.

    Current memory is read after gc.collect(): a full collection also empties CPython's free lists
    (tuples, lists, floats, ...), whose cached blocks tracemalloc would otherwise count as live for
    the first thousand steps or so.  The peak is read without collecting.  Before tracing starts, the
    automatic collections of a separate warm-up are counted: objects the cycle collector frees per
    step show reference cycles the engine makes (they are freed late, in bursts, not at once).
    """
    steps_total = cfg.memory_steps
    print(f"\n## (4) memory over {steps_total:,} training steps of the small MLP (teachgrad, tracemalloc)",
          flush=True)
    weights, X, Y = init_problem(*SMALL)
    try:
        step = nn_style_step(teachgrad, weights, X, Y)
        gc.collect()
        collected0 = sum(g["collected"] for g in gc.get_stats())
        warm0 = cfg.memory_warmup
        for _ in range(warm0):
            step()
        cycles_per_step = (sum(g["collected"] for g in gc.get_stats()) - collected0) / warm0
    except Exception as exc:  # noqa: BLE001
        record_error("teachgrad memory run", exc)
        return {}
    warm = max(50, steps_total // 50)
    tracemalloc.start()
    t0 = time.perf_counter()
    for _ in range(warm):
        step()
    every = max(1, (steps_total - warm) // 5)
    marks = np.zeros((6, 3), dtype=np.int64)  # (steps, live, peak); allocated before the baseline
    nmarks = 0
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    done = warm
    while done < steps_total and nmarks < len(marks):
        k = min(every, steps_total - done) if nmarks < len(marks) - 1 else steps_total - done
        for _ in range(k):
            step()
        done += k
        marks[nmarks, 2] = tracemalloc.get_traced_memory()[1]  # the peak, before the collection below
        gc.collect()
        marks[nmarks, 0] = done
        marks[nmarks, 1] = tracemalloc.get_traced_memory()[0]
        nmarks += 1
    end = int(marks[nmarks - 1, 1]) if nmarks else base
    peak = int(marks[:nmarks, 2].max()) if nmarks else base
    checkpoints = [tuple(int(v) for v in row) for row in marks[:nmarks]]
    elapsed = time.perf_counter() - t0
    tracemalloc.stop()
    growth = (end - base) / 1024
    kib = lambda v: f"{v / 1024:,.1f} KiB"  # noqa: E731
    rows = [[f"live after warm-up ({warm:,} traced steps, after {warm0:,} untraced)", kib(base)]]
    rows += [[f"live after {n:,} steps", kib(v)] for n, v, _ in checkpoints]
    rows += [["peak (between collections)", kib(peak)], ["growth warm-up → end", f"{growth:+,.1f} KiB"],
             ["objects freed by the cycle collector per step (reference cycles)", f"{cycles_per_step:.1f}"],
             ["wall time (with tracemalloc)", fmt_time(elapsed)]]
    print(table(["memory (Python allocations traced by tracemalloc)", "value"], rows))
    return {"memory_growth_kib": growth, "memory_base_kib": base / 1024, "memory_peak_kib": peak / 1024,
            "gc_collected_per_step": cycles_per_step}


# --- the notebooks (optional) --------------------------------------------------------------------

def bench_notebooks():
    print("\n## (5) the notebook series under strict nbval (`python -m pytest notebooks`)", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "notebooks"],
                          cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    last = (proc.stdout.strip().splitlines() or [""])[-1]
    print(f"{fmt_time(elapsed)} wall, pytest exit {proc.returncode}: {last}")
    for line in proc.stdout.splitlines():  # say which cells failed, if any
        if line.startswith(("FAILED", "ERROR")):
            print("  " + line)
    return {"notebooks_s": elapsed, "notebooks_exit": proc.returncode}


# --- machine info --------------------------------------------------------------------------------

def machine_info():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    info = {
        "cpu": cpu,
        "cores": f"{os.cpu_count()} ({usable} usable)",
        "load average": " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "—",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "teachgrad": getattr(teachgrad, "__version__", "?"),
        "torch": torch.__version__ if torch is not None else "not installed",
        "mygrad": getattr(mygrad, "__version__", "?") if mygrad is not None else "not installed",
        "micrograd": "installed" if micrograd_nn is not None else "not installed",
        "clock": ("process CPU time (time.process_time)" if CLOCK_NAME == "cpu" else "wall (time.perf_counter)"),
        "threads": "1 (OMP/OPENBLAS/MKL_NUM_THREADS=1" + (", torch.set_num_threads(1))" if torch else ")"),
    }
    try:
        from importlib.metadata import version

        if micrograd_nn is not None:
            info["micrograd"] = version("micrograd")
    except Exception:  # noqa: BLE001
        pass
    if REMOVED_OPENBLAS_ENV:
        info["OpenBLAS env"] = "removed for this run: " + ", ".join(f"{k}={v}" for k, v in REMOVED_OPENBLAS_ENV.items())
    else:
        kept = [f"{k}={os.environ[k]}" for k in _OPENBLAS_VARS if k in os.environ]
        info["OpenBLAS env"] = ("kept: " + ", ".join(kept)) if kept else "OPENBLAS_CORETYPE/L2_SIZE not set"
    tpc = optional("threadpoolctl")
    if tpc is not None:
        pools = []
        for p in tpc.threadpool_info():
            pools.append(f"{p.get('internal_api')} {p.get('version')} {p.get('architecture', '')} "
                         f"{p.get('num_threads')} thread(s) [{os.path.basename(p.get('filepath', ''))}]")
        info["BLAS (threadpoolctl)"] = "; ".join(pools) or "none found"
    else:
        info["BLAS (threadpoolctl)"] = "threadpoolctl not installed (pip install threadpoolctl to see the kernel)"
    return info


# --- goals ---------------------------------------------------------------------------------------

def goals_table(r):
    def verdict(value, limit):
        if value is None:
            return "—"
        return "PASS" if value <= limit else "MISS"

    def ratio(a, b):
        return None if a is None or b is None else a / b

    s, m = r.get("small", {}), r.get("mnist", {})
    slowest = r.get("explorers", {}).get("explorer_slowest")
    rows = []
    for label, key, value, limit, shown in [
        ("Small MLP step, raw tensors (the lessons' style) ≤ 1.0 × PyTorch", "small_raw_vs_torch",
         ratio(s.get("teachgrad raw"), s.get("pytorch raw")), GOALS["small_raw_vs_torch"], None),
        ("Small MLP step, nn + optim ≤ 0.5 × PyTorch", "small_nn_vs_torch",
         ratio(s.get("teachgrad nn"), s.get("pytorch nn")), GOALS["small_nn_vs_torch"], None),
        ("Small MLP step, nn + optim ≤ 2.5 × hand-written NumPy", "small_nn_vs_numpy",
         ratio(s.get("teachgrad nn"), s.get("numpy")), GOALS["small_nn_vs_numpy"], None),
        ("MNIST-size MLP step, nn + optim ≤ 0.6 × PyTorch", "mnist_nn_vs_torch",
         ratio(m.get("teachgrad nn"), m.get("pytorch nn")), GOALS["mnist_nn_vs_torch"], None),
        ("MNIST-size MLP step, nn + optim ≤ 1.15 × hand-written NumPy", "mnist_nn_vs_numpy",
         ratio(m.get("teachgrad nn"), m.get("numpy")), GOALS["mnist_nn_vs_numpy"], None),
        ("`import teachgrad` ≤ 0.15 s", "import_s", r.get("import", {}).get("teachgrad"), GOALS["import_s"], "s"),
        ("Notebook series under strict nbval ≤ 30 s", "notebooks_s", r.get("notebooks", {}).get("notebooks_s"),
         GOALS["notebooks_s"], "s"),
        ("Memory flat over 10,000 steps (growth ≤ 64 KiB)", "memory_growth_kib",
         r.get("memory", {}).get("memory_growth_kib"), GOALS["memory_growth_kib"], "kib"),
        ("Every explorer control ≤ 20 ms per update in the kernel", "explorer_update_ms",
         None if slowest is None else slowest[1] * 1e3, GOALS["explorer_update_ms"], "ms"),
    ]:
        if value is None:
            text = "not run (--notebooks)" if key == "notebooks_s" else "not measured"
        elif shown is None:
            text = f"{value:.2f}×"
        elif shown == "s":
            text = fmt_time(value)
        elif shown == "ms":
            text = f"{value:.1f} ms (slowest: {slowest[0]})"
        else:
            text = f"{value:+,.1f} KiB"
        if key == "memory_growth_kib" and value is not None and r.get("memory_steps") != 10_000:
            text += f" (over {r['memory_steps']:,} steps)"
        if key == "notebooks_s" and value is not None and r["notebooks"].get("notebooks_exit"):
            text += f" (pytest exit {r['notebooks']['notebooks_exit']})"
        rows.append([label, text, verdict(value, limit)])
    return table(["Goal", "Measured", "Result"], rows)


# --- main ----------------------------------------------------------------------------------------

class Config:
    def __init__(self, quick):
        self.quick = quick
        self.repeats = 3 if quick else 9
        self.target = 0.005 if quick else 0.03     # seconds per repetition of one case
        self.warmup = 0.02 if quick else 0.1       # seconds of warm-up per case
        self.micrograd_repeats = 0 if quick else 3  # 0: micrograd skipped
        self.import_runs = 1 if quick else 5
        self.torch_import_runs = 0 if quick else 2
        self.redraws = 3 if quick else 15
        self.memory_steps = 200 if quick else 10_000
        self.memory_warmup = 50 if quick else 1_000


def profile_small_step():
    import cProfile
    import pstats

    weights, X, Y = init_problem(*SMALL)
    step = nn_style_step(teachgrad, weights, X, Y)
    for _ in range(50):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(500):
        step()
    prof.disable()
    print("\n## cProfile of 500 teachgrad small-MLP steps (top 30 by own time)")
    pstats.Stats(prof, stream=sys.stdout).strip_dirs().sort_stats("tottime").print_stats(30)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fast smoke run: fewer repetitions, rough numbers")
    ap.add_argument("--notebooks", action="store_true", help="also time the notebook series under nbval")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of teachgrad's small MLP step")
    ap.add_argument("--json", metavar="PATH", help="write the raw results as JSON")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                    help="cpu: process CPU time (default; robust on a busy shared machine); wall: perf_counter")
    ap.add_argument("--keep-openblas-env", action="store_true",
                    help="keep OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (removed by default, for this run only)")
    args = ap.parse_args(argv)
    import importlib.util

    missing = [m for m in ("ipywidgets", "matplotlib") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"bench.py needs teachgrad's bench extra (missing: {', '.join(missing)}): run ./run bench, which "
              "sets it up, or from the repository root: pip install -e '.[bench]' --extra-index-url "
              "https://download.pytorch.org/whl/cpu (ipywidgets, matplotlib, PyTorch's CPU build, MyGrad, "
              "micrograd).", file=sys.stderr)
        return 2
    global clock, CLOCK_NAME
    clock, CLOCK_NAME = CLOCKS[args.clock], args.clock
    cfg = Config(args.quick)
    t_start = time.perf_counter()

    print(f"# teachgrad benchmarks{' (--quick: rough numbers)' if args.quick else ''}")
    info = machine_info()
    print()
    print(table(["machine", ""], [[k, v] for k, v in info.items()]))

    results = {"machine": info, "quick": args.quick, "memory_steps": cfg.memory_steps}
    sections = [("small", lambda: bench_mlp("small", *SMALL, cfg)),
                ("mnist", lambda: bench_mlp("MNIST-size", *MNIST, cfg)),
                ("import", lambda: bench_import(cfg)),
                ("explorers", lambda: bench_explorers(cfg)),
                ("memory", lambda: bench_memory(cfg))]
    if args.notebooks:
        sections.append(("notebooks", bench_notebooks))
    for key, run in sections:
        t0 = time.perf_counter()
        results[key] = run()
        print(f"({time.perf_counter() - t0:.1f} s wall)", flush=True)
    if args.profile:
        profile_small_step()

    print("\n## Goals\n")
    print(goals_table(results))
    print(f"\nMachine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, NumPy {info['numpy']}, "
          f"PyTorch {info['torch']}; one thread; medians; total {time.perf_counter() - t_start:.0f} s.")
    if ERRORS:
        print("\nErrors:")
        for what, msg in ERRORS:
            print(f"- {what}: {msg}")
    if args.json:
        results["errors"] = ERRORS
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2, default=str)
    return 1 if any(what.startswith(("teachgrad", "ChainExplorer", "import teachgrad")) for what, _ in ERRORS) else 0


if __name__ == "__main__":
    sys.exit(main())
