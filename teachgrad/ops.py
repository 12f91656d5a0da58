"""teachgrad's built-in differentiable operations.

Each op is a class with ``forward`` and ``backward`` side by side, both on NumPy arrays.  ``forward``
saves what ``backward`` will need with ``ctx.save_for_backward`` (freed after backward); small facts
such as shapes go on ``ctx`` directly.  ``backward`` receives the gradient of the loss w.r.t. the op's
output and returns one gradient per positional input: the chain rule, one link at a time.  Where
inputs were broadcast, ``backward`` may return gradients in the output's shape: ``Op`` sums them back
to each input's shape.  The node that ends up in ``grad_fn`` is named after the op: ``Mul`` ->
``MulBackward0``.

Checking arguments and PyTorch's type promotion happen before an op runs, in ``tensor_methods.py``.
"""

import numpy as np

from ._dtypes import default_float
from . import _checks, _exact, _indexing, _layout, factories
from ._exact import fma
from .function import Op

# --- arithmetic (broadcasting: the gradient is summed back to each input's shape) --------------------


def _alpha_in(dtype, alpha):
    """PyTorch first converts ``alpha`` to the computation's dtype (float32 rounds it)."""
    return np.dtype(dtype).type(alpha)


class Add(Op):
    """``a + alpha * b``; with ``alpha`` the product and the sum are rounded once, as in PyTorch."""
    layout = "elementwise"
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        if alpha == 1:
            return a + b
        dtype = np.result_type(a, b)  # a number b is first converted to it, as PyTorch does
        return fma(b if type(b) is np.ndarray else dtype.type(b), _alpha_in(dtype, alpha), a)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad if ctx.alpha == 1 else grad * ctx.alpha


class Sub(Op):
    layout = "elementwise"
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        if alpha == 1:
            return a - b
        dtype = np.result_type(a, b)
        return fma(b if type(b) is np.ndarray else dtype.type(b), -_alpha_in(dtype, alpha), a)

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad if ctx.alpha == 1 else -grad * ctx.alpha


class Rsub(Op):
    """``number - tensor``: PyTorch records only the tensor as an input."""
    layout = "elementwise"
    node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, other):
        if a.dtype.kind in "biu" and isinstance(other, float):
            a = a.astype(default_float().numpy)
        return other - a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Mul(Op):
    layout = "elementwise"
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(b if need_a else None, a if need_b else None)  # each gradient needs the other
        return a * b

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        return None if b is None else grad * b, None if a is None else grad * a


class MulScalar(Op):
    """``tensor * number`` as PyTorch's own code calls it (the number is a setting, not an input)."""
    layout = "elementwise"
    node_name = "MulBackward1"

    @staticmethod
    def forward(ctx, a, other):
        ctx.other = other
        return a * a.dtype.type(other)

    @staticmethod
    def backward(ctx, grad):
        return grad * grad.dtype.type(ctx.other)


class DivScalar(Op):
    """``tensor / number`` as PyTorch's own code calls it."""
    layout = "elementwise"
    node_name = "DivBackward1"

    @staticmethod
    def forward(ctx, a, other):
        ctx.other = other
        return a / a.dtype.type(other)

    @staticmethod
    def backward(ctx, grad):
        return grad / grad.dtype.type(ctx.other)


class Div(Op):
    layout = "elementwise"
    promotes = broadcasts = True

    @staticmethod
    def result_dtype(common):
        return common if common.is_floating_point else default_float()  # true division

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(b, a if need_b else None)  # a's gradient needs b; b's needs both
        return a / b

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return grad / b if need_a else None, -grad * ((a / b) / b) if need_b else None


class Pow(Op):
    """``tensor ** number``: d/da a**p = p * a**(p - 1)."""
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return _exact.power(a, exponent)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        p = ctx.exponent
        if p == 0:
            return np.zeros_like(grad)
        return grad * (a.dtype.type(p) * _exact.power(a, p - 1))


