"""The Japanese edition (notebooks/ja/) is the English series, translated — not a fork of it.

- Every lesson exists in both editions, under the same file name, with the same cells (ids and kinds)
  in the same order, so that a change to an English lesson has an obvious place in the Japanese one.
- Code cells are the English ones: their token streams are equal once comments are dropped (adjacent
  string literals count as one), and string literals may differ only where the English one is prose (a word and a space, or a label
  ending in a colon) or a plot's label, so that names, keys and digests like ``"tensor"`` or ``"7eee9525c86f"`` stay as they are.
  The only extra lines are the language setting of the setup cell (tools/lessons.py LANGUAGE_LINES).
- Markdown cells are translated: none is left in English prose, and no line of Japanese text is broken
  between two Japanese characters (Markdown turns a line break into a space, which Japanese text does
  not have).
- The hints and success messages a check cell passes to ``check()`` (and ``answer()``'s ``none_hint`` and
  ``floating``, ``call()``'s tips, ``exercise()``'s success line) are in Japanese, so that a learner never
  meets an English hint in the Japanese edition.
"""

import ast
import io
import json
import re
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import lessons as generator  # noqa: E402  (tools/lessons.py)

EN = generator.EDITIONS["en"]
JA = generator.EDITIONS["ja"]
NAMES = sorted({p.name for p in EN.glob("[0-9][0-9]_*.ipynb")} | {p.name for p in JA.glob("[0-9][0-9]_*.ipynb")})
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]")  # kana, kanji, full-width forms
FSTRING_PARTS = {getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                 if hasattr(tokenize, name)}  # Python 3.12+ splits f-strings into these


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def src(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def without_language_setting(code):
    extra = set(generator.LANGUAGE_LINES["ja"])
    return "\n".join(line for line in code.split("\n") if line not in extra)


# A one-word string literal may be translated where it is a label a learner reads in a plot, or a check's
# success line.
LABELS = ("label=", "title=", "xlabel=", "ylabel=", "set_xlabel(", "set_ylabel(", "set_title(", "success=")


def is_prose(literal):
    """A string literal a learner reads: a word and a space, or a label ending in a colon, outside
    format fields (not a name, key or digest such as "tensor", "value" or "7eee9525c86f")."""
    text = re.sub(r"\{[^{}]*\}", "", literal).strip("rbfuRBFU").strip("\"'")
    return bool(re.search(r"[A-Za-z]{2,}", text) and (re.search(r"\s", text) or text.endswith(":")))


def tokens(code):
    """(kind, text) of the code's tokens without comments and line breaks; string literals as
    ("STRING", literal). f-strings on Python 3.12+ are joined back into one literal, and adjacent
    literals (a long hint split over lines) into one: a translation splits its lines where it likes."""
    out, fstring = [], []
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                        tokenize.ENDMARKER):
            continue
        if tok.type in FSTRING_PARTS or fstring:
            fstring.append(tok.string)
            if tok.type == getattr(tokenize, "FSTRING_END", None):
                _add_string(out, "".join(fstring))
                fstring = []
            continue
        if tok.type == tokenize.STRING:
            _add_string(out, tok.string)
        else:
            out.append(("CODE", tok.string))
    return out


def _add_string(out, literal):
    """Append a string literal, joined to the one before it if they are adjacent (implicitly concatenated)."""
    if out and out[-1][0] == "STRING":
        prefix, body = _literal_parts(out[-1][1])
        more_prefix, more_body = _literal_parts(literal)
        out[-1] = ("STRING", f'{"f" if "f" in (prefix + more_prefix).lower() else ""}"{body}{more_body}"')
    else:
        out.append(("STRING", literal))


def _literal_parts(literal):
    """(prefix, text between the quotes) of a string literal."""
    found = re.match(r"^([A-Za-z]*)(\"\"\"|'''|\"|')(.*)\2$", literal, re.DOTALL)
    return (found.group(1), found.group(3)) if found else ("", literal)


