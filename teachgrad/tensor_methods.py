"""What you can do with a tensor: ``x * y``, ``x.sum()``, ``x.view(2, 3)``, ``x[0]``, ``x.add_(1)``, and the
``torch.*`` functions on several tensors (``matmul``, ``cat``, ``stack``, ``where``, ...).

Each method checks its arguments as PyTorch does (``_checks.py`` holds the messages) and runs an op
from ``ops.py`` through ``Function.apply``.  In-place methods (``add_``, ``t[0] = ...``) go through
``apply_inplace``.  ``TensorMethods`` is a plain class whose methods are copied onto ``Tensor`` at the
end of this module, so that ``tensor.py`` can stay what a tensor *is*.
"""

import math
import numbers
import warnings

import numpy as np

from . import _checks, _dtypes, _indexing, _layout, factories, grad_mode, ops
from ._dtypes import bool_, default_float, float32, float64, int32, int64
from .function import apply_inplace
from .tensor import Tensor

__all__ = ["matmul", "mm", "bmm", "dot", "outer", "cat", "concat", "concatenate", "stack", "where", "maximum", "minimum", "equal",
           "allclose", "isclose", "is_tensor", "numel", "clone"]


def _is_scalar(x):
    return isinstance(x, (numbers.Number, np.number, np.bool_)) and not isinstance(x, complex)


def _binary(op, a, b, **settings):
    """A binary op on a tensor and a tensor or number (PyTorch's broadcasting check first)."""
    if isinstance(b, Tensor):
        if a._data.shape != b._data.shape:
            _checks.broadcast(a._data.shape, b._data.shape)
    elif type(b) is not float and type(b) is not int and not _is_scalar(b):
        return NotImplemented
    return op.apply(a, b, **settings)


def _reduced_dims(t, dim):
    """``dim`` (one or several) checked and made non-negative; None for a 0-d tensor, whose only
    dimension-less element is what dim 0 (or -1) names."""
    dims = _checks.dims(dim, t._data.ndim)
    return dims if t._data.ndim else None


def _one_dim(t, dim):
    dim = _checks.dim(dim, t._data.ndim)
    return dim if t._data.ndim else None


def _floating(t):
    """Integer tensors are converted to the default float dtype first (``exp(int)`` is float32)."""
    return t if t._data.dtype.kind == "f" else t.to(default_float())


def _is_bool(x):
    return isinstance(x, (bool, np.bool_)) or (isinstance(x, Tensor) and x._data.dtype.kind == "b")


