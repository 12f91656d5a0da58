"""The Tensor: a NumPy array plus the three facts autograd needs.

* ``requires_grad`` — should gradients flow into this tensor?
* ``grad_fn`` — the graph node that made it (None for a leaf: a tensor you created yourself).
* ``grad`` — where ``backward`` accumulates the gradient of a leaf.

Everything else is NumPy doing the arithmetic and ``teachgrad.ops`` recording the graph.
"""

import math
import numbers
import warnings

import numpy as np

from . import autograd, ops

# ---------------------------------------------------------------------------------------------------
# dtypes, Size and device
# ---------------------------------------------------------------------------------------------------


class dtype:
    def __init__(self, name, numpy_type, category):
        self.name, self.numpy, self.category = name, np.dtype(numpy_type), category
        self.is_floating_point = category == 2

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return self.name


bool_ = dtype("bool", np.bool_, 0)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
_DTYPES = {d.numpy: d for d in (bool_, int32, int64, float32, float64)}
_DEFAULT_FLOAT = float32


def _dtype_of(array):
    try:
        return _DTYPES[array.dtype]
    except KeyError:
        raise TypeError(f"teachgrad does not support NumPy arrays of dtype {array.dtype}; "
                        "use float32, float64, int64, int32 or bool") from None


class Size(tuple):
    """The shape of a tensor: a tuple that prints as ``torch.Size([2, 3])``."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        return math.prod(self)


class device:
    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type = type.type
        type = str(type).split(":")[0]
        if type == "cuda":  # what PyTorch's CPU-only build says
            raise AssertionError("Torch not compiled with CUDA enabled")
        if type != "cpu":
            raise RuntimeError(f"teachgrad runs on the CPU only; cannot use device '{type}'")
        self.type, self.index = type, index

    def __repr__(self):
        return "device(type='cpu')"

    def __str__(self):
        return "cpu"

    def __eq__(self, other):
        return isinstance(other, (device, str)) and str(other).split(":")[0] == "cpu"

    def __hash__(self):
        return hash("cpu")


_CPU = device("cpu")


class _Cuda:
    """``torch.cuda``: teachgrad has no GPU, so code that asks chooses the CPU."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):
        pass

    manual_seed_all = manual_seed


cuda = _Cuda()

# ---------------------------------------------------------------------------------------------------
# Type promotion, as in PyTorch: Python numbers and 0-d tensors only decide the *kind* of the result
# (bool < integer < floating), dimensioned tensors decide its precision.
# ---------------------------------------------------------------------------------------------------

_DEFAULT_FOR_CATEGORY = {0: bool_, 1: int64, 2: float32}


def _category_of_number(x):
    return 0 if isinstance(x, (bool, np.bool_)) else 1 if isinstance(x, numbers.Integral) else 2


def _promote(*operands):
    tiers = [None, None, None]  # best dtype among: dimensioned tensors, 0-d tensors, Python numbers
    for x in operands:
        if isinstance(x, Tensor):
            d, tier = x.dtype, 0 if x._data.ndim else 1
        else:
            d, tier = _DEFAULT_FOR_CATEGORY[_category_of_number(x)], 2
        best = tiers[tier]
        if best is None or d.category > best.category or (
                d.category == best.category and d.numpy.itemsize > best.numpy.itemsize):
            tiers[tier] = d
    result = None
    for d in tiers:
        if d is not None and (result is None or d.category > result.category):
            result = d
    return result


def _as_operand(x, target):
    """The NumPy value to compute with: arrays cast to the result dtype, Python numbers as they are."""
    if isinstance(x, Tensor):
        data = x._data
        return data if data.dtype == target.numpy else data.astype(target.numpy)
    if isinstance(x, (numbers.Number, np.number, np.bool_)):
        return x
    raise TypeError(f"unsupported operand type: '{type(x).__name__}'")


