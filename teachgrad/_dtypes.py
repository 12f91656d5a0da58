"""Data types, shapes and devices: ``torch.float32``, ``torch.Size``, ``torch.device``.

This module holds the vocabulary that every other module uses and imports nothing of teachgrad's.
It must not know about tensors: type promotion works on dtypes (``promote``), and the tensor layer
tells it which dtype each operand has.
"""

import math
import numbers

import numpy as np


class dtype:
    """A tensor's element type; ``torch.float32`` prints as ``torch.float32``."""

    def __init__(self, name, numpy_type, category):
        self.name, self.numpy, self.category = name, np.dtype(numpy_type), category
        self.is_floating_point = category == 2
        self.itemsize = self.numpy.itemsize

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return self.name

    def to_complex(self):
        raise NotImplementedError("teachgrad has no complex dtypes")


# category: 0 bool, 1 integer, 2 floating point (the order PyTorch promotes in)
bool_ = dtype("bool", np.bool_, 0)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
ALL = (bool_, int32, int64, float32, float64)
_BY_NUMPY = {d.numpy: d for d in ALL}

# PyTorch's short names, as its messages use them ("Found dtype Double but expected Float")
SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool"}
TENSOR_TYPE_NAMES = {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "int64": "torch.LongTensor",
                     "int32": "torch.IntTensor", "bool": "torch.BoolTensor"}


class Defaults:
    """Process-wide defaults that ``torch.set_default_dtype`` changes."""
    float = float32


def default_float():
    return Defaults.float


def of_array(array):
    """The dtype of a NumPy array (a clear error for dtypes teachgrad does not have)."""
    try:
        return _BY_NUMPY[array.dtype]
    except KeyError:
        raise TypeError(f"teachgrad does not support NumPy arrays of dtype {array.dtype}; "
                        "use float32, float64, int64, int32 or bool") from None


def is_number(x):
    return isinstance(x, (numbers.Number, np.number, np.bool_)) and not isinstance(x, complex)


def category_of_number(x):
    return 0 if isinstance(x, (bool, np.bool_)) else 1 if isinstance(x, numbers.Integral) else 2


def default_for_category(category):
    return (bool_, int64, default_float())[category]


def promote(operands):
    """PyTorch's type promotion for ``operands``: pairs of (dtype, tier).

    Tier 0: a tensor with dimensions; tier 1: a 0-d tensor; tier 2: a Python number.  Lower tiers
    decide the precision; a higher tier only raises the *kind* (bool < integer < floating), e.g.
    ``int_tensor * 2.5`` is float32 and ``float32_tensor * float64_scalar_tensor`` stays float32.
    """
    best = [None, None, None]
    for d, tier in operands:
        b = best[tier]
        if b is None or d.category > b.category or (d.category == b.category and d.itemsize > b.itemsize):
            best[tier] = d
    result = None
    for d in best:
        if d is not None and (result is None or d.category > result.category):
            result = d
    return result


def can_cast(source, target):
    """PyTorch's rule for in-place results: a float result cannot go into an integer tensor, etc."""
    return source.category <= target.category


class Size(tuple):
    """The shape of a tensor: a tuple that prints as ``torch.Size([2, 3])``."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return Size(item) if isinstance(key, slice) else item

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def numel(self):
        return math.prod(self)


class device:
    """``torch.device``.  Any of PyTorch's device names can be named; teachgrad computes on the CPU only,
    so putting a tensor on another device fails when it happens, as in a CPU-only PyTorch build."""

    KNOWN = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
             "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        kind, _, number = str(type).partition(":")
        if kind not in self.KNOWN:
            raise RuntimeError(f"Expected one of {', '.join(self.KNOWN)} device type at start of device string: {type}")
        self.type, self.index = kind, int(number) if number else index

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        return isinstance(other, device) and other.type == self.type and other.index == self.index

    def __hash__(self):
        return hash((self.type, self.index))

    def check_available(self):
        """Raise PyTorch's error for a device this CPU-only build cannot put tensors on."""
        if self.type == "cuda":
            raise AssertionError("Torch not compiled with CUDA enabled")
        if self.type != "cpu":
            raise RuntimeError(f"teachgrad computes on the CPU only; '{self.type}' is not available")
        return self


CPU = device("cpu")
