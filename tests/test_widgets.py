"""The explorers: their logic (teachgrad.explorers) and their widgets (teachgrad.widgets), tested
without a browser, against real PyTorch (the specification).

Every function takes the tensor library as ``torch=``; each test runs with real torch and with
teachgrad, and the two must give the same tables.
"""

import itertools
import math

import pytest

import torch as real_torch

import teachgrad as TG

from teachgrad import explorers as tx
from teachgrad import widgets as tw


LIBS = [pytest.param(real_torch, id="torch"), pytest.param(TG, id="teachgrad")]


@pytest.fixture(params=LIBS)
def lib(request):
    return request.param


# ---------------------------------------------------------------------------------------------
# the chain: an independent oracle, derived by hand with the chain rule
# ---------------------------------------------------------------------------------------------

FULL = {"a": 935.0, "b": 55.0, "c": 407.0, "d": 11.0, "e": 192.0, "f": 1.0, "x": 110.0}


def oracle(rg, detach_y, detach_z, no_grad_y, no_grad_z):
    y_rg = (rg["a"] or rg["x"] or rg["b"]) and not no_grad_y
    y_used = y_rg and not detach_y  # does gradient flow from z into y?
    z_rg = (rg["c"] or y_used or rg["d"]) and not no_grad_z
    z_used = z_rg and not detach_z
    w_rg = rg["e"] or z_used or rg["f"]
    grads = dict.fromkeys(FULL)
    if w_rg:
        for k in "ef":
            grads[k] = FULL[k] if rg[k] else None
        if z_used:
            for k in "cd":
                grads[k] = FULL[k] if rg[k] else None
            if y_used:
                for k in "abx":
                    grads[k] = FULL[k] if rg[k] else None
    return grads, w_rg


ALL_COMBOS = list(itertools.product([True, False], repeat=11))


def _combo(bits):
    rg = dict(zip(tx.CHAIN_LEAVES, bits[:7]))
    toggles = dict(zip(tx.CHAIN_TOGGLES, bits[7:]))
    return rg, toggles


def test_chain_default_matches_the_detach_article(lib):
    r = tx.chain_gradients(torch=lib)
    assert r["values"] == {"y": 37.0, "z": 192.0, "w": 2125.0}
    assert r["grads"] == FULL
    assert r["error"] is None
    assert tx.chain_table(r) == (
        "a  935.0\nb  55.0\nc  407.0\nd  11.0\ne  192.0\nf  1.0\nx  110.0\n"
        "w = 2125.0, requires_grad=True"
    )


@pytest.mark.parametrize("case, expected_none", [
    (dict(detach_y=True), "abx"),
    (dict(detach_z=True), "abcdx"),
    (dict(no_grad_y=True), "abx"),
    (dict(no_grad_z=True), "abcdx"),
    (dict(requires_grad={"c": False, "d": False}), "cd"),
    (dict(requires_grad={"e": False, "f": False}), "ef"),
])
def test_chain_six_experiments_of_the_detach_article(lib, case, expected_none):
    r = tx.chain_gradients(torch=lib, **case)
    for k in tx.CHAIN_LEAVES:
        if k in expected_none:
            assert r["grads"][k] is None, k
        else:
            assert r["grads"][k] == FULL[k], k
    assert r["values"]["w"] == 2125.0


@pytest.fixture(scope="module")
def torch_chain_tables():
    """The specification: real PyTorch's table for each of the 2^11 combinations of toggles."""
    out = {}
    for bits in ALL_COMBOS:
        rg, toggles = _combo(bits)
        out[bits] = tx.chain_gradients(torch=real_torch, requires_grad=rg, **toggles)
    return out


def _check_against_oracle(results):
    for bits, r in results.items():
        rg, toggles = _combo(bits)
        grads, w_rg = oracle(rg, **toggles)
        assert r["grads"] == grads, (rg, toggles)
        assert r["w_requires_grad"] == w_rg, (rg, toggles)
        assert r["w_grad_fn"] == ("AddBackward0" if w_rg else None), (rg, toggles)
        assert (r["error"] is None) == w_rg, (rg, toggles)
        assert r["values"] == {"y": 37.0, "z": 192.0, "w": 2125.0}


def test_chain_torch_matches_the_hand_derived_oracle_for_every_combination(torch_chain_tables):
    _check_against_oracle(torch_chain_tables)