def code_differences(en_code, ja_code):
    """What differs between an English code cell and its Japanese version, beyond comments, prose
    string literals and the language setting (a list of strings)."""
    try:
        en, ja = tokens(en_code), tokens(without_language_setting(ja_code))
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:  # not Python: compare as text
        return [] if en_code == ja_code else [f"the cell differs and cannot be tokenized ({exc})"]
    problems = []
    if len(en) != len(ja):
        problems.append(f"{len(en)} tokens in English, {len(ja)} in Japanese")
    for k, ((kind_en, text_en), (kind_ja, text_ja)) in enumerate(zip(en, ja)):
        if (kind_en, text_en) == (kind_ja, text_ja):
            continue
        before = "".join(text for _, text in en[max(0, k - 2):k])
        if kind_en == kind_ja == "STRING" and (is_prose(text_en) or before.endswith(LABELS)):
            continue
        problems.append(f"{text_en!r} became {text_ja!r}")
        if len(problems) > 5:
            break
    return problems


def untranslated(text):
    """Whether a markdown cell of the Japanese edition is still English prose: after code, maths,
    links' targets and HTML are removed, many Latin letters and (almost) no Japanese."""
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)|<[^>]+>", " ", text, flags=re.DOTALL)
    latin = len(re.findall(r"[A-Za-z]", text))
    japanese = len(JAPANESE.findall(text))
    return latin >= 30 and japanese < 0.1 * latin


def broken_lines(text):
    """Lines of Japanese prose broken between two Japanese characters (outside code blocks, tables
    and headings): the rendered text would show a stray space there."""
    found, in_code, previous = [], False, ""
    for line in text.split("\n"):
        if line.strip().startswith("```"):
            in_code, previous = not in_code, ""
            continue
        first = line.strip()[:1]
        if (not in_code and previous and first and JAPANESE.match(previous[-1]) and JAPANESE.match(first)
                and not re.match(r"\s*([-*+] |\d+\. |#|\||\$\$|>)", line)):
            found.append(previous[-10:] + "⏎" + line.strip()[:10])
        previous = "" if in_code or line.strip().startswith(("|", "#", "$$")) else line.rstrip()
    return found


def test_line_break_detector():
    assert broken_lines("計算\nグラフ") == ["計算⏎グラフ"]
    assert broken_lines("計算グラフ。\n\n次の段落") == []
    assert broken_lines("```\nあ\nい\n```") == []
    assert broken_lines("- 項目\n- 次の項目") == []
    assert broken_lines("`x` は\n`y` と同じ") == []


def test_readme_ja_has_no_broken_japanese_lines():
    assert broken_lines((ROOT / "README.ja.md").read_text(encoding="utf-8")) == []


def test_untranslated_detector():
    assert untranslated("Run this cell first. `teachgrad` stands in for PyTorch: every cell prints the same.")
    assert not untranslated("最初にこのセルを実行してください。`teachgrad` は PyTorch の代わりを務めます。")
    assert not untranslated("$$y = a\\,x + b$$\n\n```python\nfor p in params:\n    p.grad = None\n```")
    assert not untranslated("[← 前へ: テンソル](01_tensors.ipynb) | [目次](00_start_here.ipynb)")


def test_code_comparison():
    en = 'check(t.requires_grad, "pass requires_grad=True", success="t requires grad")  # why\n'
    assert code_differences(en, 'check(t.requires_grad, "requires_grad=True を渡す", success="t は勾配を必要とする")\n') == []
    assert code_differences(en, 'check(t.is_leaf, "requires_grad=True を渡す", success="t は勾配を必要とする")\n')
    digest = 'check(matches(x, "7eee9525c86f"), "look in the contents")\n'
    assert code_differences(digest, 'check(matches(x, "0000"), "目次を見てください")\n') == ["'\"7eee9525c86f\"' became '\"0000\"'"]
    assert code_differences('answer("t", "tensor")\n', 'answer("t", "テンソル")\n')
    assert code_differences('ax.set_xlabel("step")\n', 'ax.set_xlabel("ステップ")\n') == []
    assert code_differences('print("total:", n)\n', 'print("合計:", n)\n') == []
    assert code_differences('check(ok, "pick a value", success="validation")\n', 'check(ok, "値を選んでください", success="validation は正しいです")\n') == []
    assert code_differences('d = {"value": 1}\n', 'd = {"値": 1}\n')
    # a hint split over lines may be split elsewhere (or not at all) in Japanese; a name split off is not prose
    split = 'check(ok, "call h.retain_grad() first "\n      "(h.retain_grad())")\n'
    assert code_differences(split, 'check(ok, "先に h.retain_grad() を呼んでください")\n') == []
    assert code_differences('f("a" "b")\n', 'f("a" "c")\n') == ["'\"ab\"' became '\"ac\"'"]
    assert code_differences('print(f"step {k}: loss {v:.4f}")\n', 'print(f"ステップ {k}: 損失 {v:.4f}")\n') == []
    setup = "import teachgrad as torch\n\n_ = torch.manual_seed(0)"
    assert code_differences(setup, generator.setup_code((), "ja")) == []


