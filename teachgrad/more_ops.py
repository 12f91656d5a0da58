"""Operations beyond the core: ``log1p``, ``//`` and ``%``, ``amax``/``amin``, ``prod``, ``var``/``std``,
``logsumexp``, ``cumsum``, ``gather``, ``masked_fill``, ``clamp`` with tensor bounds, and their Tensor
methods.  A first reading of the engine can skip this module: every op here is built exactly like the
ones in ``ops.py`` (``forward`` and ``backward`` side by side) and joins the graph through
``Function.apply``.
"""

import numpy as np

from . import _checks, _dtypes, _exact, factories, ops
from .function import Op, apply_inplace
from .tensor import Tensor
from .tensor_methods import TensorMethods, _floating, _is_scalar, maximum, minimum

__all__ = ["log1p", "amax", "amin", "prod", "var", "std", "logsumexp", "cumsum", "gather", "masked_fill",
           "floor_divide", "remainder", "relu_"]


# --- elementwise ----------------------------------------------------------------------------------------

class Log1P(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _exact.once(np.log1p, a)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad / (1 + a)


class LeakyRelu(Op):
    layout = "elementwise"

    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        ctx.save_for_backward(a)
        ctx.slope = a.dtype.type(negative_slope)
        return np.where(a > 0, a, a * ctx.slope)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return np.where(a > 0, grad, grad * ctx.slope)


class FloorDivide(Op):
    """``a // b``: PyTorch has no derivative for it; backward through it raises."""
    layout = "elementwise"
    node_name = "NotImplemented"
    qualified_name = "torch::autograd::NotImplemented"
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        if np.result_type(a, b).kind in "biu" and np.any(np.asarray(b) == 0):
            raise RuntimeError("ZeroDivisionError")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.floor_divide(a, b)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented.")


class Remainder(Op):
    """``a % b`` with a tensor ``b``: the result has the sign of ``b``, as Python's ``%``."""
    layout = "elementwise"
    node_name = "RemainderBackward1"
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        if np.result_type(a, b).kind in "biu" and np.any(np.asarray(b) == 0):
            raise RuntimeError("ZeroDivisionError")
        ctx.save_for_backward(b, a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad, -grad * np.floor_divide(a, b)


class RemainderScalar(Op):
    """``tensor % number``: only the tensor is an input."""
    layout = "elementwise"
    node_name = "RemainderBackward0"

    @staticmethod
    def forward(ctx, a, other):
        if a.dtype.kind in "biu" and other == 0:
            raise RuntimeError("ZeroDivisionError")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(a, other)

    @staticmethod
    def backward(ctx, grad):
        return grad


class ClampTensor(Op):
    """``clamp`` with tensor bounds: min(max(a, low), high); each bound gets the gradient where it won."""
    layout = "elementwise"
    node_name = "ClampBackward0"
    promotes = broadcasts = True

    @staticmethod
    def forward(ctx, a, low, high):
        ctx.save_for_backward(high, low, a)
        out = a if low is None else _exact.maximum(a, low)
        return out if high is None else _exact.minimum(out, high)

    @staticmethod
    def backward(ctx, grad):
        high, low, a = ctx.saved_tensors
        need_a, need_low, need_high = ctx.needs_input_grad
        # PyTorch: the input gets the gradient inside the bounds; where low < high is false, low gets
        # nothing and high all the gradient of the values it clipped
        inside = True
        if low is not None:
            inside = inside & (a >= low)
        if high is not None:
            inside = inside & (a <= high)
        grad_low = grad_high = None
        if need_low:
            grad_low = np.where((a < low) & (low < high) if high is not None else a < low, grad, 0)
        if need_high:
            grad_high = np.where((a > high) | (high < low) if low is not None else a > high, grad, 0)
        return np.where(inside, grad, 0) if need_a else None, grad_low, grad_high


# --- reductions ----------------------------------------------------------------------------------------

def _restore(value, shape, dims, keepdim):
    """``value`` reduced over ``dims`` (with or without keepdim), shaped to broadcast against ``shape``."""
    if dims is None:
        return np.reshape(value, (1,) * len(shape))
    return value if keepdim else np.expand_dims(value, dims)


class Amax(Op):
    """Largest value over ``dim``; tied elements share the gradient equally."""
    layout = "contiguous"
    pick = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, a, dim=None, keepdim=False):
        out = np.asarray(cls.pick(a, axis=dim, keepdims=keepdim))
        ctx.save_for_backward(a, out)
        ctx.dim, ctx.keepdim = dim, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        winners = a == _restore(out, a.shape, ctx.dim, ctx.keepdim)
        grad = _restore(grad, winners.shape, ctx.dim, ctx.keepdim)
        count = winners.sum(axis=ctx.dim, keepdims=True).astype(grad.dtype)
        return grad / count * winners  # (a NaN gradient reaches every element, as in PyTorch)


class Amin(Amax):
    pick = staticmethod(np.min)


def _excluding_each(a, axis):
    """The product of all elements but the i-th, for every i along ``axis`` (zeros handled exactly)."""
    ones = np.ones_like(np.take(a, [0], axis=axis))
    left = np.cumprod(np.concatenate([ones, np.take(a, range(a.shape[axis] - 1), axis=axis)], axis), axis=axis)
    right = np.flip(np.cumprod(np.flip(np.concatenate([np.take(a, range(1, a.shape[axis]), axis=axis), ones],
                                                      axis), axis), axis=axis), axis)
    return left * right


class Prod(Op):
    """The product of all elements.  The gradient is result / a, as in PyTorch, unless a holds zeros:
    then the product of all the other elements (all zero when there are two zeros or more)."""
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a):
        out = np.asarray(np.prod(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if a.ndim == 0:
            return grad
        zeros = np.count_nonzero(a == 0)
        if zeros == 0:
            return grad * (out / a)
        if zeros > 1:
            return np.zeros_like(a)
        return (grad * _excluding_each(a.reshape(-1), 0)).reshape(a.shape)


class ProdDim(Op):
    layout = "contiguous"
    node_name = "ProdBackward1"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        out = np.asarray(np.prod(a, axis=dim if a.ndim else None, keepdims=keepdim))
        ctx.save_for_backward(a, out)
        ctx.dim, ctx.keepdim = dim, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if a.ndim == 0:
            return grad
        grad = _restore(grad, a.shape, (ctx.dim,), ctx.keepdim)
        if not np.any(a == 0):
            return grad * (_restore(out, a.shape, (ctx.dim,), ctx.keepdim) / a)
        return grad * _excluding_each(a, ctx.dim)


class Var(Op):
    """Variance with ``correction`` (1: the unbiased estimate, dividing by n - 1).  PyTorch accumulates
    in float64 also for float32 tensors and rounds the result once."""
    layout = "contiguous"
    take_root = False

    @classmethod
    def forward(cls, ctx, a, dim=None, correction=1, keepdim=False):
        count = a.size if dim is None else int(np.prod([a.shape[d] for d in dim]))
        wide = a.astype(np.float64)
        centered = wide - np.sum(wide, axis=dim, keepdims=True) / max(count, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sum(centered * centered, axis=dim, keepdims=keepdim) / max(count - correction, 0)
            if cls.take_root:
                out = np.sqrt(out)
        out = np.asarray(out, dtype=a.dtype)
        ctx.save_for_backward(a, out if cls.take_root else None)
        ctx.dim, ctx.keepdim, ctx.count, ctx.correction = dim, keepdim, count, correction
        return out

    @classmethod
    def backward(cls, ctx, grad):
        a, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            if cls.take_root:  # d std = d var / (2 std), and 0 where std is 0
                grad = np.where(out == 0, grad.dtype.type(0), grad / (out * 2))
            grad = _restore(grad, a.shape, ctx.dim, ctx.keepdim)
            dof = ctx.count - ctx.correction
            mean = _exact.sum(a, ctx.dim, keepdims=True) / a.dtype.type(max(ctx.count, 1))
            if dof <= 0 and (ctx.dim is None or a.ndim == 0):  # PyTorch: NaN where a is its mean, else inf
                return grad * np.where(a == mean, a.dtype.type(np.nan), a.dtype.type(np.inf))
            # PyTorch's order: (2 / dof) * grad * (a - mean)
            return (a.dtype.type(2.0 / dof if dof else np.inf) * grad) * (a - mean)


class Std(Var):
    take_root = True


class Logsumexp(Op):
    """log(sum(exp(a))) along ``dim``, shifted by the largest value so that exp cannot overflow."""
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        largest = np.max(a, axis=dim, keepdims=True)
        largest = np.where(np.isinf(largest), 0, largest)
        with np.errstate(divide="ignore"):
            out = np.log(_exact.sum(np.exp(a - largest), dim, keepdims=True)) + largest
        out = out if keepdim else np.squeeze(out, dim)
        ctx.save_for_backward(a, out)
        ctx.dim, ctx.keepdim = dim, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        restored = _restore(out, a.shape, ctx.dim, ctx.keepdim)
        return _restore(grad, a.shape, ctx.dim, ctx.keepdim) * np.exp(a - restored)


class Cumsum(Op):
    """Running sums along ``dim``; PyTorch adds float32 numbers in float64 and rounds each result."""
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim, dtype=None):
        ctx.dim = dim
        target = np.dtype(dtype) if dtype is not None else (np.dtype(np.int64) if a.dtype.kind in "biu" else a.dtype)
        if a.ndim == 0:
            return a.astype(target)
        if target.kind == "f":  # (PyTorch's sums start from +0.0, so they are never -0.0)
            return np.cumsum(a, axis=dim, dtype=np.float64).astype(target) + target.type(0)
        return np.cumsum(a, axis=dim, dtype=target)

    @staticmethod
    def backward(ctx, grad):
        if grad.ndim == 0:
            return grad
        flipped = np.flip(grad, ctx.dim)
        summed = np.cumsum(flipped, axis=ctx.dim, dtype=np.float64).astype(grad.dtype) + grad.dtype.type(0)
        return np.ascontiguousarray(np.flip(summed, ctx.dim))


# --- picking and filling -------------------------------------------------------------------------------

class Gather(Op):
    """``out[i][j] = a[index[i][j]][j]`` (for dim 0): picked elements; their gradients add up."""
    layout = "contiguous"

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.save_for_backward(index, a)  # (PyTorch keeps both: changing either in place breaks backward)
        ctx.dim = dim
        if a.ndim == 0:
            return np.full(index.shape, a[()])
        idx = index.reshape(index.shape or (1,))
        return np.take_along_axis(a[_region(idx.shape, dim)], idx, axis=dim).reshape(index.shape)

    @staticmethod
    def backward(ctx, grad):
        index, a = ctx.saved_tensors
        out = np.zeros(a.shape, dtype=grad.dtype)
        if out.ndim == 0:
            return np.asarray(grad.sum(), dtype=grad.dtype)
        idx = index.reshape(index.shape or (1,))
        grid = np.indices(idx.shape, sparse=True)
        where = tuple(idx if d == ctx.dim else grid[d] for d in range(out.ndim))
        np.add.at(out[_region(idx.shape, ctx.dim)], where, grad.reshape(idx.shape))
        return out


def _region(index_shape, dim):
    """The part of the input an index of ``index_shape`` picks from: all of ``dim``, the index's size elsewhere."""
    return tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index_shape))


