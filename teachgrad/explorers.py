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
- errors explained in a line: :func:`friendly_error`.

Tables and messages follow :func:`teachgrad.set_language`; PyTorch's own messages stay as PyTorch
prints them.
"""

import importlib

from .language import display_width, pad, pick

__all__ = [
    "CHAIN_LEAVES", "CHAIN_VALUES", "CHAIN_GRADS", "CHAIN_TOGGLES", "chain_leaves", "chain_code",
    "chain_gradients", "chain_table", "print_chain_grads", "AccumulationLab", "training_run",
    "training_table", "SEQUENTIAL_PARAMS", "sequential_gradients", "sequential_table", "mlp_net", "make_model",
    "friendly_error",
    "BackwardSteps", "diamond",
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
     "前回の backward() が、グラフに保存されていた値を解放しました。前の backward() の前に retain_graph に"
     "チェックを入れるか、グラフを作り直してください（新しいグラフ）。"),
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
    lines.append(f"{'step':>4}  {'loss':>10}  {'w.grad':>10}  {'w':>10}  {'b':>10}")

    def row(e):
        return f"{e['step']:>4}  " + "  ".join(f"{_fixed(e[c]):>10}" for c in cols)

    shown = history[:first]
    lines.extend(row(e) for e in shown)
    if len(history) > len(shown):
        if len(history) > len(shown) + 1:
            lines.append(f"{'...':>4}")
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
        lines.append(f"{name:<9} {'None' if g is None else pick('grad shape ', ja='grad の形状 ') + _shape(g)}")
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
