"""teachgrad._random against PyTorch's CPU generator: every sample bit for bit, and the generator
state (torch.get_rng_state()'s 5056 bytes) identical after every call, so both generators consumed
exactly the same draws."""

import math
import subprocess
import sys
import time
from fractions import Fraction

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from teachgrad import _random  # noqa: E402
from teachgrad._random import Generator  # noqa: E402

SEEDS = [0, 1, 42, 2**32 + 5, 67280421310721]
SIZES = [1, 2, 3, 15, 16, 17, 31, 100, 1000]
DTYPES = [(np.float32, torch.float32), (np.float64, torch.float64)]


def assert_bits(mine, ref):
    ref = ref.numpy()
    assert mine.dtype == ref.dtype and mine.shape == ref.shape
    assert mine.tobytes() == ref.tobytes(), f"differs at {np.flatnonzero(mine.ravel() != ref.ravel())[:5]}"


def assert_same_state(g, torch_gen=None):
    ref = (torch_gen.get_state() if torch_gen is not None else torch.get_rng_state()).numpy()
    assert g.get_state().tobytes() == ref.tobytes()


def seeded(seed):
    torch.manual_seed(seed)
    return Generator(seed)


@pytest.mark.parametrize("seed", SEEDS + [2**63, 2**64 - 1, -1, -2**63, 7.9])
def test_manual_seed_state_and_initial_seed(seed):
    torch.manual_seed(seed)
    g = Generator().manual_seed(seed)
    assert_same_state(g)
    assert g.initial_seed() == torch.initial_seed()


@pytest.mark.parametrize("seed", [2**64, -2**63 - 1])
def test_manual_seed_overflow(seed):
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        torch.manual_seed(seed)
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        Generator().manual_seed(seed)


def test_fresh_generator_is_torch_Generator():
    g, tg = Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed() == _random.DEFAULT_SEED
    assert_same_state(g, tg)
    assert_bits(g.normal((5,)), torch.randn(5, generator=tg))
    assert_same_state(g, tg)


def test_readme_example():
    g = seeded(0)
    assert_bits(g.normal((2, 3)), torch.randn(2, 3))
    assert str(torch.from_numpy(g.manual_seed(0).normal((2, 3)))) == (
        "tensor([[ 1.5410, -0.2934, -2.1788],\n        [ 0.5684, -1.0845, -1.3986]])")


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_randn_and_rand(seed, n, dtype):
    g = seeded(seed)
    for _ in range(2):  # twice: the second call starts mid-stream (and, for small n, maybe from the cache)
        assert_bits(g.normal((n,), dtype=dtype[0]), torch.randn(n, dtype=dtype[1]))
        assert_same_state(g)
        assert_bits(g.uniform((n,), dtype=dtype[0]), torch.rand(n, dtype=dtype[1]))
        assert_same_state(g)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_large_randn_is_exact_and_fast(dtype):
    g = seeded(3)
    start = time.process_time()
    mine = g.normal((100_003,), dtype=dtype[0])
    assert time.process_time() - start < 2.0
    assert_bits(mine, torch.randn(100_003, dtype=dtype[1]))
    assert_same_state(g)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_normal_with_mean_and_std(dtype):
    rs = np.random.default_rng(0)
    g = seeded(11)
    for n in [1, 5, 16, 40, 999]:
        mean, std = float(rs.normal() * 4), float(rs.random() * 3)
        assert_bits(g.normal((n,), mean, std, dtype[0]), torch.empty(n, dtype=dtype[1]).normal_(mean, std))
    assert_bits(g.normal((2, 10), 0.0, 0.02, dtype[0]), torch.empty(2, 10, dtype=dtype[1]).normal_(0.0, 0.02))
    assert_bits(g.normal((4, 5), 3.0, 0.0, dtype[0]), torch.normal(3.0, 0.0, (4, 5), dtype=dtype[1]))
    assert_same_state(g)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_uniform_bounds(dtype):
    rs = np.random.default_rng(1)
    g = seeded(5)
    for n in [1, 7, 100, 5000]:
        lo = float(rs.normal() * 10)
        hi = lo + float(rs.random() * 20)
        assert_bits(g.uniform((n,), lo, hi, dtype[0]), torch.empty(n, dtype=dtype[1]).uniform_(lo, hi))
    assert_bits(g.uniform((3, 4), -0.5, 0.5, dtype[0]), torch.empty(3, 4, dtype=dtype[1]).uniform_(-0.5, 0.5))
    assert_bits(g.uniform((3,), 2.0, 2.0, dtype[0]), torch.empty(3, dtype=dtype[1]).uniform_(2.0, 2.0))
    assert_same_state(g)


