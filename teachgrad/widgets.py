"""Live explorers for the lessons: flip a flag, watch the graph and the gradients change.

    from teachgrad.widgets import ChainExplorer
    ex = ChainExplorer()
    ex                      # last in a cell: shows the controls, the drawing and the table
    ex.controls["requires_grad_c"].value = False
    print(ex.table())       # the same result as plain text

Every explorer wires its controls to plain code in :mod:`teachgrad.explorers` (or to a function
the lesson itself defines) and can be driven without a browser, as above. All of them take the
tensor library as ``torch=`` (teachgrad by default; real PyTorch gives the same tables).

Drawings are SVG, written directly (:func:`teachgrad.viz.graph_svg`, :func:`teachgrad.viz.line_chart_svg`,
:func:`teachgrad.viz.grid_svg`), so a redraw costs a few milliseconds. Tables and messages are
``HTML`` widgets: a callback never writes a cell output (nbval sees the same outputs as a browser),
and a failing callback shows a friendly message in the widget instead of a traceback.

Labels, tables and messages follow :func:`teachgrad.set_language`, read when an explorer is made.
"""

import html
import time

from .language import pick

from .explorers import (  # noqa: F401  (re-exported: the widgets' logic, importable from here too)
    CHAIN_LEAVES, CHAIN_TOGGLES, CHAIN_VALUES, SEQUENTIAL_PARAMS, AccumulationLab, _lib, chain_code,
    chain_gradients, chain_table, friendly_error, sequential_gradients, sequential_table, training_run,
    training_table,
)

__all__ = ["ChainExplorer", "AccumulationExplorer", "TrainingExplorer", "SequentialExplorer",
           "TrainingCurveExplorer", "BackwardStepper", "FieldGuideExplorer", "GradientFlowExplorer", "time_updates"]

# Learning rates offered by the sliders: round numbers a lesson's text can name.
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)

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

    def _slider(self, name, widget):
        widget.add_class("tg-" + name)
        self.controls[name] = widget
        widget.observe(lambda change: self._safe(self._update), names="value")
        return widget

    def _image(self):
        W = self._W
        img = W.Image(format="svg+xml", layout=W.Layout(max_width="100%", height="auto"))
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
            self._set_message(pick("Something went wrong: ", ja="問題が起きました: ") + friendly_error(exc))

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
        data["text/plain"] = type(self).__name__ + pick(
            ": an interactive widget (run the notebook in JupyterLab to use it)",
            ja=": 対話型ウィジェット（使うには JupyterLab でノートブックを実行してください）")
        return (data, meta) if meta is not None else data

    def __repr__(self):
        return f"<{type(self).__name__}>"


