"""``nn.Module``: the base class of every layer and model, with its hooks.

A Module is an object that remembers which of its attributes are parameters (``nn.Parameter``),
buffers or sub-modules, so that ``parameters()``, ``state_dict()``, ``train()``, ``zero_grad()`` and
``repr()`` can walk the whole tree of a model.  Calling a module runs its ``forward`` (and its hooks,
if any were registered).
"""

import warnings
from collections import OrderedDict, namedtuple

from .. import grad_mode
from .._dtypes import dtype
from ..function import Function
from ..grad_mode import no_grad
from ..tensor import Tensor
from ..utils.hooks import RemovableHandle
from .parameter import Parameter

__all__ = ["Module"]


def _typename(obj):
    """What PyTorch calls a value's type in error messages: 'torch.FloatTensor', 'float', ..."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _addindent(text, spaces):
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


_HOOK_DICTS = ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks", "_forward_hooks_with_kwargs",
               "_backward_pre_hooks", "_backward_hooks")


class Module:
    """Base class of every layer and model.  Subclasses call ``super().__init__()`` first, assign
    their parameters and sub-modules as attributes, and define ``forward``."""

    def __init__(self):
        # object.__setattr__ because our own __setattr__ relies on these dicts existing.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        for name in _HOOK_DICTS:  # empty until a hook is registered, as in PyTorch
            object.__setattr__(self, name, OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # Hooks (register_forward_hook & co.): handle id -> hook, in the order they run; the ids of the
    # forward hooks that take keyword arguments are kept apart, as in PyTorch.  (None on a module
    # whose __init__ did not run, so a call checks them in one step.)
    _forward_pre_hooks = _forward_hooks = _backward_pre_hooks = _backward_hooks = None
    _forward_pre_hooks_with_kwargs = _forward_hooks_with_kwargs = None

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks:
            return _call_with_hooks(self, args, kwargs)
        return self.forward(*args, **kwargs)

    def _hook_dict(self, name):
        hooks = self.__dict__.get(name)
        if hooks is None:
            hooks = OrderedDict()
            object.__setattr__(self, name, hooks)
        return hooks

    def _add_hook(self, name, hook, prepend, with_kwargs=False):
        hooks = self._hook_dict(name)
        handle = RemovableHandle(hooks)
        if with_kwargs:
            kwargs_ids = self._hook_dict(name + "_with_kwargs")
            kwargs_ids[handle.id] = True
            handle.extra_dicts = (kwargs_ids,)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` before forward; it may return new args (a tuple, or one value)."""
        return self._add_hook("_forward_pre_hooks", hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """``hook(module, args, output)`` after forward; it may return a new output."""
        return self._add_hook("_forward_hooks", hook, prepend, with_kwargs)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` when the gradient w.r.t. the output is known; may return a new one."""
        return self._add_hook("_backward_pre_hooks", hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` once the gradients w.r.t. the module's inputs are known;
        it may return new grad_input."""
        return self._add_hook("_backward_hooks", hook, prepend)

    # --- attribute registration ------------------------------------------------------------------

    # Every parameter, buffer and sub-module is kept in its dict (_parameters, _buffers, _modules: what
    # kind it is) and also as a plain instance attribute, so that reading ``self.weight`` in forward is
    # an ordinary attribute lookup.  (PyTorch keeps them only in the dicts and finds them through
    # __getattr__, which costs about a microsecond per read.)

    def __setattr__(self, name, value):
        params, modules = self.__dict__.get("_parameters"), self.__dict__.get("_modules")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._register(params, name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            self._register(params, name, None)
        elif isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._register(modules, name, value)
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            self._register(modules, name, None)
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(torch.Tensor or None expected)")
            self._register(self._buffers, name, value)
        else:
            object.__setattr__(self, name, value)

    def _register(self, members, name, value):
        """Make ``name`` a member of ``members`` (one of the three dicts) and nothing else."""
        for d in (self._parameters, self._buffers, self._modules):
            if d is not members:
                d.pop(name, None)
        members[name] = value
        self.__dict__[name] = value

    def __delattr__(self, name):
        for d in (self._parameters, self._buffers, self._modules):
            if name in d:
                del d[name]
                break
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        self._register(self._parameters, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor that belongs to the module's state (saved in ``state_dict``) but is not learned."""
        self._register(self._buffers, name, tensor)

    def add_module(self, name, module):
        self._register(self._modules, name, module)

    register_module = add_module

    # --- walking the tree ---------------------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """This module and every module below it, depth first, each once."""
        memo = set() if memo is None else memo
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, kind, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, kind).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(name, parameter) pairs: a module's own parameters first, then its children's, in the
        order they were assigned.  A parameter shared by two modules is listed once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn):
        """Call ``fn`` on every sub-module (children first) and on this module, e.g. to initialise."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # --- modes and gradients ------------------------------------------------------------------------

    def train(self, mode=True):
        """Switch training mode on (or off) for this module and everything below it (Dropout cares)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of every parameter (set them to None, or fill them with 0)."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.requires_grad_(False)
                    p.grad.zero_()

    # --- conversions ------------------------------------------------------------------------------------

    def _apply(self, fn):
        """Convert every parameter and buffer with ``fn``, keeping the same Parameter objects (their
        ``.data`` is swapped), so an optimizer built earlier still holds them."""
        for module in self.modules():
            for name, p in module._parameters.items():
                if p is not None:
                    with no_grad():
                        p.data = fn(p)
                        if p.grad is not None:
                            p.grad.data = fn(p.grad)
            for name, b in list(module._buffers.items()):
                if b is not None:
                    module._register(module._buffers, name, fn(b))
        return self

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)`` or both: floating-point parameters and buffers are converted."""
        for arg in list(args) + list(kwargs.values()):
            if isinstance(arg, dtype) and not arg.is_floating_point:
                raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got desired "
                                f"dtype={arg}")
        return self._apply(lambda t: t.to(*args, **kwargs) if t.is_floating_point() else t)

    def cpu(self):
        return self.to("cpu")

    def float(self):
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    # --- saving and loading -------------------------------------------------------------------------

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """An OrderedDict name -> tensor of every parameter and buffer (detached: no graph)."""
        destination = OrderedDict() if destination is None else destination
        for name, value in list(self._parameters.items()) + list(self._buffers.items()):
            if value is not None:
                destination[prefix + name] = value if keep_vars else value.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy the tensors of ``state_dict`` into this module's parameters and buffers, in place."""
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                errors.append(f'While copying the parameter named "{key}", expected torch.Tensor or '
                              f"Tensor-like object from checkpoint but received {type(value)}")
            elif value.shape != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} from "
                              f"checkpoint, the shape in current model is {target.shape}.")
            else:
                with no_grad():
                    target.copy_(value)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    # --- printing ---------------------------------------------------------------------------------------

    def extra_repr(self):
        """The text between the parentheses of this module's repr (its settings)."""
        return ""

    def __repr__(self):
        extra = self.extra_repr().split("\n") if self.extra_repr() else []
        children = [f"({name}): " + _addindent(repr(module), 2) for name, module in self._modules.items()]
        if len(extra) == 1 and not children:
            return f"{type(self).__name__}({extra[0]})"
        lines = extra + children
        body = "\n  " + "\n  ".join(lines) + "\n" if lines else ""
        return f"{type(self).__name__}({body})"


