"""Print tensors exactly as PyTorch does: its rules for numbers, widths and summaries.

One formatter looks at all the numbers first and picks a style for the whole tensor: integers shown as
``1.``, fixed point with 4 decimals, or scientific notation when the magnitudes differ a lot; then every
element is right-aligned to the widest one.
"""

import math

import numpy as np

from ._dtypes import bool_, default_float, int64


class _Options:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


OPTIONS = _Options()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    if profile == "default":
        OPTIONS.precision, OPTIONS.threshold, OPTIONS.edgeitems, OPTIONS.linewidth = 4, 1000, 3, 80
    elif profile == "short":
        OPTIONS.precision, OPTIONS.threshold, OPTIONS.edgeitems, OPTIONS.linewidth = 2, 1000, 2, 80
    elif profile == "full":
        OPTIONS.precision, OPTIONS.threshold, OPTIONS.edgeitems, OPTIONS.linewidth = 4, math.inf, 3, 80
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode


class _Formatter:
    def __init__(self, values):
        """``values``: a flat float64/int/bool array of the numbers that will be shown."""
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        precision = OPTIONS.precision
        if not self.floating:
            for v in values.tolist():
                self.max_width = max(self.max_width, len(str(v)))
        else:
            finite = values[np.isfinite(values) & (values != 0)]
            if finite.size:
                magnitudes = np.abs(finite).astype(np.float64)
                low, high = magnitudes.min(), magnitudes.max()
                self.int_mode = bool(np.all(finite == np.ceil(finite)))
                as_double = finite.astype(np.float64).tolist()
                if self.int_mode:
                    if high / low > 1000.0 or high > 1.0e8:
                        self.sci_mode = True
                        widths = [len(f"{v:.{precision}e}") for v in as_double]
                    else:
                        widths = [len(f"{v:.0f}") + 1 for v in as_double]
                else:
                    if high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4:
                        self.sci_mode = True
                        widths = [len(f"{v:.{precision}e}") for v in as_double]
                    else:
                        widths = [len(f"{v:.{precision}f}") for v in as_double]
                self.max_width = max(self.max_width, *widths)
        if OPTIONS.sci_mode is not None:
            self.sci_mode = OPTIONS.sci_mode

    def format(self, value):
        precision = OPTIONS.precision
        if self.floating:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{precision}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


def _summarized(array):
    """The elements that will be shown when the tensor is too big to print in full."""
    edge = OPTIONS.edgeitems
    if array.ndim == 0:
        return array.reshape(-1)
    if array.shape[0] > 2 * edge:
        array = np.concatenate([array[:edge], array[-edge:]])
    if array.ndim == 1:
        return array
    return np.concatenate([_summarized(row) for row in array]) if len(array) else array.reshape(-1)


def _vector(array, indent, summarize, formatter):
    element_length = formatter.max_width + 2
    per_line = max(1, int(math.floor((OPTIONS.linewidth - indent) / element_length)))
    edge = OPTIONS.edgeitems
    if summarize and array.shape[0] > 2 * edge:
        data = ([formatter.format(v) for v in array[:edge].tolist()] + [" ..."]
                + [formatter.format(v) for v in array[-edge:].tolist()])
    else:
        data = [formatter.format(v) for v in array.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(array, indent, summarize, formatter):
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector(array, indent, summarize, formatter)
    edge = OPTIONS.edgeitems
    if summarize and array.shape[0] > 2 * edge:
        rows = ([_nested(array[i], indent + 1, summarize, formatter) for i in range(edge)] + ["..."]
                + [_nested(array[i], indent + 1, summarize, formatter) for i in range(len(array) - edge, len(array))])
    else:
        rows = [_nested(array[i], indent + 1, summarize, formatter) for i in range(array.shape[0])]
    separator = "," + "\n" * (array.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(rows) + "]"


def _contents(array, indent):
    if array.size == 0:
        return "[]"
    summarize = array.size > OPTIONS.threshold
    shown = _summarized(array) if summarize else array.reshape(-1)
    if shown.dtype.kind == "f":
        shown = shown.astype(np.float64)  # PyTorch formats each float32 as the double it equals
        array = array.astype(np.float64)
    return _nested(array, indent, summarize, _Formatter(shown))


def _add_suffixes(text, suffixes, indent):
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t, prefix="tensor("):
    array, indent, suffixes = t._data, len(prefix), []
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append("size=" + str(tuple(array.shape)))
        if t.dtype is not default_float():
            suffixes.append("dtype=" + repr(t.dtype))
        text = "[]"
    else:
        if t.dtype not in (default_float(), int64, bool_):
            suffixes.append("dtype=" + repr(t.dtype))
        text = _contents(array, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + text, suffixes, indent)
