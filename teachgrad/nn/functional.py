"""``teachgrad.nn.functional``: layers and losses as plain functions (``import ... as F``).

Activations reuse the Tensor methods.  ``linear`` and the losses are *fused* ops: one graph node
whose forward and backward are written directly on NumPy arrays, as PyTorch does it, so a training
step creates few nodes and the graph shows PyTorch's node names (``AddmmBackward0``,
``MseLossBackward0``, ``NllLossBackward0``, ...).
"""

import math
import warnings

import numpy as np

from .. import _checks, _exact
from ..function import Op, apply_inplace
from ..more_ops import LeakyRelu
from ..ops import DivScalar, MulScalar
from ..tensor import Tensor
from ..tensor_methods import broadcast_tensors
from .conv import conv2d, max_pool2d

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "dropout2d", "conv2d",
    "max_pool2d", "mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss",
    "cross_entropy",
]


# ---------------------------------------------------------------------------------------------------
# Layers and activations
# ---------------------------------------------------------------------------------------------------

class Addmm(Op):
    """``bias + x @ w_t`` in one node (what ``nn.Linear`` runs on a batch of row vectors)."""
    broadcasts = True

    @staticmethod
    def forward(ctx, bias, x, w_t):
        # Like PyTorch, keep only what backward will use: x for w's gradient, w_t for x's gradient.
        _, need_x, need_w = ctx.needs_input_grad
        ctx.save_for_backward(x if need_w else None, w_t if need_x else None)
        out = np.dot(x, w_t)  # x @ w_t (np.dot: the same product for matrices, called with less overhead)
        out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w_t = ctx.saved_tensors
        need_bias, need_x, need_w = ctx.needs_input_grad
        # The gradient of w_t is x.T @ grad; computed as (grad.T @ x).T it is laid out like the weight
        # itself, so after TBackward0 transposes it back, weight.grad is a plain row-major array.
        return (grad if need_bias else None,
                np.dot(grad, w_t.T) if need_x else None,
                np.dot(grad.T, x).T if need_w else None)


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``, recorded as PyTorch records it (``AddmmBackward0`` for 2-D input)."""
    if input._data.shape[-1] != weight._data.shape[-1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    if bias is None:
        return input @ weight.t()
    if input._data.ndim == 2:
        return Addmm.apply(bias, input, weight.t())
    # Any other shape: fold the leading dimensions into one batch dimension and back.
    out = Addmm.apply(bias, input.reshape(-1, input.shape[-1]), weight.t())
    return out.reshape(*input.shape[:-1], weight.shape[0])


def relu(input, inplace=False):
    return input.relu_() if inplace else input.relu()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` where positive, ``negative_slope * x`` elsewhere (``LeakyReluBackward0``)."""
    if inplace:
        return apply_inplace(lambda t: LeakyRelu.apply(t, negative_slope=negative_slope), input)
    return LeakyRelu.apply(input, negative_slope=negative_slope)


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def _softmax_dim(ndim):
    warnings.warn("Implicit dimension choice for softmax has been deprecated. "
                  "Change the call to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None):
    return input.softmax(_softmax_dim(input.dim()) if dim is None else dim)


def log_softmax(input, dim=None):
    return input.log_softmax(_softmax_dim(input.dim()) if dim is None else dim)


def _dropout_mask(shape, p, dtype):
    """PyTorch's noise: each entry is kept (1) with probability 1 - p -- one uniform draw per entry from
    teachgrad's generator -- then scaled by 1 / (1 - p), so the expected value stays the same."""
    if p == 1:
        return np.zeros((), dtype)  # PyTorch multiplies by a zero scalar and draws nothing
    noise = Tensor._make(np.empty(shape, dtype)).bernoulli_(1 - p)
    return noise._data / dtype.type(1 - p)


def _check_p(p):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero entries at random in training mode; the survivors are scaled so the mean stays the same."""
    _check_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    mask = _mask_tensor(_dropout_mask(tuple(input.shape), p, input._data.dtype))
    return input.mul_(mask) if inplace else input * mask


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: one coin per (sample, channel) of (N, C, H, W) input."""
    _check_p(p)
    if input.dim() not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.dim()}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this warning, "
            "please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on "
            "inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension "
            "(i.e. 3D or 4D inputs).", UserWarning, stacklevel=3)
    if input.dim() == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
            "This behavior will change in a future release to interpret the input as one without a batch "
            "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
            "switch to using dropout1d instead.", UserWarning, stacklevel=3)
    if p == 0 or not training or input.numel() == 0:
        return input
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    # Like PyTorch: dims 0 and 1 get their own coin, the rest share it (so a 2-D input is elementwise).
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    mask = _mask_tensor(_dropout_mask(shape, p, input._data.dtype))
    return input.mul_(mask) if inplace else input * mask


def _mask_tensor(array):
    return Tensor._make(array)


# ---------------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------------

