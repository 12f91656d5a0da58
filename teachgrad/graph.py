"""The backward graph and the engine that runs it: ``Node``, ``AccumulateGrad`` and ``backward``.

A node stands for one operation that ran forward.  ``node.next_functions`` are the edges to the
nodes that made its inputs, as ``(node, input_nr)`` pairs, ``(None, 0)`` for an input that needs no
gradient.  A leaf that requires grad ends its edges in an ``AccumulateGrad`` node, which adds the
incoming gradient into ``leaf.grad``.

``backward`` works in two phases: put the nodes in topological order, then apply the chain rule from
the output back to the leaves, summing the gradients that reach a node along several edges before
that node runs.

This module does not import ``Tensor``: it reads a tensor's autograd facts (``_grad_fn``,
``_requires_grad``, ``_data``) and makes new tensors with ``type(tensor)._make``, so the engine can be
read on its own.
"""

import collections
import heapq
import itertools
import sys
import weakref

import numpy as np

from . import _exact, _layout, grad_mode
from ._dtypes import TENSOR_TYPE_NAMES
from .utils.hooks import RemovableHandle

__all__ = ["Node", "AccumulateGrad", "CopySlices", "AsStridedBackward0", "gradient_edge", "topological_order", "backward_steps", "backward", "step_through",
           "grad"]

NO_EDGE = (None, 0)
_SEQUENCE = itertools.count(1)  # numbers the nodes in the order they are made

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second "
    "time or if you need to access saved tensors after calling backward."
)


class Node:
    """A node of the backward graph: what ``tensor.grad_fn`` returns."""

    next_functions = ()
    # When it was made: among the nodes ready to run, backward runs the most recent first (as PyTorch).
    _sequence = 0
    _hooks = None  # a tensor's register_hook(), applied to the gradient before this node runs
    _retained = None  # weak reference to a tensor that asked for retain_grad()
    _prehooks = None  # node.register_prehook(fn(grad_outputs))
    _posthooks = None  # node.register_hook(fn(grad_inputs, grad_outputs))
    _tensor_class = None  # set by the node types of function.py, to hand gradients to hooks as tensors

    def __init__(self):
        self._sequence = next(_SEQUENCE)

    def name(self):
        return type(self).__name__

    def apply(self, grad):
        """The gradients w.r.t. this node's inputs, one per edge, from the gradient w.r.t. its output."""
        raise NotImplementedError

    def release(self):
        """Forget what forward saved (called once backward has passed through, unless retain_graph)."""

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def metadata(self):
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` after this node ran; it may return new grad_inputs."""
        if self._posthooks is None:
            self._posthooks = {}
        return RemovableHandle(self._posthooks, hook)

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` before this node runs; it may return new grad_outputs."""
        if self._prehooks is None:
            self._prehooks = {}
        return RemovableHandle(self._prehooks, hook)

    def _retained_tensor(self):
        return None if self._retained is None else self._retained()


class AccumulateGrad(Node):
    """The node at a leaf: it adds the incoming gradient into ``variable.grad``.

    PyTorch accumulates, it never overwrites: call backward twice and ``.grad`` holds the sum.
    """

    _sequence = float("inf")  # a leaf's gradient is stored as soon as it is complete

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def apply(self, grad):
        variable = self.variable
        if not variable._requires_grad:  # the flag was switched off after forward: nothing to do
            return ()
        if variable._grad is None:
            if grad.dtype != variable._data.dtype or not (_unshared(grad) and _obeys_layout(grad, variable._data)):
                # a copy (the array is used elsewhere too, or laid out otherwise), laid out like the tensor
                grad = _layout.like(np.array(grad, dtype=variable._data.dtype), variable._data)
            variable._grad = type(variable)._make(grad)
            given = _given_tensor(grad) if _given else None
            if given is not None:  # it views your gradient tensor: changing either shows in both versions
                variable._grad._version_box = given._version_counter()
        else:  # in place: a tensor you hold as .grad sees the sum (and its version goes up)
            existing = variable._grad
            existing._data += grad
            existing._version_counter()[0] += 1
        return ()

    @property
    def _hooks(self):  # a leaf's register_hook() functions live on the leaf
        return self.variable._hooks


class CopySlices(Node):
    """The new node of a base after an in-place op changed a view of it: the op's gradient goes to the
    changed part, the rest of the gradient flows to the base's previous node unchanged."""

    def __init__(self, base_edge, view_ops, op_node, base_array):
        super().__init__()
        self.next_functions = (base_edge,) + op_node.next_functions[1:]
        self._view_ops, self._op_node = view_ops, op_node
        self._tensor_class = op_node._tensor_class
        self._dtype = base_array.dtype

    def name(self):
        return "torch::autograd::CopySlices"

    def apply(self, grad):
        if self._op_node is None:  # released by an earlier backward
            raise RuntimeError(_FREED_MESSAGE)
        result = np.array(grad, dtype=self._dtype)
        part = replay_view(self._view_ops, result)  # the changed part, inside result's memory
        grads = self._op_node.apply(np.array(part))
        part[...] = 0 if grads[0] is None else grads[0]  # the gradient w.r.t. the part's old values
        return (result,) + tuple(grads[1:])

    def release(self):
        self._op_node = None


