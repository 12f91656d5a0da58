"""Compare the snapshots of a program run on PyTorch and on the library under test.

What must be equal, after every statement:
- the outcome: both ran, or both raised the same built-in exception type with the same message
  (PyTorch's C++ location suffix stripped); the warnings (category and message, under the filters
  a fresh session has after importing both libraries); what was printed;
- for every variable: shape, dtype, requires_grad, is_leaf, grad_fn name and the names of its
  next_functions, _version, is_contiguous(), which variable is its _base, its values, and (for
  leaves and tensors that retain grad) .grad; which tensor variables share memory; optimizers'
  learning rates; plain values.

How values are compared depends on how exactly PyTorch computes them (the *level*; program.py):
- EXACT: bit for bit (repr equality: NaN equals NaN, -0.0 differs from 0.0). Integers and bools are
  always compared exactly. This covers elementwise arithmetic, division, integer powers,
  sum/mean (PyTorch's float32 order is deterministic on every CPU), cumsum, min/max, indexing,
  losses built from those, SGD steps.
- ULP: a transcendental (exp, log, sin, cos, tanh, sigmoid, log1p, non-integer powers) or sqrt
  applied to exact inputs. PyTorch takes these from SLEEF or MKL (whose float32 sqrt is not
  correctly rounded: torch.sqrt(torch.tensor(1.3)) is one ulp below the true root), NumPy from its
  own routines: each element may differ by up to 4 units in the last place of its dtype.
- DRIFT: anything computed from a ULP or DRIFT value, and ops whose rounding depends on a library
  PyTorch does not pin (BLAS products: matmul/mm/bmm/linear/conv; var/std/norm/prod/logsumexp,
  softmax; optimizers that take square roots from MKL): each element within 64 float32
  epsilons of the tensor's scale (float32's epsilon also for float64 results, which may carry
  float32 roundings from before a cast). The scale is max(1, the largest magnitude in PyTorch's
  tensor, the scale of the inexact values it was computed from): an error of a few epsilons of 900
  in x (a BLAS result, or exp of 6.8) is still there, at that size, in sin(x), whose own values are
  at most 1. NaN/inf positions must still agree.
- _version: the bumps since the variable was first observed must agree (some PyTorch kernels
  return fresh outputs at version 1).
Gradients get the level of the output they were computed from (max over backward calls), and at
least the backward level of every op in that output's history (a row's ``backward_level``: DRIFT
for ``x ** -2`` and ``x ** -0.5``, exact themselves, whose derivatives take pow(x, -3) and
pow(x, -1.5) from SLEEF).
"""

import math
from dataclasses import dataclass

import numpy as np

from .program import DRIFT, EXACT, ULP, ZERO_SIGN

ULPS = 4
DRIFT_EPS = 64
EPS = {"torch.float32": float(np.finfo(np.float32).eps), "torch.float64": float(np.finfo(np.float64).eps)}

FIELDS = ("shape", "dtype", "values", "requires_grad", "is_leaf", "grad_fn", "grad", "next_functions", "base",
          "contiguous", "version")


def combine(op_level, in_level):
    """Level of a result: the op's own level, or DRIFT once any input is inexact."""
    return op_level if in_level == EXACT else DRIFT


class Taint:
    """Tracks the level of every variable (and of leaves' gradients) through a program."""

    def __init__(self):
        self.level = {}
        self.backward = {}  # the worst backward level in each variable's history
        self.scale = {}  # DRIFT values: the scale their errors are measured on (see the docstring)
        self.grad_level = EXACT
        self.grad_scale = 0.0

    def scale_of(self, name):
        return self.scale.get(name, 0.0)

    def of(self, name):
        return self.level.get(name, EXACT)

    def step(self, stmt, snap):
        """Update after `stmt` ran on PyTorch with snapshot `snap`."""
        in_level = max([self.of(u) for u in stmt.uses] + [EXACT])
        if stmt.touches_grads:
            in_level = max(in_level, self.grad_level)
        level = combine(stmt.level, in_level)
        backward = max([self.backward.get(u, EXACT) for u in stmt.uses] + [stmt.backward_level])
        inherited = max([self.scale_of(u) for u in stmt.uses] + [self.grad_scale if stmt.touches_grads else 0.0])
        for d in stmt.defines:
            self.level[d] = level
            self.backward[d] = backward
            self.scale[d] = max(inherited, _magnitude(snap.vars.get(d))) if level >= ULP else 0.0
            for v in snap.vars:
                if v.startswith((d + ".", d + "[")):  # a module's parameters: initialised by PyTorch's RNG, exact
                    self.level.setdefault(v, EXACT)
        for w in stmt.writes:
            hit = {w} | {b if a == w else a for a, b in snap.alias if w in (a, b)}
            for a in hit:
                self.level[a] = max(self.of(a), combine(stmt.level, max(in_level, self.of(a))))
                self.backward[a] = max(self.backward.get(a, EXACT), backward)
                if self.level[a] >= ULP:
                    self.scale[a] = max(self.scale_of(a), inherited, _magnitude(snap.vars.get(a)))
        if stmt.grad_root is not None:
            self.grad_level = max(self.grad_level, combine(stmt.level, self.of(stmt.grad_root)),
                                  self.backward.get(stmt.grad_root, EXACT))
            self.grad_scale = max(self.grad_scale, self.scale_of(stmt.grad_root))
            for d in stmt.defines:
                self.level[d] = max(self.level[d], self.grad_level)
        if stmt.touches_grads and stmt.level:
            self.grad_level = max(self.grad_level, DRIFT)


