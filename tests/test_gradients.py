"""Gradients of every differentiable op against central differences, in float64, over
hypothesis-generated shapes (broadcasting included). Needs no PyTorch: the engine is checked against
calculus. (test_ops.py compares the same ops with PyTorch.)

Values come from a NumPy generator seeded by hypothesis, kept away from kinks (|x| near 0 for abs and
relu, the domain edge for log and sqrt), so central differences are accurate. Example counts are
modest and derandomized: the file runs in a few seconds, identically every time.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

from helpers import load_teachgrad

SETTINGS = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
EPS = 1e-6
RTOL, ATOL = 1e-5, 1e-6

shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
nonscalar = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
seeds = st.integers(0, 2 ** 32 - 1)


def values(shape, seed, kind="any"):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-2.0, 2.0, size=shape)
    if kind == "positive":
        a = np.abs(a) + 0.3
    elif kind == "away":  # away from 0 (kinks of abs/relu, poles of 1/x)
        a = np.where(a >= 0, a + 0.3, a - 0.3)
    return a


def check_grad(fn, arrays, seed=0):
    """Analytic gradients from backward(G) against central differences of sum(fn(x) * G)."""
    t = load_teachgrad()
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    xs = [t.tensor(a.tolist(), dtype=t.float64, requires_grad=True) for a in arrays]
    out = fn(t, *xs)
    assert str(out.dtype) == "torch.float64", f"float64 in, {out.dtype} out"
    G = np.random.default_rng(seed + 1).standard_normal(tuple(out.shape))
    out.backward(t.tensor(G.tolist(), dtype=t.float64))

    def loss(arrs):
        with t.no_grad():
            o = fn(t, *[t.tensor(a.tolist(), dtype=t.float64) for a in arrs])
        return float(np.sum(np.asarray(o.tolist(), dtype=np.float64) * G))

    for i, (x, a) in enumerate(zip(xs, arrays)):
        analytic = np.zeros_like(a) if x.grad is None else np.asarray(x.grad.tolist(), dtype=np.float64)
        assert analytic.shape == a.shape, f"input {i}: grad shape {analytic.shape}, input shape {a.shape}"
        numeric = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            plus, minus = [b.copy() for b in arrays], [b.copy() for b in arrays]
            plus[i][j] += EPS
            minus[i][j] -= EPS
            numeric[j] = (loss(plus) - loss(minus)) / (2 * EPS)
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL * max(1.0, np.abs(numeric).max(initial=0)),
                                   err_msg=f"input {i} of shape {a.shape}")


# ---------------------------------------------------------------------------------------------
# element-wise unary ops, any shape (0-d included)
UNARY = {
    "neg": (lambda t, x: -x, "any"),
    "abs": (lambda t, x: x.abs(), "away"),
    "exp": (lambda t, x: x.exp(), "any"),
    "log": (lambda t, x: x.log(), "positive"),
    "sqrt": (lambda t, x: x.sqrt(), "positive"),
    "relu": (lambda t, x: x.relu(), "away"),
    "sigmoid": (lambda t, x: x.sigmoid(), "any"),
    "tanh": (lambda t, x: x.tanh(), "any"),
    "sin_cos": (lambda t, x: x.sin() * x.cos() + t.sin(x * 2), "any"),
    "clamp": (lambda t, x: x.clamp(-0.5, 0.5), "any"),
    "clamp_min": (lambda t, x: x.clamp(min=0.1), "any"),
    "pow2": (lambda t, x: x ** 2, "any"),
    "pow3_method": (lambda t, x: x.pow(3), "any"),
    "pow_half": (lambda t, x: x ** 0.5, "positive"),
    "pow_minus1": (lambda t, x: x ** -1, "away"),
    "rpow": (lambda t, x: 2 ** x, "any"),
    "scalar_arith": (lambda t, x: (3 - x) / 2 + 1.5 * x - 0.5, "any"),
    "rdiv": (lambda t, x: 1 / x, "away"),
    "sum": (lambda t, x: x.sum(), "any"),
    "mean": (lambda t, x: x.mean(), "any"),
    "max": (lambda t, x: x.max(), "any"),
    "min": (lambda t, x: x.min(), "any"),
    "norm": (lambda t, x: x.norm(), "away"),
    "clone": (lambda t, x: x.clone(), "any"),
    "reshape_flat": (lambda t, x: x.reshape(-1), "any"),
    "unsqueeze": (lambda t, x: x.unsqueeze(0), "any"),
    "flatten": (lambda t, x: x.flatten(), "any"),
    "square_via_mul": (lambda t, x: x * x, "any"),
    "composite": (lambda t, x: (x.sigmoid() * x.tanh() + x.exp() / 3).mean(), "any"),
    "where_scalar": (lambda t, x: t.where(x > 0, x * x, -x), "away"),
}


@pytest.mark.parametrize("name", list(UNARY))
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_unary(name, shape, seed):
    fn, kind = UNARY[name]
    check_grad(fn, [values(shape, seed, kind)], seed)


# ---------------------------------------------------------------------------------------------
# ops with a dimension argument (at least 1-d)
def _dim(x, seed):
    return int(np.random.default_rng(seed).integers(-x.dim(), x.dim()))


DIMMED = {
    "sum_dim": lambda t, x, d: x.sum(dim=d),
    "sum_dim_keepdim": lambda t, x, d: x.sum(dim=d, keepdim=True),
    "mean_dim": lambda t, x, d: x.mean(dim=d),
    "mean_dim_keepdim": lambda t, x, d: x.mean(d, keepdim=True),
    "max_dim": lambda t, x, d: x.max(dim=d).values,
    "max_dim_keepdim": lambda t, x, d: x.max(dim=d, keepdim=True)[0],
    "min_dim": lambda t, x, d: x.min(dim=d)[0],
    "norm_dim": lambda t, x, d: x.norm(dim=d),
    "softmax": lambda t, x, d: x.softmax(dim=d),
    "log_softmax": lambda t, x, d: x.log_softmax(dim=d),
    "transpose": lambda t, x, d: x.transpose(d, 0),
    "unsqueeze_dim": lambda t, x, d: x.unsqueeze(d),
    "squeeze_dim": lambda t, x, d: x.unsqueeze(d).squeeze(d),
    "index_select_first": lambda t, x, d: x[0],
    "slice_step": lambda t, x, d: x[::2],
    "index_list_repeat": lambda t, x, d: x[[0, -1, 0]],
    "index_last_axis": lambda t, x, d: x[..., -1],
    "index_mask": lambda t, x, d: x[x > 0],
    "cat_with_itself": lambda t, x, d: t.cat([x, x * 2], dim=d),
    "stack_with_itself": lambda t, x, d: t.stack([x, x.exp()], dim=d),
    "permute_reverse": lambda t, x, d: x.permute(*reversed(range(x.dim()))),
    "expand_new_dim": lambda t, x, d: x.expand(2, *x.shape),
    "view_flat": lambda t, x, d: x.view(-1),
    "squeeze_all": lambda t, x, d: x.squeeze(),
    "T_2d": lambda t, x, d: x.reshape(x.shape[0], -1).T,
    "t_2d": lambda t, x, d: x.reshape(-1, x.shape[-1]).t(),
}


@pytest.mark.parametrize("name", list(DIMMED))
@SETTINGS
@given(shape=nonscalar, seed=seeds)
def test_with_dim(name, shape, seed):
    a = values(shape, seed, "away" if "norm" in name else "any")
    d = int(np.random.default_rng(seed).integers(-len(shape), len(shape)))
    check_grad(lambda t, x: DIMMED[name](t, x, d), [a], seed)


@SETTINGS
@given(shape=nonscalar, seed=seeds)
def test_expand_size_one_dims(shape, seed):
    small = tuple(1 if i % 2 else s for i, s in enumerate(shape))
    check_grad(lambda t, x: x.expand(*shape) * 1.5, [values(small, seed)], seed)


@SETTINGS
@given(shape=nonscalar, seed=seeds)
def test_sum_over_tuple_of_dims(shape, seed):
    dims = tuple(range(0, len(shape), 2))
    check_grad(lambda t, x: x.sum(dim=dims) + x.mean(dim=dims, keepdim=True).sum(), [values(shape, seed)], seed)


# ---------------------------------------------------------------------------------------------
# binary ops with broadcasting
BINARY = {
    "add": (lambda t, x, y: x + y, "any", "any"),
    "sub": (lambda t, x, y: x - y, "any", "any"),
    "mul": (lambda t, x, y: x * y, "any", "any"),
    "div": (lambda t, x, y: x / y, "any", "away"),
    "pow": (lambda t, x, y: x ** y, "positive", "any"),
    "where": (lambda t, x, y: t.where(x > y, x, y * 2), "any", "any"),
    "mixed": (lambda t, x, y: (x * y - y / (x * x + 1)).tanh(), "any", "any"),
    "methods": (lambda t, x, y: x.add(y).mul(y).sub(x).div(y.abs() + 1), "any", "any"),
}


@pytest.mark.parametrize("name", list(BINARY))
@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3), seed=seeds)
def test_binary_broadcast(name, shapes, seed):
    fn, kx, ky = BINARY[name]
    sx, sy = shapes.input_shapes
    check_grad(fn, [values(sx, seed, kx), values(sy, seed + 7, ky)], seed)


# ---------------------------------------------------------------------------------------------
# matmul in all its forms
sides = st.integers(1, 4)


@SETTINGS
@given(n=sides, k=sides, m=sides, seed=seeds)
def test_matmul_2d(n, k, m, seed):
    check_grad(lambda t, x, y: x @ y, [values((n, k), seed), values((k, m), seed + 1)], seed)


@SETTINGS
@given(n=sides, k=sides, m=sides, seed=seeds)
def test_mm_with_transpose(n, k, m, seed):
    check_grad(lambda t, x, w: x.mm(w.t()), [values((n, k), seed), values((m, k), seed + 1)], seed)


@SETTINGS
@given(n=sides, k=sides, seed=seeds, form=st.sampled_from(["dot", "mv", "vm"]))
def test_matmul_vectors(n, k, seed, form):
    sx, sy = {"dot": ((k,), (k,)), "mv": ((n, k), (k,)), "vm": ((k,), (k, n))}[form]
    check_grad(lambda t, x, y: t.matmul(x, y), [values(sx, seed), values(sy, seed + 1)], seed)


@SETTINGS
@given(b=st.integers(1, 3), n=sides, k=sides, m=sides, seed=seeds, both_batched=st.booleans())
def test_matmul_batched(b, n, k, m, seed, both_batched):
    sy = (b, k, m) if both_batched else (k, m)
    check_grad(lambda t, x, y: x @ y, [values((b, n, k), seed), values(sy, seed + 1)], seed)


@SETTINGS
@given(n=sides, k=sides, m=sides, seed=seeds)
def test_linear_layer_by_hand(n, k, m, seed):
    check_grad(lambda t, x, w, b: (x @ w.T + b).relu().sum(dim=1).log_softmax(dim=0),
               [values((n, k), seed), values((m, k), seed + 1), values((m,), seed + 2)], seed)


# ---------------------------------------------------------------------------------------------
# cat / stack of several differently shaped tensors
@SETTINGS
@given(shape=nonscalar, seed=seeds, extra=st.lists(st.integers(1, 3), min_size=1, max_size=3))
def test_cat_many(shape, seed, extra):
    arrays = [values(shape[:-1] + (e,), seed + i) for i, e in enumerate([shape[-1]] + extra)]
    check_grad(lambda t, *xs: t.cat([x * (i + 1) for i, x in enumerate(xs)], dim=-1), arrays, seed)


@SETTINGS
@given(shape=shapes, seed=seeds, n=st.integers(1, 3))
def test_stack_many(shape, seed, n):
    arrays = [values(shape, seed + i) for i in range(n)]
    check_grad(lambda t, *xs: t.stack([x.sigmoid() for x in xs], dim=0), arrays, seed)


# ---------------------------------------------------------------------------------------------
# the curriculum's chains
def test_detach_article_chain():
    def chain(t, a, b, c, d, e, f, x):
        y = a * x + b
        z = c * y + d
        return e * z + f
    check_grad(chain, [np.array(v) for v in (2.0, 3.0, 5.0, 7.0, 11.0, 13.0, 17.0)])


def test_repl_article_mean():
    check_grad(lambda t, x: ((x + 2) * (x + 2) * 3).mean(), [np.ones((2, 2))])
