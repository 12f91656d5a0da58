"""Seeded generation of fuzz programs, with real PyTorch in the loop.

The generator keeps a live PyTorch namespace: every candidate statement is run on torch as it is
generated, so the shapes, dtypes, flags and aliases the next statement is built from are PyTorch's
own (that is how shapes are tracked), and what PyTorch does with the statement is recorded in it:
a row meant to be valid is dropped if PyTorch rejects it, a row meant to raise is dropped if PyTorch
accepts it, and rows whose outcome depends on autograd state (in-place ops, backward, ...) keep
whichever PyTorch chose. After a dropped candidate the live state is rebuilt from the statements
kept, so the program is exactly what a fresh run executes.

The samplers here pick the operands of a row (ops.py): an existing variable or a new leaf with
suitable dtype and shape, a dim in range, a shape that broadcasts, a valid permutation, ...
"""

import contextlib
import io
import math
import random
import warnings
from collections import Counter

import numpy as np

from .program import EXACT, Program, Stmt

FLOAT = ("float32", "float64")
F32 = ("float32",)
INT = ("int64",)
BOOL = ("bool",)
NUM = FLOAT + INT
ANY = NUM + BOOL

NICE = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


def fresh_namespace(mod):
    """The globals a program runs in: the module as ``torch``, its ``nn`` and ``nn.functional``."""
    return {"torch": mod, "nn": getattr(mod, "nn", None),
            "F": getattr(getattr(mod, "nn", None), "functional", None), "__builtins__": __builtins__}


def param_expr(module, path):
    """Python expression for a module's parameter: m3.weight, m4[0].bias."""
    return module + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in path.split("."))


def dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def fmt_number(v, dtype):
    if dtype == "bool":
        return "True" if v else "False"
    if dtype in INT:
        return str(int(v))
    v = float(v)
    if math.isnan(v):
        return "float('nan')"
    if math.isinf(v):
        return "float('inf')" if v > 0 else "-float('inf')"
    return repr(v)


def fmt_values(values, dtype):
    if isinstance(values, list):
        return "[" + ", ".join(fmt_values(v, dtype) for v in values) + "]"
    return fmt_number(values, dtype)


def leaf_source(name, values, dtype, requires_grad, shape):
    """`name = torch.tensor(...)` for the given nested values (or zeros(...) for empty shapes)."""
    if 0 in shape:
        args = ", ".join(map(str, shape))
        kw = f", dtype=torch.{dtype}" if dtype != "float32" else ""
        return f"{name} = torch.zeros({args}{kw}{', requires_grad=True' if requires_grad else ''})"
    kw = ""
    if dtype == "float64":
        kw += ", dtype=torch.float64"
    if requires_grad:
        kw += ", requires_grad=True"
    return f"{name} = torch.tensor({fmt_values(values, dtype)}{kw})"


class Rejected(Exception):
    """A sampler cannot serve this row in the current state (the generator tries another row)."""


