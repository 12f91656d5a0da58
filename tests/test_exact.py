"""teachgrad._exact against real PyTorch, bit for bit: the places where NumPy's rounding is not
PyTorch's and teachgrad reproduces PyTorch's.

- ``sum``: PyTorch adds float32/float64 in its own cascade order (which depends on the layout);
  NumPy's pairwise sum gives other last bits. Contiguous, transposed, sliced and strided arrays,
  every reduced dimension, keepdim, and lengths around the cascade's block sizes.
- ``fma``: ``p.add_(g, alpha=a)`` (and the optimizers' updates) round ``p + a * g`` once.
- ``power``: ``x ** 2``, ``x ** 3``, ``x ** -1``, ``x ** -2`` are products and quotients in PyTorch,
  not ``pow`` (PyTorch's square roots and general powers come from vectorised libraries whose last
  bit NumPy does not reproduce: not tested here).
- ``arange`` and ``linspace``: PyTorch fills the values its own way; NumPy's differ in the last bit.
- ``norm``: PyTorch adds the squares (or |x|, ...) in the tensor's own dtype, in its kernel's order, so
  a float32 norm overflows to inf exactly where PyTorch's does.  (Other p use ``pow``: not tested here.)

Values span several orders of magnitude so that rounding differences show. PyTorch is run on one
thread here: with several threads it splits a sum of more than 32768 elements between them, and the
last bits then depend on the machine's thread count (teachgrad gives the one-thread result).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachgrad
from teachgrad import _exact

torch = pytest.importorskip("torch")



@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


DTYPES = {"float32": (np.float32, torch.float32), "float64": (np.float64, torch.float64)}


def spread(rng, shape, dtype):
    """Normal numbers scaled by e^U(-3, 3): sums of these lose bits in an order-dependent way."""
    return (rng.standard_normal(shape) * np.exp(rng.uniform(-3, 3, shape))).astype(dtype)


def assert_bits_equal(mine, ref):
    ref = np.asarray(ref)
    assert np.shape(mine) == ref.shape
    assert np.asarray(mine).dtype == ref.dtype
    assert np.array_equal(mine, ref, equal_nan=True), (mine, ref)


# --- sum ------------------------------------------------------------------------------------------

LENGTHS = list(range(1, 70)) + [127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 4096, 5000, 20000, 32768]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", LENGTHS)
def test_sum_of_a_vector(dtype, n):
    x = spread(np.random.default_rng(n), n, DTYPES[dtype][0])
    assert_bits_equal(_exact.sum(x), torch.from_numpy(x).sum().numpy())


@settings(max_examples=150, deadline=None)
@given(shape=st.lists(st.integers(1, 40), min_size=1, max_size=4), seed=st.integers(0, 2 ** 32 - 1),
       dtype=st.sampled_from(sorted(DTYPES)), keepdim=st.booleans(), data=st.data())
def test_sum_over_any_dims(shape, seed, dtype, keepdim, data):
    x = spread(np.random.default_rng(seed), tuple(shape), DTYPES[dtype][0])
    dims = tuple(sorted(data.draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))))
    ref = torch.from_numpy(x).sum(dim=dims, keepdim=keepdim).numpy()
    assert_bits_equal(_exact.sum(x, dims, keepdim), ref)


@settings(max_examples=150, deadline=None)
@given(shape=st.lists(st.integers(1, 30), min_size=2, max_size=3), seed=st.integers(0, 2 ** 32 - 1),
       dtype=st.sampled_from(sorted(DTYPES)), layout=st.sampled_from(["transposed", "every other", "sliced"]),
       data=st.data())
def test_sum_of_a_view(shape, seed, dtype, layout, data):
    """The order depends on the strides: a view is summed as PyTorch walks that view."""
    base = spread(np.random.default_rng(seed), tuple(shape), DTYPES[dtype][0])
    t = torch.from_numpy(base)
    if layout == "transposed":
        x, tv = base.T, t.permute(*reversed(range(base.ndim)))
    elif layout == "every other":
        x, tv = base[..., ::2], t[..., ::2]
    else:
        x, tv = base[1:], t[1:]
    dims = data.draw(st.none() | st.sets(st.integers(0, x.ndim - 1), min_size=1).map(lambda s: tuple(sorted(s))))
    if dims is None:
        assert_bits_equal(_exact.sum(x), tv.sum().numpy())
    else:
        assert_bits_equal(_exact.sum(x, dims), tv.sum(dim=dims).numpy())


def test_sum_differs_from_numpy_somewhere():
    """The point of _exact.sum: NumPy's own order would print other digits (else this file tests nothing)."""
    rng = np.random.default_rng(0)
    differs = 0
    for n in (1000, 5000, 20000):
        x = spread(rng, n, np.float32)
        differs += np.float32(x.sum()) != torch.from_numpy(x).sum().item()
    assert differs


