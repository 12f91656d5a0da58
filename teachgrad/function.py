"""``Function``: how an operation joins the graph.  Every operation, built-in or your own, goes
through ``Function.apply``.

``apply`` does four things: it notes which inputs will want a gradient, runs ``forward``, and -- only
when some input requires grad and grad mode is on -- records a node of the graph whose edges lead to
the inputs' nodes.  Last, it tells the drawing tools (``trace_hooks``) what ran.  The node is an
instance of the op's node class (``MulBackward0`` for ``Mul``); it doubles as the ``ctx`` that
``forward`` saved its values on, just as in PyTorch, and it is what ``tensor.grad_fn`` returns.

Your own Functions work on Tensors, as in PyTorch.  teachgrad's built-in ops (``teachgrad.ops``)
subclass ``Op``, which works on NumPy arrays and reduces broadcast gradients for them, so that each
op's ``backward`` only states its local derivative.

The second half of the module is the rarer part: in-place operations and views, which PyTorch
records with ``CopySlices`` and ``AsStridedBackward0`` nodes.
"""

import weakref

import numpy as np

from . import _checks, _dtypes, _exact, _layout, grad_mode
from .graph import _FREED_MESSAGE, NO_EDGE, AsStridedBackward0, CopySlices, Node, gradient_edge
from .tensor import Tensor

__all__ = ["Function", "Op", "BackwardNode", "unbroadcast", "trace_hooks", "once_differentiable"]

_GRAD = grad_mode._State

# Drawing hooks (teachgrad.viz): while this list is non-empty, every operation calls
# hook(name, inputs, output, grad_enabled), so a drawing can show what ran even where no graph was built.
trace_hooks = []



class BackwardNode(Node):
    """The node an operation records; forward's ``ctx`` is this same object."""

    _function = None  # the Function class that made this node
    _tensor_class = Tensor
    needs_input_grad = ()
    _saved = ()
    _versions = ()  # per saved value: (version counter, its value when saved, the tensor, is it our output?)
    _freed = False
    _input_meta = None  # (shape, dtype) of each input, kept by ops that broadcast
    _promoted = ()  # the inputs converted to a common dtype, until their versions are noted

    def name(self):
        return getattr(self._function, "qualified_name", type(self).__name__)

    def __repr__(self):
        # PyTorch shows built-in nodes by name and your own under torch.autograd.function.
        prefix = "" if type(self).__module__.startswith("teachgrad") else "torch.autograd.function."
        return f"<{prefix}{type(self).__name__} object at {hex(id(self))}>"

    # apply(grad) is the op's _backward (see Function.__init_subclass__): the chain rule for this node.

    def release(self):
        # Running backward again fails only where something was saved (and is now gone), as in PyTorch.
        for value in self._saved:
            if value is not None:
                self._freed = True
        self._saved = self._versions = ()

    def save_for_backward(self, *values):
        self._saved = values

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED_MESSAGE)
        for counter, version, tensor, is_output in self._versions:
            if counter[0] != version:  # changed in place since forward: the saved values are stale
                tensor = tensor() if is_output else tensor
                raise RuntimeError(_modified_message(tensor, counter[0], version, self if is_output else None))
        return self._saved

    def _remember_versions(self, inputs, arrays, settings, output):
        """Note the version of every tensor whose memory was saved, so backward can detect in-place changes."""
        if settings:  # tensors given as settings (a loss's target, a tuple of them) count as inputs here
            tensors = tuple(t for v in settings.values() for t in (v if type(v) is tuple else (v,))
                            if isinstance(t, Tensor))
            inputs, arrays = inputs + tensors, arrays + [t._data for t in tensors]
        converted = arrays  # each input's array as forward saw it (converted to a common dtype, if it was)
        if self._promoted:
            converted = list(self._promoted) + arrays[len(self._promoted):]
            self._promoted = ()
        records, output_data = [], output._data
        for value in self._saved:  # NumPy arrays from built-in ops, Tensors from your own Functions
            if value is None:
                continue
            if value is output_data or value is output:
                counter = output._version_counter()
                # Only a weak reference to our own output: it holds this node as its grad_fn.
                records.append((counter, counter[0], weakref.ref(output), True))
                continue
            for t, array, seen in zip(inputs, arrays, converted):
                if (array is value or seen is value or t is value) and isinstance(t, Tensor):
                    counter = t._version_box
                    if counter is None:
                        counter = t._version_box = [0]
                    records.append((counter, counter[0], t, False))
                    break
        self._versions = records

    # The custom-Function API of ctx (PyTorch's FunctionCtx)
    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors):
        raise NotImplementedError("teachgrad's custom Functions cannot modify their inputs in place")

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)


