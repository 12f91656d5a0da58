"""``torch.nn.utils``: clipping gradients before an optimizer step."""

import math

import numpy as np

from .. import _exact
from ..grad_mode import no_grad
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters):
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients so that their joint ``norm_type``-norm is at most ``max_norm``; returns the norm
    they had.  (The factor ``max_norm / (norm + 1e-6)`` is capped at 1 and applied to every gradient.)"""
    grads = [p.grad for p in _with_grads(parameters)]
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(np.zeros((), np.float32))
    norms = [g.norm(norm_type) if norm_type != math.inf else g.abs().max() for g in grads]
    with no_grad():
        stacked = Tensor._make(np.stack([n._data for n in norms]))
        total = stacked.norm(norm_type) if norm_type != math.inf else stacked.max()
        if error_if_nonfinite and not bool(total.isfinite()):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                               "so it cannot be clipped. To disable this error and scale the gradients by the "
                               "non-finite norm anyway, set `error_if_nonfinite=False`")
        factor = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(factor.to(g.dtype))
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value]."""
    with no_grad():
        for p in _with_grads(parameters):
            p.grad.clamp_(-clip_value, clip_value)
