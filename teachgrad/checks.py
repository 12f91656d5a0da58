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

The checks work with teachgrad and with real PyTorch tensors alike. Verdicts and the hints written
here follow :func:`teachgrad.set_language` (``✅ 正解です`` / ``❌ まだです。ヒント: ...`` in Japanese); the
hints a check cell passes to :func:`check` are the lesson's own text.
"""

import contextlib
import hashlib
import math
import signal
import sys
import threading
import time

from .language import pick

__all__ = ["exercise", "answer", "call", "check", "matches", "digest", "close", "Incomplete", "TIME_LIMIT"]

TIME_LIMIT = 5.0  # seconds for each call of a learner's function

_OK = "\u2705"
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
        name = getattr(exc, "name", None) or str(exc).split("'")[1 if "'" in str(exc) else 0]
        return _not_defined(name)
    if isinstance(exc, _TimeUp):
        return pick(f"your code did not finish within {TIME_LIMIT:g} seconds and was stopped.",
                    ja=f"コードが {TIME_LIMIT:g} 秒以内に終わらなかったので止めました。")
    compare = pick(" Compare what you stored with what the task asks for.",
                   ja="変数に入れたものと、問題が求めているものを見比べてください。")
    return pick(f"your answer could not be checked: working with it raised {type(exc).__name__}: {_short(exc)}.",
                ja=f"答えを確かめられませんでした。扱おうとしたところ {type(exc).__name__}: {_short(exc)} が"
                   "発生しました。") + (_tip(exc) or compare)


# PyTorch errors a learner meets in the exercises, with what to do about them (appended to the hint).
_ERROR_TIPS = (
    ("leaf Variable that requires grad is being used in an in-place operation",
     "Change a parameter in place only inside `with torch.no_grad():`.",
     "パラメータをその場で（in-place で）変更するのは `with torch.no_grad():` の中だけにしてください。"),
    ("Trying to backward through the graph a second time",
     "Build the graph again (run the forward computation once more) before calling backward() again.",
     "もう一度 backward() を呼ぶ前に、計算グラフを作り直してください（順伝播の計算をもう一度実行します）。"),
    ("does not require grad and does not have a grad_fn",
     "Nothing in this computation requires grad: which tensor should have requires_grad=True?",
     "この計算には requires_grad が True のテンソルがありません。どのテンソルを requires_grad=True に"
     "すべきでしょうか？"),
    ("grad can be implicitly created only for scalar outputs",
     "backward() without an argument needs a single number: reduce with .sum() or .mean() first.",
     "引数なしの backward() はスカラー（要素 1 つ）にしか使えません。先に .sum() や .mean() でまとめてください。"),
)


def _tip(exc):
    text = str(exc)
    for needle, tip, tip_ja in _ERROR_TIPS:
        if needle in text:
            return pick(" " + tip, ja=tip_ja)
    return ""


def _short(exc, limit=300):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if len(text) <= limit else text[:limit] + "..."


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
    return pick(f"{'an' if name[:1] in 'aeiou' else 'a'} {name}", ja=name)


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


def answer(name, kind="any", shape=None, allow_none=False):
    """The value of the learner's variable ``name``, or a hint saying what is wrong with it.

    kind   "tensor", "number" (int or float), "float", "int", "set", "dict", "list", "str",
           "function" or "any".
    shape  for tensors: the expected shape, a tuple.
    """
    __tracebackhide__ = True
    frame = sys._getframe(1)
    scope = frame.f_globals
    del frame
    if name not in scope:
        raise Incomplete(_not_defined(name))
    value = scope[name]
    if value is None and not allow_none:
        raise Incomplete(pick(
            f"`{name}` is None. Write your answer in the solution cell above (in place of "
            "`raise NotImplementedError()`) and run it; if you did, check that it assigns "
            f"`{name}` (a function without `return` gives None).",
            ja=f"`{name}` が None のままです。上の解答セルに（`raise NotImplementedError()` の代わりに）答えを書いて"
               f"実行してください。実行済みなら、そのセルが `{name}` に代入しているか確かめてください"
               "（`return` のない関数は None を返します）。"))
    if isinstance(value, type(Ellipsis)):
        raise Incomplete(pick(f"`{name}` still holds `...`: replace it with your answer.",
                              ja=f"`{name}` がまだ `...` のままです。答えに置き換えてください。"))
    _validate(value, kind, shape, f"`{name}`")
    return value


_KIND_TESTS = {
    "tensor": _is_tensor,
    "number": _is_number,
    "float": lambda v: isinstance(v, float),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "set": lambda v: isinstance(v, (set, frozenset)),
    "dict": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "str": lambda v: isinstance(v, str),
    "function": callable,
    "any": lambda v: True,
}


def _validate(value, kind, shape, label, returned=False):
    """Raise Incomplete if ``value`` (the variable ``label``, or what the function ``label``
    returned) is not of ``kind`` or ``shape``, or holds NaN."""
    __tracebackhide__ = True
    if not _KIND_TESTS[kind](value):
        extra = ""
        if kind in ("number", "float", "int") and _is_tensor(value):
            if _numel(value) == 1:
                extra = pick(" Use .item() to turn a one-element tensor into a Python number.",
                             ja="要素が 1 つのテンソルは .item() で Python の数値に変換できます。")
            else:
                extra = pick(" A number is one value: reduce the tensor to one element first (.sum(), .mean(), "
                             "...), then use .item().",
                             ja="数値は値 1 つです。まずテンソルを要素 1 つにまとめ（.sum() や .mean() など）、"
                                "それから .item() を使ってください。")
        elif kind == "float" and isinstance(value, int):
            extra = pick(" Write it with a decimal point (or convert with float(...)).",
                         ja="小数点を付けて書いてください（または float(...) で変換します）。")
        elif kind == "tensor" and isinstance(value, (list, tuple)):
            extra = pick(" Make a tensor from it with torch.tensor(...).",
                         ja="torch.tensor(...) でテンソルにしてください。")
        elif kind == "set" and isinstance(value, (list, tuple, str)):
            extra = pick(' Write a set with braces, for example {"a", "b"}.',
                         ja='set は波かっこで書きます。例: {"a", "b"}')
        elif returned and value is None:
            extra = pick(" (A function without `return` returns None.)",
                         ja="（`return` のない関数は None を返します。）")
        if returned:
            raise Incomplete(pick(f"{label} should return {_kind(kind)}, but it returned {_describe(value)}.",
                                  ja=f"{label} は{_kind(kind)}を返すはずですが、{_describe(value)} を返しました。")
                             + extra)
        raise Incomplete(pick(f"{label} should be {_kind(kind)}, but it is {_describe(value)}.",
                              ja=f"{label} は{_kind(kind)}のはずですが、{_describe(value)} です。") + extra)
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


def call(function, *args, name=None, time_limit=None, returns=None, shape=None, **kwargs):
    """``function(*args, **kwargs)``, run with a time limit; every failure becomes a hint.

    name     what to call the function in the hint (default: its ``__name__``).
    returns  the kind of value it must return (the kinds of :func:`answer`), and ``shape`` for a
             tensor: anything else (None, a list, NaN, ...) becomes a hint naming what was expected.
    """
    __tracebackhide__ = True
    label = name or getattr(function, "__name__", pick("your function", ja="あなたの関数"))
    limit = TIME_LIMIT if time_limit is None else time_limit
    if not callable(function):
        raise Incomplete(pick(f"`{label}` should be a function, but it is {_describe(function)}.",
                              ja=f"`{label}` は関数のはずですが、{_describe(function)} です。"))
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
        raise Incomplete(pick(f"{label} raised {type(exc).__name__}: {_short(exc)}",
                              ja=f"{label} で {type(exc).__name__}: {_short(exc)} が発生しました。")
                         + _tip(exc)) from None
    if returns is not None:
        _validate(result, returns, shape, label, returned=True)
    return result


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
