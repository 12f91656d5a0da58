"""``teachgrad.optim``: optimizers that update parameters from their ``.grad``.

An optimizer holds *references* to the parameter tensors it was given (in ``param_groups``), and
``step()`` changes those very tensors in place.  That is why ``optimizer.step()`` changes the model:
there is only one tensor, shared by both.  The update rules below are PyTorch's, line for line; they
work on the tensors' NumPy arrays directly (no graph is recorded, as under ``no_grad``).
"""

from collections import defaultdict

import numpy as np

from .. import _checks, _exact
from .._exact import fma
from ..grad_mode import enable_grad
from ..nn.module import _typename
from ..tensor import Tensor
from . import lr_scheduler  # noqa: F401  (torch.optim.lr_scheduler)

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "lr_scheduler"]


class Optimizer:
    """Base class: keeps ``param_groups`` (a list of dicts, each with its ``params`` and its own
    hyper-parameters) and per-parameter ``state`` (e.g. momentum buffers)."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._step_count = 0  # how often step() ran
        self.state = defaultdict(dict)
        self.param_groups = []
        self._scratch = {}
        self._together = {}
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            f"or dicts, but got {_typename(params)}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]  # from model.named_parameters()
        param_group["params"] = params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}")
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            _checks.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                         "an error; see github.com/pytorch/pytorch/issues/40967 for more information")
        known = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in known for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set every ``.grad`` to None (default) or fill it with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.requires_grad_(False)
                        p.grad.zero_()

    def step(self, closure=None):
        """One update of every parameter that has a gradient (``closure`` recomputes the loss first)."""
        loss = self._evaluate(closure)
        quiet = _exact.ignore_fp_errors()  # overflow gives inf and nan silently, as in PyTorch
        try:
            self._update()
        finally:
            _exact.restore_fp_errors(quiet)
        self._count_step()
        return loss

    def _update(self):
        raise NotImplementedError

    def state_dict(self):
        """Hyper-parameters and state, with each parameter replaced by its position (0, 1, ...)."""
        index = {}
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
        groups = [{**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
                  for g in self.param_groups]
        return {"state": {index[id(p)]: s for p, s in self.state.items()}, "param_groups": groups}

    def load_state_dict(self, state_dict):
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        params = {i: p for s, g in zip(saved, self.param_groups) for i, p in zip(s["params"], g["params"])}
        self.state = defaultdict(dict)
        for i, s in state_dict["state"].items():
            self.state[params[i]] = dict(s)  # the same tensors, not copies (as in PyTorch)
        self.param_groups = [{**s, "params": g["params"]} for s, g in zip(saved, self.param_groups)]

    # A learning-rate scheduler attached to this optimizer checks that step() ran after it was made.
    _scheduled = False
    _opt_called = False

    def _count_step(self):
        self._step_count += 1
        if self._scheduled:
            self._opt_called = True

    def _evaluate(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _params_with_grad(self, group):
        """(parameter, its array, its gradient's array, a float64 work array) for each parameter that
        has a gradient.  The work arrays are kept between steps so that no step allocates them."""
        scratches, result = self._scratch, []
        for p in group["params"]:
            grad = p._grad
            if grad is not None:
                data = p._data
                scratch = scratches.get(p)
                if scratch is None or scratch.shape != data.shape:
                    scratch = scratches[p] = np.empty(data.shape, np.float64)
                    p._version_counter()
                result.append((p, data, grad._data, scratch))
        return result

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _buffer(array):
    """A state tensor (momentum buffer, running average) printed like PyTorch's."""
    return Tensor._make(array)


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum, Nesterov momentum and weight decay::

        g = grad + weight_decay * p
        buf = g (first step), then buf = momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update(self):
        for group in self.param_groups:
            lr, momentum, dampening, wd = group["lr"], group["momentum"], group["dampening"], group["weight_decay"]
            nesterov, maximize = group["nesterov"], group["maximize"]
            entries = self._params_with_grad(group)
            if momentum == 0 and wd == 0 and _small_and_apart(entries):
                self._update_together(entries, lr, maximize)
                continue
            # The momentum buffers are looked up before any update, as PyTorch does (a parameter listed
            # twice starts both of its updates from the same buffer, or from none).
            buffers = [self.state[param].get("momentum_buffer") for param, *_ in entries] if momentum != 0 else []
            for i, (param, p, g, scratch) in enumerate(entries):
                f = p.dtype.type  # hyper-parameters are rounded to the parameter's dtype, as in PyTorch
                if maximize:
                    g = -g
                if wd != 0:
                    g = fma(p, f(wd), g)  # g + weight_decay * p
                if momentum != 0:
                    buf = buffers[i]
                    if buf is None:
                        self.state[param]["momentum_buffer"] = buf = _buffer(g.copy())
                        buf = buf._data
                    else:
                        buf = buf._data
                        buf *= f(momentum)
                        if dampening == 0:
                            buf += g
                        else:
                            fma(g, f(1 - dampening), buf, buf, scratch)
                    g = fma(buf, f(momentum), g) if nesterov else buf
                fma(g, f(-lr), p, p, scratch)  # in place: the model's parameter itself changes
                param._version_box[0] += 1  # counted like PyTorch's param.add_(...)

    def _update_together(self, entries, lr, maximize):
        """``p - lr * g`` for all parameters in one fused multiply-add over their concatenation: the same
        roundings, element by element, as one update per parameter, with NumPy's cost per call paid
        once (a small model's six parameters are updated about three times faster)."""
        size = sum(data.size for _, data, _, _ in entries)
        buffers = self._together.get(size)
        if buffers is None:  # work arrays, kept between steps (by total size)
            buffers = self._together[size] = np.empty(size, np.float32), np.empty(size, np.float32), np.empty(size)
        params, grads, scratch = buffers
        np.concatenate([data.reshape(-1) for _, data, _, _ in entries], out=params)
        np.concatenate([grad.reshape(-1) for _, _, grad, _ in entries], out=grads)
        fma(grads, np.float32(lr if maximize else -lr), params, params, scratch)
        start = 0
        for param, data, _, _ in entries:
            np.copyto(data, params[start:start + data.size].reshape(data.shape))
            start += data.size
            param._version_box[0] += 1  # counted like PyTorch's param.add_(...)


# Parameters small enough (in all) to be updated together, and in memory of their own: an update of one
# cannot change another (a parameter listed twice, or two sharing memory, are updated one after the other).
_TOGETHER_MAX_SIZE = 16384


def _small_and_apart(entries):
    if len(entries) < 2 or sum(data.size for _, data, _, _ in entries) > _TOGETHER_MAX_SIZE:
        return False
    owners = set()
    for _, data, grad, _ in entries:
        if data.dtype != np.float32 or grad.dtype != np.float32 or not data.flags.c_contiguous:
            return False
        owners.add(id(data if data.base is None else data.base))
    return len(owners) == len(entries)


class Adam(Optimizer):
    """Adam: a running mean of gradients (m) and of squared gradients (v), both bias-corrected::

        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g * g
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self):
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for param, p, g, scratch in self._params_with_grad(group):
                if group["maximize"]:
                    g = -g
                state = self.state[param]
                if not state:
                    state["step"] = _buffer(np.zeros((), dtype=np.float32))
                    state["exp_avg"] = _buffer(np.zeros_like(p))
                    state["exp_avg_sq"] = _buffer(np.zeros_like(p))
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = _buffer(np.zeros_like(p))
                state["step"]._data += 1
                step = float(state["step"]._data)
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                f = p.dtype.type  # hyper-parameters are rounded to the parameter's dtype, as in PyTorch
                if wd != 0:
                    if group["decoupled_weight_decay"]:  # AdamW: shrink the weights directly
                        p *= f(1 - lr * wd)
                        param._version_counter()[0] += 1
                    else:
                        g = fma(p, f(wd), g)
                # m = beta1 * m + (1 - beta1) * g, written as PyTorch's lerp: m + (1 - beta1) * (g - m)
                w = f(1 - beta1)
                fma(g - m, w, m, m, scratch) if w < 0.5 else fma(g - m, w - 1, g, m, scratch)
                v *= f(beta2)
                fma(f(1 - beta2) * g, g, v, v, scratch)  # v = beta2 * v + (1 - beta2) * g * g
                if group["amsgrad"]:
                    v = np.maximum(state["max_exp_avg_sq"]._data, v, out=state["max_exp_avg_sq"]._data)
                step_size = lr / (1 - beta1 ** step)
                denom = np.sqrt(v)
                denom /= f((1 - beta2 ** step) ** 0.5)
                denom += f(eps)
                p += f(-step_size) * m / denom
                param._version_counter()[0] += 1  # counted like PyTorch's param.addcdiv_(...)


class AdamW(Adam):
    """Adam with decoupled weight decay (the weights shrink by lr * weight_decay every step)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, **kwargs):
        kwargs["decoupled_weight_decay"] = True
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, **kwargs)


