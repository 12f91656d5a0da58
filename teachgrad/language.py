"""The language of what the lesson helpers say: check verdicts and hints, explorer labels, tables and
messages, and the words in drawings. English by default; the Japanese lessons start with
``teachgrad.set_language("ja")``.

With Japanese, matplotlib figures (pyplot's too) fall back to the Japanese font installed with the
lessons for characters their usual font lacks. The engine itself is not translated: tensors, ``grad_fn`` names and error messages stay exactly what
PyTorch prints, in every language.

Each message is written once per language, side by side where it is used::

    from teachgrad.language import pick
    print(pick("Correct!", ja="正解です"))
"""

import contextlib

__all__ = ["LANGUAGES", "set_language", "get_language", "pick", "language", "display_width", "pad"]

LANGUAGES = {"en": "English", "ja": "日本語"}

_current = "en"


def set_language(code):
    """Choose the language of hints, explorers and drawings for this kernel: ``"en"`` or ``"ja"``."""
    global _current
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}; choose one of {', '.join(map(repr, LANGUAGES))}")
    if code != _current and "ja" in (code, _current):
        from . import viz  # matplotlib's figures (pyplot's too) get the Japanese font, or lose it

        viz.use_japanese_font(code == "ja")
    _current = code


def get_language():
    """The language chosen with :func:`set_language` (``"en"`` unless changed)."""
    return _current


@contextlib.contextmanager
def language(code):
    """``with language("ja"):`` speaks Japanese inside the block only."""
    before = _current
    set_language(code)
    try:
        yield
    finally:
        set_language(before)


def pick(en, **translations):
    """``en``, or its translation into the current language when one is given."""
    return translations.get(_current, en) if _current != "en" else en


def _wide(ch):
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F")


def display_width(text):
    """Columns ``text`` takes in a monospaced font: Japanese characters take two."""
    return sum(2 if _wide(ch) else 1 for ch in text)


def pad(text, width, align="<"):
    """``text`` padded with spaces to ``width`` columns (``"<"`` left-aligned, ``">"`` right-aligned),
    so that tables with Japanese words stay aligned."""
    fill = " " * max(0, width - display_width(text))
    return text + fill if align == "<" else fill + text
