"""teachgrad.viz: the graph drawing, checked on the figure's artists (no image comparison).

The drawing walks the public PyTorch API, so every test runs with real torch and with teachgrad.
"""

import importlib
import subprocess
import sys

import matplotlib
import pytest

import torch as real_torch

import teachgrad as TG

from teachgrad import viz


LIBS = [pytest.param(real_torch, id="torch"), pytest.param(TG, id="teachgrad")]


@pytest.fixture(params=LIBS)
def lib(request):
    return request.param


def leaves(lib, **flags):
    vals = dict(a=2.0, b=3.0, c=5.0, d=7.0, e=11.0, f=13.0, x=17.0)
    return {k: lib.tensor(v, requires_grad=flags.get(k, True)) for k, v in vals.items()}


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def text_artist(fig, content):
    for ax in fig.axes:
        for t in ax.texts:
            if t.get_text() == content:
                return t
    raise AssertionError(f"{content!r} not drawn; drawn: {texts(fig)}")


def legend_labels(fig):
    ax = fig.axes[0]
    leg = ax.get_legend()
    return [] if leg is None else [t.get_text() for t in leg.get_texts()]


def arrows(fig):
    from matplotlib.patches import FancyArrowPatch

    return [p for p in fig.axes[0].artists + fig.axes[0].patches if isinstance(p, FancyArrowPatch)]


def test_plain_chain(lib):
    t = leaves(lib)
    a, b, c, d, e, f, x = (t[k] for k in "abcdefx")
    y = a * x + b
    z = c * y + d
    w = e * z + f
    w.backward()
    fig = viz.draw_graph(w, title="chain")
    drawn = texts(fig)
    for label in ["a = 2.0\ngrad = 935.0", "b = 3.0\ngrad = 55.0", "c = 5.0\ngrad = 407.0",
                  "d = 7.0\ngrad = 11.0", "e = 11.0\ngrad = 192.0", "f = 13.0\ngrad = 1.0",
                  "x = 17.0\ngrad = 110.0", "AddBackward0\ny = 37.0", "AddBackward0\nz = 192.0",
                  "AddBackward0\nw = 2125.0"]:
        assert label in drawn
    assert drawn.count("MulBackward0") == 3  # unnamed intermediates: the graph alone has no value for them
    assert len(arrows(fig)) == 12  # 6 ops with 2 inputs each
    assert repr(fig) == "<graph drawing: 13 nodes>"
    assert fig.axes[0].get_title() == "chain"
    assert legend_labels(fig) == []  # nothing special to explain


def test_grad_none_is_shown_as_none(lib):
    x = lib.tensor(3.0, requires_grad=True)
    out = x * x
    fig = viz.draw_graph(out)
    assert "x = 3.0\ngrad = None" in texts(fig)
    assert "MulBackward0\nout = 9.0" in texts(fig)


def test_detach_is_drawn_as_a_cut_edge(lib):
    t = leaves(lib)
    with viz.trace(lib) as tr:
        y = t["a"] * t["x"] + t["b"]
        z = t["c"] * y.detach() + t["d"]
        w = t["e"] * z + t["f"]
    w.backward()
    fig = viz.draw_graph(w, trace=tr, names={**t, "y": y, "z": z, "w": w})
    drawn = texts(fig)
    assert drawn.count("\u2702 detach()") == 1
    cut = [p for p in arrows(fig) if p.get_linestyle() in ("--", "dashed")]
    assert len(cut) == 1
    assert "cut by detach()" in legend_labels(fig)
    # the part before the cut is drawn (from the trace) and got no gradient: its four edges exist
    # but no gradient from w reaches them, which the drawing shows (no arrowheads, own style)
    assert "a = 2.0\ngrad = None" in drawn and "AddBackward0\ny = 37.0" in drawn
    assert "c = 5.0\ngrad = 407.0" in drawn
    assert "edge exists, no gradient reaches it" in legend_labels(fig)
    idle = [p for p in arrows(fig) if p.get_edgecolor()[:3] == matplotlib.colors.to_rgb(viz._COLORS["idle"])]
    assert len(idle) == 4 and all(p.get_arrowstyle().__class__.__name__ == "Curve" for p in idle)
    svg = viz.graph_svg(w, trace=tr, names={**t, "y": y, "z": z, "w": w})
    assert svg.count('stroke="%s"' % viz._COLORS["idle"]) == 4 + 1  # four edges and the legend's line


