"""teachgrad.checks: the machinery behind every exercise's check cell.

A learner alone must get a tick only for a right answer and a hint (never a traceback, never a
hang) for everything else; these tests feed the pieces the kinds of answers learners give.
"""

import math
import time

import pytest

import torch as real_torch

import teachgrad as TG
from teachgrad import checks
from teachgrad.checks import Incomplete, answer, call, check, close, digest, exercise, matches

LIBS = [pytest.param(real_torch, id="torch"), pytest.param(TG, id="teachgrad")]


@pytest.fixture(params=LIBS)
def lib(request):
    return request.param


# -- check() -----------------------------------------------------------------------------------

def test_check_passes_and_prints_success(capsys):
    check(True, "hint", success="fine")
    check(1 == 1, "hint")  # outside a block: the verdict itself
    assert capsys.readouterr().out == "\u2705 fine\n\u2705 Correct!\n"


def test_check_fails_with_the_hint_only():
    with pytest.raises(Incomplete) as info:
        check(False, "look at the shape")
    assert info.value.hint == "look at the shape"
    assert str(info.value) == "Not yet. Hint: look at the shape"
    assert isinstance(info.value, AssertionError)  # nbgrader's autograder counts it as failed
    assert info.value._render_traceback_() == ["\u274c Not yet. Hint: look at the shape"]


@pytest.mark.parametrize("condition, words", [
    ((x for x in [False]), "generator"),
    (iter([False]), "list_iterator"),
    (None, "None"),
    (float("nan"), "NaN"),
    ([False], "list"),
    ("yes", "str"),
])
def test_check_refuses_ambiguous_conditions(condition, words):
    with pytest.raises(TypeError, match=words):
        check(condition, "hint")


def test_check_refuses_multi_element_and_nan_tensors(lib):
    with pytest.raises(TypeError, match="2 elements"):
        check(lib.tensor([True, False]), "hint")
    with pytest.raises(TypeError, match="NaN"):
        check(lib.tensor(float("nan")), "hint")
    check(lib.tensor(True), "hint")
    with pytest.raises(Incomplete):
        check(lib.tensor(0.0) > 1, "hint")


# -- exercise blocks ---------------------------------------------------------------------------

def test_block_prints_correct_only_at_the_end(capsys):
    with exercise():
        check(True, "h", success="part one")
        check(True, "h")
    assert capsys.readouterr().out == "\u2705 part one\n\u2705 Correct!\n"


def test_block_failure_prints_no_verdict(capsys):
    with pytest.raises(Incomplete):
        with exercise():
            check(True, "h", success="part one")
            check(False, "h2")
    assert capsys.readouterr().out == "\u2705 part one\n"


@pytest.mark.parametrize("boom, words", [
    (lambda: [1, 2].shape, "AttributeError"),
    (lambda: undefined_name_for_the_test, "`undefined_name_for_the_test` is not defined: it is made by an earlier "
                                          "cell of this lesson"),  # noqa: F821
    (lambda: 1 / 0, "ZeroDivisionError"),
])
def test_block_turns_any_exception_into_a_hint(boom, words):
    with pytest.raises(Incomplete) as info:
        with exercise():
            boom()
    assert words in info.value.hint
    assert info.value.__suppress_context__  # no chained traceback either


# -- answer() ----------------------------------------------------------------------------------

def _answer_in(ns, *args, **kwargs):
    """Call answer() from a frame whose globals are ``ns`` (as a notebook cell does)."""
    ns = dict(ns, answer=answer)
    code = compile("_result = answer(*_args, **_kwargs)", "<cell>", "exec")
    ns.update(_args=args, _kwargs=kwargs)
    exec(code, ns)
    return ns["_result"]


def test_answer_missing_none_and_ellipsis():
    with pytest.raises(Incomplete, match="not defined yet"):
        _answer_in({}, "t")
    with pytest.raises(Incomplete, match="is None"):
        _answer_in({"t": None}, "t")
    assert _answer_in({"t": None}, "t", allow_none=True) is None
    with pytest.raises(Incomplete, match=r"still holds `\.\.\.`"):
        _answer_in({"t": ...}, "t")


