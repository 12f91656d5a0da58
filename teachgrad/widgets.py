"""Live explorers for the lessons: flip a flag, watch the graph and the gradients change.

    from teachgrad.widgets import ChainExplorer
    ex = ChainExplorer()
    ex                      # last in a cell: shows the controls, the graph and the table
    ex.controls["requires_grad_c"].value = False
    print(ex.table())       # the same result as plain text

Every explorer wires its controls to a plain function that does the work and can be tested without
a browser: :func:`chain_gradients`, :class:`AccumulationLab`, :func:`training_run`,
:func:`sequential_gradients`. All of them take the tensor library as ``torch=`` (teachgrad by
default; real PyTorch gives the same tables).

Plots are rendered to PNG and shown in ``ipywidgets.Image`` widgets and tables in ``HTML`` widgets,
so a callback never writes a cell output (nbval sees the same outputs as a browser) and a failing
callback shows a friendly message in the widget instead of a traceback.
"""

import html
import importlib
import io

__all__ = [
    "ChainExplorer", "AccumulationExplorer", "TrainingExplorer", "SequentialExplorer",
    "chain_code", "chain_gradients", "chain_table", "AccumulationLab",
    "training_run", "training_table", "sequential_gradients", "sequential_table", "friendly_error",
]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def _lib(torch=None):
    if torch is None:
        import teachgrad as torch
    return torch


def _sub(lib, name):
    return importlib.import_module(f"{lib.__name__}.{name}")


def _num(v):
    """A Python float as the tables show it: 935.0, 1.0, 0.5."""
    if v is None:
        return "None"
    return repr(float(v))


_EXPLANATIONS = (
    ("Trying to backward through the graph a second time",
     "The previous backward() freed the values the graph had saved. Tick retain_graph before the "
     "earlier backward(), or build the graph again (new graph)."),
    ("does not require grad and does not have a grad_fn",
     "Nothing in this computation requires grad, so there is no graph to go backward through."),
    ("grad can be implicitly created only for scalar outputs",
     "backward() without an argument works only for a single number; pass a gradient of the "
     "output's shape."),
    ("you can only change requires_grad flags of leaf variables",
     "Only leaves (tensors you created) have a requires_grad flag you can set; use .detach() for a "
     "computed tensor."),
)


def friendly_error(exc):
    """``"RuntimeError: <PyTorch's message>"`` plus a one-line explanation when we know one."""
    text = f"{type(exc).__name__}: {exc}"
    for needle, explanation in _EXPLANATIONS:
        if needle in str(exc):
            return f"{text}\n{explanation}"
    return text


def _grad_name(t):
    fn = t.grad_fn
    return None if fn is None else fn.name()


def _render_png(fig, dpi=90):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# the chain of seed 004: y = a*x + b, z = c*y + d, w = e*z + f
# ---------------------------------------------------------------------------------------------

CHAIN_LEAVES = ("a", "b", "c", "d", "e", "f", "x")
CHAIN_VALUES = {"a": 2.0, "b": 3.0, "c": 5.0, "d": 7.0, "e": 11.0, "f": 13.0, "x": 17.0}
CHAIN_TOGGLES = ("detach_y", "detach_z", "no_grad_y", "no_grad_z")


def _chain_flags(requires_grad):
    flags = {k: True for k in CHAIN_LEAVES}
    if requires_grad is not None:
        unknown = set(requires_grad) - set(CHAIN_LEAVES)
        if unknown:
            raise ValueError(f"unknown leaves: {sorted(unknown)}")
        flags.update({k: bool(v) for k, v in requires_grad.items()})
    return flags


def chain_code(requires_grad=None, detach_y=False, detach_z=False, no_grad_y=False, no_grad_z=False):
    """The PyTorch code of the chain for these toggles (exactly what :func:`chain_gradients` runs)."""
    flags = _chain_flags(requires_grad)
    lines = []
    for k in CHAIN_LEAVES:
        v = f"{CHAIN_VALUES[k]:g}."
        lines.append(f"{k} = torch.tensor({v}, requires_grad={flags[k]})")
    y_expr = "a * x + b"
    z_expr = f"c * {'y.detach()' if detach_y else 'y'} + d"
    w_expr = f"e * {'z.detach()' if detach_z else 'z'} + f"
    for name, expr, ng in (("y", y_expr, no_grad_y), ("z", z_expr, no_grad_z), ("w", w_expr, False)):
        if ng:
            lines.append("with torch.no_grad():")
            lines.append(f"    {name} = {expr}")
        else:
            lines.append(f"{name} = {expr}")
    lines.append("w.backward()")
    return "\n".join(lines)


