"""Exercise checks for the lessons: a verdict a learner can trust, never the answer.

A check cell wraps its tests in ``with exercise():`` and reads the learner's answers with
:func:`answer`, runs the learner's functions with :func:`call`, and states conditions with
:func:`check`::

    from teachgrad.checks import exercise, answer, check, matches

    with exercise():
        t = answer("t", "tensor", shape=(3,))        # a hint if t is missing, None, a list, ...
        check(t.requires_grad, "pass requires_grad=True when you create it", success="t requires grad")
        check(matches(t.sum().item(), "5feceb66"), "the values are 1.0, 2.0 and 3.0")

- ``✅ Correct!`` is printed at the end of the block, and only when every check in it passed.
- A failed check raises :class:`Incomplete`, which shows as one line, ``❌ Not yet. Hint: ...``
  (no traceback), and makes nbgrader's autograder count the exercise as failed.
- Anything else that goes wrong inside the block — an answer of an unexpected kind, an exception
  in the learner's code, in the engine, or in the check itself — also becomes a hint, never a
  traceback.
- ``call(f, ..., returns="float")`` says what ``f`` must return: a function that returns None, a
  list, a tensor of the wrong shape or NaN gets a hint naming what was expected.
- The learner's functions run with a time limit (:data:`TIME_LIMIT` seconds): a loop that never
  ends is stopped and reported.
- Values are compared either with a value the check recomputes by a route of its own, or with a
  short digest of the rounded answer (:func:`digest`, :func:`matches`), so reading a check cell
  does not give the answer away.
- An answer that is None gets a hint that says why: the solution cell was not written yet, it
  stopped with an error (which one), or it ran and the value really is None (``none_hint`` says
  what None means there, e.g. a forgotten ``retain_grad()``).
- A name the check needs that is not the learner's answer (a lesson helper, a given cell's
  tensor) is reported as "run the lesson's earlier cells", never as a missing answer: the learner's
  answers are read with :func:`answer` only.

The checks work with teachgrad and with real PyTorch tensors alike. Verdicts and the hints written
here follow :func:`teachgrad.set_language` (``✅ 正解です`` / ``❌ まだです。ヒント: ...`` in Japanese); the
hints a check cell passes to :func:`check` are the lesson's own text.
"""

import contextlib
import hashlib
import math
import numbers
import re
import signal
import sys
import threading
import time
import weakref

from .language import pick

__all__ = ["exercise", "answer", "call", "check", "backward_once", "inplace_change_effect", "matches", "digest",
           "close", "Incomplete", "TIME_LIMIT"]

TIME_LIMIT = 5.0  # seconds for each call of a learner's function

_OK = "\u2705"
# JupyterLab's menu item, as its Japanese language pack names it (and in English)
RUN_ABOVE_JA = "「実行」メニューの「選択したセルの上にあるすべてを実行」（Run \u2192 Run All Above Selected Cell）"
_NOT_YET = "\u274c"


class Incomplete(AssertionError):
    """Raised by a check whose exercise is not solved yet. Jupyter shows only its hint."""

    def __init__(self, hint):
        self.verdict = pick("Not yet. Hint: ", ja="まだです。ヒント: ") + hint
        super().__init__(self.verdict)
        self.hint = hint

    def _render_traceback_(self):
        # IPython shows these lines instead of a traceback: the hint is all the learner needs.
        return [f"{_NOT_YET} {self.verdict}"]


class _TimeUp(BaseException):
    """Raised inside a learner's function that ran out of time (BaseException: `except Exception`
    in the learner's code must not swallow it)."""


# ---------------------------------------------------------------------------------------------
# the exercise block
# ---------------------------------------------------------------------------------------------

_open_blocks = []


class exercise:
    """``with exercise():`` around a check cell's tests: prints ``✅ Correct!`` when all of them
    passed, and turns every other outcome into a one-line hint (:class:`Incomplete`)."""

    def __init__(self, success=None):
        self.success = success if success is not None else _correct()

    def __enter__(self):
        _open_blocks.append(self)
        return self

    def __exit__(self, kind, exc, tb):
        _open_blocks.remove(self)
        if exc is None:
            print(f"{_OK} {self.success}")
            return False
        if isinstance(exc, Incomplete):
            return False
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            return False
        raise Incomplete(_explain(exc)) from None


