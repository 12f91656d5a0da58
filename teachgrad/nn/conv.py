"""Convolution and max pooling for images: ``nn.Conv2d``, ``nn.MaxPool2d``, ``F.conv2d``, ``F.max_pool2d``.

Both are single ops with PyTorch's node names (``ConvolutionBackward0``,
``MaxPool2DWithIndicesBackward0``).  They work on sliding windows: a strided view of the (padded)
image with one window per output position, so a convolution is one matrix product over the windows.
A first reading of the engine can skip this module.
"""

import math

import numpy as np

from .. import _checks
from ..factories import empty
from ..function import Op
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["conv2d", "max_pool2d", "Conv2d", "MaxPool2d"]


def _pair(value, name="kernel_size"):
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return (int(value[0]),) * 2
        if len(value) != 2:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of 2 values to match the "
                               f"convolution dimensions, but got {name}={list(value)}")
        return tuple(int(v) for v in value)
    return (int(value),) * 2


def _windows(padded, kernel, stride, dilation, out_size):
    """A view of ``padded`` (N, C, H, W) with one (kH, kW) window per output position:
    shape (N, C, Ho, Wo, kH, kW)."""
    n, c, _, _ = padded.shape
    s_n, s_c, s_h, s_w = padded.strides
    return np.lib.stride_tricks.as_strided(
        padded, (n, c, out_size[0], out_size[1], kernel[0], kernel[1]),
        (s_n, s_c, s_h * stride[0], s_w * stride[1], s_h * dilation[0], s_w * dilation[1]), writeable=False)