def test_chain_teachgrad_table_equals_torch_for_every_combination(torch_chain_tables):
    mine = {}
    for bits, spec in torch_chain_tables.items():
        rg, toggles = _combo(bits)
        mine[bits] = r = tx.chain_gradients(torch=TG, requires_grad=rg, **toggles)
        assert tx.chain_table(r) == tx.chain_table(spec), (rg, toggles)
        assert r["error"] == spec["error"], (rg, toggles)
    _check_against_oracle(mine)


def test_chain_nothing_requires_grad_gives_friendly_error(lib):
    r = tx.chain_gradients(torch=lib, requires_grad=dict.fromkeys(tx.CHAIN_LEAVES, False))
    assert "element 0 of tensors does not require grad and does not have a grad_fn" in r["error"]
    assert "Nothing in this computation requires grad" in r["error"]
    table = tx.chain_table(r)
    assert "c  None" in table and "w = 2125.0, requires_grad=False" in table
    assert table.splitlines()[-1].startswith("w.backward() failed: RuntimeError: element 0")


def test_chain_code_is_what_runs():
    code = tx.chain_code(requires_grad={"c": False}, detach_y=True, no_grad_z=True)
    assert "c = torch.tensor(5., requires_grad=False)" in code
    assert "with torch.no_grad():\n    z = c * y.detach() + d" in code
    assert code.endswith("w = e * z + f\nw.backward()")
    compile(code, "<chain>", "exec")
    with pytest.raises(ValueError):
        tx.chain_code(requires_grad={"q": True})


# ---------------------------------------------------------------------------------------------
# accumulation
# ---------------------------------------------------------------------------------------------

def _grad(lab):
    return None if lab.inp.grad is None else lab.inp.grad.tolist()


def _expected(diag, off):
    return [[diag if i == j else off for j in range(5)] for i in range(5)]


def test_accumulation_as_in_the_autograd_tutorial(lib):
    lab = tx.AccumulationLab(lib)
    assert _grad(lab) is None
    assert lab.backward(retain_graph=True)
    assert _grad(lab) == _expected(4.0, 2.0)
    assert lab.backward(retain_graph=True)
    assert _grad(lab) == _expected(8.0, 4.0)
    assert lab.zero_grad()
    assert lab.backward(retain_graph=True)
    assert _grad(lab) == _expected(4.0, 2.0)
    assert lab.calls == 3
    table = lab.table()
    assert table.startswith("backward calls: 3\ninp.grad:\ntensor([[4., 2., 2., 2., 2.],")
    assert table == tx.AccumulationLab.table(lab)


def test_accumulation_without_retain_graph_fails_second_time(lib):
    lab = tx.AccumulationLab(lib)
    assert lab.backward(retain_graph=False)
    assert not lab.backward(retain_graph=False)
    assert lab.message.startswith("RuntimeError: Trying to backward through the graph a second time")
    assert "Tick retain_graph" in lab.message
    assert _grad(lab) == _expected(4.0, 2.0)  # the failed call added nothing
    assert lab.calls == 1
    lab.new_graph()
    assert lab.backward(retain_graph=False)
    assert _grad(lab) == _expected(8.0, 4.0)  # a new graph, the same .grad: it accumulates


def test_accumulation_zero_grad_before_backward_is_a_message(lib):
    lab = tx.AccumulationLab(lib)
    assert not lab.zero_grad()
    assert "inp.grad is None" in lab.message
    assert "inp.grad:\nNone" in lab.table()


def test_accumulation_tables_teachgrad_equal_torch():
    a, b = tx.AccumulationLab(TG), tx.AccumulationLab(real_torch)
    for action in ["backward", "backward", "zero_grad", "backward", "backward_free", "backward", "new_graph",
                   "backward"]:
        for lab in (a, b):
            if action == "backward_free":
                lab.backward(retain_graph=False)
            else:
                getattr(lab, action)()
        assert a.table() == b.table(), action


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------

def sgd_by_hand(lr, momentum, zero_grad, steps):
    """SGD with momentum on L = (w*3 + b - 5)^2, in plain Python (PyTorch's update rule): for each
    step, the loss and w.grad it used and w, b after its update."""
    w, b = 2.0, 1.0
    gw = gb = 0.0
    bw = bb = None
    out = []
    for k in range(1, steps + 1):
        if zero_grad:
            gw = gb = 0.0
        r = w * 3 + b - 5
        gw += 2 * r * 3
        gb += 2 * r
        bw = gw if bw is None else momentum * bw + gw
        bb = gb if bb is None else momentum * bb + gb
        w -= lr * bw
        b -= lr * bb
        out.append((k, r * r, gw, w, b))
    return out


