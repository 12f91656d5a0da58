"""How PyTorch lays out the results of its CPU kernels in memory.  A reader of the engine can skip this
module.

The layout shows in ``is_contiguous()`` and ``stride()``: ``(x.T + y).is_contiguous()`` is False in
PyTorch, because an elementwise op (its ``TensorIterator``) gives its output the memory order of its
inputs, while a reduction, ``softmax`` or ``repeat`` always makes a fresh row-major tensor.  NumPy
follows similar rules but not the same ones, so every op's result passes through one of the
functions here, and in-place ops check here that they do not write memory they read.

Nothing here knows about tensors or graphs: NumPy arrays in, NumPy arrays out.
"""

import numpy as np


def contiguous(array):
    """A freshly allocated PyTorch result: row-major."""
    return array if array.flags.c_contiguous else np.ascontiguousarray(array)


def elementwise(result, inputs):
    """``result`` of an elementwise op on ``inputs`` (arrays and numbers, in PyTorch's operand order),
    laid out as PyTorch's TensorIterator allocates its output."""
    for a in inputs:
        if type(a) is np.ndarray and a.ndim and not a.flags.c_contiguous:
            break
    else:  # the common case: row-major in, row-major out
        return result if result.flags.c_contiguous else np.ascontiguousarray(result)
    arrays = [a for a in inputs if type(a) is np.ndarray and a.ndim]
    strides = output_strides(result.shape, arrays)
    if strides is None:
        return contiguous(result)
    if result.strides == tuple(s * result.itemsize for s in strides):
        return result
    out = _empty_strided(result.shape, strides, result.dtype)
    out[...] = result
    return out


def like(result, source):
    """A copy of ``source`` (``clone``, ``.to(dtype)``): PyTorch keeps the source's layout."""
    return elementwise(result, [source])


def output_strides(shape, arrays):
    """Strides (in elements) of the output TensorIterator allocates; None for row-major."""
    ndim = len(shape)
    if ndim <= 1:
        return None
    same_shape = all(a.shape == shape for a in arrays)
    if same_shape:
        first = arrays[0].strides
        if all(a.strides == first for a in arrays) and dense(arrays[0]):
            return tuple(s // arrays[0].itemsize for s in first)  # PyTorch's fast path: the inputs' strides
    # The operands' strides after broadcasting (0 where a dim is broadcast), fastest dim first.
    operand_strides = []
    for a in arrays:
        offset = ndim - a.ndim
        strides = [0] * ndim
        for d in range(a.ndim):
            if not (a.shape[d] == 1 and shape[offset + d] != 1):
                strides[offset + d] = a.strides[d]
        operand_strides.append(strides)
    perm = list(range(ndim - 1, -1, -1))  # fastest first; sorted by the operands' strides

    def should_swap(dim0, dim1):  # 1: dim0 goes after dim1; -1: before; 0: undecided
        for strides in operand_strides:
            s0, s1 = strides[dim0], strides[dim1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if shape[dim0] > shape[dim1]:
                return 1
        return 0

    iterator_sort(perm, should_swap)
    if perm == list(range(ndim - 1, -1, -1)):
        return None
    strides, step = [0] * ndim, 1
    for d in perm:
        strides[d] = step
        step *= shape[d]
    return tuple(strides)


def iterator_sort(items, should_swap):
    """Sort ``items`` in place as PyTorch's TensorIterator orders its dims: an insertion sort in which
    ``should_swap(a, b)`` says 1 (a goes after b), -1 (before: stop) or 0 (undecided: look further back)."""
    for i in range(1, len(items)):
        j = i
        for k in range(i - 1, -1, -1):
            comparison = should_swap(items[k], items[j])
            if comparison > 0:
                items[k], items[j] = items[j], items[k]
                j = k
            elif comparison < 0:
                break


def dense(array):
    """PyTorch's is_non_overlapping_and_dense: the elements fill a block of memory exactly once."""
    if array.flags.c_contiguous or array.flags.f_contiguous:
        return True
    dims = sorted((abs(st), size) for st, size in zip(array.strides, array.shape) if size != 1)
    expected = array.itemsize
    for stride, size in dims:
        if stride != expected:
            return False
        expected *= size
    return True


def _empty_strided(shape, strides, dtype):
    itemsize = np.dtype(dtype).itemsize
    block = np.empty(int(np.prod(shape)), dtype)
    return np.lib.stride_tricks.as_strided(block, shape, [s * itemsize for s in strides])


def expanded(array, shape):
    """``array`` broadcast to ``shape`` as PyTorch's ``expand`` makes it: a view (stride 0 where it
    repeats) that in-place ops may write to where it does not repeat (NumPy's is read-only)."""
    view = np.broadcast_to(array, shape)  # (checks the shapes)
    strides, extra = list(view.strides), len(shape) - array.ndim
    if not array.ndim:  # a number expanded: stride 0 everywhere, as PyTorch
        return np.lib.stride_tricks.as_strided(array, view.shape, view.strides)
    for i in reversed(range(len(shape))):  # PyTorch keeps the strides of the dims it does not stretch
        d = i - extra
        if d >= 0 and array.shape[d] == shape[i]:
            strides[i] = array.strides[d]
        elif shape[i] == 1:  # a new dim of size 1
            strides[i] = shape[i + 1] * strides[i + 1] if i + 1 < len(shape) else array.itemsize
    return np.lib.stride_tricks.as_strided(array, view.shape, tuple(strides))


def internal_overlap(array):
    """Does writing to ``array`` write some memory twice (an expanded view, stride 0)?"""
    return any(stride == 0 and size > 1 for stride, size in zip(array.strides, array.shape))


def partial_overlap(out, source):
    """PyTorch's check before an in-place op reads ``source``: True when both are dense, their memory
    overlaps, and they are not the same elements in the same order (``x.add_(x.T)``)."""
    if out.size == 0 or source.size == 0 or not (dense(out) and dense(source)):
        return False  # (overlaps PyTorch cannot judge cheaply are let through)
    begin, other = out.__array_interface__["data"][0], source.__array_interface__["data"][0]
    end, other_end = begin + out.nbytes, other + source.nbytes
    if begin == other and end == other_end:
        return out.strides != source.strides
    return begin < other_end and other < end
