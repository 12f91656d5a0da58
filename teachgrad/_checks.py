"""PyTorch's argument checks and its error texts, in one place, so that the code that computes stays
short.  Each function either returns the normalised argument or raises PyTorch's exception with
PyTorch's message.  Nothing here knows about tensors or graphs.
"""

import numbers
import sys
import warnings

import numpy as np

from ._dtypes import SCALAR_TYPE_NAMES, TENSOR_TYPE_NAMES


def dim(dim, ndim):
    """``dim`` made non-negative, checked like PyTorch (a 0-d tensor accepts 0 and -1)."""
    if isinstance(dim, bool) or not isinstance(dim, (numbers.Integral,)):
        raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    low, high = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not low <= dim <= high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})")
    return int(dim) % max(ndim, 1)


def dims(dim_or_dims, ndim):
    """A tuple of non-negative dims (``dim`` may be one int or a sequence)."""
    if isinstance(dim_or_dims, (tuple, list)):
        result = tuple(dim(d, ndim) for d in dim_or_dims)
        if len(set(result)) != len(result):
            repeated = next(d for d in result if result.count(d) > 1)
            raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
        return result
    return (dim(dim_or_dims, ndim),)


def shape_arg(shape):
    """Accept ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(torch.Size([2, 3]))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    result = []
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (numbers.Integral, np.integer)) and not _is_int_tensor(s):
            raise TypeError(f"expected a sequence of integers or a single integer, got '{s!r}'"
                            if not isinstance(s, (float, str)) else
                            f"empty(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__} at pos {len(result)}")
        result.append(int(s))
    return tuple(result)


def _is_int_tensor(x):
    data = getattr(x, "_data", None)
    return data is not None and data.dtype.kind in "iu" and data.size == 1


def new_shape(shape):
    """The shape of a tensor about to be created: negative sizes are refused like PyTorch does."""
    shape = shape_arg(shape)
    for size in shape:
        if size < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {size}: {list(shape)}")
    return shape


def broadcast(a_shape, b_shape):
    """PyTorch's message when two shapes cannot broadcast (names a and b as PyTorch does)."""
    if a_shape == b_shape:
        return
    for i in range(1, min(len(a_shape), len(b_shape)) + 1):
        x, y = a_shape[-i], b_shape[-i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {max(len(a_shape), len(b_shape)) - i}")


def broadcast_to(source_shape, target_shape):
    """``copy_`` and friends: ``source_shape`` must broadcast to ``target_shape`` itself."""
    try:
        ok = np.broadcast_shapes(source_shape, target_shape) == tuple(target_shape)
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"The size of tensor a ({target_shape[-1] if target_shape else 1}) must match the size of "
                           f"tensor b ({source_shape[-1] if source_shape else 1}) at non-singleton dimension "
                           f"{len(target_shape) - 1}" if len(source_shape) <= len(target_shape) else
                           f"output with shape {list(target_shape)} doesn't match the broadcast shape "
                           f"{list(np.broadcast_shapes(source_shape, target_shape)) if _compatible(source_shape, target_shape) else list(source_shape)}")


def expanded_shape(own, shape, dtype):
    """The shape ``expand(*shape)`` gives a tensor of shape ``own`` (-1 keeps a size), checked as PyTorch does."""
    shape = list(shape)
    if len(shape) < len(own):
        raise RuntimeError(f"expand({type_string(dtype)}{{{list(own)}}}, size=[{', '.join(map(str, shape))}]): "
                           f"the number of sizes provided ({len(shape)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(own)})")
    offset = len(shape) - len(own)
    requested = ", ".join(map(str, shape))
    for i in reversed(range(len(own))):  # PyTorch checks from the last dimension
        size, target = own[i], shape[offset + i]
        if target == -1:
            shape[offset + i] = size
        elif size != 1 and size != target:
            raise RuntimeError(f"The expanded size of the tensor ({target}) must match the existing size ({size}) "
                               f"at non-singleton dimension {offset + i}.  Target sizes: [{requested}]."
                               f"  Tensor sizes: [{', '.join(map(str, own))}]")
    for i in range(offset):
        if shape[i] == -1:
            raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                               f"dimension {i}")
    return tuple(shape)


def _compatible(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def warn(message, category=UserWarning):
    """``warnings.warn`` pointing at the first line outside teachgrad: the user's line, as PyTorch's do."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("teachgrad"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


_OVERFLOW_NAMES = {"float32": "float", "float64": "double", "int64": "int64_t", "int32": "int"}


def scalar_value(value, dtype):
    """A Python number about to fill a tensor of ``dtype``: PyTorch refuses one the dtype cannot hold
    (inf or 1e300 in an integer tensor, 1e300 in a float32 one); infinities and NaN fit a float."""
    if dtype.name == "bool" or isinstance(value, (bool, np.bool_)):
        return value
    if dtype.is_floating_point:
        fits = not np.isfinite(value) or abs(value) <= np.finfo(dtype.numpy).max
    else:
        limits = np.iinfo(dtype.numpy)
        fits = np.isfinite(value) and limits.min <= value <= limits.max
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_OVERFLOW_NAMES[dtype.name]} without overflow")
    return value


def scalar_name(dtype):
    return SCALAR_TYPE_NAMES[dtype.name]


_C_TYPE_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "bool": "bool"}


def type_string(dtype):
    """How PyTorch's messages name a tensor's type: ``torch.FloatTensor``, but ``CPUBoolType`` (bool has
    no legacy tensor class)."""
    return "CPUBoolType" if dtype.name == "bool" else TENSOR_TYPE_NAMES[dtype.name]


def c_type_name(dtype):
    """The C++ name some of PyTorch's messages use for a dtype (``long int`` for int64)."""
    return _C_TYPE_NAMES[dtype.name]


# Messages used in more than one place
BOOL_SUBTRACTION = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                    "invert a mask, use the `~` or `logical_not()` operator instead.")
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_INPLACE = "a view of a leaf Variable that requires grad is being used in an in-place operation."
VIEW_NOT_COMPATIBLE = ("view size is not compatible with input tensor's size and stride (at least one dimension "
                       "spans across two contiguous subspaces). Use .reshape(...) instead.")
OVERLAPPING_WRITE = ("unsupported operation: more than one element of the written-to tensor refers to a single "
                     "memory location. Please clone() the tensor before performing the operation.")
PARTIAL_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
                   "memory location. Please clone() the tensor before performing the operation.")
NO_GRAD_VIEW_INPLACE = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this use "
    "case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the "
    "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if "
    "you want the inplace to be tracked).")
ZERO_DIM_INDEX = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to "
                  "convert a 0-dim tensor to a number")