def chain_gradients(requires_grad=None, detach_y=False, detach_z=False, no_grad_y=False, no_grad_z=False,
                    torch=None, trace=False):
    """Run the seed-004 chain with these toggles and report what backward did.

    requires_grad  dict leaf -> bool (leaves not given require grad), leaves a..f and x.
    Returns a dict: ``code`` (the code run), ``values`` (y, z, w as floats), ``grads`` (leaf ->
    float or None), ``w_requires_grad``, ``w_grad_fn`` (name or None), ``error`` (friendly message
    or None), ``tensors`` (the leaves and y, z, w) and ``trace`` (a viz.Trace when trace=True).
    """
    lib = _lib(torch)
    code = chain_code(requires_grad, detach_y, detach_z, no_grad_y, no_grad_z)
    forward, backward = code.rsplit("\n", 1)
    ns = {"torch": lib}
    tr = None
    if trace:
        from teachgrad import viz

        with viz.trace(lib) as tr:
            exec(forward, ns)
    else:
        exec(forward, ns)
    error = None
    try:
        exec(backward, ns)
    except RuntimeError as exc:
        error = friendly_error(exc)
    w = ns["w"]
    return {
        "code": code,
        "values": {k: ns[k].item() for k in ("y", "z", "w")},
        "grads": {k: (None if ns[k].grad is None else ns[k].grad.item()) for k in CHAIN_LEAVES},
        "w_requires_grad": bool(w.requires_grad),
        "w_grad_fn": _grad_name(w),
        "error": error,
        "tensors": {k: ns[k] for k in CHAIN_LEAVES + ("y", "z", "w")},
        "trace": tr,
    }


def chain_table(result):
    """The gradient table: one row per leaf (``a  935.0`` / ``c  None``), then w."""
    rows = [f"{k}  {_num(result['grads'][k])}" for k in CHAIN_LEAVES]
    rows.append(f"w = {_num(result['values']['w'])}, requires_grad={result['w_requires_grad']}")
    if result["error"]:
        rows.append("w.backward() failed: " + result["error"].split("\n")[0])
    return "\n".join(rows)


# ---------------------------------------------------------------------------------------------
# accumulation (seed 001): inp = eye(5, requires_grad=True); out = (inp + 1).pow(2)
# ---------------------------------------------------------------------------------------------

class AccumulationLab:
    """The accumulation experiment as plain state: call backward(), zero_grad(), new_graph()."""

    def __init__(self, torch=None):
        self.torch = _lib(torch)
        self.inp = self.torch.eye(5, requires_grad=True)
        self.out = None
        self.calls = 0
        self.message = ""
        self.history = []  # the code that ran, one line per action
        self.new_graph()
        self.message = "out = (inp + 1).pow(2) built; inp.grad is None until the first backward()."

    def new_graph(self):
        self.out = (self.inp + 1).pow(2)
        self.history.append("out = (inp + 1).pow(2)")
        self.message = "New graph: out = (inp + 1).pow(2). inp.grad is kept: only zero_grad clears it."

    def backward(self, retain_graph=True):
        torch = self.torch
        line = f"out.backward(torch.ones_like(out), retain_graph={bool(retain_graph)})"
        self.history.append(line)
        try:
            self.out.backward(torch.ones_like(self.out), retain_graph=bool(retain_graph))
        except RuntimeError as exc:
            self.message = friendly_error(exc)
            return False
        self.calls += 1
        if retain_graph:
            self.message = "backward() added d(out)/d(inp) = 2*(inp + 1) to inp.grad; the graph was kept."
        else:
            self.message = ("backward() added d(out)/d(inp) = 2*(inp + 1) to inp.grad and freed the graph: "
                            "another backward() will fail.")
        return True

    def zero_grad(self):
        self.history.append("inp.grad.zero_()")
        if self.inp.grad is None:
            self.message = ("inp.grad is None: there is nothing to zero yet (inp.grad.zero_() would raise "
                            "AttributeError). Run backward first.")
            return False
        self.inp.grad.zero_()
        self.message = "inp.grad.zero_() set every entry of inp.grad to 0."
        return True

    def table(self, message=True):
        grad = self.inp.grad
        lines = [f"backward calls: {self.calls}", "inp.grad:", "None" if grad is None else str(grad)]
        if message and self.message:
            lines.append("message: " + self.message.replace("\n", "\n         "))
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# training (seed 003): x = 3, w = 2, b = 1, target 5, SGD([w, b], lr, momentum), MSELoss
# ---------------------------------------------------------------------------------------------