@pytest.mark.parametrize("low,high", [(0, 10), (-5, 5), (0, 2), (0, 2**28 - 1), (0, 2**28), (-2**40, 2**50), (7, 8)])
def test_randint(low, high):
    g = seeded(9)
    for n in [1, 17, 1000]:
        assert_bits(g.randint(low, high, (n,)), torch.randint(low, high, (n,)))
    assert_bits(g.randint(low, high, (2, 3)), torch.randint(low, high, (2, 3)))
    assert_same_state(g)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 1000, 4097])
def test_randperm(n):
    g = seeded(n)
    assert_bits(g.randperm(n), torch.randperm(n))
    assert_same_state(g)


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.8, 1.0])
def test_bernoulli_scalar_p_and_dropout(p):
    g = seeded(4)
    assert_bits(g.bernoulli((50,), p), torch.empty(50).bernoulli_(p))
    assert_bits(g.bernoulli((3, 4), p, np.float64), torch.empty(3, 4, dtype=torch.float64).bernoulli_(p))
    assert_same_state(g)
    if 0 < p < 1:  # F.dropout on CPU: input * (empty_like(input).bernoulli_(1 - p) / (1 - p))
        x = torch.randn(6, 7)
        xn = g.normal((6, 7))
        mask = g.bernoulli((6, 7), 1 - p)
        assert_bits(xn * (mask / np.float32(1 - p)), torch.nn.functional.dropout(x, p))
        assert_same_state(g)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_bernoulli_tensor_p(dtype):
    g = seeded(8)
    probs = g.uniform((5, 6), dtype=dtype[0])
    ref_probs = torch.rand(5, 6, dtype=dtype[1])
    assert_bits(g.bernoulli((5, 6), probs, dtype[0]), torch.bernoulli(ref_probs))
    assert_same_state(g)


def test_mixed_sequence_shares_one_stream():
    g = seeded(2024)
    steps = [
        (lambda: g.normal((3,)), lambda: torch.randn(3)),  # odd count: caches a normal for later
        (lambda: g.uniform((5,)), lambda: torch.rand(5)),
        (lambda: g.randint(0, 10, (4,)), lambda: torch.randint(0, 10, (4,))),
        (lambda: g.normal((1,), dtype=np.float64), lambda: torch.randn(1, dtype=torch.float64)),  # the cached one
        (lambda: g.normal((40,)), lambda: torch.randn(40)),  # normal_fill: leaves the cache alone
        (lambda: g.randperm(7), lambda: torch.randperm(7)),
        (lambda: g.normal((5,), 1.0, 2.0, np.float64), lambda: torch.empty(5, dtype=torch.float64).normal_(1.0, 2.0)),
        (lambda: g.uniform((2, 2), -1, 1), lambda: torch.empty(2, 2).uniform_(-1, 1)),
        (lambda: g.bernoulli((9,), 0.3), lambda: torch.empty(9).bernoulli_(0.3)),
        (lambda: g.normal((2,)), lambda: torch.randn(2)),
    ]
    for mine, ref in steps:
        assert_bits(mine(), ref())
        assert_same_state(g)


def test_manual_seed_drops_the_cached_normal():
    g = seeded(1)
    g.normal((1,)), torch.randn(1)  # caches the second Box-Muller sample
    assert g._next_normal is not None
    torch.manual_seed(1)
    g.manual_seed(1)
    assert g._next_normal is None
    assert_same_state(g)
    assert_bits(g.normal((3,)), torch.randn(3))


def test_get_set_state_round_trip_with_torch():
    g = seeded(77)
    g.normal((3,)), torch.randn(3)  # a cached normal is part of the state
    g.uniform((700,)), torch.rand(700)  # past one regeneration of the 624 words
    saved_mine, saved_torch = g.get_state(), torch.get_rng_state()
    assert saved_mine.dtype == np.uint8 and saved_mine.shape == (5056,)
    first = g.normal((1,)), g.randint(0, 100, (20,))
    g.set_state(saved_torch.numpy())  # torch's bytes into teachgrad ...
    assert_bits(g.normal((1,)), torch.randn(1))
    assert_bits(g.randint(0, 100, (20,)), torch.randint(0, 100, (20,)))
    torch.set_rng_state(torch.from_numpy(saved_mine))  # ... and teachgrad's into torch
    assert_bits(first[0], torch.randn(1))
    assert_bits(first[1], torch.randint(0, 100, (20,)))


