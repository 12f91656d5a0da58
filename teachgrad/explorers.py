"""The experiments behind the lessons' explorers, as plain functions and classes (no widgets).

Every function here runs ordinary PyTorch code on the tensor library passed as ``torch=``
(teachgrad by default; real PyTorch gives the same results), returns plain data, and can be
tested without a browser. :mod:`teachgrad.widgets` puts controls around them.

- the chain ``y = a*x + b; z = c*y + d; w = e*z + f`` of lessons 2, 5 and 8:
  :data:`CHAIN_VALUES`, :data:`CHAIN_GRADS`, :func:`chain_leaves`, :func:`chain_gradients`,
  :func:`chain_table`, :func:`print_chain_grads`;
- gradient accumulation, ``out = (inp + 1).pow(2)`` on ``eye(5)`` (lessons 3 and 4):
  :class:`AccumulationLab`;
- the one-parameter-pair training loop with SGD and momentum (lesson 4): :func:`training_run`,
  :func:`training_table`;
- ``nn.Sequential`` on an input that does not require grad (lesson 6): :func:`sequential_gradients`,
  :func:`sequential_table`;
- the models the lessons define in their own cells, kept here too (as d2l keeps its ``#@save``
  code) so that exercise checks work after a kernel restart: lesson 6's :func:`mlp_net` and
  lesson 7's :func:`make_model`;
- the engine's own backward loop, one node at a time (lesson 8, teachgrad only): :class:`BackwardSteps`,
  :func:`diamond`;
- the field guide to autograd's complaints (lesson 9): :data:`FIELD_GUIDE` (each message with the code
  that triggers it and the code fixed), :func:`field_guide_run`, :func:`field_guide_table`, and the
  lesson's helpers :func:`graph_nodes`, :func:`nodes_named` and :class:`printed_warnings`;
- gradients through a deep stack (lesson 10): :func:`deep_stack`, :func:`layer_grad_norms`,
  :func:`gradient_flow`, :func:`flow_verdict`, :func:`flow_verdict_key`, :func:`gradient_flow_table`;
- errors explained in a line: :func:`friendly_error`.

Tables and messages follow :func:`teachgrad.set_language`; PyTorch's own messages stay as PyTorch
prints them.
"""

import importlib

import re

from .language import display_width, get_language, pad, pick

__all__ = [
    "CHAIN_LEAVES", "CHAIN_VALUES", "CHAIN_GRADS", "CHAIN_TOGGLES", "chain_leaves", "chain_code",
    "chain_gradients", "chain_table", "print_chain_grads", "AccumulationLab", "training_run",
    "training_table", "SEQUENTIAL_PARAMS", "sequential_gradients", "sequential_table", "mlp_net", "make_model",
    "friendly_error", "BackwardSteps", "diamond", "graph_nodes", "nodes_named", "printed_warnings", "warning_text",
    "FieldGuideCase", "FIELD_GUIDE", "FIELD_GUIDE_KEYS", "field_guide_case", "field_guide_run",
    "field_guide_table", "ACTIVATIONS", "INITS", "INIT_LABELS", "deep_stack", "layer_grad_norms",
    "gradient_flow", "flow_verdict", "flow_verdict_key", "gradient_flow_table", "init_label",
]


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
     "earlier backward(), or build the graph again (new graph).",
     "前回の backward() が、グラフに保存されていた値を解放しました。1 回目の backward() を押す前に retain_graph に"
     "チェックを入れるか、「新しいグラフ」を押して計算グラフを作り直してください。"),
    ("does not require grad and does not have a grad_fn",
     "Nothing in this computation requires grad, so there is no graph to go backward through.",
     "この計算には requires_grad が True のテンソルがないので、逆伝播でたどる計算グラフがありません。"),
    ("grad can be implicitly created only for scalar outputs",
     "backward() without an argument works only for a single number; pass a gradient of the "
     "output's shape.",
     "引数なしの backward() はスカラー（要素 1 つ）にしか使えません。出力と同じ形状の勾配を渡してください。"),
    ("you can only change requires_grad flags of leaf variables",
     "Only leaves (tensors you created) have a requires_grad flag you can set; use .detach() for a "
     "computed tensor.",
     "requires_grad フラグを変更できるのは葉テンソル（自分で作ったテンソル）だけです。計算結果のテンソルには "
     ".detach() を使ってください。"),
)


def friendly_error(exc):
    """``"RuntimeError: <PyTorch's message>"`` plus a one-line explanation when we know one."""
    text = f"{type(exc).__name__}: {exc}"
    for needle, explanation, explanation_ja in _EXPLANATIONS:
        if needle in str(exc):
            return f"{text}\n{pick(explanation, ja=explanation_ja)}"
    return text


def _grad_name(t):
    fn = t.grad_fn
    return None if fn is None else fn.name()


# ---------------------------------------------------------------------------------------------
# the chain: y = a*x + b, z = c*y + d, w = e*z + f
# ---------------------------------------------------------------------------------------------

CHAIN_LEAVES = ("a", "b", "c", "d", "e", "f", "x")
CHAIN_VALUES = {"a": 2.0, "b": 3.0, "c": 5.0, "d": 7.0, "e": 11.0, "f": 13.0, "x": 17.0}
# dw/dleaf when nothing is blocked (lesson 2 derives them by hand)
CHAIN_GRADS = {"a": 935.0, "b": 55.0, "c": 407.0, "d": 11.0, "e": 192.0, "f": 1.0, "x": 110.0}
CHAIN_TOGGLES = ("detach_y", "detach_z", "no_grad_y", "no_grad_z")


def chain_leaves(torch=None, requires_grad=True):
    """Seven new leaf tensors a, b, c, d, e, f, x (2, 3, 5, 7, 11, 13, 17), in that order."""
    lib = _lib(torch)
    return [lib.tensor(CHAIN_VALUES[k], requires_grad=requires_grad) for k in CHAIN_LEAVES]