def test_answer_kinds(lib):
    t = lib.ones(2, 3)
    assert _answer_in({"t": t}, "t", "tensor", shape=(2, 3)) is t
    with pytest.raises(Incomplete, match=r"shape \(3,\), but it has shape \(2, 3\)"):
        _answer_in({"t": t}, "t", "tensor", shape=(3,))
    with pytest.raises(Incomplete, match="should be a tensor, but it is a list. Make a tensor"):
        _answer_in({"t": [1.0, 2.0]}, "t", "tensor")
    with pytest.raises(Incomplete, match=r"a Python float, but it is a tensor of shape \(\). Use .item"):
        _answer_in({"m": lib.tensor(2.0)}, "m", "float")
    with pytest.raises(Incomplete, match="decimal point"):
        _answer_in({"m": 2}, "m", "float")
    assert _answer_in({"m": 2}, "m", "number") == 2
    with pytest.raises(Incomplete, match="number"):
        _answer_in({"m": True}, "m", "number")
    with pytest.raises(Incomplete, match="braces"):
        _answer_in({"s": ["a"]}, "s", "set")
    with pytest.raises(Incomplete, match="NaN"):
        _answer_in({"m": float("nan")}, "m", "number")
    with pytest.raises(Incomplete, match="NaN"):
        _answer_in({"t": lib.tensor([1.0, float("nan")])}, "t", "tensor")
    # an exercise's own advice for a value of the wrong kind replaces the standard one
    with pytest.raises(Incomplete) as info:
        _answer_in({"g": [3.0, 12.0, 27.0]}, "g", "tensor", kind_hint="Store t.grad itself.")
    assert info.value.hint == "`g` should be a tensor, but it is a list. Store t.grad itself."


def test_an_object_in_place_of_a_string_is_called_an_object(lib):
    # A learner who stores the node itself (s.grad_fn) where its name is asked for must not read
    # "should be a string, but it is a SubBackward0", which sounds like the right answer.
    s = lib.ones(2, requires_grad=True) - 1
    with pytest.raises(Incomplete) as info:
        _answer_in({"s_node": s.grad_fn}, "s_node", "str")
    assert "should be a string, but it is a SubBackward0 object." in info.value.hint
    assert ".name()" in info.value.hint
    with pytest.raises(Incomplete, match="but it is a Linear object"):
        _answer_in({"m": lib.nn.Linear(1, 1)}, "m", "str")
    with pytest.raises(Incomplete, match=r"but it is an int\.$"):
        _answer_in({"m": 3}, "m", "str")


# -- call() ------------------------------------------------------------------------------------

def test_call_returns_the_result():
    assert call(lambda a, b: a + b, 2, 3) == 5


def test_call_stops_an_endless_loop_quickly():
    def forever():
        while True:
            pass

    start = time.monotonic()
    with pytest.raises(Incomplete, match=r"did not finish within 0.2 seconds"):
        call(forever, time_limit=0.2)
    assert time.monotonic() - start < 2


def test_call_stops_an_endless_loop_that_catches_exceptions():
    def stubborn():
        while True:
            try:
                while True:
                    pass
            except Exception:
                pass

    with pytest.raises(Incomplete, match="did not finish"):
        call(stubborn, time_limit=0.2)


def test_call_time_limit_without_signals(monkeypatch):
    # Platforms without SIGALRM (Windows, the browser's Pyodide) fall back to a trace function.
    monkeypatch.delattr(checks.signal, "setitimer")

    def forever():
        n = 0
        while True:
            n += 1

    with pytest.raises(Incomplete, match="did not finish"):
        call(forever, time_limit=0.2)


