"""teachgrad: a small NumPy autograd engine that behaves like PyTorch, for learning how autograd works.

``import teachgrad as torch`` and ordinary PyTorch code (tensors, autograd, nn, optim) runs unchanged
and prints what PyTorch prints.  Only NumPy is imported here; plotting and widgets live in
``teachgrad.viz`` and ``teachgrad.widgets`` and load only when you import them.

Where to read (docs/architecture.md has the map): ``tensor.py`` (what a tensor is), ``function.py``
(how an operation joins the graph), ``graph.py`` (the graph and backward), ``ops.py`` (each op's
forward and backward side by side).
"""

import warnings as _warnings

from . import autograd, grad_mode
from ._dtypes import Size, device, dtype, float32, float64, int32, int64
from ._dtypes import bool_ as bool  # noqa: A001 - PyTorch's name
from .factories import (
    BoolTensor, DoubleTensor, FloatTensor, Generator, IntTensor, LongTensor, arange, as_tensor, default_generator, empty, empty_like, eye, from_numpy, full, full_like,
    get_default_device, get_default_dtype, get_rng_state, initial_seed, linspace, manual_seed, normal, ones,
    ones_like, rand, rand_like, randint, randint_like, randn, randn_like, randperm, seed, set_default_device,
    set_default_dtype, set_rng_state, tensor, zeros, zeros_like,
)
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import Tensor
from .tensor_methods import (
    allclose, bmm, broadcast_tensors, cat, clone, concat, concatenate, dot, equal, is_tensor, isclose, matmul, maximum, minimum, mm, numel,
    outer, stack, where,
)
from .more_ops import (
    amax, amin, cumsum, floor_divide, gather, log1p, logsumexp, masked_fill, prod, relu_, remainder, std, var,
)
from ._printing import set_printoptions
from ._backends import accelerator, backends, cuda, mps

float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001

__version__ = "0.1.0"

# PyTorch turns overflow into inf or nan silently; NumPy warns.  Stay silent like PyTorch, but only
# for warnings raised inside teachgrad (and NumPy's reductions that teachgrad calls).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"teachgrad(\.|$)")
_warnings.filterwarnings("ignore", message=r"(overflow|invalid value|divide by zero) encountered",
                         category=RuntimeWarning, module=r"numpy\._core\._methods")


def _method(name):
    def function(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}(t, ...)`` is ``t.{name}(...)``."
    return function


# torch.exp(x), torch.sum(x, dim=1), ... are the tensor methods called as functions.
for _name in ("abs", "exp", "log", "sqrt", "sin", "cos", "relu", "sigmoid", "tanh", "clamp", "clip", "sum", "mean",
              "max", "min", "argmax", "argmin", "norm", "softmax", "log_softmax", "reshape", "flatten", "transpose",
              "permute", "squeeze", "unsqueeze", "t", "pow", "neg", "reciprocal", "square", "add", "sub", "mul", "div",
              "detach", "isfinite", "isnan", "isinf", "all", "any", "eq", "ne", "lt", "le", "gt", "ge", "sign",
              "select", "narrow", "diagonal", "logical_not", "subtract", "multiply", "divide", "true_divide",
              "absolute", "negative", "swapaxes", "swapdims", "unflatten", "square_", "log1p_",
              "clamp_", "clip_", "exp_", "sqrt_", "sigmoid_", "tanh_", "zero_", "fill_", "maximum", "minimum"):
    globals()[_name] = _method(_name)
del _name

# Loaded last: they build on the tensor API above.
from . import nn, optim, utils  # noqa: E402,F401
from .utils import data as _data  # noqa: E402,F401  (torch.utils.data works after import torch)
