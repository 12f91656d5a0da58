"""teachgrad's built-in differentiable operations.

Each op is a class with ``forward`` and ``backward`` side by side, both on NumPy arrays.  ``forward``
saves what ``backward`` will need with ``ctx.save_for_backward`` (freed after backward); small facts
such as shapes go on ``ctx`` directly.  ``backward`` receives the gradient of the loss w.r.t. the op's
output and returns one gradient per positional input: the chain rule, one link at a time.  The node
that ends up in ``grad_fn`` is named after the op: ``Mul`` -> ``MulBackward0``.
"""

import numpy as np

from .autograd import Op, unbroadcast

# --- arithmetic (broadcasting: the gradient is summed back to each input's shape) --------------------


def fused_multiply_add(a, alpha, b):
    """``a + alpha * b`` rounded once, as PyTorch's ``add(b, alpha=...)`` computes it on the CPU."""
    if alpha == 1:
        return a + b
    dtype = np.result_type(a, b)
    if dtype == np.float32:  # float64 holds the exact product, so only the final rounding remains
        alpha = np.float64(np.float32(alpha))
        return (np.asarray(a, np.float64) + alpha * np.asarray(b, np.float64)).astype(np.float32)
    return a + alpha * b


class Add(Op):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes, ctx.alpha = (np.shape(a), np.shape(b)), alpha
        return fused_multiply_add(a, alpha, b)

    @staticmethod
    def backward(ctx, grad):
        a_shape, b_shape = ctx.shapes
        return (unbroadcast(grad, a_shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad * ctx.alpha if ctx.alpha != 1 else grad, b_shape) if ctx.needs_input_grad[1] else None)


class Sub(Op):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes, ctx.alpha = (np.shape(a), np.shape(b)), alpha
        return a - b if alpha == 1 else fused_multiply_add(a, -alpha, b)

    @staticmethod
    def backward(ctx, grad):
        a_shape, b_shape = ctx.shapes
        return (unbroadcast(grad, a_shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(-grad * ctx.alpha, b_shape) if ctx.needs_input_grad[1] else None)


class Rsub(Op):
    """``number - tensor``: PyTorch records only the tensor as an input."""
    node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, other):
        return other - a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Mul(Op):
    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)  # each gradient needs the other
        ctx.shapes = np.shape(a), np.shape(b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a_shape, b_shape = ctx.shapes
        return (unbroadcast(grad * b, a_shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad * a, b_shape) if ctx.needs_input_grad[1] else None)


class Div(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (unbroadcast(grad / b, np.shape(a)) if ctx.needs_input_grad[0] else None,
                unbroadcast(-grad * a / (b * b), np.shape(b)) if ctx.needs_input_grad[1] else None)


class Pow(Op):
    """``tensor ** number``."""

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return a ** exponent

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        p = ctx.exponent
        return grad * 0.0 if p == 0 else grad * p * a ** (p - 1)


class PowTensor(Op):
    """``tensor ** tensor``."""
    node_name = "PowBackward1"

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
            grad_a = unbroadcast(np.where(b == 0, 0.0, grad * b * a ** (b - 1)), np.shape(a))
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_b = unbroadcast(np.where((a == 0) & (b >= 0), 0.0, grad * out * np.log(a)), np.shape(b))
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
        return -grad * out * out


class Relu(Op):
    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out > 0)


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
        return grad * out * (1 - out)


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
        return grad * inside


# --- reductions ---------------------------------------------------------------------------------------

def _expand_back(grad, shape, dim, keepdim):
    """Undo a reduction's shape change so ``grad`` broadcasts over the reduced input."""
    if dim is not None and not keepdim:
        grad = np.expand_dims(grad, dim)
    return np.broadcast_to(grad, shape)


class Sum(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        return np.sum(a)

    @staticmethod
    def backward(ctx, grad):
        return np.broadcast_to(grad, ctx.shape)


class SumDim(Op):
    node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        return np.sum(a, axis=dim, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.dim, ctx.keepdim)


class Mean(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        return np.mean(a, dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return np.broadcast_to(grad / max(int(np.prod(ctx.shape)), 1), ctx.shape)


class MeanDim(Op):
    node_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        ctx.count = int(np.prod([a.shape[d] for d in dim]))
        return np.mean(a, axis=dim, keepdims=keepdim, dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad / ctx.count, ctx.shape, ctx.dim, ctx.keepdim)


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
        values = np.take_along_axis(a, index, axis=dim)
        return values if keepdim else np.squeeze(values, dim)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
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
        return (grad @ b.T if ctx.needs_input_grad[0] else None,
                a.T @ grad if ctx.needs_input_grad[1] else None)


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
        return (np.outer(grad, b) if ctx.needs_input_grad[0] else None,
                a.T @ grad if ctx.needs_input_grad[1] else None)


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
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad @ np.swapaxes(b, 1, 2) if ctx.needs_input_grad[0] else None,
                np.swapaxes(a, 1, 2) @ grad if ctx.needs_input_grad[1] else None)


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
        return np.swapaxes(a, dim0, dim1)

    @staticmethod
    def backward(ctx, grad):
        return np.swapaxes(grad, *ctx.dims)


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


class SqueezeLast(View):
    node_name = "SqueezeBackward4"


class UnsafeView(View):
    pass


class Expand(Op):
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shape)


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


class CopySlices(Op):
    """``t[key] = value`` inside a graph: the gradient of the overwritten part goes to ``value``."""
    node_name = "CopySlices"
    qualified_name = "torch::autograd::CopySlices"

    @staticmethod
    def forward(ctx, a, value, key):
        ctx.key, ctx.value_shape = key, np.shape(value)
        out = a.copy()
        out[key] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad.copy()
        grad_a[ctx.key] = 0
        return grad_a, unbroadcast(np.asarray(grad[ctx.key]), ctx.value_shape)


class Cat(Op):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        ctx.splits = np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.split(grad, ctx.splits, axis=ctx.dim))


class Stack(Op):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.moveaxis(grad, ctx.dim, 0))


class Where(Op):
    @staticmethod
    def forward(ctx, a, b, condition):
        ctx.save_for_backward(condition)
        ctx.shapes = np.shape(a), np.shape(b)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        condition, = ctx.saved_tensors
        a_shape, b_shape = ctx.shapes
        return (unbroadcast(np.where(condition, grad, 0), a_shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(np.where(condition, 0, grad), b_shape) if ctx.needs_input_grad[1] else None)


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
