"""Shared test helpers: run the same PyTorch code on teachgrad and on real PyTorch, and compare.

The tests are written against the PyTorch API, so their expectations are PyTorch's own. Code under
test is a function that receives the *module* (``teachgrad`` or ``torch``) as its first argument::

    same(lambda t: repr(t.tensor([1.5, 2.0])))                    # compare any result
    check_op([(2, 3), (3,)], lambda x, y: x * y)                  # values, dtypes, grad_fn, gradients
    check_fn([(2, 3)], lambda t, x: t.cat([x, x], dim=1))         # same, module passed first
    same_error(lambda t: t.ones(3).item())                        # same exception type and message

Self-check: with ``TEACHGRAD_TEST_BACKEND=torch`` the module standing in for teachgrad is real
PyTorch, so every comparison is torch-against-torch and every hard-coded expectation in the tests
(the articles' numbers, flags, names) is checked against PyTorch itself. Use it to validate a
test before blaming the engine; never in CI.
"""

import contextlib
import importlib
import math
import os
import traceback
import warnings

import numpy as np
import pytest

BACKEND_ENV = "TEACHGRAD_TEST_BACKEND"
SUBMODULES = ("autograd", "nn", "nn.functional", "optim")


def backend_is_torch():
    """True when the tests run in self-check mode (real PyTorch standing in for teachgrad)."""
    return os.environ.get(BACKEND_ENV, "").strip().lower() == "torch"


def load_teachgrad():
    """The module under test: teachgrad (or torch in self-check mode), submodules imported.

    Submodules that do not exist yet are skipped here; tests using them fail on their own.
    """
    name = "torch" if backend_is_torch() else "teachgrad"
    mod = importlib.import_module(name)
    for sub in SUBMODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(f"{name}.{sub}")
    return mod


def load_torch():
    """Real PyTorch, the reference (skips the test when torch is absent; CI's conftest forbids that)."""
    torch = pytest.importorskip("torch")
    for sub in SUBMODULES:
        importlib.import_module(f"torch.{sub}")
    return torch


@pytest.fixture
def tg():
    """Fixture: the module under test (teachgrad, or torch in self-check mode)."""
    return load_teachgrad()


@pytest.fixture
def ref():
    """Fixture: real PyTorch."""
    return load_torch()


def both():
    """(module under test, reference torch)."""
    return load_teachgrad(), load_torch()


# --------------------------------------------------------------------------------------------
# Converting results to plain Python so the two libraries can be compared
# --------------------------------------------------------------------------------------------

def is_tensor(x):
    """Duck-typed: a teachgrad or torch tensor (not an ndarray)."""
    return hasattr(x, "requires_grad") and hasattr(x, "tolist") and not isinstance(x, np.ndarray)


def grad_fn_name(t):
    fn = t.grad_fn
    return None if fn is None else fn.name()


def describe(t):
    """A tensor as a dict of everything PyTorch code can observe cheaply."""
    d = t.detach() if t.requires_grad else t
    return {
        "shape": tuple(t.shape),
        "dtype": str(t.dtype),
        "requires_grad": bool(t.requires_grad),
        "is_leaf": bool(t.is_leaf),
        "grad_fn": grad_fn_name(t),
        "values": d.tolist(),
    }