class _InPlace:
    """Set while an in-place op computes its result (see ``apply_inplace``)."""
    active = False


def _integer_history(cls, args, needs):
    """An integer result that a gradient could reach.  PyTorch records ``fill_`` of an integer tensor
    with a value that requires grad (``int_tensor[i] = x``), and then any in-place op on it; any other
    op on such a tensor fails."""
    if cls.records_integer_fill and _InPlace.active:
        return True
    for a, need in zip(args, needs):
        if need and a._data.dtype.kind != "f":
            if not _InPlace.active:
                raise RuntimeError(f"Autograd not support dtype: {_checks.scalar_name(a.dtype)}")
            return True
    return False


def _modified_message(tensor, version, expected, producer):
    """PyTorch's message; ``producer`` is the node whose own output was saved, if that is the tensor."""
    what = ""
    if tensor is not None:
        what = f"[{_checks.type_string(tensor.dtype)} {list(tensor.shape)}]"
        # the tensor's node now (a view whose memory changed in place is a fresh AsStrided view)
        node = producer or tensor.grad_fn
        if node is not None:
            base, backward, number = node.name().partition("Backward")  # PowBackward0 -> Pow, ...1 -> Pow1
            name = base + number.lstrip("0") if backward and number.isdigit() else node.name()
            what += f", which is output 0 of {name},"
    return ("one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{what} is at version {version}; expected version {expected} instead. Hint: enable anomaly detection "
            "to find the operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True, check_nan=False).")