def _correct():
    return pick("Correct!", ja="正解です")


def _not_defined(name):
    return pick(f"`{name}` is not defined yet. Write your answer in the solution cell above and run that cell "
                "(Shift+Enter) before this one.",
                ja=f"`{name}` がまだ定義されていません。上の解答セルに答えを書き、このセルより先にそのセルを"
                   "実行してください（Shift+Enter）。")


def _explain(exc):
    """A hint for an exception that escaped the checks (an answer of a kind nobody expected)."""
    if isinstance(exc, NameError):
        # The learner's answers are read with answer(); any other name comes from the lesson.
        name = _missing_name(exc)
        return pick(
            f"`{name}` is not defined: it is made by an earlier cell of this lesson (the setup cell, a cell of the "
            "lesson, or the exercise's given cell), not by your answer. After a kernel restart, run the cells above "
            "this one first (Run \u2192 Run All Above Selected Cell), then this check again.",
            ja=f"`{name}` が定義されていません。これはあなたの答えではなく、このレッスンのもっと前のセル（準備のセル、"
               "レッスン本文のセル、演習で与えられたセル）が作るものです。カーネルを再起動したあとは、まず"
               f"{RUN_ABOVE_JA}でこのセルより上のセルを実行し、それからもう一度このチェックを実行してください。")
    if isinstance(exc, _TimeUp):
        return pick(f"your code did not finish within {TIME_LIMIT:g} seconds and was stopped.",
                    ja=f"コードが {TIME_LIMIT:g} 秒以内に終わらなかったので止めました。")
    compare = pick(" Compare what you stored with what the task asks for.",
                   ja="変数に入れたものと、問題が求めているものを見比べてください。")
    return pick(f"your answer could not be checked: working with it raised {type(exc).__name__}: {_short(exc)}.",
                ja=f"答えを確かめられませんでした。扱おうとしたところ「{type(exc).__name__}: {_short(exc)}」が"
                   "発生しました。") + (_tip(exc) or compare)


def _missing_name(exc):
    name = getattr(exc, "name", None)
    if not name:
        found = re.search(r"'([^']+)'", str(exc))
        name = found.group(1) if found else str(exc)
    return name


# PyTorch errors a learner meets in the exercises, with what to do about them (appended to the hint).
# A check can give better advice for its own exercise with ``call(..., tips=...)``.
_ERROR_TIPS = (
    ("leaf Variable that requires grad is being used in an in-place operation",
     "Change a parameter in place only inside `with torch.no_grad():`.",
     "パラメータをその場で（in-place で）変更するのは `with torch.no_grad():` の中だけにしてください。"),
    ("Trying to backward through the graph a second time",
     "Build the graph again (run the forward computation once more) before calling backward() again.",
     "もう一度 backward() を呼ぶ前に、計算グラフを作り直してください（順伝播の計算をもう一度実行します）。"),
    ("does not require grad and does not have a grad_fn",
     "No graph was recorded for this computation: either no tensor in it has requires_grad=True (which one "
     "should?), or it ran inside `with torch.no_grad():`, which records no graph (compute the loss outside it).",
     "この計算では計算グラフが記録されませんでした。requires_grad=True のテンソルが 1 つもない（どれをそうすべき"
     "でしょうか？）か、計算が `with torch.no_grad():` の中で行われたかのどちらかです。no_grad の中では計算グラフが"
     "記録されません（損失はその外で計算してください）。"),
    ("returned a gradient of type",
     "A Function's backward() returns tensors (or None), one per input of forward(): keep the gradient a "
     "tensor, without .numpy(), .tolist() or .item().",
     "Function の backward() は、forward() の入力 1 つにつき 1 つ、テンソル（または None）を返します。勾配は "
     ".numpy()、.tolist()、.item() を使わずにテンソルのままにしてください。"),
    ("expected Variable or None",
     "A Function's backward() returns tensors (or None), one per input of forward(): keep the gradient a "
     "tensor, without .numpy(), .tolist() or .item().",
     "Function の backward() は、forward() の入力 1 つにつき 1 つ、テンソル（または None）を返します。勾配は "
     ".numpy()、.tolist()、.item() を使わずにテンソルのままにしてください。"),
    ("grad can be implicitly created only for scalar outputs",
     "backward() without an argument needs a single number: reduce with .sum() or .mean() first.",
     "引数なしの backward() はスカラー（要素 1 つ）にしか使えません。先に .sum() や .mean() でまとめてください。"),
)