def _call_with_hooks(module, args, kwargs):
    """``module(*args, **kwargs)`` with its forward and backward hooks."""
    with_kwargs_ids = module._forward_pre_hooks_with_kwargs or ()
    for hook_id, hook in list((module._forward_pre_hooks or {}).items()):
        with_kwargs = hook_id in with_kwargs_ids
        result = hook(module, args, kwargs) if with_kwargs else hook(module, args)
        if result is not None:
            if with_kwargs:
                args, kwargs = result
            else:
                args = result if isinstance(result, tuple) else (result,)
    backward = bool(module._backward_hooks or module._backward_pre_hooks) and grad_mode.is_grad_enabled()
    if backward:
        call = _BackwardHookCall(module)
        args = call.wrap_inputs(args)
    output = module.forward(*args, **kwargs)
    with_kwargs_ids = module._forward_hooks_with_kwargs or ()
    for hook_id, hook in list((module._forward_hooks or {}).items()):
        with_kwargs = hook_id in with_kwargs_ids
        result = hook(module, args, kwargs, output) if with_kwargs else hook(module, args, output)
        if result is not None:
            output = result
    if backward:
        output = call.wrap_output(output)
    return output


class BackwardHookFunction(Function):
    """An identity on one tensor that marks where a module's backward hooks look at the gradient."""
    __module__ = "torch.utils.hooks"  # its node prints as PyTorch's: BackwardHookFunctionBackward

    @staticmethod
    def forward(ctx, tensor):
        return tensor

    @staticmethod
    def backward(ctx, grad):
        return grad