def _check_broadcast(a_shape, b_shape):
    if a_shape == b_shape:
        return
    for i in range(1, min(len(a_shape), len(b_shape)) + 1):
        x, y = a_shape[-i], b_shape[-i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {max(len(a_shape), len(b_shape)) - i}")


def _binary(op, a, b, result_dtype=None, **settings):
    """Run a binary op with PyTorch's type promotion and broadcasting checks."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a._data.shape != b._data.shape:
            _check_broadcast(a._data.shape, b._data.shape)
        if a._data.dtype == b._data.dtype and result_dtype is None:
            return op.apply(a, b, **settings)  # the common case: nothing to convert
    elif not isinstance(b, (Tensor, numbers.Number, np.number, np.bool_)):
        return NotImplemented
    target = _promote(a, b)
    if result_dtype is not None:
        target = result_dtype(target)
    out = op.apply(_convert(a, target), _convert(b, target), **settings)
    if out._data.dtype != target.numpy:
        out._data = out._data.astype(target.numpy)
    return out


def _convert(x, target):
    if isinstance(x, Tensor) and x._data.dtype != target.numpy:
        return x.to(target)
    return x


def _true_division_dtype(d):
    return d if d.is_floating_point else _DEFAULT_FLOAT


def _normalize_dim(dim, ndim):
    """Check ``dim`` like PyTorch does and make it non-negative."""
    low, high = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not low <= dim <= high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})")
    return dim % max(ndim, 1)


def _normalize_dims(dim, ndim):
    if isinstance(dim, (tuple, list)):
        return tuple(_normalize_dim(d, ndim) for d in dim)
    return (_normalize_dim(dim, ndim),)


def _shape_arg(shape):
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _new_shape(shape):
    """The shape of a tensor about to be created: negative sizes are refused like PyTorch does."""
    shape = _shape_arg(shape)
    for size in shape:
        if size < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {size}: {list(shape)}")
    return shape


# ---------------------------------------------------------------------------------------------------
# Tensor
# ---------------------------------------------------------------------------------------------------

_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
    "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
    "for more information. (Triggered internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)")


class Tensor:
    # Defaults shared by every tensor, so that creating one only has to store its array.
    _requires_grad = False
    _grad_fn = None
    _version_box = None  # [n]: how often the memory was changed in place; shared with views and detach()
    _grad = None
    _accumulator = None
    _retains_grad = False
    __array_priority__ = 1000  # ndarray + Tensor must call Tensor.__radd__, not NumPy's loop

    def __init__(self, data=None, *, requires_grad=False):
        if data is None:
            data = np.zeros(0, dtype=np.float32)
        self._data = _to_array(data, None)
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, array):
        """Wrap an ndarray without copying (ops produce fresh arrays or views)."""
        t = object.__new__(Tensor)
        t._data = array if type(array) is np.ndarray else np.asarray(array)
        return t

    # --- autograd flags -------------------------------------------------------------------------

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if self._grad_fn is not None:
            message = "you can only change requires_grad flags of leaf variables."
            if not flag:
                message += (" If you want to use a computed variable in a subgraph that doesn't require "
                            "differentiation use var_no_grad = var.detach().")
            raise RuntimeError(message)
        if flag and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not self.dtype.is_floating_point:  # PyTorch words this one differently
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad and self._grad_fn is not None:
            return self  # a computed tensor already requires grad: PyTorch lets this pass
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        """The node that made this tensor (None for a leaf); read-only, as in PyTorch."""
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, value):
        raise AttributeError("attribute 'grad_fn' of 'torch._C.TensorBase' objects is not writable")

    @property
    def _version(self):
        return self._version_box[0] if self._version_box else 0

    def _version_counter(self):
        if self._version_box is None:
            self._version_box = [0]
        return self._version_box

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                                   f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size")
        self._grad = value

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        """Ask backward to keep this non-leaf tensor's gradient in ``.grad``."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is not None and not self._retains_grad:
            import weakref
            self._grad_fn._retained = weakref.ref(self)
            self._retains_grad = True

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        autograd.backward(self, gradient, retain_graph, create_graph)

    def detach(self):
        """A new leaf that shares this tensor's memory (no copy!) but is cut off from the graph."""
        out = Tensor._make(self._data)
        out._version_box = self._version_counter()  # same memory, same version counter
        if autograd.trace_hooks:
            for hook in autograd.trace_hooks:
                hook("detach", (self,), out, autograd.is_grad_enabled())
        return out

    def detach_(self):
        if self._grad_fn is not None and self._retains_grad:
            self._retains_grad = False
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        """The same numbers, seen as a tensor outside autograd (shares memory).

        Unlike ``detach()`` it does not share the version counter, so autograd cannot notice in-place
        changes made through it: PyTorch's reason to prefer ``detach()``.
        """
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else _to_array(value, None)

    # --- facts ----------------------------------------------------------------------------------

    @property
    def dtype(self):
        return _dtype_of(self._data)

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_normalize_dim(dim, self._data.ndim)]

    def dim(self):
        return self._data.ndim

    ndim = property(dim)

    def numel(self):
        return self._data.size

    nelement = numel

    @property
    def device(self):
        return _CPU

    is_cuda = False

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def element_size(self):
        return self._data.itemsize

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    # --- conversion -----------------------------------------------------------------------------

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(-1)[0].item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def to(self, *args, **kwargs):
        """``.to(dtype)``, ``.to(device)``, ``.to('cpu')`` or ``.to(other_tensor)``."""
        target = kwargs.get("dtype")
        for arg in list(args) + [kwargs.get("device")]:
            if isinstance(arg, dtype):
                target = arg
            elif isinstance(arg, Tensor):
                target = arg.dtype
            elif arg is not None:
                device(arg)  # only the CPU is accepted
        if target is None or target.numpy == self._data.dtype:
            return self
        if not target.is_floating_point:  # integers cannot carry gradients: no graph
            return Tensor._make(self._data.astype(target.numpy))
        return ops.ToCopy.apply(self, dtype=target.numpy)

    def type(self, dtype=None):
        if dtype is None:
            return {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "int64": "torch.LongTensor",
                    "int32": "torch.IntTensor", "bool": "torch.BoolTensor"}[self.dtype.name]
        return self.to(dtype)

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

    def clone(self):
        return ops.Clone.apply(self)

    def contiguous(self):
        return self

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data)

    def __float__(self):
        self._check_one_element()
        return float(self.item())

    def __int__(self):
        self._check_one_element()
        return int(self.item())

    def _check_one_element(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    __hash__ = object.__hash__  # by identity (== is elementwise), so tensors can be dict keys

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    # --- printing -------------------------------------------------------------------------------

    def __repr__(self):
        from ._printing import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    # --- arithmetic -----------------------------------------------------------------------------

    def __add__(self, other):
        return _binary(ops.Add, self, other)

    def __radd__(self, other):
        return _binary(ops.Add, other, self) if isinstance(other, Tensor) else _binary(ops.Add, self, other)

    def __sub__(self, other):
        return _binary(ops.Sub, self, other)

    def __rsub__(self, other):
        if not isinstance(other, (numbers.Number, np.number)):
            return NotImplemented
        target = _promote(self, other)
        return ops.Rsub.apply(_convert(self, target), other=other)

    def __mul__(self, other):
        return _binary(ops.Mul, self, other)

    def __rmul__(self, other):
        return _binary(ops.Mul, self, other)

    def __truediv__(self, other):
        return _binary(ops.Div, self, other, _true_division_dtype)

    def __rtruediv__(self, other):
        if not isinstance(other, (numbers.Number, np.number)):
            return NotImplemented
        return self.to(_true_division_dtype(self.dtype)).reciprocal() * other

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            return _binary(ops.PowTensor, self, exponent)
        if not isinstance(exponent, (numbers.Number, np.number)):
            return NotImplemented
        target = _promote(self, exponent)
        if not target.is_floating_point and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return ops.Pow.apply(_convert(self, target), exponent=exponent)

    def __rpow__(self, base):
        if not isinstance(base, (numbers.Number, np.number)):
            return NotImplemented
        target = _promote(self, base)
        return ops.RPow.apply(_convert(self, target), base=base)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(tensor(other), self)

    def __neg__(self):
        if self.dtype is bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                               "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        return ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __invert__(self):
        if self.dtype is not bool_:
            return Tensor._make(~self._data)
        return Tensor._make(np.logical_not(self._data))

    def __and__(self, other):
        return Tensor._make(self._data & _raw(other))

    def __or__(self, other):
        return Tensor._make(self._data | _raw(other))

    def __abs__(self):
        return self.abs()

    def add(self, other, alpha=1):
        return self + other if alpha == 1 else _binary(ops.Add, self, other, alpha=alpha)

    def sub(self, other, alpha=1):
        return self - other if alpha == 1 else _binary(ops.Sub, self, other, alpha=alpha)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self ** exponent

    def matmul(self, other):
        return matmul(self, other)

    def mm(self, other):
        return mm(self, other)

    def neg(self):
        return -self

    def abs(self):
        return ops.Abs.apply(self)

    def exp(self):
        return ops.Exp.apply(self._floating())

    def log(self):
        return ops.Log.apply(self._floating())

    def sqrt(self):
        return ops.Sqrt.apply(self._floating())

    def sin(self):
        return ops.Sin.apply(self._floating())

    def cos(self):
        return ops.Cos.apply(self._floating())

    def reciprocal(self):
        return ops.Reciprocal.apply(self._floating())

    def relu(self):
        return ops.Relu.apply(self)

    def sigmoid(self):
        return ops.Sigmoid.apply(self._floating())

    def tanh(self):
        return ops.Tanh.apply(self._floating())

    def square(self):
        return self * self

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        return ops.Clamp.apply(self, min=_raw(min), max=_raw(max))

    clip = clamp

    def _floating(self):
        return self if self.dtype.is_floating_point else self.to(_DEFAULT_FLOAT)

    # --- comparisons (no gradient) --------------------------------------------------------------

    def _compare(self, other, ufunc):
        if isinstance(other, Tensor):
            _check_broadcast(self._data.shape, other._data.shape)
        return Tensor._make(ufunc(self._data, _raw(other)))

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

    def equal(self, other):
        return equal(self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08):
        return allclose(self, other, rtol, atol)

    def where(self, condition, other):
        return where(condition, self, other)

    def isfinite(self):
        return Tensor._make(np.isfinite(self._data))

    def isnan(self):
        return Tensor._make(np.isnan(self._data))

    def all(self):
        return Tensor._make(np.all(self._data))

    def any(self):
        return Tensor._make(np.any(self._data))

    # --- reductions -----------------------------------------------------------------------------

    def sum(self, dim=None, keepdim=False, dtype=None):
        source = self if dtype is None else self.to(dtype)
        if source.dtype.category < 2 and dtype is None:
            source = source.to(int64)  # PyTorch sums integers and bools as int64
        if dim is None:
            return ops.Sum.apply(source)
        return ops.SumDim.apply(source, dim=_normalize_dims(dim, self._data.ndim), keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        source = self if dtype is None else self.to(dtype)
        if not source.dtype.is_floating_point:
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {_SCALAR_TYPE_NAMES[source.dtype.name]}")
        if dim is None:
            return ops.Mean.apply(source)
        return ops.MeanDim.apply(source, dim=_normalize_dims(dim, self._data.ndim), keepdim=keepdim)

    def _extreme(self, dim, keepdim, whole, along, name):
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                                   "Specify the reduction dim with the 'dim' argument.")
            return whole.apply(self)
        if isinstance(dim, Tensor):  # max(a, b): elementwise
            return maximum(self, dim) if name == "max" else minimum(self, dim)
        dim = _normalize_dim(dim, self._data.ndim)
        pick = np.argmax if name == "max" else np.argmin
        index = np.expand_dims(pick(self._data, axis=dim), dim)
        values = along.apply(self, index=index, dim=dim, keepdim=keepdim)
        return _MinMax(name, values, Tensor._make(index if keepdim else np.squeeze(index, dim)))

    def max(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, ops.Max, ops.MaxDim, "max")

    def min(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, ops.Min, ops.MinDim, "min")

    def argmax(self, dim=None, keepdim=False):
        if dim is None:
            return Tensor._make(np.argmax(self._data))
        index = np.argmax(self._data, axis=_normalize_dim(dim, self._data.ndim))
        return Tensor._make(np.expand_dims(index, dim) if keepdim else index)

    def argmin(self, dim=None, keepdim=False):
        if dim is None:
            return Tensor._make(np.argmin(self._data))
        index = np.argmin(self._data, axis=_normalize_dim(dim, self._data.ndim))
        return Tensor._make(np.expand_dims(index, dim) if keepdim else index)

    def norm(self, p=2, dim=None, keepdim=False):
        p = {"fro": 2}.get(p, p)
        dims = None if dim is None else _normalize_dims(dim, self._data.ndim)
        return ops.Norm.apply(self._floating(), p=p, dim=dims, keepdim=keepdim)

    def softmax(self, dim):
        return ops.Softmax.apply(self._floating(), dim=_normalize_dim(dim, self._data.ndim))

    def log_softmax(self, dim):
        return ops.LogSoftmax.apply(self._floating(), dim=_normalize_dim(dim, self._data.ndim))

    # --- shape ----------------------------------------------------------------------------------

    def _target_shape(self, shape):
        requested = _shape_arg(shape)
        shape, size = list(requested), self._data.size
        if shape.count(-1) > 1:
            raise RuntimeError("only one dimension can be inferred")
        known = math.prod(s for s in shape if s != -1)
        if -1 in shape and known and size % known == 0:
            shape[shape.index(-1)] = size // known
        if math.prod(shape) != size or -1 in shape:
            raise RuntimeError(f"shape '[{', '.join(map(str, requested))}]' is invalid for input of size {size}")
        return tuple(shape)

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], dtype):
            raise NotImplementedError("teachgrad does not reinterpret memory as another dtype")
        return ops.View.apply(self, shape=self._target_shape(shape))

    reshape = view

    def view_as(self, other):
        return self.view(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim=0, end_dim=-1):
        if self._data.ndim == 0:
            return self.reshape(1)
        start = _normalize_dim(start_dim, self._data.ndim)
        end = _normalize_dim(end_dim, self._data.ndim)
        if start >= end:
            return self
        shape = self._data.shape
        return self.view(shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])

    def unflatten(self, dim, sizes):
        dim = _normalize_dim(dim, self._data.ndim)
        shape = self._data.shape
        return self.view(shape[:dim] + tuple(sizes) + shape[dim + 1:])

    def t(self):
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D")
        return ops.T.apply(self)

    @property
    def T(self):
        return self.permute(*reversed(range(self._data.ndim))) if self._data.ndim >= 2 else self

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def transpose(self, dim0, dim1):
        n = self._data.ndim
        return ops.Transpose.apply(self, dim0=_normalize_dim(dim0, n), dim1=_normalize_dim(dim1, n))

    def permute(self, *dims):
        dims = _shape_arg(dims)
        if len(dims) != self._data.ndim:
            raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                               f"length of the desired ordering of dimensions i.e. input.dim() = {self._data.ndim} "
                               f"is not equal to len(dims) = {len(dims)}")
        dims = tuple(_normalize_dim(d, self._data.ndim) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return ops.Permute.apply(self, dims=dims)

    def squeeze(self, dim=None):
        shape = self._data.shape
        if dim is None:
            return ops.Squeeze.apply(self, shape=tuple(s for s in shape if s != 1))
        dims = _normalize_dims(dim, self._data.ndim)
        return ops.SqueezeDim.apply(self, shape=tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1)))

    def unsqueeze(self, dim):
        dim = _normalize_dim(dim, self._data.ndim + 1)
        shape = self._data.shape
        return ops.Unsqueeze.apply(self, shape=shape[:dim] + (1,) + shape[dim:])

    def expand(self, *shape):
        shape = list(_shape_arg(shape))
        own = self._data.shape
        if len(shape) < len(own):
            raise RuntimeError(f"expand(torch.FloatTensor{{{list(own)}}}, size=[{', '.join(map(str, shape))}]): the "
                               f"number of sizes provided ({len(shape)}) must be greater or equal to the number of "
                               f"dimensions in the tensor ({len(own)})")
        offset = len(shape) - len(own)
        for i, size in enumerate(own):
            target = shape[offset + i]
            if target == -1:
                shape[offset + i] = size
            elif size != 1 and size != target:
                raise RuntimeError(f"The expanded size of the tensor ({target}) must match the existing size ({size}) "
                                   f"at non-singleton dimension {offset + i}.  Target sizes: [{', '.join(map(str, shape))}]."
                                   f"  Tensor sizes: [{', '.join(map(str, own))}]")
        return ops.Expand.apply(self, shape=tuple(shape))

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *sizes):
        sizes = _shape_arg(sizes)
        return cat([self] * sizes[0], 0) if len(sizes) == 1 else Tensor._make(np.tile(self._data, sizes))

    # --- indexing -------------------------------------------------------------------------------

    def __getitem__(self, key):
        key = _index_key(key, self._data.shape)
        if _is_basic(key):
            # PyTorch applies the index parts left to right; the last real one names the node.
            parts = [k for k in (key if isinstance(key, tuple) else (key,))
                     if k is not Ellipsis and not (isinstance(k, slice) and k == slice(None))]
            last = parts[-1] if parts else slice(None)
            if last is None:
                return ops.Unsqueeze.apply(self, shape=self._data[key].shape)
            return (ops.Slice if isinstance(last, slice) else ops.Select).apply(self, key=key)
        return ops.Index.apply(self, key=key)

    def __setitem__(self, key, value):
        self._check_inplace(view=True)
        key = _index_key(key, self._data.shape)
        if autograd.is_grad_enabled() and (self._requires_grad or getattr(value, "_requires_grad", False)):
            value = value.to(self.dtype) if isinstance(value, Tensor) else value
            return self._inplace(ops.CopySlices.apply(self, value, key=key))
        self._data[key] = _raw(value)

    # --- in-place operations --------------------------------------------------------------------

    def _check_inplace(self, view=False):
        """Refuse to overwrite a leaf that requires grad, and count the change (the version counter)."""
        if self._requires_grad and self._grad_fn is None and autograd.is_grad_enabled():
            raise RuntimeError(("a view of " if view else "") +
                               "a leaf Variable that requires grad is being used in an in-place operation.")
        self._version_counter()[0] += 1

    def _inplace(self, result):
        """Make ``result`` this tensor's new value: in memory when no graph is involved."""
        if result._requires_grad:
            # Part of a graph: this tensor now stands for the result (PyTorch rebases its grad_fn).
            self._data, self._grad_fn, self._requires_grad = result._data, result._grad_fn, True
        else:
            np.copyto(self._data, result._data, casting="unsafe")
        return self

    def add_(self, other, alpha=1):
        self._check_inplace()
        return self._inplace(self.add(other, alpha=alpha))

    def sub_(self, other, alpha=1):
        self._check_inplace()
        return self._inplace(self.sub(other, alpha=alpha))

    def mul_(self, other):
        self._check_inplace()
        return self._inplace(self * other)

    def div_(self, other):
        self._check_inplace()
        return self._inplace(self / other)

    def clamp_(self, min=None, max=None):
        self._check_inplace()
        return self._inplace(self.clamp(min, max))

    def pow_(self, exponent):
        self._check_inplace()
        return self._inplace(self ** exponent)

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        self._check_inplace()
        self._data[...] = _raw(value)
        return self

    def copy_(self, source):
        self._check_inplace()
        self._data[...] = _raw(source)
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        self._check_inplace()
        _random_float("normal_kernel_cpu", self.dtype)
        gen = _gen(generator)
        _fill_random(self._data, lambda shape, contig: gen.normal(shape, float(mean), float(std), self._data.dtype, contig))
        return self

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        self._check_inplace()
        _random_float("check_uniform_bounds", self.dtype)
        gen = _gen(generator)
        _fill_random(self._data, lambda shape, contig: gen.uniform(shape, float(a), float(b), self._data.dtype))
        return self

    def bernoulli_(self, p=0.5, *, generator=None):
        self._check_inplace()
        p = float(p) if not isinstance(p, Tensor) else p._data
        gen = _gen(generator)
        _fill_random(self._data, lambda shape, contig: gen.bernoulli(shape, p, self._data.dtype))
        return self

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    # --- new tensors like this one --------------------------------------------------------------

    def new_tensor(self, data, dtype=None, requires_grad=False):
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None):
        return zeros(*size, dtype=dtype or self.dtype)

    def new_ones(self, *size, dtype=None):
        return ones(*size, dtype=dtype or self.dtype)