class MaskedFill(Op):
    """``a`` with ``value`` where ``mask`` is True; the filled places get no gradient."""
    layout = "contiguous"
    broadcasts = True

    @staticmethod
    def forward(ctx, a, mask, value):
        ctx.save_for_backward(mask)
        return np.where(mask, np.asarray(value).astype(a.dtype), a)

    @staticmethod
    def backward(ctx, grad):
        mask, = ctx.saved_tensors
        return np.where(mask, 0, grad)


class MaskedFillTensor(Op):
    """``masked_fill`` with a 0-d tensor value: it gets the gradient of every filled place."""
    node_name = "MaskedFillBackward1"
    layout = "contiguous"
    broadcasts = True

    @staticmethod
    def forward(ctx, a, value, mask):
        ctx.save_for_backward(mask)
        return np.where(mask, value.astype(a.dtype), a)

    @staticmethod
    def backward(ctx, grad):
        mask, = ctx.saved_tensors
        mask = np.broadcast_to(mask, grad.shape)
        return np.where(mask, 0, grad), _exact.sum(np.where(mask, grad, 0).astype(grad.dtype))


# --- the Tensor methods and torch.* functions ----------------------------------------------------------

def _dims_or_all(t, dim):
    if dim is None or dim == () or dim == []:
        return None
    dims = _checks.dims(dim, t._data.ndim)
    return dims if t._data.ndim else None


