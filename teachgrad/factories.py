"""Making new tensors: ``tensor``, ``zeros``, ``ones``, ``eye``, ``arange``, ``linspace``, the ``*_like``
functions and the random ones (``manual_seed``, ``rand``, ``randn``, ...).

Every tensor made here is a leaf.  Random numbers come from ``_random.py``, PyTorch's CPU generator
reproduced bit for bit, so a seeded program draws exactly PyTorch's numbers.
"""

import warnings

import numpy as np

from . import _checks, _dtypes, _exact, _layout, _random
from ._conversion import check_dtype_argument, infer_dtype, legacy_tensor_data, to_array
from ._dtypes import default_float, int64
from .tensor import Tensor

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "eye", "arange", "linspace",
    "zeros_like", "ones_like", "empty_like", "full_like", "Generator", "default_generator", "manual_seed", "seed",
    "initial_seed", "get_rng_state", "set_rng_state", "rand", "randn", "normal", "randint", "randperm", "rand_like",
    "randn_like", "randint_like", "get_default_dtype", "set_default_dtype", "get_default_device",
    "set_default_device", "FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor",
]


class _LegacyType(type):
    """``torch.FloatTensor`` and the other pre-2018 tensor types: called, they make a tensor of their
    dtype as ``torch.Tensor(...)`` does; ``isinstance(t, torch.FloatTensor)`` asks whether t is float32."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.numpy

    def __call__(cls, *args):
        return Tensor._make(legacy_tensor_data(args, cls.dtype))


def _legacy_type(name, dtype):
    return _LegacyType(name, (), {"dtype": dtype, "__module__": "torch", "__qualname__": name,
                                  "__doc__": f"A {dtype} tensor, the pre-2018 way."})


FloatTensor = _legacy_type("FloatTensor", _dtypes.float32)
DoubleTensor = _legacy_type("DoubleTensor", _dtypes.float64)
LongTensor = _legacy_type("LongTensor", _dtypes.int64)
IntTensor = _legacy_type("IntTensor", _dtypes.int32)
BoolTensor = _legacy_type("BoolTensor", _dtypes.bool_)


def _device(device):
    if device is not None:
        _dtypes.device(device).check_available()


def _leaf(array, requires_grad):
    t = Tensor._make(array)
    if requires_grad:
        if not t.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of ``data`` (numbers, nested lists, arrays or tensors)."""
    check_dtype_argument(dtype)
    _device(device)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                      "or sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    return _leaf(to_array(data, dtype), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` itself when it already is a tensor of that dtype, else a new tensor."""
    _device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype.numpy == data.dtype) and data.dtype in _dtypes._BY_NUMPY:
        return Tensor._make(data)  # shares memory, as in PyTorch
    return Tensor._make(to_array(data, dtype))


