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
    (lambda: undefined_name_for_the_test, "`undefined_name_for_the_test` is not defined yet"),  # noqa: F821
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
    with pytest.raises(Incomplete, match=r"reduce the tensor to one element first"):
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
