"""Draw the autograd graph behind a tensor.

``draw_graph(w)`` returns a matplotlib Figure: leaves (with their value and ``.grad``), operation
nodes named like ``grad_fn`` (``AddBackward0`` ...), and arrows in the direction backward travels,
from the output towards the leaves.

With a trace of the computation the drawing also shows what the autograd graph alone cannot::

    with teachgrad.viz.trace() as tr:
        with torch.no_grad():
            y = a * x + b
        z = c * y.detach() + d
    draw_graph(z, trace=tr)

- a red dashed edge with scissors where ``detach()`` cut the graph,
- light blue dashed edges, without arrowheads, that exist in the graph but that no gradient from
  this output reaches (the history behind a cut),
- a grey shaded region around operations that ran under ``no_grad``, labelled as operations
  (``mul``), since no Backward node exists for them,
- greyed leaves that do not require grad (frozen, ``requires_grad=False``),
- dotted grey edges where nothing was recorded.

The graph is walked through the public PyTorch API only (``grad_fn.next_functions``,
``AccumulateGrad.variable``), so the same code draws real ``torch`` tensors too.
matplotlib is imported only when something is drawn; figures are created without pyplot, so nothing
is left registered in pyplot's global figure list.

Words in drawings (legends, notes) follow :func:`teachgrad.set_language`. Japanese text is drawn with
IPAexGothic, the font the lessons install (the ``matplotlib-fontja`` package): matplotlib falls back to
it for characters DejaVu lacks, and an SVG drawing embeds the few glyphs it uses, so that any browser
shows them (an SVG shown as an image cannot reach the fonts of the page or of the kernel's machine).
"""

import base64
import collections
import contextlib
import functools
import io
import sys

from .language import display_width, get_language, pick

__all__ = ["draw_graph", "graph_svg", "trace", "Trace", "TraceEvent", "figure_to_png", "figure_to_svg",
           "line_chart_svg", "grid_svg"]

TraceEvent = collections.namedtuple("TraceEvent", "name inputs output grad_enabled")


class Trace:
    """Everything recorded while a :func:`trace` block ran (a list of :class:`TraceEvent`)."""

    def __init__(self):
        self.events = []
        self.grad_fns = []  # per event: the output's grad_fn when it was made (an in-place change replaces it)

    def record(self, name, inputs, output, grad_enabled):
        """The hook: ``hook(name, inputs, output, grad_enabled)`` as ``trace_hooks`` calls it."""
        self.events.append(TraceEvent(str(name), tuple(inputs), output, bool(grad_enabled)))
        self.grad_fns.append(getattr(output, "grad_fn", None))

    def __len__(self):
        return len(self.events)

    def __iter__(self):
        return iter(list(self.events))

    def __repr__(self):
        names = ", ".join(ev.name for ev in self.events)
        return f"Trace([{names}])"


def _is_real_torch(lib):
    return lib is not None and getattr(lib, "__name__", "").split(".")[0] == "torch"


@contextlib.contextmanager
def trace(lib=None):
    """Record every operation and every ``detach()`` run inside the ``with`` block.

    ``lib`` is the tensor library being traced: teachgrad by default (through
    ``teachgrad.autograd.trace_hooks``); pass the real ``torch`` module to trace PyTorch code (through
    a ``TorchFunctionMode``), which is handy for comparing the two.
    """
    tr = Trace()
    if _is_real_torch(lib):
        with _torch_trace_mode(tr):
            yield tr
        return
    from teachgrad import autograd

    hooks = getattr(autograd, "trace_hooks", None)
    if hooks is None:
        raise RuntimeError("teachgrad.autograd.trace_hooks is not available in this version of teachgrad")
    hook = tr.record
    hooks.append(hook)
    try:
        yield tr
    finally:
        for i in range(len(hooks) - 1, -1, -1):
            if hooks[i] is hook:
                del hooks[i]
                break


