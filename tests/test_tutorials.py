"""Programs in the style of PyTorch's beginner tutorials (tests/tutorials/*.py) must print on
teachgrad exactly what they print on PyTorch.

Each program is ordinary PyTorch code (``import torch``, ``from torch import nn``,
``from torch.utils.data import DataLoader`` ...). It runs twice in this process: once on real
PyTorch, once with every ``torch`` import answered by ``teachgrad`` (the import is swapped, the
code is not touched). Synthetic data replaces downloads; sizes are small so each runs in seconds.

How outputs are compared (each program's docstring says ``compare: exact`` or ``compare: approx``):
- Memory addresses in reprs (``<AddBackward0 object at 0x7f...>``) are masked on both sides; a
  warning is compared as a line ``warning: Category: message`` (with the warning filters
  ``import teachgrad`` installs, which pytest would otherwise reset between tests); an exception
  ends the output with ``raised Type: message``.
- ``exact``: the outputs must be identical, character for character. Used where every printed
  number is computed deterministically by PyTorch on every CPU: random draws from a seed,
  elementwise arithmetic, integer powers, linspace/arange, sum/mean, SGD steps. Losses are
  printed at full precision (``loss.item()``).
- ``approx``: where a program goes through BLAS products (Linear/Conv layers) or transcendentals
  (exp/log in a loss, sqrt in Adam), whose last bits PyTorch itself does not pin across CPUs. The
  text between numbers must be identical (runs of spaces count as one); integers must be equal;
  each other number may differ by one unit in its last printed digit (a rounding-boundary flip) or
  by 1e-5 relative (+1e-6 absolute), whichever is larger.

Self-check: ``TEACHGRAD_TEST_BACKEND=torch pytest tests/test_tutorials.py`` runs every program on
torch twice (all must pass).
"""

import builtins
import contextlib
import difflib
import importlib
import io
import math
import re
import warnings
from pathlib import Path

import pytest

from helpers import backend_is_torch, install_library_warning_filters, load_teachgrad, load_torch, strip_internal
from known_failures import TUTORIALS as KNOWN_TUTORIALS

pytest.importorskip("torch")

HERE = Path(__file__).parent / "tutorials"
PROGRAMS = sorted(HERE.glob("*.py"))

# The tutorials the programs follow, by series (file name prefix) and part.
SERIES = {
    "blitz": ["tensors", "autograd", "neural_networks", "classifier"],
    "basics": ["tensors", "data", "buildmodel", "autograd", "optimization"],
    "examples": ["numpy", "tensors", "autograd", "custom_function", "nn", "optim", "module", "dynamic"],
}

ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b")


def compare_mode(source):
    m = re.search(r"^compare: (exact|approx)\b", source, re.M)
    return m.group(1) if m else None