def _check_alpha(a, b, alpha):
    """``alpha`` must suit the dtype the op computes in: no fractions for integers, bools only for bools."""
    if alpha == 1 and not isinstance(alpha, (bool, np.bool_)):
        return
    operands = [(a.dtype, 0 if a._data.ndim else 1)]
    if isinstance(b, Tensor):
        operands.append((b.dtype, 0 if b._data.ndim else 1))
    elif _is_scalar(b):
        operands.append((_dtypes.default_for_category(_dtypes.category_of_number(b)), 2))
    result = _dtypes.promote(operands)
    if isinstance(alpha, (bool, np.bool_)) and result is not bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if not result.is_floating_point and not isinstance(alpha, (numbers.Integral, np.integer)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def _refuse_bool_subtraction(a, b):
    a_bool, b_bool = _is_bool(a), _is_bool(b)
    if a_bool and b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError(_checks.BOOL_SUBTRACTION)


class TensorMethods:
    """The methods copied onto ``Tensor`` (see the end of this module)."""

    # --- arithmetic -----------------------------------------------------------------------------

    def __add__(self, other):
        return _binary(ops.Add, self, other)

    def __radd__(self, other):
        return _binary(ops.Add, self, other)

    def __sub__(self, other):
        _refuse_bool_subtraction(self, other)
        return _binary(ops.Sub, self, other)

    def __rsub__(self, other):
        if not _is_scalar(other):
            return NotImplemented
        _refuse_bool_subtraction(self, other)
        return ops.Rsub.apply(self, other=other)  # PyTorch records only the tensor as an input

    def __mul__(self, other):
        return _binary(ops.Mul, self, other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return _binary(ops.Div, self, other)

    def __rtruediv__(self, other):
        if not _is_scalar(other):
            return NotImplemented
        return _floating(self).reciprocal() * other

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            return _binary(ops.PowTensor, self, exponent)
        if not _is_scalar(exponent):
            return NotImplemented
        if self._data.dtype.kind == "f" and (type(exponent) is int or type(exponent) is float):
            return ops.Pow.apply(self, exponent=exponent)  # the common case: the tensor's dtype
        target = _dtypes.promote([(self.dtype, 0 if self._data.ndim else 1),
                                  (_dtypes.default_for_category(_dtypes.category_of_number(exponent)), 2)])
        if not target.is_floating_point and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return ops.Pow.apply(self if target is self.dtype else self.to(target), exponent=exponent)

    def __rpow__(self, base):
        if not _is_scalar(base):
            return NotImplemented
        return ops.RPow.apply(self if self.dtype.category >= _dtypes.category_of_number(base) else
                              self.to(_dtypes.default_for_category(_dtypes.category_of_number(base))), base=base)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(factories.tensor(other), self)

    def __neg__(self):
        if self._data.dtype == np.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                               "to invert a mask, use the `~` or `logical_not()` operator instead.")
        return ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __invert__(self):
        if self._data.dtype.kind == "f":
            raise TypeError("bitwise_not_cpu not implemented for 'Float'")
        return _elementwise(np.logical_not if self._data.dtype == np.bool_ else np.invert, self)

    def __and__(self, other):
        return _elementwise(np.bitwise_and, self, other)

    def __or__(self, other):
        return _elementwise(np.bitwise_or, self, other)

    def __xor__(self, other):
        return _elementwise(np.bitwise_xor, self, other)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __abs__(self):
        return self.abs()

    def add(self, other, *, alpha=1, out=None):
        _check_alpha(self, other, alpha)
        if out is None and alpha == 1 and type(other) is Tensor:  # the common case, without the detours
            return _binary(ops.Add, self, other)
        return _with_out("add", out, (self, other), lambda: _binary(ops.Add, self, other, alpha=alpha)
                         if alpha != 1 else self + other)

    def sub(self, other, *, alpha=1, out=None):
        _refuse_bool_subtraction(self, other)
        _check_alpha(self, other, alpha)
        if out is None and alpha == 1 and type(other) is Tensor:  # the common case, without the detours
            return _binary(ops.Sub, self, other)
        return _with_out("sub", out, (self, other), lambda: _binary(ops.Sub, self, other, alpha=alpha)
                         if alpha != 1 else self - other)

    subtract = sub

    def mul(self, other, *, out=None):
        return _with_out("mul", out, (self, other), lambda: self * other)

    multiply = mul

    def div(self, other, *, rounding_mode=None, out=None):
        if rounding_mode is not None:
            raise NotImplementedError("teachgrad's div has no rounding_mode")
        return _with_out("div", out, (self, other), lambda: self / other)

    divide = true_divide = div

    def pow(self, exponent, *, out=None):
        return _with_out("pow", out, (self, exponent), lambda: self ** exponent)

    def matmul(self, other, *, out=None):
        return matmul(self, other, out=out)

    def mm(self, other, *, out=None):
        return mm(self, other, out=out)

    def bmm(self, other, *, out=None):
        return bmm(self, other, out=out)

    def dot(self, tensor, *, out=None):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"dot(): argument 'tensor' (position 1) must be Tensor, not {type(tensor).__name__}")
        return dot(self, tensor, out=out)

    def outer(self, vec2):
        return outer(self, vec2)

    def neg(self):
        return -self

    negative = neg

    def abs(self):
        return ops.Abs.apply(self)

    absolute = abs

    def sign(self):
        return ops.Sign.apply(self)

    def exp(self):
        return ops.Exp.apply(_floating(self))

    def log(self):
        return ops.Log.apply(_floating(self))

    def sqrt(self):
        return ops.Sqrt.apply(_floating(self))

    def sin(self):
        return ops.Sin.apply(_floating(self))

    def cos(self):
        return ops.Cos.apply(_floating(self))

    def reciprocal(self):
        return ops.Reciprocal.apply(_floating(self))

    def relu(self):
        return ops.Relu.apply(self)

    def sigmoid(self):
        return ops.Sigmoid.apply(_floating(self))

    def tanh(self):
        return ops.Tanh.apply(_floating(self))

    def square(self):
        return self ** 2

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        return ops.Clamp.apply(self, min=_raw(min), max=_raw(max))

    clip = clamp

    # --- comparisons and tests (no gradient) ----------------------------------------------------

    def _compare(self, other, ufunc):
        if isinstance(other, Tensor):
            _checks.broadcast(self._data.shape, other._data.shape)
        elif not _is_scalar(other):
            return NotImplemented
        return Tensor._make(_layout.elementwise(ufunc(self._data, _raw(other)), (self._data, _raw(other))))

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__
    __hash__ = object.__hash__  # defining __eq__ would otherwise make tensors unhashable

    def equal(self, other):
        return equal(self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return allclose(self, other, rtol, atol, equal_nan)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return isclose(self, other, rtol, atol, equal_nan)

    def where(self, condition, other):
        return where(condition, self, other)

    def isfinite(self):
        return _elementwise(np.isfinite, self)

    def isnan(self):
        return _elementwise(np.isnan, self)

    def isinf(self):
        return _elementwise(np.isinf, self)

    def all(self, dim=None, keepdim=False):
        if dim is None:
            return Tensor._make(np.all(self._data))
        return Tensor._make(np.all(self._data, axis=_reduced_dims(self, dim), keepdims=keepdim))

    def any(self, dim=None, keepdim=False):
        if dim is None:
            return Tensor._make(np.any(self._data))
        return Tensor._make(np.any(self._data, axis=_reduced_dims(self, dim), keepdims=keepdim))

    def logical_not(self):
        return _elementwise(np.logical_not, self)

    # --- reductions -----------------------------------------------------------------------------

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        if dtype is None and self._data.dtype.kind in "biu":
            dtype = int64  # PyTorch sums integers and bools as int64
        settings = {} if dtype is None else {"dtype": dtype.numpy}
        if dim is None or dim == ():
            return ops.Sum.apply(self, **settings)
        return ops.SumDim.apply(self, dim=_reduced_dims(self, dim), keepdim=keepdim, **settings)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        kind = (dtype or self.dtype)
        if not kind.is_floating_point:
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {_checks.scalar_name(kind)}")
        settings = {} if dtype is None else {"dtype": dtype.numpy}
        if dim is None or dim == ():
            return ops.Mean.apply(self, **settings)
        return ops.MeanDim.apply(self, dim=_reduced_dims(self, dim), keepdim=keepdim, **settings)

    def _extreme(self, dim, keepdim, name):
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                                   "Specify the reduction dim with the 'dim' argument.")
            return (ops.Max if name == "max" else ops.Min).apply(self)
        if isinstance(dim, Tensor):  # max(a, b): elementwise
            return maximum(self, dim) if name == "max" else minimum(self, dim)
        dim = _checks.dim(dim, self._data.ndim)
        if self._data.ndim and self._data.shape[dim] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
        pick = np.argmax if name == "max" else np.argmin
        index = pick(self._data, axis=dim, keepdims=keepdim) if self._data.ndim else np.zeros((), np.int64)
        indices = Tensor._make(index.astype(np.int64, copy=False))  # backward keeps them, as in PyTorch
        values = (ops.MaxDim if name == "max" else ops.MinDim).apply(self, indices=indices, dim=dim, keepdim=keepdim)
        return _ValuesIndices(name, values, indices)

    def max(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, "max")

    def min(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, "min")

    def argmax(self, dim=None, keepdim=False):
        if dim is None:
            return Tensor._make(np.asarray(np.argmax(self._data), np.int64))
        dim = _checks.dim(dim, self._data.ndim)
        index = np.argmax(self._data, axis=dim) if self._data.ndim else np.zeros((), np.int64)
        return Tensor._make(np.expand_dims(index, dim) if keepdim and self._data.ndim else index)

    def argmin(self, dim=None, keepdim=False):
        if dim is None:
            return Tensor._make(np.asarray(np.argmin(self._data), np.int64))
        dim = _checks.dim(dim, self._data.ndim)
        index = np.argmin(self._data, axis=dim) if self._data.ndim else np.zeros((), np.int64)
        return Tensor._make(np.expand_dims(index, dim) if keepdim and self._data.ndim else index)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        p = {"fro": 2}.get(p, p)
        if not self.dtype.is_floating_point:
            raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                               f"{_checks.scalar_name(self.dtype)}")
        dims = None if dim is None else _reduced_dims(self, dim)
        return ops.Norm.apply(self, p=p, dim=dims, keepdim=keepdim)

    def softmax(self, dim, dtype=None):
        source = self if dtype is None else self.to(dtype)
        return ops.Softmax.apply(_floating(source), dim=_one_dim(self, dim))

    def log_softmax(self, dim, dtype=None):
        source = self if dtype is None else self.to(dtype)
        return ops.LogSoftmax.apply(_floating(source), dim=_one_dim(self, dim))

    # --- shape ----------------------------------------------------------------------------------

    def _target_shape(self, shape):
        requested = _checks.shape_arg(shape)
        shape, size = list(requested), self._data.size
        if shape.count(-1) > 1:
            raise RuntimeError("only one dimension can be inferred")
        for s in shape:
            if s < -1:
                raise RuntimeError(f"invalid shape dimension {s}")
        known = math.prod(s for s in shape if s != -1)
        if -1 in shape:
            if known == 0:
                raise RuntimeError(f"cannot reshape tensor of {size} elements into shape "
                                   f"[{', '.join(map(str, requested))}] because the unspecified dimension size -1 "
                                   "can be any value and is ambiguous")
            if size % known == 0:
                shape[shape.index(-1)] = size // known
        if math.prod(shape) != size or -1 in shape:
            raise RuntimeError(f"shape '[{', '.join(map(str, requested))}]' is invalid for input of size {size}")
        return tuple(shape)

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], _dtypes.dtype):
            raise NotImplementedError("teachgrad does not reinterpret memory as another dtype")
        target = self._target_shape(shape)
        if not _viewable(self._data, target):
            raise RuntimeError(_checks.VIEW_NOT_COMPATIBLE)
        return ops.View.apply(self, shape=target)

    def reshape(self, *shape):
        """A view when the memory layout allows one, else a copy (``UnsafeViewBackward0`` after ``CloneBackward0``)."""
        target = self._target_shape(shape)
        if self._data.flags.c_contiguous:
            return ops.View.apply(self, shape=target)
        if _viewable(self._data, target):
            return ops.ReshapeAlias.apply(self, shape=target)
        return ops.UnsafeView.apply(ops.Clone.apply(self, contiguous=True), shape=target)

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self._data.ndim == 0:
            return self.reshape(1)
        start = _checks.dim(start_dim, self._data.ndim)
        end = _checks.dim(end_dim, self._data.ndim)
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if start == end:
            return self
        shape = self._data.shape
        return self.reshape(shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])

    def unflatten(self, dim, sizes):
        dim = _checks.dim(dim, self._data.ndim)
        shape = self._data.shape
        sizes = list(sizes)
        if -1 in sizes:
            known = math.prod(s for s in sizes if s != -1)
            sizes[sizes.index(-1)] = shape[dim] // known if known else 0
        if math.prod(sizes) != shape[dim]:
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                               f"({shape[dim]}) in the input tensor")
        return self.view(shape[:dim] + tuple(sizes) + shape[dim + 1:])

    def t(self):
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D")
        return ops.T.apply(self)

    @property
    def T(self):
        if self._data.ndim != 2 and self._data.ndim != 0:
            warnings.warn(_T_DEPRECATED, UserWarning, stacklevel=2)
        return self.permute(*reversed(range(self._data.ndim)))

    @property
    def mT(self):
        if self._data.ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got "
                               f"{self._data.ndim}-D tensor.")
        return self.transpose(-2, -1)

    def transpose(self, dim0, dim1):
        n = self._data.ndim
        return ops.Transpose.apply(self, dim0=_checks.dim(dim0, n), dim1=_checks.dim(dim1, n))

    swapaxes = swapdims = transpose

    def permute(self, *dims):
        dims = _checks.shape_arg(dims)
        if len(dims) != self._data.ndim:
            raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                               f"length of the desired ordering of dimensions i.e. input.dim() = {self._data.ndim} "
                               f"is not equal to len(dims) = {len(dims)}")
        dims = tuple(_checks.dim(d, self._data.ndim) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return ops.Permute.apply(self, dims=dims)

    def squeeze(self, dim=None):
        shape = self._data.shape
        if dim is None:
            return ops.Squeeze.apply(self, shape=tuple(s for s in shape if s != 1))
        dims = _checks.dims(dim, self._data.ndim)
        op = ops.SqueezeDims if isinstance(dim, (tuple, list)) else ops.SqueezeDim
        return op.apply(self, shape=tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1)))

    def unsqueeze(self, dim):
        dim = _checks.dim(dim, self._data.ndim + 1)
        shape = self._data.shape
        return ops.Unsqueeze.apply(self, shape=shape[:dim] + (1,) + shape[dim:])

    def expand(self, *shape):
        return ops.Expand.apply(self, shape=_checks.expanded_shape(self._data.shape, _checks.shape_arg(shape), self.dtype))

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *sizes):
        sizes = _checks.shape_arg(sizes)
        if len(sizes) < self._data.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                               "tensor")
        return ops.Repeat.apply(self, repeats=sizes)

    def contiguous(self, memory_format=None):
        return self if self._data.flags.c_contiguous else ops.Clone.apply(self, contiguous=True)

    # --- indexing -------------------------------------------------------------------------------

    def __getitem__(self, key):
        indices = _indexing.tensors_in(key)
        key = _indexing.normalize(key, self._data.shape)
        if not _indexing.is_basic(key):
            return ops.Index.apply(self, key=key, indices=indices)
        if not isinstance(key, tuple) and isinstance(key, slice):  # t[a:b] always has its own node
            return ops.Slice.apply(self, key=_view_key(key))
        part = _basic_view(self, key)
        return ops.Alias.apply(self) if part is self else part

    def __setitem__(self, key, value):
        indices = _indexing.tensors_in(key)
        key = _indexing.normalize(key, self._data.shape)
        if not isinstance(value, Tensor):
            if not _is_scalar(value):
                value = factories.tensor(value, dtype=self.dtype)
            else:  # PyTorch fills with the number as a 0-d tensor (FillBackward3, no gradient for it)
                value = factories.full((), value, dtype=self.dtype)
        if not _indexing.is_basic(key):
            return apply_inplace(ops.IndexPut.apply, self, value, key=key, indices=indices)
        _copy_to(_basic_view(self, key), value)  # a view of the part (or the tensor itself)

    def select(self, dim, index):
        dim = _checks.dim(dim, self._data.ndim)
        size = self._data.shape[dim]
        if not -size <= index < size:
            raise IndexError(f"select(): index {index} out of range for tensor of size {list(self.shape)} at "
                             f"dimension {dim}")
        return ops.Select.apply(self, key=(slice(None),) * dim + (int(index), Ellipsis))

    def narrow(self, dim, start, length):
        dim = _checks.dim(dim, self._data.ndim)
        size = self._data.shape[dim]
        start = start + size if start < 0 else start
        if start + length > size:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
        return ops.Slice.apply(self, key=(slice(None),) * dim + (slice(start, start + length),))

    def diagonal(self, offset=0, dim1=0, dim2=1):
        n = self._data.ndim
        return ops.Diagonal.apply(self, offset=offset, dim1=_checks.dim(dim1, n), dim2=_checks.dim(dim2, n))

    # --- in-place operations --------------------------------------------------------------------

    def add_(self, other, *, alpha=1):
        return apply_inplace(TensorMethods.add, self, other, alpha=alpha)

    def sub_(self, other, *, alpha=1):
        return apply_inplace(TensorMethods.sub, self, other, alpha=alpha)

    def mul_(self, other):
        return apply_inplace(TensorMethods.__mul__, self, other)

    def div_(self, other, *, rounding_mode=None):
        return apply_inplace(TensorMethods.div, self, other, rounding_mode=rounding_mode)

    def pow_(self, exponent):
        return apply_inplace(TensorMethods.__pow__, self, exponent)

    def clamp_(self, min=None, max=None):
        return apply_inplace(TensorMethods.clamp, self, min, max)

    clip_ = clamp_

    def neg_(self):
        return apply_inplace(TensorMethods.__neg__, self)

    def abs_(self):
        return apply_inplace(TensorMethods.abs, self)

    def exp_(self):
        return apply_inplace(TensorMethods.exp, self)

    def log_(self):
        return apply_inplace(TensorMethods.log, self)

    def sqrt_(self):
        return apply_inplace(TensorMethods.sqrt, self)

    def relu_(self):
        return apply_inplace(TensorMethods.relu, self)

    def sigmoid_(self):
        return apply_inplace(TensorMethods.sigmoid, self)

    def tanh_(self):
        return apply_inplace(TensorMethods.tanh, self)

    def zero_(self):
        return apply_inplace(ops.Zero.apply, self, overlap_check=False)

    def fill_(self, value):
        if isinstance(value, Tensor):
            if value._data.ndim:
                raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                                   f"{value._data.ndim} dimensions.")
            return apply_inplace(ops.FillTensor.apply, self, value)
        return apply_inplace(ops.Fill.apply, self, value=_checks.scalar_value(value, self.dtype), overlap_check=False)

    def copy_(self, src, non_blocking=False):
        if not isinstance(src, Tensor):
            raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
        _checks.broadcast_to(src._data.shape, self._data.shape)
        return apply_inplace(ops.Copy.apply, self, src)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return _fill_in_place(self, ops.Normal, "normal_kernel_cpu", lambda gen, shape, contiguous, dtype:
                              gen.normal(shape, float(mean), float(std), dtype, contiguous), generator)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        return _fill_in_place(self, ops.Uniform, "check_uniform_bounds", lambda gen, shape, contiguous, dtype:
                              gen.uniform(shape, float(a), float(b), dtype), generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        if isinstance(p, Tensor):
            return _fill_in_place(self, ops.BernoulliTensor, None, lambda gen, shape, contiguous, dtype:
                                  gen.bernoulli(shape, p._data, dtype), generator, p)
        return _fill_in_place(self, ops.Bernoulli, None, lambda gen, shape, contiguous, dtype:
                              gen.bernoulli(shape, float(p), dtype), generator)

    def random_(self, from_=0, to=None, *, generator=None):
        """Whole numbers: in [from_, to), or, with no bounds, from 0 to the dtype's largest exact integer."""
        op = ops.Random if to is None and from_ == 0 else ops.RandomTo if to is None else ops.RandomFromTo
        if to is None and from_ != 0:
            from_, to = 0, from_
        kind = self._data.dtype

        def sample(gen, shape, contiguous, dtype):
            n = int(np.prod(shape))
            if to is not None:
                return gen.randint(int(from_), int(to), shape).astype(dtype)
            if kind == np.int64:
                draws = gen.random64(n) % np.uint64(2 ** 63)
            else:
                top = {np.dtype(np.float32): 2 ** 24, np.dtype(np.float64): 2 ** 53,
                       np.dtype(np.int32): 2 ** 31 - 1, np.dtype(np.bool_): 1}[kind]
                draws = (gen.random64(n) if kind == np.float64 else gen.random(n)) % np.uint64(top + 1)
            return draws.reshape(shape).astype(dtype)
        return _fill_in_place(self, op, None, sample, generator)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    # --- conversion and copies ------------------------------------------------------------------

    def to(self, *args, **kwargs):
        """``.to(dtype)``, ``.to(device)``, ``.to('cpu')``, ``.to(other_tensor)`` or ``.to(device, dtype)``."""
        target = kwargs.get("dtype")
        copy = kwargs.get("copy", False)
        for arg in list(args) + [kwargs.get("device")]:
            if isinstance(arg, _dtypes.dtype):
                target = arg
            elif isinstance(arg, Tensor):
                target = arg.dtype
            elif arg is not None and not isinstance(arg, bool):
                _dtypes.device(arg).check_available()
        if target is None or target.numpy == self._data.dtype:
            return ops.Clone.apply(self) if copy else self
        return ops.ToCopy.apply(self, dtype=target.numpy)

    def type(self, dtype=None):
        if dtype is None:
            return _dtypes.TENSOR_TYPE_NAMES[self.dtype.name]
        if isinstance(dtype, str):
            dtype = {v: _dtypes.__dict__[k if k != "bool" else "bool_"] for k, v in
                     _dtypes.TENSOR_TYPE_NAMES.items()}[dtype]
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        raise AssertionError("Torch not compiled with CUDA enabled")

    def float(self):
        return self.to(float32)

    def double(self):
        return self.to(float64)

    def long(self):
        return self.to(int64)

    def int(self):
        return self.to(int32)

    def bool(self):
        return self.to(bool_)

    def clone(self, memory_format=None):
        return ops.Clone.apply(self)

    def detach(self):
        """A new leaf that shares this tensor's memory (no copy!) and version counter, cut from the graph."""
        return ops.Detach.apply(self)

    def detach_(self):
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                               "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of "
                               "DDP buckets, and hence detach_() cannot be called on these gradients. To fix this error, "
                               "please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the "
                               "solution.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        return factories.tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return factories.zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return factories.ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return factories.zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return factories.full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)


_RESIZED = (
    "An output with one or more elements was resized since it had shape {}, which does not match the required output "
    "shape {}. This behavior is deprecated, and in a future PyTorch release outputs will not be resized unless they "
    "have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
    "t.resize_(0). (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/Resize.cpp:30.)")

_T_DEPRECATED = (
    "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will throw "
    "an error in a future release. Consider `x.mT` to transpose batches of matrices or `x.permute(*torch.arange("
    "x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor. (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4314.)")


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _elementwise(ufunc, *operands):
    """A result without gradient (comparisons, bitwise ops, tests), laid out as PyTorch lays it out."""
    arrays = [_raw(x) for x in operands]
    return Tensor._make(_layout.elementwise(np.asarray(ufunc(*arrays)), arrays))


def _with_out(name, out, inputs, compute):
    """``compute()``, or with ``out=``: PyTorch refuses inputs that require grad (no graph is recorded),
    writes the result into ``out`` and returns it."""
    if out is None:
        return compute()
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_mode.is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in (*inputs, out)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    with grad_mode.no_grad():
        result = compute()
    if result is NotImplemented:
        raise TypeError(f"{name}(): argument 'other' must be Tensor or Number")
    if result.dtype.category > out.dtype.category:
        raise RuntimeError(f"result type {_checks.scalar_name(result.dtype)} can't be cast to the desired output type "
                           f"{_checks.scalar_name(out.dtype)}")
    if out._data.shape != result._data.shape:
        if out._data.size:
            _checks.warn(_RESIZED.format(list(out._data.shape), list(result._data.shape)))
        out._data = np.empty(result._data.shape, out._data.dtype)
    np.copyto(out._data, result._data, casting="unsafe")
    out._version_counter()[0] += 1
    return out


def _basic_view(t, key):
    """``t[key]`` for an index of numbers, slices, None and ``...``: PyTorch applies the parts left to
    right, one view each, and skips slices that keep a whole dim (``t`` itself if nothing is left)."""
    parts = key if isinstance(key, tuple) else (key,)
    result, dim = t, 0
    for part in parts:
        if part is Ellipsis:
            dim += t._data.ndim - sum(1 for p in parts if p is not None and p is not Ellipsis)
        elif part is None:
            result = result.unsqueeze(dim)
            dim += 1
        elif isinstance(part, slice):
            size = result._data.shape[dim]
            if part.indices(size) != (0, size, 1):
                result = ops.Slice.apply(result, key=(slice(None),) * dim + (part, Ellipsis))
            dim += 1
        else:
            result = ops.Select.apply(result, key=(slice(None),) * dim + (part, Ellipsis))
    return result


def _copy_to(part, value):
    """``t[key] = value`` once ``part`` is the view ``t[key]``, as PyTorch's indexing does it: ``copy_`` for a
    value of the same shape, ``fill_`` for a 0-d one, else ``copy_`` of the value without its leading
    1-sized dims, expanded."""
    if part._data.shape == value._data.shape:
        part.copy_(value)
    elif value._data.ndim == 0:
        apply_inplace(ops.FillTensor.apply, part, value)
    else:
        shape = value._data.shape
        leading = next((i for i, size in enumerate(shape) if size != 1), len(shape))
        source = value.view(shape[leading:])
        if source._data.shape != part._data.shape:
            source = source.expand(part._data.shape)
        part.copy_(source)


def _view_key(key):
    """A basic index that makes NumPy return a view even when it picks a single element (``a[0]`` of a
    vector is a NumPy scalar, a copy; ``a[0, ...]`` is a 0-d view)."""
    key = key if isinstance(key, tuple) else (key,)
    return key if Ellipsis in key else key + (Ellipsis,)


def _viewable(array, shape):
    """Can ``array`` be seen in ``shape`` without copying?  (NumPy answers with a view or a copy.)"""
    if array.flags.c_contiguous:
        return True
    try:
        array.view().shape = shape  # NumPy refuses exactly when the strides cannot express the shape
    except AttributeError:
        return False
    return True


def _fill_in_place(t, op, kernel, sample, generator, *inputs):
    """``t.normal_()`` and the other random fills: an in-place op whose values come from the generator."""
    if kernel is not None:
        factories.random_float_dtype(kernel, t.dtype)
    gen = factories.generator_or_default(generator)
    return apply_inplace(lambda target, *others: op.apply(
        target, *others, sample=lambda shape, contiguous: sample(gen, shape, contiguous, t._data.dtype)), t, *inputs)


class _ValuesIndices(tuple):
    """``max(dim=...)`` returns values and indices, like PyTorch's ``torch.return_types.max``."""

    def __new__(cls, name, values, indices):
        self = super().__new__(cls, (values, indices))
        self.name = name
        return self

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return f"torch.return_types.{self.name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


# ---------------------------------------------------------------------------------------------------
# Functions on several tensors
# ---------------------------------------------------------------------------------------------------

def matmul(a, b, *, out=None):
    """``a @ b``: picks PyTorch's node (MmBackward0, MvBackward0, DotBackward0, ...) by the operands' shapes."""
    if out is None:
        return _matmul(a, b)
    return _with_out("matmul", out, (a, b), lambda: _matmul(a, b))


def _matmul(a, b):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(b).__name__ if isinstance(a, Tensor) else type(a).__name__}")
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a._data.ndim}D and "
                           f"{b._data.ndim}D")
    sa, sb = a._data.shape, b._data.shape
    # Each case is one of PyTorch's kernels, which checks shapes and dtypes in its own order and words.
    if a._data.ndim == 1 and b._data.ndim == 1:
        return _dot(a, b)
    if a._data.ndim == 2 and b._data.ndim == 1:
        return _mv(a, b)
    if a._data.ndim == 1 and b._data.ndim == 2:  # vector @ matrix: a one-row matrix product
        output = ops.SqueezeLast.apply(_mm(a.unsqueeze(0), b), shape=sb[1:])
        output._version_box = [1]  # PyTorch drops the row with squeeze_, an in-place op that counts
        return output
    if a._data.ndim == 2 and b._data.ndim == 2:
        return _mm(a, b)
    if _should_fold(a, b):  # fold the batch dims of the larger operand into a matrix: one mm or mv
        transpose = b._data.ndim > a._data.ndim
        t1 = b.mT if transpose else a
        t2 = (a.t() if a._data.ndim == 2 else a) if transpose else b
        output_shape = t1.shape[:-1]
        folded = t1.reshape(math.prod(output_shape), t1.shape[-1])
        if t2.dim() == 2:
            output = ops.UnsafeView.apply(_mm(folded, t2), shape=tuple(output_shape) + (t2.shape[1],))
            return output.mT.contiguous() if transpose else output
        return ops.UnsafeView.apply(_mv(folded, t2), shape=tuple(output_shape))
    return _batched_matmul(a, b)