def print_chain_grads(leaves, y, z, w):
    """Print y, z, w and each leaf's .grad beside its value in the plain (unblocked) chain."""
    for name, t in (("y", y), ("z", z), ("w", w)):
        print(f"{name} = {t.item():6.1f}   requires_grad={t.requires_grad}")
    print(pick(f"{'leaf':<6}{'.grad':<16}plain chain", ja=f"{pad('葉', 6)}{'.grad':<16}何も止めない場合"))
    for name, t in zip(CHAIN_LEAVES, leaves):
        print(f"{name:<6}{str(t.grad):<16}{CHAIN_GRADS[name]}")


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
    """Run the chain with these toggles and report what backward did.

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
        rows.append(_failed("w.backward()") + result["error"].split("\n")[0])
    return "\n".join(rows)


def _failed(call):
    """``"w.backward() failed: "``: the start of a line that reports an error."""
    return pick(f"{call} failed: ", ja=f"{call} が失敗しました: ")


# ---------------------------------------------------------------------------------------------
# accumulation: inp = eye(5, requires_grad=True); out = (inp + 1).pow(2)
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
        self.message = pick("out = (inp + 1).pow(2) built; inp.grad is None until the first backward().",
                            ja="out = (inp + 1).pow(2) を作りました。最初の backward() までは inp.grad は None です。")

    def new_graph(self):
        self.out = (self.inp + 1).pow(2)
        self.history.append("out = (inp + 1).pow(2)")
        self.message = pick("New graph: out = (inp + 1).pow(2). inp.grad is kept: only zeroing clears it.",
                            ja="新しいグラフ: out = (inp + 1).pow(2)。inp.grad はそのまま残ります。"
                               "消えるのはゼロにしたときだけです。")

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
            self.message = pick("backward() added d(out)/d(inp) = 2*(inp + 1) to inp.grad; the graph was kept.",
                                ja="backward() が d(out)/d(inp) = 2*(inp + 1) を inp.grad に足しました。"
                                   "グラフは残っています。")
        else:
            self.message = pick("backward() added d(out)/d(inp) = 2*(inp + 1) to inp.grad and freed the graph: "
                                "another backward() will fail.",
                                ja="backward() が d(out)/d(inp) = 2*(inp + 1) を inp.grad に足し、グラフを"
                                   "解放しました。もう一度 backward() を呼ぶと失敗します。")
        return True

    def zero_grad(self):
        self.history.append("inp.grad.zero_()")
        if self.inp.grad is None:
            self.message = pick("inp.grad is None: there is nothing to zero yet (inp.grad.zero_() would raise "
                                "AttributeError). Run backward first.",
                                ja="inp.grad は None なので、まだゼロにするものがありません（inp.grad.zero_() は "
                                   "AttributeError になります）。先に backward を実行してください。")
            return False
        self.inp.grad.zero_()
        self.message = pick("inp.grad.zero_() set every entry of inp.grad to 0.",
                            ja="inp.grad.zero_() が inp.grad の要素をすべて 0 にしました。")
        return True

    def grad_values(self):
        """inp.grad as nested lists, or None."""
        grad = self.inp.grad
        return None if grad is None else grad.tolist()

    def table(self, message=True):
        grad = self.inp.grad
        lines = [pick(f"backward calls: {self.calls}", ja=f"backward の呼び出し回数: {self.calls}"), "inp.grad:",
                 "None" if grad is None else str(grad)]
        if message and self.message:
            head = pick("message: ", ja="メッセージ: ")
            lines.append(head + self.message.replace("\n", "\n" + " " * display_width(head)))
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# training: x = 3, w = 2, b = 1, target 5, SGD([w, b], lr, momentum), MSELoss
# ---------------------------------------------------------------------------------------------

def training_run(lr=0.01, momentum=0.9, zero_grad=True, steps=50, torch=None):
    """Train y = w*x + b towards 5 with SGD; return one dict per step.

    Step k (1..steps) is one pass of the loop: ``{"step": k, "loss": ..., "w_grad": ...,
    "b_grad": ..., "w": ..., "b": ...}`` where the loss and the gradients are those the optimizer
    used at step k (computed before its update) and w, b are the values after the update.
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
    for k in range(1, int(steps) + 1):
        if zero_grad:
            opt.zero_grad()
        loss = criterion(w * x + b, target)
        loss.backward()
        entry = {"step": k, "loss": loss.item(), "w_grad": w.grad.item(), "b_grad": b.grad.item()}
        opt.step()
        entry["w"], entry["b"] = w.item(), b.item()
        history.append(entry)
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
    """The first ``first`` steps and the last one: step, loss, w.grad, and w, b after the step."""
    lines = []
    if settings:
        lines.append(", ".join(f"{k}={v}" for k, v in settings.items()))
    cols = ("loss", "w_grad", "w", "b")
    step_label, loss_label = pick("step", ja="ステップ"), pick("loss", ja="損失")
    width = max(4, display_width(step_label))
    lines.append(f"{pad(step_label, width, '>')}  {pad(loss_label, 10, '>')}  {'w.grad':>10}  {'w':>10}  {'b':>10}")

    def row(e):
        return f"{e['step']:>{width}}  " + "  ".join(f"{_fixed(e[c]):>10}" for c in cols)

    shown = history[:first]
    lines.extend(row(e) for e in shown)
    if len(history) > len(shown):
        if len(history) > len(shown) + 1:
            lines.append(f"{'...':>{width}}")
        lines.append(row(history[-1]))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# nn.Sequential on an input that does not require grad
# ---------------------------------------------------------------------------------------------

SEQUENTIAL_PARAMS = ("0.weight", "0.bias", "2.weight", "2.bias")


def sequential_gradients(freeze_0=False, freeze_2=False, input_requires_grad=False, torch=None, seed=0,
                         trace=False):
    """``nn.Sequential(Linear(2, 4), ReLU(), Linear(4, 1))`` on ``[[1, -1], [1, -1]]``: which
    ``.grad`` are None after ``model(x).sum().backward()``.

    Returns a dict: ``out_requires_grad``, ``out_grad_fn`` (of model(x)), ``grads`` (name -> shape
    tuple or None, for 0.weight, 0.bias, 2.weight, 2.bias and "input"), ``error`` (friendly message
    or None), ``code`` (the code run), and ``model``, ``x``, ``y``, ``trace`` for drawing.
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
    code = ["model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))"]
    for i, frozen in ((0, freeze_0), (2, freeze_2)):
        if frozen:
            code.append(f"for p in model[{i}].parameters():\n    p.requires_grad = False")
    code.append(f"x = torch.tensor([[1., -1.], [1., -1.]], requires_grad={bool(input_requires_grad)})")
    code.append("y = model(x).sum()\ny.backward()")
    return {
        "out_requires_grad": bool(out.requires_grad),
        "out_grad_fn": _grad_name(out),
        "grads": grads,
        "error": error,
        "code": "\n".join(code),
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
        label = pick("input", ja="入力") if name == "input" else name
        lines.append(f"{pad(label, 9)} {'None' if g is None else pick('grad shape ', ja='grad の形状 ') + _shape(g)}")
    if result["error"]:
        lines.append(_failed("y.backward()") + result["error"].split("\n")[0])
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# the models of lessons 6 and 7 (the same code as the lessons' cells; tests/test_checks.py compares)
# ---------------------------------------------------------------------------------------------

def mlp_net(torch=None):
    """A new ``MLPNet`` of lesson 6: the gradient-update article's network for 28x28 digits
    (``fc1`` 784 -> 512, ``fc2`` 512 -> 512, ``fc3`` 512 -> 10, dropout 0.2 after the first two)."""
    lib = _lib(torch)
    nn, F = _sub(lib, "nn"), _sub(lib, "nn.functional")

    class MLPNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(1 * 28 * 28, 512)
            self.fc2 = nn.Linear(512, 512)
            self.fc3 = nn.Linear(512, 10)
            self.dropout1 = nn.Dropout(0.2)
            self.dropout2 = nn.Dropout(0.2)

        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = self.dropout1(x)
            x = F.relu(self.fc2(x))
            x = self.dropout2(x)
            return F.relu(self.fc3(x))

    return MLPNet()


def make_model(dropout=0.0, torch=None):
    """Lesson 7's regression model: one hidden layer of 32 tanh units, with a Dropout layer."""
    nn = _sub(_lib(torch), "nn")
    return nn.Sequential(
        nn.Linear(1, 32),
        nn.Tanh(),
        nn.Dropout(p=dropout),
        nn.Linear(32, 1),
    )