@pytest.mark.parametrize("zero_grad", [True, False])
@pytest.mark.parametrize("lr, momentum", [(0.01, 0.9), (0.01, 0.0), (0.001, 0.5)])
def test_training_matches_hand_computation(lib, zero_grad, lr, momentum):
    hist = tx.training_run(lr=lr, momentum=momentum, zero_grad=zero_grad, steps=20, torch=lib)
    ref = sgd_by_hand(lr, momentum, zero_grad, 20)
    assert len(hist) == 20
    for e, (k, loss, w_grad, w, b) in zip(hist, ref):
        assert e["step"] == k
        for got, want in ((e["loss"], loss), (e["w_grad"], w_grad), (e["w"], w), (e["b"], b)):
            assert math.isclose(got, want, rel_tol=1e-4, abs_tol=1e-4), (k, got, want)


def test_training_first_step_and_table(lib):
    hist = tx.training_run(torch=lib)
    assert len(hist) == 50 and hist[0]["step"] == 1
    assert hist[0]["loss"] == 4.0 and hist[0]["w_grad"] == 12.0 and hist[0]["b_grad"] == 4.0
    assert math.isclose(hist[0]["w"], 1.88, rel_tol=1e-6) and math.isclose(hist[0]["b"], 0.96, rel_tol=1e-6)
    table = tx.training_table(hist)
    lines = table.splitlines()
    assert lines[0].split() == ["step", "loss", "w.grad", "w", "b"]
    assert lines[1].split() == ["1", "4.0000", "12.0000", "1.8800", "0.9600"]
    assert lines[2].split() == ["2", "2.5600", "9.6000", "1.6760", "0.8920"]
    assert lines[4].strip() == "..."
    assert lines[5].split()[0] == "50"


def test_training_without_zero_grad_is_worse(lib):
    good = tx.training_run(torch=lib)[-1]["loss"]
    bad = tx.training_run(zero_grad=False, torch=lib)[-1]["loss"]
    assert bad > 1000 * good


def test_training_teachgrad_close_to_torch():
    # without zero_grad the run is unstable and amplifies float32 rounding: compare its start only
    for zg, steps, tol in ((True, 50, 1e-4), (False, 12, 1e-3)):
        a = tx.training_run(zero_grad=zg, steps=steps, torch=TG)
        b = tx.training_run(zero_grad=zg, steps=steps, torch=real_torch)
        for x, y in zip(a, b):
            for k in ("w", "b"):
                assert math.isclose(x[k], y[k], rel_tol=tol, abs_tol=1e-5), (zg, x, y)
            assert math.isclose(x["loss"], y["loss"], rel_tol=10 * tol, abs_tol=1e-4), (zg, x, y)


# ---------------------------------------------------------------------------------------------
# nn.Sequential
# ---------------------------------------------------------------------------------------------

SHAPES = {"0.weight": (4, 2), "0.bias": (4,), "2.weight": (1, 4), "2.bias": (1,), "input": (2, 2)}


@pytest.mark.parametrize("freeze_0, freeze_2, input_rg", list(itertools.product([False, True], repeat=3)))
def test_sequential_which_grads_are_none(lib, freeze_0, freeze_2, input_rg):
    r = tx.sequential_gradients(freeze_0=freeze_0, freeze_2=freeze_2, input_requires_grad=input_rg, torch=lib)
    live = {"0.weight": not freeze_0, "0.bias": not freeze_0, "2.weight": not freeze_2, "2.bias": not freeze_2,
            "input": input_rg}
    anything = any(live.values())
    assert r["out_requires_grad"] == anything
    assert r["out_grad_fn"] == ("AddmmBackward0" if anything else None)
    assert (r["error"] is None) == anything
    for name, on in live.items():
        assert r["grads"][name] == (SHAPES[name] if on and anything else None), name
    table = tx.sequential_table(r)
    assert table.splitlines()[0] == f"model(x): requires_grad={anything}, grad_fn={r['out_grad_fn']}"
    assert ("input     None" in table) == (not input_rg)


def test_sequential_default_as_in_the_sequential_article(lib):
    r = tx.sequential_gradients(torch=lib)
    assert tx.sequential_table(r) == (
        "model(x): requires_grad=True, grad_fn=AddmmBackward0\n"
        "0.weight  grad shape (4, 2)\n0.bias    grad shape (4,)\n"
        "2.weight  grad shape (1, 4)\n2.bias    grad shape (1,)\ninput     None"
    )


def test_sequential_leaves_the_global_rng_alone(lib):
    lib.manual_seed(123)
    expected = lib.rand(3).tolist()
    lib.manual_seed(123)
    tx.sequential_gradients(torch=lib)
    assert lib.rand(3).tolist() == expected