_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool"}


def _rebuild(data, requires_grad):
    return tensor(data, requires_grad=requires_grad)


class _MinMax(tuple):
    """``max(dim=...)`` returns values and indices, like PyTorch's ``torch.return_types.max``."""

    def __new__(cls, name, values, indices):
        self = super().__new__(cls, (values, indices))
        self.name = name
        return self

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return f"torch.return_types.{self.name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _index_key(key, shape):
    """Turn tensors inside an index into NumPy arrays and check integer indices like PyTorch."""
    parts = key if isinstance(key, tuple) else (key,)
    converted, dim = [], 0
    for part in parts:
        if isinstance(part, Tensor):
            part = part._data
        elif isinstance(part, list):
            part = np.asarray(part)
        if isinstance(part, (int, np.integer)) and not isinstance(part, bool):
            if dim >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            if not -shape[dim] <= part < shape[dim]:
                raise IndexError(f"index {part} is out of bounds for dimension {dim} with size {shape[dim]}")
            part = int(part)
        converted.append(part)
        if part is not None and part is not Ellipsis:
            dim += part.ndim if isinstance(part, np.ndarray) and part.dtype == bool else 1
    return tuple(converted) if isinstance(key, tuple) else converted[0]


def _is_basic(key):
    parts = key if isinstance(key, tuple) else (key,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


# ---------------------------------------------------------------------------------------------------
# Creating tensors
# ---------------------------------------------------------------------------------------------------

def _infer_dtype(data):
    """PyTorch's rules: floats -> float32, ints -> int64, bools -> bool, arrays keep their dtype."""
    if isinstance(data, (np.ndarray, np.generic)):
        return _dtype_of(np.asarray(data))
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(data, (bool, np.bool_)):
        return bool_
    if isinstance(data, (numbers.Integral,)):
        return int64
    if isinstance(data, numbers.Real):
        return _DEFAULT_FLOAT
    if isinstance(data, (list, tuple)):
        best = None
        for item in data:
            d = _infer_dtype(item)
            if best is None or d.category > best.category:
                best = d
        return best or _DEFAULT_FLOAT
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _tensors_to_lists(data):
    if isinstance(data, Tensor):  # inside a list, PyTorch takes a tensor as one number
        return float(data) if data.dtype.is_floating_point else int(data)
    if isinstance(data, np.generic):
        return data.item()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(x) for x in data]
    return data