# ---------------------------------------------------------------------------------------------
# the backward loop, one node at a time (teachgrad's own engine: teachgrad.graph.step_through)
# ---------------------------------------------------------------------------------------------

def diamond(torch=None):
    """Lesson 8's diamond: ``h = a2 * x2`` is used twice, ``out = h * b2 + h * c2``.

    Returns ``(out, names)``, names mapping "out", "hb", "hc", "h", "a2", "x2", "b2", "c2" to the
    tensors. The node of ``h`` receives two gradients (7 from ``hc``, 5 from ``hb``) before it runs.
    """
    lib = _lib(torch)
    a2 = lib.tensor(2.0, requires_grad=True)
    x2 = lib.tensor(3.0, requires_grad=True)
    b2 = lib.tensor(5.0, requires_grad=True)
    c2 = lib.tensor(7.0, requires_grad=True)
    h = a2 * x2
    hb = h * b2
    hc = h * c2
    out = hb + hc
    return out, {"out": out, "hb": hb, "hc": hc, "h": h, "a2": a2, "x2": x2, "b2": b2, "c2": c2}


def _value(array):
    """A gradient array as the tables show it: 7.0 for one element, else its list of values."""
    flat = array.reshape(-1).tolist()
    return float(flat[0]) if len(flat) == 1 else flat


def _grad_text(v):
    return _num(v) if v is None or isinstance(v, (int, float)) else str(v)


class BackwardSteps:
    """``out.backward()`` run by teachgrad's engine one node per :meth:`step`.

    ``build()`` returns ``(out, names)`` (see :func:`diamond`); the graph is built anew by
    :meth:`reset`, because a backward pass frees it. The steps are those of
    ``teachgrad.graph.step_through(out)`` -- the very loop ``backward()`` runs -- so ``pending`` is the
    engine's own table of gradients waiting for a node: it fills as nodes send gradients to their
    inputs and empties as those nodes run.
    """

    def __init__(self, build=diamond):
        self._build = build
        self.reset()

    def reset(self):
        from teachgrad import graph

        self.out, self.names = self._build()
        self.order = graph.topological_order([self.out.grad_fn])  # the order the loop will follow
        self._steps = graph.step_through(self.out)
        self.done = []  # per node run: (node, gradient received, [(input node, gradient sent), ...])
        self.pending = {}  # after the last step: node -> gradient waiting for it
        self.finished = False

    def step(self):
        """Run the next node; False when the pass is over."""
        if self.finished:
            return False
        step = next(self._steps, None)
        if step is None:
            self.finished = True
            return False
        node, grad, input_grads, pending = step
        sent = [(child, _value(g)) for (child, _), g in zip(node.next_functions, input_grads)
                if child is not None and g is not None]
        self.done.append((node, _value(grad), sent))
        self.pending = {n: _value(g) for n, g in pending.items()}
        if len(self.done) == len(self.order) and not self.pending:
            self.finished = True
        return True

    def run(self):
        while self.step():
            pass

    def label(self, node):
        """``MulBackward0 -> hc`` for the node that made ``hc``, ``AccumulateGrad -> c2.grad`` for a leaf's."""
        for name, t in self.names.items():
            if node is t.grad_fn:
                return f"{node.name()} -> {name}"
            if getattr(node, "variable", None) is t:
                return f"AccumulateGrad -> {name}.grad"
        return node.name()

    def _short(self, node):
        label = self.label(node)
        return label.split(" -> ")[1] if " -> " in label else label

    def next_node(self):
        """The node the next step runs (the first in the order that holds a pending gradient)."""
        if self.finished:
            return None
        if not self.done:
            return self.order[0]
        return next((n for n in self.order if n in self.pending), None)

    def marks(self):
        """For viz.graph_svg(marks=...): done nodes, pending gradients, the next node."""
        marks = {node: ("done", pick(f"received {_grad_text(grad)}", ja=f"受け取った勾配 {_grad_text(grad)}"))
                 for node, grad, _ in self.done}
        for node, grad in self.pending.items():
            marks[node] = ("pending", pick(f"pending {_grad_text(grad)}", ja=f"待機中 {_grad_text(grad)}"))
        nxt = self.next_node()
        if nxt is not None:
            note = marks.get(nxt, (None, pick("gets the output's gradient, 1.0", ja="出力の勾配 1.0 を受け取る")))[1]
            marks[nxt] = ("next", note)
        return marks

    def table(self):
        ran = {node: (grad, sent) for node, grad, sent in self.done}
        nxt = self.next_node()
        done, total = len(self.done), len(self.order)
        lines = [pick(f"ran {done} of {total} nodes" + (" - backward is done" if self.finished else ""),
                      ja=f"{total} ノード中 {done} ノードを実行" + ("（逆伝播は完了）" if self.finished else ""))]
        width = max(len(self.label(n)) for n in self.order)
        for i, node in enumerate(self.order, 1):
            if node in ran:
                grad, sent = ran[node]
                to = pick(", ", ja="、").join(pick(f"{_grad_text(g)} to {self._short(c)}", ja=f"{self._short(c)} へ {_grad_text(g)}")
                               for c, g in sent)
                what = (pick(f"received {_grad_text(grad)}", ja=f"受け取り {_grad_text(grad)}")
                        + (pick(f", sent {to}", ja=f"、送信 {to}") if to else ""))
                state = pick("done", ja="済み")
            else:
                what = (pick(f"pending {_grad_text(self.pending[node])}", ja=f"待機中 {_grad_text(self.pending[node])}")
                        if node in self.pending else "")
                state = pick("next ->", ja="次 ->") if node is nxt else ""
            lines.append(f"{pad(state, 7)} {i}. {self.label(node):<{width}}  {what}".rstrip())
        waiting = ", ".join(f"{self._short(n)}: {_grad_text(g)}" for n, g in self.pending.items())
        lines.append(f"pending: {{{waiting}}}")
        leaves = [(name, t) for name, t in self.names.items() if t.grad_fn is None and t.requires_grad]
        lines.append(pick("leaf .grad: ", ja="葉の .grad: ")
                     + ", ".join(f"{name}={_grad_text(None if t.grad is None else t.grad.item())}" for name, t in leaves))
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# lesson 9: the field guide to autograd's complaints
# ---------------------------------------------------------------------------------------------