class AsStridedBackward0(Node):
    """The node of a view whose base changed in place after the view was made: the view's gradient
    lands in its part of the base."""

    def __init__(self, base, view_ops):
        super().__init__()
        self.next_functions = (gradient_edge(base),)
        self._view_ops, self._shape = view_ops, base._data.shape
        self._tensor_class = type(base)

    def apply(self, grad):
        result = np.zeros(self._shape, dtype=grad.dtype)
        positions = replay_view(self._view_ops, np.arange(result.size).reshape(self._shape))
        if np.unique(positions).size == positions.size:
            result.reshape(-1)[positions] = grad  # each element of the view gets its gradient (copied, as PyTorch)
        else:  # the view repeats elements (expand): PyTorch adds up all their gradients
            np.add.at(result.reshape(-1), positions, grad)
        return (result,)


def replay_view(view_ops, array):
    """Apply the view operations that made a view to an array shaped like its base: the same view."""
    for op, kwargs in view_ops:
        array = op.forward(_ReplayContext(), array, **kwargs)
    return array


class _ReplayContext:
    """A throwaway ctx for replaying a view op's forward."""
    needs_input_grad = (False,)

    def save_for_backward(self, *values):
        pass


# How many references a gradient array has on its way into AccumulateGrad.apply: backward_steps' local
# variable, apply's and _unshared's parameters, and getrefcount's own argument.  One more means that
# something else (another branch of the graph, the user's gradient tensor) holds it.
_REFERENCES_IN_TRANSIT = 4


def _unshared(array):
    """True if only the backward pass refers to ``array``, so that AccumulateGrad may keep it as
    ``.grad`` without a copy -- PyTorch makes the same check (on the tensor, not on its memory: a
    gradient that views your gradient tensor becomes .grad as it is)."""
    return sys.getrefcount(array) <= _REFERENCES_IN_TRANSIT and array.flags.writeable


def _obeys_layout(grad, like):
    """PyTorch's gradient layout contract: a .grad is laid out like its tensor (for a tensor whose
    elements fill a block of memory; else row-major)."""
    if not _layout.dense(like):
        return grad.flags.c_contiguous
    if grad.strides == like.strides and 0 not in grad.strides:  # the common case: laid out the same
        return True
    return all(g == v if size != 1 else g != 0 for g, v, size in zip(grad.strides, like.strides, grad.shape))


def gradient_edge(tensor):
    """The ``(node, input_nr)`` edge through which a gradient flows back into ``tensor``."""
    node = tensor._grad_fn
    if node is not None:
        return (node, 0)
    if not tensor._requires_grad:
        return NO_EDGE
    # A leaf: one AccumulateGrad node per leaf while any graph holds it, as in PyTorch.
    if tensor._accumulator is not None:
        node = tensor._accumulator()
    if node is None:
        node = AccumulateGrad(tensor)
        tensor._accumulator = weakref.ref(node)
    return (node, 0)