class PowTensor(Op):
    """``tensor ** tensor``."""
    layout = "elementwise"
    node_name = "PowBackward1"
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        out = _exact.power_tensor(a, b)
        ctx.save_for_backward(b, a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        b, a, out = ctx.saved_tensors
        zero = grad.dtype.type(0)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:  # PyTorch: grad * (b * a ** (b - 1)), 0 where b == 0
            if ctx._input_meta[1][1].kind == "b":  # (b - 1 of a bool exponent fails there)
                raise RuntimeError(_checks.BOOL_SUBTRACTION)
            grad_a = np.where(b == 0, zero, grad * (b * _exact.power_tensor(a, b - 1)))
        if ctx.needs_input_grad[1]:  # grad * (a ** b * log(a)), 0 where a == 0 and b >= 0
            grad_b = grad * np.where((a == 0) & (b >= 0), zero, out * np.log(a))
        return grad_a, grad_b


class RPow(Op):
    """``number ** tensor``."""
    layout = "contiguous"
    node_name = "PowBackward2"

    @staticmethod
    def forward(ctx, a, base):
        out = np.power(base, a, dtype=a.dtype)
        ctx.save_for_backward(a, out)
        ctx.base = base
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        local = out * out.dtype.type(np.log(ctx.base))  # d base**a / da = base**a * log(base)
        if ctx.base == 0:  # PyTorch: 0 where a >= 0 (0 ** a is flat there)
            local = np.where(a >= 0, out.dtype.type(0), local)
        return grad * local


# --- elementwise functions --------------------------------------------------------------------------

class Sign(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        return sign(a)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Neg(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


def sign(a):
    """PyTorch's sign: 1, -1 or 0, and 0 for NaN and for -0.0 (NumPy's keeps both)."""
    if a.dtype == np.bool_:
        return a.copy()
    return (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)


class Abs(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad * sign(a)


class Exp(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        out = _exact.once(np.exp, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out


class Log(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _exact.once(np.log, a)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad / a


class Sqrt(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad / (2 * out)


class Sin(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _exact.once(np.sin, a)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad * _exact.once(np.cos, a)


class Cos(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _exact.once(np.cos, a)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return -grad * _exact.once(np.sin, a)


class Reciprocal(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        out = 1 / a
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return -grad * (out * out)


def clamp_min(a, low):
    """``a < low ? low : a``, PyTorch's order of comparison: -0.0 and NaN pass through unchanged."""
    out = a.copy(order="K")
    np.putmask(out, a < low, low)  # (cheaper than np.where)
    return out


def clamp_max(a, high):
    out = a.copy(order="K")
    np.putmask(out, a > high, high)
    return out


class Relu(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        out = _exact.relu(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return _exact.zero_where(out <= 0, grad)  # not a product: no -0.0 where grad is negative


class Sigmoid(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        # PyTorch's formula, 1 / (1 + exp(-a)) (exp overflows to inf for a < -88: the result is 0)
        e = _exact.once(np.exp, -a)
        one = a.dtype.type(1)
        out = one / (one + e)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (1 - out) * out


class Tanh(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        out = _exact.once(np.tanh, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * fma(-out, out, np.ones_like(out))  # PyTorch's compiled 1 - out * out: one rounding


class Clamp(Op):
    layout = "elementwise"
    node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, a, min=None, max=None):
        ctx.save_for_backward(a)
        ctx.bounds = min, max
        out = a
        if min is not None:
            out = clamp_min(out, a.dtype.type(min))
        if max is not None:
            out = clamp_max(out, a.dtype.type(max))
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        low, high = ctx.bounds
        inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        return np.where(inside, grad, 0)


# --- reductions ---------------------------------------------------------------------------------------

def _expand_back(grad, shape, dim, keepdim):
    """Undo a reduction's shape change: ``grad`` expanded over the reduced input (a view, as in PyTorch)."""
    if dim is not None and not keepdim:
        grad = np.expand_dims(grad, dim)
    return _layout.expanded(grad, shape)


class Sum(Op):
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dtype=None):
        ctx.shape = a.shape
        return _exact.sum(a if dtype is None else a.astype(dtype))

    @staticmethod
    def backward(ctx, grad):
        return _layout.expanded(grad, ctx.shape)


class SumDim(Op):
    layout = "contiguous"
    node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False, dtype=None):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        return _exact.sum(a if dtype is None else a.astype(dtype), dim, keepdim)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.dim, ctx.keepdim)


class Mean(Op):
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dtype=None):
        ctx.shape = a.shape
        a = a if dtype is None else a.astype(dtype)
        return _exact.sum(a) / a.dtype.type(a.size)  # PyTorch: the sum, then one division

    @staticmethod
    def backward(ctx, grad):
        return np.broadcast_to(grad, ctx.shape) / max(int(np.prod(ctx.shape)), 1)  # expanded, then divided


class MeanDim(Op):
    layout = "contiguous"
    node_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False, dtype=None):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        ctx.count = a.size if dim is None else int(np.prod([a.shape[d] for d in dim]))
        a = a if dtype is None else a.astype(dtype)
        return _exact.sum(a, dim, keepdim) / a.dtype.type(ctx.count)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.dim, ctx.keepdim) / ctx.count


class Maximum(Op):
    """Elementwise maximum of two tensors; where they tie, each gets half the gradient, as in PyTorch."""
    layout = "elementwise"
    promotes = broadcasts = True
    pick = staticmethod(_exact.maximum)

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(b, a)
        return cls.pick(a, b)

    @classmethod
    def backward(cls, ctx, grad):
        b, a = ctx.saved_tensors
        a_loses, b_loses = (a < b, a > b) if cls.pick is _exact.maximum else (a > b, a < b)
        both = np.where(a == b, grad / 2, grad)
        return np.where(a_loses, 0, both), np.where(b_loses, 0, both)


class Minimum(Maximum):
    pick = staticmethod(_exact.minimum)


class Max(Op):
    """Maximum of all elements; ties share the gradient equally, as in PyTorch."""
    layout = "contiguous"
    node_name = "MaxBackward1"
    reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, a):
        out = np.asarray(cls.reduce(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        winners = np.isnan(a) if out != out else a == out  # (all NaNs, when the result is NaN)
        return np.where(winners, grad / grad.dtype.type(winners.sum()), grad.dtype.type(0))


class Min(Max):
    node_name = "MinBackward1"
    reduce = staticmethod(np.min)


class MaxDim(Op):
    """Maximum along ``dim`` (the caller finds the positions); the gradient goes to the picked elements."""
    layout = "contiguous"
    node_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, a, indices, dim, keepdim=False):
        ctx.save_for_backward(indices)  # the indices returned with the values (changing them breaks backward)
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        if a.ndim == 0:  # the only element
            return a.copy()
        values = np.take_along_axis(a, indices if keepdim else np.expand_dims(indices, dim), axis=dim)
        return values if keepdim else np.squeeze(values, dim)

    @staticmethod
    def backward(ctx, grad):
        indices, = ctx.saved_tensors
        if not ctx.shape:
            return grad
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if not ctx.keepdim:
            grad, indices = np.expand_dims(grad, ctx.dim), np.expand_dims(indices, ctx.dim)
        np.put_along_axis(out, indices, grad, axis=ctx.dim)
        return out


class MinDim(MaxDim):
    node_name = "MinBackward0"


class Norm(Op):
    """The p-norm, over everything or along ``dim``."""
    layout = "contiguous"
    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, a, p=2, dim=None, keepdim=False):
        out = _exact.norm(a, p, dim, keepdim)  # in PyTorch's order and dtype (a float32 sum can overflow)
        ctx.save_for_backward(a, out)
        ctx.p, ctx.dim, ctx.keepdim = p, dim, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        """PyTorch's formulas, case by case (its masks give 0 where the norm is 0)."""
        a, out = ctx.saved_tensors
        p, zero = ctx.p, a.dtype.type(0)
        if p == 0:
            return None
        if ctx.dim is not None and not ctx.keepdim and a.ndim:
            grad, out = np.expand_dims(grad, ctx.dim), np.expand_dims(out, ctx.dim)
        if p == 1:
            return sign(a) * grad
        if p == 2:
            return grad * np.where(out == 0, zero, a / out)
        if np.isinf(p):
            winners = (np.abs(a) == out) | np.isnan(a)
            count = np.sum(winners, axis=ctx.dim, keepdims=True).astype(a.dtype)
            return sign(a) * ((grad / count) * winners)
        if p < 1:
            scaled = sign(a) * np.where(a == 0, zero, np.abs(a) ** a.dtype.type(p - 1))
            return scaled * grad * out ** a.dtype.type(1 - p)
        scaled = sign(a) * np.abs(a) ** a.dtype.type(p - 1) if p < 2 else a * np.abs(a) ** a.dtype.type(p - 2)
        return scaled * np.where(out == 0, zero, grad / out ** a.dtype.type(p - 1))


# --- matrix products ---------------------------------------------------------------------------------

def matrix_product(a, b):
    """``a @ b`` for matrices.  With a single inner term (k = 1) and more than one row and column,
    PyTorch's BLAS writes each product itself, so a product of -1 and 0 stays -0.0."""
    if a.shape[1] == 1 and a.shape[0] > 1 and b.shape[1] > 1:
        return a * b
    return _mm(a, b)


def _mm(a, b):
    """``a @ b`` for matrices.  Where both are contiguous (row- or column-major) ``np.dot`` makes the very
    same BLAS call with less overhead; otherwise the two may add up in different orders."""
    if (a.flags.c_contiguous or a.flags.f_contiguous) and (b.flags.c_contiguous or b.flags.f_contiguous):
        return np.dot(a, b)
    return a @ b


def column_major(matrix):
    return matrix.strides[0] == matrix.itemsize and matrix.strides[1] == matrix.shape[0] * matrix.itemsize


def mm_gradients(ctx, grad, a, b):
    """The gradients of ``a @ b``: ``grad @ b.T`` and ``a.T @ grad``; for an input stored column by
    column (a transposed matrix) PyTorch computes the transposed product and transposes it back, so
    that the gradient is laid out like the input."""
    a_columns, b_columns = ctx.column_major
    grad_a = grad_b = None
    if b is not None:
        grad_a = _mm(b, grad.T).T if a_columns else _mm(grad, b.T)
    if a is not None:
        grad_b = _mm(grad.T, a).T if b_columns else _mm(a.T, grad)
    return grad_a, grad_b


class Mm(Op):
    """matrix @ matrix"""
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(b if need_a else None, a if need_b else None)  # each gradient needs the other
        ctx.column_major = column_major(a), column_major(b)
        return matrix_product(a, b)

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        return mm_gradients(ctx, grad, a, b)


class Mv(Op):
    """matrix @ vector"""
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)  # each gradient needs the other
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return None if b is None else np.outer(grad, b), None if a is None else a.T @ grad


class Dot(Op):
    """vector @ vector"""
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)  # each gradient needs the other
        return np.dot(a, b) + a.dtype.type(0)  # BLAS adds up from +0.0: never -0.0

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return None if b is None else grad * b, None if a is None else grad * a


class Bmm(Op):
    """batch of matrices @ batch of matrices (same batch size)"""
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(b if need_a else None, a if need_b else None)  # each gradient needs the other
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        return (None if b is None else grad @ np.swapaxes(b, 1, 2),
                None if a is None else np.swapaxes(a, 1, 2) @ grad)


# --- shape ops (the gradient is reshaped, transposed or scattered back) -------------------------------

class View(Op):
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Permute(Op):
    is_view = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, np.argsort(ctx.dims))


class Transpose(Op):
    is_view = True

    @staticmethod
    def forward(ctx, a, dim0, dim1):
        ctx.dims = dim0, dim1
        return np.swapaxes(a, dim0, dim1) if a.ndim else a.view()

    @staticmethod
    def backward(ctx, grad):
        return np.swapaxes(grad, *ctx.dims) if grad.ndim else grad.view()


class T(Op):
    """``t()``: transpose of a matrix; vectors and scalars pass through."""
    is_view = True

    @staticmethod
    def forward(ctx, a):
        return a.T

    @staticmethod
    def backward(ctx, grad):
        return grad.T


class Squeeze(View):
    node_name = "SqueezeBackward0"


class SqueezeDim(View):
    node_name = "SqueezeBackward1"


class Unsqueeze(View):
    node_name = "UnsqueezeBackward0"


class SqueezeDims(View):
    node_name = "SqueezeBackward2"


class SqueezeLast(View):
    """vector @ matrix drops the row it added with an in-place squeeze of a fresh result: not a view."""
    node_name = "SqueezeBackward4"
    is_view = False


class ReshapeAlias(View):
    """``reshape`` of a tensor that is not contiguous but can still be viewed in the new shape."""
    node_name = "ReshapeAliasBackward0"


class UnsafeView(View):
    """A reshape of a fresh result (matmul's batch folding): not a view of anything the user holds."""
    is_view = False


class Expand(Op):
    is_view = broadcasts = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.of_number = a.ndim == 0
        return _layout.expanded(a, shape)

    @staticmethod
    def backward(ctx, grad):
        if ctx.of_number:  # PyTorch sums even a gradient of the same shape: a new tensor
            return _exact.sum(grad)
        return grad  # in the expanded shape: Op sums it back


class Repeat(Op):
    """``repeat``: tiles of the input; each input element's gradient is the sum over its copies."""
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, repeats):
        ctx.shape, ctx.repeats = a.shape, repeats
        return np.tile(a.reshape((1,) * (len(repeats) - a.ndim) + a.shape), repeats)

    @staticmethod
    def backward(ctx, grad):
        repeats, shape = ctx.repeats, ctx.shape
        if 0 in repeats:
            return np.zeros(shape, grad.dtype)
        added = len(repeats) - len(shape)
        for _ in range(added):  # PyTorch: the dims repeat() added in front are summed first, one by one
            grad = _exact.sum(grad, (0,))
        # then each repeated dim is split into (copies, size) and all the copies are summed at once
        split, copies = [], []
        for size, repeat in zip(shape, repeats[added:]):
            if repeat != 1:
                copies.append(len(split))
                split.append(repeat)
            split.append(size)
        return _exact.sum(grad.reshape(split), tuple(copies)) if copies else grad


class Diagonal(Op):
    """``diagonal(offset, dim1, dim2)``: a view of the diagonal, moved to the last dimension."""
    is_view = True

    @staticmethod
    def forward(ctx, a, offset=0, dim1=0, dim2=1):
        ctx.shape, ctx.settings = a.shape, (offset, dim1, dim2)
        diag = np.diagonal(a, offset, dim1, dim2)  # read-only; the same view, writable like PyTorch's:
        dim, skip = (dim2, offset) if offset >= 0 else (dim1, -offset)  # strides from the first diagonal element
        first = a[(slice(None),) * dim + (slice(skip, None),)]
        return np.lib.stride_tricks.as_strided(first, diag.shape, diag.strides)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        offset, dim1, dim2 = ctx.settings
        Diagonal.forward(ctx, out, offset, dim1, dim2)[...] = grad
        return out


class Alias(Op):
    """``t[...]``: the same tensor as a view (PyTorch's AliasBackward0)."""
    is_view = True

    @staticmethod
    def forward(ctx, a, key=None):
        return a.view()

    @staticmethod
    def backward(ctx, grad):
        return grad


class Index(Op):
    """Advanced indexing (lists, tensors, masks); repeated indices add up in backward."""
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, key, indices=()):
        # ``indices``: the tensors in the index.  PyTorch keeps them for backward (so a later in-place
        # change of one is an error there): the index is saved, and its arrays, to check their versions.
        ctx.shape = a.shape
        ctx.save_for_backward(key, *_indexing.arrays_in(key))
        return np.array(a[key])  # advanced indexing copies, as in PyTorch

    @staticmethod
    def backward(ctx, grad):
        key = ctx.saved_tensors[0]
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, key, grad)
        return out


class Select(Op):
    """Basic indexing with integers and slices: the result is a view of the input."""
    is_view = True

    @staticmethod
    def forward(ctx, a, key):
        ctx.shape, ctx.key = a.shape, key
        return a[key]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        out[ctx.key] = grad
        return out


class Slice(Select):
    pass


class IndexPut(Op):
    """``t[index] = value`` with tensors, lists or masks in the index: the overwritten entries' old values
    get no gradient; each value's gradient is the output gradient where it was written."""
    broadcasts = True

    @staticmethod
    def forward(ctx, a, value, key, indices=()):
        ctx.save_for_backward(key, *_indexing.arrays_in(key))  # as Index does
        out = a.copy()
        out[key] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        key = ctx.saved_tensors[0]
        grad_a = grad.copy()
        grad_a[key] = 0
        return grad_a, np.asarray(grad[key])


class Cat(Op):
    layout = "contiguous"
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        ctx.splits = np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.split(grad, ctx.splits, axis=ctx.dim))


class Stack(Op):
    layout = "contiguous"
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.moveaxis(grad, ctx.dim, 0))