def training_run(lr=0.01, momentum=0.9, zero_grad=True, steps=50, torch=None):
    """Train y = w*x + b towards 5 with SGD; return the history, one dict per state.

    history[k] = {"step": k, "loss": L(w_k, b_k), "w": w_k, "b": b_k, "w_grad": ..., "b_grad": ...}
    for k = 0..steps, where w_k, b_k are the parameters after k optimizer steps and the grads are
    those .grad held when step k+1 was taken (None for the final state).
    """
    lib = _lib(torch)
    nn, optim = _sub(lib, "nn"), _sub(lib, "optim")
    x = lib.tensor(3.0)
    target = lib.tensor(5.0)
    w = lib.tensor(2.0, requires_grad=True)
    b = lib.tensor(1.0, requires_grad=True)
    opt = optim.SGD([w, b], lr=float(lr), momentum=float(momentum))
    criterion = nn.MSELoss()
    history = []
    for k in range(int(steps) + 1):
        if zero_grad:
            opt.zero_grad()
        y = w * x + b
        loss = criterion(y, target)
        entry = {"step": k, "loss": loss.item(), "w": w.item(), "b": b.item(), "w_grad": None, "b_grad": None}
        history.append(entry)
        if k == int(steps):
            break
        loss.backward()
        entry["w_grad"], entry["b_grad"] = w.grad.item(), b.grad.item()
        opt.step()
    return history


def _fixed(v):
    """At most 10 characters, so the table's columns stay aligned: 1.8800, -5.718e+04, inf."""
    if v is None:
        return "None"
    if v != v or v in (float("inf"), float("-inf")):
        return str(v)
    if abs(v) >= 1e4:
        return f"{v:.3e}"
    return f"{v:.4f}"