def graph_nodes(t):
    """How many backward nodes the graph behind ``t`` holds (0 for a number or a tensor without history).

    Walks ``grad_fn.next_functions`` from ``t`` and counts every distinct node once, the leaves'
    ``AccumulateGrad`` nodes included: the memory a graph keeps alive grows with this count.
    """
    fn = getattr(t, "grad_fn", None)
    seen, stack = set(), [fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(child for child, _ in node.next_functions)
    return len(seen)


class printed_warnings:
    """``with printed_warnings():`` runs the block and then prints each warning it raised, as
    ``UserWarning: <message>`` wrapped at ``width`` columns, so a lesson shows a warning's text as an
    ordinary output (the same with teachgrad and with PyTorch). PyTorch's note on where in its C++
    source a warning was triggered is left out."""

    def __init__(self, width=100):
        self.width = width

    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings(record=True)
        self.caught = self._catch.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        self._catch.__exit__(*exc)
        for w in self.caught:
            print(warning_text(w, self.width))
        return False


def warning_text(w, width=None):
    """``"UserWarning: <message>"`` for a caught warning, without PyTorch's "(Triggered internally
    at ...)" note; wrapped at ``width`` columns when given."""
    import textwrap

    message = str(w.message).split(" (Triggered internally at")[0]
    text = f"{w.category.__name__}: {message}"
    return textwrap.fill(text, width, break_on_hyphens=False) if width else text


class FieldGuideCase:
    """One complaint of lesson 9: the code that triggers it and the same code fixed.

    key        a short name ("no-grad", "version", ...)
    message    what the learner sees, as they would paste it
    anchor     the id of the lesson's section about it
    broken     code that triggers it; ``fixed``: the same code with the fix (lines marked ``# fix``)
    draw       names of tensors in the code, the first one that exists is drawn
    protects   what autograd was protecting, in a sentence
    remedy     what the fix does, in a sentence
    marks      ``marks(ns)`` -> ``{node or tensor: (state, note)}`` for the drawing of the broken code

    ``message`` (where it is ours, not PyTorch's), ``protects``, ``remedy`` and the drawing's notes follow
    :func:`teachgrad.set_language` (:data:`_FIELD_GUIDE_JA`); so do the code's comments and the labels
    it prints in :func:`field_guide_run`.
    """

    def __init__(self, key, message, anchor, broken, fixed, draw, protects, remedy, marks=None):
        self.key, self._message, self.anchor = key, message, anchor
        self.broken, self.fixed = broken.strip("\n"), fixed.strip("\n")
        self.draw, self._protects, self._remedy = tuple(draw), protects, remedy
        self._marks = marks

    def _text(self, field, english):
        return pick(english, ja=_FIELD_GUIDE_JA.get(self.key, {}).get(field, english))

    @property
    def message(self):
        return self._text("message", self._message)

    @property
    def protects(self):
        return self._text("protects", self._protects)

    @property
    def remedy(self):
        return self._text("remedy", self._remedy)

    def marks(self, ns):
        if self._marks is None:
            return {}
        try:
            marks = self._marks(ns)
        except Exception:  # noqa: BLE001 - a drawing without notes is still a drawing
            return {}
        return {node: (state, _note_text(note)) for node, (state, note) in marks.items()}

    def __repr__(self):
        return f"FieldGuideCase({self.key!r})"


def nodes_named(t, name):
    """The backward nodes called ``name`` (``"TanhBackward0"``) behind tensor ``t``, nearest first."""
    found, seen, todo = [], set(), [getattr(t, "grad_fn", None)]
    while todo:
        node = todo.pop(0)
        if node is None or node in seen:
            continue
        seen.add(node)
        if node.name() == name:
            found.append(node)
        todo.extend(child for child, _ in node.next_functions)
    return found


FIELD_GUIDE = [
    FieldGuideCase(
        "no-grad", "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn",
        "no-grad", """
torch.manual_seed(0)
model = nn.Linear(3, 1)
x = torch.tensor([[1., 2., 3.]])
with torch.no_grad():                  # copied from the evaluation code
    loss = model(x).pow(2).mean()
loss.backward()
print("model.weight.grad:", model.weight.grad)
""", """
torch.manual_seed(0)
model = nn.Linear(3, 1)
x = torch.tensor([[1., 2., 3.]])
loss = model(x).pow(2).mean()          # fix: the training step records its graph
loss.backward()
print("model.weight.grad:", model.weight.grad)
""", ("loss",),
        "Nothing was recorded under no_grad, so loss has no grad_fn: there is no graph to go back through.",
        "Outside no_grad the forward pass is recorded and backward reaches the weights.",
        lambda ns: {ns["loss"]: ("error", "nothing to go back through")}),
    FieldGuideCase(
        "non-scalar", "RuntimeError: grad can be implicitly created only for scalar outputs", "non-scalar", """
x = torch.tensor([1., 2., 3.])
target = torch.tensor([2., 2., 2.])
w = torch.tensor(0.5, requires_grad=True)
loss = (w * x - target) ** 2           # one loss per sample: shape (3,)
loss.backward()
print("w.grad:", w.grad)
""", """
x = torch.tensor([1., 2., 3.])
target = torch.tensor([2., 2., 2.])
w = torch.tensor(0.5, requires_grad=True)
loss = ((w * x - target) ** 2).mean()  # fix: one number to differentiate
loss.backward()
print("w.grad:", w.grad)
""", ("loss",),
        "backward() starts from d(loss)/d(loss) = 1, which only makes sense for a single number; for three "
        "numbers it would have to guess how to weigh them.",
        "Reducing with .mean() (or .sum()) makes the loss one number; backward(v) would name the weights instead.",
        lambda ns: {ns["loss"]: ("error", "shape (3,): not one number")}),
    FieldGuideCase(
        "second-backward", "RuntimeError: Trying to backward through the graph a second time (or directly access "
        "saved tensors after they have already been freed).", "second-backward", """
torch.manual_seed(0)
w = torch.tensor(0.5, requires_grad=True)
h = torch.zeros(1)
for step in range(2):
    h = torch.tanh(w * h + torch.randn(1))   # h brings the previous step's graph along
    loss = (h - 1).pow(2).sum()
    loss.backward()
    print("step", step, "w.grad:", w.grad)
""", """
torch.manual_seed(0)
w = torch.tensor(0.5, requires_grad=True)
h = torch.zeros(1)
for step in range(2):
    h = torch.tanh(w * h.detach() + torch.randn(1))   # fix: start from h's value only
    loss = (h - 1).pow(2).sum()
    loss.backward()
    print("step", step, "w.grad:", w.grad)
""", ("loss",),
        "Step 0's backward() freed the values step 0's nodes had saved; step 1's graph runs into them "
        "through h, and they are gone.",
        "h.detach() keeps h's value but not its history, so each step's backward stops at its own step.",
        lambda ns: {nodes_named(ns["loss"], "TanhBackward0")[1]: ("error", "step 0: saved values freed")}),
    FieldGuideCase(
        "leaf-in-place", "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.",
        "leaf-in-place", """
w = torch.tensor([1., 2., 3.], requires_grad=True)
loss = (w * w).sum()
loss.backward()
w -= 0.1 * w.grad                      # one SGD step by hand
print("w:", w)
""", """
w = torch.tensor([1., 2., 3.], requires_grad=True)
loss = (w * w).sum()
loss.backward()
with torch.no_grad():                  # fix: an update is not part of the model
    w -= 0.1 * w.grad
print("w:", w)
""", ("loss",),
        "w is a leaf that requires grad, where backward collects .grad; recorded, the update would turn "
        "it into a computed tensor.",
        "Under no_grad the update changes w's values and nothing else: w stays a leaf that requires grad.",
        lambda ns: {ns["w"]: ("error", "a leaf: not changed in place")}),
    FieldGuideCase(
        "version", "RuntimeError: one of the variables needed for gradient computation has been modified by an "
        "inplace operation", "version", """
a = torch.tensor([-1., 2., 3.], requires_grad=True)
s = torch.sigmoid(a)                   # sigmoid saves its output s for backward
out = nn.ReLU(inplace=True)(s)         # ... and this overwrites s: s._version 0 -> 1
out.sum().backward()
print("a.grad:", a.grad)
""", """
a = torch.tensor([-1., 2., 3.], requires_grad=True)
s = torch.sigmoid(a)
out = nn.ReLU()(s)                     # fix: a new tensor, s stays as saved
out.sum().backward()
print("a.grad:", a.grad)
""", ("out",),
        "Sigmoid's backward needs the s it produced (its derivative is s * (1 - s)); s was overwritten, "
        "and the version counter says so.",
        "An out-of-place ReLU writes a new tensor, so the saved s is still the s of the forward pass.",
        lambda ns: {nodes_named(ns["out"], "SigmoidBackward0")[0]: ("error", "saved s at version 0, now 1")}),
    FieldGuideCase(
        "numpy", "RuntimeError: Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
        "numpy", """
w = torch.tensor([0.5, -1.0], requires_grad=True)
pred = w * 2
print(pred.numpy())
""", """
w = torch.tensor([0.5, -1.0], requires_grad=True)
pred = w * 2
print(pred.detach().numpy())           # fix: the values, without the history
""", ("pred",),
        "A NumPy array shares pred's memory but knows nothing of autograd: changes made through it would "
        "go unnoticed by the graph.",
        "detach() gives a tensor without history over the same numbers; its .numpy() is safe.",
        lambda ns: {ns["pred"]: ("error", "part of a graph")}),
    FieldGuideCase(
        "non-leaf-flag", "RuntimeError: you can only change requires_grad flags of leaf variables.", "non-leaf-flag", """
torch.manual_seed(0)
encoder = nn.Linear(3, 2)
features = encoder(torch.ones(1, 3))
features.requires_grad = False         # meant: do not train the encoder through this
print(features.requires_grad)
""", """
torch.manual_seed(0)
encoder = nn.Linear(3, 2)
features = encoder(torch.ones(1, 3)).detach()   # fix: a new tensor without history
print(features.requires_grad, features.is_leaf)
""", ("features",),
        "features was computed: its requires_grad follows from its inputs and cannot be switched off.",
        "detach() returns a new leaf with the same values that does not require grad.",
        lambda ns: {ns["features"]: ("error", "computed, not a leaf")}),
    FieldGuideCase(
        "integer", "RuntimeError: Only Tensors of floating point and complex dtype can require gradients",
        "integer", """
x = torch.tensor([1, 2, 3], requires_grad=True)
print(x.dtype)
""", """
x = torch.tensor([1., 2., 3.], requires_grad=True)   # fix: floats
print(x.dtype)
""", ("x",),
        "A gradient is a rate of change; integers cannot change by a little, so they cannot have one.",
        "Written with decimal points the values are float32, which can require grad.",
        None),
    FieldGuideCase(
        "mat-shapes", "RuntimeError: mat1 and mat2 shapes cannot be multiplied (224x28 and 784x10)", "mat-shapes", """
torch.manual_seed(0)
model = nn.Linear(784, 10)
images = torch.randn(8, 1, 28, 28)     # a batch of 8 grey 28x28 images
logits = model(images)
print(logits.shape)
""", """
torch.manual_seed(0)
model = nn.Linear(784, 10)
images = torch.randn(8, 1, 28, 28)
logits = model(images.flatten(1))      # fix: one row of 784 numbers per image
print(logits.shape)
""", ("logits",),
        "Linear multiplies the last dimension (28) by its weight, which expects 784 numbers per row.",
        "flatten(1) keeps the batch dimension and turns each image into 784 numbers.",
        None),
    FieldGuideCase(
        "broadcast", "RuntimeError: The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
        "dimension 1", "broadcast", """
torch.manual_seed(0)
x = torch.randn(4, 3, requires_grad=True)   # 4 samples, 3 features
m = x.mean(dim=1)                      # one mean per sample: shape (4,)
centered = x - m
print(centered.shape)
""", """
torch.manual_seed(0)
x = torch.randn(4, 3, requires_grad=True)
m = x.mean(dim=1, keepdim=True)        # fix: shape (4, 1) lines up with the samples
centered = x - m
print(centered.shape)
""", ("centered", "m"),
        "Broadcasting lines shapes up from the right: (4, 3) against (4,) pairs 3 with 4.",
        "keepdim=True keeps m's shape (4, 1), which broadcasts along each sample's row.",
        lambda ns: {ns["m"]: ("error", "shape (4,) against (4, 3)")}),
    FieldGuideCase(
        "dtype", "RuntimeError: Found dtype Double but expected Float", "dtype", """
import numpy as np
torch.manual_seed(0)
model = nn.Linear(2, 1)
x = torch.tensor([[0., 1.], [1., 0.]])
target = torch.from_numpy(np.array([[1.], [0.]]))   # NumPy makes float64
prob = torch.sigmoid(model(x))
loss = nn.BCELoss()(prob, target)
loss.backward()
print(loss.dtype, model.weight.grad.dtype)
""", """
import numpy as np
torch.manual_seed(0)
model = nn.Linear(2, 1)
x = torch.tensor([[0., 1.], [1., 0.]])
target = torch.from_numpy(np.array([[1.], [0.]])).float()   # fix: float32 like the model
prob = torch.sigmoid(model(x))
loss = nn.BCELoss()(prob, target)
loss.backward()
print(loss.dtype, model.weight.grad.dtype)
""", ("loss", "prob"),
        "The model computes in float32 and the target came from NumPy as float64; BCELoss wants both the same.",
        ".float() converts the target to float32 once, where the data is loaded.",
        lambda ns: {ns["prob"]: ("error", "float32, target float64")}),
    FieldGuideCase(
        "non-leaf-grad", "UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is being accessed.",
        "non-leaf-grad", """
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True).to(torch.float64)   # on a GPU: .to("cuda")
loss = (w * w).sum()
loss.backward()
print("w.is_leaf:", w.is_leaf)
print("w.grad:", w.grad)
""", """
torch.manual_seed(0)
w = torch.randn(3, dtype=torch.float64, requires_grad=True)   # fix: made where it lives
loss = (w * w).sum()
loss.backward()
print("w.is_leaf:", w.is_leaf)
print("w.grad:", w.grad)
""", ("loss",),
        "The tensor that requires grad is the one randn made; w is a copy computed from it, and backward "
        "fills .grad only on leaves.",
        "Created with its dtype (or device) directly, w is itself the leaf, and its .grad fills.",
        lambda ns: {ns["w"]: ("error", "not a leaf: made by .to()")}),
    FieldGuideCase(
        "total-loss", "(no message) memory grows with every iteration: total_loss += loss", "total-loss", """
torch.manual_seed(0)
model = nn.Linear(3, 1)
total_loss = 0
for step in range(3):
    loss = nn.functional.mse_loss(model(torch.randn(8, 3)), torch.randn(8, 1))
    loss.backward()
    total_loss += loss                 # a tensor: keeps this step's graph alive
    print("step", step, "graph nodes kept:", graph_nodes(total_loss))
""", """
torch.manual_seed(0)
model = nn.Linear(3, 1)
total_loss = 0
for step in range(3):
    loss = nn.functional.mse_loss(model(torch.randn(8, 3)), torch.randn(8, 1))
    loss.backward()
    total_loss += loss.item()          # fix: a Python number, no graph
    print("step", step, "graph nodes kept:", graph_nodes(total_loss))
""", ("total_loss", "loss"),
        "total_loss is a tensor computed from every step's loss, so every step's graph stays reachable from it.",
        "loss.item() is a Python float: adding it up keeps no graph at all.",
        lambda ns: {ns["total_loss"]: ("error", f"{graph_nodes(ns['total_loss'])} nodes kept alive")}),
]
FIELD_GUIDE_KEYS = tuple(case.key for case in FIELD_GUIDE)

# The field guide in Japanese: per case, our message (PyTorch's stay as PyTorch writes them), what
# autograd was protecting and what the fix does; the drawing's notes; the code's comments and labels.
_FIELD_GUIDE_JA = {
    "no-grad": {
        "protects": "no_grad の中では何も記録されないので、loss には grad_fn がありません。逆にたどる計算グラフがないのです。",
        "remedy": "no_grad の外では順伝播が記録され、backward が重みまで届きます。",
    },
    "non-scalar": {
        "protects": "backward() は d(loss)/d(loss) = 1 から始めますが、これは数値が 1 つのときにしか意味を持ちません。"
                    "数値が 3 つあると、それぞれをどう重み付けするかを推測しなければならなくなります。",
        "remedy": ".mean()（または .sum()）でまとめると損失は数値 1 つになります。backward(v) なら、重みを v として"
                  "自分で指定します。",
    },
    "second-backward": {
        "protects": "ステップ 0 の backward() が、ステップ 0 のノードが保存していた値を解放しました。ステップ 1 の"
                    "計算グラフは h を通ってそのノードに行き当たりますが、値はもうありません。",
        "remedy": "h.detach() は h の値を残して履歴を捨てるので、各ステップの backward はそのステップの中で止まります。",
    },
    "leaf-in-place": {
        "protects": "w は勾配を必要とする葉テンソルで、backward が .grad を集める場所です。更新が記録されると、w は"
                    "計算されたテンソルに変わってしまいます。",
        "remedy": "no_grad の中なら、更新は w の値を変えるだけです。w は勾配を必要とする葉テンソルのままです。",
    },
    "version": {
        "protects": "sigmoid の backward には自分が出力した s が必要です（導関数は s * (1 - s)）。その s が上書きされ、"
                    "バージョンカウンターがそれを知らせています。",
        "remedy": "その場で書き換えない ReLU は新しいテンソルに書くので、保存された s は順伝播のときの s のままです。",
    },
    "numpy": {
        "protects": "NumPy 配列は pred とメモリを共有しますが、autograd のことは何も知りません。配列を通した変更に、"
                    "計算グラフは気づけません。",
        "remedy": "detach() は同じ数値を持つ履歴のないテンソルを返します。その .numpy() なら安全です。",
    },
    "non-leaf-flag": {
        "protects": "features は計算されたテンソルです。その requires_grad は入力から決まるもので、オフにはできません。",
        "remedy": "detach() は、同じ値を持ち勾配を必要としない新しい葉テンソルを返します。",
    },
    "integer": {
        "protects": "勾配は変化率です。整数は少しだけ変わることができないので、勾配を持てません。",
        "remedy": "小数点を付けて書けば値は float32 になり、勾配を必要とできます。",
    },
    "mat-shapes": {
        "protects": "Linear は最後の次元（28）に重みをかけますが、重みは 1 行に 784 個の数値を期待しています。",
        "remedy": "flatten(1) はバッチの次元を残し、画像 1 枚を 784 個の数値にします。",
    },
    "broadcast": {
        "protects": "ブロードキャストは形状を右からそろえます。(4, 3) と (4,) では、3 と 4 が組になります。",
        "remedy": "keepdim=True なら m の形状は (4, 1) になり、各サンプルの行に沿ってブロードキャストされます。",
    },
    "dtype": {
        "protects": "モデルは float32 で計算し、ターゲットは NumPy から float64 で来ました。BCELoss は両方が同じで"
                    "あることを求めます。",
        "remedy": ".float() で、データを読み込むところでターゲットを一度だけ float32 に変換します。",
    },
    "non-leaf-grad": {
        "protects": "勾配を必要とするテンソルは randn が作ったものです。w はそこから計算されたコピーで、backward は"
                    "葉テンソルの .grad しか埋めません。",
        "remedy": "dtype（やデバイス）を指定して直接作れば w 自身が葉テンソルになり、その .grad が埋まります。",
    },
    "total-loss": {
        "message": "（メッセージなし）反復のたびにメモリが増える: total_loss += loss",
        "protects": "total_loss はすべてのステップの loss から計算されたテンソルなので、すべてのステップの計算グラフが"
                    "そこからたどれるまま残ります。",
        "remedy": "loss.item() は Python の float です。足し合わせても計算グラフはまったく残りません。",
    },
}

_NOTES_JA = {
    "nothing to go back through": "逆にたどるものがない",
    "shape (3,): not one number": "形状 (3,): 数値 1 つではない",
    "step 0: saved values freed": "ステップ 0: 保存した値は解放済み",
    "a leaf: not changed in place": "葉テンソル: その場では変更できない",
    "saved s at version 0, now 1": "保存した s はバージョン 0、いまは 1",
    "part of a graph": "計算グラフの一部",
    "computed, not a leaf": "計算されたテンソルで、葉ではない",
    "shape (4,) against (4, 3)": "形状 (4,) と (4, 3)",
    "float32, target float64": "float32、ターゲットは float64",
    "not a leaf: made by .to()": "葉ではない: .to() が作った",
}

_CODE_COMMENTS_JA = {
    "copied from the evaluation code": "評価用のコードからコピーした",
    "fix: the training step records its graph": "修正: 学習ステップは計算グラフを記録する",
    "one loss per sample: shape (3,)": "サンプルごとに損失が 1 つ: 形状 (3,)",
    "fix: one number to differentiate": "修正: 微分するのは数値 1 つ",
    "h brings the previous step's graph along": "h が前のステップの計算グラフを連れてくる",
    "fix: start from h's value only": "修正: h の値だけから始める",
    "one SGD step by hand": "手で書いた SGD の 1 ステップ",
    "fix: an update is not part of the model": "修正: 更新はモデルの一部ではない",
    "sigmoid saves its output s for backward": "sigmoid は backward のために出力 s を保存する",
    "... and this overwrites s: s._version 0 -> 1": "... そしてこれが s を上書きする: s._version 0 -> 1",
    "fix: a new tensor, s stays as saved": "修正: 新しいテンソル。s は保存されたまま",
    "fix: the values, without the history": "修正: 履歴を除いた値",
    "meant: do not train the encoder through this": "意図: ここを通してエンコーダーを学習させない",
    "fix: a new tensor without history": "修正: 履歴のない新しいテンソル",
    "fix: floats": "修正: 浮動小数点数",
    "a batch of 8 grey 28x28 images": "28x28 のグレー画像 8 枚のバッチ",
    "fix: one row of 784 numbers per image": "修正: 画像 1 枚につき 784 個の数値の行が 1 つ",
    "4 samples, 3 features": "サンプル 4 つ、特徴量 3 つ",
    "one mean per sample: shape (4,)": "サンプルごとに平均が 1 つ: 形状 (4,)",
    "fix: shape (4, 1) lines up with the samples": "修正: 形状 (4, 1) ならサンプルとそろう",
    "NumPy makes float64": "NumPy は float64 を作る",
    "fix: float32 like the model": "修正: モデルと同じ float32",
    'on a GPU: .to("cuda")': 'GPU なら .to("cuda")',
    "fix: made where it lives": "修正: 置き場所で直接作る",
    "a tensor: keeps this step's graph alive": "テンソル: このステップの計算グラフを生かし続ける",
    "fix: a Python number, no graph": "修正: Python の数値で、計算グラフはない",
}

# the labels the code prints beside its values (the code itself, names and numbers, stays as it is)
_CODE_LABELS_JA = {
    '"step"': '"ステップ"',
    '"graph nodes kept:"': '"残っている計算グラフのノード数:"',
}


def _note_text(note):
    """A drawing's note in the current language."""
    if not note:
        return note
    kept = re.fullmatch(r"(\d+) nodes kept alive", note)
    if kept:
        return pick(note, ja=f"{kept.group(1)} 個のノードが残っている")
    return pick(note, ja=_NOTES_JA.get(note, note))


def _code_in_language(code):
    """The field guide's code with its comments and the labels it prints in the current language (the
    code itself unchanged)."""
    if get_language() != "ja":
        return code
    lines = []
    for line in code.split("\n"):
        head, sep, comment = line.partition("# ")
        for label, translated in _CODE_LABELS_JA.items():
            head = head.replace(label, translated)
        if sep and comment in _CODE_COMMENTS_JA:
            comment = _CODE_COMMENTS_JA[comment]
        lines.append(head + sep + comment)
    return "\n".join(lines)


def field_guide_case(key):
    for case in FIELD_GUIDE:
        if case.key == key:
            return case
    raise KeyError(f"no field guide case {key!r}; cases: {', '.join(FIELD_GUIDE_KEYS)}")


def field_guide_run(key, fixed=False, torch=None, trace=False):
    """Run a case of the field guide (its broken code, or with ``fixed=True`` the fixed code).

    Returns a dict: ``key``, ``fixed``, ``code`` (what ran), ``printed`` (its output), ``error``
    (``"RuntimeError: <PyTorch's message>"`` or None), ``warnings`` (``"UserWarning: ..."`` lines),
    ``outcome`` ("error", "warning" or "ok"), ``tensor`` (what to draw, or None when the error came
    before anything was computed), ``names`` (the code's tensors by name), ``marks`` (notes for the
    drawing of the broken code) and ``trace`` (a viz.Trace when trace=True).
    """
    import contextlib
    import io
    import warnings

    lib = _lib(torch)
    case = field_guide_case(key)
    code = _code_in_language(case.fixed if fixed else case.broken)
    ns = {"torch": lib, "nn": _sub(lib, "nn"), "graph_nodes": graph_nodes}
    printed = io.StringIO()
    error = None
    tr = None
    with contextlib.ExitStack() as stack:
        stack.enter_context(contextlib.redirect_stdout(printed))
        caught = stack.enter_context(warnings.catch_warnings(record=True))
        warnings.simplefilter("always")
        if trace:
            from teachgrad import viz

            tr = stack.enter_context(viz.trace(lib))
        try:
            exec(compile(code, f"<field guide: {key}>", "exec"), ns)
        except Exception as exc:  # noqa: BLE001 - the error is the experiment's result
            error = f"{type(exc).__name__}: {exc}"
    from .checks import _is_tensor

    names = {k: v for k, v in ns.items() if _is_tensor(v)}
    for k, v in list(ns.items()):  # a module's parameters, as model.weight, model.bias
        if callable(getattr(v, "named_parameters", None)) and not _is_tensor(v) and not isinstance(v, type):
            names.update({f"{k}.{p}": t for p, t in v.named_parameters()})
    tensor = next((names[n] for n in case.draw if n in names), None)
    found = [warning_text(w) for w in caught]
    return {
        "key": key,
        "fixed": bool(fixed),
        "code": code,
        "printed": printed.getvalue(),
        "error": error,
        "warnings": found,
        "outcome": "error" if error else ("warning" if found else "ok"),
        "tensor": tensor,
        "names": names,
        "marks": {} if fixed or tensor is None else case.marks(ns),
        "trace": tr,
    }


def field_guide_table(result):
    """What the run printed and how it ended, as the explorer shows it."""
    lines = [pick(f"fix applied: {'yes' if result['fixed'] else 'no'}",
                  ja=f"修正の適用: {'あり' if result['fixed'] else 'なし'}")]
    printed = result["printed"].rstrip("\n")
    if printed:
        lines += [pick("printed:", ja="表示:")] + ["  " + line for line in printed.splitlines()]
    for w in result["warnings"]:
        lines.append(pick("warned:  ", ja="警告: ") + w)
    raised = pick("raised:  ", ja="例外: ")
    lines.append(raised + (result["error"] if result["error"] else pick("nothing", ja="なし")))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# lesson 10: gradients flowing through a deep stack
# ---------------------------------------------------------------------------------------------

ACTIVATIONS = ("sigmoid", "tanh", "relu")
INITS = ("default", "xavier", "kaiming", "normal")
INIT_LABELS = {"default": "PyTorch's default", "xavier": "Xavier (Glorot) normal", "kaiming": "Kaiming (He) normal",
               "normal": "normal, std 1 (badly scaled)"}
_INIT_LABELS_JA = {"default": "PyTorch の既定", "xavier": "Xavier (Glorot) 正規分布", "kaiming": "Kaiming (He) 正規分布",
                   "normal": "正規分布、標準偏差 1（スケールが不適切）"}
# the verdicts stay the English words the lesson's exercise asks for; Japanese adds its own words for them,
# which the exercise accepts too (flow_verdict_key)
_VERDICTS_JA = {"vanishing": "勾配消失", "exploding": "勾配爆発", "healthy": "健全"}


def init_label(key):
    """How the explorer names an initialisation (:data:`INIT_LABELS`), in the current language."""
    return pick(INIT_LABELS[key], ja=_INIT_LABELS_JA[key])


def deep_stack(depth, activation="relu", init="default", width=32, torch=None, seed=0):
    """``depth`` blocks of ``nn.Linear(width, width)`` followed by the activation, initialised as named:

    "default"  what ``nn.Linear`` does by itself;
    "xavier"   ``nn.init.xavier_normal_`` on the weights, zero biases (meant for sigmoid/tanh);
    "kaiming"  ``nn.init.kaiming_normal_(..., nonlinearity="relu")``, zero biases (meant for ReLU);
    "normal"   ``nn.init.normal_(..., std=1.0)``, zero biases: far too large for 32 inputs.

    The global random state is left as it was (the weights come from ``manual_seed(seed)``).
    """
    lib = _lib(torch)
    nn = _sub(lib, "nn")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, not {activation!r}")
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}, not {init!r}")
    act = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}[activation]
    state = lib.get_rng_state()
    lib.manual_seed(seed)
    try:
        layers = []
        for _ in range(int(depth)):
            linear = nn.Linear(width, width)
            if init == "xavier":
                nn.init.xavier_normal_(linear.weight)
            elif init == "kaiming":
                nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            elif init == "normal":
                nn.init.normal_(linear.weight, std=1.0)
            if init != "default":
                nn.init.zeros_(linear.bias)
            layers += [linear, act()]
        return nn.Sequential(*layers)
    finally:
        lib.set_rng_state(state)


