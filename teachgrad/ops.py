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
from . import _exact
from ._exact import fma
from .function import Op

# --- arithmetic (broadcasting: the gradient is summed back to each input's shape) --------------------


def _alpha_in(dtype, alpha):
    """PyTorch first converts ``alpha`` to the computation's dtype (float32 rounds it)."""
    return np.dtype(dtype).type(alpha)


class Add(Op):
    """``a + alpha * b``; with ``alpha`` the product and the sum are rounded once, as in PyTorch."""
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        if alpha == 1:
            return a + b
        return fma(b, _alpha_in(np.result_type(a, b), alpha), a)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad if ctx.alpha == 1 else grad * ctx.alpha


class Sub(Op):
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        if alpha == 1:
            return a - b
        return fma(b, -_alpha_in(np.result_type(a, b), alpha), a)

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad if ctx.alpha == 1 else -grad * ctx.alpha


class Rsub(Op):
    """``number - tensor``: PyTorch records only the tensor as an input."""
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
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)  # each gradient needs the other
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return None if b is None else grad * b, None if a is None else grad * a


class MulScalar(Op):
    """``tensor * number`` as PyTorch's own code calls it (the number is a setting, not an input)."""
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
    node_name = "DivBackward1"

    @staticmethod
    def forward(ctx, a, other):
        ctx.other = other
        return a / a.dtype.type(other)

    @staticmethod
    def backward(ctx, grad):
        return grad / grad.dtype.type(ctx.other)


class Div(Op):
    promotes = broadcasts = True

    @staticmethod
    def result_dtype(common):
        return common if common.is_floating_point else default_float()  # true division

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad / b, -grad * ((a / b) / b)


class Pow(Op):
    """``tensor ** number``: d/da a**p = p * a**(p - 1)."""

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
    node_name = "PowBackward1"
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = np.where(b == 0, 0.0, grad * b * a ** (b - 1))
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_b = np.where((a == 0) & (b >= 0), 0.0, grad * out * np.log(a))
        return grad_a, grad_b


class RPow(Op):
    """``number ** tensor``."""
    node_name = "PowBackward2"

    @staticmethod
    def forward(ctx, a, base):
        out = np.power(base, a, dtype=a.dtype)
        ctx.save_for_backward(out)
        ctx.base = base
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out * np.log(ctx.base)


# --- elementwise functions --------------------------------------------------------------------------

class Sign(Op):
    @staticmethod
    def forward(ctx, a):
        return np.sign(a)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Neg(Op):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Abs(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad * np.sign(a)


class Exp(Op):
    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out


class Log(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad / a


class Sqrt(Op):
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
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad * np.cos(a)


class Cos(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return -grad * np.sin(a)


class Reciprocal(Op):
    @staticmethod
    def forward(ctx, a):
        out = 1 / a
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return -grad * (out * out)


class Relu(Op):
    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return np.where(out <= 0, 0, grad)  # where, not a product: no -0.0 where grad is negative


class Sigmoid(Op):
    @staticmethod
    def forward(ctx, a):
        # exp of a non-positive number only: no overflow for large |a|
        e = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (1 - out) * out


class Tanh(Op):
    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (1 - out * out)


class Clamp(Op):
    node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, a, min=None, max=None):
        ctx.save_for_backward(a)
        ctx.bounds = min, max
        return np.clip(a, min, max).astype(a.dtype, copy=False)

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
    """Undo a reduction's shape change so ``grad`` broadcasts over the reduced input."""
    if dim is not None and not keepdim:
        grad = np.expand_dims(grad, dim)
    return np.broadcast_to(grad, shape)


class Sum(Op):
    @staticmethod
    def forward(ctx, a, dtype=None):
        ctx.shape = a.shape
        return _exact.sum(a if dtype is None else a.astype(dtype))

    @staticmethod
    def backward(ctx, grad):
        return np.broadcast_to(grad, ctx.shape)


class SumDim(Op):
    node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False, dtype=None):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        return _exact.sum(a if dtype is None else a.astype(dtype), dim, keepdim)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.dim, ctx.keepdim)


class Mean(Op):
    @staticmethod
    def forward(ctx, a, dtype=None):
        ctx.shape = a.shape
        a = a if dtype is None else a.astype(dtype)
        return _exact.sum(a) / a.dtype.type(a.size)  # PyTorch: the sum, then one division

    @staticmethod
    def backward(ctx, grad):
        return np.broadcast_to(grad / max(int(np.prod(ctx.shape)), 1), ctx.shape)


class MeanDim(Op):
    node_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False, dtype=None):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        ctx.count = a.size if dim is None else int(np.prod([a.shape[d] for d in dim]))
        a = a if dtype is None else a.astype(dtype)
        return _exact.sum(a, dim, keepdim) / a.dtype.type(ctx.count)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad / ctx.count, ctx.shape, ctx.dim, ctx.keepdim)


class Maximum(Op):
    """Elementwise maximum of two tensors; where they tie, each gets half the gradient, as in PyTorch."""
    promotes = broadcasts = True
    pick = staticmethod(np.maximum)

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return cls.pick(a, b)

    @classmethod
    def backward(cls, ctx, grad):
        a, b = ctx.saved_tensors
        a_loses, b_loses = (a < b, a > b) if cls.pick is np.maximum else (a > b, a < b)
        both = np.where(a == b, grad / 2, grad)
        return np.where(a_loses, 0, both), np.where(b_loses, 0, both)