def training_table(history, first=3, settings=None):
    """First ``first`` steps and the final one: step, loss, w, b."""
    lines = []
    if settings:
        lines.append(", ".join(f"{k}={v}" for k, v in settings.items()))
    lines.append(f"{'step':>4}  {'loss':>10}  {'w':>10}  {'b':>10}")
    shown = history[: first + 1]
    for e in shown:
        lines.append(f"{e['step']:>4}  {_fixed(e['loss']):>10}  {_fixed(e['w']):>10}  {_fixed(e['b']):>10}")
    if len(history) > len(shown):
        if len(history) > len(shown) + 1:
            lines.append(f"{'...':>4}")
        e = history[-1]
        lines.append(f"{e['step']:>4}  {_fixed(e['loss']):>10}  {_fixed(e['w']):>10}  {_fixed(e['b']):>10}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# nn.Sequential (seed 000)
# ---------------------------------------------------------------------------------------------

SEQUENTIAL_PARAMS = ("0.weight", "0.bias", "2.weight", "2.bias")


def sequential_gradients(freeze_0=False, freeze_2=False, input_requires_grad=False, torch=None, seed=0,
                         trace=False):
    """Seed 000's model on seed 000's input; which ``.grad`` are None after ``model(x).sum().backward()``.

    Returns a dict: ``out_requires_grad``, ``out_grad_fn`` (of model(x)), ``grads`` (name -> shape
    tuple or None, for 0.weight, 0.bias, 2.weight, 2.bias and "input"), ``error`` (friendly message
    or None), and ``model``, ``x``, ``y``, ``trace`` for drawing.
    """
    lib = _lib(torch)
    nn = _sub(lib, "nn")
    state = lib.get_rng_state() if hasattr(lib, "get_rng_state") else None
    lib.manual_seed(seed)
    try:
        model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    finally:
        if state is not None:
            lib.set_rng_state(state)
    for p in model[0].parameters():
        p.requires_grad_(not freeze_0)
    for p in model[2].parameters():
        p.requires_grad_(not freeze_2)
    x = lib.tensor([[1.0, -1.0], [1.0, -1.0]], requires_grad=bool(input_requires_grad))
    tr = None
    if trace:
        from teachgrad import viz

        with viz.trace(lib) as tr:
            out = model(x)
            y = out.sum()
    else:
        out = model(x)
        y = out.sum()
    error = None
    try:
        y.backward()
    except RuntimeError as exc:
        error = friendly_error(exc)
    grads = {}
    for name, p in model.named_parameters():
        grads[name] = None if p.grad is None else tuple(p.grad.shape)
    grads["input"] = None if x.grad is None else tuple(x.grad.shape)
    return {
        "out_requires_grad": bool(out.requires_grad),
        "out_grad_fn": _grad_name(out),
        "grads": grads,
        "error": error,
        "model": model,
        "x": x,
        "y": y,
        "trace": tr,
    }


def _shape(s):
    return "(" + ", ".join(str(n) for n in s) + ("," if len(s) == 1 else "") + ")"


def sequential_table(result):
    lines = [f"model(x): requires_grad={result['out_requires_grad']}, grad_fn={result['out_grad_fn']}"]
    for name in SEQUENTIAL_PARAMS + ("input",):
        g = result["grads"][name]
        lines.append(f"{name:<9} {'None' if g is None else 'grad shape ' + _shape(g)}")
    if result["error"]:
        lines.append("y.backward() failed: " + result["error"].split("\n")[0])
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# the widgets
# ---------------------------------------------------------------------------------------------

_CSS = """<style>
.tg-explorer pre { margin: 0; font-size: 12.5px; line-height: 1.35; }
.tg-explorer .tg-table pre { background: #f7f7f7; padding: 6px 10px; border-radius: 4px; }
.tg-explorer .tg-code pre { background: #f3f6fa; padding: 6px 10px; border-radius: 4px; }
.tg-explorer .tg-message pre { white-space: pre-wrap; word-break: normal; overflow-wrap: break-word;
  color: #7a4d00; background: #fff6e0; padding: 4px 8px; border-radius: 4px; }
.tg-explorer .tg-message pre:empty { display: none; }
</style>"""


class _Explorer:
    """Common plumbing: controls dict, safe callbacks, friendly messages, display."""

    name = "Explorer"
    css_class = "tg-explorer"

    def __init__(self, torch=None):
        import ipywidgets as W

        self._W = W
        self.torch = _lib(torch)
        self.controls = {}
        self._message = W.HTML(layout=W.Layout(width="100%"))
        self._message.add_class("tg-message")
        self._table = W.HTML(layout=W.Layout(margin="0 16px 0 16px"))
        self._table.add_class("tg-table")
        self._table_text = ""
        self._fig = None

    # -- building blocks
    def _checkbox(self, name, description, value):
        W = self._W
        cb = W.Checkbox(value=value, description=description, indent=False,
                        layout=W.Layout(width="auto", margin="0 12px 0 0"))
        cb.add_class("tg-" + name)
        self.controls[name] = cb
        cb.observe(lambda change: self._safe(self._update), names="value")
        return cb

    def _button(self, name, description, action):
        W = self._W
        bt = W.Button(description=description, layout=W.Layout(width="auto"))
        bt.add_class("tg-" + name)
        self.controls[name] = bt
        bt.on_click(lambda _b: self._safe(action))
        return bt

    def _image(self, fmt="png"):
        W = self._W
        img = W.Image(format=fmt, layout=W.Layout(max_width="100%", height="auto"))
        img.add_class("tg-plot")
        return img

    def _finish(self, *rows):
        W = self._W
        style = W.HTML(_CSS)
        self.widget = W.VBox([style, *rows, self._message], layout=W.Layout(width="100%"))
        self.widget.add_class(self.css_class)
        self.widget.add_class("tg-" + type(self).__name__)
        self._safe(self._update)

    # -- messages and tables
    def _set_message(self, text):
        self._message.value = f"<pre>{html.escape(text)}</pre>" if text else ""

    def _set_table(self, text, shown=None):
        """``text`` is what table() returns; ``shown`` (default: the same) is what the widget displays."""
        self._table_text = text
        self._table.value = f"<pre>{html.escape(text if shown is None else shown)}</pre>"

    def _safe(self, fn):
        """Run a callback; any exception becomes a message in the widget, never a traceback."""
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - the learner must never see a traceback
            self._set_message("Something went wrong: " + friendly_error(exc))

    def _update(self):
        raise NotImplementedError

    def table(self):
        """The current result as plain text (deterministic; print it in a cell)."""
        return self._table_text

    # -- display: putting the explorer last in a cell shows it
    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        data = self.widget._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        if isinstance(data, tuple):
            data, meta = data
        else:
            meta = None
        data = dict(data)
        data["text/plain"] = f"{type(self).__name__}: an interactive widget (run the notebook in JupyterLab to use it)"
        return (data, meta) if meta is not None else data

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def _figure(self, figsize):
        from matplotlib.figure import Figure

        return Figure(figsize=figsize)


class ChainExplorer(_Explorer):
    """Seed 004's chain with a requires_grad checkbox per leaf and detach / no_grad toggles."""

    def __init__(self, torch=None):
        super().__init__(torch)
        W = self._W
        leaf_boxes = [self._checkbox(f"requires_grad_{k}", k, True) for k in CHAIN_LEAVES]
        cut_boxes = [
            self._checkbox("detach_y", "y.detach()", False),
            self._checkbox("detach_z", "z.detach()", False),
            self._checkbox("no_grad_y", "no_grad around y", False),
            self._checkbox("no_grad_z", "no_grad around z", False),
        ]
        label = lambda s: W.HTML(f"<b>{s}</b>", layout=W.Layout(width="130px"))  # noqa: E731
        self._code = W.HTML()
        self._code.add_class("tg-code")
        self._plot = self._image("svg+xml")
        self.result = None
        self._finish(
            W.HBox([label("requires_grad:"), *leaf_boxes]),
            W.HBox([label("stop gradients:"), *cut_boxes]),
            W.HBox([self._code, self._table], layout=W.Layout(align_items="flex-start")),
            self._plot,
        )

    def _toggles(self):
        c = self.controls
        return dict(
            requires_grad={k: c[f"requires_grad_{k}"].value for k in CHAIN_LEAVES},
            **{k: c[k].value for k in CHAIN_TOGGLES},
        )

    def _update(self):
        r = chain_gradients(torch=self.torch, trace=True, **self._toggles())
        self.result = r
        self._draw()  # first: when the table shows the new state, the drawing already does
        self._code.value = f"<pre>{html.escape(r['code'])}</pre>"
        self._set_table(chain_table(r))
        self._set_message(("w.backward() failed: " + r["error"]) if r["error"] else "")

    def _draw(self):
        from teachgrad import viz

        r = self.result
        names = {k: r["tensors"][k] for k in CHAIN_LEAVES + ("y", "z", "w")}
        self._plot.value = viz.graph_svg(r["tensors"]["w"], trace=r["trace"], names=names).encode()


class AccumulationExplorer(_Explorer):
    """Seed 001: press backward repeatedly and watch inp.grad add up; zero it; retain_graph."""

    def __init__(self, torch=None):
        super().__init__(torch)
        W = self._W
        self.lab = AccumulationLab(self.torch)
        retain = W.Checkbox(value=True, description="retain_graph", indent=False,
                            layout=W.Layout(width="auto", margin="0 12px 0 0"))
        retain.add_class("tg-retain_graph")
        self.controls["retain_graph"] = retain  # read when backward is pressed; no recompute on change
        buttons = [
            self._button("backward", "out.backward(...)", lambda: self._do(self._backward)),
            self._button("zero_grad", "inp.grad.zero_()", lambda: self._do(self.lab.zero_grad)),
            self._button("new_graph", "new graph", lambda: self._do(self.lab.new_graph)),
        ]
        self._plot = self._image()
        self._finish(
            W.HBox([*buttons, retain], layout=W.Layout(align_items="center")),
            W.HBox([self._table, self._plot], layout=W.Layout(align_items="flex-start")),
        )

    def _backward(self):
        self.lab.backward(retain_graph=self.controls["retain_graph"].value)

    def _do(self, action):
        action()
        self._update()

    def _update(self):
        self._draw()
        self._set_table(self.lab.table(), shown=self.lab.table(message=False))
        self._set_message(self.lab.message)

    def _draw(self):
        grad = self.lab.inp.grad
        if self._fig is None:
            self._fig = self._figure((3.0, 2.9))
        fig = self._fig
        fig.clear()
        ax = fig.add_axes((0.05, 0.05, 0.9, 0.82))
        ax.set_xticks([])
        ax.set_yticks([])
        if grad is None:
            ax.set_title("inp.grad is None", fontsize=10)
            ax.imshow([[0.0] * 5] * 5, cmap="Greys", vmin=0, vmax=1)
        else:
            vals = grad.tolist()
            top = max(max(row) for row in vals)
            ax.imshow(vals, cmap="Blues", vmin=0, vmax=max(top, 1e-9) * 1.6)
            for i, row in enumerate(vals):
                for j, v in enumerate(row):
                    ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=9)
            ax.set_title(f"inp.grad after {self.lab.calls} backward call(s)", fontsize=10)
        self._plot.value = _render_png(fig)


