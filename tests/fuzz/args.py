"""Operand samplers for the op table: each returns the source text of one argument of a row.

A sampler is called with the generator (live PyTorch state, random source) and the row's
environment so far (the names chosen for earlier placeholders). Samplers that pick or create a
tensor variable record it as used; samplers for dims, shapes and indices read the live shape of
the variable they refer to, so the text they return is valid for it.
"""

import itertools
import math

from .generator import ANY, BOOL, FLOAT, INT, NUM, Rejected, dtype_name
from .program import DRIFT, EXACT


class Env:
    def __init__(self):
        self.text = {}       # placeholder -> source text
        self.names = {}      # placeholder -> variable name (for tensor placeholders)
        self.uses = []
        self.level = EXACT   # raised by samplers whose choice makes the result inexact
        self.template = ""   # the statement's code, placeholders unfilled
        self.n_outs = None   # set by samplers that decide how many results a row has
        self.extra = {}

    def var(self, key):
        return self.names[key]


def _broadcast(a, b):
    out = []
    for x, y in itertools.zip_longest(reversed(a), reversed(b), fillvalue=1):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y) if 0 not in (x, y) else 0)
    return tuple(reversed(out))


class Arg:
    def __call__(self, g, env):  # pragma: no cover - interface
        raise NotImplementedError


class T(Arg):
    """A tensor variable: an existing one that fits, or a new literal leaf."""

    def __init__(self, kinds=FLOAT, min_dim=0, max_dim=3, grad=None, leaf=None, new=0.2, nonempty=True,
                 pred=None, style=None):
        self.kinds, self.min_dim, self.max_dim = kinds, min_dim, max_dim
        self.grad, self.leaf, self.new, self.nonempty, self.pred, self.style = grad, leaf, new, nonempty, pred, style

    def fits(self, g, name):
        t = g.value(name)
        return (dtype_name(t) in self.kinds and self.min_dim <= t.dim() <= self.max_dim
                and (not self.nonempty or t.numel() > 0)
                and (self.grad is None or bool(t.requires_grad) == self.grad)
                and (self.leaf is None or bool(t.is_leaf) == self.leaf)
                and (self.pred is None or self.pred(t)))

    def __call__(self, g, env):
        cands = [n for n in g.tensor_names() if self.fits(g, n)]
        if not cands or g.chance(self.new):
            if self.leaf is False:
                raise Rejected
            kinds = tuple(k for k in self.kinds if k in FLOAT) if self.grad else self.kinds
            shape = None
            for _ in range(8):
                shape = g.random_shape(self.min_dim, self.max_dim)
                if not self.nonempty or 0 not in shape:
                    break
            name = g.new_leaf(kinds, shape=shape, requires_grad=self.grad, style=self.style)
            if not self.fits(g, name):
                raise Rejected
        else:
            name = g.pick_recent(cands)
        env.uses.append(name)
        return name


def _partner_dtype(g, ref_dtype, kinds, mix):
    if kinds is None:
        if g.chance(mix):
            return g.pick_dtype(ANY if ref_dtype in NUM else BOOL + NUM)
        return ref_dtype
    return g.pick_dtype(kinds)


class _Partner(Arg):
    def shapes(self, g, shape):
        raise NotImplementedError

    def __init__(self, ref, kinds=None, mix=0.15, reuse=0.35, grad=None, style=None, alpha_level=None):
        self.ref, self.kinds, self.mix, self.reuse, self.grad, self.style = ref, kinds, mix, reuse, grad, style
        self.alpha_level = alpha_level

    def accept(self, shape, ref_shape):
        raise NotImplementedError

    def __call__(self, g, env):
        ref = env.var(self.ref)
        ref_shape, ref_dtype = g.shape(ref), g.dtype(ref)
        dtype = _partner_dtype(g, ref_dtype, self.kinds, self.mix)
        name = None
        if g.chance(self.reuse):
            cands = [n for n in g.tensor_names() if g.dtype(n) == dtype and self.accept(g.shape(n), ref_shape)]
            if cands:
                name = g.pick_recent(cands)
        if name is None:
            shape = self.shapes(g, ref_shape)
            name = g.new_leaf((dtype,), shape=shape, requires_grad=self.grad, style=self.style)
        env.uses.append(name)
        # alpha_level: `x.add(y, alpha=a)` with y broadcast (a number, a 0-d tensor, ...): PyTorch's
        # compiled loop fuses a + alpha * y into one rounding for some elements only, depending on the
        # CPU's vector width.
        shape = g.shape(name)
        if self.alpha_level is not None and "alpha=" in env.template and math.prod(shape) < math.prod(
                _broadcast(shape, ref_shape) or shape):
            env.level = max(env.level, self.alpha_level)
        return name