def _nested_sizes(data):
    """The shape of nested lists, read off the first element at each depth (as PyTorch does)."""
    sizes = []
    while isinstance(data, (list, tuple, str)):
        if isinstance(data, str):
            raise ValueError("too many dimensions 'str'")
        sizes.append(len(data))
        if not data:
            break
        data = data[0]
    return sizes


def _check_nesting(data, sizes, floating, dim=0):
    """Reject ragged lists with PyTorch's messages instead of NumPy's."""
    if dim == len(sizes):
        if isinstance(data, (list, tuple)):
            kind = type(data).__name__
            raise TypeError(f"must be real number, not {kind}" if floating else
                            f"'{kind}' object cannot be interpreted as an integer")
        return
    if not isinstance(data, (list, tuple)):
        raise TypeError("not a sequence")
    if len(data) != sizes[dim]:
        raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(data)})")
    for item in data:
        _check_nesting(item, sizes, floating, dim + 1)


def _check_dtype_argument(dtype_, function="tensor"):
    if dtype_ is not None and not isinstance(dtype_, dtype):
        raise TypeError(f"{function}(): argument 'dtype' must be torch.dtype, not {type(dtype_).__name__}")


def _to_array(data, dtype_):
    if isinstance(data, str) or isinstance(data, bytes):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if isinstance(data, Tensor):
        array = data._data
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
    else:
        data = _tensors_to_lists(data)
        sizes = _nested_sizes(data)
        inferred = _infer_dtype(data)
        _check_nesting(data, sizes, (dtype_ or inferred).is_floating_point)
        array = np.array(data, dtype=(dtype_ or inferred).numpy)
    target = dtype_.numpy if dtype_ is not None else (array.dtype if array.dtype in _DTYPES else None)
    if target is None:
        _dtype_of(array)  # raises a clear TypeError
    return np.array(array, dtype=target, copy=True)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (numbers, nested lists, arrays or tensors)."""
    _check_dtype_argument(dtype)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                      "or sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    return _leaf(Tensor._make(_to_array(data, dtype)), requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtype):
        return data
    return tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor that shares memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype_of(array)
    return Tensor._make(array)


def _check_can_require_grad(t):
    """The factory functions' error (``requires_grad_()`` words it slightly differently)."""
    if not t.dtype.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")