def _tip(exc, tips=()):
    if isinstance(exc, NameError):
        name = _missing_name(exc)
        return pick(f" If `{name}` comes from an earlier cell of the lesson, run that cell first (after a kernel "
                    "restart: Run \u2192 Run All Above Selected Cell); otherwise check its spelling.",
                    ja=f"`{name}` がレッスンのもっと前のセルで作られるものなら先にそのセルを実行し、そうでなければ名前の"
                       f"綴りを確かめてください。カーネルを再起動したあとは、{RUN_ABOVE_JA}で上のセルをまとめて"
                       "実行できます。")
    text = str(exc)
    for needle, tip in tips:  # the exercise's own advice, in the lesson's language
        if needle in text:
            return pick(" ", ja="") + tip
    for needle, tip, tip_ja in _ERROR_TIPS:
        if needle in text:
            return pick(" " + tip, ja=tip_ja)
    return ""


def _short(exc, limit=1000):
    """The exception's message on one line, whole: PyTorch's messages are shown as they are. Only a
    message longer than ``limit`` (say, one that prints a whole tensor) is shortened, at a space."""
    text = " ".join(line.strip() for line in str(exc).strip().splitlines() if line.strip())
    if len(text) <= limit:
        return text.rstrip(".")
    return text[:limit].rsplit(" ", 1)[0] + " \u2026"


# ---------------------------------------------------------------------------------------------
# check(): one condition
# ---------------------------------------------------------------------------------------------

def check(condition, hint, success=None):
    """Pass if ``condition`` is true, otherwise raise :class:`Incomplete` with ``hint``.

    ``condition`` must be unambiguous: a bool, a number that is not NaN, or a tensor with exactly
    one element that is not NaN. Generators, lists, multi-element tensors and the like are
    refused with a TypeError (use ``all(...)``, ``torch.equal`` or ``torch.allclose``).
    With ``success`` a passed check prints ``✅ <success>``; outside an :class:`exercise` block a
    passed check without ``success`` prints ``✅ Correct!``.
    """
    __tracebackhide__ = True
    if not _truth(condition):
        raise Incomplete(hint)
    if success is not None:
        print(f"{_OK} {success}")
    elif not _open_blocks:
        print(f"{_OK} {_correct()}")


def _truth(condition):
    if isinstance(condition, bool):
        return condition
    kind = type(condition).__name__
    if condition is None:
        raise TypeError("check() got None as its condition; pass a comparison that is True or False")
    if hasattr(condition, "__next__") or kind in ("generator", "map", "filter", "zip"):
        raise TypeError(f"check() got a {kind}, which is always true; wrap it in all(...) or any(...)")
    numel = getattr(condition, "numel", None)
    if callable(numel) or hasattr(condition, "shape"):
        n = numel() if callable(numel) else int(getattr(condition, "size", 1))
        if n != 1:
            raise TypeError(f"check() got a tensor with {n} elements, whose truth is ambiguous; "
                            "use .all(), torch.equal(...) or torch.allclose(...)")
        value = condition.item()
        if isinstance(value, float) and math.isnan(value):
            raise TypeError("check() got NaN as its condition")
        return bool(value)
    if isinstance(condition, (int, float)):
        if isinstance(condition, float) and math.isnan(condition):
            raise TypeError("check() got NaN as its condition")
        return bool(condition)
    raise TypeError(f"check() needs True or False, got a {kind}; compare explicitly")


# ---------------------------------------------------------------------------------------------
# answer(): read the learner's variable, with hints for the wrong kind of value
# ---------------------------------------------------------------------------------------------

