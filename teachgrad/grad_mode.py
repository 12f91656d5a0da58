"""Grad mode: whether operations record the graph.  ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

One process-wide switch, read by ``Function.apply`` before it records a node.  This module imports
nothing of teachgrad's.
"""

import functools

__all__ = ["is_grad_enabled", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode"]


class _State:
    enabled = True


def is_grad_enabled():
    return _State.enabled


def _set(mode):
    _State.enabled = bool(mode)


class _GradMode:
    """Context manager and decorator that sets grad mode on entry and restores it on exit."""

    mode = True

    def __enter__(self):
        self._previous = _State.enabled
        _State.enabled = self.mode

    def __exit__(self, *exc_info):
        _State.enabled = self._previous
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradMode):
    """Inside ``with no_grad():`` operations record no graph: their results do not require grad.

    Also a decorator, with or without parentheses: ``@no_grad()`` or ``@no_grad``.
    """
    mode = False

    def __new__(cls, func=None):
        self = super().__new__(cls)
        return self(func) if callable(func) else self

    def __init__(self, func=None):
        pass


class enable_grad(no_grad):
    mode = True


class inference_mode(no_grad):
    """``inference_mode()`` is ``no_grad()`` here (PyTorch's extra speed-ups do not exist in teachgrad);
    ``inference_mode(False)`` leaves grad mode as it is."""

    def __new__(cls, mode=True):
        if callable(mode):  # @inference_mode without parentheses
            return no_grad.__new__(cls, mode)
        self = object.__new__(cls)
        self.mode = False if mode else None
        return self

    def __init__(self, mode=True):
        pass

    def __enter__(self):
        self._previous = _State.enabled
        if self.mode is not None:
            _State.enabled = self.mode


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` switches grad mode at once; used in ``with`` it restores it after."""

    def __init__(self, mode):
        self._previous = _State.enabled
        self.mode = bool(mode)
        _State.enabled = self.mode

    def __enter__(self):
        pass

    def __call__(self, func):
        mode = self.mode
        _State.enabled = self._previous  # used as a decorator: do not change the mode now

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__(self.mode)