def _dot(a, b):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_checks.scalar_name(a.dtype)} "
                           f"and {_checks.scalar_name(b.dtype)}")
    (n,), (m,) = a._data.shape, b._data.shape
    if n != m:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number "
                           f"of elements, but got {n} and {m} elements respectively")
    return ops.Dot.apply(a, b)


def _mv(matrix, vector):
    (rows, columns), (length,) = matrix._data.shape, vector._data.shape
    if columns != length:
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{columns}), vec ({length})")
    if matrix.dtype is not vector.dtype:  # the result takes the vector's dtype before the check
        vec, mat = _checks.scalar_name(vector.dtype), _checks.scalar_name(matrix.dtype)
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {vec}, {mat}, and {vec}")
    return ops.Mv.apply(matrix, vector)


def _mm(a, b):
    (n, m), (k, p) = a._data.shape, b._data.shape
    if m != k:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{m} and {k}x{p})")
    if a._data.dtype != b._data.dtype and a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_checks.c_type_name(a.dtype)} != "
                           f"{_checks.c_type_name(b.dtype)}")
    return ops.Mm.apply(a, b)


def _bmm(a, b):
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
                           f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected scalar type {_checks.scalar_name(a.dtype)} but found "
                           f"{_checks.scalar_name(b.dtype)}")
    return ops.Bmm.apply(a, b)