def swapped_import(target):
    """An __import__ that answers `torch` and `torch.*` with the module under test."""
    real = builtins.__import__
    name0 = target.__name__

    def imp(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name0 != "torch" and (name == "torch" or name.startswith("torch.")):
            module = importlib.import_module(name0 + name[len("torch"):])
            return module if fromlist else target
        return real(name, globals, locals, fromlist, level)
    return imp


def reset(mod):
    for fn, arg in (("set_default_dtype", mod.float32), ("set_grad_enabled", True), ("set_default_device", None)):
        f = getattr(mod, fn, None)
        if f is not None:
            with contextlib.suppress(Exception):
                f(arg)


def run_program(path, mod):
    """Output of the program with `torch` imports answered by mod (stdout, then warnings)."""
    code = compile(path.read_text(), str(path), "exec")
    env_builtins = dict(vars(builtins))
    env_builtins["__import__"] = swapped_import(mod)
    namespace = {"__name__": "__main__", "__file__": str(path), "__builtins__": env_builtins}
    out = io.StringIO()
    reset(mod)
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
            warnings.simplefilter("always")
            install_library_warning_filters()
            try:
                exec(code, namespace)  # noqa: S102
            except Exception as e:  # noqa: BLE001 - the program's failure is part of its output
                print(f"raised {type(e).__name__}: {strip_internal(str(e))}")
    finally:
        reset(mod)
    text = out.getvalue()
    seen = []
    for w in caught:
        line = f"warning: {w.category.__name__}: {strip_internal(str(w.message))}"
        if line not in seen:
            seen.append(line)
    return ADDRESS.sub("0x?", text + "".join(s + "\n" for s in seen))


def _last_place(token):
    """One unit in the last printed digit of a number token."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
    return 10.0 ** (int(exponent or 0) - decimals)


def numbers_close(a, b):
    if a == b:
        return True
    if not any(c in a + b for c in ".eEni"):
        return False  # integers: exact
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if math.isnan(x) or math.isnan(y) or math.isinf(x) or math.isinf(y):
        return x == y or (math.isnan(x) and math.isnan(y))
    tol = max(_last_place(a), _last_place(b), 1e-5 * max(abs(x), abs(y)) + 1e-6)
    return abs(x - y) <= tol * (1 + 1e-9)


def approx_equal_lines(got, want):
    """(True, None) or (False, reason) for one pair of lines."""
    def split(line):
        parts = NUMBER.split(line)
        return [re.sub(r"\s+", " ", p) for p in parts], NUMBER.findall(line)
    gt, gn = split(got)
    wt, wn = split(want)
    if gt != wt or len(gn) != len(wn):
        return False, "text differs"
    for a, b in zip(gn, wn):
        if not numbers_close(a, b):
            return False, f"{a} vs {b}"
    return True, None


def compare_outputs(got, want, mode):
    """None if equal under the mode, else a readable explanation."""
    if got == want:
        return None
    diff = "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(), "torch", "teachgrad", lineterm="", n=1))
    if mode == "exact":
        return diff
    gl, wl = got.splitlines(), want.splitlines()
    if len(gl) != len(wl):
        return f"{len(gl)} lines, torch printed {len(wl)}\n{diff}"
    for i, (g, w) in enumerate(zip(gl, wl)):
        ok, why = approx_equal_lines(g, w)
        if not ok:
            return f"line {i + 1}: {why}\n  torch:     {w}\n  teachgrad: {g}\n{diff}"
    return None


def test_every_tutorial_has_a_program():
    stems = {p.stem for p in PROGRAMS}
    missing = [f"{s}_{part}" for s, parts in SERIES.items() for part in parts if f"{s}_{part}" not in stems]
    assert not missing, f"no program for: {missing}"


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_declares_how_it_is_compared(path):
    assert compare_mode(path.read_text()) in ("exact", "approx"), f"{path.name}: docstring needs 'compare: exact|approx'"


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_prints_what_pytorch_prints(path):
    mode = compare_mode(path.read_text())
    want = run_program(path, load_torch())
    assert "raised " not in want, f"{path.name} fails on PyTorch itself:\n{want}"
    got = run_program(path, load_teachgrad())
    problem = compare_outputs(got, want, mode)
    known = path.stem in KNOWN_TUTORIALS and not backend_is_torch()
    if problem is None and known:
        pytest.fail(f"{path.stem} passes now: remove it from TUTORIALS in tests/known_failures.py")
    if problem is not None and known:
        first = problem.splitlines()[0][:200]
        pytest.xfail(f"known failure (tests/known_failures.py TUTORIALS): {first}")
    assert problem is None, f"{path.name} ({mode}) prints differently on teachgrad:\n{problem}"


@pytest.mark.parametrize("a, b, ok", [
    ("0.1234", "0.1235", True), ("0.1234", "0.1236", False), ("2.303", "2.302", True),
    ("1.0000001", "1.0000002", True), ("1.5", "1.7", False), ("1.5", "1.6", True), ("12", "13", False), ("12", "12", True),
    ("1.2345e-03", "1.2346e-03", True), ("nan", "nan", True), ("inf", "-inf", False),
])
def test_number_tolerance(a, b, ok):
    assert numbers_close(a, b) is ok