def _reduce(loss, reduction):
    """Apply ``reduction`` to an elementwise loss array.  Also return the factor that turns the
    gradient of the result into the gradient of each element (1/n for the mean, else 1)."""
    if reduction == "none":
        return loss, 1.0
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    n = loss.size if reduction == "mean" else 1
    total = _exact.sum(loss)
    if reduction == "mean":
        total = total / loss.dtype.type(n)  # (the mean of nothing is nan)
    return np.asarray(total, dtype=loss.dtype), 1.0 / max(n, 1)


def _legacy_reduction(size_average, reduce):
    """The pre-2019 arguments ``size_average`` and ``reduce`` as a ``reduction`` (with PyTorch's warning)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  UserWarning, stacklevel=3)
    return reduction


def _size_warning(input, target):
    if target._data.shape != input._data.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", UserWarning, stacklevel=3)


class MseLoss(Op):

    @staticmethod
    def forward(ctx, input, target, reduction="mean"):
        diff = input - target
        out, ctx.scale = _reduce(diff * diff, reduction)
        ctx.save_for_backward(diff)
        return out

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_tensors
        g = (diff * diff.dtype.type(2 * ctx.scale)) * grad  # PyTorch's order of rounding
        return g, -g


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error: ``((input - target) ** 2).mean()`` as one ``MseLossBackward0`` node."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _size_warning(input, target)
    input, target = broadcast_tensors(input, target)
    return MseLoss.apply(input, target, reduction=reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error; PyTorch itself composes it from sub, abs and mean (or sum)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _size_warning(input, target)
    input, target = broadcast_tensors(input, target)
    loss = (input - target).abs()
    if reduction == "none":
        return loss
    if reduction in ("mean", "sum"):
        return loss.mean() if reduction == "mean" else loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


class BinaryCrossEntropy(Op):
    """-(t log x + (1 - t) log(1 - x)); each log is clamped at -100 as in PyTorch, so x = 0 or 1
    gives a finite loss."""

    @staticmethod
    def forward(ctx, x, t, weight=None, reduction="mean"):
        if np.any((x < 0) | (x > 1)) or np.any(np.isnan(x)):
            raise RuntimeError("all elements of input should be between 0 and 1")
        with np.errstate(divide="ignore"):
            log_x, log_1mx = np.maximum(np.log(x), -100), np.maximum(np.log1p(-x), -100)
        loss = -(t * log_x + (1 - t) * log_1mx)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, t, log_x, log_1mx, weight)
        out, ctx.scale = _reduce(loss.astype(x.dtype, copy=False), reduction)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, t, log_x, log_1mx, weight = ctx.saved_tensors
        g = grad * ctx.scale
        if weight is not None:
            g = g * weight
        need_x, need_t = ctx.needs_input_grad
        return ((g * (x - t) / np.maximum((1 - x) * x, 1e-12)).astype(x.dtype) if need_x else None,
                (g * (log_1mx - log_x)).astype(x.dtype) if need_t else None)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if target.dtype != input.dtype:
        names = {"float32": "Float", "float64": "Double"}
        raise RuntimeError(f"Found dtype {names.get(target.dtype.name, target.dtype.name)} but expected "
                           f"{names.get(input.dtype.name, input.dtype.name)}")
    w = None if weight is None else np.broadcast_to(weight._data, input._data.shape)
    return BinaryCrossEntropy.apply(input, target, weight=w, reduction=reduction)


class BinaryCrossEntropyWithLogits(Op):
    """sigmoid + binary cross entropy in one stable formula:
    loss = (1 - t) * x + log(1 + exp(-x)), with log(1 + exp(-x)) = logaddexp(0, -x)."""

    @staticmethod
    def forward(ctx, x, t, weight=None, pos_weight=None, reduction="mean"):
        softplus_neg = np.logaddexp(0, -x)  # log(1 + exp(-x)) without overflow
        log_weight = 1 if pos_weight is None else (pos_weight - 1) * t + 1
        loss = (1 - t) * x + log_weight * softplus_neg
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, t, softplus_neg, weight, pos_weight)
        out, ctx.scale = _reduce(loss, reduction)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, t, softplus_neg, weight, pos_weight = ctx.saved_tensors
        g = grad * ctx.scale
        if weight is not None:
            g = g * weight
        need_x, need_t = ctx.needs_input_grad
        sig = np.exp(x - np.logaddexp(0, x))  # sigmoid(x), stable for large |x|
        if pos_weight is None:
            gx, gt = sig - t, -x
        else:
            pt = pos_weight * t
            gx, gt = (pt + 1 - t) * sig - pt, (pos_weight - 1) * softplus_neg - x
        return ((g * gx).astype(x.dtype, copy=False) if need_x else None,
                (g * gt).astype(t.dtype, copy=False) if need_t else None)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    w = None if weight is None else weight._data
    pw = None if pos_weight is None else pos_weight._data
    return BinaryCrossEntropyWithLogits.apply(input, target, weight=w, pos_weight=pw, reduction=reduction)


class NllLoss(Op):
    """Negative log likelihood: pick -log_probs[i, target[i]] for every row i, then reduce."""

    @staticmethod
    def forward(ctx, log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
        # Rows of class scores: (C,) is one row, (N, C) N rows, (N, C, d1, ...) one row per position.
        moved = np.moveaxis(log_probs, 1, -1) if log_probs.ndim > 2 else log_probs
        lp, t = moved.reshape(-1, moved.shape[-1]), target.reshape(-1)
        rows, keep = np.arange(len(t)), t != ignore_index
        classes = np.where(keep, t, 0)
        w = (np.ones(len(t), lp.dtype) if weight is None else weight[classes]) * keep
        loss = np.where(keep, -lp[rows, classes] * w, 0)  # ignored targets: +0, whatever lp holds
        if reduction == "mean":  # a weighted mean: divide by the total weight of the targets
            ctx.scale = 1 / w.sum() if w.sum() else np.nan
            out = np.asarray(loss.sum() * ctx.scale, dtype=lp.dtype)
        else:
            out, ctx.scale = _reduce(loss.reshape(target.shape), reduction)
        ctx.save_for_backward(rows, classes, w)
        ctx.shapes = lp.shape, moved.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        rows, classes, w = ctx.saved_tensors
        shape, moved_shape = ctx.shapes
        g = np.zeros(shape, dtype=grad.dtype)
        g[rows, classes] = -w * grad.reshape(-1) * ctx.scale
        g = g.reshape(moved_shape)
        return (np.moveaxis(g, -1, 1) if len(moved_shape) > 2 else g,)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """The loss for (N, C) log-probabilities and N class indices ((C,) with a 0-d index for one
    sample; (N, C, d1, ...) with (N, d1, ...) indices for one prediction per position)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if target.dtype.name != "int64":
        name = {"float32": "Float", "float64": "Double", "bool": "Bool"}.get(target.dtype.name, "Int")
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {name}")
    if input.dim() >= 2 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    t = target._data
    bad = (t != ignore_index) & ((t < 0) | (t >= input.shape[0 if input.dim() == 1 else 1]))
    if bad.any():
        raise IndexError(f"Target {t[bad][0]} is out of bounds.")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    w = None if weight is None else weight._data
    settings = dict(weight=w, ignore_index=ignore_index, reduction=reduction)
    if input.dim() <= 2:
        return NllLoss.apply(input, target=t, **settings)
    # PyTorch runs every other shape as (N, C, H, W) images, viewed into 4-D and back.
    n, c = input.shape[:2]
    if input.dim() == 4:
        return NllLoss2D.apply(input, target=t, **settings)
    out = NllLoss2D.apply(input.reshape(n, c, -1, 1), target=t.reshape(n, -1, 1), **settings)
    return out.reshape(target.shape) if reduction == "none" else out