class Where(Op):
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, b, condition):
        ctx.save_for_backward(condition)
        return _layout.elementwise(np.where(condition, a, b), (condition, a, b))

    @staticmethod
    def backward(ctx, grad):
        condition, = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (np.where(condition, grad, 0) if need_a else None,
                np.where(condition, 0, grad) if need_b else None)


class Clone(Op):
    """A copy: laid out like ``a`` (PyTorch's ``preserve_format``), or row-major for ``contiguous()``."""

    @staticmethod
    def forward(ctx, a, contiguous=False):
        return np.array(a, order="C") if contiguous else _layout.like(a.copy(), a)

    @staticmethod
    def backward(ctx, grad):
        return grad


class ToCopy(Op):
    """A dtype conversion; the gradient is converted back."""
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype)


# --- softmax family -----------------------------------------------------------------------------------

class Softmax(Op):
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim):
        e = np.exp(a - a.max(axis=dim, keepdims=True))  # shifting by the max keeps exp finite
        out = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return out * (grad - (grad * out).sum(axis=ctx.dim, keepdims=True))


class LogSoftmax(Op):
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim):
        shifted = a - a.max(axis=dim, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.dim, keepdims=True)


# --- what in-place methods and detach() run ------------------------------------------------------------

class Zero(Op):
    """``zero_()``: the old values no longer matter, so their gradient is zero."""

    @staticmethod
    def forward(ctx, a):
        return np.zeros_like(a)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Fill(Op):
    """``fill_(number)``."""
    node_name = "FillBackward2"

    @staticmethod
    def forward(ctx, a, value):
        return np.full_like(a, value)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class FillTensor(Op):
    """``fill_(tensor)`` with a one-element tensor: every entry came from it."""
    node_name = "FillBackward3"
    broadcasts = True
    records_integer_fill = True

    @staticmethod
    def forward(ctx, a, value):
        return np.full_like(a, value.reshape(()))

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), _exact.sum(grad)