class RMSprop(Optimizer):
    """RMSprop: divide each step by a running root mean square of the gradients::

        v = alpha * v + (1 - alpha) * g * g;   p = p - lr * g / (sqrt(v) + eps)
    (with ``momentum``: buf = momentum * buf + g / (sqrt(v) + eps);  p = p - lr * buf)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        for name, value in (("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum),
                            ("weight_decay value", weight_decay), ("alpha value", alpha)):
            if not 0.0 <= value:
                raise ValueError(f"Invalid {name}: {value}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _update(self):
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            wd, momentum, centered = group["weight_decay"], group["momentum"], group["centered"]
            for param, p, g, scratch in self._params_with_grad(group):
                if group["maximize"]:
                    g = -g
                state = self.state[param]
                if not state:
                    state["step"] = _buffer(np.zeros((), dtype=np.float32))
                    state["square_avg"] = _buffer(np.zeros_like(p))
                    if momentum > 0:
                        state["momentum_buffer"] = _buffer(np.zeros_like(p))
                    if centered:
                        state["grad_avg"] = _buffer(np.zeros_like(p))
                state["step"]._data += 1
                f = p.dtype.type
                if wd != 0:
                    g = fma(p, f(wd), g)
                v = state["square_avg"]._data
                v *= f(alpha)
                fma(f(1 - alpha) * g, g, v, v, scratch)  # v = alpha * v + (1 - alpha) * g * g
                if centered:
                    m = state["grad_avg"]._data
                    w = f(1 - alpha)
                    fma(g - m, w, m, m, scratch) if w < 0.5 else fma(g - m, w - 1, g, m, scratch)
                    avg = np.sqrt(fma(-m, m, v))
                else:
                    avg = np.sqrt(v)
                avg += f(eps)
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= f(momentum)
                    buf += g / avg
                    fma(buf, f(-lr), p, p, scratch)
                else:
                    p += f(-lr) * g / avg
                param._version_box[0] += 1