def to_plain(x):
    """Recursively turn tensors / sizes / tuples into comparable plain values."""
    if is_tensor(x):
        return ("tensor", describe(x))
    if isinstance(x, tuple) and hasattr(x, "values") and hasattr(x, "indices"):
        # max(dim=...) / min(dim=...): torch.return_types.max, a tuple with .values and .indices
        assert len(x) == 2, "max/min(dim=) result must be a 2-tuple (values, indices)"
        return ("values_indices", to_plain(x.values), to_plain(x.indices), to_plain(tuple(x)))
    if type(x).__name__ == "Size":
        return ("Size", tuple(x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [to_plain(v) for v in x])
    if isinstance(x, dict):
        return ("dict", {k: to_plain(v) for k, v in x.items()})
    if isinstance(x, np.ndarray):
        return ("ndarray", str(x.dtype), x.tolist())
    if type(x).__module__ in ("torch", "teachgrad") or type(x).__module__.startswith(("torch.", "teachgrad.")):
        return ("str", str(x))  # e.g. dtype objects ('torch.float32', as PyTorch prints them), devices
    return x


def _close(a, b, rtol, atol, path):
    """Assert two plain structures are equal, floats within tolerance (nan == nan)."""
    if isinstance(a, float) or isinstance(b, float):
        assert type(a) is type(b), f"{path}: teachgrad {a!r}, torch {b!r}"
        if math.isnan(b):
            assert math.isnan(a), f"{path}: teachgrad {a!r}, torch {b!r}"
        elif math.isinf(b):
            assert a == b, f"{path}: teachgrad {a!r}, torch {b!r}"
        else:
            assert abs(a - b) <= atol + rtol * abs(b), f"{path}: teachgrad {a!r}, torch {b!r}"
        return
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert type(a) is type(b), f"{path}: teachgrad {type(a).__name__}, torch {type(b).__name__}"
        assert len(a) == len(b), f"{path}: teachgrad {a!r}, torch {b!r}"
        for i, (u, v) in enumerate(zip(a, b)):
            _close(u, v, rtol, atol, f"{path}[{i}]")
        return
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), f"{path}: teachgrad keys {sorted(a)}, torch keys {sorted(b)}"
        for k in b:
            _close(a[k], b[k], rtol, atol, f"{path}.{k}")
        return
    assert type(a) is type(b) and a == b, f"{path}: teachgrad {a!r}, torch {b!r}"


def assert_same(got, want, rtol=1e-5, atol=1e-6, path="result"):
    """Compare a teachgrad result with the torch result (tensors compared by describe())."""
    _close(to_plain(got), to_plain(want), rtol, atol, path)


def same(fn, rtol=1e-5, atol=1e-6):
    """Run fn(module) on teachgrad and on torch; results must agree. Returns teachgrad's result."""
    tg, torch = both()
    want = fn(torch)
    got = fn(tg)
    assert_same(got, want, rtol, atol)
    return got


# --------------------------------------------------------------------------------------------
# Op tests (tinygrad-style): forward values, flags, grad_fn name and input gradients
# --------------------------------------------------------------------------------------------