def log1p(input):
    return Log1P.apply(_floating(input))


def floor_divide(input, other):
    if isinstance(other, Tensor):
        _checks.broadcast(input._data.shape, other._data.shape)
    elif not _is_scalar(other):
        return NotImplemented
    return FloorDivide.apply(input, other)


def remainder(input, other):
    if isinstance(other, Tensor):
        _checks.broadcast(input._data.shape, other._data.shape)
        return Remainder.apply(input, other)
    if not _is_scalar(other):
        return NotImplemented
    if input._data.dtype.kind in "biu" and isinstance(other, float):
        input = input.to(factories.get_default_dtype())
    return RemainderScalar.apply(input, other=other)


def amax(input, dim=(), keepdim=False):
    dims = _dims_or_all(input, dim)
    _check_reducible(input, dims, "amax")
    return Amax.apply(input, dim=dims, keepdim=keepdim)


def amin(input, dim=(), keepdim=False):
    dims = _dims_or_all(input, dim)
    _check_reducible(input, dims, "amin")
    return Amin.apply(input, dim=dims, keepdim=keepdim)


def _check_reducible(t, dims, name):
    if t._data.size == 0 and (dims is None or any(t._data.shape[d] == 0 for d in dims)):
        raise IndexError(f"{name}(): Expected reduction dim {0 if dims is None else dims[0]} to have non-zero size.")