class TrainingExplorer(_Explorer):
    """Seed 003's loop: SGD with momentum on y = w*x + b; forget zero_grad and see what happens."""

    def __init__(self, torch=None):
        super().__init__(torch)
        W = self._W
        zero = self._checkbox("zero_grad", "optimizer.zero_grad() each step", True)
        common = dict(continuous_update=False, layout=W.Layout(width="330px"), style={"description_width": "80px"})
        lr = W.FloatLogSlider(value=0.01, base=10, min=-4, max=0, step=0.1, description="lr",
                              readout_format=".4g", **common)
        momentum = W.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01, description="momentum", **common)
        steps = W.IntSlider(value=50, min=1, max=200, description="steps", **common)
        for name, ctl in (("lr", lr), ("momentum", momentum), ("steps", steps)):
            ctl.add_class("tg-" + name)
            self.controls[name] = ctl
            ctl.observe(lambda change: self._safe(self._update), names="value")
        self._plot = self._image()
        self.history = []
        self._finish(
            W.HBox([zero, lr, momentum, steps], layout=W.Layout(flex_flow="row wrap", align_items="center")),
            self._plot,
            self._table,
        )

    def _settings(self):
        c = self.controls
        return dict(lr=float(c["lr"].value), momentum=float(c["momentum"].value),
                    zero_grad=bool(c["zero_grad"].value), steps=int(c["steps"].value))

    def _update(self):
        s = self._settings()
        self.history = training_run(torch=self.torch, **s)
        other = training_run(torch=self.torch, **{**s, "zero_grad": not s["zero_grad"]})
        self._draw(s, other)
        shown = {"zero_grad": s["zero_grad"], "lr": f"{s['lr']:g}", "momentum": f"{s['momentum']:g}",
                 "steps": s["steps"]}
        self._set_table(training_table(self.history, settings=shown))
        final = self.history[-1]["loss"]
        if final != final or final in (float("inf"), float("-inf")) or final > 1e6:
            self._set_message("The loss blew up: the steps overshoot the minimum further each time. "
                              "Lower the learning rate (or momentum), or zero the gradients.")
        elif not s["zero_grad"]:
            self._set_message("Without zero_grad every backward() adds to the old .grad, so each step "
                              "uses the sum of all gradients so far.")
        else:
            self._set_message("")

    def _draw(self, s, other):
        import math

        if self._fig is None:
            self._fig = self._figure((9.0, 3.2))
        fig = self._fig
        fig.clear()
        ax1 = fig.add_axes((0.07, 0.16, 0.40, 0.72))
        ax2 = fig.add_axes((0.57, 0.16, 0.40, 0.72))

        def finite(h):
            return [e for e in h if all(math.isfinite(e[k]) for k in ("loss", "w", "b"))]

        cur, alt = finite(self.history), finite(other)
        label = "with zero_grad" if s["zero_grad"] else "without zero_grad"
        alt_label = "without zero_grad" if s["zero_grad"] else "with zero_grad"
        pos = all(e["loss"] > 0 for e in cur + alt) and (cur or alt)
        ax1.plot([e["step"] for e in alt], [e["loss"] for e in alt], color="#bbbbbb", lw=1.2, ls="--",
                 label=alt_label)
        ax1.plot([e["step"] for e in cur], [e["loss"] for e in cur], color="#1f77b4", lw=1.8, label=label)
        if pos:
            ax1.set_yscale("log")
        ax1.set_xlabel("step")
        ax1.set_title("loss", fontsize=10)
        ax1.legend(fontsize=8, frameon=False)
        ws = [e["w"] for e in cur]
        bs = [e["b"] for e in cur]
        if ws:
            lo_w, hi_w = min(ws + [1.0]), max(ws + [2.2])
            span = hi_w - lo_w
            line_w = [lo_w - 0.1 * span, hi_w + 0.1 * span]
            ax2.plot(line_w, [5 - 3 * v for v in line_w], color="#2ca02c", ls=":", lw=1.2,
                     label="minimum: 3w + b = 5")
            ax2.plot(ws, bs, "-", color="#1f77b4", lw=1.2, marker=".", ms=3)
            ax2.plot(ws[:1], bs[:1], "o", color="black", ms=5, label="start (2, 1)")
            ax2.plot(ws[-1:], bs[-1:], "*", color="#d62728", ms=9, label="end")
            ax2.legend(fontsize=8, frameon=False, loc="best")
        ax2.set_xlabel("w")
        ax2.set_ylabel("b")
        ax2.set_title("(w, b) during training", fontsize=10)
        self._plot.value = _render_png(fig)