def _torch_trace_mode(tr):
    """A TorchFunctionMode that records ops of real PyTorch like teachgrad's trace hooks do."""
    import torch
    from torch.overrides import TorchFunctionMode

    def would_be_name(func, args, kwargs, fname):
        # Under no_grad there is no grad_fn: rerun the op with grad enabled to learn its name.
        try:
            with torch.enable_grad():
                args2 = [
                    a.detach().requires_grad_() if isinstance(a, torch.Tensor) and a.is_floating_point() else a
                    for a in args
                ]
                out = func(*args2, **kwargs)
            fn = getattr(out, "grad_fn", None)
            return fn.name() if fn is not None else fname
        except Exception:
            return fname

    class _Mode(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            fname = getattr(func, "__name__", "")
            if fname in ("__get__", "__set__", "__delete__") or not isinstance(out, torch.Tensor):
                return out
            if fname.endswith("_") and not fname.endswith("__"):
                return out  # in-place ops are not drawn
            inputs = tuple(a for a in list(args) + list(kwargs.values()) if isinstance(a, torch.Tensor))
            if not inputs:
                return out
            if fname == "detach":
                name = "detach"
            elif out.grad_fn is not None:
                name = out.grad_fn.name()
            else:
                name = would_be_name(func, args, kwargs, fname)
            tr.record(name, inputs, out, torch.is_grad_enabled())
            return out

    return _Mode()


# ---------------------------------------------------------------------------------------------
# Building the graph (no matplotlib here)
# ---------------------------------------------------------------------------------------------

class _Node:
    __slots__ = ("key", "kind", "lines", "tensor", "requires_grad", "recorded", "no_grad", "root", "index", "mark")

    def __init__(self, key, kind, index):
        self.key = key
        self.kind = kind  # "op" or "leaf"
        self.lines = []
        self.tensor = None
        self.requires_grad = True
        self.recorded = True  # op nodes: does a grad_fn exist for it?
        self.no_grad = False  # op nodes: ran under no_grad
        self.root = False
        self.index = index  # discovery order, for a deterministic layout
        self.mark = None  # a backward step's state: "done", "pending" or "next" (graph_svg's marks)


# edge styles: "flow" (backward travels it), "cut" (detach), "none" (no gradient flows)
_Edge = collections.namedtuple("_Edge", "src dst style")


def _num(v, digits=6):
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    s = format(v, f".{digits}g")
    if s.lstrip("-").isdigit():
        s += ".0"
    return s


def _flatten(values):
    out = []
    stack = [values]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(reversed(v))
        else:
            out.append(v)
    return out


def _fmt(t):
    """A short description of a tensor's value that never runs a tensor op (safe inside a trace)."""
    if t is None:
        return "None"
    try:
        shape = tuple(t.shape)
        n = 1
        for s in shape:
            n *= s
        if n == 1:
            return _num(t.item())
        if len(shape) == 1 and n <= 3:
            return "[" + ", ".join(_num(v, 4) for v in t.tolist()) + "]"
        return pick("shape ", ja="形状 ") + "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    except Exception:
        return "?"


def _operation_name(node_name):
    """The operation behind a Backward node's name, for ops that recorded no node:
    "MulBackward0" -> "mul", "AddmmBackward0" -> "addmm"."""
    import re

    base = re.sub(r"Backward\d*$", "", node_name)
    return (base[:1].lower() + base[1:]) if base else node_name


def _tensor_base(t):
    for cls in type(t).__mro__:
        if cls.__name__ == "Tensor":
            return cls
    return type(t)


def _is_accumulate_grad(fn):
    return hasattr(fn, "variable")


def _fn_name(fn):
    name = getattr(fn, "name", None)
    if callable(name):
        try:
            n = name()
            if isinstance(n, str) and "::" not in n:
                return n
        except Exception:
            pass
    return type(fn).__name__


def _collect_names(root, names, frame):
    """Map id(tensor) -> name and id(grad_fn) -> name."""
    base = _tensor_base(root)
    candidates = []  # (priority, name, tensor)
    if names is None and frame is not None:
        scopes = [frame.f_locals]
        if frame.f_globals is not frame.f_locals:
            scopes.append(frame.f_globals)
        for prio, scope in enumerate(scopes):
            for k, v in list(scope.items()):
                if isinstance(v, base) and not k.startswith("_"):
                    candidates.append((prio, k, v))
    elif names:
        items = names.items() if hasattr(names, "items") else names
        for k, v in items:
            if isinstance(k, str):
                candidates.append((0, k, v))
            else:  # {tensor: name}
                candidates.append((0, v, k))
    best = {}  # the first name bound to a tensor wins (locals before globals, definition order)
    for prio, k, v in candidates:
        if id(v) not in best:
            best[id(v)] = (prio, k, v)
    tensor_names = {i: k for i, (_, k, _) in best.items()}
    fn_names = {}
    keep = []
    for i, (_, k, v) in best.items():
        try:
            fn = v.grad_fn
        except Exception:
            fn = None
        if fn is not None:
            keep.append(fn)
            fn_names[id(fn)] = (k, v)
    return tensor_names, fn_names, keep


class _Graph:
    def __init__(self):
        self.nodes = {}
        self.order = []
        self.edges = []
        self.keep = []  # references that keep ids stable while drawing

    def node(self, key, kind):
        n = self.nodes.get(key)
        if n is None:
            n = _Node(key, kind, len(self.order))
            self.nodes[key] = n
            self.order.append(n)
            return n, True
        return n, False


_UNKNOWN = object()


def _build(root, events, tensor_names, fn_names, grad_fns=None):
    g = _Graph()
    g.keep.append(events)
    producers = {}  # id(tensor) -> (the event that made it, its grad_fn then)
    for i, ev in enumerate(events):
        producers[id(ev.output)] = (ev, grad_fns[i] if grad_fns is not None else _UNKNOWN)
    work = collections.deque()

    def leaf_node(t):
        n, new = g.node(("t", id(t)), "leaf")
        if new:
            g.keep.append(t)
            n.tensor = t
            n.requires_grad = bool(t.requires_grad)
            name = tensor_names.get(id(t))
            value = _fmt(t)
            n.lines = [f"{name} = {value}" if name else value]
            grad = t.grad if t.is_leaf else None
            n.lines.append(f"grad = {_fmt(grad)}")
        return n

    def fn_node(fn):
        n, new = g.node(("f", id(fn)), "op")
        if new:
            g.keep.append(fn)
            n.lines = [_fn_name(fn)]
            named = fn_names.get(id(fn))
            if named:
                n.tensor = named[1]
                n.lines.append(f"{named[0]} = {_fmt(named[1])}")
            work.append(("fn", n, fn))
        return n

    def tensor_node(t):
        ev, made_with = producers.get(id(t), (None, None))
        if ev is not None and ev.name == "detach":
            n = leaf_node(t)
            src = _undetach(t)
            if src is not t:
                g.edges.append(_Edge(n.key, tensor_node(src).key, "cut"))
            return n
        fn = getattr(t, "grad_fn", None)
        if ev is not None and ev.grad_enabled and fn is not None and (
                (made_with is not _UNKNOWN and made_with is not fn) or _fn_name(fn) != ev.name
                or any(u is t for u in ev.inputs)):
            ev = None  # changed in place since (relu_, +=): the graph's own nodes tell its history
        if ev is not None:
            key = ("f", id(fn)) if fn is not None else ("t", id(t))
            n, new = g.node(key, "op")
            if new:
                g.keep.extend([t, fn])
                n.tensor = t
                n.recorded = fn is not None
                n.no_grad = not ev.grad_enabled
                n.requires_grad = bool(t.requires_grad)
                n.lines = [ev.name if n.recorded else _operation_name(ev.name)]
                name = tensor_names.get(id(t))
                value = _fmt(t)
                n.lines.append(f"{name} = {value}" if name else value)
                if not n.recorded:
                    n.lines.append(pick("no grad_fn", ja="grad_fn なし"))
                work.append(("event", n, ev))
            return n
        fn = getattr(t, "grad_fn", None)
        if fn is not None:
            n = fn_node(fn)
            if n.tensor is None:
                n.tensor = t
                g.keep.append(t)
                n.lines.append(_fmt(t))
            return n
        return leaf_node(t)

    def _undetach(t):
        seen = 0
        while True:
            ev = producers.get(id(t), (None, None))[0]
            if ev is None or ev.name != "detach" or not ev.inputs or seen > 10000:
                return t
            t = ev.inputs[0]
            seen += 1

    root_node = tensor_node(root)
    root_node.root = True
    _walk(work, g, leaf_node, fn_node, tensor_node, _undetach)
    # A recorded edge that backward from this output never travels (behind a detach() cut, say)
    # exists, but no gradient reaches it: drawn differently from the edges backward does travel.
    children = collections.defaultdict(list)
    for e in g.edges:
        if e.style == "flow":
            children[e.src].append(e.dst)
    reached, todo = {root_node.key}, [root_node.key]
    if not root_node.recorded or not root_node.requires_grad:
        reached, todo = set(), []
    while todo:
        k = todo.pop()
        for c in children[k]:
            if c not in reached:
                reached.add(c)
                todo.append(c)
    g.edges = [e._replace(style="idle") if e.style == "flow" and e.src not in reached else e for e in g.edges]
    return g


def _walk(work, g, leaf_node, fn_node, tensor_node, _undetach):
    while work:
        what, n, obj = work.popleft()
        if what == "fn":
            for nxt, _ in getattr(obj, "next_functions", ()) or ():
                if nxt is None:
                    continue
                if _is_accumulate_grad(nxt):
                    child = leaf_node(nxt.variable)
                else:
                    child = fn_node(nxt)
                g.edges.append(_Edge(n.key, child.key, "flow"))
        else:
            ev = obj
            for u in ev.inputs:
                src = _undetach(u)
                child = tensor_node(src)
                if src is not u:
                    style = "cut"
                elif n.recorded and bool(u.requires_grad):
                    style = "flow"
                else:
                    style = "none"
                g.edges.append(_Edge(n.key, child.key, style))


# ---------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------

_FONT = 9.0  # points
_CHAR_W = 0.6 * _FONT / 72  # inches per character of DejaVu Sans Mono
_LINE_H = 1.3 * _FONT / 72
_PAD_X = 0.14
_PAD_Y = 0.10


def _node_size(n):
    w = max(display_width(s) for s in n.lines) * _CHAR_W + 2 * _PAD_X
    h = len(n.lines) * _LINE_H + 2 * _PAD_Y
    return w, h


def _layout(g, direction):
    """Layered layout: layer = longest distance from the output; deterministic ordering."""
    children = collections.defaultdict(list)
    parents = collections.defaultdict(list)
    seen_pairs = set()
    for e in g.edges:
        if (e.src, e.dst) in seen_pairs:
            continue
        seen_pairs.add((e.src, e.dst))
        children[e.src].append(e.dst)
        parents[e.dst].append(e.src)
    indeg = {n.key: len(parents[n.key]) for n in g.order}
    ready = collections.deque(n.key for n in g.order if indeg[n.key] == 0)
    depth = {k: 0 for k in indeg}
    topo = []
    while ready:
        k = ready.popleft()
        topo.append(k)
        for c in children[k]:
            depth[c] = max(depth[c], depth[k] + 1)
            indeg[c] -= 1
            if indeg[c] == 0:
                ready.append(c)
    for n in g.order:  # cycles cannot happen in autograd graphs; be safe anyway
        if n.key not in topo:
            topo.append(n.key)
    layers = collections.defaultdict(list)
    for n in g.order:
        layers[depth[n.key]].append(n)
    nlayers = max(layers) + 1 if layers else 1
    sizes = {n.key: _node_size(n) for n in g.order}
    # along the layers: primary axis; across: secondary axis
    if direction == "LR":
        prim = lambda k: sizes[k][0]  # noqa: E731
        sec = lambda k: sizes[k][1]  # noqa: E731
        gap_p, gap_s = 0.55, 0.28
    else:
        prim = lambda k: sizes[k][1]  # noqa: E731
        sec = lambda k: sizes[k][0]  # noqa: E731
        gap_p, gap_s = 0.45, 0.25
    spos = {}
    for d in range(nlayers):
        layer = layers.get(d, [])
        desired = {}
        for n in layer:
            ps = [spos[p] for p in parents[n.key] if p in spos]
            desired[n.key] = sum(ps) / len(ps) if ps else 0.0
        layer.sort(key=lambda n: (desired[n.key], n.index))
        pos = []
        for i, n in enumerate(layer):
            want = desired[n.key]
            if i:
                prev = layer[i - 1].key
                want = max(want, pos[-1] + (sec(prev) + sec(n.key)) / 2 + gap_s)
            pos.append(want)
        if pos:
            shift = sum(desired[n.key] - p for n, p in zip(layer, pos)) / len(pos)
            for n, p in zip(layer, pos):
                spos[n.key] = p + shift
    # leave room for the "detach()" label between layers joined by a cut edge
    wide = set()
    for e in g.edges:
        if e.style == "cut":
            lo, hi = sorted((depth[e.src], depth[e.dst]))
            wide.update(range(lo + 1, hi + 1))
    ppos = {}
    coord = 0.0
    prev_width = 0.0
    for d in range(nlayers):
        layer = layers.get(d, [])
        width = max((prim(n.key) for n in layer), default=0.5)
        if d:
            extra = (0.9 if direction == "LR" else 0.3) if d in wide else 0.0
            coord += prev_width / 2 + gap_p + extra + width / 2
        for n in layer:
            ppos[n.key] = coord
        prev_width = width
    xy = {}
    for n in g.order:
        if direction == "LR":  # output on the right, leaves on the left
            xy[n.key] = (-ppos[n.key], -spos[n.key])
        else:  # output on top, leaves below
            xy[n.key] = (spos[n.key], -ppos[n.key])
    return xy, sizes, direction


# ---------------------------------------------------------------------------------------------
# The scene: what to draw, independent of the renderer (matplotlib Figure or SVG markup)
# ---------------------------------------------------------------------------------------------

_COLORS = {
    "op": ("#deebf7", "#3d7fbf", "#102a43"),
    "op_off": ("#f4f4f4", "#9a9a9a", "#6b6b6b"),
    "leaf": ("#e3f4dd", "#3f9a4f", "#123b1c"),
    "leaf_off": ("#ececec", "#a8a8a8", "#7a7a7a"),
    "flow": "#2b2b2b",
    "cut": "#d62728",
    "none": "#a0a0a0",
    "idle": "#8fb3d9",
    "shade": "#dcdcdc",
    # a backward pass in progress (graph_svg's marks): nodes already run, nodes holding a pending gradient
    "done": ("#f4f4f4", "#9a9a9a", "#6b6b6b"),
    "pending": ("#fff1d6", "#e08a00", "#5a3800"),
    # marks on a graph at the moment autograd refused (lesson 9): the node it refused at
    "error": ("#fde2e1", "#c62828", "#5c0b0b"),
}
_MARK_STATES = ("done", "pending", "next", "error", "note")
_SHADE_PAD = 0.12
_MARGIN = 0.25


class _Scene:
    """Positions in inches (y up), shared by both renderers."""

    def __init__(self, g, xy, sizes, title):
        self.title = title
        self.nodes = []  # (x, y, w, h, lines, (face, edge, text), dashed, root, node)
        for n in g.order:
            x, y = xy[n.key]
            w, h = sizes[n.key]
            if n.kind == "op":
                colors = _COLORS["op"] if n.recorded else _COLORS["op_off"]
                dashed = not n.recorded
            else:
                colors = _COLORS["leaf"] if n.requires_grad else _COLORS["leaf_off"]
                dashed = False
            if n.mark in ("done", "pending", "next"):
                colors = _COLORS["done" if n.mark == "done" else "pending"]
            elif n.mark == "error":
                colors = _COLORS["error"]
            self.nodes.append((x, y, w, h, n.lines, colors, dashed, n.root or n.mark == "next", n))
        # shading behind what ran under no_grad: padded boxes, joined along the edges between them
        shade = [n for n in g.order if n.no_grad]
        keys = {n.key for n in shade}
        self.shade_boxes = []
        for n in shade:
            x, y = xy[n.key]
            w, h = sizes[n.key]
            self.shade_boxes.append((x - w / 2 - _SHADE_PAD, y - h / 2 - _SHADE_PAD, w + 2 * _SHADE_PAD,
                                     h + 2 * _SHADE_PAD))
        self.shade_links = []  # (xa, ya, xb, yb, thickness in inches)
        comp = {k: k for k in keys}

        def find(k):
            while comp[k] != k:
                comp[k] = comp[comp[k]]
                k = comp[k]
            return k

        seen = set()
        for e in g.edges:
            if e.src in keys and e.dst in keys and (e.src, e.dst) not in seen:
                seen.add((e.src, e.dst))
                (xa, ya), (xb, yb) = xy[e.src], xy[e.dst]
                self.shade_links.append((xa, ya, xb, yb, min(sizes[e.src][1], sizes[e.dst][1])))
                comp[find(e.src)] = find(e.dst)
        regions = {}
        for n in shade:
            regions.setdefault(find(n.key), []).append(n)
        self.region_labels = []  # (x, y) of "no_grad()" above each region's top node
        for members in regions.values():
            top = max(members, key=lambda n: (xy[n.key][1] + sizes[n.key][1] / 2, -n.index))
            x, y = xy[top.key]
            self.region_labels.append((x, y + sizes[top.key][1] / 2 + _SHADE_PAD + 0.02))
        # edges, clipped to the boxes; one per (src, dst, style)
        self.edges = []  # (pa, pb, style)
        self.cuts = []  # midpoints of cut edges
        drawn = set()
        for e in g.edges:
            if (e.src, e.dst, e.style) in drawn:
                continue
            drawn.add((e.src, e.dst, e.style))
            pa, pb = _clip_segment(xy[e.src], xy[e.dst], sizes[e.src], sizes[e.dst], 0.03)
            self.edges.append((pa, pb, e.style))
            if e.style == "cut":
                (xa, ya), (xb, yb) = xy[e.src], xy[e.dst]
                self.cuts.append(((xa + xb) / 2, (ya + yb) / 2))
        # legend: only when there is something beyond plain backward arrows to explain
        styles = {e.style for e in g.edges}
        has_shade = bool(shade)
        has_off_leaf = any(n.kind == "leaf" and not n.requires_grad for n in g.order)
        has_off_op = any(n.kind == "op" and not n.recorded for n in g.order)
        self.legend = []  # (kind, label)
        if styles - {"flow"} or has_shade or has_off_leaf or has_off_op:
            self.legend.append(("flow", pick("backward flows", ja="逆伝播が流れる")))
            if "idle" in styles:
                self.legend.append(("idle", pick("edge exists, no gradient reaches it", ja="辺はあるが勾配は届かない")))
            if "cut" in styles:
                self.legend.append(("cut", pick("cut by detach()", ja="detach() で切断")))
            if "none" in styles:
                self.legend.append(("none", pick("no edge in the graph", ja="グラフに辺がない")))
            if has_shade:
                self.legend.append(("shade", pick("ran under no_grad", ja="no_grad の中で実行")))
            if has_off_leaf:
                self.legend.append(("leaf_off", "requires_grad=False"))
        if any(n.mark == "error" for n in g.order):
            if not self.legend:
                self.legend.append(("flow", pick("backward flows", ja="逆伝播が流れる")))
            self.legend.append(("error", pick("where the trouble is", ja="問題の起きた場所")))
        # extent of the drawing, plus room for the legend and the title
        xs = [v for x, y, w, h, *_ in self.nodes for v in (x - w / 2, x + w / 2)]
        ys = [v for x, y, w, h, *_ in self.nodes for v in (y - h / 2, y + h / 2)]
        for bx, by, bw, bh in self.shade_boxes:
            ys.append(by + bh + 0.22)  # the region label
        self.x0, self.x1 = min(xs) - _MARGIN, max(xs) + _MARGIN
        self.y0, self.y1 = min(ys) - _MARGIN, max(ys) + _MARGIN
        self.legend_h = 0.0
        self.legend_cols = 1
        if self.legend:
            self.legend_cols = min(len(self.legend), max(1, int((self.x1 - self.x0) // 2.0)))
            rows = -(-len(self.legend) // self.legend_cols)
            self.legend_h = 0.12 + rows * 0.24
            self.y0 -= self.legend_h
        self.title_h = 0.35 if title else 0.0

    @property
    def width(self):
        return self.x1 - self.x0

    @property
    def height(self):
        """Height including the title band."""
        return self.y1 - self.y0 + self.title_h


def _clip_segment(a, b, size_a, size_b, gap):
    """The part of segment a->b outside both boxes (centred at a and b), shortened by gap."""
    (xa, ya), (xb, yb) = a, b
    dx, dy = xb - xa, yb - ya

    def t_exit(w, h):
        ts = []
        if dx:
            ts.append((w / 2 + gap) / abs(dx))
        if dy:
            ts.append((h / 2 + gap) / abs(dy))
        return min(ts) if ts else 0.0

    t0 = t_exit(*size_a)
    t1 = 1.0 - t_exit(*size_b)
    if t1 <= t0:
        t0, t1 = 0.0, 1.0
    return (xa + t0 * dx, ya + t0 * dy), (xa + t1 * dx, ya + t1 * dy)


def _scene_for(tensor, trace, names, frame, direction, max_width, title, marks=None):
    tensor_names, fn_names, keep = _collect_names(tensor, names, frame)
    events = list(trace.events) if trace is not None else []
    grad_fns = list(getattr(trace, "grad_fns", ())) if trace is not None else []
    g = _build(tensor, events, tensor_names, fn_names, grad_fns if len(grad_fns) == len(events) else None)
    g.keep.append(keep)
    for node, (state, note) in (marks or {}).items():
        if state not in _MARK_STATES:
            raise ValueError(f"unknown mark {state!r}; marks are {', '.join(_MARK_STATES)}")
        n = g.nodes.get(_mark_key(node))
        if n is not None:
            n.mark = state
            if note:
                n.lines.append(note)
    if direction == "auto":
        # left to right reads like the code; fall back to top-down for graphs too deep to fit the width
        xy, sizes, _ = _layout(g, "LR")
        if _extent(xy, sizes)[0] > max_width:
            xy_tb, sizes_tb, _ = _layout(g, "TB")
            if _extent(xy_tb, sizes_tb)[0] < _extent(xy, sizes)[0]:
                xy, sizes = xy_tb, sizes_tb
    else:
        xy, sizes, _ = _layout(g, direction)
    return _Scene(g, xy, sizes, title), g


def _mark_key(obj):
    """The drawing's node for a mark: a backward node (a leaf's AccumulateGrad is drawn as the leaf),
    or a tensor (the node that made it, or the leaf itself)."""
    if _is_accumulate_grad(obj):
        return ("t", id(obj.variable))
    if hasattr(obj, "grad_fn") and hasattr(obj, "requires_grad"):  # a tensor
        fn = obj.grad_fn
        return ("f", id(fn)) if fn is not None else ("t", id(obj))
    return ("f", id(obj))


def _extent(xy, sizes):
    xs = [xy[k][0] + s * sizes[k][0] / 2 for k in xy for s in (-1, 1)]
    ys = [xy[k][1] + s * sizes[k][1] / 2 for k in xy for s in (-1, 1)]
    return max(xs) - min(xs), max(ys) - min(ys)


# ---------------------------------------------------------------------------------------------
# matplotlib
# ---------------------------------------------------------------------------------------------

_figure_class = None


def _make_figure(figsize):
    """A pyplot-free Figure that Jupyter can show as PNG when it is the last value of a cell."""
    global _figure_class
    if _figure_class is None:
        from matplotlib.figure import Figure

        class GraphFigure(Figure):
            """A Figure whose text form does not depend on the layout (notebooks store it)."""

            graph_nodes = 0

            def _repr_png_(self):
                return figure_to_png(self)

            def __repr__(self):
                return f"<graph drawing: {self.graph_nodes} nodes>"

        _figure_class = GraphFigure
    return _figure_class(figsize=figsize)


def draw_graph(tensor, ax=None, trace=None, title=None, *, names=None, direction="auto", max_width=14.0,
               marks=None):
    """Draw the autograd graph behind ``tensor`` and return the matplotlib Figure.

    tensor     the output (e.g. the loss); its graph is walked through ``grad_fn.next_functions``.
    ax         draw into this Axes (its figure is returned); by default a new Figure sized to fit.
    trace      a :class:`Trace` from ``with trace() as tr:``; adds detach cuts, no_grad regions and
               frozen leaves to the drawing.
    title      a title over the drawing.
    names      labels for tensors: a dict ``{"a": a, ...}`` or pairs such as
               ``model.named_parameters()``; by default the caller's variable names are used.
    direction  "LR" (output on the right), "TB" (output on top) or "auto" (LR unless too deep to fit).
    max_width  the widest a new figure gets, in inches (larger drawings are scaled down).
    marks      notes on nodes: ``{node or tensor: (state, note)}``, state one of "error" (red: where
               autograd refused), "note" (only the extra line), or the backward-pass states of
               :func:`graph_svg`; note is an extra line in the node (or None).
    """
    frame = sys._getframe(1) if names is None else None
    try:
        scene, g = _scene_for(tensor, trace, names, frame, direction, max_width, title, marks)
    finally:
        del frame
    return _render(scene, ax, max_width)


def _render(sc, ax, max_width):
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

    width, height = sc.width, sc.height
    if ax is None:
        scale = min(1.0, max_width / width)
        fig = _make_figure((width * scale, height * scale))
        fig.graph_nodes = len(sc.nodes)
        ax = fig.add_axes((0, 0, 1, (height - sc.title_h) / height))
    else:
        fig = ax.figure
        bbox = ax.get_position()
        fw, fh = fig.get_size_inches()
        scale = min(bbox.width * fw / width, bbox.height * fh / (height - sc.title_h))
    font = max(4.0, _FONT * scale)
    ax.set_xlim(sc.x0, sc.x1)
    ax.set_ylim(sc.y0, sc.y1)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_axis_off()
    if sc.title:
        ax.set_title(sc.title, fontsize=max(5.0, 11 * scale), family=_families("DejaVu Sans"))

    # add_artist, not add_patch: the limits are set already, and data-limit updates are slow
    for x, y, w, h, lines, (fc, ec, tc), dashed, root, _n in sc.nodes:
        ax.add_artist(FancyBboxPatch(
            (x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.07",
            facecolor=fc, edgecolor=ec, linewidth=(2.2 if root else 1.0) * max(scale, 0.5),
            linestyle="--" if dashed else "-", zorder=3))
        ax.text(x, y, "\n".join(lines), ha="center", va="center", fontsize=font,
                family=_families("DejaVu Sans Mono"), color=tc, zorder=4, linespacing=1.25)
    for bx, by, bw, bh in sc.shade_boxes:
        ax.add_artist(FancyBboxPatch((bx, by), bw, bh, boxstyle="round,pad=0,rounding_size=0.15",
                                     facecolor=_COLORS["shade"], edgecolor="none", zorder=0))
    for xa, ya, xb, yb, thick in sc.shade_links:
        ax.add_artist(Line2D([xa, xb], [ya, yb], color=_COLORS["shade"], lw=72 * scale * thick,
                             solid_capstyle="round", zorder=0))
    for x, y in sc.region_labels:
        ax.text(x, y, "no_grad()", ha="center", va="bottom", fontsize=font * 0.9, style="italic",
                color="#555555", zorder=1)
    for pa, pb, style in sc.edges:
        ax.add_artist(FancyArrowPatch(
            pa, pb, arrowstyle="-|>" if style == "flow" else "-",
            mutation_scale=10 * max(scale, 0.4), color=_COLORS[style],
            linestyle={"flow": "-", "idle": (0, (6, 2)), "cut": "--", "none": ":"}[style],
            linewidth=1.3 * max(scale, 0.4), shrinkA=0, shrinkB=0, zorder=2))
    for x, y in sc.cuts:
        ax.text(x, y, "\u2702 detach()", ha="center", va="center", fontsize=font * 0.9, color=_COLORS["cut"],
                zorder=5, bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor=_COLORS["cut"], lw=0.6))
    if sc.legend:
        handles = []
        for kind, label in sc.legend:
            if kind in ("flow", "idle", "cut", "none"):
                ls = {"flow": "-", "idle": (0, (6, 2)), "cut": "--", "none": ":"}[kind]
                handles.append(Line2D([], [], color=_COLORS[kind], lw=1.4, ls=ls, label=label))
            elif kind == "shade":
                handles.append(Patch(facecolor=_COLORS["shade"], edgecolor="none", label=label))
            else:
                fc, ec, _ = _COLORS[kind]
                handles.append(Patch(facecolor=fc, edgecolor=ec, label=label))
        ax.legend(handles=handles, loc="lower center", ncol=sc.legend_cols, frameon=False,
                  prop={"size": font * 0.85, "family": _families("DejaVu Sans")},
                  handlelength=2.2, borderaxespad=0.1)
    return fig


# ---------------------------------------------------------------------------------------------
# Japanese text: the font installed with the lessons
# ---------------------------------------------------------------------------------------------

JAPANESE_FONT = "IPAexGothic"  # the family name of matplotlib-fontja's ipaexg.ttf
_EMBEDDED_FAMILY = "teachgrad-ja"  # the family an SVG drawing embeds its Japanese glyphs as


@functools.lru_cache(maxsize=None)
def japanese_font_path():
    """The path of the Japanese font installed with the lessons (IPAexGothic), or None.

    Found without importing ``matplotlib_fontja``: importing it would switch every later matplotlib
    figure of the session to that font."""
    import importlib.util
    from pathlib import Path

    try:
        spec = importlib.util.find_spec("matplotlib_fontja")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / "ipaexg.ttf"
        if path.is_file():
            return str(path)
    return None


@functools.lru_cache(maxsize=None)
def _register_japanese_font():
    """Make IPAexGothic known to matplotlib (once); False when it is not installed."""
    path = japanese_font_path()
    if path is None:
        return False
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)
    return True


def use_japanese_font(on=True):
    """Let every matplotlib figure of this kernel (pyplot's too) draw Japanese text with IPAexGothic,
    after DejaVu Sans for Latin letters; ``on=False`` restores matplotlib's default. Called by
    ``teachgrad.set_language``; does nothing without matplotlib or the font."""
    try:
        import matplotlib
    except ImportError:
        return False
    family = matplotlib.rcParams["font.family"]
    if on and _register_japanese_font():
        if JAPANESE_FONT not in family:
            matplotlib.rcParams["font.family"] = ["DejaVu Sans", JAPANESE_FONT]
        return True
    if JAPANESE_FONT in family:
        matplotlib.rcParams["font.family"] = matplotlib.rcParamsDefault["font.family"]
    return False


def _families(base):
    """matplotlib font families for text: ``base`` for Latin letters, then IPAexGothic for Japanese
    (matplotlib takes each glyph from the first family that has it)."""
    if get_language() == "ja" and _register_japanese_font():
        return [base, JAPANESE_FONT]
    return [base]


def _needs_japanese(text):
    return any(ord(ch) > 0x2E7F for ch in text)  # CJK punctuation, kana, kanji, full-width forms


@functools.lru_cache(maxsize=64)
def _font_face(chars):
    """A CSS @font-face rule embedding the glyphs of ``chars`` (a string) from the lessons' Japanese
    font, as a data URL; "" when the font is not installed or has none of them."""
    path = japanese_font_path()
    if path is None:
        return ""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True)
    cmap = font.getBestCmap()
    wanted = sorted({ord(ch) for ch in chars if ord(ch) in cmap})
    if not wanted:
        return ""
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # keep the copyright and the font's name
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    font = TTFont(path)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{_EMBEDDED_FAMILY}"; '
            f'src: url(data:font/ttf;base64,{data}) format("truetype"); }}')


def _with_fonts(out):
    """Finish an SVG drawing (a list of markup lines, the root ``<svg>`` first and ``</svg>`` last):
    embed the Japanese glyphs it uses, naming the embedded family in every font-family list."""
    import re

    markup = "\n".join(out)
    chars = "".join(sorted({ch for ch in markup if _needs_japanese(ch)}))
    if not chars:
        return markup
    face = _font_face(chars)
    if face:
        markup = re.sub(r'font-family="([^"]*), (monospace|sans-serif)"',
                        lambda m: f'font-family="{m.group(1)}, {_EMBEDDED_FAMILY}, {m.group(2)}"', markup)
        first, rest = markup.split("\n", 1)
        return f"{first}\n<defs><style>{face}</style></defs>\n{rest}"
    return re.sub(r'font-family="([^"]*), (monospace|sans-serif)"',
                  lambda m: f'font-family="{m.group(1)}, {_CJK_FALLBACK}, {m.group(2)}"', markup)


_CJK_FALLBACK = f"{JAPANESE_FONT}, Hiragino Sans, Yu Gothic, Noto Sans CJK JP"


def figure_to_png(fig, dpi=100):
    """Render a Figure to PNG bytes (Agg, no pyplot)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def figure_to_svg(fig):
    """Render a Figure to SVG bytes with text left as text (the browser draws the glyphs)."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "teachgrad"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# SVG markup, written directly: the same scene in a few milliseconds (used by the live widgets)
# ---------------------------------------------------------------------------------------------

def graph_svg(tensor, trace=None, title=None, *, names=None, direction="auto", max_width=14.0, px_per_inch=88,
              marks=None):
    """The same drawing as :func:`draw_graph`, as SVG markup (str), without matplotlib.

    Much faster than rendering a Figure, so the live widgets redraw with it on every click.
    ``marks`` shows a backward pass in progress (lesson 8's stepper): ``{node: (state, note)}`` for
    backward nodes (``grad_fn`` nodes, or a leaf's ``AccumulateGrad``), where state is "done" (greyed),
    "pending" (a gradient waits there, orange) or "next" (orange, thick border) and note an extra line;
    or where autograd refused (lesson 9): state "error" (red), or "note" (only the extra line). A
    tensor as the key marks the node that made it (a leaf: the leaf itself).
    """
    frame = sys._getframe(1) if names is None else None
    try:
        scene, g = _scene_for(tensor, trace, names, frame, direction, max_width, title, marks)
    finally:
        del frame
    return _render_svg(scene, px_per_inch, max_width)


def _render_svg(sc, ppi, max_width):
    from html import escape

    s = ppi * min(1.0, max_width / sc.width)  # pixels per inch
    font = _FONT / 72 * s
    top = sc.y1 + sc.title_h

    def X(x):
        return f"{(x - sc.x0) * s:.1f}"

    def Y(y):
        return f"{(top - y) * s:.1f}"

    def L(v):
        return f"{v * s:.1f}"

    W, H = sc.width * s, sc.height * s
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W:.0f}" height="{H:.0f}" '
        f'viewBox="0 0 {W:.1f} {H:.1f}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
        f'font-size="{font:.1f}">',
        '<defs><marker id="tg-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{_COLORS["flow"]}"/></marker></defs>',
        f'<rect width="{W:.1f}" height="{H:.1f}" fill="white"/>',
    ]
    if sc.title:
        out.append(f'<text x="{W / 2:.1f}" y="{L(sc.title_h * 0.6)}" text-anchor="middle" '
                   f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="{font * 1.2:.1f}">'
                   f'{escape(sc.title)}</text>')
    for bx, by, bw, bh in sc.shade_boxes:
        out.append(f'<rect x="{X(bx)}" y="{Y(by + bh)}" width="{L(bw)}" height="{L(bh)}" rx="{L(0.15)}" '
                   f'fill="{_COLORS["shade"]}"/>')
    for xa, ya, xb, yb, thick in sc.shade_links:
        out.append(f'<line x1="{X(xa)}" y1="{Y(ya)}" x2="{X(xb)}" y2="{Y(yb)}" stroke="{_COLORS["shade"]}" '
                   f'stroke-width="{L(thick)}" stroke-linecap="round"/>')
    for x, y in sc.region_labels:
        out.append(f'<text x="{X(x)}" y="{Y(y)}" text-anchor="middle" font-style="italic" fill="#555555" '
                   f'font-size="{font * 0.9:.1f}">no_grad()</text>')
    dash = {"flow": "", "idle": ' stroke-dasharray="7 2"', "cut": ' stroke-dasharray="6 4"',
            "none": ' stroke-dasharray="2 3"'}
    for (xa, ya), (xb, yb), style in sc.edges:
        marker = ' marker-end="url(#tg-arrow)"' if style == "flow" else ""
        out.append(f'<line x1="{X(xa)}" y1="{Y(ya)}" x2="{X(xb)}" y2="{Y(yb)}" stroke="{_COLORS[style]}" '
                   f'stroke-width="1.4"{dash[style]}{marker}/>')
    line_h = 1.25 * font
    for x, y, w, h, lines, (fc, ec, tc), dashed, root, n in sc.nodes:
        cls = "tg-node tg-" + ("op" if n.kind == "op" else "leaf")
        extra = ' stroke-dasharray="4 3"' if dashed else ""
        out.append(f'<g class="{cls}"><rect x="{X(x - w / 2)}" y="{Y(y + h / 2)}" width="{L(w)}" '
                   f'height="{L(h)}" rx="{L(0.07)}" fill="{fc}" stroke="{ec}" '
                   f'stroke-width="{2.4 if root else 1.1}"{extra}/>')
        y0 = float(Y(y)) - line_h * (len(lines) - 1) / 2
        out.append(f'<text text-anchor="middle" dominant-baseline="central" fill="{tc}">')
        for i, line in enumerate(lines):
            out.append(f'<tspan x="{X(x)}" y="{y0 + i * line_h:.1f}">{escape(line)}</tspan>')
        out.append("</text></g>")
    for x, y in sc.cuts:
        label = "\u2702 detach()"
        bw, bh = (len(label) * _CHAR_W * 0.9 + 0.12), 0.22
        out.append(f'<rect x="{X(x - bw / 2)}" y="{Y(y + bh / 2)}" width="{L(bw)}" height="{L(bh)}" rx="3" '
                   f'fill="white" stroke="{_COLORS["cut"]}" stroke-width="0.8"/>')
        out.append(f'<text x="{X(x)}" y="{Y(y)}" text-anchor="middle" dominant-baseline="central" '
                   f'fill="{_COLORS["cut"]}" font-size="{font * 0.9:.1f}">{escape(label)}</text>')
    if sc.legend:
        cols = sc.legend_cols
        col_w = 2.0
        total = cols * col_w
        lx0 = (sc.x0 + sc.x1) / 2 - total / 2
        for i, (kind, label) in enumerate(sc.legend):
            r, c = divmod(i, cols)
            lx = lx0 + c * col_w
            ly = sc.y0 + sc.legend_h - 0.18 - r * 0.24
            if kind in ("flow", "idle", "cut", "none"):
                out.append(f'<line x1="{X(lx)}" y1="{Y(ly)}" x2="{X(lx + 0.3)}" y2="{Y(ly)}" '
                           f'stroke="{_COLORS[kind]}" stroke-width="1.4"{dash[kind]}/>')
            else:
                fc, ec = (_COLORS["shade"], "none") if kind == "shade" else _COLORS[kind][:2]
                out.append(f'<rect x="{X(lx)}" y="{Y(ly + 0.06)}" width="{L(0.3)}" height="{L(0.12)}" '
                           f'fill="{fc}" stroke="{ec}"/>')
            out.append(f'<text x="{X(lx + 0.4)}" y="{Y(ly)}" dominant-baseline="central" '
                       f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="{font * 0.85:.1f}">'
                       f'{escape(label)}</text>')
    out.append("</svg>")
    return _with_fonts(out)