def prod(input, dim=None, keepdim=False, *, dtype=None):
    source = input if dtype is None else input.to(dtype)
    if source._data.dtype.kind in "bi" and dtype is None:
        source = source.to(_dtypes.int64)  # PyTorch multiplies integers and bools as int64
    if dim is None:
        return Prod.apply(source)
    return ProdDim.apply(source, dim=_checks.dim(dim, input._data.ndim), keepdim=keepdim)


def _correction(args, kwargs):
    """var/std arguments: (dim, unbiased, keepdim) or (dim, *, correction, keepdim) or (unbiased)."""
    dim, unbiased, keepdim = None, None, kwargs.get("keepdim", False)
    positional = list(args)
    if positional and isinstance(positional[0], bool):
        unbiased = positional.pop(0)
    if positional:
        dim = positional.pop(0)
    if positional:
        unbiased = positional.pop(0)
    if positional:
        keepdim = positional.pop(0)
    dim = kwargs.get("dim", dim)
    unbiased = kwargs.get("unbiased", unbiased)
    correction = kwargs.get("correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction, keepdim


def _var_like(op, input, args, kwargs):
    dim, correction, keepdim = _correction(args, kwargs)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"std and var only support floating point and complex dtypes")
    dims = _dims_or_all(input, dim)
    count = input._data.size if dims is None else int(np.prod([input._data.shape[d] for d in dims]))
    if count - correction <= 0:
        import warnings
        warnings.warn(f"{'std' if op is Std else 'var'}(): degrees of freedom is <= 0. Correction should be "
                      "strictly less than the reduction factor (input numel divided by output numel). (Triggered "
                      "internally at /__w/pytorch/pytorch/aten/src/ATen/native/ReduceOps.cpp:1857.)",
                      UserWarning, stacklevel=3)
    return op.apply(input, dim=dims, correction=correction, keepdim=keepdim)


def var(input, *args, **kwargs):
    return _var_like(Var, input, args, kwargs)


def std(input, *args, **kwargs):
    return _var_like(Std, input, args, kwargs)


def logsumexp(input, dim, keepdim=False):
    return Logsumexp.apply(_floating(input), dim=_dims_or_all(input, dim), keepdim=keepdim)


def cumsum(input, dim, *, dtype=None):
    return Cumsum.apply(input, dim=_checks.dim(dim, input._data.ndim), dtype=None if dtype is None else dtype.numpy)


def gather(input, dim, index, *, sparse_grad=False):
    if not isinstance(index, Tensor) or index._data.dtype != np.int64:
        got = index.dtype if isinstance(index, Tensor) else None
        raise RuntimeError(f"gather(): Expected dtype int64 for index" + ("" if got is None else ""))
    ndim = max(input._data.ndim, 1)
    dim = _checks.dim(dim, input._data.ndim)
    if max(index._data.ndim, 1) != ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    idx = index._data if index._data.ndim else index._data.reshape(1)
    shape = input._data.shape or (1,)
    for d in range(ndim):
        if d != dim and idx.shape[d] > shape[d]:
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(index.shape)} to be no "
                               f"larger than self {list(input.shape)} apart from dimension {dim}")
    size = shape[dim]
    bad = (idx < 0) | (idx >= size)
    if bad.any():
        raise RuntimeError(f"index {idx[bad].reshape(-1)[0]} is out of bounds for dimension {dim} with size {size}")
    return Gather.apply(input, dim=dim, index=index)