def test_call_turns_exceptions_into_hints():
    def todo():
        raise NotImplementedError()

    with pytest.raises(Incomplete, match="still raises NotImplementedError"):
        call(todo)
    with pytest.raises(Incomplete, match=r"f raised ZeroDivisionError: division by zero"):
        call(lambda: 1 / 0, name="f")
    with pytest.raises(Incomplete, match="should be a function, but it is an int"):
        call(3, name="f")

    def recurse():
        return recurse()

    with pytest.raises(Incomplete, match="RecursionError"):
        call(recurse)


def test_call_checks_what_the_function_returns(lib):
    assert call(lambda: 2.5, returns="float") == 2.5
    for result, words in [
        (None, "f should return a Python float, but it returned None. (A function without `return`"),
        (lib.tensor(2.5), "f should return a Python float, but it returned a tensor of shape (). Use .item()"),
        ([1.0], "f should return a Python float, but it returned a list."),
        (float("nan"), "What f returned contains NaN"),
    ]:
        with pytest.raises(Incomplete) as info:
            call(lambda: result, name="f", returns="float")
        assert info.value.hint.startswith(words), info.value.hint
    with pytest.raises(Incomplete, match=r"this tensor holds 3: reduce it the way the task asks"):
        call(lambda: lib.ones(3), name="f", returns="float")
    with pytest.raises(Incomplete, match=r"Hint: g should return a tensor of shape \(3, 2\), but it returned one of shape \(2, 3\)"):
        call(lambda: lib.zeros(2, 3), name="g", returns="tensor", shape=(3, 2))
    with pytest.raises(Incomplete, match="Make a tensor from it"):
        call(lambda: [1.0, 2.0], name="g", returns="tensor")


def test_call_adds_what_to_do_about_a_known_pytorch_error(lib):
    def manual_step(w):
        w -= 0.1 * w.grad  # a leaf that requires grad, changed in place outside no_grad

    w = lib.ones(2, requires_grad=True)
    (w * w).sum().backward()
    with pytest.raises(Incomplete) as info:
        call(manual_step, w, name="step")
    assert info.value.hint.startswith("step raised RuntimeError: a leaf Variable that requires grad")
    assert info.value.hint.endswith("only inside `with torch.no_grad():`.")
    with pytest.raises(Incomplete) as info:
        with exercise():
            lib.tensor([1.0, 2.0], requires_grad=True).mul(2).backward()
    assert "grad can be implicitly created only for scalar outputs" in info.value.hint
    assert "reduce with .sum() or .mean()" in info.value.hint


def test_the_tip_for_a_loss_without_graph_names_no_grad_too(lib):
    # The parameters require grad, but the loss was computed under no_grad: the tip must not only ask
    # which tensor should require grad.
    w = lib.ones(2, requires_grad=True)
    with pytest.raises(Incomplete) as info:
        with exercise():
            with lib.no_grad():
                loss = (w * 2).sum()
            loss.backward()
    assert "element 0 of tensors does not require grad" in info.value.hint
    assert "requires_grad=True" in info.value.hint and "`with torch.no_grad():`" in info.value.hint


def test_a_backward_that_returns_no_tensor_gets_a_tip(lib):
    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return (grad * 2).numpy()

    with pytest.raises(Incomplete) as info:
        with exercise():
            Twice.apply(lib.ones(2, requires_grad=True)).sum().backward()
    assert "keep the gradient a tensor, without .numpy()" in info.value.hint


def test_call_leaves_no_alarm_behind():
    import signal

    before = signal.getsignal(signal.SIGALRM)
    call(lambda: None)
    assert signal.getsignal(signal.SIGALRM) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


# -- digests -----------------------------------------------------------------------------------

def test_digest_rounds_and_normalises(lib):
    assert matches(4 / 3, digest(1.3333, 3), 3)
    assert matches(1.3333, digest(4 / 3, 3), 3)
    assert not matches(1.3, digest(4 / 3, 3), 3)
    assert matches(4, digest(4.0))
    assert matches(-0.0, digest(0.0))
    assert matches({"b", "a"}, digest({"a", "b"}))
    assert matches({"x": "eval", "y": 1}, digest({"y": 1.0, "x": "eval"}))
    assert matches(lib.tensor([1.0, 2.0]), digest([1.0, 2.0]))
    assert not matches(object(), digest(1))
    assert len(digest(1)) == 12


