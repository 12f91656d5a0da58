"""Exercise checks for the lessons: a friendly verdict, never the answer.

A check cell calls ``check(condition, hint)``. When the learner's answer is right it prints a short
confirmation; when it is not, it raises ``AssertionError`` carrying the hint, so that nbgrader's
autograder counts the exercise as failed and the learner sees what to look at next.
"""

__all__ = ["check", "Incomplete"]


class Incomplete(AssertionError):
    """Raised by a check whose exercise is not solved yet."""


def check(condition, hint, success="Correct!"):
    """Print ``success`` if ``condition`` holds, otherwise raise ``Incomplete`` with ``hint``."""
    if not condition:
        raise Incomplete(f"Not yet. Hint: {hint}")
    print(f"\u2705 {success}")