def make_inputs(shapes, seed=0, low=-2.0, high=2.0, positive=False, away_from_zero=False, ints=False):
    """Deterministic NumPy float64 arrays for the given shapes (or pass arrays/lists through)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for s in shapes:
        if not isinstance(s, tuple):  # explicit values
            arrays.append(np.asarray(s))
            continue
        if ints:
            a = rng.integers(-5, 6, size=s)
        else:
            a = rng.uniform(low, high, size=s)
            if positive:
                a = np.abs(a) + 0.5
            if away_from_zero:
                a = np.where(a >= 0, a + 0.5, a - 0.5)
        arrays.append(a)
    return arrays


def _build(mod, arr, dtype, requires_grad):
    arr = np.asarray(arr)
    if arr.dtype == bool:
        return mod.tensor(arr.tolist(), dtype=mod.bool)
    if np.issubdtype(arr.dtype, np.integer):
        return mod.tensor(arr.tolist(), dtype=mod.int64)
    return mod.tensor(arr.tolist(), dtype=getattr(mod, dtype), requires_grad=requires_grad)


def _tensors_in(out):
    if is_tensor(out):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _tensors_in(o)]
    return []


def _run(mod, fn, arrays, dtype, requires_grad, with_module, grad_seed):
    xs = [_build(mod, a, dtype, requires_grad) for a in arrays]
    out = fn(mod, *xs) if with_module else fn(*xs)
    first = next((o for o in _tensors_in(out) if o.requires_grad), None)
    if first is not None:
        if first.dim() == 0:
            first.backward()
        else:
            g = np.random.default_rng(grad_seed).standard_normal(tuple(first.shape))
            first.backward(mod.tensor(g.tolist(), dtype=first.dtype))
    grads = [None if x.grad is None else x.grad.tolist() for x in xs if x.requires_grad]
    grad_info = [None if x.grad is None else (tuple(x.grad.shape), str(x.grad.dtype)) for x in xs if x.requires_grad]
    return out, grads, grad_info


def check_op(shapes, fn, *, dtype="float32", requires_grad=True, rtol=None, atol=None, grad_rtol=None,
             grad_atol=None, with_module=False, seed=0, **input_kw):
    """Run fn on fresh inputs on both libraries; compare outputs (values, shape, dtype,
    requires_grad, grad_fn name) and, when the output requires grad, the gradients of every input
    after ``out.backward(g)`` with a fixed random g (or ``backward()`` for a 0-d output).

    shapes: list of shape tuples (random values) or explicit arrays / lists (int arrays become
    int64 tensors without requires_grad, bool arrays bool tensors).
    """
    tg, torch = both()
    arrays = make_inputs(shapes, seed=seed, **input_kw)
    f64 = dtype == "float64"
    rtol = rtol if rtol is not None else (1e-10 if f64 else 1e-5)
    atol = atol if atol is not None else (1e-12 if f64 else 1e-6)
    grad_rtol = grad_rtol if grad_rtol is not None else (1e-9 if f64 else 1e-4)
    grad_atol = grad_atol if grad_atol is not None else (1e-10 if f64 else 1e-5)
    want, want_g, want_gi = _run(torch, fn, arrays, dtype, requires_grad, with_module, seed + 1)
    got, got_g, got_gi = _run(tg, fn, arrays, dtype, requires_grad, with_module, seed + 1)
    assert_same(got, want, rtol, atol, path="forward")
    _close(got_gi, want_gi, 0, 0, "grad shapes/dtypes")
    _close(got_g, want_g, grad_rtol, grad_atol, "grads")
    return got


def check_fn(shapes, fn, **kw):
    """check_op for code that needs the module: fn(module, *tensors)."""
    return check_op(shapes, fn, with_module=True, **kw)


# --------------------------------------------------------------------------------------------
# Errors and warnings
# --------------------------------------------------------------------------------------------

def capture_error(fn, mod):
    """Run fn(mod); return the exception it raised (fails the test if none)."""
    try:
        fn(mod)
    except Exception as e:  # noqa: BLE001 - we want whatever is raised
        return e
    pytest.fail(f"{mod.__name__}: no exception raised")


def _exc_type_name(e):
    """Exception type, mapped to the nearest built-in class (torch raises RuntimeError subclasses
    such as torch.autograd.gradcheck.GradcheckError; compare on the built-in base)."""
    for cls in type(e).__mro__:
        if cls.__module__ == "builtins":
            return cls.__name__
    return type(e).__name__


def strip_internal(msg):
    """Drop PyTorch's C++ location suffix ' (Triggered internally at ...)'."""
    i = msg.find(" (Triggered internally at")
    return msg if i < 0 else msg[:i]


def same_error(fn, message=True):
    """fn(module) must raise on both libraries: the same built-in exception type and (by default)
    the same message. Returns (teachgrad exception, torch exception)."""
    tg, torch = both()
    want = capture_error(fn, torch)
    got = capture_error(fn, tg)
    assert _exc_type_name(got) == _exc_type_name(want), (
        f"teachgrad raised {type(got).__name__}({got}), torch raised {type(want).__name__}({want})")
    if message:
        assert strip_internal(str(got)) == strip_internal(str(want)), (
            f"message differs:\n  teachgrad: {str(got)!r}\n  torch:     {str(want)!r}")
    return got, want


