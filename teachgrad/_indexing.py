"""Reading an index such as ``t[0, 1:3, None]`` or ``t[mask]`` the way PyTorch does.

``normalize`` turns the tensors and lists inside an index into NumPy arrays and checks integer
indices, slice steps and masks with PyTorch's messages; ``is_basic`` tells a view-making index
(integers, slices, None, ...) from one that copies (tensors, lists, masks).
"""

import numbers

import numpy as np


def _part(part, shape, dim):
    """One entry of the index: checked, converted to what NumPy expects."""
    data = getattr(part, "_data", None)
    if data is not None:  # a tensor
        if data.ndim == 0 and data.dtype.kind in "iu":
            part = int(data)  # a one-element integer tensor indexes like a number
        else:
            part = data
    elif isinstance(part, (list, tuple)):
        part = np.asarray([int(getattr(p, "_data", p)) if not isinstance(p, bool) else p for p in part])
    if isinstance(part, (bool, np.bool_)):
        return np.asarray(part)
    if isinstance(part, (numbers.Integral, np.integer)):
        if dim >= len(shape):
            raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
        if not -shape[dim] <= part < shape[dim]:
            raise IndexError(f"index {part} is out of bounds for dimension {dim} with size {shape[dim]}")
        return int(part)
    if isinstance(part, slice):
        if part.step is not None and part.step <= 0:
            raise ValueError("step must be greater than zero" if part.step < 0 else "slice step cannot be zero")
        return part
    if part is None or part is Ellipsis:
        return part
    if isinstance(part, np.ndarray):
        if part.dtype == bool:
            for i, size in enumerate(part.shape):
                if dim + i >= len(shape) or shape[dim + i] != size:
                    raise IndexError(f"The shape of the mask {list(part.shape)} at index {i} does not match the "
                                     f"shape of the indexed tensor {list(shape)} at index {dim + i}")
            return part
        if part.dtype.kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if dim < len(shape) and part.size and (part.max() >= shape[dim] or part.min() < -shape[dim]):
            bad = part[(part >= shape[dim]) | (part < -shape[dim])].reshape(-1)[0]
            raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {shape[dim]}")
        return part
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                     f"indices (got {type(part).__name__})")


def normalize(key, shape):
    """The index ``key`` for a tensor of ``shape``, ready for NumPy."""
    if not shape:
        if isinstance(key, (numbers.Integral, np.integer)) and not isinstance(key, (bool, np.bool_)):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                             "in C++ to convert a 0-dim tensor to a number")
        if isinstance(key, slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    parts = key if isinstance(key, tuple) else (key,)
    if sum(0 if p is None or p is Ellipsis or _is_mask(p) or isinstance(p, (bool, np.bool_)) else 1
           for p in parts) > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    # an Ellipsis stands for as many dims as the other parts leave over
    used = sum(0 if p is None or p is Ellipsis else
               (np.ndim(getattr(p, "_data", p)) or 1) if _is_mask(p) else 1 for p in parts)
    converted, dim = [], 0
    for part in parts:
        if part is Ellipsis:
            converted.append(part)
            dim += max(len(shape) - used, 0)
            continue
        part = _part(part, shape, dim)
        converted.append(part)
        if part is not None:
            dim += part.ndim if isinstance(part, np.ndarray) and part.dtype == bool else 1
    return tuple(converted) if isinstance(key, tuple) else converted[0]


def _is_mask(p):
    data = getattr(p, "_data", p)
    return isinstance(data, np.ndarray) and data.dtype == bool


def is_basic(key):
    """True for an index that makes a view: only integers, slices, None and ``...``."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(p is None or p is Ellipsis or type(p) is int or type(p) is slice for p in parts)


def tensors_in(key):
    """The tensors inside an index as given (PyTorch keeps them for backward and checks their versions)."""
    parts = key if isinstance(key, tuple) else (key,)
    return tuple(p for p in parts if hasattr(p, "_data"))


def arrays_in(key):
    """The arrays inside a normalized index."""
    parts = key if isinstance(key, tuple) else (key,)
    return tuple(p for p in parts if isinstance(p, np.ndarray))