def test_close():
    assert close(0.1 + 0.2, 0.3)
    assert close(1000.05, 1000.0, tol=1e-4)
    assert not close(1.01, 1.0)
    assert not close(float("nan"), float("nan"))
    assert not close("x", 1.0)
    assert close(math.pi, 3.1416, tol=1e-4)


# -- what the learner gets for the mistakes a reader of the lessons made ------------------------

def test_a_missing_lesson_helper_is_not_reported_as_a_missing_answer():
    # After a kernel restart the lesson's own cells (CHAIN_LEAVES, make_model, a given cell's tensors)
    # are gone; the learner's answers are read with answer(), so any other name is the lesson's.
    with pytest.raises(Incomplete) as info:
        with exercise():
            CHAIN_LEAVES_OF_THE_LESSON  # noqa: B018, F821
    hint = info.value.hint
    assert "Write your answer" not in hint
    assert "earlier cell of this lesson" in hint and "Run All Above Selected Cell" in hint


def test_a_name_missing_inside_the_learners_function_says_where_it_comes_from():
    def train_step():
        return loss_fn_of_the_lesson  # noqa: F821

    with pytest.raises(Incomplete) as info:
        call(train_step)
    assert info.value.hint.startswith("train_step raised NameError: name 'loss_fn_of_the_lesson' is not defined.")
    assert "comes from an earlier cell of the lesson, run that cell first" in info.value.hint


@pytest.mark.parametrize("previous, words", [
    # (the cell run before the check, its exception): what the hint for a None answer says
    (("h_grad = None\n# YOUR CODE HERE\nraise NotImplementedError()", NotImplementedError()),
     "your solution cell still raises NotImplementedError"),
    (("h_grad = None\nt = torch.tensor([1, 2], requires_grad=True)",
      RuntimeError("Only Tensors of floating point and complex dtype can require gradients")),
     "stopped with an error before it could assign `h_grad`: RuntimeError: Only Tensors of floating point"),
    (("h_grad = None\nout.backward()\nh_grad = h.grad", None),
     "your cell ran, but the value it stored in `h_grad` is None: call h.retain_grad()"),
    ((None, None), "If it ran and `h_grad` is still None: call h.retain_grad()"),
    (("print(1)", None), "If it ran and `h_grad` is still None: call h.retain_grad()"),
])
def test_a_none_answer_gets_the_reason_it_is_none(monkeypatch, previous, words):
    monkeypatch.setattr(checks, "_previous_cell", lambda: previous)
    with pytest.raises(Incomplete) as info:
        _answer_in({"h_grad": None}, "h_grad", "tensor", none_hint="call h.retain_grad() before backward().")
    assert words in info.value.hint, info.value.hint
    if previous[0] is not None and previous[0].startswith("h_grad"):
        assert "Write your answer in the solution cell" not in info.value.hint


def test_the_previous_cell_is_read_from_ipython(monkeypatch):
    import sys
    import types

    error = RuntimeError("boom")
    result = types.SimpleNamespace(info=types.SimpleNamespace(raw_cell="x = None\nx = f()"), error_in_exec=error,
                                   error_before_exec=None)
    shell = types.SimpleNamespace(last_execution_result=result)
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert checks._previous_cell() == ("x = None\nx = f()", error)
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    assert checks._previous_cell() == (None, None)


def test_pytorchs_messages_are_shown_whole(lib):
    # A second backward() through a freed graph: PyTorch's message is long, and the hint must not cut it.
    x = lib.ones(2, requires_grad=True)
    out = (x * x).sum()
    out.backward()
    with pytest.raises(RuntimeError) as raised:
        out.backward()
    with pytest.raises(Incomplete) as info:
        call(out.backward, name="loss_D.backward()")
    message = " ".join(str(raised.value).split()).rstrip(".")
    assert message in info.value.hint
    assert "..." not in info.value.hint and "\u2026" not in info.value.hint
    assert checks._short(RuntimeError("word " * 400)).endswith("word \u2026")