class _BackwardHookCall:
    """One call of a module with full backward hooks: the gradients reaching its output (grad_output) and
    then its inputs (grad_input) are handed to the hooks, as ``register_full_backward_hook`` describes."""

    def __init__(self, module):
        self.module = module
        self.grad_output = None
        self.input_nodes = []
        self.grad_inputs = []  # one per tensor input; None for those that get no gradient

    def wrap_inputs(self, args):
        wrapped = []
        for arg in args:
            if isinstance(arg, Tensor):
                if arg.requires_grad:
                    arg = BackwardHookFunction.apply(arg)
                    position = len(self.grad_inputs)
                    self.input_nodes.append(arg.grad_fn)
                    arg.grad_fn.register_hook(lambda grads, outputs, i=position: self._input_gradient(i, grads))
                self.grad_inputs.append(None)
            wrapped.append(arg)
        self.pending = len(self.input_nodes)
        return tuple(wrapped)

    def wrap_output(self, output):
        if not isinstance(output, Tensor) or not output.requires_grad:
            return output
        output = BackwardHookFunction.apply(output)
        output.grad_fn.register_prehook(self._output_gradient)
        return output

    def _output_gradient(self, grad_outputs):
        for hook in list(self.module._backward_pre_hooks.values()) if self.module._backward_pre_hooks else ():
            result = hook(self.module, grad_outputs)
            if result is not None:
                grad_outputs = result if isinstance(result, tuple) else (result,)
        self.grad_output = grad_outputs
        if not self.input_nodes:  # no input needs a gradient: the hooks fire now, with a warning
            self._no_input_gradients()
        return grad_outputs

    def _input_gradient(self, position, grads):
        """One input's gradient arrived; when all have, the hooks see them together (in input order)."""
        self.grad_inputs[position] = grads[0]
        self.pending -= 1
        if self.pending:
            return None
        new = self._call_hooks(tuple(self.grad_inputs))
        return None if new is None else (new[position],)

    def _no_input_gradients(self):
        """As PyTorch: the warning comes with pre-hooks alone too."""
        warnings.warn(
            "Full backward hook is firing when gradients are computed with respect to module outputs since no "
            "inputs require gradients. See https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
            "#torch.nn.Module.register_full_backward_hook for more details.", UserWarning, stacklevel=2)
        self._call_hooks((None,) * max(len(self.grad_inputs), 1))

    def _call_hooks(self, grad_inputs):
        changed = False
        for hook in list((self.module._backward_hooks or {}).values()):
            result = hook(self.module, grad_inputs, self.grad_output)
            if result is not None:
                grad_inputs, changed = (result if isinstance(result, tuple) else (result,)), True
        return grad_inputs if changed else None