class BC(_Partner):
    """A tensor that broadcasts with the referenced one (to=True: broadcasts *to* its shape)."""

    def __init__(self, ref, kinds=None, to=False, **kw):
        super().__init__(ref, kinds, **kw)
        self.to = to

    def accept(self, shape, ref_shape):
        b = _broadcast(shape, ref_shape)
        return b is not None and (not self.to or b == ref_shape)

    def shapes(self, g, shape):
        shape = list(shape)
        choice = g.rng.randrange(6)
        if choice == 0 or not shape:
            out = shape if g.chance(0.7) else []
        elif choice == 1:  # drop leading dims
            out = shape[g.rng.randrange(len(shape) + 1):]
        elif choice == 2:  # some dims become 1
            out = [1 if g.chance(0.5) else s for s in shape]
        elif choice == 3 and not self.to:  # a new leading dim
            out = [g.size()] + shape
        elif choice == 4 and not self.to:  # grow a size-1 dim, shrink another to 1
            out = [g.size() if s == 1 else (1 if g.chance(0.3) else s) for s in shape]
        else:
            out = shape
        return tuple(out)


class SAME(_Partner):
    """A tensor of exactly the referenced one's shape."""

    def accept(self, shape, ref_shape):
        return shape == ref_shape

    def shapes(self, g, shape):
        return tuple(shape)


class MAT(_Partner):
    """Right operand for matmul: (k,), (k, m) or (batch, k, m)."""

    def __init__(self, ref, kinds=None, batch=True, vec=True, mix=0.05, **kw):
        super().__init__(ref, kinds, mix=mix, **kw)
        self.batch, self.vec = batch, vec

    def accept(self, shape, ref_shape):
        return False  # always a fresh operand (compatible ones rarely exist)

    def shapes(self, g, shape):
        if not shape:
            raise Rejected
        k, m = shape[-1], g.size()
        options = [(k, m)]
        if self.vec:
            options.append((k,))
        if self.batch:
            b = shape[0] if len(shape) == 3 else g.size()
            options += [(b, k, m), (1, k, m)]
        return g.pick(options)


class MM(MAT):
    def __init__(self, ref, **kw):
        super().__init__(ref, batch=False, vec=False, **kw)


class BMM(_Partner):
    def accept(self, shape, ref_shape):
        return False

    def shapes(self, g, shape):
        return (shape[0], shape[2], g.size())


class CATP(_Partner):
    """Same shape as the referenced tensor except along the dim chosen for the placeholder `dim`."""

    def __init__(self, ref, dim="d", **kw):
        super().__init__(ref, **kw)
        self.dim = dim

    def accept(self, shape, ref_shape):
        return False

    def __call__(self, g, env):
        self._d = int(env.text[self.dim])
        return super().__call__(g, env)

    def shapes(self, g, shape):
        shape = list(shape)
        shape[self._d] = g.size()
        return tuple(shape)


# ---------------------------------------------------------------------------------------------------
# dims, shapes, indices
# ---------------------------------------------------------------------------------------------------

def _ndim(g, env, ref):
    return len(g.shape(env.var(ref)))


class DIM(Arg):
    """A dim of the referenced tensor, counted from the front or the back."""

    def __init__(self, ref="x", extra=0):
        self.ref, self.extra = ref, extra

    def __call__(self, g, env):
        n = _ndim(g, env, self.ref) + self.extra
        if n == 0:
            return str(g.pick((0, -1)))
        return str(g.rng.randint(-n, n - 1))


class DIMS(Arg):
    """A tuple of distinct dims (reductions over several dims)."""

    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        n = _ndim(g, env, self.ref)
        if n < 2:
            raise Rejected
        dims = g.rng.sample(range(n), g.rng.randint(1, n))
        dims = [d - n if g.chance(0.3) else d for d in dims]
        return "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"


class PERM(Arg):
    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        n = _ndim(g, env, self.ref)
        p = list(range(n))
        g.rng.shuffle(p)
        return ", ".join(map(str, p)) if p else "()"


class TWO_DIMS(Arg):
    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        n = _ndim(g, env, self.ref)
        if n == 0:
            return "0, -1"
        return f"{g.rng.randint(-n, n - 1)}, {g.rng.randint(-n, n - 1)}"