_KINDS = {
    "tensor": ("a tensor", "テンソル"),
    "number": ("a number (a Python int or float)", "数値（Python の int か float）"),
    "float": ("a Python float", "Python の float"),
    "int": ("a Python int", "Python の int"),
    "set": ("a Python set", "Python の set"),
    "dict": ("a Python dict", "Python の dict"),
    "list": ("a Python list", "Python の list"),
    "str": ("a string", "文字列"),
    "function": ("a function", "関数"),
    "any": ("a value", "値"),
}


def _kind(kind):
    en, ja = _KINDS[kind]
    return pick(en, ja=ja)


def _describe(value):
    if value is None:
        return "None"
    if _is_tensor(value):
        shape = tuple(value.shape)
        return pick(f"a tensor of shape {_shape_text(shape)}", ja=f"形状 {_shape_text(shape)} のテンソル")
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    if type(value).__module__ in ("builtins", "numpy") and not hasattr(value, "next_functions"):
        return pick(f"{article} {name}", ja=name)
    # An object of some class (a graph node, a module, ...): say that it is an object, so that
    # "a string, but it is a SubBackward0" does not read as if the answer were already right.
    return pick(f"{article} {name} object", ja=f"{name} のオブジェクト")


def _ja_spaced(text, before=True, after=True):
    """``text`` for the middle of a Japanese sentence: with a space on a side where it begins or ends in
    Latin letters, digits or ASCII signs (Japanese text puts a space between the two scripts)."""
    return (" " if before and text[:1].isascii() else "") + text + (" " if after and text[-1:].isascii() else "")


def _shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _is_tensor(value):
    for cls in type(value).__mro__:
        if cls.__name__ == "Tensor" and cls.__module__.split(".")[0] in ("teachgrad", "torch"):
            return True
    return False


def _numel(value):
    n = 1
    for size in value.shape:
        n *= int(size)
    return n


