"""Run a fuzz program on one library, statement by statement, observing everything after each.

After every statement the executor records, for every variable the program has bound so far:
tensors' shape, dtype, requires_grad, is_leaf, grad_fn name (and the names of its next_functions),
_version, is_contiguous(), which variable is its _base, its values, and for leaves (and tensors that
retain their gradient) the .grad; which tensor variables share memory (np.shares_memory on
``t.detach().numpy()``, which views the tensor's memory on both libraries); optimizers' learning
rates; plain Python values. It also records the statement's outcome (PyTorch's exception type and
message if it raised), its warnings and what it printed. Anything that raises while being observed
is recorded as that exception, never lost.
"""

import contextlib
import io
import sys
import warnings

import numpy as np

from .generator import fresh_namespace, param_expr

sys.path.insert(0, __file__.rsplit("/fuzz/", 1)[0])  # tests/ (for helpers)
from helpers import _exc_type_name, install_library_warning_filters, strip_internal  # noqa: E402

try:
    from numpy.lib.array_utils import byte_bounds
except ImportError:  # NumPy < 2
    byte_bounds = np.byte_bounds


class Failed:
    """An observation that raised: compared by exception type and message."""

    __slots__ = ("kind", "message")

    def __init__(self, exc):
        self.kind = _exc_type_name(exc)
        self.message = strip_internal(str(exc))

    def __eq__(self, other):
        return isinstance(other, Failed) and (self.kind, self.message) == (other.kind, other.message)

    def __hash__(self):
        return hash((self.kind, self.message))

    def __repr__(self):
        return f"<raised {self.kind}: {self.message}>"