# ---------------------------------------------------------------------------------------------
# the widgets themselves (no browser: set controls as a notebook cell would)
# ---------------------------------------------------------------------------------------------

def _no_pyplot_figures():
    from matplotlib import _pylab_helpers

    return _pylab_helpers.Gcf.get_num_fig_managers() == 0


def test_chain_explorer_controls_and_table(lib):
    ex = tw.ChainExplorer(torch=lib)
    names = [f"requires_grad_{k}" for k in tx.CHAIN_LEAVES] + list(tx.CHAIN_TOGGLES)
    assert sorted(ex.controls) == sorted(names)
    assert all(ex.controls[f"requires_grad_{k}"].value is True for k in tx.CHAIN_LEAVES)
    assert all(ex.controls[k].value is False for k in tx.CHAIN_TOGGLES)
    assert "a  935.0" in ex.table()
    ex.controls["requires_grad_c"].value = False
    t = ex.table()
    assert "c  None" in t and "a  935.0" in t and "b  55.0" in t and "x  110.0" in t
    assert b"<svg" in bytes(ex._plot.value)
    ex.controls["detach_y"].value = True
    assert "a  None" in ex.table()
    for k in tx.CHAIN_LEAVES:
        ex.controls[f"requires_grad_{k}"].value = False
    assert "element 0 of tensors does not require grad" in ex._message.value
    assert ex.table().endswith("does not have a grad_fn")
    assert _no_pyplot_figures()


def test_explorers_display_as_widgets(lib):
    for cls in (tw.ChainExplorer, tw.AccumulationExplorer, tw.TrainingExplorer, tw.SequentialExplorer,
                tw.FieldGuideExplorer, tw.GradientFlowExplorer):
        ex = cls(torch=lib)
        bundle = ex._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
        assert bundle["text/plain"] == f"{cls.__name__}: an interactive widget (run the notebook in JupyterLab to use it)"
        assert ex.table() and "Something went wrong" not in ex._message.value


def test_accumulation_explorer_buttons(lib):
    ex = tw.AccumulationExplorer(torch=lib)
    assert sorted(ex.controls) == ["backward", "new_graph", "retain_graph", "zero_grad"]
    assert ex.controls["retain_graph"].value is True
    ex.controls["backward"].click()
    ex.controls["backward"].click()
    assert ex.table().startswith("backward calls: 2\ninp.grad:\ntensor([[8., 4., 4., 4., 4.],")
    ex.controls["zero_grad"].click()
    assert "tensor([[0., 0., 0., 0., 0.]," in ex.table()
    ex.controls["retain_graph"].value = False
    ex.controls["backward"].click()
    ex.controls["backward"].click()
    assert "Trying to backward through the graph a second time" in ex.table()
    assert "Trying to backward through the graph a second time" in ex._message.value
    assert "Trying to backward" not in ex._table.value  # shown once, in the message box
    ex.controls["new_graph"].click()
    ex.controls["backward"].click()
    assert ex.table().startswith("backward calls: 4\ninp.grad:\ntensor([[8., 4., 4., 4., 4.],")


def test_training_explorer_controls(lib):
    ex = tw.TrainingExplorer(torch=lib)
    c = ex.controls
    assert (c["zero_grad"].value, c["lr"].value, c["momentum"].value, c["steps"].value) == (True, 0.01, 0.9, 50)
    assert ex.table().splitlines()[0] == "zero_grad=True, lr=0.01, momentum=0.9, steps=50"
    c["zero_grad"].value = False
    assert "Without zero_grad" in ex._message.value or "blew up" in ex._message.value
    c["steps"].value = 5
    assert ex.table().splitlines()[-1].split()[0] == "5"
    c["lr"].value = 1.0
    assert "blew up" in ex._message.value
    assert bytes(ex._plot.value[:4]) == b"<svg"


def test_sequential_explorer_controls(lib):
    ex = tw.SequentialExplorer(torch=lib)
    assert sorted(ex.controls) == ["freeze_0", "freeze_2", "input_requires_grad"]
    assert "input     None" in ex.table()
    ex.controls["input_requires_grad"].value = True
    assert "input     grad shape (2, 2)" in ex.table()
    ex.controls["freeze_0"].value = True
    assert "0.weight  None" in ex.table()
    ex.controls["input_requires_grad"].value = False
    ex.controls["freeze_2"].value = True
    assert "does not require grad" in ex._message.value
    assert ex.table().splitlines()[0] == "model(x): requires_grad=False, grad_fn=None"