def _is_number(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    # NumPy scalars
    return type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0


def _has_nan(value):
    try:
        if _is_tensor(value):
            if not value.is_floating_point():
                return False
            flat = value.detach().reshape(-1).tolist()
            return any(v != v for v in flat)
        if _is_number(value):
            return float(value) != float(value)
    except Exception:  # noqa: BLE001 - an odd value: other checks will say what is wrong
        return False
    return False


def answer(name, kind="any", shape=None, allow_none=False, none_hint=None, floating=False, kind_hint=None):
    """The value of the learner's variable ``name``, or a hint saying what is wrong with it.

    kind       "tensor", "number" (int or float), "float", "int", "set", "dict", "list", "str",
               "function" or "any".
    shape      for tensors: the expected shape, a tuple.
    none_hint  what a None in ``name`` means in this exercise, for a learner whose cell ran and
               stored None (e.g. "h.grad is None unless h.retain_grad() was called before backward()").
    floating   for tensors: the values must be floating-point (True, or the hint to give instead of
               the standard one).
    kind_hint  what to do when the value is of another kind, in place of the standard advice (e.g.
               "store t.grad itself" where the standard advice would be to wrap a list in torch.tensor).
    """
    __tracebackhide__ = True
    frame = sys._getframe(1)
    scope = frame.f_globals
    del frame
    if name not in scope:
        raise Incomplete(_not_defined(name))
    value = scope[name]
    if value is None and not allow_none:
        raise Incomplete(_none_message(name, none_hint))
    if isinstance(value, type(Ellipsis)):
        raise Incomplete(pick(f"`{name}` still holds `...`: replace it with your answer.",
                              ja=f"`{name}` がまだ `...` のままです。答えに置き換えてください。"))
    _validate(value, kind, shape, f"`{name}`", kind_hint=kind_hint)
    if floating and _is_tensor(value) and not value.is_floating_point():
        advice = floating if isinstance(floating, str) else pick(
            "Write the numbers with a decimal point (1. rather than 1), or convert with .float().",
            ja="数を小数点付きで書くか（1 ではなく 1.）、.float() で変換してください。")
        raise Incomplete(pick(f"`{name}` should hold floating-point numbers, but its dtype is {value.dtype}. ",
                              ja=f"`{name}` は浮動小数点数を持つはずですが、dtype が {value.dtype} です。") + advice)
    return value


def _previous_cell():
    """(source, exception) of the cell that ran just before the check cell, when the lessons run in
    IPython (JupyterLab, nbgrader, nbval); (None, None) elsewhere."""
    try:
        shell = sys.modules["IPython"].get_ipython()
        result = shell.last_execution_result
        return result.info.raw_cell, result.error_in_exec or result.error_before_exec
    except Exception:  # noqa: BLE001 - no IPython, or one that keeps no such record
        return None, None


def _none_message(name, none_hint):
    """Why ``name`` is None: the solution cell is still unsolved, it stopped with an error, or it
    ran and stored None (then ``none_hint`` says what that means in this exercise)."""
    source, error = _previous_cell()
    meaning = none_hint or pick(
        f"check that it assigns your answer to `{name}` (a function without `return` gives None, and so do "
        "in-place methods such as list.sort()).",
        ja=f"答えを `{name}` に代入しているか確かめてください（`return` のない関数は None を返します。list.sort() "
           "のようなその場で変更するメソッドも None を返します）。")
    ran_the_answer = (isinstance(source, str) and re.search(rf"\b{re.escape(name)}\b", source)
                      and "with exercise()" not in source)
    if ran_the_answer:
        if isinstance(error, NotImplementedError):
            return pick(f"`{name}` is None: your solution cell still raises NotImplementedError. Replace "
                        "`raise NotImplementedError()` with your answer and run the cell again.",
                        ja=f"`{name}` が None です。解答セルがまだ NotImplementedError を送出しています。"
                           "`raise NotImplementedError()` を答えに置き換えて、セルをもう一度実行してください。")
        if isinstance(error, BaseException) and not isinstance(error, Incomplete):
            what = f"{type(error).__name__}: {_short(error)}"
            return pick(f"`{name}` is None because the cell you ran before this one stopped with an error before "
                        f"it could assign `{name}`: {what}.{_tip(error)} Fix that error, run the cell again, then "
                        "this check.",
                        ja=f"`{name}` が None なのは、このセルの前に実行したセルが `{name}` に代入する前にエラーで"
                           f"止まったからです:「{what}」。{_tip(error)}そのエラーを直してセルをもう一度実行し、それから"
                           "このチェックを実行してください。")
        if error is None:
            return pick(f"your cell ran, but the value it stored in `{name}` is None: {meaning}",
                        ja=f"セルは実行されましたが、`{name}` に入った値が None です。{meaning}")
    return pick(f"`{name}` is None. Write your answer in the solution cell above (in place of "
                "`raise NotImplementedError()`) and run it; if that cell stops with an error, fix the error first. "
                f"If it ran and `{name}` is still None: {meaning}",
                ja=f"`{name}` が None です。上の解答セルに（`raise NotImplementedError()` の代わりに）答えを書いて"
                   "実行してください。そのセルがエラーで止まるなら、まずそのエラーを直します。実行できたのに "
                   f"`{name}` が None のままなら: {meaning}")


_KIND_TESTS = {
    "tensor": _is_tensor,
    "number": _is_number,
    # NumPy's scalars count as what they are: np.int64(4) is an int, np.float32(0.5) a float.
    "float": lambda v: isinstance(v, float) or (_is_number(v) and isinstance(v, numbers.Real)
                                                 and not isinstance(v, numbers.Integral)),
    "int": lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool) and _is_number(v),
    "set": lambda v: isinstance(v, (set, frozenset)),
    "dict": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "str": lambda v: isinstance(v, str),
    "function": callable,
    "any": lambda v: True,
}