class SequentialExplorer(_Explorer):
    """Seed 000's nn.Sequential: freeze layers, let the input require grad, see which grads exist."""

    def __init__(self, torch=None):
        super().__init__(torch)
        W = self._W
        boxes = [
            self._checkbox("freeze_0", "freeze layer 0 (Linear(2, 4))", False),
            self._checkbox("freeze_2", "freeze layer 2 (Linear(4, 1))", False),
            self._checkbox("input_requires_grad", "x.requires_grad", False),
        ]
        self._code = W.HTML()
        self._code.add_class("tg-code")
        self._plot = self._image("svg+xml")
        self.result = None
        self._finish(
            W.HBox(boxes),
            W.HBox([self._code, self._table], layout=W.Layout(align_items="flex-start")),
            self._plot,
        )

    def _update(self):
        c = self.controls
        flags = dict(freeze_0=c["freeze_0"].value, freeze_2=c["freeze_2"].value,
                     input_requires_grad=c["input_requires_grad"].value)
        r = sequential_gradients(torch=self.torch, trace=True, **flags)
        self.result = r
        self._draw()
        code = ["model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))"]
        for i in (0, 2):
            if flags[f"freeze_{i}"]:
                code.append(f"for p in model[{i}].parameters():\n    p.requires_grad = False")
        code.append(f"x = torch.tensor([[1., -1.], [1., -1.]], requires_grad={flags['input_requires_grad']})")
        code.append("y = model(x).sum()\ny.backward()")
        self._code.value = f"<pre>{html.escape(chr(10).join(code))}</pre>"
        self._set_table(sequential_table(r))
        self._set_message(("y.backward() failed: " + r["error"]) if r["error"] else "")

    def _draw(self):
        from teachgrad import viz

        r = self.result
        names = [("x", r["x"]), ("y", r["y"])] + list(r["model"].named_parameters())
        self._plot.value = viz.graph_svg(r["y"], trace=r["trace"], names=names).encode()