def _should_fold(a, b):
    """PyTorch's choice: fold a batch of matrices times one matrix (or vector) into a single product
    when that needs no copy of the batch, or when the smaller operand requires grad."""
    a_larger = a._data.ndim >= b._data.ndim
    big, small = (a, b) if a_larger else (b, a)
    shape, strides = list(big._data.shape), [s // big._data.itemsize for s in big._data.strides]
    if not a_larger:  # the larger operand, transposed in its last two dims
        shape[-2:], strides[-2:] = shape[:-3:-1], strides[:-3:-1]
    if not (len(shape) >= 3 and small._data.ndim <= 2):
        return False
    if small.requires_grad:
        return True
    if a._data.ndim == 2:
        return False
    if big._data.size == 0:
        return True
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(len(shape) - 2))


def _batched_matmul(a, b):
    """Batches of matrices on both sides (broadcast against each other): one bmm."""
    sa, sb = a._data.shape, b._data.shape
    da, db = len(sa), len(sb)
    n = sa[-2] if da > 1 else 1
    m1 = sa[-1]
    m2, p = (sb[-2], sb[-1]) if db > 1 else (sb[0], 1)
    batch_a, batch_b = sa[:max(da - 2, 0)], sb[:max(db - 2, 0)]
    if da == 3 and db == 3 and batch_a[0] != batch_b[0]:
        if batch_a[0] == 1 and a.requires_grad:
            return matmul(a.squeeze(0), b)
        if batch_b[0] == 1 and b.requires_grad:
            return matmul(a, b.squeeze(0))
    _checks.broadcast(batch_a, batch_b)
    batch = tuple(np.broadcast_shapes(batch_a, batch_b))
    count = math.prod(batch)
    a3 = a.expand(batch + (n, m1)).reshape(count, n, m1)
    if db == 1:
        b3 = b.expand(batch + (m2,)).reshape(count, m2).unsqueeze(2)
    else:
        b3 = b.expand(batch + (m2, p)).reshape(count, m2, p)
    output_shape = batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ())
    product = _bmm(a3, b3)
    if db == 1:
        product = product.squeeze(-1)
    return ops.UnsafeView.apply(product, shape=output_shape)