def _leaf(t, requires_grad):
    if requires_grad:
        _check_can_require_grad(t)
        t._requires_grad = True
    return t


def _filled(shape, value, dtype_, requires_grad):
    _check_dtype_argument(dtype_, "full")
    dtype_ = dtype_ or (_infer_dtype(value) if value is not None and not isinstance(value, float) else _DEFAULT_FLOAT)
    return _leaf(Tensor._make(np.full(_new_shape(shape), value, dtype=dtype_.numpy)), requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 0, dtype or _DEFAULT_FLOAT, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 1, dtype or _DEFAULT_FLOAT, requires_grad)


empty = zeros


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    return _filled((size,) if isinstance(size, int) else size, fill_value, dtype, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    t = Tensor._make(np.eye(n, m, dtype=(dtype or _DEFAULT_FLOAT).numpy))
    return _leaf(t, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = (start, end, step)
    inferred = _DEFAULT_FLOAT if any(isinstance(_raw(v), (float, np.floating)) for v in values) else int64
    t = Tensor._make(np.arange(_raw(start), _raw(end), _raw(step)).astype((dtype or inferred).numpy))
    return _leaf(t, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    t = Tensor._make(np.linspace(start, end, steps).astype((dtype or _DEFAULT_FLOAT).numpy))
    return _leaf(t, requires_grad)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)


empty_like = zeros_like


# Random numbers: PyTorch's CPU generator reproduced bit for bit (teachgrad/_random.py), so a seeded
# program draws exactly PyTorch's numbers.
from . import _random


class Generator(_random.Generator):
    """torch.Generator for the CPU: same seed, same numbers as PyTorch (fresh ones use seed 67280421310721)."""

    def __init__(self, device="cpu"):
        super().__init__()

    device = device("cpu")

    def get_state(self):
        return Tensor._make(super().get_state().astype(np.int64))  # PyTorch: a uint8 tensor of 5056 bytes

    def set_state(self, new_state):
        return super().set_state(_raw(new_state))

    def __repr__(self):
        return f"<torch._C.Generator object at {hex(id(self))}>"


default_generator = Generator()
default_generator.seed()  # PyTorch seeds its global generator nondeterministically


def manual_seed(seed):
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


def _gen(generator):
    return default_generator if generator is None else generator


def _random_float(kernel, dtype):
    dtype = dtype or _DEFAULT_FLOAT
    if not dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_TYPE_NAMES[dtype.name]}\'')
    return dtype


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None):
    dtype = _random_float("check_uniform_bounds", dtype)
    return _leaf(Tensor._make(_gen(generator).uniform(_shape_arg(size), dtype=dtype.numpy)), requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None):
    dtype = _random_float("normal_kernel_cpu", dtype)
    return _leaf(Tensor._make(_gen(generator).normal(_shape_arg(size), dtype=dtype.numpy)), requires_grad)