def test_call_takes_the_exercises_own_tips_first(lib):
    t = lib.ones(2, requires_grad=True)
    tip = "compute a new tensor instead, result = t * 2."
    with pytest.raises(Incomplete) as info:
        call(lambda: t.mul_(2), name="double_until", tips=[("leaf Variable", tip)])
    assert info.value.hint.endswith(tip)
    assert "no_grad" not in info.value.hint


def test_numpy_scalars_count_as_what_they_are():
    np = pytest.importorskip("numpy")
    assert _answer_in({"n": np.int64(4)}, "n", "int") == 4
    assert _answer_in({"n": np.int64(4)}, "n", "number") == 4
    assert _answer_in({"v": np.float32(0.5)}, "v", "float") == 0.5
    with pytest.raises(Incomplete, match="should be a Python int, but it is a float64"):
        _answer_in({"n": np.float64(4.0)}, "n", "int")
    with pytest.raises(Incomplete, match="should be a Python float, but it is an int64"):
        _answer_in({"v": np.int64(4)}, "v", "float")


def test_answer_can_ask_for_floating_point_values(lib):
    grad = lib.tensor([3, 12, 27])
    with pytest.raises(Incomplete, match=r"should hold floating-point numbers, but its dtype is torch.int64\. Write"):
        _answer_in({"g": grad}, "g", "tensor", shape=(3,), floating=True)
    with pytest.raises(Incomplete, match=r"torch.int64\. store t.grad itself"):
        _answer_in({"g": grad}, "g", "tensor", floating="store t.grad itself")
    assert _answer_in({"g": grad.float()}, "g", "tensor", floating=True) is not None


def _netD_step(lib, own_backward):
    lib.manual_seed(1)
    nn = __import__(f"{lib.__name__}.nn", fromlist=["nn"])
    net = nn.Linear(3, 1)
    loss = net(lib.ones(4, 3)).mean()
    for _ in range(own_backward):
        loss.backward()
    return net, loss


@pytest.mark.parametrize("own_backward", [0, 1, 2])
def test_backward_once_accepts_a_backward_the_learner_already_ran(lib, own_backward):
    net, loss = _netD_step(lib, own_backward if own_backward < 2 else 1)
    if own_backward == 2:  # the learner's cell ran twice: two graphs, two backward() calls
        loss = net(lib.ones(4, 3)).mean()
        loss.backward()
    ran = checks.backward_once(loss, net.parameters(), name="loss_D.backward()")
    assert ran is (own_backward == 0)
    assert net.weight.grad.tolist() == [[float(max(own_backward, 1))] * 3]
    checks.backward_once(loss, net.parameters())  # the check cell run a second time: the same gradients
    assert net.weight.grad.tolist() == [[float(max(own_backward, 1))] * 3]


def test_backward_once_turns_other_errors_into_hints(lib):
    loss = lib.ones(3, requires_grad=True) * 2
    with pytest.raises(Incomplete, match="loss_D.backward\\(\\) raised RuntimeError: grad can be implicitly created"):
        checks.backward_once(loss, [], name="loss_D.backward()")


def _gan_step(lib, route, own_backward=False):
    """Lesson 5's discriminator step: netD given the generator's fake batch by ``route``."""
    nn = __import__(f"{lib.__name__}.nn", fromlist=["nn"])
    lib.manual_seed(1)
    netG, netD = nn.Linear(2, 3), nn.Linear(3, 1)
    fake = netG(lib.randn(8, 2))
    given = {"detach": fake.detach, "data": lambda: fake.data, "clone": lambda: fake.detach().clone()}[route]()
    loss = netD(given).mean()
    if own_backward:
        loss.backward()
    return fake, loss, list(netD.parameters()) + list(netG.parameters())