def mm(a, b, *, out=None):
    if a.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if b.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    return _with_out("mm", out, (a, b), lambda: _matmul(a, b))


def dot(input, tensor, *, out=None):
    """The dot product of two vectors (DotBackward0)."""
    for position, (name, t) in enumerate((("input", input), ("tensor", tensor)), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"dot(): argument '{name}' (position {position}) must be Tensor, not {type(t).__name__}")
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {tensor._data.ndim}D tensors")
    if input.dtype is bool_ and tensor.dtype is bool_:
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    return _with_out("dot", out, (input, tensor), lambda: _dot(input, tensor))


def outer(input, vec2):
    """``input[:, None] * vec2``, as PyTorch computes it (ViewBackward0, then MulBackward0)."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t.dim() != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.dim()}-D")
    return input.reshape(input.shape[0], 1) * vec2


def bmm(a, b, *, out=None):
    if a.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    return _with_out("bmm", out, (a, b), lambda: _bmm(a, b))


def broadcast_tensors(*tensors):
    """Each tensor expanded to the common shape; a tensor that already has it is returned itself."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if len(tensors) == 2 and type(tensors[0]) is type(tensors[1]) is Tensor and (
            tensors[0]._data.shape == tensors[1]._data.shape):  # the common case: nothing to expand
        return tensors
    for number, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {number} in argument 0, but got {type(t).__name__}")
    shape = ()
    for t in tensors:
        _checks.broadcast(shape, t._data.shape)
        shape = np.broadcast_shapes(shape, t._data.shape)
    return tuple(t if t._data.shape == shape else t.expand(shape) for t in tensors)