def safe(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001
        return Failed(e)


def _node_name(fn):
    if fn is None:
        return None
    name = getattr(fn, "name", None)
    return name() if callable(name) else type(fn).__name__


def _next_names(fn):
    if fn is None:
        return None
    return tuple(_node_name(f) for f, _ in fn.next_functions)


class Library:
    """What the executor needs to know about the library under test (torch or teachgrad)."""

    def __init__(self, mod):
        self.mod = mod
        self.Tensor = mod.Tensor
        nn = getattr(mod, "nn", None)
        self.Module = getattr(nn, "Module", ())
        optim = getattr(mod, "optim", None)
        self.Optimizer = getattr(optim, "Optimizer", ())
        sched = getattr(optim, "lr_scheduler", None)
        self.Scheduler = getattr(sched, "LRScheduler", ()) or getattr(sched, "_LRScheduler", ())

    def reset(self, seed=None):
        """Global state every program starts from (the RNG too, when a seed is given)."""
        mod = self.mod
        if seed is not None:
            mod.manual_seed(seed)
        for fn, arg in (("set_default_dtype", "float32"), ("set_grad_enabled", True)):
            f = getattr(mod, fn, None)
            if f is not None:
                with contextlib.suppress(Exception):
                    f(getattr(mod, arg) if isinstance(arg, str) else arg)


def describe_tensor(t, identity, grads=True):
    """Everything observable about one tensor (values as nested lists)."""
    try:  # fast path: nothing raises
        fn = t.grad_fn
        base = t._base
        rec = {
            "shape": tuple(t.shape), "dtype": str(t.dtype), "requires_grad": bool(t.requires_grad),
            "is_leaf": bool(t.is_leaf), "grad_fn": _node_name(fn), "next_functions": _next_names(fn),
            "version": t._version, "contiguous": bool(t.is_contiguous()),
            "base": None if base is None else identity.get(id(base), "<not a variable>"),
            "values": t.detach().tolist(),
        }
        if grads and (rec["is_leaf"] or t.retains_grad):
            gr = t.grad
            rec["grad"] = None if gr is None else (tuple(gr.shape), str(gr.dtype), gr.tolist())
        return rec
    except Exception:  # noqa: BLE001 - observe field by field, recording what raises
        pass
    rec = {
        "shape": safe(lambda: tuple(t.shape)),
        "dtype": safe(lambda: str(t.dtype)),
        "requires_grad": safe(lambda: bool(t.requires_grad)),
        "is_leaf": safe(lambda: bool(t.is_leaf)),
        "grad_fn": safe(lambda: _node_name(t.grad_fn)),
        "next_functions": safe(lambda: _next_names(t.grad_fn)),
        "version": safe(lambda: t._version),
        "contiguous": safe(lambda: bool(t.is_contiguous())),
        "base": safe(lambda: None if t._base is None else identity.get(id(t._base), "<not a variable>")),
        "values": safe(lambda: t.detach().tolist()),
    }
    if grads and (rec["is_leaf"] is True or safe(lambda: t.retains_grad) is True):
        def grad():
            gr = t.grad
            if gr is None:
                return None
            return (tuple(gr.shape), str(gr.dtype), gr.tolist())
        rec["grad"] = safe(grad)
    return rec


def plain(x, lib):
    """A non-tensor value in comparable form."""
    if isinstance(x, lib.Tensor):
        return ("tensor", describe_tensor(x, {}, grads=False))
    if isinstance(x, (bool, int, float, str, type(None))):
        return x
    if type(x).__name__ == "Size":
        return ("Size", tuple(x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [plain(v, lib) for v in x])
    if isinstance(x, dict):
        return ("dict", {k: plain(v, lib) for k, v in x.items()})
    if type(x).__name__ in ("dtype", "device"):
        return (type(x).__name__, str(x))
    return ("object", type(x).__name__)


def observe(ns, names, lib):
    """Snapshot of all program variables bound in ns (in definition order)."""
    vars_ = {}
    arrays = {}
    identity = {}
    tensors = []
    for name in names:
        if name not in ns:
            continue
        obj = ns[name]
        if isinstance(obj, lib.Tensor):
            tensors.append((name, obj))
        elif lib.Module and isinstance(obj, lib.Module):
            params = safe(lambda: list(obj.named_parameters()))
            vars_[name] = ("module", type(obj).__name__, [p for p, _ in params] if isinstance(params, list) else params)
            if isinstance(params, list):
                tensors.extend((param_expr(name, p), t) for p, t in params)
        elif lib.Optimizer and isinstance(obj, lib.Optimizer):
            vars_[name] = ("optimizer", type(obj).__name__, safe(lambda: [g["lr"] for g in obj.param_groups]))
        elif lib.Scheduler and isinstance(obj, lib.Scheduler):
            vars_[name] = ("scheduler", type(obj).__name__, safe(lambda: obj.get_last_lr()))
        elif type(obj).__name__ == "RemovableHandle" or name.startswith("h"):
            vars_[name] = ("handle",)
        else:
            vars_[name] = ("value", plain(obj, lib))
    for name, t in tensors:
        identity.setdefault(id(t), name)
    for name, t in tensors:
        vars_[name] = ("tensor", describe_tensor(t, identity))
        arr = safe(lambda: t.detach().numpy())
        if isinstance(arr, np.ndarray) and arr.size:
            arrays[name] = arr
    return vars_, alias_pairs(arrays)


def alias_pairs(arrays):
    """Pairs of variable names whose tensors share memory (exact, via np.shares_memory)."""
    spans = sorted((byte_bounds(a) + (n,) for n, a in arrays.items()))
    pairs = set()
    for i, (lo, hi, n) in enumerate(spans):
        for lo2, hi2, m in spans[i + 1:]:
            if lo2 >= hi:
                break
            if np.shares_memory(arrays[n], arrays[m]):
                pairs.add((n, m) if n < m else (m, n))
    return frozenset(pairs)


class Snapshot:
    __slots__ = ("outcome", "warnings", "stdout", "vars", "alias")

    def __init__(self, outcome, warns, stdout, vars_, alias):
        self.outcome, self.warnings, self.stdout, self.vars, self.alias = outcome, warns, stdout, vars_, alias


def compile_program(program):
    cache = getattr(program, "_codes", None)
    if cache is None or len(cache) != len(program.stmts):
        cache = [compile(s.src, f"<stmt {i}>", "exec") for i, s in enumerate(program.stmts)]
        program._codes = cache
    return cache


def run(program, mod, stop=None, seed=None):
    """Execute program on mod; return one Snapshot per statement (up to index `stop`)."""
    lib = Library(mod)
    lib.reset(seed)
    ns = fresh_namespace(mod)
    codes = compile_program(program)
    names = []
    snaps = []
    try:
        for i, (stmt, code) in enumerate(zip(program.stmts, codes)):
            if stop is not None and i > stop:
                break
            out = io.StringIO()
            # The filters are those of a fresh session with both libraries imported (teachgrad
            # silences NumPy's overflow warnings, as PyTorch is silent); entering catch_warnings
            # resets the once-per-location registries, so every statement shows its warnings afresh.
            with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
                install_library_warning_filters()
                try:
                    exec(code, ns)  # noqa: S102
                    outcome = ("ok",)
                except Exception as e:  # noqa: BLE001
                    f = Failed(e)
                    outcome = ("raised", f.kind, f.message)
            warns = tuple((w.category.__name__, strip_internal(str(w.message))) for w in caught)
            for n in stmt.defines:
                if n not in names:
                    names.append(n)
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                vars_, alias = observe(ns, names, lib)
            snaps.append(Snapshot(outcome, warns, out.getvalue(), vars_, alias))
    finally:
        lib.reset()
    return snaps
