"""``nn.Parameter``: a Tensor that a Module registers as one of its learnable weights."""

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default.  Assigning one to a Module attribute registers
    it, so it shows up in ``parameters()``, ``named_parameters()`` and ``state_dict()``.

    ``Parameter(t)`` shares memory with ``t`` (no copy), as in PyTorch.
    """

    def __new__(cls, data=None, requires_grad=True):
        param = object.__new__(cls)
        Tensor.__init__(param)  # an empty leaf ...
        if data is not None:
            param._data = data._data  # ... that takes over data's array
        if requires_grad and not param.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        param.requires_grad = requires_grad
        return param

    def __init__(self, data=None, requires_grad=True):
        pass  # everything happened in __new__

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):  # copy.deepcopy and pickle keep it a Parameter
        return (Parameter, (self.data, self.requires_grad))