def _magnitude(var):
    """The largest finite magnitude among a tensor variable's values (0 for anything else)."""
    if not var or var[0] != "tensor" or not isinstance(var[1].get("values"), (list, float)):
        return 0.0
    return max([abs(v) for v in _flat(var[1]["values"]) if isinstance(v, float) and math.isfinite(v)] + [0.0])


def _flat(values):
    if isinstance(values, list):
        out = []
        for v in values:
            out.extend(_flat(v))
        return out
    return [values]


def values_equal(a, b, level, dtype, scale=0.0):
    """Tensor values (nested lists) of the same shape, compared at the given level (DRIFT: on at
    least the given scale)."""
    if repr(a) == repr(b):
        return True
    if level == EXACT or dtype not in EPS:
        return False
    if level == ZERO_SIGN:
        return len(_flat(a)) == len(_flat(b)) and all(
            repr(x) == repr(y) or (x == 0 and y == 0) for x, y in zip(_flat(a), _flat(b)))
    fa, fb = _flat(a), _flat(b)
    if len(fa) != len(fb):
        return False
    eps = EPS[dtype]
    if level == ULP:
        np_t = np.float32 if dtype == "torch.float32" else np.float64
        for x, y in zip(fa, fb):
            if not _special_equal(x, y):
                return False
            if math.isfinite(y) and abs(x - y) > ULPS * float(np.spacing(np_t(abs(y)))):
                return False
        return True
    finite = [abs(y) for y in fb if isinstance(y, float) and math.isfinite(y)]
    scale = max([1.0, scale] + finite)
    eps = EPS["torch.float32"]  # a float64 result may carry float32 roundings from before a cast
    for x, y in zip(fa, fb):
        if not _special_equal(x, y):
            return False
        if math.isfinite(y) and abs(x - y) > DRIFT_EPS * eps * scale:
            return False
    return True


def _special_equal(x, y):
    """NaN and infinities must be at the same places."""
    if not (isinstance(x, float) and isinstance(y, float)):
        return x == y and type(x) is type(y)
    if math.isnan(y) or math.isnan(x):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(y) or math.isinf(x):
        return x == y
    return True


@dataclass
class Divergence:
    index: int          # statement index
    op: str             # the statement's op-table row
    kind: str           # what differs: outcome kinds, a field name, "alias", ...
    var: str = None     # variable concerned (None for statement-level differences)
    torch: object = None
    tg: object = None
    detail: str = ""

    @property
    def signature(self):
        return (self.index, self.kind, self.var)

    def describe(self, limit=400):
        def cut(x):
            s = repr(x)
            return s if len(s) <= limit else s[:limit] + "..."
        where = f"statement {self.index} ({self.op})" + (f", variable {self.var}" if self.var else "")
        return f"{where}: {self.kind} differs{self.detail}\n    torch:     {cut(self.torch)}\n    teachgrad: {cut(self.tg)}"


def _compare_outcome(i, stmt, t, g):
    if t == g:
        return None
    if t[0] == "ok":
        return Divergence(i, stmt.op, "teachgrad raises", torch="runs", tg=f"{g[1]}: {g[2]}")
    if g[0] == "ok":
        return Divergence(i, stmt.op, "missing error", torch=f"{t[1]}: {t[2]}", tg="runs")
    if t[1] != g[1]:
        return Divergence(i, stmt.op, "error type", torch=f"{t[1]}: {t[2]}", tg=f"{g[1]}: {g[2]}")
    return Divergence(i, stmt.op, "error message", torch=t[2], tg=g[2])