class Minimum(Maximum):
    pick = staticmethod(np.minimum)


class Max(Op):
    """Maximum of all elements; ties share the gradient equally, as in PyTorch."""
    node_name = "MaxBackward1"
    reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, a):
        out = cls.reduce(a)
        ctx.save_for_backward(a == out)
        return out

    @staticmethod
    def backward(ctx, grad):
        winners, = ctx.saved_tensors
        return grad * winners / winners.sum()


class Min(Max):
    node_name = "MinBackward1"
    reduce = staticmethod(np.min)


class MaxDim(Op):
    """Maximum along ``dim`` (the caller finds the positions); the gradient goes to the picked elements."""
    node_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, a, index, dim, keepdim=False):
        ctx.save_for_backward(index)
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        if a.ndim == 0:  # the only element
            return a.copy()
        values = np.take_along_axis(a, index, axis=dim)
        return values if keepdim else np.squeeze(values, dim)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        if not ctx.shape:
            return grad
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        grad = grad if ctx.keepdim else np.expand_dims(grad, ctx.dim)
        np.put_along_axis(out, index, grad, axis=ctx.dim)
        return out


class MinDim(MaxDim):
    node_name = "MinBackward0"


class Norm(Op):
    """The p-norm, over everything or along ``dim``."""
    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, a, p=2, dim=None, keepdim=False):
        out = np.sum(np.abs(a) ** p, axis=dim, keepdims=keepdim) ** (1.0 / p)
        out = np.asarray(out, dtype=a.dtype)
        ctx.save_for_backward(a, out)
        ctx.p, ctx.dim, ctx.keepdim = p, dim, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        shape = a.shape
        out = _expand_back(out, shape, ctx.dim, ctx.keepdim)
        grad = _expand_back(grad, shape, ctx.dim, ctx.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.sign(a) * np.abs(a) ** (ctx.p - 1) / out ** (ctx.p - 1)
        return grad * np.where(out == 0, 0.0, scale)


# --- matrix products ---------------------------------------------------------------------------------

class Mm(Op):
    """matrix @ matrix"""
    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)  # each gradient needs the other
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return None if b is None else grad @ b.T, None if a is None else a.T @ grad


class Mv(Op):
    """matrix @ vector"""
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
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.dot(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a


class Bmm(Op):
    """batch of matrices @ batch of matrices (same batch size)"""
    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)  # each gradient needs the other
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
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
        return np.swapaxes(grad, *ctx.dims) if grad.ndim else grad


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


class UnsafeView(View):
    """A reshape of a fresh result (matmul's batch folding): not a view of anything the user holds."""
    is_view = False


class Expand(Op):
    is_view = broadcasts = True

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad  # in the expanded shape: Op sums it back


class Repeat(Op):
    """``repeat``: tiles of the input; each input element's gradient is the sum over its copies."""

    @staticmethod
    def forward(ctx, a, repeats):
        ctx.shape, ctx.repeats = a.shape, repeats
        return np.tile(a.reshape((1,) * (len(repeats) - a.ndim) + a.shape), repeats)

    @staticmethod
    def backward(ctx, grad):
        own = (1,) * (len(ctx.repeats) - len(ctx.shape)) + ctx.shape
        # split every dimension into (copies, size) and sum over the copies
        split = grad.reshape([n for pair in zip(ctx.repeats, own) for n in pair])
        return _exact.sum(split, tuple(range(0, split.ndim, 2))).reshape(ctx.shape)


class Diagonal(Op):
    """``diagonal(offset, dim1, dim2)``: a view of the diagonal, moved to the last dimension."""
    is_view = True

    @staticmethod
    def forward(ctx, a, offset=0, dim1=0, dim2=1):
        ctx.shape, ctx.settings = a.shape, (offset, dim1, dim2)
        diag = np.diagonal(a, offset, dim1, dim2)  # a read-only view; make it writable like PyTorch's
        return np.lib.stride_tricks.as_strided(diag, diag.shape, diag.strides, writeable=a.flags.writeable)

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

    @staticmethod
    def forward(ctx, a, key):
        ctx.shape, ctx.dtype, ctx.key = a.shape, a.dtype, key
        return np.array(a[key])  # advanced indexing copies, as in PyTorch

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, ctx.key, grad)
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
    def forward(ctx, a, value, key):
        ctx.key = key
        out = a.copy()
        out[key] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad.copy()
        grad_a[ctx.key] = 0
        return grad_a, np.asarray(grad[ctx.key])


class Cat(Op):
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
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        condition, = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (np.where(condition, grad, 0) if need_a else None,
                np.where(condition, 0, grad) if need_b else None)


class Clone(Op):
    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class ToCopy(Op):
    """A dtype conversion; the gradient is converted back."""

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype)


# --- softmax family -----------------------------------------------------------------------------------

class Softmax(Op):
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

    @staticmethod
    def forward(ctx, a, value):
        return np.full_like(a, value.reshape(()))

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), _exact.sum(grad)


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
