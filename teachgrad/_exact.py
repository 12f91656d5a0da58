"""PyTorch's rounding, reproduced with NumPy.  A reader of the engine can skip this module.

PyTorch's CPU kernels and NumPy compute the same formulas, but not always with the same roundings:
PyTorch fuses ``a + alpha * b`` into one multiply-add (rounded once), adds float32 numbers in its own
order, and computes ``x ** 3`` as ``x * x * x``.  Everything here returns, bit for bit, what PyTorch
returns, so that a learner's printed losses match PyTorch's to the last digit.

Nothing here knows about tensors or graphs: NumPy arrays in, NumPy arrays out.
"""

import numpy as np

_F32, _F64 = np.float32, np.float64
_HALFWAY = np.iinfo(np.int64).min


# ---------------------------------------------------------------------------------------------------
# Fused multiply-add: x * y + z rounded once
# ---------------------------------------------------------------------------------------------------

def _round_to_odd_sum(a, b):
    """a + b in float64, rounded to odd: exact-sum bits beyond the 53rd are folded into the last bit,
    so that a second rounding (to float32, or after one more addition) is still correctly rounded."""
    s = np.asarray(a + b, _F64)
    bb = s - a
    err = (a - (s - bb)) + (b - bb)  # TwoSum: a + b == s + err exactly
    bits = s.view(np.int64)
    # Inexact with an even last bit: step one ulp towards the exact sum (bits count away from 0).
    step = (np.sign(err) * np.sign(s)).astype(np.int64) * ((bits & 1) == 0)
    return (bits + step).view(_F64)


def _fma32(x, y, z, out=None, scratch=None):
    """float32 ``x * y + z`` rounded once.  The product of two float32 numbers is exact in float64, so
    rounding the float64 sum to float32 is right unless that sum landed exactly halfway between two
    float32 numbers: only those few elements are redone with a round-to-odd sum.  (Results in float32's
    subnormal range, below 1.2e-38, can still be one unit in the last place off.)"""
    s = np.multiply(x, y, out=scratch, dtype=_F64)
    if scratch is not None and (type(z) is not np.ndarray or z.shape == scratch.shape):
        s += z
    else:
        s = np.asarray(np.add(s, z, dtype=_F64))
    # Halfway between two float32 numbers: the 29 bits below float32's precision are 1000...0, which
    # shifted to the top of an int64 make its smallest value.
    shifted = s.view(np.int64) << 35
    if shifted.min(initial=0) == _HALFWAY:
        risky = shifted == _HALFWAY
        prod = np.broadcast_to(np.multiply(x, y, dtype=_F64), s.shape)
        s[risky] = _round_to_odd_sum(prod[risky], np.broadcast_to(np.asarray(z, _F64), s.shape)[risky])
    if out is None:
        return s.astype(_F32)
    np.copyto(out, s, casting="same_kind")
    return out


def _fma64(x, y, z):
    """float64 ``x * y + z`` rounded once (Boldo & Melquiond: exact product by Veltkamp splitting,
    TwoSum, a round-to-odd addition, then one ordinary rounding)."""
    a, b = np.asarray(x, _F64), np.asarray(y, _F64)
    if np.ndim(z) == 0 and z == 0:
        return a * b
    split = lambda v: (v * 134217729.0 - (v * 134217729.0 - v))  # Veltkamp: the high 26 bits of v
    ah, bh = split(a), split(b)
    p = a * b
    e = ((ah * bh - p) + ah * (b - bh) + (a - ah) * bh) + (a - ah) * (b - bh)  # a*b == p + e exactly
    th = z + p
    cc = th - z
    tl = (z - (th - cc)) + (p - cc)  # z + p == th + tl exactly
    return th + _round_to_odd_sum(tl, e)


def fma(x, y, z, out=None, scratch=None):
    """``x * y + z`` rounded once, as PyTorch's CPU kernels compute ``z.add(x, alpha=y)``, ``addcmul``,
    ``lerp`` and the optimizers' updates.  ``out``: write the result there (same dtype as ``z``);
    ``scratch``: an optional float64 work array of the result's shape (saves an allocation)."""
    dtype = z.dtype if type(z) is np.ndarray and type(x) is np.ndarray and x.dtype is z.dtype else \
        np.result_type(x, y, z)
    if dtype.kind != "f":  # integers: exact anyway
        return np.add(np.multiply(x, y), z, out=out)
    if dtype == _F32:
        return _fma32(x, y, z, out, scratch)
    result = _fma64(x, y, z).astype(dtype, copy=False)
    if out is None:
        return result
    np.copyto(out, result, casting="same_kind")
    return out


# ---------------------------------------------------------------------------------------------------
# arange and linspace
# ---------------------------------------------------------------------------------------------------

def arange(start, end, step, dtype):
    """``torch.arange`` for floating ``dtype``: PyTorch's kernel fills vectors of 8 float32 (4 float64)
    numbers from a base ``start + step * i`` computed in float64 with a fused multiply-add, each element
    ``base + step * j`` (fused, in float64), and the last, incomplete pair of vectors one by one."""
    n = max(int(np.ceil((float(end) - float(start)) / float(step))), 0)
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        return (np.arange(n, dtype=np.int64) * int(step) + int(start)).astype(dtype)
    lanes = 8 if dtype == _F32 else 4
    index = np.arange(n, dtype=_F64)
    lane = index % lanes
    start, step = np.full(n, float(start)), np.full(n, float(step))
    base = _fma64(step, index - lane, start).astype(dtype).astype(_F64)
    values = _fma64(step, lane, base)
    vector_end = n // (2 * lanes) * 2 * lanes
    values[vector_end:] = _fma64(step[vector_end:], index[vector_end:], start[vector_end:])
    return values.astype(dtype)


def linspace(start, end, steps, dtype):
    """``torch.linspace``: step = (end - start) / (steps - 1) in ``dtype``; the first half counts up from
    ``start``, the second half down from ``end``, each element a fused multiply-add rounded once."""
    dtype = np.dtype(dtype)
    if steps == 0:
        return np.zeros(0, dtype)
    if steps == 1:
        return np.array([start], dtype)
    if dtype.kind != "f":  # integers: PyTorch computes in float64 and truncates
        return linspace(start, end, steps, _F64).astype(dtype)
    s, e = dtype.type(start), dtype.type(end)
    step = (e - s) / dtype.type(steps - 1)
    half = steps // 2
    index = np.arange(steps, dtype=_F64)
    up = fma(np.full(half, step, dtype), index[:half], np.full(half, s, dtype))
    down = fma(np.full(steps - half, -step, dtype), steps - 1 - index[half:], np.full(steps - half, e, dtype))
    return np.concatenate([up, down]).astype(dtype, copy=False)
