"""PyTorch's CPU random number generator, reproduced bit for bit with NumPy.

With the same seed, teachgrad draws exactly the numbers PyTorch 2.13 draws on a CPU: the same
Mersenne Twister stream (at::CPUGeneratorImpl), consumed in the same order, turned into floats by
the same arithmetic -- down to the fused multiply-adds and the polynomial sin/cos/log of PyTorch's
AVX2 kernel for float32 normals, which every x86-64 CPU with AVX2 runs (AVX-512 ones too).  On other
CPUs (ARM, pre-2013 x86) PyTorch's float32 ``randn`` of 16+ elements uses libm and differs from ours
in the last bits.  Float64 normals call the C library's log/log1p/sin/cos through Python's math module.
Every sampler returns a NumPy array; teachgrad.factories wraps them into Tensors.
"""
import math
import os
import struct

import numpy as np

from ._exact import _fma32, _fma64

DEFAULT_SEED = 67280421310721  # c10::default_rng_seed_val: the seed of a fresh torch.Generator()
# torch.get_rng_state() is the raw bytes of CPUGeneratorImplState: the legacy TH state (seed, left,
# seeded, next, 624 words stored as uint64, three unused normal_* doubles, normal_is_valid) plus the
# float normal cache.  '<' packs without implicit padding, so the C struct's padding is spelled out.
_STATE = struct.Struct("<QiiQ624Qdddi4xf?3x")  # 5056 bytes, like PyTorch's
_F32, _F64 = np.float32, np.float64


def _libm(func, x):
    """Apply a C math function element by element: Python's math module calls the same glibc
    log/log1p/sin/cos PyTorch calls (NumPy's own SIMD versions may differ in the last bit)."""
    return np.fromiter(map(func, x.tolist()), _F64, len(x))


# The AVX2 kernel's float32 log / sincos (ATen/native/cpu/avx_mathfun.h, Cephes polynomials), with
# the multiply-adds GCC fused when it compiled PyTorch 2.13 (read off libtorch_cpu.so's machine code).
_LOG_P = [_F32(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                            1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                            3.3333331174e-1)]
_COS_P = [_F32(c) for c in (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)]
_SIN_P = [_F32(c) for c in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]


