"""Turning Python data (numbers, nested lists, NumPy arrays, tensors) into the NumPy array a tensor
holds, with PyTorch's dtype inference and PyTorch's errors for ragged or odd data.

It imports nothing of teachgrad's but the dtypes; a tensor among the data is recognised by its
``_data`` array.
"""

import numbers

import numpy as np

from . import _dtypes


def _is_tensor(x):
    return hasattr(x, "_data") and hasattr(x, "_grad_fn")


def infer_dtype(data):
    """PyTorch's rules: floats -> the default float dtype, ints -> int64, bools -> bool, arrays keep theirs."""
    if isinstance(data, (np.ndarray, np.generic)):
        return _dtypes.of_array(np.asarray(data))
    if _is_tensor(data):
        return _dtypes.of_array(data._data)
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(data, (bool, np.bool_)):
        return _dtypes.bool_
    if isinstance(data, numbers.Integral):
        return _dtypes.int64
    if isinstance(data, numbers.Real):
        return _dtypes.default_float()
    if isinstance(data, (list, tuple)):
        best = None
        for item in data:
            d = infer_dtype(item)
            if best is None or d.category > best.category:
                best = d
        return best or _dtypes.default_float()
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _tensors_to_lists(data):
    if _is_tensor(data):  # inside a list, PyTorch takes a one-element tensor as a number
        if data._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return data._data.reshape(-1)[0].item()
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
        if data is None or isinstance(data, (str, bytes, dict, set)):
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


def check_dtype_argument(dtype, function="tensor"):
    if dtype is not None and not isinstance(dtype, _dtypes.dtype):
        raise TypeError(f"{function}(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")


def to_array(data, dtype=None, copy=True):
    """A NumPy array of ``data`` in ``dtype`` (inferred like PyTorch when None)."""
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if _is_tensor(data):
        array = data._data
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
    else:
        data = _tensors_to_lists(data)
        sizes = _nested_sizes(data)
        inferred = infer_dtype(data)
        _check_nesting(data, sizes, (dtype or inferred).is_floating_point)
        array = np.array(data, dtype=(dtype or inferred).numpy)
    if dtype is not None:
        target = dtype.numpy
    else:
        target = array.dtype if array.dtype in _dtypes._BY_NUMPY else _dtypes.of_array(array).numpy
    return np.array(array, dtype=target, copy=True) if copy else np.asarray(array, dtype=target)


def legacy_tensor_data(args, dtype=None):
    """``torch.Tensor(...)``, ``torch.LongTensor(...)``: sizes make a zero-filled tensor, data is copied;
    in ``dtype``, or the default float."""
    dtype = dtype or _dtypes.default_float()
    if not args:
        return np.zeros(0, dtype.numpy)
    if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args) or (
            len(args) == 1 and isinstance(args[0], _dtypes.Size)):
        sizes = args[0] if isinstance(args[0], _dtypes.Size) else args
        return np.zeros(tuple(sizes), dtype.numpy)
    if len(args) == 1:
        if isinstance(args[0], numbers.Number):
            raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
        return to_array(args[0], dtype)
    raise TypeError("new() received an invalid combination of arguments")