def test_every_lesson_in_both_editions():
    en = {p.name for p in EN.glob("[0-9][0-9]_*.ipynb")}
    ja = {p.name for p in JA.glob("[0-9][0-9]_*.ipynb")}
    assert not en - ja, f"lessons without a Japanese version in notebooks/ja/: {sorted(en - ja)}"
    assert not ja - en, f"Japanese lessons without an English original in notebooks/: {sorted(ja - en)}"


@pytest.mark.parametrize("name", NAMES)
def test_japanese_lesson_is_the_english_one_translated(name):
    if not (EN / name).exists() or not (JA / name).exists():
        pytest.fail(f"{name} exists in one edition only (see test_every_lesson_in_both_editions)")
    en, ja = load(EN / name), load(JA / name)
    layout_en = [(c.get("id"), c["cell_type"]) for c in en["cells"]]
    layout_ja = [(c.get("id"), c["cell_type"]) for c in ja["cells"]]
    assert layout_ja == layout_en, "the same cells (ids and kinds) in the same order as the English lesson"
    problems = []
    for cell_en, cell_ja in zip(en["cells"], ja["cells"]):
        where = f"cell {cell_en.get('id')}"
        if cell_en["cell_type"] == "code":
            if cell_en.get("metadata", {}).get("tags", []) != cell_ja.get("metadata", {}).get("tags", []):
                problems.append(f"{where}: tags differ")
            if (cell_en.get("metadata", {}).get("nbgrader") or {}) != (cell_ja.get("metadata", {}).get("nbgrader") or {}):
                problems.append(f"{where}: nbgrader metadata differs")
            problems += [f"{where}: {p}" for p in code_differences(src(cell_en), src(cell_ja))]
        elif untranslated(src(cell_ja)):
            problems.append(f"{where}: still English: {src(cell_ja)[:120]!r}")
        elif broken_lines(src(cell_ja)):
            problems.append(f"{where}: a line break between Japanese characters: {broken_lines(src(cell_ja))}")
    assert not problems, f"{name}:\n" + "\n".join(problems)


def hint_literals(code):
    """The string constants of what a check cell tells the learner: hints and success messages passed to
    check(), answer()'s none_hint and floating hints, the advice of call()'s tips (not the part of
    PyTorch's message they look for) and exercise()'s success line."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None)
        keywords = {k.arg: k.value for k in node.keywords}
        args = []
        if name == "check":
            args = node.args[1:2] + [keywords[k] for k in ("hint", "success") if k in keywords]
        elif name == "answer":
            args = [keywords[k] for k in ("none_hint", "floating") if k in keywords]
        elif name == "call" and isinstance(keywords.get("tips"), (ast.List, ast.Tuple)):
            args = [tip.elts[1] for tip in keywords["tips"].elts if isinstance(tip, ast.Tuple) and len(tip.elts) == 2]
        elif name == "exercise":
            args = node.args[:1] + [keywords[k] for k in ("success",) if k in keywords]
        for arg in args:
            found += [n.value for n in ast.walk(arg) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return found


def test_hint_literals_are_what_the_learner_reads():
    code = ('with exercise(success="all done"):\n'
            '    g = answer("g", "tensor", none_hint="g is None here", floating="make it float")\n'
            '    r = call(f, t, tips=[("leaf Variable", "do not change t in place")])\n'
            '    check(ok, "a hint", success="it worked")\n')
    assert sorted(hint_literals(code)) == sorted(["all done", "g is None here", "make it float",
                                                  "do not change t in place", "a hint", "it worked"])


@pytest.mark.parametrize("name", NAMES)
def test_check_hints_are_japanese(name):
    if not (JA / name).exists():
        pytest.fail(f"{name} has no Japanese version")
    english = []
    for cell in load(JA / name)["cells"]:
        if cell["cell_type"] == "code" and ("check(" in src(cell) or "exercise(" in src(cell)):
            english += [s for s in hint_literals(src(cell)) if is_prose(s) and not JAPANESE.search(s)]
    assert not english, f"{name}: hints still in English: {english}"
