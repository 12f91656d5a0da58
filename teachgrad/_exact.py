"""PyTorch's rounding, reproduced with NumPy.  A reader of the engine can skip this module.

PyTorch's CPU kernels and NumPy compute the same formulas, but not always with the same roundings:
PyTorch fuses ``a + alpha * b`` into one multiply-add (rounded once), adds float32 numbers in its own
order, and computes ``x ** 3`` as ``x * x * x``.  Everything here returns, bit for bit, what PyTorch
returns, so that a learner's printed losses match PyTorch's to the last digit.

Nothing here knows about tensors or graphs: NumPy arrays in, NumPy arrays out.
"""

import functools
import math

import numpy as np

from . import _layout

_F32, _F64 = np.float32, np.float64
_HALFWAY = np.iinfo(np.int64).min


# ---------------------------------------------------------------------------------------------------
# Silent overflow: PyTorch gives inf and nan without a warning, NumPy warns
# ---------------------------------------------------------------------------------------------------
#
# ``token = ignore_fp_errors()`` ... ``restore_fp_errors(token)`` is ``with np.errstate(all="ignore")``,
# at a seventh of its cost (every op runs it): NumPy keeps its error settings in a context variable,
# and the "ignore" settings derived from each current one are made once.

try:
    from numpy._core._ufunc_config import _extobj_contextvar as _fp_settings
    from numpy._core._ufunc_config import _make_extobj
except ImportError:  # a NumPy without that variable: the public way
    def ignore_fp_errors():
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def restore_fp_errors(state):
        state.__exit__(None, None, None)
else:
    class _Ignoring(dict):
        """The current NumPy error settings -> the same settings with every error ignored."""

        def __missing__(self, settings):
            if len(self) > 64:  # settings made by the user's own np.errstate come and go
                self.clear()
            ignoring = self[settings] = _make_extobj(all="ignore")  # (made from the current settings)
            return ignoring

    _ignoring = _Ignoring()

    def ignore_fp_errors():
        return _fp_settings.set(_ignoring[_fp_settings.get()])

    restore_fp_errors = _fp_settings.reset


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
    fused = th + _round_to_odd_sum(tl, e)
    # Infinities and NaNs (the splitting above cannot carry them), and zeros, whose sign the plain sum
    # gets right (-0.0 + -0.0 is -0.0)
    special = ~np.isfinite(fused) | (fused == 0)
    if special.any():
        fused = np.where(special, p + z, fused)
    return fused


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
# exp, log, sin, ...: rounded once
# ---------------------------------------------------------------------------------------------------

def once(fn, a):
    """``fn(a)`` (exp, log, sin, ...) of a float32 array computed in float64 and rounded once.  PyTorch's
    vectorised float32 functions are within an ulp of the exact value; NumPy's float32 ones more often
    round the other way than this does (PyTorch's last bit is still not always reproduced)."""
    if a.dtype == _F32:
        return fn(a.astype(_F64)).astype(_F32)
    return fn(a)


# ---------------------------------------------------------------------------------------------------
# maximum and minimum: which zero wins
# ---------------------------------------------------------------------------------------------------

def maximum(a, b):
    """PyTorch's ``maximum``: NaN where either is NaN, else the larger; of two equal values (0.0 and
    -0.0) ``a``, as its scalar code does (its vector code picks ``b``: which one a tensor's elements get
    depends on the CPU)."""
    return _pick(a, b, a < b)


def minimum(a, b):
    return _pick(a, b, b < a)


def _pick(a, b, take_b):
    out = np.where(take_b, b, a)
    if out.dtype.kind == "f":
        out = np.where(np.isnan(a) | np.isnan(b), np.array(np.nan, out.dtype), out)
    return out


def relu(a):
    """PyTorch's ``clamp_min(a, 0)``: +0.0 for negatives, every other element bit for bit (-0.0 and NaN
    too).  ``np.maximum`` is right except for which zero a zero gives (that depends on NumPy's CPU
    code): the zeros are put back afterwards."""
    zero = a.dtype.type(0)
    if a.size >= 4096 or not a.ndim:  # (NumPy's maximum of 0-d arrays is a scalar)
        return zero_where(a < zero, a)
    out = np.maximum(a, zero)
    zeros = a == zero
    if zeros.any():
        np.copyto(out, a, where=zeros)
    return out