def cat(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    first = tensors[0]._data
    dim = _checks.dim(dim, first.ndim)
    for number, t in enumerate(tensors[1:], start=1):
        if t._data.ndim != first.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {first.ndim} and {t._data.ndim}")
        for d in range(first.ndim):
            if d != dim and t._data.shape[d] != first.shape[d]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. Expected size "
                                   f"{first.shape[d]} but got size {t._data.shape[d]} for tensor number {number} in "
                                   "the list.")
    return _with_out("cat", out, tensors, lambda: ops.Cat.apply(*tensors, dim=dim))


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for number, t in enumerate(tensors[1:], start=1):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                               f"entry 0 and {list(t.shape)} at entry {number}")
    dim = _checks.dim(dim, tensors[0].dim() + 1)
    return _with_out("stack", out, tensors, lambda: ops.Stack.apply(*tensors, dim=dim))


def where(condition, input=None, other=None):
    if input is None and other is None:
        return tuple(Tensor._make(i) for i in np.nonzero(_raw(condition)))
    if not isinstance(condition, Tensor) or condition.dtype is not bool_:
        got = condition.dtype if isinstance(condition, Tensor) else None
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{_checks.scalar_name(got) if got is not None else type(condition).__name__}")
    cond_shape, a_shape, b_shape = (np.shape(_raw(x)) for x in (condition, input, other))
    _checks.broadcast(cond_shape, a_shape)  # in PyTorch's order: condition and input, then other
    _checks.broadcast(np.broadcast_shapes(cond_shape, a_shape), b_shape)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):  # two numbers: a float is float32
        dtype = _dtypes.promote([(_dtypes.default_for_category(_dtypes.category_of_number(x)), 2) for x in (input, other)])
        input, other = factories.full((), input, dtype=dtype), factories.full((), other, dtype=dtype)
    return ops.Where.apply(input, other, condition=condition)


def maximum(a, b, *, out=None):
    _checks.broadcast(a._data.shape, b._data.shape)
    return _with_out("maximum", out, (a, b), lambda: ops.Maximum.apply(a, b))


def minimum(a, b, *, out=None):
    _checks.broadcast(a._data.shape, b._data.shape)
    return _with_out("minimum", out, (a, b), lambda: ops.Minimum.apply(a, b))


def equal(a, b):
    return a.shape == b.shape and bool(np.array_equal(a._data, b._data))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(a._data, _raw(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return Tensor._make(np.isclose(a._data, _raw(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def is_tensor(x):
    return isinstance(x, Tensor)


def numel(t):
    return t.numel()


def clone(t, *, memory_format=None):
    return t.clone()


# ---------------------------------------------------------------------------------------------------
# The methods become Tensor's
# ---------------------------------------------------------------------------------------------------

for _name, _value in vars(TensorMethods).items():
    if not _name.startswith("__") or _name not in ("__module__", "__dict__", "__weakref__", "__doc__", "__qualname__"):
        setattr(Tensor, _name, _value)
del _name, _value