class ChainExplorer(_Explorer):
    """The chain with a requires_grad checkbox per leaf and detach / no_grad toggles."""

    def __init__(self, torch=None):
        super().__init__(torch)
        W = self._W
        leaf_boxes = [self._checkbox(f"requires_grad_{k}", k, True) for k in CHAIN_LEAVES]
        cut_boxes = [
            self._checkbox("detach_y", "y.detach()", False),
            self._checkbox("detach_z", "z.detach()", False),
            self._checkbox("no_grad_y", pick("no_grad around y", ja="y を no_grad で囲む"), False),
            self._checkbox("no_grad_z", pick("no_grad around z", ja="z を no_grad で囲む"), False),
        ]
        label = lambda s: W.HTML(f"<b>{s}</b>", layout=W.Layout(width="130px"))  # noqa: E731
        self._code = W.HTML()
        self._code.add_class("tg-code")
        self._plot = self._image()
        self.result = None
        self._finish(
            W.HBox([label("requires_grad:"), *leaf_boxes]),
            W.HBox([label(pick("stop gradients:", ja="勾配を止める:")), *cut_boxes]),
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
        from . import explorers

        r = explorers.chain_gradients(torch=self.torch, trace=True, **self._toggles())
        self.result = r
        self._draw()  # first: when the table shows the new state, the drawing already does
        self._code.value = f"<pre>{html.escape(r['code'])}</pre>"
        self._set_table(chain_table(r))
        self._set_message((explorers._failed("w.backward()") + r["error"]) if r["error"] else "")

    def _draw(self):
        from teachgrad import viz

        r = self.result
        names = {k: r["tensors"][k] for k in CHAIN_LEAVES + ("y", "z", "w")}
        self._plot.value = viz.graph_svg(r["tensors"]["w"], trace=r["trace"], names=names).encode()


class AccumulationExplorer(_Explorer):
    """inp = eye(5): press backward repeatedly and watch inp.grad add up; zero it; retain_graph."""

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
            self._button("new_graph", pick("new graph", ja="新しいグラフ"), lambda: self._do(self.lab.new_graph)),
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
        from teachgrad import viz

        grad = self.lab.grad_values()
        title = (pick("inp.grad is None", ja="inp.grad は None") if grad is None else
                 pick(f"inp.grad after {self.lab.calls} backward call(s)",
                      ja=f"backward {self.lab.calls} 回後の inp.grad"))
        self._plot.value = viz.grid_svg(grad, title=title).encode()
        self._set_table(self.lab.table(), shown=self.lab.table(message=False))
        self._set_message(self.lab.message)


class TrainingExplorer(_Explorer):
    """SGD with momentum on y = w*x + b (x = 3, target 5); forget zero_grad and see what happens."""

    def __init__(self, torch=None):
        super().__init__(torch)
        W = self._W
        zero = self._checkbox("zero_grad", pick("optimizer.zero_grad() each step",
                                                ja="毎ステップ optimizer.zero_grad()"), True)
        common = dict(continuous_update=False, layout=W.Layout(width="330px"), style={"description_width": "80px"})
        self._slider("lr", W.SelectionSlider(options=LEARNING_RATES, value=0.01, description="lr", **common))
        self._slider("momentum", W.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01, description="momentum",
                                               **common))
        self._slider("steps", W.IntSlider(value=50, min=1, max=200, description="steps", **common))
        self._plot = self._image()
        self.history = []
        c = self.controls
        self._finish(
            W.HBox([zero, c["lr"], c["momentum"], c["steps"]],
                   layout=W.Layout(flex_flow="row wrap", align_items="center")),
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
            self._set_message(pick("The loss blew up: the steps overshoot the minimum further each time. "
                                   "Lower the learning rate (or momentum), or zero the gradients.",
                                   ja="損失が発散しました。ステップのたびに最小値をさらに大きく飛び越えています。"
                                      "学習率（またはモーメンタム）を下げるか、勾配をゼロにしてください。"))
        elif not s["zero_grad"]:
            self._set_message(pick("Without zero_grad every backward() adds to the old .grad, so each step "
                                   "uses the sum of all gradients so far.",
                                   ja="zero_grad がないと backward() のたびに古い .grad に足し込まれるので、"
                                      "各ステップはそれまでの勾配すべての和を使います。"))
        else:
            self._set_message("")

    def _draw(self, s, other):
        from teachgrad import viz

        with_zero = pick("with zero_grad", ja="zero_grad あり")
        without_zero = pick("without zero_grad", ja="zero_grad なし")
        label = with_zero if s["zero_grad"] else without_zero
        alt_label = without_zero if s["zero_grad"] else with_zero
        steps = [e["step"] for e in self.history]
        loss = viz.line_chart_svg(
            [{"x": steps, "y": [e["loss"] for e in other], "label": alt_label, "color": "#aaaaaa", "dash": True},
             {"x": steps, "y": [e["loss"] for e in self.history], "label": label, "color": "#1f77b4"}],
            title=pick("loss at each step", ja="各ステップの損失"), xlabel=pick("step", ja="ステップ"), log_y=True,
            width=400)
        ws = [2.0] + [e["w"] for e in self.history]
        bs = [1.0] + [e["b"] for e in self.history]
        finite = [v for v in ws if viz._finite(v)]
        lo, hi = (min(finite + [1.0]), max(finite + [2.2])) if finite else (1.0, 2.2)
        path = viz.line_chart_svg(
            [{"x": ws, "y": bs, "color": "#1f77b4", "width": 1.2}],
            title=pick("(w, b) after each step", ja="各ステップ後の (w, b)"), xlabel="w", ylabel="b", width=400,
            marker_first=pick("start (2, 1)", ja="開始 (2, 1)"), marker_last=pick("end", ja="終了"),
            extra_lines=[(lo, 5 - 3 * lo, hi, 5 - 3 * hi, pick("minimum: 3w + b = 5", ja="最小: 3w + b = 5"),
                          "#2ca02c")])
        self._plot.value = _side_by_side(loss, path).encode()


def _side_by_side(*svgs, gap=12):
    """Several SVG documents next to each other, as one SVG."""
    import re

    parts, x, height = [], 0, 0
    for svg in svgs:
        w = float(re.search(r'width="([\d.]+)"', svg).group(1))
        h = float(re.search(r'height="([\d.]+)"', svg).group(1))
        parts.append(f'<g transform="translate({x:.0f},0)">{svg}</g>')
        x += w + gap
        height = max(height, h)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{x - gap:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {x - gap:.0f} {height:.0f}">' + "".join(parts) + "</svg>")


class SequentialExplorer(_Explorer):
    """nn.Sequential on an input without requires_grad: freeze layers, see which grads exist."""

    def __init__(self, torch=None):
        super().__init__(torch)
        W = self._W
        boxes = [
            self._checkbox("freeze_0", pick("freeze layer 0 (Linear(2, 4))", ja="層 0 を凍結 (Linear(2, 4))"), False),
            self._checkbox("freeze_2", pick("freeze layer 2 (Linear(4, 1))", ja="層 2 を凍結 (Linear(4, 1))"), False),
            self._checkbox("input_requires_grad", "x.requires_grad", False),
        ]
        self._code = W.HTML()
        self._code.add_class("tg-code")
        self._plot = self._image()
        self.result = None
        self._finish(
            W.HBox(boxes),
            W.HBox([self._code, self._table], layout=W.Layout(align_items="flex-start")),
            self._plot,
        )

    def _update(self):
        from . import explorers

        c = self.controls
        flags = dict(freeze_0=c["freeze_0"].value, freeze_2=c["freeze_2"].value,
                     input_requires_grad=c["input_requires_grad"].value)
        r = explorers.sequential_gradients(torch=self.torch, trace=True, **flags)
        self.result = r
        self._draw()
        self._code.value = f"<pre>{html.escape(r['code'])}</pre>"
        self._set_table(sequential_table(r))
        self._set_message((explorers._failed("y.backward()") + r["error"]) if r["error"] else "")

    def _draw(self):
        from teachgrad import viz

        r = self.result
        names = [("x", r["x"]), ("y", r["y"])] + list(r["model"].named_parameters())
        self._plot.value = viz.graph_svg(r["y"], trace=r["trace"], names=names).encode()


class TrainingCurveExplorer(_Explorer):
    """Train with a function of the lesson's own and watch the loss curves draw while it runs.

    ``train(optimizer_name, lr=..., steps=..., on_progress=...)`` must return ``(model, history)``
    with ``history = {"train": [...], "val": [...]}`` and call ``on_progress(step, history)`` after
    each step. While training runs the chart is redrawn at most every ``redraw_seconds`` (so drawing
    never slows training down much), and once more at the end.
    """

    def __init__(self, train, optimizers=("SGD", "Adam"), lr=0.05, steps=300, redraw_seconds=0.1, torch=None):
        super().__init__(torch)
        W = self._W
        self._train = train
        self.redraw_seconds = float(redraw_seconds)
        common = dict(layout=W.Layout(width="300px"), style={"description_width": "70px"})
        opt = W.Dropdown(options=list(optimizers), value=optimizers[0], description="optimizer",
                         layout=W.Layout(width="220px"), style={"description_width": "70px"})
        opt.add_class("tg-optimizer")
        self.controls["optimizer"] = opt
        lr_w = W.SelectionSlider(options=LEARNING_RATES, value=lr, description="lr", continuous_update=False, **common)
        lr_w.add_class("tg-lr")
        self.controls["lr"] = lr_w
        st = W.IntSlider(value=steps, min=50, max=600, step=50, description="steps", continuous_update=False,
                         **common)
        st.add_class("tg-steps")
        self.controls["steps"] = st
        self._button("train", pick("train", ja="学習"), self._run)
        self._plot = self._image()
        self.history = None
        self._title = ""
        self._finish(
            W.HBox([opt, lr_w, st, self.controls["train"]], layout=W.Layout(flex_flow="row wrap",
                                                                             align_items="center")),
            self._plot,
            self._table,
        )

    def _chart(self, history):
        from teachgrad import viz

        n = len(history["train"])
        xs = list(range(1, n + 1))
        return viz.line_chart_svg(
            [{"x": xs, "y": history["train"], "label": pick("train", ja="訓練"), "color": "#9ecae1"},
             {"x": xs, "y": history["val"], "label": pick("validation", ja="検証"), "color": "#08519c"}],
            title=self._title, xlabel=pick("step", ja="ステップ"), ylabel="MSE", log_y=True, width=560,
            height=250).encode()

    def _run(self):
        c = self.controls
        name, lr, steps = c["optimizer"].value, float(c["lr"].value), int(c["steps"].value)
        self._title = f"{name}, lr={lr:g}"
        self._set_message(pick(f"training {steps} steps ...", ja=f"{steps} ステップ学習中 ..."))

        last_drawn = time.perf_counter()

        def on_progress(step, history):
            nonlocal last_drawn
            if time.perf_counter() - last_drawn >= self.redraw_seconds:  # redraw while training runs
                self._plot.value = self._chart(history)
                last_drawn = time.perf_counter()

        _, self.history = self._train(name, lr=lr, steps=steps, on_progress=on_progress)
        self._update()

    def _update(self):
        if self.history is None:
            self._set_table(pick("not trained yet: press train", ja="まだ学習していません: 「学習」を押してください"))
            return
        h = self.history
        self._plot.value = self._chart(h)
        finite = [v for v in h["train"] if v == v]
        highest = max(finite) if finite else float("nan")
        text = pick(f"{self._title}, {len(h['train'])} steps\n"
                    f"  first train loss    {_short(h['train'][0])}\n"
                    f"  highest train loss  {_short(highest)}\n"
                    f"  final train loss    {_short(h['train'][-1])}\n"
                    f"  final val loss      {_short(h['val'][-1])}",
                    ja=f"{self._title}, {len(h['train'])} ステップ\n"
                       f"  最初の訓練損失    {_short(h['train'][0])}\n"
                       f"  最大の訓練損失    {_short(highest)}\n"
                       f"  最後の訓練損失    {_short(h['train'][-1])}\n"
                       f"  最後の検証損失    {_short(h['val'][-1])}")
        self._set_table(text)
        final = h["train"][-1]
        if final != final or final == float("inf"):
            self._set_message(pick("The loss overflowed to inf and then became nan: the learning rate is too large.",
                                   ja="損失が inf にあふれ、その後 nan になりました。学習率が大きすぎます。"))
        else:
            self._set_message("")


class BackwardStepper(_Explorer):
    """teachgrad's own backward loop, one node per click, on a graph that ``build()`` makes (lesson 8).

    The steps are ``teachgrad.graph.step_through(out)``: the loop ``out.backward()`` runs. The table
    lists the nodes in the loop's order with what each received and sent, and the engine's ``pending``
    table; the drawing greys the nodes that ran and shows each pending gradient on its node.
    """

    def __init__(self, build=None):
        super().__init__(None)
        W = self._W
        from .explorers import BackwardSteps, diamond

        self.steps = BackwardSteps(build or diamond)
        self._plot = self._image()
        buttons = [
            self._button("next", pick("next node", ja="次のノード"), lambda: self._do(self.steps.step)),
            self._button("run", pick("run to the end", ja="最後まで実行"), lambda: self._do(self.steps.run)),
            self._button("reset", pick("new graph", ja="新しいグラフ"), lambda: self._do(self.steps.reset)),
        ]
        self._finish(
            W.HBox(buttons),
            W.HBox([self._table, self._plot], layout=W.Layout(align_items="flex-start", flex_flow="row wrap")),
        )

    def _do(self, action):
        action()
        self._update()

    def _update(self):
        from teachgrad import viz

        s = self.steps
        self._plot.value = viz.graph_svg(s.out, names=s.names, marks=s.marks(), max_width=7.0).encode()
        self._set_table(s.table())
        if s.finished:
            self._set_message(pick("Backward is done: every node ran once, and pending is empty. "
                                   "Press 'new graph' to build the graph again and start over.",
                                   ja="逆伝播が終わりました。どのノードも 1 回ずつ実行され、pending は空です。"
                                      "「新しいグラフ」を押すと、グラフを作り直して最初からやり直せます。"))
        elif not s.done:
            self._set_message(pick("Press 'next node': the loop starts at the output's node with the gradient 1.0.",
                                   ja="「次のノード」を押してください。ループは出力のノードから、勾配 1.0 で"
                                      "始まります。"))
        else:
            self._set_message("")


def _note_svg(text, width=460, height=44):
    """A drawing that says there is nothing to draw (SVG markup; Japanese glyphs embedded as in viz)."""
    from teachgrad import viz

    return viz._with_fonts([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2:.0f}" y="{height / 2 + 4:.0f}" text-anchor="middle" fill="#555555" '
        f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">{html.escape(text)}</text>',
        '</svg>'])


def field_guide_options():
    """The field guide explorer's choices: (the message as the dropdown shows it, the case's key)."""
    from .explorers import FIELD_GUIDE

    return [(c.message if len(c.message) <= 90 else c.message[:87] + "...", c.key) for c in FIELD_GUIDE]


class FieldGuideExplorer(_Explorer):
    """Lesson 9's field guide: pick a message, read the code that triggers it, tick the fix.

    The code shown is the code that runs (teachgrad by default, ``torch=`` for real PyTorch); the table
    shows what it printed, warned and raised; the drawing shows the graph when it stopped, with the node
    autograd refused at in red; the message says what autograd was protecting, or what the fix changed.
    """

    def __init__(self, torch=None, case=None):
        super().__init__(torch)
        W = self._W
        from .explorers import FIELD_GUIDE

        choice = W.Dropdown(options=field_guide_options(), value=case or FIELD_GUIDE[0].key,
                            description=pick("message", ja="メッセージ"), layout=W.Layout(width="760px"),
                            style={"description_width": "70px"})
        self._slider("case", choice)
        fix = self._checkbox("fix", pick("apply the fix", ja="修正を適用する"), False)
        self._code = W.HTML()
        self._code.add_class("tg-code")
        self._plot = self._image()
        self.result = None
        self._finish(
            W.HBox([choice, fix], layout=W.Layout(flex_flow="row wrap", align_items="center")),
            W.HBox([self._code, self._table], layout=W.Layout(align_items="flex-start", flex_flow="row wrap")),
            self._plot,
        )

    def _update(self):
        from . import explorers

        c = self.controls
        case = explorers.field_guide_case(c["case"].value)
        r = explorers.field_guide_run(case.key, fixed=c["fix"].value, torch=self.torch, trace=True)
        self.result = r
        self._draw()
        self._code.value = f"<pre>{html.escape(r['code'])}</pre>"
        self._set_table(explorers.field_guide_table(r))
        if r["fixed"]:
            self._set_message(pick("Fixed: ", ja="修正後: ") + case.remedy)
        else:
            self._set_message(pick("What autograd was protecting: ", ja="autograd が守っていたもの: ") + case.protects)

    def _draw(self):
        from teachgrad import viz

        r = self.result
        if r["tensor"] is None:
            self._plot.value = _note_svg(pick("nothing to draw: the error came before any tensor was computed",
                                              ja="描くものがありません: テンソルが 1 つも計算される前にエラーに"
                                                 "なりました")).encode()
            return
        self._plot.value = viz.graph_svg(r["tensor"], trace=r["trace"], names=r["names"], marks=r["marks"],
                                         max_width=9.0).encode()


class GradientFlowExplorer(_Explorer):
    """Lesson 10: the gradient norm of every layer of a deep stack, for a depth, an activation and an
    initialisation (grey, dashed: the same depth with ReLU and Kaiming initialisation, for comparison)."""

    def __init__(self, torch=None, depth=10, activation="sigmoid", init="default"):
        super().__init__(torch)
        W = self._W
        from .explorers import ACTIVATIONS, INIT_LABELS, init_label

        common = dict(layout=W.Layout(width="300px"), style={"description_width": "80px"})
        self._slider("depth", W.IntSlider(value=depth, min=1, max=30, description=pick("depth", ja="深さ"),
                                          continuous_update=False, **common))
        self._slider("activation", W.Dropdown(options=list(ACTIVATIONS), value=activation,
                                              description=pick("activation", ja="活性化関数"), **common))
        self._slider("init", W.Dropdown(options=[(init_label(key), key) for key in INIT_LABELS], value=init,
                                        description=pick("init", ja="初期化"), **common))
        self._plot = self._image()
        self.result = None
        self._reference = {}  # depth -> the comparison curve's norms (the same every time: computed once)
        c = self.controls
        self._finish(
            W.HBox([c["depth"], c["activation"], c["init"]], layout=W.Layout(flex_flow="row wrap",
                                                                             align_items="center")),
            W.HBox([self._plot, self._table], layout=W.Layout(align_items="flex-start", flex_flow="row wrap")),
        )

    def _update(self):
        from . import explorers

        c = self.controls
        r = explorers.gradient_flow(depth=c["depth"].value, activation=c["activation"].value, init=c["init"].value,
                                    torch=self.torch)
        self.result = r
        self._draw()
        self._set_table(explorers.gradient_flow_table(r))
        self._set_message({
            "vanishing": pick("Vanishing: the layers near the input get almost no gradient, so they barely learn. "
                              "Each layer's backward multiplies by the activation's slope and the weights; for "
                              "sigmoid the slope is at most 0.25.",
                              ja="勾配消失: 入力に近い層にはほとんど勾配が届かず、ほとんど学習しません。各層の backward は"
                                 "活性化関数の傾きと重みをかけます。sigmoid の傾きは最大でも 0.25 です。"),
            "exploding": pick("Exploding: some gradients are huge; one SGD step would throw the weights far away. "
                              "The weights are too large for the layer's width: every layer multiplies the signal up.",
                              ja="勾配爆発: 一部の勾配が巨大で、SGD の 1 ステップで重みが遠くへ飛ばされてしまいます。"
                                 "重みが層の幅に対して大きすぎ、どの層も信号を大きくしていきます。"),
            "healthy": pick("Healthy: every layer gets a gradient of a similar size.",
                            ja="健全: どの層にも同じくらいの大きさの勾配が届いています。"),
        }[r["verdict"]] + self._extremes(r["norms"]))

    @staticmethod
    def _extremes(norms):
        import math

        if any(not math.isfinite(v) for v in norms):
            return pick(" Some norms overflowed float32 to inf: the chart leaves those layers out.",
                        ja="一部のノルムが float32 の範囲を超えて inf になりました。グラフではその層を省いています。")
        if any(v == 0 for v in norms):
            return pick(" Some norms underflowed float32 to exactly 0: the chart leaves those layers out.",
                        ja="一部のノルムが float32 で表せないほど小さくなり、ちょうど 0 になりました。グラフではその層を"
                           "省いています。")
        return ""

    def _draw(self):
        from teachgrad import viz

        from . import explorers

        r = self.result
        if r["depth"] not in self._reference:
            self._reference[r["depth"]] = explorers.gradient_flow(depth=r["depth"], activation="relu", init="kaiming",
                                                                  torch=self.torch)["norms"]
        xs = list(range(1, r["depth"] + 1))
        series = [{"x": xs, "y": self._reference[r["depth"]],
                   "label": pick("activation relu, init kaiming (for comparison)",
                                 ja="活性化関数 relu、初期化 kaiming（比較用）"),
                   "color": "#aaaaaa", "dash": True},
                  {"x": xs, "y": r["norms"],
                   "label": pick(f"activation {r['activation']}, init {r['init']}",
                                 ja=f"活性化関数 {r['activation']}、初期化 {r['init']}"),
                   "color": "#1f77b4"}]
        self._plot.value = viz.line_chart_svg(
            series, title=pick("norm of each layer's weight.grad", ja="各層の weight.grad のノルム"),
            xlabel=pick("layer (1 = input side)", ja="層（1 = 入力側）"), ylabel=pick("norm", ja="ノルム"),
            log_y=True, width=520, height=280, legend_below=True).encode()


def _short(v):
    """Two significant digits: what stays the same on every CPU after hundreds of float32 steps."""
    if v != v or v in (float("inf"), float("-inf")):
        return str(v)
    return f"{v:.2g}"


# ---------------------------------------------------------------------------------------------
# timing (./run bench and the browser test report these)
# ---------------------------------------------------------------------------------------------

def time_updates(repeats=5):
    """Median seconds per update, in the kernel, for each control of each explorer.

    Returns ``{"ChainExplorer: requires_grad_c": 0.003, ...}``. A checkbox is toggled, a button
    clicked, a slider moved between two values; each change is one full recompute and redraw.
    TrainingCurveExplorer's train button runs a stand-in for the lesson's train function that returns
    300 steps of precomputed curves: its figure is the explorer's own cost (the table and the final
    chart; the live redraws come at most every 0.1 s of training); the lesson's training comes on top.
    """
    import statistics

    import ipywidgets as W

    results = {}

    def measure(label, action):
        action()  # warm up
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            action()
            times.append(time.perf_counter() - t0)
        results[label] = statistics.median(times)

    def toggle(ctl):
        return lambda: setattr(ctl, "value", not ctl.value)

    def alternate(ctl, a, b):
        return lambda: setattr(ctl, "value", b if ctl.value == a else a)

    def precomputed_train(name, lr=0.05, steps=300, on_progress=None):
        """Stands in for a lesson's train function: the curves of a run, without the training, so
        that the figure is the explorer's own cost (redraws while running, table, final chart)."""
        history = {"train": [], "val": []}
        for step in range(steps):
            history["train"].append(0.3 / (1 + step) + 0.008)
            history["val"].append(0.3 / (1 + step) + 0.015)
            if on_progress is not None:
                on_progress(step, history)
        return None, history

    explorers = [cls() for cls in (ChainExplorer, AccumulationExplorer, TrainingExplorer, SequentialExplorer,
                                   BackwardStepper, FieldGuideExplorer, GradientFlowExplorer)]
    explorers.append(TrainingCurveExplorer(precomputed_train, steps=300))
    for ex in explorers:
        cls = type(ex)
        for name, ctl in ex.controls.items():
            if isinstance(ex, TrainingCurveExplorer) and name != "train":
                continue  # read when train is pressed: changing them alone updates nothing
            if isinstance(ctl, W.Button):
                measure(f"{cls.__name__}: {name}", ctl.click)
            elif isinstance(ctl, W.Checkbox):
                measure(f"{cls.__name__}: {name}", toggle(ctl))
            elif name == "lr":
                measure(f"{cls.__name__}: {name}", alternate(ctl, 0.01, 0.02))
            elif name == "momentum":
                measure(f"{cls.__name__}: {name}", alternate(ctl, 0.9, 0.5))
            elif name == "steps":
                measure(f"{cls.__name__}: {name}", alternate(ctl, 50, 60))
            elif name == "case":
                measure(f"{cls.__name__}: {name}", alternate(ctl, "no-grad", "version"))
            elif name == "depth":
                measure(f"{cls.__name__}: {name} (30 layers)", alternate(ctl, 30, 29))
            elif name == "activation":
                measure(f"{cls.__name__}: {name}", alternate(ctl, "sigmoid", "relu"))
            elif name == "init":
                measure(f"{cls.__name__}: {name}", alternate(ctl, "default", "normal"))
    return results