@pytest.mark.parametrize("route, effect", [("detach", "error"), ("data", "silent"), ("clone", "unaffected")])
def test_inplace_change_effect_tells_detach_from_data(lib, route, effect):
    fake, loss, params = _gan_step(lib, route)
    values = fake.detach().clone()
    for _ in range(2):  # the check cell run a second time: the same verdict, the same gradients
        checks.backward_once(loss, params, name="loss_D.backward()")
        grads = [None if p.grad is None else p.grad.clone() for p in params]
        assert checks.inplace_change_effect(loss, fake, params) == effect
        assert lib.equal(fake, values), "fake's values are put back"
        assert fake.grad_fn is not None and fake.requires_grad
        assert all((a is None and b is None) or lib.equal(a, b) for a, b in zip(grads, (p.grad for p in params)))
    assert grads[0] is not None and grads[2] is None  # netD's weight has a gradient, netG's none
    (fake * 2).sum().backward()  # the generator step still works through fake
    assert params[2].grad is not None


@pytest.mark.parametrize("route", ["detach", "data"])
def test_inplace_change_effect_after_the_learners_own_backward(lib, route):
    fake, loss, params = _gan_step(lib, route, own_backward=True)
    checks.backward_once(loss, params)
    assert checks.inplace_change_effect(loss, fake, params) == "unknown"  # the graph is freed: nothing to try


def test_backward_once_still_refuses_a_graph_the_learner_changed(lib):
    fake, loss, params = _gan_step(lib, "detach")
    with lib.no_grad():
        fake.add_(1)  # the learner's own change, not the check's probe
    with pytest.raises(Incomplete, match="modified by an inplace operation"):
        checks.backward_once(loss, params, name="loss_D.backward()")


# -- the lessons' models, kept in the package for the checks, are the lessons' own code ------------

def _lesson_cell(stem, cell_id):
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parent.parent / "notebooks" / f"{stem}.ipynb").read_text("utf-8"))
    return next("".join(c["source"]) for c in nb["cells"] if c.get("id") == cell_id)


def _lib_namespace(lib):
    import importlib

    return {"torch": lib, "nn": importlib.import_module(f"{lib.__name__}.nn"),
            "F": importlib.import_module(f"{lib.__name__}.nn.functional")}


def _same_parameters(a, b):
    pa, pb = list(a.named_parameters()), list(b.named_parameters())
    return [n for n, _ in pa] == [n for n, _ in pb] and all(
        p.shape == q.shape and p.dtype == q.dtype and bool((p == q).all()) for (_, p), (_, q) in zip(pa, pb))


def test_mlp_net_is_lesson_6s_MLPNet(lib):
    from teachgrad.explorers import mlp_net

    source = _lesson_cell("06_modules_and_sequential", "lesson06-026")
    ns = _lib_namespace(lib)
    exec(source.split("\n\n\ntorch.manual_seed(0)")[0], ns)
    lib.manual_seed(0)
    lesson = ns["MLPNet"]()
    lib.manual_seed(0)
    ours = mlp_net(lib)
    assert _same_parameters(lesson, ours)
    assert repr(lesson).split("\n", 1)[1] == repr(ours).split("\n", 1)[1]
    lesson.eval()
    ours.eval()
    x = lib.randn(2, 784)
    assert bool((lesson(x) == ours(x)).all())


def test_make_model_is_lesson_7s_make_model(lib):
    from teachgrad.explorers import make_model

    source = _lesson_cell("07_training_end_to_end", "lesson07-007")
    ns = _lib_namespace(lib)
    exec(source.split("\n\n\nloss_fn")[0], ns)
    for dropout in (0.0, 0.5):
        lib.manual_seed(0)
        lesson = ns["make_model"](dropout)
        lib.manual_seed(0)
        ours = make_model(dropout, torch=lib)
        assert _same_parameters(lesson, ours)
        assert repr(lesson) == repr(ours)