def test_a_failing_callback_shows_a_message_not_a_traceback(lib, monkeypatch):
    ex = tw.ChainExplorer(torch=lib)

    def boom(**kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(tx, "chain_gradients", boom)
    ex.controls["detach_z"].value = True  # must not raise
    assert "Something went wrong: ValueError: boom" in ex._message.value


def test_training_explorer_lr_offers_the_values_the_lessons_name():
    ex = tw.TrainingExplorer()
    for lr in (0.001, 0.01, 0.1, 0.15, 0.2, 1.0):
        ex.controls["lr"].value = lr
        assert f"lr={lr:g}" in ex.table()


def _fake_train(calls):
    def train(name, lr=0.05, steps=300, on_progress=None):
        calls.append((name, lr, steps))
        history = {"train": [], "val": []}
        for step in range(steps):
            loss = float("inf") if lr >= 1.0 and step > 5 else 1.0 / (step + 1)
            history["train"].append(loss if step < 8 or lr < 1.0 else float("nan"))
            history["val"].append(2.0 / (step + 1))
            if on_progress is not None:
                on_progress(step, history)
        return None, history
    return train


def test_training_curve_explorer_calls_the_lessons_train_function():
    calls = []
    ex = tw.TrainingCurveExplorer(_fake_train(calls))
    assert ex.table() == "not trained yet: press train"
    ex.controls["optimizer"].value = "Adam"
    ex.controls["lr"].value = 0.15
    ex.controls["steps"].value = 100
    ex.controls["train"].click()
    assert calls == [("Adam", 0.15, 100)]
    lines = ex.table().splitlines()
    assert lines[0] == "Adam, lr=0.15, 100 steps"
    assert lines[1].split()[-1] == "1" and lines[3].split()[-1] == "0.01"
    assert bytes(ex._plot.value[:4]) == b"<svg"
    ex.controls["lr"].value = 1.0
    ex.controls["train"].click()
    assert "final train loss    nan" in ex.table()
    assert "too large" in ex._message.value
    assert "Something went wrong" not in ex._message.value


def test_training_curve_redraws_while_training_runs_but_not_at_every_step():
    import time

    def slow_train(name, lr=0.05, steps=100, on_progress=None):
        history = {"train": [], "val": []}
        for step in range(steps):
            time.sleep(0.004)  # 100 steps: about 0.4 s of "training"
            history["train"].append(1.0 / (step + 1))
            history["val"].append(2.0 / (step + 1))
            on_progress(step, history)
        return None, history

    ex = tw.TrainingCurveExplorer(slow_train, steps=100, redraw_seconds=0.1)
    drawn = []
    ex._plot.observe(lambda change: drawn.append(change["new"]), names="value")
    ex.controls["train"].click()
    assert 2 <= len(drawn) <= 10  # a few live redraws and the final one, not one per step
    assert drawn[0] != drawn[-1]  # the curve grew between them


def test_time_updates_covers_every_control():
    times = tw.time_updates(repeats=1)
    for cls in (tw.ChainExplorer, tw.AccumulationExplorer, tw.TrainingExplorer, tw.SequentialExplorer,
                tw.BackwardStepper, tw.FieldGuideExplorer, tw.GradientFlowExplorer):
        for name in cls().controls:
            label = f"{cls.__name__}: {name}" + (" (30 layers)" if name == "depth" else "")
            assert times[label] >= 0
    assert times["TrainingCurveExplorer: train"] > 0
    assert not any(key.startswith("TrainingCurveExplorer: ") and key != "TrainingCurveExplorer: train" for key in times)


# ---------------------------------------------------------------------------------------------
# lesson 8's stepper: teachgrad's own backward loop, one node at a time
# ---------------------------------------------------------------------------------------------

def _torch_diamond_grads():
    """d out / d (every named tensor of the diamond), by real PyTorch."""
    out, names = tx.diamond(real_torch)
    grads = real_torch.autograd.grad(out, list(names.values()))
    return {name: g.item() for name, g in zip(names, grads)}


def test_stepper_runs_the_engines_loop_node_by_node():
    expected = _torch_diamond_grads()
    steps = tx.BackwardSteps(tx.diamond)
    out, names = steps.out, steps.names
    fired = []  # a node hook runs inside the engine's loop, when the loop reaches h's node
    names["h"].grad_fn.register_hook(lambda grad_inputs, grad_outputs: fired.append(len(steps.done)))
    assert steps.order == TG.graph.topological_order([out.grad_fn])
    h_pending = []
    while steps.step():
        node, received, sent = steps.done[-1]
        name = next((n for n, t in names.items() if node is t.grad_fn or getattr(node, "variable", None) is t))
        assert received == expected[name], name  # what reached the node is d out / d its tensor
        h_pending.append(steps.pending.get(names["h"].grad_fn))
        if node is names["h"].grad_fn:
            assert fired == [len(steps.done) - 1]  # the hook fired during this very step
    assert len(steps.done) == len(steps.order) == 8 and steps.finished
    # h's entry fills from two nodes, then empties when h's node runs
    assert h_pending[:6] == [None, 7.0, 7.0, 12.0, 12.0, None] and steps.pending == {}
    for leaf in ("a2", "x2", "b2", "c2"):
        assert names[leaf].grad.item() == expected[leaf]
    assert steps.step() is False


def test_stepper_table_marks_and_reset():
    steps = tx.BackwardSteps()
    first = steps.table()
    assert first.splitlines()[0] == "ran 0 of 8 nodes" and "next -> 1. AddBackward0 -> out" in first
    for _ in range(4):
        steps.step()
    table = steps.table()
    assert "MulBackward0 -> h          pending 12.0" in table
    assert "pending: {h: 12.0, b2.grad: 6.0}" in table and "c2=6.0" in table
    marks = steps.marks()
    h_node = steps.names["h"].grad_fn
    assert marks[h_node] == ("pending", "pending 12.0")
    assert marks[steps.names["out"].grad_fn] == ("done", "received 1.0")
    assert marks[steps.next_node()][0] == "next"
    old = steps.out
    steps.reset()
    assert steps.out is not old and steps.table() == first and all(
        t.grad is None for t in steps.names.values() if t.is_leaf)


def test_backward_stepper_widget():
    st = tw.BackwardStepper()
    assert "Press &#x27;next node&#x27;" in st._message.value
    st.controls["next"].click()
    st.controls["next"].click()
    assert "pending: {hb: 1.0, h: 7.0, c2.grad: 6.0}" in st.table()
    svg = bytes(st._plot.value).decode()
    assert svg.startswith("<svg") and "pending 7.0" in svg and "received 1.0" in svg
    st.controls["run"].click()
    assert st.table().startswith("ran 8 of 8 nodes - backward is done") and "pending: {}" in st.table()
    assert "Backward is done" in st._message.value
    st.controls["next"].click()  # nothing left: no change, no error
    assert "Something went wrong" not in st._message.value
    st.controls["reset"].click()
    assert st.table().startswith("ran 0 of 8 nodes")


# ---------------------------------------------------------------------------------------------
# lesson 9's field guide: every message, broken and fixed, as real PyTorch gives it
# ---------------------------------------------------------------------------------------------

CASES = [c.key for c in tx.FIELD_GUIDE]


@pytest.mark.parametrize("fixed", [False, True], ids=["broken", "fixed"])
@pytest.mark.parametrize("key", CASES)
def test_field_guide_runs_as_pytorch_does(key, fixed):
    mine = tx.field_guide_run(key, fixed=fixed, torch=TG)
    real = tx.field_guide_run(key, fixed=fixed, torch=real_torch)
    for part in ("printed", "error", "warnings", "outcome"):
        assert mine[part] == real[part], part
    assert mine["code"] == real["code"] == (tx.field_guide_case(key).fixed if fixed else tx.field_guide_case(key).broken)


@pytest.mark.parametrize("key", CASES)
def test_field_guide_broken_code_complains_and_the_fix_silences_it(key):
    case = tx.field_guide_case(key)
    broken = tx.field_guide_run(key, torch=real_torch)
    fixed = tx.field_guide_run(key, fixed=True, torch=real_torch)
    assert fixed["outcome"] == "ok" and fixed["error"] is None and fixed["warnings"] == []
    assert "# fix" in case.fixed and "# fix" not in case.broken
    if case.message.startswith("RuntimeError"):
        assert broken["outcome"] == "error"
        assert broken["error"].startswith(case.message.split(" (")[0].rstrip("."))
    elif case.message.startswith("UserWarning"):
        assert broken["outcome"] == "warning" and broken["warnings"][0].startswith(case.message)
    else:  # the silent trap: the graph kept alive grows with every step, and the fix keeps none
        counts = [int(line.split()[-1]) for line in broken["printed"].splitlines()]
        assert counts[0] < counts[1] < counts[2] and counts[2] - counts[1] == counts[1] - counts[0]
        assert [int(line.split()[-1]) for line in fixed["printed"].splitlines()] == [0, 0, 0]


@pytest.mark.parametrize("key", CASES)
def test_field_guide_drawing_marks_the_trouble(key):
    from teachgrad import viz

    r = tx.field_guide_run(key, torch=TG, trace=True)
    if r["tensor"] is None:  # the error came before anything was computed
        assert key in ("integer", "mat-shapes")
        return
    svg = viz.graph_svg(r["tensor"], trace=r["trace"], names=r["names"], marks=r["marks"])
    assert svg.startswith("<svg")
    if key != "integer":
        assert r["marks"] and viz._COLORS["error"][0] in svg
    for note in (note for _, note in r["marks"].values()):
        assert note in svg


def test_field_guide_table_and_case_lookup():
    r = tx.field_guide_run("version", torch=TG)
    assert tx.field_guide_table(r) == (
        "fix applied: no\nraised:  RuntimeError: one of the variables needed for gradient computation has been "
        "modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of Sigmoid, is at version 1; "
        "expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute "
        "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
    r = tx.field_guide_run("non-leaf-grad", torch=TG)
    table = tx.field_guide_table(r)
    assert "printed:\n  w.is_leaf: False\n  w.grad: None" in table
    assert "warned:  UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor" in table
    assert "Triggered internally" not in table
    with pytest.raises(KeyError, match="no field guide case"):
        tx.field_guide_case("nope")


def test_graph_nodes_counts_each_node_once(lib):
    x = lib.tensor(2.0, requires_grad=True)
    h = x * x                 # MulBackward0 -> AccumulateGrad (once, although x is used twice)
    out = h + h               # AddBackward0 -> MulBackward0 (once)
    assert tx.graph_nodes(out) == 3
    assert tx.graph_nodes(3.5) == 0 and tx.graph_nodes(lib.ones(2)) == 0


def test_printed_warnings_prints_the_message_without_the_cpp_location(lib, capsys):
    with tx.printed_warnings(width=60):
        (lib.randn(3, requires_grad=True) * 2).grad
    out = capsys.readouterr().out
    assert " ".join(out.split()).startswith("UserWarning: The .grad attribute of a Tensor that is not a leaf")
    assert "Triggered internally" not in out and max(len(line) for line in out.splitlines()) <= 60


def test_field_guide_explorer(lib):
    ex = tw.FieldGuideExplorer(torch=lib)
    assert sorted(ex.controls) == ["case", "fix"]
    assert ex.controls["case"].value == "no-grad" and ex.controls["fix"].value is False
    assert "element 0 of tensors does not require grad" in ex.table()
    assert "What autograd was protecting" in ex._message.value
    assert "with torch.no_grad():" in ex._code.value
    ex.controls["fix"].value = True
    assert ex.table().startswith("fix applied: yes\nprinted:\n  model.weight.grad: tensor(")
    assert ex.table().endswith("raised:  nothing") and "Fixed:" in ex._message.value
    ex.controls["case"].value = "mat-shapes"
    ex.controls["fix"].value = False
    assert "mat1 and mat2 shapes cannot be multiplied (224x28 and 784x10)" in ex.table()
    assert "nothing to draw" in bytes(ex._plot.value).decode()
    for key in CASES:
        ex.controls["case"].value = key
        for fixed in (True, False):
            ex.controls["fix"].value = fixed
            assert "Something went wrong" not in ex._message.value
            assert bytes(ex._plot.value).startswith(b"<svg")


# ---------------------------------------------------------------------------------------------
# lesson 10: gradient norms through a deep stack
# ---------------------------------------------------------------------------------------------

def test_deep_stack_is_what_the_lesson_builds(lib):
    model = tx.deep_stack(3, "tanh", "kaiming", width=4, torch=lib)
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh"] * 3
    assert all(m.bias.abs().sum().item() == 0 for m in model if type(m).__name__ == "Linear")
    lib.manual_seed(0)
    first = lib.randn(1)
    lib.manual_seed(0)
    tx.deep_stack(3, "relu", torch=lib)
    assert lib.equal(lib.randn(1), first), "the global random state is left alone"
    with pytest.raises(ValueError, match="activation must be one of"):
        tx.deep_stack(2, "gelu", torch=lib)
    with pytest.raises(ValueError, match="init must be one of"):
        tx.deep_stack(2, "relu", "zeros", torch=lib)


@pytest.mark.parametrize("activation", tx.ACTIVATIONS)
@pytest.mark.parametrize("init", tx.INITS)
def test_gradient_flow_matches_pytorch(activation, init):
    mine = tx.gradient_flow(12, activation, init, torch=TG)
    real = tx.gradient_flow(12, activation, init, torch=real_torch)
    assert mine["verdict"] == real["verdict"]
    assert len(mine["norms"]) == 12
    if (activation, init) == ("tanh", "normal"):
        # saturated tanh with weights of std 1 is chaotic: a last-bit difference in tanh grows by
        # orders of magnitude over the layers (1e-4 after 10 layers, 1e-1 after 20); only the verdict holds
        return
    for a, b in zip(mine["norms"] + [mine["loss"]], real["norms"] + [real["loss"]]):
        assert math.isclose(a, b, rel_tol=1e-5), (a, b)


def test_gradient_flow_by_hand_on_a_one_layer_stack(lib):
    """One Linear + ReLU: d mean(relu(xW^T + b)^2) / dW = 2/N * (mask * out)^T x, recomputed here."""
    r = tx.gradient_flow(1, "relu", "default", width=4, batch=5, torch=lib)
    model = tx.deep_stack(1, "relu", "default", width=4, torch=lib)
    lib.manual_seed(1)
    x = lib.randn(5, 4)
    with lib.no_grad():
        out = (x @ model[0].weight.T + model[0].bias).clamp(min=0)
        grad_w = (2 * out / out.numel()).T @ x
    assert math.isclose(r["norms"][0], grad_w.norm().item(), rel_tol=1e-5)


@pytest.mark.parametrize("settings, verdict", [
    ((10, "sigmoid", "default"), "vanishing"),
    ((10, "relu", "kaiming"), "healthy"),
    ((10, "tanh", "xavier"), "healthy"),
    ((10, "relu", "normal"), "exploding"),
    ((30, "relu", "normal"), "exploding"),
])
def test_gradient_flow_verdicts(lib, settings, verdict):
    r = tx.gradient_flow(*settings, torch=lib)
    assert r["verdict"] == verdict
    table = tx.gradient_flow_table(r)
    assert table.splitlines()[0] == f"depth={settings[0]}, activation={settings[1]}, init={settings[2]}"
    assert table.endswith(f"verdict: {verdict}")


def test_flow_verdict_thresholds():
    assert tx.flow_verdict([1.0, 1.0]) == "healthy"
    assert tx.flow_verdict([0.001, 1.0]) == "vanishing"
    assert tx.flow_verdict([0.0, 1.0]) == "vanishing"
    assert tx.flow_verdict([150.0, 1.0]) == "exploding"
    assert tx.flow_verdict([2.0, 0.01]) == "exploding"
    assert tx.flow_verdict([float("inf"), 1.0]) == "exploding"


def test_flow_verdict_key_reads_the_words_either_explorer_prints():
    import teachgrad

    for verdict in ("vanishing", "exploding", "healthy"):
        assert tx.flow_verdict_key(verdict) == verdict
        assert tx.flow_verdict_key(f" {verdict}\n") == verdict
    with teachgrad.language.language("ja"):  # the Japanese table's verdict line names both words
        for verdict in ("vanishing", "exploding", "healthy"):
            line = tx.gradient_flow_table({"norms": [1.0, 1.0], "depth": 2, "activation": "relu", "init": "default",
                                           "loss": 1.0, "verdict": verdict}).splitlines()[-1]
            japanese = line.split("（")[1].rstrip("）")
            assert tx.flow_verdict_key(japanese) == verdict
    for other in ("Vanishing", "消失", "正常", "", None, 1, ["healthy"]):
        assert tx.flow_verdict_key(other) is None


def test_gradient_flow_explorer(lib, recwarn):
    ex = tw.GradientFlowExplorer(torch=lib)
    assert sorted(ex.controls) == ["activation", "depth", "init"]
    assert ex.table().endswith("verdict: vanishing") and "Vanishing" in ex._message.value
    ex.controls["activation"].value = "relu"
    ex.controls["init"].value = "kaiming"
    assert ex.table().endswith("verdict: healthy")
    ex.controls["init"].value = "normal"
    ex.controls["depth"].value = 30
    assert ex.table().endswith("verdict: exploding") and "overflowed float32 to inf" in ex._message.value
    svg = bytes(ex._plot.value).decode()
    assert svg.startswith("<svg") and "activation relu, init normal" in svg
    ex.controls["activation"].value = "sigmoid"
    ex.controls["init"].value = "default"
    assert "underflowed float32 to exactly 0" in ex._message.value
    assert "Something went wrong" not in ex._message.value
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