def _check_mask(mask, shape, inplace):
    if not isinstance(mask, Tensor):
        raise TypeError(f"masked_fill() received an invalid combination of arguments - got ({type(mask).__name__})")
    if mask._data.dtype != np.bool_:
        name = _checks.c_type_name(mask.dtype)
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {name}")
    if inplace:
        _checks.broadcast_to(mask._data.shape, shape)
    else:
        _checks.broadcast(shape, mask._data.shape)


def masked_fill(input, mask, value):
    _check_mask(mask, input._data.shape, inplace=False)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        _checks.scalar_value(value.item(), input.dtype)
        return MaskedFillTensor.apply(input, value, mask=mask)
    return MaskedFill.apply(input, mask=mask, value=_checks.scalar_value(value, input.dtype))


def clamp(input, min=None, max=None):
    """``clamp`` with numbers (``ClampBackward1``) or tensors (``ClampBackward0``) as bounds."""
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        for bound in (min, max):
            if isinstance(bound, Tensor):
                _checks.broadcast(input._data.shape, bound._data.shape)
        low = min if min is None or isinstance(min, Tensor) else factories.full((), min, dtype=input.dtype)
        high = max if max is None or isinstance(max, Tensor) else factories.full((), max, dtype=input.dtype)
        return ClampTensor.apply(input, low, high)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    # The bounds take part in type promotion like any number: an integer tensor clamped to 0.5 is float.
    target = _dtypes.promote([(input.dtype, 0)] + [(_dtypes.default_for_category(_dtypes.category_of_number(b)), 2)
                                                  for b in (min, max) if b is not None])
    return ops.Clamp.apply(input if target is input.dtype else input.to(target), min=min, max=max)


def relu_(input):
    return input.relu_()


class MoreTensorMethods:
    """Methods copied onto ``Tensor`` (see the end of this module)."""

    log1p = log1p
    amax = amax
    amin = amin
    prod = prod
    var = var
    std = std
    logsumexp = logsumexp
    cumsum = cumsum
    gather = gather
    masked_fill = masked_fill
    clamp = clip = clamp
    floor_divide = floor_divide
    remainder = remainder

    def __floordiv__(self, other):
        return floor_divide(self, other)

    def __rfloordiv__(self, other):
        if not _is_scalar(other):
            return NotImplemented
        return floor_divide(factories.full((), other, dtype=self.dtype if isinstance(other, int) else None), self)

    def __mod__(self, other):
        return remainder(self, other)

    def __rmod__(self, other):
        if not _is_scalar(other):
            return NotImplemented
        return remainder(factories.full((), other, dtype=self.dtype if isinstance(other, int) else None), self)

    def maximum(self, other, *, out=None):
        return maximum(self, other, out=out)

    def minimum(self, other, *, out=None):
        return minimum(self, other, out=out)

    def log1p_(self):
        return apply_inplace(log1p, self)

    def square_(self):
        return apply_inplace(TensorMethods.square, self)

    def masked_fill_(self, mask, value):
        _check_mask(mask, self._data.shape, inplace=True)
        return apply_inplace(masked_fill, self, mask, value)

    def clamp_(self, min=None, max=None):
        if not isinstance(min, Tensor) and not isinstance(max, Tensor):
            target = _dtypes.promote([(self.dtype, 0)] + [
                (_dtypes.default_for_category(_dtypes.category_of_number(b)), 2) for b in (min, max) if b is not None])
            if target is not None and target.category > self.dtype.category:  # this check has its own words
                raise RuntimeError(f"result type {_checks.scalar_name(target)} can't be cast to the desired output "
                                   f"type {_checks.c_type_name(self.dtype)}")
        return apply_inplace(clamp, self, min, max)

    clip_ = clamp_

    def __ifloordiv__(self, other):
        return apply_inplace(floor_divide, self, other)

    def __imod__(self, other):
        return apply_inplace(remainder, self, other)


for _name, _value in vars(MoreTensorMethods).items():
    if not _name.startswith("__") or _name not in ("__module__", "__dict__", "__weakref__", "__doc__", "__qualname__"):
        setattr(Tensor, _name, _value)
del _name, _value