class RandomFill(Op):
    """``normal_()``, ``uniform_()``, ``bernoulli_()``, ``random_()``: new values drawn by ``sample(shape,
    contiguous)`` in PyTorch's order; the old values get no gradient."""

    @staticmethod
    def forward(ctx, a, sample):
        out = np.empty_like(a)  # laid out like a, so the draws land where PyTorch puts them
        factories.fill_random(out, sample, contiguous=a.flags.c_contiguous)
        return out

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Normal(RandomFill):
    node_name = "NormalBackward0"


class Uniform(RandomFill):
    node_name = "UniformBackward0"


class Bernoulli(RandomFill):
    node_name = "BernoulliBackward2"


class BernoulliTensor(RandomFill):
    """``bernoulli_(p)`` with a tensor of probabilities: p is an input too (without gradient)."""
    node_name = "BernoulliBackward1"

    @staticmethod
    def forward(ctx, a, p, sample):
        return RandomFill.forward(ctx, a, sample)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), None


class RandomFromTo(RandomFill):
    node_name = "RandomBackward0"


class RandomTo(RandomFill):
    node_name = "RandomBackward1"


class Random(RandomFill):
    node_name = "RandomBackward2"


class Copy(Op):
    """``copy_(src)``: src is broadcast and converted to the destination's shape and dtype."""
    node_name = "CopyBackwards"
    qualified_name = "torch::autograd::CopyBackwards"
    broadcasts = True

    @staticmethod
    def forward(ctx, a, src):
        ctx.src_dtype = np.result_type(src)
        return np.array(np.broadcast_to(src, a.shape), dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), grad.astype(ctx.src_dtype, copy=False)


class Detach(Op):
    """``detach()``: the same memory and version counter, no history (never recorded)."""
    node_name = "detach"  # what the drawing tools see; no graph ever holds this node
    differentiable = False

    @staticmethod
    def forward(ctx, a):
        return a

    @classmethod
    def _forward(cls, ctx, args, arrays, kwargs):
        out = super()._forward(ctx, args, arrays, kwargs)
        out._version_box = args[0]._version_counter()
        return out
