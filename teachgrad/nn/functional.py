"""``teachgrad.nn.functional``: layers and losses as plain functions (``import ... as F``).

Activations reuse the Tensor methods.  ``linear`` and the losses are *fused* ops: one graph node
whose forward and backward are written directly on NumPy arrays, as PyTorch does it, so a training
step creates few nodes and the graph shows PyTorch's node names (``AddmmBackward0``,
``MseLossBackward0``, ``NllLossBackward0``, ...).
"""

import math
import warnings

import numpy as np

from .. import _checks, _exact, _layout
from ..function import Op, apply_inplace
from ..more_ops import LeakyRelu
from ..ops import DivScalar, MulScalar, column_major, matrix_product, mm_gradients
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
        ctx.column_major = need_x and column_major(x), need_w and column_major(w_t)  # (as each gradient needs)
        out = matrix_product(x, w_t)
        out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w_t = ctx.saved_tensors
        # w_t is the weight transposed (stored column by column): its gradient is computed transposed,
        # so after TBackward0 transposes it back, weight.grad is a plain row-major array.
        grad_x, grad_w = mm_gradients(ctx, grad, x, w_t)
        return grad if ctx.needs_input_grad[0] else None, grad_x, grad_w


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``, recorded as PyTorch records it: one ``AddmmBackward0`` for a batch of
    row vectors, the batch folded into one (``ViewBackward0``) for other contiguous input, else a
    ``matmul`` and an in-place ``add_`` of the bias."""
    ndim = input._data.ndim
    if ndim == 0 or weight._data.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {input.dim()}D and "
                           f"{weight.dim()}D")
    if bias is not None and ndim == 2:
        return _addmm(bias, input, weight.t())
    if bias is not None and input._data.flags.c_contiguous and (input.dim() == 3 or bias.dim() == 1):
        rows = _addmm(bias, input.reshape(math.prod(input.shape[:-1]), input.shape[-1]), weight.t())
        return rows.view(*input.shape[:-1], rows.shape[1])
    output = input @ weight.t()
    return output if bias is None else output.add_(bias)


def _addmm(bias, mat1, mat2):
    """``bias + mat1 @ mat2`` with PyTorch's checks, in its order."""
    b, x, w = bias._data, mat1._data, mat2._data
    if (b.dtype == w.dtype == x.dtype and x.ndim == 2 and w.ndim == 2 and x.shape[1] == w.shape[0]
            and (b.shape == w.shape[1:] or b.shape == (x.shape[0], w.shape[1]))):  # the common case: all fine
        return Addmm.apply(bias, mat1, mat2)
    for a, b, names in ((bias, mat2, "self and mat2"), (mat1, mat2, "mat1 and mat2")):
        if a.dtype is not b.dtype:
            raise RuntimeError(f"{names} must have the same dtype, but got {_checks.scalar_name(a.dtype)} and "
                               f"{_checks.scalar_name(b.dtype)}")
    for t, name in ((mat1, "mat1"), (mat2, "mat2")):
        if t.dim() != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t.dim()}-D tensor")
    (n, m), (k, p) = mat1.shape, mat2.shape
    if m != k:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{m} and {k}x{p})")
    _checks.expanded_shape(bias._data.shape, (n, p), bias.dtype)
    return Addmm.apply(bias, mat1, mat2)


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
    layout = "elementwise"
    promotes = broadcasts = True  # input and target in their common dtype; each gradient in its own

    @staticmethod
    def forward(ctx, input, target, reduction="mean"):
        diff = _layout.elementwise(input - target, (input, target))  # summed in PyTorch's memory order
        out, ctx.scale = _reduce(diff * diff, reduction)
        ctx.save_for_backward(input, target)
        return out

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        norm = input.dtype.type(2 * ctx.scale)
        need_input, need_target = ctx.needs_input_grad
        # PyTorch's formula and order of rounding, for each of the two (so that x - x gives -0.0 twice)
        return ((norm * (input - target)) * grad if need_input else None,
                (norm * (target - input)) * grad if need_target else None)


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
        ctx.save_for_backward(pos_weight, x, t, weight)
        ctx.mean = reduction == "mean"
        out, _ = _reduce(loss, reduction)
        return out

    @staticmethod
    def backward(ctx, grad):
        # PyTorch's formulas, in its order: for x, (sigmoid(x) - t) * grad, times the weight, over n
        # for the mean; for t, -x * grad likewise.  With pos_weight p, x's factor is
        # (p t + 1 - t) sigmoid(x) - p t and t's is log_sigmoid(-x) - p log_sigmoid(x).
        pos_weight, x, t, weight = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad

        def finish(g):
            g = g * grad
            if weight is not None:
                g = g * weight
            return (g / x.dtype.type(x.size) if ctx.mean else g).astype(x.dtype, copy=False)

        grad_x = grad_t = None
        if need_x:
            one = x.dtype.type(1)
            sig = one / (one + _exact.once(np.exp, -x))  # sigmoid(x), as PyTorch computes it
            if pos_weight is None:
                grad_x = finish(sig - t)
            else:
                pt = pos_weight * t
                grad_x = finish((pt + 1 - t) * sig - pt)
        if need_t:
            if pos_weight is None:
                grad_t = finish(-x)
            else:
                grad_t = finish(-np.logaddexp(0, x) + np.logaddexp(0, -x) * pos_weight)
        return grad_x, grad_t


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
    layout = "contiguous"

    @staticmethod
    def forward(ctx, log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
        lp, _ = _rows(log_probs)
        t = target.reshape(-1)
        rows, classes = _targets(t, ignore_index)
        picked = lp[rows, classes]
        w = None if weight is None else weight[classes]
        ctx.save_for_backward(log_probs, target, weight)  # what PyTorch keeps (changing them breaks backward)
        ctx.ignore_index, ctx.reduction = ignore_index, reduction
        if reduction == "none" and log_probs.ndim > 1:
            out = np.zeros(len(t), lp.dtype)
            out[rows] = -picked if w is None else -picked * w
            return out.reshape(target.shape)
        if len(t) == 0:  # the mean of nothing is NaN
            ctx.total_weight = lp.dtype.type(0)
            return np.asarray(np.nan if reduction == "mean" else 0, lp.dtype)
        terms = -picked if w is None else -(picked * w)
        total, weights = _nll_sums(terms, w, rows, len(t), lp.dtype)
        ctx.total_weight = lp.dtype.type(len(rows)) if w is None else weights
        if reduction == "mean":
            total = total / ctx.total_weight
        return np.asarray(total, lp.dtype)

    @staticmethod
    def backward(ctx, grad):
        log_probs, target, weight = ctx.saved_tensors
        lp, moved_shape = _rows(log_probs)
        rows, classes = _targets(target.reshape(-1), ctx.ignore_index)
        w = None if weight is None else weight[classes]
        g = np.zeros(lp.shape, dtype=grad.dtype)
        if ctx.reduction == "none" and len(moved_shape) > 1:
            g[rows, classes] = -grad.reshape(-1)[rows] if w is None else -w * grad.reshape(-1)[rows]
        else:
            # PyTorch: -(grad / total_weight) for the mean, then times each target's weight
            one = -(grad / ctx.total_weight) if ctx.reduction == "mean" else -grad
            g[rows, classes] = one if w is None else w * one
        if len(moved_shape) <= 2:
            return g if g.shape == moved_shape else g.reshape(moved_shape).copy()  # a new tensor, not a view
        return np.ascontiguousarray(np.moveaxis(g.reshape(moved_shape), -1, 1))


def _rows(log_probs):
    """Rows of class scores: (C,) is one row, (N, C) N rows, (N, C, H, W) one row per position; and
    the shape they come from."""
    moved = np.moveaxis(log_probs, 1, -1) if log_probs.ndim > 2 else log_probs
    return moved.reshape(-1, moved.shape[-1]), moved.shape


def _targets(target, ignore_index):
    """The rows whose target is not ignored, and their targets."""
    keep = target != ignore_index
    return np.nonzero(keep)[0], target[keep]


def _nll_sums(terms, weights, positions, count, dtype):
    """The sum of ``terms`` (and of ``weights``) in PyTorch's order: a cascade of eight partial sums.

    Each term is added to level 0; after the term at position ``b`` (counting ignored targets too),
    level j is added into level j + 1 and cleared while the low ``(j + 1) * power`` bits of ``b`` are
    all zero.  At the end the levels are added up from level 0."""
    power = max(4, (count - 1).bit_length() // 8)
    mask = (1 << power) - 1
    zero = dtype.type(0)
    losses, totals = [zero] * 8, [zero] * 8
    for k, (b, term) in enumerate(zip(positions.tolist(), terms)):
        losses[0] = losses[0] + term
        if weights is not None:
            totals[0] = totals[0] + weights[k]
        for j in range(7):
            if b & (mask << (j * power)):
                break
            losses[j + 1], losses[j] = losses[j + 1] + losses[j], zero
            totals[j + 1], totals[j] = totals[j + 1] + totals[j], zero
    total, weight = zero, zero
    for j in range(8):
        total, weight = total + losses[j], weight + totals[j]
    return total, weight


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
    settings = dict(weight=weight, ignore_index=ignore_index, reduction=reduction)
    if input.dim() <= 2:
        return NllLoss.apply(input, target=target, **settings)
    # PyTorch runs every other shape as (N, C, H, W) images, viewed into 4-D and back.
    n, c = input.shape[:2]
    if input.dim() == 4:
        return NllLoss2D.apply(input, target=target, **settings)
    out = NllLoss2D.apply(input.reshape(n, c, -1, 1), target=target.reshape(n, -1, 1), **settings)
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