def test_no_grad_region_is_shaded(lib):
    t = leaves(lib)
    with viz.trace(lib) as tr:
        with lib.no_grad():
            y = t["a"] * t["x"] + t["b"]
        z = t["c"] * y + t["d"]
    z.backward()
    fig = viz.draw_graph(z, trace=tr, names={**t, "y": y, "z": z})
    drawn = texts(fig)
    assert drawn.count("no_grad()") == 1  # one region: the two ops of y
    # no Backward node exists for them: they are labelled as the operations they are
    assert "add\ny = 37.0\nno grad_fn" in drawn
    assert "mul\n34.0\nno grad_fn" in drawn
    assert not any("Backward" in s and "no grad_fn" in s for s in drawn)
    assert "ran under no_grad" in legend_labels(fig)
    assert "no edge in the graph" in legend_labels(fig)
    assert "c = 5.0\ngrad = 37.0" in drawn and "a = 2.0\ngrad = None" in drawn


def test_frozen_leaves_are_greyed(lib):
    t = leaves(lib, c=False, d=False)
    with viz.trace(lib) as tr:
        y = t["a"] * t["x"] + t["b"]
        z = t["c"] * y + t["d"]
    z.backward()
    fig = viz.draw_graph(z, trace=tr, names=t)
    grey = matplotlib.colors.to_rgba(viz._COLORS["leaf_off"][2])
    green = matplotlib.colors.to_rgba(viz._COLORS["leaf"][2])
    assert text_artist(fig, "c = 5.0\ngrad = None").get_color() in (grey, viz._COLORS["leaf_off"][2])
    assert text_artist(fig, "a = 2.0\ngrad = 85.0").get_color() in (green, viz._COLORS["leaf"][2])
    assert "requires_grad=False" in legend_labels(fig)
    # without a trace the frozen leaves are not part of the autograd graph at all
    plain = texts(viz.draw_graph(z, names=t))
    assert not any(s.startswith("c = ") for s in plain)


def test_names_come_from_the_callers_variables(lib):
    weight = lib.tensor(2.0, requires_grad=True)
    bias = lib.tensor(1.0, requires_grad=True)
    loss = weight * 3.0 + bias
    drawn = texts(viz.draw_graph(loss))
    assert "weight = 2.0\ngrad = None" in drawn and "bias = 1.0\ngrad = None" in drawn
    assert "AddBackward0\nloss = 7.0" in drawn
    # explicit names win; pairs such as named_parameters() work too
    drawn = texts(viz.draw_graph(loss, names=[("W", weight)]))
    assert "W = 2.0\ngrad = None" in drawn and "1.0\ngrad = None" in drawn


def test_module_parameters_and_shapes(lib):
    nn = importlib.import_module(lib.__name__ + ".nn")
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    y = model(lib.ones(3, 2)).sum()
    y.backward()
    drawn = texts(viz.draw_graph(y, names=model.named_parameters()))
    assert "0.weight = shape (4, 2)\ngrad = shape (4, 2)" in drawn
    assert "0.bias = shape (4,)\ngrad = shape (4,)" in drawn
    assert any(s.startswith("SumBackward0") for s in drawn)
    assert any(s.startswith("ReluBackward0") for s in drawn)


def test_drawing_is_deterministic_and_leaves_no_global_state(lib):
    from matplotlib import _pylab_helpers

    before = dict(matplotlib.rcParams)
    outs = []
    for _ in range(2):
        t = leaves(lib)
        with viz.trace(lib) as tr:
            with lib.no_grad():
                y = t["a"] * t["x"] + t["b"]
            w = t["e"] * (t["c"] * y.detach() + t["d"]) + t["f"]
        w.backward()
        fig = viz.draw_graph(w, trace=tr, names=t)
        outs.append((viz.figure_to_svg(fig), texts(fig)))
    assert outs[0] == outs[1]
    assert _pylab_helpers.Gcf.get_num_fig_managers() == 0
    assert dict(matplotlib.rcParams) == before
    assert viz.figure_to_png(fig)[:4] == b"\x89PNG"
    assert fig._repr_png_()[:4] == b"\x89PNG"