class Generator:
    def __init__(self, torch, seed, rows, *, min_ops=4, max_ops=14):
        self.torch = torch
        self.seed = seed
        self.rng = random.Random(seed)
        self.rows = rows
        self.weights = [r.weight for r in rows]
        self.min_ops, self.max_ops = min_ops, max_ops
        self.program = Program(seed)
        self.ns = fresh_namespace(torch)
        self.names = []          # variables in definition order
        self.counter = 0
        self.stats = Counter()

    # ---------------------------------------------------------------- live state
    def fresh(self, prefix="v"):
        name = f"{prefix}{self.counter}"
        self.counter += 1
        return name

    def value(self, name):
        return eval(name, self.ns)  # noqa: S307 - names like v3 or m2.weight

    def is_tensor(self, obj):
        return isinstance(obj, self.torch.Tensor)

    def tensor_names(self):
        out = []
        for n in self.names:
            v = self.ns.get(n)
            if self.is_tensor(v):
                out.append(n)
            elif isinstance(v, self.torch.nn.Module):
                out.extend(param_expr(n, p) for p, _ in v.named_parameters())
        return out

    def names_of(self, cls):
        return [n for n in self.names if isinstance(self.ns.get(n), cls)]

    def shape(self, name):
        return tuple(self.value(name).shape)

    def dtype(self, name):
        return dtype_name(self.value(name))

    def aliases(self, name):
        """Other tensor variables sharing memory with `name` (PyTorch's answer)."""
        t = self.value(name)
        if t.numel() == 0:
            return []
        a = t.detach().numpy()
        out = []
        for other in self.tensor_names():
            if other == name:
                continue
            u = self.value(other)
            if u.numel() and np.shares_memory(a, u.detach().numpy()):
                out.append(other)
        return out

    # ---------------------------------------------------------------- random choices
    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def pick_recent(self, seq):
        """Prefer recently defined variables (deeper graphs), but any may come."""
        weights = [1 + i for i in range(len(seq))]
        return self.rng.choices(seq, weights)[0]

    def chance(self, p):
        return self.rng.random() < p

    def size(self):
        return self.rng.choices((1, 2, 3, 4), (2, 4, 4, 1))[0]

    def random_shape(self, min_dim=0, max_dim=3):
        lo, hi = min_dim, max(min_dim, min(max_dim, 3))
        ndim = self.rng.choices(range(lo, hi + 1), [(1, 3, 4, 2)[min(d, 3)] for d in range(lo, hi + 1)])[0]
        if max_dim >= 4 and min_dim >= 4:
            ndim = 4
        shape = tuple(self.size() for _ in range(ndim))
        if ndim and self.chance(0.02):  # an empty tensor now and then
            shape = tuple(0 if i == 0 else s for i, s in enumerate(shape))
        return shape

    def pick_dtype(self, kinds):
        weights = {"float32": 8, "float64": 2, "int64": 2, "bool": 1}
        kinds = list(kinds)
        return self.rng.choices(kinds, [weights[k] for k in kinds])[0]

    def random_values(self, shape, dtype, style=None):
        n = math.prod(shape)
        if dtype == "bool":
            flat = [self.chance(0.5) for _ in range(n)]
        elif dtype in INT:
            flat = [self.rng.randint(-4, 4) for _ in range(n)]
        else:
            style = style or self.rng.choices(("nice", "random", "positive", "special"), (4, 4, 1, 1))[0]
            flat = []
            for _ in range(n):
                if style == "unit":
                    v = round(self.rng.uniform(0.0, 1.0), 2)
                elif style == "positive":
                    v = round(self.rng.uniform(0.1, 3.0), 3)
                elif style == "nice" or (style == "special" and self.chance(0.7)):
                    v = self.pick(NICE)
                elif style == "special":
                    v = self.pick((math.nan, math.inf, -math.inf, -0.0))
                else:
                    v = round(self.rng.uniform(-3.0, 3.0), 3)
                flat.append(v)
        arr = np.array(flat, dtype=object).reshape(shape) if shape else flat[0]
        return arr.tolist() if shape else arr

    # ---------------------------------------------------------------- emitting statements
    def run_live(self, src):
        """Run src on the live torch namespace; return the exception or None."""
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            try:
                exec(compile(src, "<fuzz>", "exec"), self.ns)  # noqa: S102
            except Exception as e:  # noqa: BLE001
                return e
            finally:
                self.touch_grad_fns()
        return None

    def touch_grad_fns(self):
        """Read every tensor's grad_fn, as the executor does after each statement: PyTorch
        regenerates a view's node when its base has changed in place, and crashes in register_hook
        on a view whose node was never regenerated."""
        for v in list(self.ns.values()):
            if isinstance(v, self.torch.Tensor):
                v.grad_fn  # noqa: B018

    def replay(self):
        self.ns = fresh_namespace(self.torch)
        for s in self.program.stmts:
            self.run_live(s.src)
        self.stats["replays"] += 1

    def new_leaf(self, kinds=FLOAT, shape=None, requires_grad=None, min_dim=0, max_dim=3, style=None):
        dtype = self.pick_dtype(kinds)
        if shape is None:
            shape = self.random_shape(min_dim, max_dim)
        if requires_grad is None:
            requires_grad = dtype in FLOAT and self.chance(0.7)
        requires_grad = requires_grad and dtype in FLOAT
        values = self.random_values(shape, dtype, style) if 0 not in shape else []
        name = self.fresh()
        self.add_leaf_stmt(name, values, dtype, shape, requires_grad)
        return name

    def add_leaf_stmt(self, name, values, dtype, shape, requires_grad=False):
        src = leaf_source(name, values, dtype, requires_grad, shape)
        stmt = Stmt(src, "leaf", defines=(name,), leaf=(values, dtype, requires_grad, shape))
        err = self.run_live(src)
        if err is not None:  # cannot happen for a literal; keep the program honest
            raise RuntimeError(f"leaf rejected by torch: {src}: {err}")
        self.program.stmts.append(stmt)
        self.names.append(name)

    def add(self, stmt, expect):
        """Run a candidate on live torch; keep it if PyTorch's outcome matches `expect`."""
        before = len(self.program.stmts)
        err = self.run_live(stmt.src)
        outcome = "ok" if err is None else "raises"
        if isinstance(err, (NameError, SyntaxError)) or (expect != "either" and outcome != expect):
            self.stats["rejected"] += 1
            self.stats[f"rejected:{stmt.op}"] += 1
            if err is not None and expect == "ok":
                self.stats[f"rejected-error:{type(err).__name__}:{str(err)[:60]}"] += 1
            self.replay()
            return False
        assert len(self.program.stmts) == before
        self.program.stmts.append(replace_expect(stmt, outcome))
        if outcome == "ok":
            self.names.extend(n for n in stmt.defines if n not in self.names)
        self.stats["statements"] += 1
        if outcome == "raises":
            self.stats["raises"] += 1
        return True

    def try_row(self, row):
        mark = len(self.program.stmts)
        try:
            stmt, expect = row.build(self)
        except Rejected:
            self.stats["unservable"] += 1
            return False
        if stmt is None:
            return False
        ok = self.add(stmt, expect)
        if not ok and len(self.program.stmts) > mark:
            pass  # leaves made for the rejected candidate stay: they are valid statements
        return ok