# ---------------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------------

def topological_order(roots):
    """Nodes reachable from ``roots``, each before every node it sends gradients to.

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


def backward_steps(roots, root_grads, retain_graph=False, inputs=None, captured=None):
    """The backward pass, one node per step: yields ``(node, grad, input_grads, pending)``.

    ``backward`` runs it to the end; lesson 8's stepper runs it one step per click.  With ``inputs``
    (a set of nodes) only the nodes that lead to them run, and the gradients reaching them are put
    in ``captured`` instead of being accumulated into ``.grad``.
    """
    # Phase 1: the nodes backward will reach, and how many gradients each one waits for.
    order = topological_order(roots)
    if inputs is not None:
        order, useful = _leading_to(order, inputs)
    waiting = collections.Counter([child for node in order for child, _ in node.next_functions if child is not None])
    # Phase 2: the chain rule, from the outputs back to the leaves.  A node runs once it has all its
    # gradients; of the nodes ready, the most recently made first, as PyTorch's engine chooses.
    pending = {}  # node -> sum of the gradients w.r.t. that node's output received so far
    for node, grad in zip(roots, root_grads):
        pending[node] = pending[node] + grad if node in pending else grad
    ready = _ReadyQueue()
    for node in dict.fromkeys(roots):
        if not waiting[node] and (inputs is None or node in useful):
            ready.push(node)
    while ready:
        node = ready.pop()
        grad = pending.pop(node, None)
        if grad is None:  # no gradient reached it: nothing to run, but its inputs wait no longer
            _release_children(node, waiting, ready, useful if inputs is not None else None)
            continue
        if node._hooks is not None or node._retained is not None:
            grad = _tensor_hooks(node, grad)
        if inputs is not None and node in inputs:
            captured[node] = grad
            if not any(child in useful for child, _ in node.next_functions):
                _release_children(node, waiting, ready, useful)
                continue  # nothing beyond this node is asked for: its gradient is the answer
        if node._prehooks is not None:
            grad = _run_prehooks(node, grad)
        input_grads = node.apply(grad)
        if node._posthooks is not None:
            input_grads = _run_posthooks(node, input_grads, grad)
        if not retain_graph:  # free what forward saved: this part of the graph has done its work
            node.release()
        for (child, _), child_grad in zip(node.next_functions, input_grads):
            if child is None or (inputs is not None and child not in useful):
                continue
            if child_grad is not None:
                pending[child] = pending[child] + child_grad if child in pending else child_grad
            waiting[child] -= 1
            if not waiting[child]:
                ready.push(child)
        yield node, grad, input_grads, pending
        input_grads = child_grad = None  # let go of the arrays: AccumulateGrad can then keep them


def _release_children(node, waiting, ready, useful):
    """The inputs of a node that did not run no longer wait for it."""
    for child, _ in node.next_functions:
        if child is not None and (useful is None or child in useful):
            waiting[child] -= 1
            if not waiting[child]:
                ready.push(child)


class _ReadyQueue(list):
    """The nodes ready to run, the most recently made first: a binary max-heap on ``_sequence``, pushed
    and popped as C++'s std::priority_queue does it, which also decides between equal keys (leaves'
    AccumulateGrad nodes) as PyTorch's engine does.  Python's ``heapq`` moves entries exactly as
    std::priority_queue does (a min-heap, so the key is ``-_sequence``)."""

    def push(self, node):
        entry = _Entry(-node._sequence)
        entry.node = node
        heapq.heappush(self, entry)

    def pop(self):
        return heapq.heappop(self).node


class _Entry(float):
    """A key of the ready queue (compared as a number: equal keys are never "less") and its node."""
    __slots__ = ("node",)


def _run(steps):
    """Run the backward pass to the end, keeping no step's arrays alive (so AccumulateGrad can take them).
    Overflow gives inf and nan silently, as in PyTorch."""
    quiet = _exact.ignore_fp_errors()
    try:
        collections.deque(steps, maxlen=0)
    finally:
        _exact.restore_fp_errors(quiet)


def _leading_to(order, targets):
    """The nodes of ``order`` from which a gradient can reach one of ``targets`` (and their set)."""
    useful = set()
    for node in reversed(order):  # from the leaves up: a node is useful if one of its children is
        if node in targets or any(child in useful for child, _ in node.next_functions):
            useful.add(node)
    return [node for node in order if node in useful], useful


def _tensor_hooks(node, grad):
    """A tensor's ``register_hook`` functions (they may replace the gradient), then ``retain_grad``."""
    hooks = node._hooks
    if hooks:
        make = _tensor_maker(node)
        for hook in list(hooks.values()):
            result = hook(make(grad))
            if result is not None:
                grad = _checked_replacement(result, grad, hook)
    retained = node._retained_tensor()
    if retained is not None:
        _accumulate(retained, grad)
    return grad