def _grouped(x, weight, stride, padding, dilation, groups, out_size):
    """The input's windows (N, groups, C / groups, Ho, Wo, kH, kW) and the weight by group."""
    n = x.shape[0]
    o, c_g, kh, kw = weight.shape
    padded = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    windows = _windows(padded, (kh, kw), stride, dilation, out_size)
    return (windows.reshape(n, groups, c_g, out_size[0], out_size[1], kh, kw),
            weight.reshape(groups, o // groups, c_g, kh, kw))


def _silent():
    return np.errstate(invalid="ignore", over="ignore", divide="ignore")


class Convolution(Op):
    """``conv2d``: every output pixel is a weighted sum over a window of the input's channels."""
    broadcasts = True  # the bias is added to every pixel
    layout = "contiguous"  # as PyTorch lays out its result

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups, out_size):
        o = weight.shape[0]
        win, w = _grouped(x, weight, stride, padding, dilation, groups, out_size)
        with _silent():  # inf and nan pass through silently, as in PyTorch
            out = np.einsum("ngchwij,gocij->ngohw", win, w, optimize=True).reshape(x.shape[0], o, *out_size)
        if bias is not None:
            out = out + bias.reshape(1, o, 1, 1)
        ctx.save_for_backward(x, weight)  # as PyTorch: changing either in place breaks backward
        ctx.settings = (stride, padding, dilation, groups, out_size)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        stride, padding, dilation, groups, out_size = ctx.settings
        need_x, need_w, _ = ctx.needs_input_grad
        win, w = _grouped(x, weight, stride, padding, dilation, groups, out_size)
        x_shape, padded_shape = x.shape, (x.shape[0], x.shape[1], x.shape[2] + 2 * padding[0],
                                          x.shape[3] + 2 * padding[1])
        win, w = (win if need_w else None), (w if need_x else None)
        n, o, ho, wo = grad.shape
        g = grad.reshape(n, groups, o // groups, ho, wo)
        grad_w = grad_x = None
        if win is not None:
            with _silent():
                grad_w = np.einsum("ngohw,ngchwij->gocij", g, win, optimize=True).reshape(o, -1, *win.shape[-2:]).copy()
        if w is not None:
            kh, kw = w.shape[-2:]
            with _silent():
                per_window = np.einsum("ngohw,gocij->ngchwij", g, w, optimize=True)
            padded = np.zeros(padded_shape, grad.dtype)
            for i in range(kh):  # each kernel offset touches a strided grid of input pixels
                for j in range(kw):
                    rows = slice(i * dilation[0], i * dilation[0] + stride[0] * (ho - 1) + 1, stride[0])
                    cols = slice(j * dilation[1], j * dilation[1] + stride[1] * (wo - 1) + 1, stride[1])
                    padded[:, :, rows, cols] += per_window[..., i, j].reshape(n, -1, ho, wo)
            grad_x = padded[:, :, padding[0]:padding[0] + x_shape[2], padding[1]:padding[1] + x_shape[3]].copy()
        grad_b = grad.sum(axis=(0, 2, 3)) if ctx.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b


def _output_size(size, kernel, stride, padding, dilation, ceil_mode=False):
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:  # the last window must start inside the input
            out -= 1
        return out
    return span // stride + 1


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of (N, C, H, W) or (C, H, W) images with a (out, C / groups, kH, kW) weight."""
    batched = input.dim() == 4
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                           f"{list(input.shape)}")
    x = input if batched else input.unsqueeze(0)
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    o, c_g, kh, kw = weight.shape
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            padding = tuple(d * (k - 1) // 2 for d, k in zip(dilation, (kh, kw)))
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    padding = _pair(padding, "padding")
    c = x.shape[1]
    if c != c_g * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {c_g * groups} channels, but got {c} channels instead")
    if o % groups:
        raise RuntimeError("Given groups=%d, expected weight to be divisible by %d at dimension 0, but got weight "
                           "of size %s instead" % (groups, groups, list(weight.shape)))
    if bias is not None and bias.dtype is not x.dtype:
        raise RuntimeError(f"Input type ({_checks.c_type_name(x.dtype)}) and bias type "
                           f"({_checks.c_type_name(bias.dtype)}) should be the same")
    if x.dtype is not weight.dtype:
        raise RuntimeError(f"expected scalar type {_checks.scalar_name(x.dtype)} but found "
                           f"{_checks.scalar_name(weight.dtype)}")
    padded = (x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1])
    effective = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    if padded[0] < effective[0] or padded[1] < effective[1]:
        raise RuntimeError(f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
                           f"({effective[0]} x {effective[1]}). Kernel size can't be greater than actual input size")
    out_size = tuple(_output_size(x.shape[2 + i], (kh, kw)[i], stride[i], padding[i], dilation[i]) for i in range(2))
    out = Convolution.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups,
                            out_size=out_size)
    return out if batched else out.squeeze(0)


class MaxPool2DWithIndices(Op):
    """The largest value of each window; its gradient goes to the position that held it."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_size):
        ctx.save_for_backward(x)  # as PyTorch: changing the input in place breaks backward
        ctx.batched = x.ndim == 4
        x = x if ctx.batched else x[None]  # (C, H, W) images are pooled as a batch of one
        n, c, h, w = x.shape
        padded = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), constant_values=-np.inf)
        windows = _windows(padded, kernel, stride, dilation, out_size).reshape(n, c, *out_size, -1)
        nan = np.isnan(windows)
        # PyTorch keeps the first largest value of a window, or its last NaN
        pick = np.where(nan.any(-1), windows.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1),
                        np.argmax(np.where(nan, -np.inf, windows), axis=-1))
        values = np.take_along_axis(windows, pick[..., None], axis=-1)[..., 0]
        # the picked element's position in the (unpadded) input, as a flat index into h * w
        ki, kj = np.divmod(pick, kernel[1])
        rows = np.arange(out_size[0])[:, None] * stride[0] + ki * dilation[0] - padding[0]
        cols = np.arange(out_size[1])[None, :] * stride[1] + kj * dilation[1] - padding[1]
        ctx.indices = rows * w + cols
        ctx.shape = x.shape
        values = values.astype(x.dtype, copy=False)
        return values if ctx.batched else values[0]

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w = ctx.shape
        out = np.zeros((n, c, h * w), grad.dtype)
        np.add.at(out, (np.arange(n)[:, None, None], np.arange(c)[None, :, None], ctx.indices.reshape(n, c, -1)),
                  grad.reshape(n, c, -1))
        return out.reshape(ctx.shape) if ctx.batched else out.reshape(ctx.shape[1:])


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum over (kH, kW) windows of (N, C, H, W) or (C, H, W) images."""
    if input.dim() not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    batched = input.dim() == 4
    x = input
    kernel = _pair(kernel_size)
    stride = kernel if stride is None or stride == [] else _pair(stride, "stride")
    padding, dilation = _pair(padding, "padding"), _pair(dilation, "dilation")
    for p, k in zip(padding, kernel):
        if p > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={dilation[0]}")
    image = x.shape[-3:]
    out_size = tuple(_output_size(image[1 + i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode)
                     for i in range(2))
    if min(out_size) <= 0:
        raise RuntimeError(f"Given input size: ({'x'.join(str(s) for s in image)}). Calculated output size: "
                           f"({image[0]}x{out_size[0]}x{out_size[1]}). Output size is too small")
    out = MaxPool2DWithIndices.apply(x, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                                     out_size=out_size)
    if return_indices:
        ctx = type("Context", (), {})()  # the positions, computed again without recording anything
        MaxPool2DWithIndices.forward(ctx, x._data, kernel, stride, padding, dilation, out_size)
        indices = ctx.indices.astype(np.int64)
        return out, Tensor._make(indices if batched else indices[0])
    return out


class Conv2d(Module):
    """A learned 2-D convolution: ``out_channels`` filters of size ``kernel_size`` over ``in_channels``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode != "zeros":
            raise NotImplementedError("teachgrad's Conv2d pads with zeros only (padding_mode='zeros')")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = _pair(kernel_size), _pair(stride, "stride")
        self.padding = padding if isinstance(padding, str) else _pair(padding, "padding")
        self.dilation, self.groups, self.padding_mode = _pair(dilation, "dilation"), groups, padding_mode
        self.weight = Parameter(empty((out_channels, in_channels // groups) + self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")