def zero_where(mask, values):
    """``mask ? 0 : value`` as PyTorch's kernels compute it (relu, its gradient): +0.0 where ``mask``,
    every other element bit for bit (-0.0 and NaN too).  On large arrays an AND with an integer bit
    mask does it about four times faster than ``np.where``, which branches per element (on small ones
    the extra calls cost more than they save)."""
    if values.size < 4096 or values.dtype.kind not in "fiu" or not (
            (values.flags.c_contiguous and mask.flags.c_contiguous) or (values.flags.f_contiguous and mask.flags.f_contiguous)):
        return np.where(mask, values.dtype.type(0), values)
    bits = np.dtype(f"i{values.dtype.itemsize}")
    keep = mask.astype(bits)  # 1 where zeroed ...
    keep -= 1  # ... now 0 there, and all bits set elsewhere
    return np.bitwise_and(values.view(bits), keep, out=keep).view(values.dtype)


# ---------------------------------------------------------------------------------------------------
# Powers with a number as the exponent
# ---------------------------------------------------------------------------------------------------

def power(a, exponent):
    """``a ** exponent`` as PyTorch's kernel computes it: small whole and half exponents by
    multiplication, division and square root (``x ** 3`` is ``x * x * x``), the rest by ``pow``."""
    kind = a.dtype.kind
    if exponent == 2:
        return a * a
    if exponent == 3:
        return a * a * a
    if kind == "f":
        with np.errstate(divide="ignore", invalid="ignore"):
            if exponent == 0.5:
                return np.sqrt(a)
            if exponent == -0.5:
                return 1 / np.sqrt(a)  # PyTorch's rsqrt; it can differ from this in the last bit
            if exponent == -1:
                return 1 / a
            if exponent == -2:
                return 1 / (a * a)
            if a.dtype == _F32:  # computed in float64 and rounded once: closer to PyTorch's (SLEEF's) powf
                return np.power(a.astype(_F64), exponent).astype(_F32)
            return np.power(a, a.dtype.type(exponent))
    return np.power(a, exponent).astype(a.dtype, copy=False)


def power_tensor(a, b):
    """``a ** b`` elementwise; float32 computed in float64 and rounded once (closer to PyTorch's SLEEF
    powf than NumPy's float32 routine)."""
    if a.dtype == _F32 and b.dtype == _F32:
        return np.power(a.astype(_F64), b.astype(_F64)).astype(_F32)
    return a ** b


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


# ---------------------------------------------------------------------------------------------------
# sum and mean: PyTorch's cascade summation
# ---------------------------------------------------------------------------------------------------
#
# PyTorch's CPU kernel (ATen's "cascade sum") adds floating-point numbers in its own order: vectors of
# 8 float32 (4 float64) lanes, four independent accumulators, and a four-level cascade that adds chunks
# of at least 16 rows before adding the chunks' sums.  Every addition is rounded in the tensor's dtype.
# The functions below follow that order with NumPy, vectorised over every output of the reduction.
# (Exact for tensors up to 32768 elements; PyTorch splits bigger sums between threads.)

def _running_sum(values, axis=0):
    """v0 + v1 + v2 + ... along ``axis``, each addition rounded: strictly left to right.

    (PyTorch starts from 0; that only turns a -0 result into +0, which ``sum`` does at the end.)"""
    shape = values.shape
    if shape[axis] <= 1:
        if shape[axis] == 0:
            return np.zeros(shape[:axis] + shape[axis + 1:], values.dtype)
        return values[(slice(None),) * axis + (0,)]
    if values.flags.c_contiguous and values.size > math.prod(shape[:axis + 1]):
        # NumPy adds the slices one after the other when the reduced axis is not its innermost loop
        # (row-major, with elements kept after that axis); otherwise it would add in pairs
        return np.add.reduce(values, axis=axis)
    return np.add.accumulate(values, axis=axis)[(slice(None),) * axis + (-1,)]