def replace_expect(stmt, outcome):
    from dataclasses import replace
    return replace(stmt, expect=outcome)


def generate(seed, torch, rows, finish_rows=(), n_ops=None):
    """Program number `seed`: a manual_seed line, one or two leaves, 4 to 14 ops, and usually a
    backward at the end."""
    g = Generator(torch, seed, rows)
    g.program.stmts.append(Stmt(f"torch.manual_seed({seed % 10007})", "manual_seed"))
    g.run_live(g.program.stmts[0].src)
    for _ in range(g.rng.randint(1, 2)):
        g.new_leaf(FLOAT if g.chance(0.85) else ANY)
    target = n_ops if n_ops is not None else g.rng.randint(g.min_ops, g.max_ops)
    done = attempts = 0
    by_name = {r.name: r for r in list(rows) + list(finish_rows)}
    pending = []
    while done < target and attempts < target * 6:
        attempts += 1
        row = by_name.get(pending.pop(0)) if pending else None
        row = row or g.rng.choices(g.rows, g.weights)[0]
        if g.try_row(row):
            done += 1
            g.stats[f"row:{row.name}"] += 1
            if row.follow and not pending:  # its natural successors, each with probability 0.6
                pending = [f for f in row.follow if f in by_name and g.chance(0.6)]
    if finish_rows and g.chance(0.75):
        for _ in range(4):
            row = g.pick(finish_rows)
            if g.try_row(row):
                g.stats[f"row:{row.name}"] += 1
                break
    return g.program, g.stats


__all__ = ["ANY", "BOOL", "EXACT", "F32", "FLOAT", "INT", "NUM", "Generator", "Rejected", "generate",
           "fmt_values", "leaf_source"]
