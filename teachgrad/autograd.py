"""The autograd engine: grad mode, Function nodes, and backward.

Every differentiable operation is a ``Function`` subclass with a ``forward`` and a ``backward`` written
side by side.  ``Function.apply`` runs ``forward`` and, when a gradient may be needed, records a node of
the graph: an instance of the op's node class (``MulBackward0`` for ``Mul``...).  That node doubles as
the ``ctx`` that ``forward`` saved its values on, just as in PyTorch, and it is what ``tensor.grad_fn``
returns.  ``backward`` walks those nodes from the output back to the leaves.
"""

import functools
import re
import sys
import weakref

import numpy as np

__all__ = [
    "Function", "no_grad", "enable_grad", "inference_mode", "set_grad_enabled", "is_grad_enabled", "backward", "grad",
    "gradcheck", "trace_hooks",
]

_grad_enabled = True

# Visualisation hooks (teachgrad.viz): while this list is non-empty, every op and every detach() calls
# hook(name, inputs, output, grad_enabled), so a drawing can show what ran even where no graph was built.
trace_hooks = []


# ---------------------------------------------------------------------------------------------------
# Grad mode
# ---------------------------------------------------------------------------------------------------

def is_grad_enabled():
    return _grad_enabled


def _set_grad_mode(mode):
    global _grad_enabled
    _grad_enabled = bool(mode)


class _GradMode:
    """Context manager and decorator that sets grad mode on entry and restores it on exit."""

    mode = True

    def __enter__(self):
        self._previous = _grad_enabled
        _set_grad_mode(self.mode)

    def __exit__(self, *exc_info):
        _set_grad_mode(self._previous)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Inside ``with no_grad():`` ops record no graph: their results do not require grad.

    Also a decorator, with or without parentheses: ``@no_grad()`` or ``@no_grad``.
    """
    mode = False

    def __new__(cls, func=None):
        self = super().__new__(cls)
        return self(func) if callable(func) else self

    def __init__(self, func=None):
        pass


class enable_grad(no_grad):
    mode = True


inference_mode = no_grad  # close enough for teaching: no graph is recorded


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` switches grad mode at once; used in ``with`` it restores it after."""

    def __init__(self, mode):
        self._previous = _grad_enabled
        self.mode = bool(mode)
        _set_grad_mode(mode)

    def __enter__(self):
        pass

    def __call__(self, func):
        mode = self.mode
        _set_grad_mode(self._previous)  # used as a decorator: do not change the mode now

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)
        return wrapper


# ---------------------------------------------------------------------------------------------------
# Graph nodes
# ---------------------------------------------------------------------------------------------------

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second "
    "time or if you need to access saved tensors after calling backward."
)


class Node:
    """A node of the backward graph (what ``grad_fn`` returns). It is also the ``ctx`` of its op."""

    _function = None
    next_functions = ()
    needs_input_grad = ()
    _saved = ()
    _versions = ()  # per saved tensor: (version counter, its value when saved, the tensor, is it our output?)
    _freed = False
    _retained = None  # weak reference to a non-leaf tensor that asked for retain_grad()

    def name(self):
        return getattr(self._function, "qualified_name", type(self).__name__)

    def __repr__(self):
        # PyTorch shows built-in nodes by name and custom ones under torch.autograd.function.
        builtin = type(self).__module__.startswith("teachgrad")
        prefix = "" if builtin else "torch.autograd.function."
        return f"<{prefix}{type(self).__name__} object at {hex(id(self))}>"

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

    def _remember_versions(self, inputs, output):
        """Note the version of every tensor whose memory was saved, so backward can detect in-place changes."""
        records = []
        for value in self._saved:
            if value is None:
                continue
            if value is output._data:
                counter = output._version_counter()
                # Only a weak reference to our own output: it holds this node as its grad_fn.
                records.append((counter, counter[0], weakref.ref(output), True))
                continue
            for t in inputs:
                if isinstance(t, Tensor) and t._data is value:
                    counter = t._version_counter()
                    records.append((counter, counter[0], t, False))
                    break
        self._versions = records

    def _apply(self, grad_output):
        """Turn the gradient w.r.t. this node's output into gradients w.r.t. its inputs."""
        grads = self._backward(self, grad_output)
        return grads if type(grads) is tuple else (grads,)