def _avx2_log(x):  # log256_ps for float32 x in (0, 1]
    bits = x.view(np.int32)
    e = ((bits >> 23) - 127).astype(_F32) + _F32(1)
    m = ((bits & ~0x7F800000) | 0x3F000000).view(_F32)  # mantissa scaled into [0.5, 1)
    small = m < _F32(0.707106781186547524)
    e = e - small.astype(_F32)
    x = (m - _F32(1)) + np.where(small, m, _F32(0))
    z = x * x
    y = np.full_like(x, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = _fma32(y, x, p)
    y = _fma32(y * x, z, e * _F32(-2.12194440e-4))
    y = _fma32(-z, _F32(0.5), y)
    return _fma32(e, _F32(0.693359375), x + y)


def _avx2_sincos(x):  # sincos256_ps for float32 x >= 0
    j = (((x * _F32(1.27323954473516)).astype(np.int32) + 1) & ~1)  # octant, rounded up to even
    y = j.astype(_F32)
    for dp in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        x = _fma32(y, _F32(dp), x)  # x - j*pi/4 in three pieces ("extended precision modular")
    z = x * x
    cos_poly = z * _fma32(_fma32(np.full_like(z, _COS_P[0]), z, _COS_P[1]), z, _COS_P[2])
    cos_poly = _fma32(z, cos_poly, -(z * _F32(0.5))) + _F32(1)
    sin_poly = z * _fma32(_fma32(np.full_like(z, _SIN_P[0]), z, _SIN_P[1]), z, _SIN_P[2])
    sin_poly = _fma32(x, sin_poly, x)
    use_sin = (j & 2) == 0
    sin = np.where(use_sin, sin_poly, _F32(0)) + np.where(use_sin, _F32(0), cos_poly)
    cos = np.where(use_sin, cos_poly, _F32(0)) + np.where(use_sin, _F32(0), sin_poly)
    sin = np.where((j & 4) != 0, -sin, sin)
    cos = np.where(((j - 2) & 4) == 0, -cos, cos)
    return sin, cos


class Generator:
    """at::CPUGeneratorImpl: an mt19937 engine plus the cached second Box-Muller sample."""

    def __init__(self, seed=DEFAULT_SEED):
        self._engine, self._pending_state = None, None
        self.manual_seed(seed)

    @property
    def _mt(self):
        """NumPy's MT19937, made on first use: importing numpy.random would double `import teachgrad`."""
        if self._pending_state is not None:
            if self._engine is None:
                self._engine = np.random.MT19937(0)  # its state is replaced right away
            self._engine.state, self._pending_state = self._pending_state, None
        return self._engine

    # ---- seeding and state ------------------------------------------------------------------------
    def manual_seed(self, seed):
        seed = int(seed)
        if not -2**63 <= seed < 2**64:
            raise ValueError("Overflow when unpacking long long")
        seed %= 2**64  # negative seeds wrap like a C cast to uint64_t
        key = [seed & 0xFFFFFFFF]  # mt19937's init_genrand with the low 32 bits only
        for j in range(1, 624):
            key.append((1812433253 * (key[-1] ^ (key[-1] >> 30)) + j) & 0xFFFFFFFF)
        self._set_engine(seed, key, left=1, next_=0)
        self._next_normal = self._next_float_normal = None  # set_current_seed() drops both caches
        return self

    def seed(self):
        """Reseed from /dev/urandom and return the new seed (torch.seed())."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def _set_engine(self, seed, key, left, next_):
        # PyTorch's engine reads state[next] until `left` runs out, then regenerates all 624 words;
        # NumPy's reads key[pos] until pos == 624.  Both agree whenever left + next == 625, and a
        # freshly seeded engine (left=1, next=0) regenerates before its first draw, like pos=624.
        pos = 624 if left == 1 else next_
        self._pending_state = {"bit_generator": "MT19937", "state": {"key": np.array(key, np.uint32), "pos": pos}}
        self._seed, self._untouched = seed, (left, next_)

    def get_state(self):
        """The 5056 bytes torch.get_rng_state() returns, as a uint8 array."""
        st = self._mt.state["state"]
        left, next_ = self._untouched or (625 - st["pos"], st["pos"])
        normal, fnormal = self._next_normal, self._next_float_normal
        raw = _STATE.pack(self._seed, left, 1, next_, *st["key"].tolist(), 0.0,
                          0.0 if normal is None else normal, 0.0, normal is not None,
                          0.0 if fnormal is None else fnormal, fnormal is not None)
        return np.frombuffer(raw, np.uint8).copy()

    def set_state(self, state):
        raw = np.asarray(state, np.uint8).tobytes()
        if len(raw) != _STATE.size:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE.size} but found the "
                               f"input RNG state size to be {len(raw)}")
        f = _STATE.unpack(raw)
        seed, left, seeded, next_, key = f[0], f[1], f[2], f[3], f[4:628]
        normal_y, normal_valid, fnormal, fnormal_valid = f[629], f[631], f[632], f[633]
        if not (seeded and 0 < left <= 624 and next_ <= 624):
            raise RuntimeError("Invalid mt19937 state")
        self._set_engine(seed, [k & 0xFFFFFFFF for k in key], left, next_)
        self._next_normal = normal_y if normal_valid else None
        self._next_float_normal = fnormal if fnormal_valid else None
        return self

    # ---- raw draws --------------------------------------------------------------------------------
    def random(self, n):
        """n calls of CPUGeneratorImpl::random(): 32-bit words (as uint64)."""
        if n:
            self._untouched = None
        return self._mt.random_raw(n)

    def random64(self, n):
        """n calls of random64(): two consecutive words, the first one high."""
        w = self.random(2 * n)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    def _uniform01(self, n, dtype):
        """uniform_real_distribution<T>(0, 1): 24 random bits of one word for float, 53 bits of
        random64() for double, scaled by 2**-bits (exact, and x * (1 - 0) + 0 changes nothing)."""
        if dtype == _F64:
            return (self.random64(n) & np.uint64(2**53 - 1)).astype(_F64) * 2.0**-53
        return (self.random(n) & np.uint64(2**24 - 1)).astype(_F32) * _F32(2.0**-24)

    # ---- distributions (the CPU kernels of ATen/native/cpu/DistributionTemplates.h) ----------------
    def uniform(self, shape, low=0.0, high=1.0, dtype=np.float32):
        """Tensor.uniform_(low, high) / torch.rand: x * (to - from) + from as one fused
        multiply-add in the tensor's precision; a value rounded up to `to` becomes `from`."""
        dtype, n = np.dtype(dtype).type, math.prod(shape)
        if low > high:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low:g} > to={high:g}")
        if high - low > float(np.finfo(dtype).max):
            name = "Double" if dtype == _F64 else "Float"
            raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{name}>::max(), but found "
                               f"to={high:g} and from={low:g} which result in to-from to exceed the limit")
        lo, hi = dtype(low), dtype(high)  # the kernel computes in the tensor's precision
        x = self._uniform01(n, dtype)
        x = (_fma64 if dtype == _F64 else _fma32)(x, hi - lo, lo)
        return np.where(x == hi, lo, x).astype(dtype).reshape(shape)

    def normal(self, shape, mean=0.0, std=1.0, dtype=np.float32, contiguous=True):
        """Tensor.normal_(mean, std) / torch.randn: normal_fill (Box-Muller on blocks of 16) for
        contiguous tensors of 16+ elements, else one at::normal_distribution<double> per element."""
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        dtype, n = np.dtype(dtype).type, math.prod(shape)
        if n >= 16 and contiguous:
            out = self._normal_fill(n, mean, std, dtype)
        else:
            out = self._normal_scalar(n, float(mean), float(std)).astype(dtype)
        return out.reshape(shape)

    def _normal_fill(self, n, mean, std, dtype):
        # First n uniforms fill the tensor, whole blocks of 16 are transformed in place; a ragged
        # end is redone with 16 fresh uniforms on the last 16 elements (overwriting some outputs).
        u = self._uniform01(n, dtype)
        k = n // 16
        out = np.empty(n, dtype)
        out[:16 * k] = self._box_muller16(u[:16 * k].reshape(k, 16), mean, std, dtype).ravel()
        if n % 16:
            out[n - 16:] = self._box_muller16(self._uniform01(16, dtype).reshape(1, 16), mean, std, dtype).ravel()
        return out

    @staticmethod
    def _box_muller16(block, mean, std, dtype):
        """NormalFill16: element j and j+8 of each block of 16 make one Box-Muller pair."""
        u1, u2 = 1 - block[:, :8], block[:, 8:]  # 1 - u: [0, 1) -> (0, 1] for the log
        if dtype == _F64:  # scalar C++ with glibc's log and sincos
            radius = np.sqrt(-2 * _libm(math.log, u1.ravel()))
            theta = 2 * math.pi * u2.ravel()
            pair = (radius * _libm(math.cos, theta), radius * _libm(math.sin, theta))
            pair = [_fma64(p, float(std), float(mean)) for p in pair]
        else:  # the AVX2 version: float32 vectors, polynomial log and sincos
            radius = np.sqrt(_F32(-2) * _avx2_log(u1.ravel()))
            sin, cos = _avx2_sincos(_F32(2 * math.pi) * u2.ravel())
            pair = [_fma32(radius * t, _F32(std), _F32(mean)) for t in (cos, sin)]
        return np.concatenate([p.reshape(-1, 8) for p in pair], axis=1)

    def _normal_scalar(self, n, mean, std):
        """at::normal_distribution<double>: each pair of uniforms gives r*cos (returned) and r*sin
        (cached in the generator for the next call -- across tensors and calls, until reseeded)."""
        z = []
        if n and self._next_normal is not None:
            z, self._next_normal = [self._next_normal], None
        pairs = (n - len(z) + 1) // 2
        u = self._uniform01(2 * pairs, _F64)  # u1, u2, u1, u2, ...
        r = np.sqrt(-2.0 * _libm(math.log1p, -u[1::2]))
        theta = 2 * math.pi * u[0::2]
        fresh = np.empty(2 * pairs)
        fresh[0::2], fresh[1::2] = r * _libm(math.cos, theta), r * _libm(math.sin, theta)
        if (n - len(z)) % 2:
            self._next_normal, fresh = float(fresh[-1]), fresh[:-1]
        return _fma64(np.concatenate([z, fresh]), std, mean)  # val * std + mean, fused

    def randint(self, low, high, shape):
        """Tensor.random_(low, high) / torch.randint: random() % range + low, with random64() when
        the range is 2**28 or more (the % skew PyTorch accepts is then at most ~5%)."""
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
        n, span = math.prod(shape), high - low
        draws = self.random64(n) if span >= 2**28 else self.random(n)
        return ((draws % np.uint64(span)).astype(np.int64) + np.int64(low)).reshape(shape)

    def randperm(self, n):
        """randperm_cpu for n < 2**32 / 20: a Fisher-Yates shuffle swapping i with i + random() % (n - i)."""
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
        if n >= (2**32 - 1) // 20:
            raise NotImplementedError("randperm of 214748364 or more elements")
        perm = list(range(n))
        offsets = (self.random(max(n - 1, 0)) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        for i, z in enumerate(offsets):
            perm[i], perm[i + z] = perm[i + z], perm[i]
        return np.array(perm, np.int64)

    def bernoulli(self, shape, p, dtype=np.float32):
        """Tensor.bernoulli_(p) (what dropout draws on CPU): one uniform per element, 1 where u < p.
        A float p compares a double uniform (53 bits); an array of float32 probabilities compares
        float uniforms (24 bits), float64 probabilities double ones."""
        n = math.prod(shape)
        if isinstance(p, np.ndarray):
            p = np.broadcast_to(p, shape).ravel()
            u = self._uniform01(n, _F64 if p.dtype == _F64 else _F32)
        else:
            if not 0 <= p <= 1:
                raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
            u = self._uniform01(n, _F64)
        return (u < p).astype(dtype).reshape(shape)


default_generator = Generator()
default_generator.seed()  # like PyTorch, the global generator starts from a nondeterministic seed
