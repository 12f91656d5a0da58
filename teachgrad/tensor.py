"""The Tensor: a NumPy array plus the three facts autograd needs.

* ``requires_grad`` -- should gradients flow into this tensor?
* ``grad_fn`` -- the graph node that made it (None for a leaf: a tensor you created yourself).
* ``grad`` -- where ``backward`` accumulates the gradient of a leaf.

A tensor made by a view operation (``t[0]``, ``t.view(...)``, ``t.T``) shares its memory with its
``_base`` and counts in-place changes in the same version counter.

This module holds what a tensor *is*.  What you can *do* with one (``x * y``, ``x.sum()``,
``x.view(2, 3)``) lives in ``tensor_methods.py``, which runs the ops of ``ops.py`` and attaches those
methods to this class when teachgrad is imported.
"""

import warnings
import weakref

import numpy as np

from . import _checks, _dtypes, graph, grad_mode
from ._conversion import legacy_tensor_data
from ._dtypes import Size
from ._printing import tensor_repr
from .utils.hooks import RemovableHandle

__all__ = ["Tensor"]

_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
    "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
    "for more information. (Triggered internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)")



class Tensor:
    # Defaults shared by every tensor, so that creating one only has to store its array.
    _requires_grad = False
    _grad_fn = None
    _grad = None
    _accumulator = None  # weak reference to this leaf's AccumulateGrad node, while a graph holds it
    _hooks = None  # register_hook() functions of a leaf
    _version_box = None  # [n]: how often the memory was changed in place; shared with views and detach()
    # Views: the tensor whose memory they share, the view ops that lead from it, and the version at
    # which grad_fn was last brought up to date (an in-place change of the base makes it stale).
    _base = None
    _view_ops = ()
    _view_version = 0
    _view_without_grad = False
    __array_priority__ = 1000  # ndarray + Tensor must call Tensor.__radd__, not NumPy's loop

    def __init__(self, *args, requires_grad=False):
        """``torch.Tensor([1, 2])`` copies data (as float32); ``torch.Tensor(2, 3)`` makes a 2 x 3 tensor."""
        self._data = legacy_tensor_data(args)
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _make(array):
        """Wrap an ndarray without copying (ops produce fresh arrays or views)."""
        t = object.__new__(Tensor)
        t._data = array if type(array) is np.ndarray else np.asarray(array)
        return t

    # --- autograd facts -------------------------------------------------------------------------

    @property
    def requires_grad(self):
        if self._base is not None:  # a view also requires grad when its base does
            self._refresh_view()
            return self._requires_grad or self._base.requires_grad
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if self.grad_fn is not None:
            message = "you can only change requires_grad flags of leaf variables."
            if not flag:
                message += (" If you want to use a computed variable in a subgraph that doesn't require "
                            "differentiation use var_no_grad = var.detach().")
            raise RuntimeError(message)
        if flag and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not self.dtype.is_floating_point:  # PyTorch words this one differently
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad and self.grad_fn is not None:
            return self  # a computed tensor already requires grad: PyTorch lets this pass
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        """The node that made this tensor (None for a leaf); read-only, as in PyTorch."""
        if self._base is not None:
            self._refresh_view()
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, value):
        raise AttributeError("attribute 'grad_fn' of 'torch._C.TensorBase' objects is not writable")

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self._grad_fn is not None and not self.retains_grad:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_checks.c_type_name(value.dtype)}' to a tensor with "
                    f"grad_dtype '{_dtypes.SCALAR_TYPE_NAMES[self.dtype.name]}'. The gradient must match the "
                    "tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype "
                    "attribute with a specific dtype, or None to allow any dtype. Set grad_dtype with caution. "
                    "Diverging the dtypes of a tensor and its gradient may break downstream systems that assume "
                    "they match.")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of "
                                   f"size '{list(self.shape)}'. Please ensure that the gradient and the tensor are "
                                   "the same size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        node = self._grad_fn
        return node is not None and node._retained is not None and node._retained() is self

    def retain_grad(self):
        """Ask backward to keep this non-leaf tensor's gradient in ``.grad``."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is not None:
            self._grad_fn._retained = weakref.ref(self)

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient has been computed; it may return a new gradient.
        Returns a handle whose ``remove()`` takes the hook away."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        owner = self._grad_fn if self._grad_fn is not None else self
        if owner._hooks is None:
            owner._hooks = {}
        return RemovableHandle(owner._hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. the leaves and accumulate it into their ``.grad``."""
        graph.backward(self, gradient, retain_graph, create_graph, inputs)

    @property
    def data(self):
        """The same numbers, seen as a tensor outside autograd (shares memory).

        Unlike ``detach()`` it does not share the version counter, so autograd cannot notice in-place
        changes made through it: PyTorch's reason to prefer ``detach()``.
        """
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data

    def _version_counter(self):
        if self._version_box is None:
            self._version_box = [0]
        return self._version_box

    @property
    def _version(self):
        return self._version_box[0] if self._version_box else 0

    # --- views ----------------------------------------------------------------------------------

    def _become_view_of(self, source, op, kwargs):
        """Record that this tensor, made by ``op`` from ``source``, shares memory with ``source``'s base."""
        base = source._base
        if base is None:
            self._base, self._view_ops = source, ((op, kwargs),)
        else:
            self._base, self._view_ops = base, source._view_ops + ((op, kwargs),)
        box = source._version_box
        if box is None:
            box = source._version_box = [0]
        self._version_box = box
        self._view_version = box[0]
        if not grad_mode._State.enabled or source._view_without_grad:  # (a view of such a view is one too)
            self._view_without_grad = True

    def _refresh_view(self):
        """After an in-place change of the shared memory, a view's node is a fresh view of its base's."""
        version = self._version_box[0]
        if version == self._view_version or self._view_without_grad:
            return
        base = self._base
        if self._grad_fn is None and not base.requires_grad:
            return  # nothing to regenerate, and (as in PyTorch) the change is not yet taken into account
        self._view_version = version
        if base.requires_grad:
            self._set_grad_fn(graph.AsStridedBackward0(base, self._view_ops))
        elif self._grad_fn is not None:  # PyTorch regenerates it as not requiring grad
            self._grad_fn, self._requires_grad = None, False

    def _set_grad_fn(self, node):
        """A new node for this tensor (after an in-place change): retain_grad() moves to it; hooks
        registered before stay with the old node, as in PyTorch."""
        old = self._grad_fn
        if old is not None and old._retained is not None and old._retained() is self:
            node._retained, old._retained = old._retained, None
        self._grad_fn, self._requires_grad = node, True

    def _is_view(self):
        return self._base is not None

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def stride(self, dim=None):
        itemsize = self._data.itemsize
        strides = tuple(s // itemsize for s in self._data.strides)
        return strides if dim is None else strides[self._size_dim(dim)]

    def storage_offset(self):
        base = self._base if self._base is not None else self
        return (self.data_ptr() - base.data_ptr()) // self._data.itemsize

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def untyped_storage(self):
        """The block of memory the elements live in, shared with every view of this tensor."""
        return UntypedStorage(self._data)

    # --- facts ----------------------------------------------------------------------------------

    @property
    def dtype(self):
        return _dtypes.of_array(self._data)

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._size_dim(dim)]

    def _size_dim(self, dim):
        """``dim`` of size(dim) and stride(dim), checked with PyTorch's messages."""
        ndim = self._data.ndim
        if ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        if not isinstance(dim, int) or not -ndim <= dim < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
        return dim

    def dim(self):
        return self._data.ndim

    ndim = property(dim)

    def numel(self):
        return self._data.size

    nelement = numel

    @property
    def device(self):
        return _dtypes.CPU

    is_cuda = False
    is_mps = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    layout = "torch.strided"

    def get_device(self):
        return -1

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return False

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    # --- conversion to Python and NumPy ---------------------------------------------------------

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(-1)[0].item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data)

    def __float__(self):
        self._check_one_element()
        return float(self.item())

    def __int__(self):
        self._check_one_element()
        return int(self.item())

    def _check_one_element(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    __hash__ = object.__hash__  # by identity (== is elementwise), so tensors can be dict keys

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data.copy(), self.requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                               "because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        copy = type(self).__new__(type(self))
        copy.__dict__.update({k: v for k, v in self.__dict__.items()
                              if k not in ("_data", "_grad", "_accumulator", "_version_box", "_hooks")})
        copy._data = self._data.copy()
        if self._grad is not None:
            copy._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = copy
        return copy

    # --- printing -------------------------------------------------------------------------------

    def __repr__(self):
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)


class UntypedStorage:
    """A tensor's memory as bytes: the same object for a tensor and its views (``nbytes()``,
    ``data_ptr()``); teachgrad keeps no separate storage, so this is a window on the array's memory."""

    def __init__(self, array):
        while isinstance(getattr(array, "base", None), np.ndarray):  # the array that owns the memory
            array = array.base
        self._array = array

    def nbytes(self):
        return self._array.nbytes

    def size(self):
        return self._array.nbytes

    __len__ = size

    def data_ptr(self):
        return self._array.__array_interface__["data"][0]

    def element_size(self):
        return 1

    @property
    def device(self):
        return _dtypes.CPU


def _rebuild(data, requires_grad):
    t = Tensor._make(data)
    t._requires_grad = requires_grad
    return t