def test_draws_into_a_given_axes(lib):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3))
    ax1, ax2 = fig.subplots(1, 2)
    x = lib.tensor(3.0, requires_grad=True)
    assert viz.draw_graph(x * 2, ax=ax2, title="right") is fig
    assert ax2.get_title() == "right" and len(ax1.texts) == 0
    assert any(t.get_text().startswith("MulBackward0") for t in ax2.texts)


def test_a_leaf_alone(lib):
    x = lib.tensor(1.5, requires_grad=True)
    assert texts(viz.draw_graph(x)) == ["x = 1.5\ngrad = None"]


def test_about_30_nodes_stay_readable(lib):
    nn = importlib.import_module(lib.__name__ + ".nn")
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.Sigmoid(),
                          nn.Linear(8, 1))
    x = lib.ones(4, 3, requires_grad=True)
    y = (model(x) ** 2).mean() + (x * 2).sum()
    fig = viz.draw_graph(y, names=list(model.named_parameters()) + [("x", x)])
    n = int(repr(fig).split()[2])
    assert 15 <= n <= 40
    w, h = fig.get_size_inches()
    assert w <= 14.0 + 1e-9
    sizes = [t.get_fontsize() for t in fig.axes[0].texts]
    assert min(sizes) >= 6.0  # not shrunk into illegibility


def test_deep_graph_is_walked_iteratively(lib):
    x = lib.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3000):  # deeper than Python's recursion limit
        y = y * 1.0
    g = viz._build(y, [], {}, {})
    assert len(g.order) == 3001
    xy, sizes, direction = viz._layout(g, "TB")
    assert len(xy) == 3001


def test_trace_records_like_torch_and_removes_its_hook():
    hooks = TG.autograd.trace_hooks
    n = len(hooks)
    events = {}
    for lib in (TG, real_torch):
        t = leaves(lib, c=False)
        with viz.trace(lib) as tr:
            if lib is TG:
                assert len(hooks) == n + 1
            with lib.no_grad():
                y = t["a"] * t["x"] + t["b"]
            z = t["c"] * y.detach() + t["d"]
        events[lib.__name__] = [(ev.name, len(ev.inputs), ev.grad_enabled) for ev in tr.events]
        assert len(hooks) == n
    assert events["teachgrad"] == events["torch"] == [
        ("MulBackward0", 2, False), ("AddBackward0", 2, False), ("detach", 1, True),
        ("MulBackward0", 2, True), ("AddBackward0", 2, True)]
    with pytest.raises(ZeroDivisionError):
        with viz.trace():
            1 / 0
    assert len(hooks) == n


