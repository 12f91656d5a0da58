"""``torch.autograd``: what a program calls by name -- ``backward``, ``grad``, ``Function``,
``gradcheck`` -- gathered from the modules that implement them:

* ``grad_mode.py`` -- whether operations record the graph (``no_grad`` ...);
* ``function.py`` -- ``Function``, how an operation joins the graph;
* ``graph.py``    -- the nodes and the engine that runs backward.

``gradcheck`` is defined here: it compares a function's backward with central differences.
"""

import warnings

import numpy as np

from . import function, grad_mode, graph
from .function import Function, once_differentiable, trace_hooks
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .graph import backward, grad
from .tensor import Tensor

__all__ = [
    "Function", "backward", "grad", "gradcheck", "GradcheckError", "Variable", "no_grad", "enable_grad",
    "inference_mode", "set_grad_enabled", "is_grad_enabled", "set_detect_anomaly", "detect_anomaly",
    "once_differentiable", "trace_hooks",
]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_):
    """Check ``func``'s gradients against central differences, input by input, element by element.

    Use float64 inputs that require grad, as in PyTorch.  Returns True, or raises ``GradcheckError``.
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    differentiable = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    output = func(*inputs)
    for t in differentiable:
        if t.dtype.name != "float64":
            warnings.warn("Input #0 requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision "
                          "floating point. ", UserWarning, stacklevel=2)
    for j in range(output.numel()):
        # Row j of the Jacobian by backward: the gradient of output element j.
        seed = np.zeros(output.shape, dtype=output._data.dtype)
        seed.reshape(-1)[j] = 1.0
        analytical = grad(func(*inputs), differentiable, Tensor._make(seed), allow_unused=True)
        for k, t in enumerate(differentiable):
            flat = t._data.reshape(-1)
            for i in range(flat.size):
                original = flat[i]
                flat[i] = original + eps
                plus = func(*inputs)._data.reshape(-1)[j]
                flat[i] = original - eps
                minus = func(*inputs)._data.reshape(-1)[j]
                flat[i] = original
                numerical = (plus - minus) / (2 * eps)
                a = 0.0 if analytical[k] is None else analytical[k]._data.reshape(-1)[i]
                if not abs(a - numerical) <= atol + rtol * abs(numerical):
                    if not raise_exception:
                        return False
                    raise GradcheckError(
                        f"Jacobian mismatch for output 0 with respect to input {k},\n"
                        f"numerical:{numerical}\nanalytical:{a}\n(element {i} of the input, "
                        f"element {j} of the output)")
    return True


class GradcheckError(RuntimeError):
    pass


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """The pre-2018 wrapper.  ``Variable(t)`` is a new leaf sharing ``t``'s memory; every tensor is a Variable."""

    __module__ = "torch.autograd.variable"

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        leaf = data.detach()  # the same memory and version counter, as in PyTorch
        if requires_grad:
            if not leaf.dtype.is_floating_point:
                raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
            leaf._requires_grad = True
        return leaf


class set_detect_anomaly:
    """Accepted for compatibility; teachgrad's error messages already name the operation."""

    def __init__(self, mode, check_nan=True):
        self.mode = mode

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


class detect_anomaly(set_detect_anomaly):
    def __init__(self, check_nan=True):
        self.mode = True