class Function:
    """Base class of every differentiable operation.

    Write ``forward(ctx, *inputs)`` and ``backward(ctx, grad_output)`` as static methods and call
    ``MyFunction.apply(*inputs)``.  ``backward`` returns one gradient per input of ``forward``.
    """

    is_view = False  # True for operations whose output shares memory with their first input
    records_integer_fill = False  # True for fill_(tensor): recorded even on an integer tensor
    differentiable = True  # False for detach(): its output never has a history
    _numbers_are_inputs = False  # built-in ops count a Python number as an input without gradient

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # PyTorch names built-in nodes like "MulBackward0" and your own like "MyFnBackward".
        builtin = cls.__module__.startswith("teachgrad.")
        name = cls.__dict__.get("node_name") or cls.__name__ + ("Backward0" if builtin else "Backward")
        # The node's apply(grad) is the function's _backward, called with the node as its ctx.
        cls._node_class = type(name, (BackwardNode,), {"_function": cls, "apply": cls._backward,
                                                       "__module__": cls.__module__})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or the vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._node_class()
        # 1. Unwrap the inputs' arrays; note which inputs will want a gradient and through which edge.
        #    (Known before forward runs, so that forward saves only what backward will need.)
        arrays, needs, edges = [], [], []
        recording = _GRAD.enabled and cls.differentiable
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if recording:
                    if a._base is not None and a._view_version != a._version_box[0]:
                        a._refresh_view()  # the view's base changed in place since the view was made
                    if a._requires_grad or (a._base is not None and a._base._requires_grad):
                        needs.append(True)
                        edges.append((a._grad_fn, 0) if a._grad_fn is not None else gradient_edge(a))
                        continue
                needs.append(False)
                edges.append(NO_EDGE)
            else:
                arrays.append(a)
                needs.append(False)
                if cls._numbers_are_inputs:
                    edges.append(NO_EDGE)
        ctx.needs_input_grad = needs = tuple(needs)
        # 2. Forward.
        output = cls._forward(ctx, args, arrays, kwargs)
        # 3. History, only when a gradient is needed (and never for integers or bools).
        if True in needs and (output._data.dtype.kind == "f" or _integer_history(cls, args, needs)):
            ctx.next_functions = tuple(edges)
            output._requires_grad = True
            output._grad_fn = ctx
            if ctx._saved:  # (tensors given as settings, such as a loss's target, can be saved too)
                ctx._remember_versions(args, arrays, kwargs, output)
        if cls.is_view:
            output._become_view_of(args[0], cls, kwargs)
        # 4. Tell the drawing tools what ran.
        if trace_hooks:
            inputs = tuple([a for a in args if isinstance(a, Tensor)])
            for hook in trace_hooks:
                hook(ctx.name(), inputs, output, _GRAD.enabled)
        return output

    # Your own Functions see Tensors (computed without recording a graph) and return Tensors.
    @classmethod
    def _forward(cls, ctx, args, arrays, kwargs):
        with grad_mode.no_grad():
            output = cls.forward(ctx, *args, **kwargs)
        if not isinstance(output, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor (teachgrad supports one output)")
        ctx._input_shapes = [a._data.shape if isinstance(a, Tensor) else None for a in args]
        # A new tensor object, so that recording the graph never overwrites an input's own grad_fn.
        result = Tensor._make(output._data)
        result._version_box = output._version_counter()
        if ctx._saved:  # the tensor forward returned may be saved: let backward see it as the output
            ctx._saved = tuple(result if t is output else t for t in ctx._saved)
        return result

    @staticmethod
    def _backward(ctx, grad):
        with grad_mode.no_grad():
            grads = ctx._function.backward(ctx, Tensor._make(grad))
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(ctx.needs_input_grad):
            raise RuntimeError(f"function {ctx.name()} returned an incorrect number of gradients (expected "
                               f"{len(ctx.needs_input_grad)}, got {len(grads)})")
        result = []  # one per tensor input, in the order of next_functions
        for i, (g, shape) in enumerate(zip(grads, ctx._input_shapes)):
            if shape is None:  # not a tensor: its gradient must be None
                if g is not None:
                    raise RuntimeError(f"function {ctx.name()} returned a gradient different than None at "
                                       f"position {i + 1}, but the corresponding forward input was not a Variable")
            elif g is None or not ctx.needs_input_grad[i]:
                result.append(None)
            elif not isinstance(g, Tensor):
                raise TypeError(f"function {ctx.name()} returned a gradient of type {type(g).__name__} at "
                                f"position {i + 1}; expected a Tensor or None")
            else:
                result.append(_checked_gradient(ctx, i, g._data, shape))
        return tuple(result)


def _checked_gradient(ctx, index, grad, shape):
    """A custom backward's gradient in its input's shape (a broadcast one is summed back, as in PyTorch)."""
    if grad.shape != shape:
        reduced = unbroadcast(grad, shape) if grad.ndim >= len(shape) else grad
        if reduced.shape != shape:
            raise RuntimeError(f"Function {ctx.name()} returned an invalid gradient at index {index} - got "
                               f"{list(grad.shape)} but expected shape compatible with {list(shape)}")
        grad = reduced
    return grad


class Op(Function):
    """Base of teachgrad's built-in ops: ``forward`` and ``backward`` work on NumPy arrays.

    Positional arguments of ``apply`` are the op's inputs (a Python number among them gets no
    gradient); keyword arguments are settings such as ``dim``.  ``backward`` returns one gradient per
    positional input.  An op that broadcasts may return them in its output's shape and dtype: this
    class sums each back to its input's shape and converts it to its input's dtype.
    """

    _numbers_are_inputs = True
    promotes = False  # True: inputs are converted to PyTorch's common dtype first (float32 * float64 ...)
    broadcasts = False  # True: gradients may come back in the output's shape and dtype (see above)
    # How PyTorch lays out the result in memory (is_contiguous(), stride()): "elementwise" like its
    # inputs, "contiguous" always row-major, None as forward returns it (views, in-place results).
    layout = None

    @staticmethod
    def result_dtype(common):
        """The dtype a promoting op computes in, given its inputs' common dtype (Div makes integers float)."""
        return common

    @classmethod
    def _forward(cls, ctx, args, arrays, kwargs):
        if kwargs:  # a tensor among the settings (a loss's target, a mask) is passed on as its array
            kwargs = {k: v._data if isinstance(v, Tensor) else v for k, v in kwargs.items()}
        if cls.broadcasts and True in ctx.needs_input_grad:  # to give each gradient its input's shape
            ctx._input_meta = [(a.shape, a.dtype) if type(a) is np.ndarray else _NUMBER for a in arrays]
        promoted = arrays
        if cls.promotes and not (len(arrays) == 2 and type(arrays[0]) is type(arrays[1]) is np.ndarray
                                 and arrays[0].dtype is arrays[1].dtype and cls.result_dtype is Op.result_dtype
                                 ) and not _number_fits(cls, arrays):
            promoted = _promoted(cls, args, arrays)
        if cls.is_view:  # no arithmetic: nothing can overflow
            out = cls.forward(ctx, *promoted, **kwargs)
        else:
            quiet = _exact.ignore_fp_errors()  # overflow and 0/0 give inf and nan silently, as in PyTorch
            try:
                out = cls.forward(ctx, *promoted, **kwargs)
            finally:
                _exact.restore_fp_errors(quiet)
        if promoted is not arrays:
            if ctx._saved:  # a converted input saved is still that input
                ctx._promoted = promoted
            arrays = promoted
        if type(out) is not np.ndarray:  # NumPy gives a scalar for a 0-d result
            result = np.asarray(out)
        elif cls.layout is None or out.ndim < 2:
            result = out
        elif cls.layout == "contiguous":
            result = out if out.flags.c_contiguous else np.ascontiguousarray(out)
        else:
            result = _layout.elementwise(out, arrays)
        if result is not out and ctx._saved:  # forward saved its output: save the array it becomes
            ctx._saved = tuple(result if v is out else v for v in ctx._saved)
        return Tensor._make(result)

    @staticmethod
    def _backward(ctx, grad):
        if ctx._freed:  # PyTorch checks every saved value first, used or not
            ctx.saved_tensors  # noqa: B018 - raises: they were freed
        for record in ctx._versions:  # (version counter, its value when saved, ...)
            if record[0][0] != record[1]:
                ctx.saved_tensors  # noqa: B018 - raises: one was changed in place since forward
        grads = ctx._function.backward(ctx, grad)  # (backward runs with NumPy's warnings off, as PyTorch's)
        if type(grads) is not tuple:
            grads = (grads,)
        if ctx._input_meta is None:  # every gradient already has its input's shape and dtype
            return grads
        result = []
        for g, need, (shape, dtype) in zip(grads, ctx.needs_input_grad, ctx._input_meta):
            if g is not None and need:
                if g.shape != shape:  # the input was broadcast: sum the gradient back to its shape
                    g = unbroadcast(g, shape)
                if g.dtype is not dtype:  # a gradient has its input's dtype, also after type promotion
                    g = g.astype(dtype)
                result.append(g)
            else:
                result.append(None)
        return result


_NUMBER = ((), None)  # the shape and dtype recorded for a Python number among an op's inputs
_KIND_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2}