def normal(mean, std, size, *, generator=None, dtype=None, device=None, requires_grad=False):
    dtype = _random_float("normal_kernel_cpu", dtype)
    out = _gen(generator).normal(_shape_arg((size,)), float(mean), float(std), dtype.numpy)
    return _leaf(Tensor._make(out), requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    out = _gen(generator).randint(int(low), int(high), _shape_arg((size,)))
    return Tensor._make(out.astype((dtype or int64).numpy))


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    return Tensor._make(_gen(generator).randperm(int(n)).astype((dtype or int64).numpy))


def rand_like(t, dtype=None, requires_grad=False):
    return rand(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t, dtype=None, requires_grad=False):
    return randn(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def _fill_random(arr, sample):
    """Fill `arr` in place with sample(shape, contiguous) the way PyTorch's TensorIterator visits a
    tensor: in memory order (dimensions sorted by decreasing stride), C order for contiguous arrays."""
    order = sorted(range(arr.ndim), key=lambda d: -abs(arr.strides[d]))
    view = arr.transpose(order)
    view[...] = sample(view.shape, arr.flags.c_contiguous)


# ---------------------------------------------------------------------------------------------------
# Functions on several tensors
# ---------------------------------------------------------------------------------------------------

def matmul(a, b):
    """``a @ b``: picks PyTorch's node (MmBackward0, MvBackward0, DotBackward0) by the operands' shapes."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(b).__name__ if isinstance(a, Tensor) else type(a).__name__}")
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a._data.ndim}D and "
                           f"{b._data.ndim}D")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name.replace('float32', 'float')} "
                           f"!= {b.dtype.name.replace('float32', 'float')}")
    sa, sb = a._data.shape, b._data.shape
    if a._data.ndim == 1 and b._data.ndim == 1:
        if sa != sb:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the "
                               f"same number of elements, but got {sa[0]} and {sb[0]} elements respectively")
        return ops.Dot.apply(a, b)
    if a._data.ndim == 2 and b._data.ndim == 1:
        if sa[1] != sb[0]:
            raise RuntimeError(f"size mismatch, got input ({sa[0]}), mat ({sa[0]}x{sa[1]}), vec ({sb[0]})")
        return ops.Mv.apply(a, b)
    inner_b = sb[0] if b._data.ndim == 1 else sb[-2]
    if sa[-1] != inner_b:
        rows = math.prod(sa[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{sa[-1]} and "
                           f"{sb[-2] if b._data.ndim > 1 else sb[0]}x{sb[-1] if b._data.ndim > 1 else 1})")
    if a._data.ndim == 2 and b._data.ndim == 2:
        return ops.Mm.apply(a, b)
    # The other cases reduce to the ones above, built from the same pieces as in PyTorch.
    if a._data.ndim == 1:
        return ops.SqueezeLast.apply(matmul(a.unsqueeze(0), b), shape=sb[:-2] + sb[-1:])
    if b._data.ndim <= 2:  # a batch of matrices times one matrix (or vector): a single big product
        product = matmul(a.reshape(-1, sa[-1]), b)
        return ops.UnsafeView.apply(product, shape=sa[:-1] + sb[1:])
    batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    a3 = a.expand(*batch, *sa[-2:]).reshape(-1, *sa[-2:])
    b3 = b.expand(*batch, *sb[-2:]).reshape(-1, *sb[-2:])
    return ops.UnsafeView.apply(ops.Bmm.apply(a3, b3), shape=batch + (sa[-2], sb[-1]))


def mm(a, b):
    if a.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if b.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(a, b)


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    first = tensors[0]._data
    dim = _normalize_dim(dim, first.ndim)
    for number, t in enumerate(tensors[1:], start=1):
        if t._data.ndim != first.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {first.ndim} and {t._data.ndim}")
        for d in range(first.ndim):
            if d != dim and t._data.shape[d] != first.shape[d]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. Expected size "
                                   f"{first.shape[d]} but got size {t._data.shape[d]} for tensor number {number} in the list.")
    target = _promote(*tensors)
    return ops.Cat.apply(*[_convert(t, target) for t in tensors], dim=dim)


concat = cat


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for number, t in enumerate(tensors[1:], start=1):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at entry 0 "
                               f"and {list(t.shape)} at entry {number}")
    target = _promote(*tensors)
    return ops.Stack.apply(*[_convert(t, target) for t in tensors], dim=_normalize_dim(dim, tensors[0].dim() + 1))


def where(condition, input=None, other=None):
    if input is None and other is None:
        return tuple(Tensor._make(i) for i in np.nonzero(_raw(condition)))
    if not isinstance(condition, Tensor) or condition.dtype is not bool_:
        got = condition.dtype.name if isinstance(condition, Tensor) else type(condition).__name__
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{_SCALAR_TYPE_NAMES.get(got, got)}")
    cond_shape, a_shape, b_shape = (np.shape(_raw(x)) for x in (condition, input, other))
    _check_broadcast(cond_shape, a_shape)  # in PyTorch's order: condition and input, then other
    _check_broadcast(np.broadcast_shapes(cond_shape, a_shape), b_shape)
    target = _promote(*[x for x in (input, other)])
    a = _convert(input, target) if isinstance(input, Tensor) else input
    b = _convert(other, target) if isinstance(other, Tensor) else other
    out = ops.Where.apply(a, b, condition=_raw(condition))
    if out._data.dtype != target.numpy:
        out._data = out._data.astype(target.numpy)
    return out


def maximum(a, b):
    return where(a >= b, a, b)


def minimum(a, b):
    return where(a <= b, a, b)


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


def get_default_dtype():
    return _DEFAULT_FLOAT


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    from . import _printing
    _printing.set_printoptions(precision, threshold, edgeitems, linewidth, profile, sci_mode)