# --- fused multiply-add ---------------------------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 2 ** 32 - 1), dtype=st.sampled_from(sorted(DTYPES)),
       alpha=st.sampled_from([-0.01, -0.1, 0.9, 1e-3, -3.0, 0.3333333]))
def test_fma_is_add_with_alpha(n, seed, dtype, alpha):
    rng = np.random.default_rng(seed)
    p, g = spread(rng, n, DTYPES[dtype][0]), spread(rng, n, DTYPES[dtype][0])
    ref = torch.from_numpy(p.copy()).add_(torch.from_numpy(g), alpha=alpha).numpy()
    mine = _exact.fma(g, p.dtype.type(alpha), p)
    assert_bits_equal(mine, ref)


def test_fma_halfway_cases():
    """float32 results that fall exactly halfway between two floats after one rounding in float64."""
    rng = np.random.default_rng(1)
    p = rng.integers(1, 2 ** 24, 20000).astype(np.float32)
    g = (rng.integers(1, 2 ** 12, 20000) * 2.0 ** -13).astype(np.float32)
    for alpha in (np.float32(2.0 ** -11), np.float32(-0.5), np.float32(3 * 2.0 ** -12)):
        ref = torch.from_numpy(p.copy()).add_(torch.from_numpy(g), alpha=float(alpha)).numpy()
        assert_bits_equal(_exact.fma(g, alpha, p), ref)


# --- relu: which zero, and NaN -----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (7, 9), (64, 48)])  # below and above zero_where's bit-mask path
@pytest.mark.parametrize("transposed", [False, True])
def test_relu_and_its_gradient_bit_for_bit(dtype, shape, transposed):
    """relu keeps -0.0 and NaN, its gradient is +0.0 (never -0.0) where the output is <= 0."""
    rng = np.random.default_rng(11)
    np_dtype, torch_dtype = DTYPES[dtype]
    specials = np.array([-0.0, 0.0, np.nan, -np.inf, np.inf, -1.0], np_dtype)
    x = np.asarray(rng.choice(np.concatenate([specials, spread(rng, 50, np_dtype)]), shape), np_dtype)
    upstream = np.asarray(rng.choice(np.array([-0.0, 0.0, -2.5, 3.0, np.nan], np_dtype), shape), np_dtype)
    if not shape:
        x, upstream = np.array(-0.0, np_dtype), np.array(-2.5, np_dtype)
    results = []
    for lib in (teachgrad, torch):
        leaf = lib.tensor(x, requires_grad=True)
        given = lib.tensor(upstream)
        if transposed:  # relu of a view laid out column by column, and a gradient laid out the same
            out = leaf.t().relu()
            out.backward(given.t())
        else:
            out = leaf.relu()
            out.backward(given)
        results.append((out.detach().numpy(), leaf.grad.numpy()))
    for mine, ref in zip(*results):
        assert_bits_equal(mine, ref)
        assert np.array_equal(np.signbit(mine), np.signbit(ref))  # -0.0 and 0.0 told apart


# --- matrix products: np.dot where it is the same call as @ --------------------------------------------

@settings(max_examples=300, deadline=None)
@given(m=st.integers(0, 40), k=st.integers(0, 40), p=st.integers(0, 40), seed=st.integers(0, 2 ** 32 - 1),
       dtype=st.sampled_from(["float32", "float64"]), layouts=st.tuples(st.booleans(), st.booleans()))