class NllLoss2D(NllLoss):
    pass


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """``log_softmax`` over the classes, then ``nll_loss`` (class indices) or ``-(p * log_softmax).sum``
    (class probabilities as the target); ``label_smoothing`` mixes in the uniform distribution."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    log_probs = input.log_softmax(class_dim)
    if target.dtype.is_floating_point and target.shape == input.shape:  # class probabilities
        return _cross_entropy_probabilities(log_probs, target, weight, reduction, label_smoothing, class_dim)
    loss = nll_loss(log_probs, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0.0:
        return loss
    # PyTorch: (1 - eps) * nll + eps / C * (the loss against the uniform distribution)
    classes = input.shape[class_dim]
    if weight is not None:
        shape = [1] * input.dim()
        shape[class_dim] = classes
        smooth = -(log_probs * weight.view(shape)).sum(class_dim)
    else:
        smooth = -log_probs.sum(class_dim)
    ignored = target == ignore_index
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            kept = target[~ignored].reshape(-1)
            smooth = smooth.sum() / weight.gather(0, kept).sum()
        else:
            smooth = smooth.sum() / (~ignored).sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return _mul_scalar(loss, 1 - label_smoothing) + _mul_scalar(smooth, label_smoothing / classes)


def _cross_entropy_probabilities(log_probs, target, weight, reduction, label_smoothing, class_dim):
    classes = log_probs.shape[class_dim]
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    product = log_probs * target
    if weight is not None:
        shape = [1] * log_probs.dim()
        shape[class_dim] = classes
        product = product * weight.view(shape)
    if reduction == "mean":
        return _div_scalar(-product.sum(), log_probs.numel() / classes if log_probs.numel() else 0)
    if reduction == "sum":
        return -product.sum()
    return -product.sum(class_dim)


def _mul_scalar(t, number):
    return MulScalar.apply(t, other=number)


def _div_scalar(t, number):
    return DivScalar.apply(t, other=number)