def _cascade(rows):
    """PyTorch's multi_row_sum: ``rows`` has the summed axis first, any number of independent slots after.

    Rows are added in chunks of ``step`` (level 0); every ``step`` chunks the running sum moves up a
    level (1 to 3); at the end the rows that did not fill a chunk and the levels are added, in order.
    """
    size = rows.shape[0]
    step = 1 << max(4, (size - 1).bit_length() // 4)
    if size <= step:  # at most one chunk: level 0 holds everything (a full chunk moves up alone)
        return _running_sum(rows)
    full = size // step * step
    if full == step:  # one chunk
        chunks = _running_sum(rows[:step])[None]
    else:
        chunks = _running_sum(rows[:full].reshape((full // step, step) + rows.shape[1:]), 1)  # level 0
    if len(chunks) < step:  # only level 1 was used
        level1 = _running_sum(chunks)
        return level1 if full == size else _running_sum(rows[full:]) + level1
    levels = []
    for _ in range(2):  # levels 1 and 2: running sums of `step` items, flushed upwards when complete
        complete = len(chunks) // step * step
        levels.append(_running_sum(chunks[complete:]))  # what stays in this level at the end
        if not complete:
            break
        chunks = _running_sum(chunks[:complete].reshape((complete // step, step) + chunks.shape[1:]), 1)
    else:
        levels.append(_running_sum(chunks))  # level 3 keeps everything it gets
    return _running_sum(np.stack([_running_sum(rows[full:])] + levels))  # level 0 (the rest), then 1, 2, 3


def _row_sum(rows):
    """PyTorch's row_sum: four interleaved accumulators over the summed (first) axis; the rows that do
    not make a group of four go to the first accumulator, then the other three are added to it."""
    quads = rows.shape[0] // 4
    partial = _cascade(rows[:quads * 4].reshape((quads, 4) + rows.shape[1:]))
    if quads * 4 == rows.shape[0]:
        return _running_sum(partial)
    return _running_sum(np.concatenate((partial[:1], rows[quads * 4:], partial[1:])))


def _vectorized_inner(block):
    """The reduced axis (first) is contiguous: vectors of lanes with four accumulators; then, from
    zero, the elements after the last full vector one by one, then the lanes one by one."""
    lanes = 32 // block.dtype.itemsize
    vectors = block.shape[0] // lanes * lanes
    lane_sums = _row_sum(block[:vectors].reshape((vectors // lanes, lanes) + block.shape[1:]))
    if vectors == block.shape[0]:
        return _running_sum(lane_sums)
    return _running_sum(np.concatenate((block[vectors:], lane_sums)))


def _vectorized_outer(block):
    """The kept axis (second) is contiguous: four vectors of columns at a time with one cascade each,
    the remaining columns with four accumulators over the reduced axis."""
    wide = block.shape[1] // (128 // block.dtype.itemsize) * (128 // block.dtype.itemsize)
    if wide == 0:
        return _row_sum(block)
    return np.concatenate((_cascade(block[:, :wide]), _row_sum(block[:, wide:])))


def _scalar_outer(block):
    """Neither axis contiguous, the kept one faster: four columns at a time, then one by one."""
    four = block.shape[1] // 4 * 4
    return np.concatenate((_cascade(block[:, :four]), _row_sum(block[:, four:])))


def sum(array, axes=None, keepdims=False):
    """``array.sum(axes)`` added in PyTorch's order (floating-point arrays; others use NumPy)."""
    ndim, dtype = array.ndim, array.dtype
    axes = tuple(range(ndim)) if axes is None else tuple(sorted(axes))
    if dtype.kind != "f" or array.size == 0 or not axes:
        return np.sum(array, axis=axes, keepdims=keepdims)
    zero = dtype.type(0)  # PyTorch's sum starts from +0, so it is never -0
    plan = _plan(array.shape, array.strides, axes, dtype.itemsize)
    if plan.whole and (array.flags.c_contiguous or array.flags.f_contiguous):
        # everything, in one block of memory: PyTorch sums it as one row, in memory order
        row = array.ravel(order="K")
        total = (_vectorized_inner(row) if row.size >= 32 // dtype.itemsize else _row_sum(row)) + zero
        return np.array(total).reshape(plan.out_shape if keepdims else plan.result_shape).copy()  # a new array
    # The data as TensorIterator walks it: (size0, size1, outer dims...), fastest first.  (Steps that
    # would change nothing are None in the plan.)
    values = array if plan.order is None else array.transpose(plan.order)
    if plan.view_shape is not None:
        values = values.reshape(plan.view_shape)
    if plan.fastest_first is not None:
        values = values.transpose(plan.fastest_first)
    if plan.kernel is not None:
        values = plan.kernel(values)
    # Each call of the 2-D loop adds into the output: values landing on the same output element add up
    # in the order the loops visit them.
    if plan.kept_then_summed is not None:
        values = values.transpose(plan.kept_then_summed)
    if plan.summed_outer:
        values = _running_sum(values.reshape(plan.kept_sizes + (-1,)), len(plan.kept_sizes))
    values = (values + zero).reshape(plan.kept_dim_sizes).transpose(plan.to_output)
    result = values.reshape(plan.out_shape if keepdims else plan.result_shape)
    return result if result.base is None else result.copy()  # a new array, not a view


class _Plan:
    """How PyTorch's kernel walks one (shape, strides, reduced dims): computed once per layout."""


@functools.lru_cache(maxsize=512)
def _plan(shape, strides, axes, itemsize):
    ndim = len(shape)
    out_strides, step = [0] * ndim, 1  # the output: C-contiguous over the kept dims
    for d in reversed(range(ndim)):
        if d not in axes:
            out_strides[d], step = step, step * shape[d]
    groups = _iterator_dims(shape, [st // itemsize for st in strides], out_strides)
    plan = _Plan()
    plan.order = tuple(d for g in reversed(groups) for d in reversed(g[3]))  # slowest first
    plan.view_shape = tuple(g[0] for g in reversed(groups))
    if len(groups) == 1:
        groups = groups + [[1, 0, 0, []]]
        plan.view_shape = (1,) + plan.view_shape
    # the view's axes are slowest first: reverse them, with the reduced dim of the 2-D loop first
    fastest_first = list(reversed(range(len(groups))))
    if groups[0][2] != 0 and groups[1][2] == 0:
        groups = [groups[1], groups[0]] + groups[2:]
        fastest_first[:2] = fastest_first[1::-1]
    plan.fastest_first = tuple(fastest_first)
    (size0, in0, out0, _), (size1, in1, _, _) = groups[0], groups[1]
    lanes = 32 // itemsize
    if out0 != 0:  # nothing reduced inside the 2-D loop: every element adds to its own output
        plan.kernel, value_dims = None, groups
    else:
        if in0 == 1 and size0 >= lanes:
            plan.kernel = _vectorized_inner
        elif in1 == 1 and size1 >= lanes:
            plan.kernel = _vectorized_outer
        elif in0 < in1:
            plan.kernel = _row_sum
        else:
            plan.kernel = _scalar_outer
        value_dims = groups[1:]
    # values: one axis per value dim, fastest first; visiting order is slowest first
    kept = [i for i, g in enumerate(value_dims) if g[2] != 0][::-1]
    summed = [i for i, g in enumerate(value_dims) if g[2] == 0][::-1]
    plan.kept_then_summed = tuple(kept + summed)
    plan.summed_outer = bool(summed)
    plan.kept_sizes = tuple(value_dims[i][0] for i in kept)
    kept_dims = [d for i in kept for d in reversed(value_dims[i][3])]
    plan.kept_dim_sizes = tuple(shape[d] for d in kept_dims)
    plan.to_output = tuple(np.argsort(kept_dims).tolist())
    plan.out_shape = tuple(1 if d in axes else size for d, size in enumerate(shape))
    plan.result_shape = tuple(size for d, size in enumerate(shape) if d not in axes)
    plan.whole = all(size == 1 for d, size in enumerate(shape) if d not in axes)  # nothing kept but 1s
    # steps that change nothing are left out at run time
    walked = tuple(shape[d] for d in plan.order)
    plan.view_shape = None if plan.view_shape == walked else plan.view_shape
    for step in ("order", "fastest_first", "kept_then_summed"):
        if getattr(plan, step) == tuple(range(len(getattr(plan, step)))):
            setattr(plan, step, None)
    return plan


def _iterator_dims(shape, in_strides, out_strides):
    """PyTorch's TensorIterator for a reduction: [size, input stride, output stride, the array's dims in
    it] per dim, fastest first -- reduced dims first, then by stride -- with neighbours merged where the
    strides allow."""
    dims = [[shape[d], in_strides[d], out_strides[d], [d]] for d in reversed(range(len(shape)))]

    def should_swap(a, b):  # 1: a goes after b; -1: before; 0: undecided
        for k in (2, 1):  # the output's strides first, then the input's
            s0, s1 = a[k], b[k]
            if k == 2 and (s0 == 0) != (s1 == 0):
                return 1 if s1 == 0 else -1
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if a[0] > b[0]:
                return 1
        return 0

    _layout.iterator_sort(dims, should_swap)
    merged = [dims[0]]
    for size, in_stride, out_stride, members in dims[1:]:
        prev = merged[-1]
        if prev[0] == 1 or size == 1 or (prev[0] * prev[1] == in_stride and prev[0] * prev[2] == out_stride):
            if prev[0] == 1:
                prev[1], prev[2] = in_stride, out_stride
            prev[0] *= size
            prev[3] = prev[3] + members
        else:
            merged.append([size, in_stride, out_stride, members])
    return merged


# ---------------------------------------------------------------------------------------------------
# norm: PyTorch's vector_norm kernel
# ---------------------------------------------------------------------------------------------------
#
# The 2-norm over one contiguous block per result (the whole of a contiguous tensor, or its last dim)
# is vectorised in PyTorch: the squares go into 8 float32 (4 float64) lanes, the lanes are added one
# by one, then the elements after the last full vector: in groups of four with their squares rounded,
# the last one to three with a fused multiply-add.  Every other case (other p, other layouts) adds
# term after term in the order PyTorch's iterator walks the memory.  All in the tensor's dtype, so a
# float32 norm overflows to inf where its squares' sum does.

def norm(array, p, axes=None, keepdims=False):
    """``array.norm(p, dim=axes)`` computed as PyTorch computes it (floating-point arrays)."""
    ndim, shape = array.ndim, array.shape
    axes = tuple(range(ndim)) if axes is None else tuple(sorted(axes))
    kept_shape = tuple(1 if d in axes else n for d, n in enumerate(shape)) if keepdims else \
        tuple(n for d, n in enumerate(shape) if d not in axes)
    if array.size == 0:
        return np.full(kept_shape, np.inf if p < 0 else 0, array.dtype)
    if all(shape[d] == 1 for d in axes):  # nothing to add up: |x| (or x != 0)
        single = (array != 0).astype(array.dtype) if p == 0 else np.abs(array)
        return single.reshape(kept_shape)
    order, row_size, vectorized, kept_dims = _norm_plan(shape, array.strides, axes, array.itemsize)
    # one row per result, its terms in the order PyTorch visits them
    rows = array.transpose(order).reshape((-1, row_size))
    if p == 2 and vectorized:
        total = _norm2_vectorized(rows)
    elif p == 0:
        total = _running_sum((rows != 0).astype(array.dtype).T)
    elif p == 1:
        total = _running_sum(np.abs(rows).T)
    elif p == 2:
        total = _running_sum((rows * rows).T)
    elif np.isinf(p):
        total = (np.max if p > 0 else np.min)(np.abs(rows), axis=1)
        total = np.where(np.isnan(rows).any(axis=1), np.nan, total).astype(array.dtype)
    else:
        # each power rounded once (float32 ones through float64), the exponent 1/p in the dtype
        f, wide = array.dtype.type, _F64 if array.dtype == _F32 else array.dtype.type
        terms = (np.abs(rows).astype(wide) ** wide(f(p))).astype(array.dtype)
        total = (_running_sum(terms.T).astype(wide) ** wide(f(1) / f(p))).astype(array.dtype)
    if p == 2:
        total = np.sqrt(total)
    total = total.reshape(tuple(shape[d] for d in kept_dims)).transpose(np.argsort(kept_dims))
    return np.ascontiguousarray(total).reshape(kept_shape)


@functools.lru_cache(maxsize=512)
def _norm_plan(shape, strides, axes, itemsize):
    """How PyTorch's iterator walks (shape, strides) for a reduction over ``axes``: the array's dims in
    visiting order (kept ones first), the number of terms per result, whether the 2-norm kernel's
    vectorised path applies (one contiguous block per result), and the kept dims in visiting order."""
    ndim = len(shape)
    out_strides, step = [0] * ndim, 1
    for d in reversed(range(ndim)):
        if d not in axes:
            out_strides[d], step = step, step * shape[d]
    groups = _iterator_dims(shape, [s // itemsize for s in strides], out_strides)
    kept = [g for g in reversed(groups) if g[2] != 0]  # slowest first
    summed = [g for g in reversed(groups) if g[2] == 0]
    order = tuple(d for g in kept + summed for d in reversed(g[3]))
    vectorized = len(summed) == 1 and groups[0][2] == 0 and groups[0][1] == 1
    return order, int(np.prod([g[0] for g in summed])), vectorized, [d for g in kept for d in reversed(g[3])]


def _norm2_vectorized(rows):
    """The sum of squares of each row, in the vectorised kernel's order (see above)."""
    lanes = 32 // rows.dtype.itemsize
    n = rows.shape[1]
    vectors = n - n % lanes
    squares = rows * rows
    if vectors:
        total = _running_sum(_running_sum(squares[:, :vectors].reshape(len(rows), -1, lanes), 1).T)
    else:
        total = np.zeros(len(rows), rows.dtype)
    fours = vectors + (n - vectors) // 4 * 4
    for i in range(vectors, fours):
        total = total + squares[:, i]
    for i in range(fours, n):
        total = fma(rows[:, i], rows[:, i], total)
    return total