def test_set_state_errors():
    g = Generator()
    with pytest.raises(RuntimeError, match="Expected a CPUGeneratorImplState of size 5056 but found the input RNG "
                                           "state size to be 10"):
        g.set_state(np.zeros(10, np.uint8))
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        g.set_state(np.zeros(5056, np.uint8))


@pytest.mark.parametrize("seed", [0, 1, 123])
@pytest.mark.parametrize("fan_in,fan_out", [(2, 4), (4, 1), (784, 128), (3, 300)])
def test_nn_linear_initialisation(seed, fan_in, fan_out):
    """nn.Linear: kaiming_uniform_(weight, a=sqrt(5)) then uniform_(bias), computed as torch.nn.init does."""
    torch.manual_seed(seed)
    layer = torch.nn.Linear(fan_in, fan_out)
    g = Generator(seed)
    gain = math.sqrt(2.0 / (1 + math.sqrt(5) ** 2))
    bound = math.sqrt(3.0) * (gain / math.sqrt(fan_in))
    assert_bits(g.uniform((fan_out, fan_in), -bound, bound), layer.weight.detach())
    assert_bits(g.uniform((fan_out,), -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in)), layer.bias.detach())
    assert_same_state(g)


def test_noncontiguous_normal_uses_the_scalar_path_in_memory_order():
    g = seeded(3)
    base = torch.empty(4, 8)
    base.t().normal_()  # 32 elements, but not contiguous: one normal_distribution<double> per element
    assert_bits(g.normal((32,), contiguous=False).reshape(4, 8), base)
    assert_same_state(g)


@pytest.mark.parametrize("call,ref", [
    (lambda g: g.uniform((3,), 1, 0), lambda: torch.empty(3).uniform_(1, 0)),
    (lambda g: g.uniform((3,), -3e38, 3e38), lambda: torch.empty(3).uniform_(-3e38, 3e38)),
    (lambda g: g.normal((3,), 0, -1), lambda: torch.empty(3).normal_(0, -1)),
    (lambda g: g.randint(5, 5, (3,)), lambda: torch.randint(5, 5, (3,))),
    (lambda g: g.randint(5, 3, (3,)), lambda: torch.randint(5, 3, (3,))),
    (lambda g: g.bernoulli((3,), 1.5), lambda: torch.empty(3).bernoulli_(1.5)),
    (lambda g: g.randperm(-1), lambda: torch.randperm(-1)),
])
def test_error_messages(call, ref):
    with pytest.raises(RuntimeError) as expected:
        ref()
    with pytest.raises(RuntimeError) as got:
        call(Generator())
    assert str(got.value) == str(expected.value)


def test_fused_multiply_add_helpers_round_once():
    rs = np.random.default_rng(0)

    def exact32(a, b, c):  # correctly rounded float32 of the exact a*b + c
        out = []
        for x, y, z in zip(a.tolist(), b.tolist(), c.tolist()):
            v = Fraction(x) * Fraction(y) + Fraction(z)
            f = np.float32(float(v))
            near = [np.nextafter(f, np.float32(-np.inf)), f, np.nextafter(f, np.float32(np.inf))]
            out.append(min(near, key=lambda t: (abs(Fraction(float(t)) - v), int(np.float32(t).view(np.uint32)) & 1)))
        return np.array(out, np.float32)

    a = rs.random(1000).astype(np.float32)
    b = rs.random(1000).astype(np.float32)
    for c in [(a.astype(np.float64) * b).astype(np.float32), np.full(1000, np.float32(1.0)),
              rs.normal(size=1000).astype(np.float32)]:  # near-cancellation, ties, ordinary
        np.testing.assert_array_equal(_random._fma32(a, b, c), exact32(a, b, c))
    x, y = rs.normal(size=1000), rs.normal(size=1000)
    for c in [0.37, 1.0, -1e-17]:
        ref = np.array([float(Fraction(p) * Fraction(q) + Fraction(c)) for p, q in zip(x.tolist(), y.tolist())])
        np.testing.assert_array_equal(_random._fma64(x, y, c), ref)


def test_default_generator_is_nondeterministically_seeded_and_is_what_manual_seed_sets():
    import teachgrad
    assert isinstance(teachgrad.default_generator, Generator)
    fresh = subprocess.run([sys.executable, "-c", "import teachgrad; print(teachgrad.initial_seed())"],
                           capture_output=True, text=True, check=True).stdout
    assert int(fresh) != _random.DEFAULT_SEED
    teachgrad.manual_seed(123)
    assert teachgrad.default_generator.initial_seed() == 123
    assert teachgrad.rand(3).tolist() == Generator().manual_seed(123).uniform((3,)).tolist()