def test_import_teachgrad_does_not_import_the_drawing_stack():
    code = ("import sys, teachgrad\n"
            "bad = [m for m in ('matplotlib', 'ipywidgets', 'teachgrad.viz', 'teachgrad.widgets') if m in sys.modules]\n"
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_graph_svg_draws_the_same_scene(lib):
    import xml.etree.ElementTree as ET

    t = leaves(lib, c=False)
    with viz.trace(lib) as tr:
        with lib.no_grad():
            y = t["a"] * t["x"] + t["b"]
        w = t["e"] * (t["c"] * y.detach() + t["d"]) + t["f"]
    w.backward()
    names = {**t, "y": y, "w": w}
    svg = viz.graph_svg(w, trace=tr, names=names, title="chain")
    assert svg == viz.graph_svg(w, trace=tr, names=names, title="chain")  # deterministic
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    labels = ["\n".join(ts.text for ts in txt.iter(ns + "tspan")) for txt in root.iter(ns + "text")
              if list(txt.iter(ns + "tspan"))]
    fig = viz.draw_graph(w, trace=tr, names=names)
    node_texts = [s for s in texts(fig) if s not in ("no_grad()", "\u2702 detach()")]
    assert labels == node_texts
    plain = [txt.text for txt in root.iter(ns + "text") if txt.text]
    for s in ("chain", "no_grad()", "\u2702 detach()", "cut by detach()", "ran under no_grad", "requires_grad=False"):
        assert s in plain
    assert len(root.findall(f".//{ns}g[@class='tg-node tg-leaf']")) == 7


def test_line_chart_and_grid_svg_are_well_formed_and_skip_non_finite_points():
    import xml.etree.ElementTree as ET

    svg = viz.line_chart_svg([{"x": [1, 2, 3, 4], "y": [1.0, float("inf"), float("nan"), 0.5], "label": "run"},
                              {"x": [1, 2], "y": [0.0, -1.0], "dash": True}],
                             title="loss <&>", xlabel="step", log_y=True, marker_first="start", marker_last="end",
                             extra_lines=[(0, 1, 4, 2, "target", "#2ca02c")])
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "loss &lt;&amp;&gt;" in svg
    polylines = [e for e in root.iter() if e.tag.endswith("polyline")]
    assert [len(p.get("points").split()) for p in polylines] == [1, 1]  # two runs of the finite series
    assert "nan" not in svg and "inf" not in svg
    ET.fromstring(viz.line_chart_svg([], title="empty"))
    grid = viz.grid_svg([[4.0, 2.0], [2.0, 4.0]], title="inp.grad")
    assert [t.text for t in ET.fromstring(grid).iter() if t.tag.endswith("text")] == ["inp.grad", "4", "2", "2", "4"]
    ET.fromstring(viz.grid_svg(None, title="None"))


def test_graph_svg_marks_a_backward_pass_in_progress():
    a = TG.tensor(2.0, requires_grad=True)
    b = TG.tensor(3.0, requires_grad=True)
    h = a * b
    out = h + a
    acc_a = h.grad_fn.next_functions[0][0]  # a's AccumulateGrad node is drawn as the leaf a
    marks = {out.grad_fn: ("done", "received 1.0"), h.grad_fn: ("next", "pending 1.0"),
             acc_a: ("pending", "pending 1.0")}
    svg = viz.graph_svg(out, names={"a": a, "b": b, "h": h, "out": out}, marks=marks)
    assert svg.count("pending 1.0") == 2 and svg.count("received 1.0") == 1
    assert svg.count(viz._COLORS["pending"][0]) == 2 and viz._COLORS["done"][0] in svg
    plain = viz.graph_svg(out, names={"a": a, "b": b, "h": h, "out": out})
    assert "pending" not in plain and viz._COLORS["pending"][0] not in plain


def test_marks_show_where_autograd_refused_in_both_renderers():
    a = TG.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    s = TG.sigmoid(a)
    out = TG.nn.ReLU(inplace=True)(s)
    sigmoid_node = out.grad_fn.next_functions[0][0]
    marks = {sigmoid_node: ("error", "saved s at version 0, now 1"), a: ("note", "the leaf")}
    svg = viz.graph_svg(out, names={"a": a, "out": out}, marks=marks)
    assert "saved s at version 0, now 1" in svg and "the leaf" in svg and "where the trouble is" in svg
    assert svg.count(viz._COLORS["error"][0]) == 2  # the node and its legend entry
    fig = viz.draw_graph(out, names={"a": a, "out": out}, marks=marks)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("saved s at version 0, now 1" in t for t in texts)
    with pytest.raises(ValueError, match="unknown mark"):
        viz.graph_svg(out, marks={sigmoid_node: ("wrong", None)})


@pytest.mark.parametrize("lib", [TG, real_torch], ids=["teachgrad", "torch"])
def test_a_traced_tensor_changed_in_place_is_drawn_from_its_graph(lib):
    """relu_ and += replace a tensor's grad_fn after the trace saw it made: the drawing follows the
    graph as it is now (ReluBackward0 over SigmoidBackward0; every step's AddBackward0 of a running sum)."""
    a = lib.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    with viz.trace(lib) as tr:
        s = lib.sigmoid(a)
        lib.nn.functional.relu(s, inplace=True)
        total = 0
        for _ in range(3):
            total += (s * 2).sum()
    svg = viz.graph_svg(s, trace=tr, names={"a": a})
    assert "ReluBackward0" in svg and "SigmoidBackward0" in svg
    svg = viz.graph_svg(total, trace=tr, names={"a": a})
    assert svg.count(">AddBackward0<") == 3 and svg.count(">SumBackward0<") == 3  # 0 + sum, then two +=


def test_line_chart_legend_below_keeps_the_axis_label_clear():
    import xml.etree.ElementTree as ET

    svg = viz.line_chart_svg([{"x": [1, 2], "y": [1.0, 2.0], "label": "a rather long label for one series"}],
                             xlabel="layer", width=300, height=200, legend_below=True)
    root = ET.fromstring(svg)
    assert float(root.get("height")) > 200
    texts = {t.text: float(t.get("y")) for t in root.iter() if t.tag.endswith("text")}
    assert texts["layer"] < texts["a rather long label for one series"]