def layer_grad_norms(model):
    """The norm of ``weight.grad`` of every ``nn.Linear`` in ``model``, input side first (floats)."""
    return [m.weight.grad.norm().item() for m in model.modules()
            if type(m).__name__ == "Linear" and m.weight.grad is not None]


def gradient_flow(depth=10, activation="sigmoid", init="default", width=32, batch=64, torch=None, seed=0):
    """Build :func:`deep_stack`, run one batch of ``randn(batch, width)`` through it, call
    ``backward()`` on ``out.pow(2).mean()`` and report each layer's weight gradient norm.

    Returns a dict: ``depth``, ``activation``, ``init``, ``loss`` (float), ``norms`` (one float per
    layer, input side first) and ``verdict`` (see :func:`flow_verdict`).
    """
    lib = _lib(torch)
    model = deep_stack(depth, activation, init, width=width, torch=lib, seed=seed)
    state = lib.get_rng_state()
    lib.manual_seed(seed + 1)
    try:
        x = lib.randn(batch, width)
    finally:
        lib.set_rng_state(state)
    loss = model(x).pow(2).mean()  # a badly scaled stack overflows float32 to inf, silently as in PyTorch
    loss.backward()
    norms = layer_grad_norms(model)
    return {"depth": int(depth), "activation": activation, "init": init, "loss": loss.item(), "norms": norms,
            "verdict": flow_verdict(norms)}