def _validate(value, kind, shape, label, returned=False, kind_hint=None):
    """Raise Incomplete if ``value`` (the variable ``label``, or what the function ``label``
    returned) is not of ``kind`` (``kind_hint``: the advice to give then) or ``shape``, or holds NaN."""
    __tracebackhide__ = True
    if not _KIND_TESTS[kind](value):
        extra = ""
        if kind in ("number", "float", "int") and _is_tensor(value):
            if _numel(value) == 1:
                extra = pick(" Use .item() to turn a one-element tensor into a Python number.",
                             ja="要素が 1 つのテンソルは .item() で Python の数値に変換できます。")
            else:
                n = _numel(value)
                extra = pick(f" A number is one value, and this tensor holds {n}: reduce it the way the task asks "
                             "(.mean(), .sum(), ...) or pick the one entry it asks for (t[0]), then use .item().",
                             ja=f"数値は値 1 つですが、このテンソルには {n} 個の値があります。問題の指示どおりにまとめるか"
                                "（.mean() や .sum() など）、求められている 1 つの要素を取り出して（t[0]）、それから "
                                ".item() を使ってください。")
        elif kind == "float" and isinstance(value, int):
            extra = pick(" Write it with a decimal point (or convert with float(...)).",
                         ja="小数点を付けて書いてください（または float(...) で変換します）。")
        elif kind == "tensor" and isinstance(value, (list, tuple)):
            extra = pick(" Make a tensor from it with torch.tensor(...).",
                         ja="torch.tensor(...) でテンソルにしてください。")
        elif kind == "str" and callable(getattr(value, "name", None)) and hasattr(value, "next_functions"):
            extra = pick(" That is the graph node itself, not its name: a node's name is the string its .name() "
                         "returns, for example t.grad_fn.name().",
                         ja="それは計算グラフのノードそのもので、名前ではありません。ノードの名前は .name() が返す文字列で、"
                            "たとえば t.grad_fn.name() です。")
        elif kind == "set" and isinstance(value, (list, tuple, str)):
            extra = pick(' Write a set with braces, for example {"a", "b"}.',
                         ja='set は波かっこで書きます。例: {"a", "b"}')
        elif returned and value is None:
            extra = pick(" (A function without `return` returns None.)",
                         ja="（`return` のない関数は None を返します。）")
        if kind_hint:
            extra = pick(" ", ja="") + kind_hint
        if returned:
            raise Incomplete(pick(f"{label} should return {_kind(kind)}, but it returned {_describe(value)}.",
                                  ja=f"{label} は{_ja_spaced(_kind(kind))}を返すはずですが、{_ja_spaced(_describe(value), before=False)}を返しました。")
                             + extra)
        raise Incomplete(pick(f"{label} should be {_kind(kind)}, but it is {_describe(value)}.",
                              ja=f"{label} は{_ja_spaced(_kind(kind))}のはずですが、{_ja_spaced(_describe(value), before=False)}です。") + extra)
    if shape is not None and kind == "tensor" and tuple(value.shape) != tuple(shape):
        want, have = _shape_text(tuple(shape)), _shape_text(tuple(value.shape))
        if returned:
            raise Incomplete(pick(
                f"{label} should return a tensor of shape {want}, but it returned one of shape {have}.",
                ja=f"{label} は形状 {want} のテンソルを返すはずですが、返したのは形状 {have} のテンソルです。"))
        raise Incomplete(pick(f"{label} should have shape {want}, but it has shape {have}.",
                              ja=f"{label} の形状は {want} のはずですが、{have} になっています。"))
    if _has_nan(value):
        if returned:
            raise Incomplete(pick(f"What {label} returned contains NaN (not a number): some computation went "
                                  "wrong on the way.",
                                  ja=f"{label} の返した値に NaN（非数）が含まれています。途中の計算のどこかが"
                                     "おかしくなっています。"))
        raise Incomplete(pick(f"{label} contains NaN (not a number): some computation went wrong on the way.",
                              ja=f"{label} に NaN（非数）が含まれています。途中の計算のどこかがおかしくなっています。"))


# ---------------------------------------------------------------------------------------------
# call(): run the learner's code with a time limit
# ---------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _time_limit(seconds):
    """Stop the code in the block after ``seconds``: SIGALRM where the platform has it (the
    kernel's main thread), otherwise a trace function that checks the clock."""
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        def on_alarm(signum, frame):
            raise _TimeUp()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    deadline = time.monotonic() + seconds

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise _TimeUp()
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)