def _compare_tensor(i, stmt, name, t, g, level, grad_level, skip, masked, versions, scale=0.0, grad_scale=0.0):
    for f in FIELDS:
        tv, gv = t.get(f, "<absent>"), g.get(f, "<absent>")
        if f == "version" and isinstance(tv, int) and isinstance(gv, int):
            # Bumps are compared, not the starting value (PyTorch's fresh outputs of some ops start
            # at 1: their kernels write into them in place).
            t0, g0 = versions.setdefault(name, (tv, gv))
            tv, gv = tv - t0, gv - g0
        d = None
        if f == "values" and not _is_failed(tv) and not _is_failed(gv) and type(tv) is type(gv):
            if not values_equal(gv, tv, level, t["dtype"], scale):
                d = Divergence(i, stmt.op, f, name, tv, gv, _level_note(level))
        elif f == "grad" and isinstance(tv, tuple) and isinstance(gv, tuple):
            if tv[:2] != gv[:2]:
                d = Divergence(i, stmt.op, "grad", name, tv[:2], gv[:2], " (shape/dtype)")
            elif not values_equal(gv[2], tv[2], grad_level, tv[1], grad_scale):
                d = Divergence(i, stmt.op, "grad", name, tv[2], gv[2], _level_note(grad_level))
        elif tv != gv:
            d = Divergence(i, stmt.op, f, name, tv, gv)
        if d is not None:
            if f in skip:
                masked.add(f)
                continue
            return d
    return None


def _is_failed(x):
    return type(x).__name__ == "Failed"


def _level_note(level):
    return {EXACT: " (compared exactly)", ZERO_SIGN: " (compared exactly but for the sign of zeros)",
            ULP: f" (beyond {ULPS} ulp)", DRIFT: f" (beyond {DRIFT_EPS} eps)"}[level]


def _plain_equal(t, g, level):
    if isinstance(t, float) and isinstance(g, float):
        return repr(t) == repr(g) or (level != EXACT and values_equal([g], [t], level, "torch.float32"))
    if isinstance(t, (list, tuple)) and isinstance(g, (list, tuple)):
        return type(t) is type(g) and len(t) == len(g) and all(_plain_equal(a, b, level) for a, b in zip(t, g))
    if isinstance(t, dict) and isinstance(g, dict):
        if t.keys() != g.keys():
            return False
        return all(_plain_equal(t[k], g[k], level) for k in t)
    return type(t) is type(g) and t == g


def compare_step(i, stmt, t, g, taint, skip=frozenset(), masked=None, versions=None):
    """First difference between the two snapshots of statement i, or None. Differences in the
    fields named in `skip` are not divergences; their names are added to `masked`."""
    masked = set() if masked is None else masked
    versions = {} if versions is None else versions
    d = _compare_outcome(i, stmt, t.outcome, g.outcome)
    if d:
        return d
    if t.warnings != g.warnings:
        if "warnings" not in skip:
            return Divergence(i, stmt.op, "warnings", torch=t.warnings, tg=g.warnings)
        masked.add("warnings")
    if t.stdout != g.stdout:
        if "printed output" not in skip:
            return Divergence(i, stmt.op, "printed output", torch=t.stdout, tg=g.stdout)
        masked.add("printed output")
    for name, tv in t.vars.items():
        gv = g.vars.get(name, ("<unbound>",))
        if tv[0] != gv[0]:
            return Divergence(i, stmt.op, "kind of object", name, tv[0], gv[0])
        if tv[0] == "tensor":
            d = _compare_tensor(i, stmt, name, tv[1], gv[1], taint.of(name), taint.grad_level, skip, masked,
                                versions, taint.scale_of(name), taint.grad_scale)
            if d:
                return d
        elif tv[0] == "value":
            if not _plain_equal(tv[1], gv[1], taint.of(name)):
                return Divergence(i, stmt.op, "value", name, tv[1], gv[1])
        elif tv[0] in ("optimizer", "scheduler"):
            if not _plain_equal(tv, gv, DRIFT):
                return Divergence(i, stmt.op, tv[0], name, tv, gv)
        elif tv != gv:
            return Divergence(i, stmt.op, tv[0], name, tv, gv)
    for name in g.vars:
        if name not in t.vars:
            return Divergence(i, stmt.op, "extra variable", name, "<unbound>", g.vars[name][0])
    if t.alias != g.alias and "memory sharing" in skip:
        masked.add("memory sharing")
    elif t.alias != g.alias:
        only_t = sorted(t.alias - g.alias)
        only_g = sorted(g.alias - t.alias)
        return Divergence(i, stmt.op, "memory sharing", None, only_t, only_g,
                          " (pairs sharing memory only in torch / only in teachgrad)")
    return None


def compare_runs(program, torch_snaps, tg_snaps, skip=frozenset(), masked=None):
    """First divergence of a whole program run, or None (comparing up to the shorter run)."""
    taint = Taint()
    versions = {}
    for i, (stmt, t, g) in enumerate(zip(program.stmts, torch_snaps, tg_snaps)):
        taint.step(stmt, t)
        d = compare_step(i, stmt, t, g, taint, skip, masked, versions)
        if d:
            return d
    return None


def check_expectations(program, torch_snaps):
    """The generator's record of PyTorch's outcomes must hold on a fresh PyTorch run."""
    bad = []
    for i, (s, snap) in enumerate(zip(program.stmts, torch_snaps)):
        got = "ok" if snap.outcome[0] == "ok" else "raises"
        if got != s.expect:
            bad.append((i, s.src, s.expect, snap.outcome))
    return bad