# ---------------------------------------------------------------------------------------------
# Small SVG charts for the live widgets (a few milliseconds per redraw, no matplotlib)
# ---------------------------------------------------------------------------------------------

_SANS = "DejaVu Sans, Helvetica, Arial, sans-serif"


def _finite(v):
    return v is not None and v == v and v not in (float("inf"), float("-inf"))


def _nice(v):
    """A short label for an axis value: 0.01, 2.5, 1e+04."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e4 or a < 1e-3:
        return f"{v:.0e}"
    return f"{v:.3g}"


def line_chart_svg(series, title="", xlabel="", ylabel="", log_y=False, width=420, height=240,
                   marker_first=None, marker_last=None, extra_lines=(), legend_below=False):
    """A line chart as SVG markup (str).

    series       a list of dicts: ``{"x": [...], "y": [...], "label": str, "color": "#rrggbb",
                 "dash": bool}``; points that are not finite (or not positive on a log scale) are
                 left out, so a run that blows up ends where its numbers stop.
    log_y        logarithmic y axis.
    marker_first / marker_last  labels for a dot at the first / last point of the first series.
    extra_lines  ``(x0, y0, x1, y1, label, color)`` straight lines in data coordinates (clipped).
    legend_below the legend under the chart (the drawing gets taller) instead of in its top right
                 corner, where it could hide a line.
    """
    import math
    from html import escape

    left, right, top, bottom = 58, 12, 24 if title else 10, 36
    pw, ph = width - left - right, height - top - bottom
    n_legend = sum(1 for s in series if s.get("label")) + len(extra_lines) + \
        sum(1 for m in (marker_first, marker_last) if m and series)
    chart_h = height
    if legend_below and n_legend:
        height += 14 * n_legend + 4

    def ok(y):
        return _finite(y) and (y > 0 if log_y else True)

    def ty(y):
        return math.log10(y) if log_y else y

    pts = [(x, ty(y)) for s in series for x, y in zip(s["x"], s["y"]) if _finite(x) and ok(y)]
    if pts:
        x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
        y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    else:
        x0, x1, y0, y1 = 0.0, 1.0, 0.0, 1.0
    if x1 - x0 < 1e-12:
        x0, x1 = x0 - 0.5, x1 + 0.5
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5
    pad = 0.05 * (y1 - y0)
    y0, y1 = y0 - pad, y1 + pad

    def px(x):
        return left + pw * (x - x0) / (x1 - x0)

    def py(y):
        return top + ph * (y1 - y) / (y1 - y0)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{_SANS}" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>']
    if title:
        out.append(f'<text x="{left + pw / 2:.1f}" y="16" text-anchor="middle" font-size="12">'
                   f'{escape(title)}</text>')
    for frac in (0.0, 0.5, 1.0):  # y ticks: bottom, middle, top
        yv = y0 + pad + frac * (y1 - y0 - 2 * pad)
        label = _nice(10 ** yv if log_y else yv)
        out.append(f'<text x="{left - 4}" y="{py(yv) + 4:.1f}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<line x1="{left}" y1="{py(yv):.1f}" x2="{left + pw}" y2="{py(yv):.1f}" '
                   'stroke="#eee"/>')
    for frac, anchor in ((0.0, "start"), (1.0, "end")):
        xv = x0 + frac * (x1 - x0)
        out.append(f'<text x="{px(xv):.1f}" y="{top + ph + 14}" text-anchor="{anchor}">'
                   f'{escape(_nice(xv))}</text>')
    if xlabel:
        out.append(f'<text x="{left + pw / 2:.1f}" y="{chart_h - 6}" text-anchor="middle">{escape(xlabel)}</text>')
    if ylabel:
        out.append(f'<text x="12" y="{top + ph / 2:.1f}" text-anchor="middle" '
                   f'transform="rotate(-90 12 {top + ph / 2:.1f})">{escape(ylabel + (" (log)" if log_y else ""))}'
                   '</text>')
    out.append(f'<clipPath id="tg-plot-area"><rect x="{left}" y="{top}" width="{pw}" height="{ph}"/></clipPath>')
    for xa, ya, xb, yb, label, color in extra_lines:
        out.append(f'<line x1="{px(xa):.1f}" y1="{py(ty(ya)):.1f}" x2="{px(xb):.1f}" y2="{py(ty(yb)):.1f}" '
                   f'stroke="{color}" stroke-dasharray="2 3" stroke-width="1.2" clip-path="url(#tg-plot-area)"/>')
    legend = [(s.get("label"), s.get("color", "#1f77b4"), s.get("dash", False)) for s in series]
    legend += [(label, color, True) for *_, label, color in extra_lines]
    for s in series:
        color = s.get("color", "#1f77b4")
        dash = ' stroke-dasharray="5 4"' if s.get("dash") else ""
        runs, cur = [], []
        for x, y in zip(s["x"], s["y"]):
            if _finite(x) and ok(y):
                cur.append(f"{px(x):.1f},{py(ty(y)):.1f}")
            elif cur:
                runs.append(cur)
                cur = []
        if cur:
            runs.append(cur)
        for run in runs:
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="{s.get("width", 1.6)}"{dash} '
                       f'points="{" ".join(run)}" clip-path="url(#tg-plot-area)"/>')
    if series and (marker_first or marker_last):
        s = series[0]
        good = [(x, y) for x, y in zip(s["x"], s["y"]) if _finite(x) and ok(y)]
        if good:
            for (x, y), label, color in ((good[0], marker_first, "#000"), (good[-1], marker_last, "#d62728")):
                if label:
                    out.append(f'<circle cx="{px(x):.1f}" cy="{py(ty(y)):.1f}" r="3.5" fill="{color}"/>')
                    legend.append((label, color, None))
    labels = [label for label, _, _ in legend if label]
    ly = top + ph + bottom + 10 if legend_below else top + 12
    for label, color, dash in legend:
        if not label:
            continue
        lx = left if legend_below else left + pw - max(150, 30 + 6.2 * max(display_width(t) for t in labels))
        if dash is None:
            out.append(f'<circle cx="{lx + 9}" cy="{ly - 4}" r="3.5" fill="{color}"/>')
        else:
            d = ' stroke-dasharray="5 4"' if dash else ""
            out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" y2="{ly - 4}" stroke="{color}" '
                       f'stroke-width="1.6"{d}/>')
        out.append(f'<text x="{lx + 24}" y="{ly}">{escape(label)}</text>')
        ly += 14
    out.append("</svg>")
    return _with_fonts(out)


def grid_svg(values, title="", cell=34):
    """A matrix of numbers (nested lists, or None) as a grid of shaded cells with the values in
    them, as SVG markup (str). None draws an empty grey grid."""
    from html import escape

    rows = values if values is not None else [[None] * 5 for _ in range(5)]
    n_r, n_c = len(rows), len(rows[0]) if rows else 0
    top = 22 if title else 4
    width, height = n_c * cell + 8, n_r * cell + top + 4
    flat = [v for r in rows for v in r if v is not None and _finite(v)]
    hi = max([abs(v) for v in flat] + [1e-12])
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{_SANS}" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    if title:
        out.append(f'<text x="{width / 2:.1f}" y="15" text-anchor="middle" font-size="12">{escape(title)}</text>')
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            x, y = 4 + j * cell, top + i * cell
            if v is None or not _finite(v):
                fill = "#eeeeee"
            else:
                t = abs(v) / hi / 1.6
                shade = int(255 - 150 * t)
                fill = f"#{shade:02x}{int(255 - 90 * t):02x}ff"
            out.append(f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{fill}" stroke="#bbb"/>')
            if v is not None:
                out.append(f'<text x="{x + (cell - 2) / 2:.1f}" y="{y + cell / 2 + 3:.1f}" text-anchor="middle">'
                           f'{escape(format(v, "g"))}</text>')
    out.append("</svg>")
    return _with_fonts(out)