def _tensor_maker(node):
    return type(node.variable)._make if type(node) is AccumulateGrad else node._tensor_class._make


def _checked_replacement(result, grad, hook):
    """The gradient a hook returned, checked as PyTorch checks it (type, size, dtype)."""
    data = getattr(result, "_data", None)
    if data is None:
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    if data.shape != grad.shape:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value")
    if data.dtype != grad.dtype:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the type of value (was "
                           f"{TENSOR_TYPE_NAMES.get(grad.dtype.name)} got {TENSOR_TYPE_NAMES.get(data.dtype.name)})")
    return data


def _hook_name(hook):
    name = getattr(hook, "__name__", None)
    return name if isinstance(name, str) else "<unknown>"


def _run_prehooks(node, grad):
    for hook in list(node._prehooks.values()):
        result = hook((node._tensor_class._make(grad),))
        if result is not None:
            grad = _checked_replacement(result[0], grad, hook)
    return grad


def _run_posthooks(node, input_grads, grad):
    make = node._tensor_class._make
    outputs = (make(grad),)
    for hook in list(node._posthooks.values()):
        wrapped = tuple(None if g is None else make(g) for g in input_grads)
        result = hook(wrapped, outputs)
        if result is not None:
            input_grads = tuple(None if r is None else r._data for r in result)
    return input_grads


def _accumulate(tensor, grad):
    """A retained gradient: a row-major copy the first time, then ``tensor.grad + grad`` as a new
    tensor (PyTorch's retain_grad never adds in place)."""
    if tensor._grad is None:
        tensor._grad = type(tensor)._make(np.array(grad, dtype=tensor._data.dtype, order="C"))
    else:
        tensor._grad = type(tensor)._make(tensor._grad._data + grad)


# ---------------------------------------------------------------------------------------------------
# What ``tensor.backward()``, ``autograd.backward`` and ``autograd.grad`` call
# ---------------------------------------------------------------------------------------------------

def _as_list(x):
    return [x] if hasattr(x, "_data") else list(x)


def _root_gradients(outputs, gradients):
    """The roots of the pass and the gradient each starts with (ones for a scalar output).  Checked in
    PyTorch's order: every gradient against its output first, then whether each output needs one."""
    if gradients is None or hasattr(gradients, "_data"):
        gradients = [gradients] * len(outputs) if gradients is None else [gradients]
    grads = []
    for i, (out, g) in enumerate(zip(outputs, gradients)):
        if g is None:
            if out.requires_grad and out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones(out._data.shape, out._data.dtype)
        elif not hasattr(g, "_data"):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        else:
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size({list(g._data.shape)}) "
                    f"and output[{i}] has a shape of torch.Size({list(out._data.shape)}).")
            given = g
            g = g._data.astype(out._data.dtype, copy=False)
            _given[id(g)] = given
        grads.append(g)
    if len(gradients) < len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(gradients)} gradients")
    for i, out in enumerate(outputs):
        if out.grad_fn is None and not out._requires_grad:  # no edge to start from
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    return [gradient_edge(out)[0] for out in outputs], grads