def call(function, *args, name=None, time_limit=None, returns=None, shape=None, tips=(), **kwargs):
    """``function(*args, **kwargs)``, run with a time limit; every failure becomes a hint.

    name     what to call the function in the hint (default: its ``__name__``).
    returns  the kind of value it must return (the kinds of :func:`answer`), and ``shape`` for a
             tensor: anything else (None, a list, NaN, ...) becomes a hint naming what was expected.
    tips     ``(part of an error message, what to do)`` pairs for this exercise, tried before the
             general tips for PyTorch's errors.
    """
    __tracebackhide__ = True
    label = name or getattr(function, "__name__", pick("your function", ja="あなたの関数"))
    limit = TIME_LIMIT if time_limit is None else time_limit
    if not callable(function):
        raise Incomplete(pick(f"`{label}` should be a function, but it is {_describe(function)}.",
                              ja=f"`{label}` は関数のはずですが、{_ja_spaced(_describe(function), before=False)}です。"))
    try:
        with _time_limit(limit):
            result = function(*args, **kwargs)
    except _TimeUp:
        raise Incomplete(pick(
            f"{label} did not finish within {limit:g} second{'' if limit == 1 else 's'}, so the "
            "check stopped it. Is there a loop whose condition never becomes false?",
            ja=f"{label} が {limit:g} 秒以内に終わらなかったので、チェックが止めました。"
               "条件がいつまでも偽にならないループはありませんか？")) from None
    except NotImplementedError:
        raise Incomplete(pick(f"{label} still raises NotImplementedError: replace "
                              "`raise NotImplementedError()` with your code.",
                              ja=f"{label} はまだ NotImplementedError を送出しています。"
                                 "`raise NotImplementedError()` をあなたのコードに置き換えてください。")) from None
    except Incomplete:
        raise
    except RecursionError:
        raise Incomplete(pick(f"{label} called itself without end (RecursionError).",
                              ja=f"{label} が自分自身を際限なく呼び出しました（RecursionError）。")) from None
    except Exception as exc:  # noqa: BLE001 - the learner's error, shown as a hint
        raise Incomplete(pick(f"{label} raised {type(exc).__name__}: {_short(exc)}.",
                              ja=f"{label} で「{type(exc).__name__}: {_short(exc)}」が発生しました。")
                         + _tip(exc, tips)) from None
    if returns is not None:
        _validate(result, returns, shape, label, returned=True)
    return result


def backward_once(loss, parameters, name="backward()"):
    """Leave in ``parameters`` the gradients of one ``loss.backward()``, for the check to examine.

    The check's own pass runs on gradients set to None first, with ``retain_graph=True`` (so the
    check cell can run twice). A learner whose cell already called ``loss.backward()`` - natural
    when a task says "after loss.backward() ..." - has freed the graph; then the gradients that call
    left are put back and examined instead (a cell run twice leaves twice the gradient, which the
    check's value tests catch). So are they when :func:`inplace_change_effect` left the graph out of
    date on an earlier run of the check cell. Returns True if the check ran the backward pass itself."""
    __tracebackhide__ = True
    params = list(parameters)
    left = [p.grad for p in params]
    for p in params:
        p.grad = None
    try:
        with _time_limit(TIME_LIMIT):
            loss.backward(retain_graph=True)
    except _TimeUp:
        raise Incomplete(pick(f"{name} did not finish within {TIME_LIMIT:g} seconds, so the check stopped it.",
                              ja=f"{name} が {TIME_LIMIT:g} 秒以内に終わらなかったので、チェックが止めました。")) from None
    except Exception as exc:  # noqa: BLE001 - PyTorch's error, shown as a hint
        if "backward through the graph a second time" not in str(exc) and not (
                _INPLACE_ERROR in str(exc) and _probed(loss)):
            raise Incomplete(pick(f"{name} raised {type(exc).__name__}: {_short(exc)}.",
                                  ja=f"{name} で「{type(exc).__name__}: {_short(exc)}」が発生しました。")
                             + _tip(exc)) from None
        for p, grad in zip(params, left):
            p.grad = grad
        return False
    return True


_INPLACE_ERROR = "modified by an inplace operation"
# id(loss) -> weak reference, for the losses whose graph inplace_change_effect() left out of date
_PROBED = {}