def _factorizations(n, parts):
    if parts == 1:
        return [(n,)]
    out = []
    for d in range(1, n + 1):
        if n % d == 0:
            out += [(d,) + rest for rest in _factorizations(n // d, parts - 1)]
    return out


class RESHAPE(Arg):
    """A target shape with the same number of elements (maybe with -1)."""

    def __init__(self, ref="x", neg=True):
        self.ref, self.neg = ref, neg

    def __call__(self, g, env):
        n = math.prod(g.shape(env.var(self.ref)))
        if n == 0:
            raise Rejected
        shape = list(g.pick(_factorizations(n, g.rng.randint(1, 3))))
        if self.neg and g.chance(0.4):
            shape[g.rng.randrange(len(shape))] = -1
        return ", ".join(map(str, shape))


class EXPAND(Arg):
    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        out = [g.size() for _ in range(g.rng.randint(0, 1))]
        for s in shape:
            out.append(g.size() if s == 1 and g.chance(0.7) else (-1 if g.chance(0.3) else s))
        return ", ".join(map(str, out)) if out else "()"


class BAD_SHAPE(Arg):
    """A shape whose element count differs from the referenced tensor's (view/reshape errors)."""

    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        n = math.prod(g.shape(env.var(self.ref)))
        m = n + g.rng.randint(1, 3)
        return g.pick([str(m), f"{m}, 1", f"-1, {n + 1}" if n > 1 else f"{m}, -1"])


class INDEX(Arg):
    """A basic index (ints, slices, None, ...): the result is a view."""

    def __init__(self, ref="x", ints=True):
        self.ref, self.ints = ref, ints

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        if not shape:
            return g.pick(["[...]", "[None]", "[()]"])
        parts = []
        k = g.rng.randint(1, len(shape))
        for s in shape[:k]:
            c = g.rng.randrange(7)
            if c == 0 and self.ints and s > 0:
                parts.append(str(g.rng.randint(-s, s - 1)))
            elif c == 1 and s > 0:
                a = g.rng.randint(0, s - 1)
                parts.append(f"{a}:{g.rng.randint(a + 1, s)}")
            elif c == 2:
                parts.append("::2")
            elif c == 3:
                parts.append("1:")
            elif c == 4:
                parts.append(":-1")
            else:
                parts.append(":")
        if g.chance(0.15):
            parts.insert(g.rng.randint(0, len(parts)), "None")
        if g.chance(0.1) and "..." not in parts:
            parts.insert(0, "...") if len(parts) < len(shape) else None
        return "[" + ", ".join(parts) + "]"


class ADV_INDEX(Arg):
    """Advanced indexing (a list of ints on one dim, or an int tensor): the result is a copy."""

    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        if not shape or shape[0] == 0:
            raise Rejected
        idx = [g.rng.randint(-shape[0], shape[0] - 1) for _ in range(g.rng.randint(1, 4))]
        if g.chance(0.5) or len(shape) == 1:
            return f"[{idx}]"
        s1 = shape[1]
        if s1 == 0:
            raise Rejected
        idx2 = [g.rng.randint(0, s1 - 1) for _ in idx]
        return f"[{idx}, {idx2}]"


class BAD_INDEX(Arg):
    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        if not shape:
            return "[0]"
        return f"[{shape[0] + g.rng.randint(0, 3)}]"


class NARROW(Arg):
    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        if not shape:
            raise Rejected
        d = g.rng.randrange(len(shape))
        s = shape[d]
        start = g.rng.randint(0, s)
        return f"{d if g.chance(0.7) else d - len(shape)}, {start}, {g.rng.randint(0, s - start)}"


class SELECT(Arg):
    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        dims = [d for d, s in enumerate(shape) if s > 0]
        if not dims:
            raise Rejected
        d = g.pick(dims)
        return f"{d}, {g.rng.randint(-shape[d], shape[d] - 1)}"


class DIAG(Arg):
    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        n = _ndim(g, env, self.ref)
        if n < 2:
            raise Rejected
        d1, d2 = g.rng.sample(range(n), 2)
        return f"offset={g.rng.randint(-1, 1)}, dim1={d1}, dim2={d2}"


class REPEAT(Arg):
    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        n = _ndim(g, env, self.ref)
        reps = [g.rng.choice((1, 1, 2, 3)) for _ in range(n + g.rng.randint(0, 1))]
        return ", ".join(map(str, reps)) if reps else "()"


class UNFLATTEN(Arg):
    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        if not shape:
            raise Rejected
        d = g.rng.randrange(len(shape))
        sizes = list(g.pick(_factorizations(shape[d], 2))) if shape[d] else [0, 1]
        if g.chance(0.3):
            sizes[0] = -1
        return f"{d}, ({sizes[0]}, {sizes[1]})"


class SQUEEZE_DIM(Arg):
    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        if not shape:
            return "0"
        ones = [d for d, s in enumerate(shape) if s == 1]
        return str(g.pick(ones) if ones and g.chance(0.8) else g.rng.randrange(len(shape)))


# ---------------------------------------------------------------------------------------------------
# scalars and special operands
# ---------------------------------------------------------------------------------------------------

class S(Arg):
    """A Python scalar: 'float', 'int', 'pos' (positive float), 'small' (int in 1..3), 'bool'."""

    def __init__(self, kind="float"):
        self.kind = kind

    def __call__(self, g, env):
        k = self.kind
        if k == "int":
            return str(g.rng.randint(-3, 3))
        if k == "small":
            return str(g.rng.randint(1, 3))
        if k == "bool":
            return g.pick(["True", "False"])
        if k == "pos":
            return repr(g.pick((0.5, 1.5, 2.0, 0.1, 0.25, 3.0)))
        if g.chance(0.5):
            return repr(g.pick((-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 2.5)))
        return repr(round(g.rng.uniform(-3, 3), 2))


class C(Arg):
    """One of the given literal texts."""

    def __init__(self, *choices, level=None):
        self.choices, self.level = choices, level

    def __call__(self, g, env):
        return g.pick(self.choices)


class MASK(Arg):
    """A bool tensor that broadcasts to the referenced one (a new leaf, or a comparison)."""

    def __init__(self, ref="x", exact=False):
        self.ref, self.exact = ref, exact

    def __call__(self, g, env):
        ref = env.var(self.ref)
        shape = g.shape(ref)
        if not self.exact and g.chance(0.3) and g.dtype(ref) != "bool" and env.level == EXACT:
            return f"({ref} > {g.pick(('0', '0.5', '-1'))})"
        if not self.exact and shape and g.chance(0.4):
            shape = shape[g.rng.randrange(len(shape) + 1):]
        name = g.new_leaf(BOOL, shape=tuple(shape))
        env.uses.append(name)
        return name


class GATHER(Arg):
    """`dim, index` for gather: an int64 index tensor with values in range along dim."""

    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        if not shape or 0 in shape:
            raise Rejected
        d = g.rng.randrange(len(shape))
        ishape = tuple(g.rng.randint(1, s) if i != d else g.rng.randint(1, 4) for i, s in enumerate(shape))
        values = _nested(g, ishape, lambda: g.rng.randint(0, shape[d] - 1))
        name = g.fresh()
        g.add_leaf_stmt(name, values, "int64", ishape)
        env.uses.append(name)
        return f"{d if g.chance(0.7) else d - len(shape)}, {name}"


def _nested(g, shape, draw):
    if not shape:
        return draw()
    return [_nested(g, shape[1:], draw) for _ in range(shape[0])]


class TARGET(Arg):
    """Class indices for logits of shape (N, C) or (C,) (int64; -100 now and then = ignored)."""

    def __init__(self, ref="x", ignore=True, bad=False):
        self.ref, self.ignore, self.bad = ref, ignore, bad

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        c = shape[1] if len(shape) == 2 else shape[0]
        tshape = (shape[0],) if len(shape) == 2 else ()

        def draw():
            if self.bad and g.chance(0.7):
                return c + g.rng.randint(0, 2)
            if self.ignore and g.chance(0.1):
                return -100
            return g.rng.randint(0, c - 1)
        values = _nested(g, tshape, draw)
        name = g.fresh()
        g.add_leaf_stmt(name, values, "int64", tshape)
        env.uses.append(name)
        env.extra["classes"] = c
        return name


class CE_KW(Arg):
    """Keyword arguments of cross_entropy / nll_loss: weight, ignore_index, reduction, label_smoothing."""

    def __init__(self, ref="x", smoothing=True):
        self.ref, self.smoothing = ref, smoothing

    def __call__(self, g, env):
        kw = []
        c = env.extra.get("classes")
        if g.chance(0.3) and c:
            name = g.new_leaf((g.dtype(env.var(self.ref)),), shape=(c,), requires_grad=False, style="positive")
            env.uses.append(name)
            kw.append(f"weight={name}")
        if g.chance(0.2) and c:
            kw.append(f"ignore_index={g.rng.randint(0, c - 1)}")
        if g.chance(0.4):
            kw.append(f"reduction={g.pick(('mean', 'sum', 'none'))!r}")
        if self.smoothing and g.chance(0.3):
            kw.append(f"label_smoothing={g.pick((0.1, 0.25, 0.0))}")
        return "".join(", " + k for k in kw)


class CONV(Arg):
    """`weight, bias, stride=, padding=` for F.conv2d on the referenced (N, C, H, W) or (C, H, W)."""

    def __init__(self, ref="x", module=False):
        self.ref, self.module = ref, module

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        c, h, w = shape[-3:]
        out = g.rng.randint(1, 3)
        pad = g.rng.choice((0, 0, 1))
        kh, kw = g.rng.randint(1, min(3, h + 2 * pad)), g.rng.randint(1, min(3, w + 2 * pad))
        stride = g.rng.choice((1, 1, 2))
        if self.module:
            bias = "" if g.chance(0.7) else ", bias=False"
            return f"{c}, {out}, kernel_size={(kh, kw) if kh != kw else kh}, stride={stride}, padding={pad}{bias}"
        weight = g.new_leaf((g.dtype(env.var(self.ref)),), shape=(out, c, kh, kw))
        env.uses.append(weight)
        text = weight
        if g.chance(0.6):
            bias = g.new_leaf((g.dtype(env.var(self.ref)),), shape=(out,))
            env.uses.append(bias)
            text += f", {bias}"
        return text + f", stride={stride}, padding={pad}"


class POOL(Arg):
    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        h, w = g.shape(env.var(self.ref))[-2:]
        k = g.rng.randint(1, min(3, h, w))
        stride = g.pick((None, 1, 2))
        return f"{k}" + (f", stride={stride}" if stride else "")


class LIN(Arg):
    """`in_features, out_features` matching the referenced input's last dim."""

    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        if not shape or shape[-1] == 0:
            raise Rejected
        return f"{shape[-1]}, {g.rng.randint(1, 3)}"


class LAST(Arg):
    """The referenced tensor's last size (e.g. nn.Linear(n, n))."""

    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        shape = g.shape(env.var(self.ref))
        if not shape or shape[-1] == 0:
            raise Rejected
        return str(shape[-1])


class LEAVES(Arg):
    """A list of 1-3 leaf tensors that require grad (optimizer params, grad inputs, clipping)."""

    def __init__(self, n_outs=False, allow_nonleaf=False):
        self.n_outs, self.allow_nonleaf = n_outs, allow_nonleaf

    def __call__(self, g, env):
        cands = [n for n in g.tensor_names() if g.value(n).requires_grad and (g.value(n).is_leaf or self.allow_nonleaf)
                 and g.dtype(n) in FLOAT]
        if not cands:
            raise Rejected
        picked = g.rng.sample(cands, min(len(cands), g.rng.randint(1, 3)))
        env.uses.extend(picked)
        if self.n_outs:
            env.n_outs = len(picked)
        return "[" + ", ".join(picked) + "]"


class VAR(Arg):
    """An existing variable holding an object of the named torch class (optimizer, module, hook)."""

    def __init__(self, cls_path):
        self.cls_path = cls_path

    def __call__(self, g, env):
        cls = g.value(self.cls_path)
        cands = [n for n in g.names if isinstance(g.ns.get(n), cls)]
        if not cands:
            raise Rejected
        name = g.pick_recent(cands)
        env.uses.append(name)
        return name


class OPT_LEVEL(VAR):
    """An optimizer variable; steps of optimizers that take square roots are DRIFT (MKL's sqrt)."""

    def __call__(self, g, env):
        name = super().__call__(g, env)
        if type(g.ns[name]).__name__ != "SGD":
            env.level = max(env.level, DRIFT)
        env.extra["writes"] = [n for n in g.tensor_names() if any(
            g.value(n) is p for grp in g.ns[name].param_groups for p in grp["params"])]
        return name


class SHAPE(Arg):
    """A random shape as size arguments (`2, 3`) or a tuple (`(2, 3)`)."""

    def __init__(self, tuple_=False, min_dim=0, max_dim=3):
        self.tuple_, self.min_dim, self.max_dim = tuple_, min_dim, max_dim

    def __call__(self, g, env):
        shape = g.random_shape(self.min_dim, self.max_dim)
        if self.tuple_:
            return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
        return ", ".join(map(str, shape)) if shape else "()"


class GRADIENT(Arg):
    """A gradient argument for backward: a new tensor of the referenced tensor's shape and dtype."""

    def __init__(self, ref="x"):
        self.ref = ref

    def __call__(self, g, env):
        ref = env.var(self.ref)
        name = g.new_leaf((g.dtype(ref),), shape=g.shape(ref), requires_grad=False)
        env.uses.append(name)
        return name