class AccumulateGrad(Node):
    """The node at a leaf: it adds the incoming gradient into ``variable.grad``."""

    __module__ = "teachgrad.autograd"

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def _apply(self, grad_output):
        _accumulate(self.variable, grad_output, may_take=True)
        return ()


def _modified_message(tensor, version, expected, producer):
    """PyTorch's message; ``producer`` is the node whose own output was saved, if that is the tensor."""
    what = ""
    if tensor is not None:
        what = f"[{tensor.type()} {list(tensor.shape)}]"
        node = producer or tensor._grad_fn
        if node is not None:
            # A view whose memory changed in place is, for PyTorch, a fresh AsStrided view of it.
            name = "AsStrided" if producer is None and getattr(node._function, "is_view", False) else \
                re.sub(r"Backward[0-9]*$", "", node.name())
            what += f", which is output 0 of {name},"
    return ("one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{what} is at version {version}; expected version {expected} instead. Hint: enable anomaly detection "
            "to find the operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _accumulate(tensor, grad, may_take=False):
    """Add ``grad`` (an ndarray) into ``tensor.grad`` in place: PyTorch accumulates, it never overwrites."""
    if tensor._grad is None:
        if may_take and grad.dtype == tensor._data.dtype and _unshared(grad):
            # Like PyTorch's AccumulateGrad: an array nothing else refers to becomes .grad without a copy.
            tensor._grad = Tensor._make(grad)
        else:  # a copy: the array may be shared with other branches of the graph, or be the user's
            tensor._grad = Tensor._make(np.array(grad, dtype=tensor._data.dtype))
    else:
        tensor._grad._data += grad


# The references to a gradient on its way into AccumulateGrad: _run_backward's variable, the parameters
# of AccumulateGrad._apply, _accumulate and _unshared, and getrefcount's own argument.
_REFERENCES_IN_TRANSIT = 5


def _unshared(array):
    """True if only the backward pass refers to ``array`` (and to the array whose memory it views)."""
    if sys.getrefcount(array) > _REFERENCES_IN_TRANSIT:
        return False
    base = array.base
    if base is None:  # it owns its memory, and nothing else holds it
        return True
    # A view (not a read-only one such as np.broadcast_to makes) of an array that only the view
    # refers to: the view, `base` here and getrefcount's argument.
    return (type(base) is np.ndarray and base.base is None and sys.getrefcount(base) <= 3
            and array.flags.writeable)


_NO_EDGE = (None, 0)


def _edge(value):
    """The (node, input_nr) pair through which a gradient flows back into ``value``."""
    if value._grad_fn is not None:
        return (value._grad_fn, 0)
    if not value._requires_grad:
        return _NO_EDGE
    # A leaf: share one AccumulateGrad node per leaf while a graph holds it, as PyTorch does.
    node = value._accumulator() if value._accumulator is not None else None
    if node is None:
        node = AccumulateGrad(value)
        value._accumulator = weakref.ref(node)
    return (node, 0)


# ---------------------------------------------------------------------------------------------------
# Function: the one place where graph edges are created
# ---------------------------------------------------------------------------------------------------

class Function:
    """Base class of every differentiable operation, built-in or your own.

    Subclasses define ``forward(ctx, *inputs)`` and ``backward(ctx, grad_output)`` as static methods
    and are called with ``MyFunction.apply(*inputs)``.  Your own Functions work on Tensors, as in
    PyTorch; teachgrad's built-in ops (``teachgrad.ops``) work directly on NumPy arrays.
    """

    _node_class = Node
    works_on_arrays = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # PyTorch names built-in nodes like "MulBackward0" and custom ones like "MyFnBackward".
        builtin = cls.__module__.startswith("teachgrad.")
        name = getattr(cls, "node_name", None) or cls.__name__ + ("Backward0" if builtin else "Backward")
        # The node calls backward directly for built-in ops (arrays in and out), through the
        # Tensor-converting wrapper for your own Functions.
        backward = cls.backward if cls.works_on_arrays else cls._backward
        cls._node_class = type(name, (Node,), {"_function": cls, "_backward": staticmethod(backward),
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
        requires_grad = _grad_enabled and any(isinstance(a, Tensor) and a._requires_grad for a in args)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        ctx._tensor_inputs = [isinstance(a, Tensor) for a in args]
        output = cls._forward(ctx, args, kwargs)
        if requires_grad:
            ctx.next_functions = tuple([_edge(a) for a in args if isinstance(a, Tensor)])
            output._requires_grad = True
            output._grad_fn = ctx
            if ctx._saved:
                ctx._remember_versions(args, output)
        if trace_hooks:
            inputs = tuple(a for a in args if isinstance(a, Tensor))
            for hook in trace_hooks:
                hook(ctx.name(), inputs, output, _grad_enabled)
        return output

    # A custom Function sees Tensors (computed without recording a graph) and returns Tensors.
    @classmethod
    def _forward(cls, ctx, args, kwargs):
        with no_grad():
            output = cls.forward(ctx, *args, **kwargs)
        if not isinstance(output, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor")
        # Return a new tensor object so that graph edges never overwrite an input's own grad_fn.
        result = Tensor._make(output._data)
        result._version_box = output._version_counter()
        if ctx._saved:  # the tensor forward returned may be saved: let backward see it as the output
            ctx._saved = tuple(result if t is output else t for t in ctx._saved)
        return result

    @classmethod
    def _backward(cls, ctx, grad_output):
        with no_grad():
            grads = cls.backward(ctx, Tensor._make(grad_output))
        grads = grads if isinstance(grads, tuple) else (grads,)
        # Keep only the gradients of tensor inputs, in the order of next_functions.
        tensor_grads = [g for g, is_tensor in zip(grads, ctx._tensor_inputs) if is_tensor]
        return tuple(None if g is None else g._data for g in tensor_grads)


class Op(Function):
    """Base of teachgrad's built-in ops: forward and backward work on NumPy arrays.

    Positional arguments of ``apply`` are the op's tensor inputs (a Python number in their place gets
    no gradient); keyword arguments are settings such as ``dim``.  ``backward`` returns one gradient
    per positional input (``None`` where no gradient is needed).
    """

    works_on_arrays = True
    is_view = False  # True for ops whose output is a view of their first input (reshape, transpose...)

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._node_class()
        arrays, needs = [], []  # what forward computes on, and which inputs will want a gradient
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                needs.append(_grad_enabled and a._requires_grad)
            else:
                arrays.append(a)
                needs.append(False)
        # Known before forward runs, so that forward can save only what backward will need.
        ctx.needs_input_grad = tuple(needs)
        output = Tensor._make(cls.forward(ctx, *arrays, **kwargs))
        if True in needs:
            ctx.next_functions = tuple([_edge(a) if isinstance(a, Tensor) else _NO_EDGE for a in args])
            output._requires_grad = True
            output._grad_fn = ctx
            if ctx._saved:
                ctx._remember_versions(args, output)
        if cls.is_view:  # a view shares its input's memory, so it shares its version counter too
            output._version_box = args[0]._version_counter()
        if trace_hooks:
            inputs = tuple(a for a in args if isinstance(a, Tensor))
            for hook in trace_hooks:
                hook(ctx.name(), inputs, output, _grad_enabled)
        return output


def unbroadcast(grad, shape):
    """The adjoint of broadcasting is a sum: reduce ``grad`` back to ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:  # dimensions that broadcasting added in front
        grad = np.add.reduce(grad, axis=tuple(range(extra)))
        if grad.shape == shape:
            return grad
    # dimensions of size 1 that broadcasting stretched
    stretched = tuple([i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1])
    return np.add.reduce(grad, axis=stretched, keepdims=True) if stretched else grad


# ---------------------------------------------------------------------------------------------------
# Backward
# ---------------------------------------------------------------------------------------------------

def _topological_order(roots):
    """Nodes reachable from ``roots``, each after every node that feeds it a gradient.

    Iterative depth-first search, so a chain of 10,000 ops cannot hit Python's recursion limit.
    """
    order, visited = [], set()
    for root in roots:
        if root is None or root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, children = stack[-1]
            for child, _ in children:
                if child is not None and child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child.next_functions)))
                    break
            else:
                stack.pop()
                order.append(node)  # post-order: inputs before the node that consumes them
    order.reverse()  # now every node comes before the nodes it sends gradients to
    return order


def _run_backward(roots, root_grads, retain_graph, inputs=None):
    """Phase 1: order the graph.  Phase 2: apply the chain rule from the outputs back to the leaves.

    With ``inputs`` (a set of nodes, for autograd.grad) the gradients reaching those nodes are
    returned instead of being accumulated into ``.grad``.
    """
    order = _topological_order(roots)
    pending = {}  # node -> sum of the gradients w.r.t. that node's output received so far
    for node, grad in zip(roots, root_grads):
        pending[node] = pending[node] + grad if node in pending else grad
    captured = {}
    for node in order:
        grad = pending.pop(node, None)
        if grad is None:
            continue
        if inputs is not None and node in inputs:
            captured[node] = grad
        if node._retained is not None and node._retained() is not None:
            _accumulate(node._retained(), grad)
        if inputs is not None and isinstance(node, AccumulateGrad):
            continue
        input_grads = node._apply(grad)
        if not retain_graph:  # free what forward saved: this part of the graph has done its work
            node._saved = node._versions = ()
            node._freed = True
        for (child, _), child_grad in zip(node.next_functions, input_grads):
            if child is not None and child_grad is not None:
                pending[child] = pending[child] + child_grad if child in pending else child_grad
        input_grads = child_grad = None  # let go of the arrays: AccumulateGrad can then take them over
    return captured


def _root_gradients(outputs, gradients):
    roots, grads = [], []
    for i, (out, g) in enumerate(zip(outputs, gradients)):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones(out._data.shape, out._data.dtype)
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        else:
            g_data = g._data
            if g_data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {Size(g_data.shape)} and "
                    f"output[{i}] has a shape of {Size(out._data.shape)}.")
            g = g_data.astype(out._data.dtype, copy=False)
        roots.append(_edge(out)[0])
        grads.append(g)
    return roots, grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Compute gradients of ``tensors`` and accumulate them into the ``.grad`` of the leaves."""
    if create_graph:
        raise NotImplementedError("teachgrad does not build graphs of gradients (create_graph=True)")
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    roots, grads = _root_gradients(tensors, grad_tensors)
    previous = _grad_enabled
    _set_grad_mode(False)  # as under no_grad(): nothing computed during backward records a graph
    try:
        _run_backward(roots, grads, bool(retain_graph))
    finally:
        _set_grad_mode(previous)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, allow_unused=False):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    roots, grads = _root_gradients(outputs, grad_outputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    input_nodes = [_edge(t)[0] for t in inputs]
    with no_grad():
        captured = _run_backward(roots, grads, bool(retain_graph), set(input_nodes))
    results = []
    for t, node in zip(inputs, input_nodes):
        g = captured.get(node)
        if g is None and not allow_unused:
            raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                               "graph. Set allow_unused=True if this is the desired behavior.")
        results.append(None if g is None else Tensor._make(np.array(g, dtype=t._data.dtype)))
    return tuple(results)


# ---------------------------------------------------------------------------------------------------
# gradcheck: compare backward with central differences
# ---------------------------------------------------------------------------------------------------

def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check ``func``'s gradients against central differences, input by input, element by element.

    Use float64 inputs that require grad, as in PyTorch.  Returns True, or raises ``GradcheckError``.
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    differentiable = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    output = func(*inputs)
    out_size = output.numel()
    for t in differentiable:
        if t.dtype.name != "float64":
            import warnings
            warnings.warn("Input #0 requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision "
                          "floating point. ", UserWarning, stacklevel=2)
    for j in range(out_size):
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


# tensor.py builds on this module, so Tensor is imported last (the names above already exist then).
from .tensor import Size, Tensor  # noqa: E402