def flow_verdict(norms):
    """"vanishing", "exploding" or "healthy", from the layers' gradient norms (input side first).

    vanishing: the first layer gets less than a hundredth of the last layer's norm; exploding: some
    norm is above 100 or not finite, or the first layer gets more than 100 times the last one's.
    """
    import math

    if not norms:
        return "healthy"
    if any(not math.isfinite(v) for v in norms) or max(norms) > 100:
        return "exploding"
    first, last = norms[0], norms[-1]
    if last == 0 or first < last / 100:
        return "vanishing"
    if first > 100 * last:
        return "exploding"
    return "healthy"


def flow_verdict_key(word):
    """The verdict ``word`` names, as :func:`flow_verdict` returns it ("vanishing", "exploding" or
    "healthy"): the word itself, or the Japanese word the explorer prints beside it in the Japanese
    lessons (勾配消失, 勾配爆発, 健全); None for any other word or value. Spaces around it are ignored."""
    if not isinstance(word, str):
        return None
    word = word.strip()
    if word in _VERDICTS_JA:
        return word
    return next((key for key, ja in _VERDICTS_JA.items() if word == ja), None)


def _sci(v):
    return f"{v:.1e}" if v == v and abs(v) != float("inf") else str(v)


def gradient_flow_table(result):
    """Settings, the first and the last layer's gradient norm, their ratio and the verdict."""
    import math

    norms = result["norms"]
    d = result["depth"]
    first, last = norms[0], norms[-1]
    if not (math.isfinite(first) and math.isfinite(last)):
        ratio = pick("- (not finite)", ja="-（有限でない）")
    elif last == 0:
        ratio = pick(f"- (layer {d} got 0)", ja=f"-（層 {d} は 0）")
    else:
        ratio = _sci(first / last)
    verdict = result["verdict"]
    return "\n".join([
        f"depth={d}, activation={result['activation']}, init={result['init']}",
        pick(f"loss: {_sci(result['loss'])}", ja=f"損失: {_sci(result['loss'])}"),
        pick(f"weight.grad norm, layer 1 (input side):  {_sci(norms[0])}",
             ja=f"weight.grad のノルム、層 1（入力側）: {_sci(norms[0])}"),
        pick(f"weight.grad norm, layer {d} (output side): {_sci(norms[-1])}",
             ja=f"weight.grad のノルム、層 {d}（出力側）: {_sci(norms[-1])}"),
        pick(f"layer 1 / layer {d}: {ratio}", ja=f"層 1 / 層 {d}: {ratio}"),
        pick(f"verdict: {verdict}", ja=f"判定: {verdict}（{_VERDICTS_JA.get(verdict, verdict)}）"),
    ])