def test_matrix_products_are_those_of_the_at_operator(m, k, p, seed, dtype, layouts):
    """The engine multiplies contiguous matrices with np.dot (cheaper to call): bit for bit a @ b."""
    from teachgrad.ops import _mm
    rng = np.random.default_rng(seed)
    a, b = spread(rng, (m, k), DTYPES[dtype][0]), spread(rng, (k, p), DTYPES[dtype][0])
    a = np.asfortranarray(a) if layouts[0] else a
    b = np.asfortranarray(b) if layouts[1] else b
    mine, ref = _mm(a, b), a @ b
    assert mine.tobytes() == ref.tobytes() and mine.strides == ref.strides


# --- powers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("exponent", [2, 3, -1, -2, 0, 1])
def test_power(dtype, exponent):
    x = np.abs(spread(np.random.default_rng(5), 2000, DTYPES[dtype][0]))
    ref = (torch.from_numpy(x) ** exponent).numpy()
    assert_bits_equal(_exact.power(x, exponent), ref)


# --- norm -----------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(shape=st.lists(st.integers(1, 40), min_size=1, max_size=3), seed=st.integers(0, 2 ** 32 - 1),
       dtype=st.sampled_from(sorted(DTYPES)), p=st.sampled_from([2, 1, 0, np.inf, -np.inf]),
       transposed=st.booleans(), keepdim=st.booleans(), data=st.data())
def test_norm(shape, seed, dtype, p, transposed, keepdim, data):
    x = spread(np.random.default_rng(seed), tuple(shape), DTYPES[dtype][0])
    t = torch.from_numpy(x)
    if transposed:
        x, t = x.T, t.permute(*reversed(range(x.ndim)))
    dims = data.draw(st.none() | st.sets(st.integers(0, x.ndim - 1), min_size=1).map(lambda s: tuple(sorted(s))))
    ref = t.norm(p) if dims is None else t.norm(p, dim=dims, keepdim=keepdim)
    assert_bits_equal(_exact.norm(x, p, dims, keepdim and dims is not None), ref.numpy())


@pytest.mark.parametrize("shape, dim", [((4, 4), None), ((100,), None), ((4, 4), 1), ((4, 4), 0), ((3, 9), 1)])
def test_norm_overflows_as_in_pytorch(shape, dim):
    """Squares of 1e19 fit in float32, their sum does not: PyTorch's float32 norm is inf, silently."""
    x = np.full(shape, 1e19, np.float32)
    ref = torch.from_numpy(x).norm() if dim is None else torch.from_numpy(x).norm(dim=dim)
    with np.errstate(all="raise"):  # no NumPy warning either
        mine = teachgrad.from_numpy(x).norm() if dim is None else teachgrad.from_numpy(x).norm(dim=dim)
    assert_bits_equal(mine.numpy(), ref.numpy())
    assert np.isinf(mine.numpy()).all()


@pytest.mark.parametrize("n", [5, 7, 9, 12, 31, 100, 1000, 5003])
def test_norm_of_a_vector(n):
    x = spread(np.random.default_rng(n), n, np.float32) * 1e3
    assert_bits_equal(_exact.norm(x, 2), torch.from_numpy(x).norm().numpy())


# --- arange and linspace --------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(start=st.floats(-50, 50), step=st.floats(0.001, 3), count=st.integers(1, 3000), negative=st.booleans(),
       dtype=st.sampled_from(sorted(DTYPES)))
def test_arange(start, step, count, negative, dtype):
    step = -step if negative else step
    end = start + step * count
    np_dtype, torch_dtype = DTYPES[dtype]
    ref = torch.arange(start, end, step, dtype=torch_dtype).numpy()
    assert_bits_equal(_exact.arange(start, end, step, np_dtype), ref)


@settings(max_examples=200, deadline=None)
@given(start=st.floats(-50, 50), width=st.floats(-100, 100), steps=st.integers(0, 5000),
       dtype=st.sampled_from(sorted(DTYPES)))
def test_linspace(start, width, steps, dtype):
    np_dtype, torch_dtype = DTYPES[dtype]
    ref = torch.linspace(start, start + width, steps, dtype=torch_dtype).numpy()
    assert_bits_equal(_exact.linspace(start, start + width, steps, np_dtype), ref)
