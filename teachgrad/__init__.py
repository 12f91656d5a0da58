"""teachgrad: a small NumPy autograd engine that behaves like PyTorch, for learning how autograd works.

``import teachgrad as torch`` and ordinary PyTorch code (tensors, autograd, nn, optim) runs unchanged
and prints what PyTorch prints.  Only NumPy is imported here; plotting and widgets live in
``teachgrad.viz`` and ``teachgrad.widgets`` and load only when you import them.
"""

import warnings as _warnings

from . import autograd
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import (
    Generator, Size, Tensor, allclose, arange, as_tensor, cat, concat, cuda, device, dtype, empty, empty_like, equal,
    default_generator, eye, from_numpy, full, full_like, get_default_dtype, get_rng_state, initial_seed, is_tensor, isclose, linspace,
    manual_seed, matmul, maximum, minimum, mm, normal, numel, ones, ones_like, rand, rand_like, randint,
    randn, randn_like, randperm, seed, set_printoptions, set_rng_state, stack, tensor, where, zeros, zeros_like,
)
from .tensor import bool_ as bool  # noqa: A001 - PyTorch's name
from .tensor import float32, float64, int32, int64

float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001
FloatTensor = DoubleTensor = LongTensor = Tensor

__version__ = "0.1.0"

# PyTorch turns overflow into inf or nan silently; NumPy warns.  Stay silent like PyTorch, but only
# for warnings raised inside teachgrad (and NumPy's reductions that teachgrad calls).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"teachgrad(\.|$)")
_warnings.filterwarnings("ignore", message=r"(overflow|invalid value) encountered in reduce",
                         category=RuntimeWarning, module=r"numpy\._core\._methods")


def _method(name):
    def function(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = name
    function.__doc__ = f"``torch.{name}(t, ...)`` is ``t.{name}(...)``."
    return function


# torch.exp(x), torch.sum(x, dim=1), ... are the tensor methods called as functions.
for _name in ("abs", "exp", "log", "sqrt", "sin", "cos", "relu", "sigmoid", "tanh", "clamp", "clip", "sum", "mean", "max", "min",
              "argmax", "argmin", "norm", "softmax", "log_softmax", "reshape", "flatten", "transpose", "permute",
              "squeeze", "unsqueeze", "t", "pow", "neg", "reciprocal", "square", "add", "sub", "mul", "div",
              "clone", "detach", "isfinite", "isnan", "all", "any", "eq", "ne", "lt", "le", "gt", "ge"):
    globals()[_name] = _method(_name)
del _name

# Loaded last: they build on the tensor API above.
from . import nn, optim  # noqa: E402,F401