def raised_outside_numpy(exc):
    """True if the innermost frame of the traceback is not inside NumPy (a 'clear' error)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return True
    inner = frames[-1].filename.replace("\\", "/")
    return "/numpy/" not in inner


def record_warnings(fn, mod):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        result = fn(mod)
    return result, [(x.category.__name__, strip_internal(str(x.message))) for x in w]


def same_warnings(fn):
    """fn(module) on both: the same warnings (category and message) and the same result."""
    tg, torch = both()
    want, want_w = record_warnings(fn, torch)
    got, got_w = record_warnings(fn, tg)
    assert got_w == want_w, f"warnings differ:\n  teachgrad: {got_w}\n  torch:     {want_w}"
    assert_same(got, want)
    return got_w


def same_repr(fn):
    """repr() and str() of fn(module) identical on both libraries."""
    tg, torch = both()
    want = fn(torch)
    got = fn(tg)
    assert repr(got) == repr(want), f"repr differs:\n--- teachgrad\n{got!r}\n--- torch\n{want!r}"
    assert str(got) == str(want), f"str differs:\n--- teachgrad\n{got}\n--- torch\n{want}"


# --------------------------------------------------------------------------------------------
# Exactness settings for check_op / check_fn, modules and optimizers (registry and fuzzer rows)
# --------------------------------------------------------------------------------------------

# Bit for bit: what PyTorch computes deterministically on every CPU (elementwise arithmetic,
# sum/mean in PyTorch's float32 order, integer powers, indexing, RNG draws, SGD steps).
EXACT = dict(rtol=0, atol=0, grad_rtol=0, grad_atol=0)
# Transcendentals and sqrt (SLEEF / MKL in PyTorch): a few float32 ulps.
ULP = dict(rtol=5e-7, atol=1e-7, grad_rtol=2e-6, grad_atol=1e-7)


def check_module(make, shapes, *, seed=0, rtol=1e-5, atol=1e-6, grad_rtol=1e-4, grad_atol=1e-5, input_kw=None,
                 requires_grad=True, call=None):
    """Build a module with ``make(module)`` right after ``manual_seed(seed)`` on both libraries and
    compare: repr, named parameters (PyTorch's initialisation, bit for bit), the output on the same
    inputs (values, dtype, grad_fn ...), and after ``out.backward(g)`` every parameter's and input's
    gradient. ``call(m, *xs)`` replaces ``m(*xs)`` for modules that take other arguments."""
    tg, torch = both()
    arrays = make_inputs(shapes, seed=seed, **(input_kw or {}))

    def run(mod):
        mod.manual_seed(seed)
        m = make(mod)
        params = [(n, p.detach().tolist(), tuple(p.shape), str(p.dtype), bool(p.requires_grad))
                  for n, p in m.named_parameters()]
        xs = [_build(mod, a, "float32", requires_grad) for a in arrays]
        out = call(m, *xs) if call else m(*xs)
        first = next((o for o in _tensors_in(out) if o.requires_grad), None)
        if first is not None:
            if first.dim() == 0:
                first.backward()
            else:
                g = np.random.default_rng(seed + 1).standard_normal(tuple(first.shape))
                first.backward(mod.tensor(g.tolist(), dtype=first.dtype))
        grads = [(n, None if p.grad is None else p.grad.tolist()) for n, p in m.named_parameters()]
        grads += [(i, None if x.grad is None else x.grad.tolist()) for i, x in enumerate(xs) if x.requires_grad]
        return repr(m), params, out, grads

    want = run(torch)
    got = run(tg)
    assert got[0] == want[0], f"repr differs:\n--- teachgrad\n{got[0]}\n--- torch\n{want[0]}"
    assert_same(got[1], want[1], 0, 0, path="parameters")
    assert_same(got[2], want[2], rtol, atol, path="output")
    assert_same(got[3], want[3], grad_rtol, grad_atol, path="grads")
    return got


def check_steps(make_optimizer, *, steps=8, rtol=0, atol=0, scheduler=None):
    """An optimizer (``make_optimizer(module, params)``) on a small elementwise problem (no BLAS, so
    the gradients are bit-identical on both libraries): parameters, loss and learning rate after
    every step, compared (exactly by default). ``scheduler(module, opt)`` adds a scheduler stepped
    after each optimizer step."""
    tg, torch = both()

    def run(t):
        w = t.tensor([2.0, -1.5, 0.25], requires_grad=True)
        b = t.tensor(1.0, requires_grad=True)
        x = t.tensor([3.0, 0.5, -2.0])
        y = t.tensor([5.0, -1.0, 0.5])
        opt = make_optimizer(t, [w, b])
        sched = scheduler(t, opt) if scheduler else None
        out = []
        for _ in range(steps):
            opt.zero_grad()
            loss = ((w * x + b - y) ** 2).mean()
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            out.append((loss.item(), w.tolist(), b.item(), [g["lr"] for g in opt.param_groups]))
        return out

    want = run(torch)
    got = run(tg)
    assert_same(got, want, rtol, atol, path="trajectory")
    return got


def install_library_warning_filters():
    """Add the warning filters ``import teachgrad`` installs (NumPy's overflow/invalid-value
    RuntimeWarnings raised inside the engine are silenced, as PyTorch is silent). pytest restores
    the filter list after each test, so tests that compare warnings re-install them inside their
    own ``warnings.catch_warnings()``."""
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"teachgrad(\.|$)")
    warnings.filterwarnings("ignore", message=r"(overflow|invalid value) encountered in reduce",
                            category=RuntimeWarning, module=r"numpy\._core\._methods")