# The gradient tensors you passed to backward(gradient=...) or grad(grad_outputs=...), by their arrays,
# during the backward pass they start: a .grad or a returned gradient that views one of them shares
# its version counter, as in PyTorch.
_given = {}


def _given_tensor(array):
    """The tensor you passed whose memory ``array`` is (or views), if any."""
    while array is not None:
        tensor = _given.get(id(array))
        if tensor is not None:
            return tensor
        array = getattr(array, "base", None)
    return None


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute gradients of ``tensors`` and accumulate them into the ``.grad`` of the leaves."""
    if create_graph:
        raise NotImplementedError("teachgrad does not build graphs of gradients (create_graph=True)")
    _given.clear()
    roots, grads = _root_gradients(_as_list(tensors), grad_tensors)
    targets = None
    if inputs is not None:
        inputs = _as_list(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        targets = {gradient_edge(t)[0]: t for t in inputs}
    previous = grad_mode._State.enabled
    grad_mode._State.enabled = False  # as under no_grad(): nothing computed during backward records a graph
    try:
        if targets is None:
            _run(backward_steps(roots, grads, bool(retain_graph)))
        else:  # only the given inputs get .grad
            captured = {}
            _run(backward_steps(roots, grads, bool(retain_graph), set(targets), captured))
            with np.errstate(all="ignore"):
                for node, g in captured.items():
                    if type(node) is not AccumulateGrad:  # a non-leaf input: as if it retained its grad
                        _accumulate(targets[node], g)
                    else:
                        node.apply(g)
    finally:
        grad_mode._State.enabled = previous
        _given.clear()


def step_through(tensor, gradient=None, retain_graph=False):
    """``tensor.backward(gradient)`` one node at a time: the steps of ``backward_steps``, each run with
    grad mode off as in ``backward``.  Leaves get their ``.grad`` when the steps reach them."""
    _given.clear()
    roots, grads = _root_gradients([tensor], gradient)
    given = dict(_given)
    steps = backward_steps(roots, grads, retain_graph)
    while True:
        previous = grad_mode._State.enabled
        grad_mode._State.enabled = False
        _given.update(given)
        try:
            with np.errstate(all="ignore"):
                step = next(steps, None)
        finally:
            grad_mode._State.enabled = previous
            _given.clear()
        if step is None:
            return
        yield step


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``."""
    if create_graph:
        raise NotImplementedError("teachgrad does not build graphs of gradients (create_graph=True)")
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    _given.clear()
    roots, grads = _root_gradients(outputs, grad_outputs)
    made = dict(_given)  # a gradient that is (or views) a grad_outputs tensor returns (or views) it
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    input_nodes = [gradient_edge(t)[0] for t in inputs]
    captured = {}
    previous = grad_mode._State.enabled
    grad_mode._State.enabled = False
    try:
        _run(backward_steps(roots, grads, bool(retain_graph), set(input_nodes), captured))
    finally:
        grad_mode._State.enabled = previous
        _given.clear()
    results = []
    for i, (t, node) in enumerate(zip(inputs, input_nodes)):
        g = captured.get(node)
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            results.append(type(t)._make(np.zeros_like(t._data)) if materialize_grads else None)
        else:
            g = g.astype(t._data.dtype, copy=False)
            results.append(made.setdefault(id(g), type(t)._make(g)))
    for result in results:
        if result is not None:
            _mark_view(result, made)
    return tuple(results)


def _mark_view(result, made):
    """The gradients are the arrays backward made, not copies, as PyTorch returns its gradient tensors.
    One that backward made as a view (``sum``'s gradient is an expanded one) is a view of the tensor it
    was made from: another of the results, a ``grad_outputs`` tensor, or a tensor of its own."""
    grad = owner = result._data
    while getattr(owner, "base", None) is not None:
        owner = owner.base  # (a view's base is the tensor at the start of a chain of views)
    if owner is not grad and result._base is None:
        base = made.get(id(owner))  # another result, a grad_outputs tensor, or one of its own
        if base is None:
            base = made[id(owner)] = type(result)._make(np.asarray(owner))
        result._base, result._view_without_grad = base, True
        result._version_box = base._version_counter()