def _number_fits(op, arrays):
    """The other common case of a promoting op: a floating array and a Python number, nothing to convert."""
    if len(arrays) != 2 or op.result_dtype is not Op.result_dtype:
        return False
    a, b = arrays
    return type(a) is np.ndarray and (type(b) is float or type(b) is int) and a.dtype.kind == "f"


def _promoted(op, args, arrays):
    """``arrays`` converted to the dtype PyTorch computes ``op`` in (its type promotion)."""
    common, simple = None, op.result_dtype is Op.result_dtype
    for a in arrays:  # the common case: one dtype, no Python number of a higher kind (int tensor * 0.5)
        if type(a) is np.ndarray:
            if common is None:
                common = a.dtype
            elif a.dtype != common:
                simple = False
                break
    if simple and common is not None:
        category = _KIND_CATEGORY[common.kind]
        if all(type(a) is np.ndarray or a is None or _dtypes.category_of_number(a) <= category for a in arrays):
            return arrays
    operands = [(_dtypes.of_array(a._data), 0 if a._data.ndim else 1) if isinstance(a, Tensor) else
                (_dtypes.default_for_category(_dtypes.category_of_number(a)), 2) for a in args if a is not None]
    target = op.result_dtype(_dtypes.promote(operands)).numpy
    return [a.astype(target) if type(a) is np.ndarray and a.dtype != target else a for a in arrays]


def unbroadcast(grad, shape):
    """The adjoint of broadcasting is a sum: reduce ``grad`` back to ``shape``."""
    if grad.shape == shape:
        return grad
    if not shape:  # to one number: the sum of everything, a new array
        return _exact.sum(grad)
    extra = grad.ndim - len(shape)
    # the dimensions that broadcasting added in front, and those of size 1 that it stretched
    axes = tuple(range(extra)) + tuple(extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1)
    summed = np.asarray(_exact.sum(grad, axes, keepdims=True))  # added up in PyTorch's order, a new array
    return summed.reshape(shape) if extra else summed  # (without the added dims: a view, as in PyTorch)


def once_differentiable(fn):
    """PyTorch's decorator for a custom ``backward`` that is not itself differentiable (all of them here)."""
    return fn