def _probed(loss):
    ref = _PROBED.get(id(loss))
    return ref is not None and ref() is loss


def _library(tensor):
    """The module a tensor comes from (teachgrad or torch), for its no_grad()."""
    return sys.modules[type(tensor).__module__.split(".")[0]]


def inplace_change_effect(loss, tensor, parameters, name="backward()"):
    """What ``loss.backward()`` does once ``tensor`` has been changed in place: the check tries it, then
    puts ``tensor``'s values and the ``parameters``' gradients back. One of

    ``"error"``       autograd notices and refuses: the graph saved ``tensor``, a view of it or its
                      ``detach()`` — they share its version counter, which the change moved;
    ``"silent"``      backward() ran and gave other gradients than before: the graph saved memory shared
                      with ``tensor`` under a version counter of its own (``tensor.data``), so the changed
                      values went into the gradient without a word;
    ``"unaffected"``  backward() gave the same gradients: the graph holds a copy of its own (``clone()``);
    ``"unknown"``     the graph was already freed (the learner's own ``backward()``): nothing left to try.

    Call it after :func:`backward_once` (the gradients it left are the ones compared). An ``"error"``
    leaves ``loss``'s graph out of date for good; :func:`backward_once` knows, so the check cell can
    run again."""
    __tracebackhide__ = True
    params = list(parameters)
    left = [p.grad for p in params]
    no_grad = _library(tensor).no_grad
    with no_grad():
        kept = tensor.detach().clone()
        tensor.add_(1)
    try:
        for p in params:
            p.grad = None
        with _time_limit(TIME_LIMIT):
            loss.backward(retain_graph=True)
        same = all((a is None) == (b is None) and (a is None or bool((a == b).all()))
                   for a, b in zip(left, (p.grad for p in params)))
        return "unaffected" if same else "silent"
    except _TimeUp:
        raise Incomplete(pick(f"{name} did not finish within {TIME_LIMIT:g} seconds, so the check stopped it.",
                              ja=f"{name} が {TIME_LIMIT:g} 秒以内に終わらなかったので、チェックが止めました。")) from None
    except RuntimeError as exc:
        if _INPLACE_ERROR in str(exc):
            _PROBED[id(loss)] = weakref.ref(loss, lambda _, key=id(loss): _PROBED.pop(key, None))
            return "error"
        if "backward through the graph a second time" in str(exc):
            return "unknown"
        raise
    finally:
        with no_grad():
            tensor.copy_(kept)
        for p, grad in zip(params, left):
            p.grad = grad


# ---------------------------------------------------------------------------------------------
# comparing values without showing them
# ---------------------------------------------------------------------------------------------

def _canonical(value, digits):
    if _is_tensor(value):
        value = value.detach().tolist()
    if isinstance(value, bool) or value is None:
        return repr(value)
    if _is_number(value):
        v = round(float(value), digits)
        return f"{(v if v != 0 else 0.0):.{digits}f}"
    if isinstance(value, str):
        return repr(value.strip())
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_canonical(v, digits) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(sorted(f"{_canonical(k, digits)}:{_canonical(v, digits)}"
                                     for k, v in value.items())) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canonical(v, digits) for v in value) + "]"
    return repr(value)


def digest(value, digits=4):
    """A short fingerprint of ``value`` rounded to ``digits`` decimals (numbers, strings, sets,
    dicts, lists, tensors). Check cells store it instead of the answer."""
    return hashlib.sha256(_canonical(value, digits).encode()).hexdigest()[:12]


def matches(value, fingerprint, digits=4):
    """True if ``value`` rounded to ``digits`` decimals has this :func:`digest`."""
    try:
        return digest(value, digits) == fingerprint
    except Exception:  # noqa: BLE001 - a value that cannot even be rounded does not match
        return False


def close(value, expected, tol=1e-4):
    """``value`` and ``expected`` (numbers) agree within ``tol``, relative to the larger one (or
    absolutely for small numbers)."""
    try:
        a, b = float(value), float(expected)
    except (TypeError, ValueError):
        return False
    if a != a or b != b:
        return False
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))