def from_numpy(array):
    """A tensor that shares memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtypes.of_array(array)
    return Tensor._make(array)


def _filled(shape, value, dtype, device, requires_grad, function="full"):
    check_dtype_argument(dtype, function)
    _device(device)
    if dtype is None:
        dtype = infer_dtype(value) if not isinstance(value, float) else default_float()
    return _leaf(np.full(_checks.new_shape(shape), _checks.scalar_value(value, dtype), dtype=dtype.numpy),
                 requires_grad)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _result(_filled(size, 0, dtype or default_float(), device, requires_grad, "zeros"), out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _result(_filled(size, 1, dtype or default_float(), device, requires_grad, "ones"), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """PyTorch leaves the memory uninitialised; teachgrad fills it with zeros."""
    return _result(_filled(size, 0, dtype or default_float(), device, requires_grad, "empty"), out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    fill_value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _result(_filled((size,) if isinstance(size, int) else size, fill_value, dtype, device, requires_grad), out)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_dtype_argument(dtype, "eye")
    _device(device)
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n if n < 0 else m}")
    return _result(_leaf(np.eye(n, m, dtype=(dtype or default_float()).numpy), requires_grad), out)


def _result(t, out):
    """Functions with ``out=``: write into ``out`` (resized like PyTorch) and return it."""
    if out is None:
        return t
    if out._data.shape != t._data.shape:
        out._data = np.empty(t._data.shape, out._data.dtype)
    np.copyto(out._data, t._data, casting="unsafe")
    out._version_counter()[0] += 1
    return out


def _number(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``[start, start + step, ...)`` below ``end``; element i is ``start + i * step`` as PyTorch computes it."""
    check_dtype_argument(dtype, "arange")
    _device(device)
    if end is None:
        start, end = 0, start
    start, end, step = _number(start), _number(end), _number(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    floating = any(isinstance(v, (float, np.floating)) for v in (start, end, step))
    dtype = dtype or (default_float() if floating else int64)
    array = _exact.arange(start, end, step, dtype.numpy)
    return _result(_leaf(array, requires_grad), out)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``steps`` evenly spaced numbers from ``start`` to ``end``, rounded as PyTorch rounds them."""
    check_dtype_argument(dtype, "linspace")
    _device(device)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    array = _exact.linspace(_number(start), _number(end), int(steps), (dtype or default_float()).numpy)
    return _result(_leaf(array, requires_grad), out)


def _like(t, made):
    """A ``*_like`` result: PyTorch's preserve_format gives it ``t``'s layout (``t.T`` gives a transposed
    one).  ``made``: the tensor of the same values made row-major."""
    made._data = _layout.like(made._data, t._data)
    return made


def zeros_like(t, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(t, zeros(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad))


def ones_like(t, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(t, ones(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad))


def full_like(t, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(t, full(t.shape, fill_value, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad))


empty_like = zeros_like


# --- default dtype and device ---------------------------------------------------------------------

def get_default_dtype():
    return default_float()


def set_default_dtype(d):
    if not isinstance(d, _dtypes.dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type")
    _dtypes.Defaults.float = d


def get_default_device():
    return _dtypes.CPU


def set_default_device(device):
    """Only the CPU exists here; ``set_default_device("cpu")`` (or None) is accepted and changes nothing."""
    if device is not None:
        _dtypes.device(device).check_available()


# --- random numbers -------------------------------------------------------------------------------

class Generator(_random.Generator):
    """``torch.Generator`` for the CPU: same seed, same numbers as PyTorch (a fresh one uses seed 67280421310721)."""

    # Shown as PyTorch shows its generator, by repr() and by IPython: <torch._C.Generator ...>
    __module__, __qualname__ = "torch._C", "Generator"

    def __init__(self, device="cpu"):
        _dtypes.device(device).check_available()
        super().__init__()

    device = _dtypes.CPU

    def get_state(self):
        return Tensor._make(super().get_state().astype(np.int64))  # PyTorch: a uint8 tensor of 5056 bytes

    def set_state(self, new_state):
        return super().set_state(new_state._data if isinstance(new_state, Tensor) else new_state)



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


def generator_or_default(generator):
    return default_generator if generator is None else generator


def random_float_dtype(kernel, dtype):
    dtype = dtype or default_float()
    if not dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_checks.scalar_name(dtype)}\'')
    return dtype


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = random_float_dtype("check_uniform_bounds", dtype)
    _device(device)
    array = generator_or_default(generator).uniform(_checks.new_shape(size), dtype=dtype.numpy)
    return _result(_leaf(array, requires_grad), out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = random_float_dtype("normal_kernel_cpu", dtype)
    _device(device)
    array = generator_or_default(generator).normal(_checks.new_shape(size), dtype=dtype.numpy)
    return _result(_leaf(array, requires_grad), out)


def normal(mean, std, size, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = random_float_dtype("normal_kernel_cpu", dtype)
    array = generator_or_default(generator).normal(_checks.new_shape((size,)), float(mean), float(std), dtype.numpy)
    return _result(_leaf(array, requires_grad), out)


def randint(low, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False):
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint() missing 1 required positional arguments: \"size\"")
    if int(low) >= int(high):
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={int(low)} >= to={int(high)}")
    array = generator_or_default(generator).randint(int(low), int(high), _checks.new_shape((size,)))
    return _result(_leaf(array.astype((dtype or int64).numpy), requires_grad), out)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    array = generator_or_default(generator).randperm(int(n)).astype((dtype or int64).numpy)
    return _result(_leaf(array, requires_grad), out)


def _random_like(t, dtype, requires_grad, sample):
    """``rand_like`` and co.: an array laid out like ``t`` (see ``_like``), filled in memory order."""
    array = _layout.like(np.empty(t._data.shape, dtype.numpy), t._data)
    fill_random(array, sample)
    return _leaf(array, requires_grad)


def rand_like(t, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    dtype = random_float_dtype("check_uniform_bounds", dtype or t.dtype)
    gen = generator_or_default(None)
    return _random_like(t, dtype, requires_grad, lambda shape, contiguous: gen.uniform(shape, dtype=dtype.numpy))


def randn_like(t, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    dtype = random_float_dtype("normal_kernel_cpu", dtype or t.dtype)
    gen = generator_or_default(None)
    return _random_like(t, dtype, requires_grad, lambda shape, contiguous:
                        gen.normal(shape, dtype=dtype.numpy, contiguous=contiguous))


def randint_like(t, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None):
    if high is None:
        low, high = 0, low
    dtype = dtype or t.dtype
    gen = generator_or_default(None)
    return _random_like(t, dtype, requires_grad, lambda shape, contiguous:
                        gen.randint(int(low), int(high), shape).astype(dtype.numpy))


def fill_random(array, sample, contiguous=None):
    """Fill ``array`` in place with ``sample(shape, contiguous)`` the way PyTorch's TensorIterator visits
    a tensor: in memory order (dimensions sorted by decreasing stride), C order for contiguous arrays.
    ``contiguous``: whether the tensor drawn for was contiguous (when ``array`` is a copy laid out like it)."""
    order = sorted(range(array.ndim), key=lambda d: -abs(array.strides[d]))
    view = array.transpose(order)
    view[...] = sample(view.shape, array.flags.c_contiguous if contiguous is None else contiguous)