# ---------------------------------------------------------------------------------------------------
# In-place operations and views (PyTorch's CopySlices and AsStridedBackward0)
# ---------------------------------------------------------------------------------------------------

def apply_inplace(compute, target, *others, overlap_check=True, **kwargs):
    """``target.op_(*others)``: ``compute(target, *others)`` out of place, write the result into
    ``target``'s memory, and let ``target`` -- or its base, when ``target`` is a view -- stand for the
    result in the graph.  ``overlap_check=False`` for fills, which may write one place twice."""
    if _GRAD.enabled:
        _check_inplace_allowed(target, others)
    if overlap_check:
        _check_overlap(target, others)
    _InPlace.active = True
    try:
        result = compute(target, *others, **kwargs)
    finally:
        _InPlace.active = False
    data, out = target._data, result._data
    if out.shape != data.shape:
        raise RuntimeError(f"output with shape {list(data.shape)} doesn't match the broadcast shape {list(out.shape)}")
    if out.dtype != data.dtype and result.dtype.category > target.dtype.category:
        target_dtype, result_dtype = target.dtype, result.dtype
        raise RuntimeError(f"result type {_checks.scalar_name(result_dtype)} can't be cast to the desired output "
                           f"type {_checks.scalar_name(target_dtype)}")
    node = result._grad_fn
    # The op saved the values it overwrites: keep the originals, as PyTorch keeps the original self --
    # unless it also read them through another operand, which PyTorch saves as it is (so backward fails)
    if node is not None and node._saved and not any(
            isinstance(o, Tensor) and np.may_share_memory(o._data, data) for o in others):
        _keep_original_values(node, target, data)
    np.copyto(data, out, casting="unsafe")
    counter = target._version_counter()
    counter[0] += 1
    if node is not None:
        _take_over_output(node, target, counter)
        if target._base is None:
            target._set_grad_fn(node)
        else:
            _rebase_view(target, node)
    return target


def _check_overlap(target, others):
    """PyTorch refuses to write one memory location twice, or to read what it is overwriting."""
    data = target._data
    if 0 in data.strides and _layout.internal_overlap(data):
        raise RuntimeError(_checks.OVERLAPPING_WRITE)
    for other in others:
        if (isinstance(other, Tensor) and other is not target and np.may_share_memory(data, other._data)
                and _layout.partial_overlap(data, other._data)):
            raise RuntimeError(_checks.PARTIAL_OVERLAP)


def _check_inplace_allowed(target, others=()):
    """PyTorch refuses to overwrite values that a gradient must flow into, and to record an in-place
    change of a view made without grad (when the change needs a gradient)."""
    if target._requires_grad and target._grad_fn is None and target._base is None:
        raise RuntimeError(_checks.LEAF_INPLACE)
    base = target._base
    if base is not None:
        if target._view_without_grad and (base._requires_grad or any(
                getattr(o, "_requires_grad", False) for o in others)):
            raise RuntimeError(_checks.NO_GRAD_VIEW_INPLACE)
        if (base._requires_grad or target._requires_grad) and base._grad_fn is None:
            raise RuntimeError(_checks.VIEW_OF_LEAF_INPLACE)


def _keep_original_values(node, target, data):
    """Values forward saved from ``target`` are about to be overwritten: keep copies (PyTorch saves the
    original self for in-place ops whose derivative needs it)."""
    saved = list(node._saved)
    for i, value in enumerate(saved):
        if isinstance(value, np.ndarray) and np.may_share_memory(value, data):
            saved[i] = value.copy()
    node._saved = tuple(saved)
    node._versions = [v for v in node._versions if v[2] is not target]


def _take_over_output(node, target, counter):
    """A node that saved its own output saved ``target`` as it is now: check that version in backward."""
    if node._versions:
        node._versions = [(counter, counter[0], weakref.ref(target), True) if is_output else (c, v, t, is_output)
                          for c, v, t, is_output in node._versions]


def _rebase_view(view, node):
    """An in-place op on a view changed part of its base: the base's new node copies the op's gradient
    into that part (``CopySlices``); the view becomes a fresh view of the new base."""
    base = view._base
    copy = CopySlices(gradient_edge(base), view._view_ops, node, base._data)
    base._set_grad_fn(copy)
    view._set_grad_fn(AsStridedBackward0(base, view._view_ops))
    view._view_version = view._version_box[0]
