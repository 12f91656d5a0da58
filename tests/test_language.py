"""The language setting: English by default, Japanese for the Japanese lessons.

What the lesson helpers say (check verdicts and hints, explorer tables, labels and messages, words in
drawings) follows ``teachgrad.set_language``; what the engine prints (tensors, PyTorch's errors) never
does. Japanese text in drawings is drawn with the font installed with the lessons: an SVG embeds the
glyphs it uses, a matplotlib figure falls back to IPAexGothic.
"""

import base64
import io
import re

import pytest

import teachgrad
from teachgrad import checks, explorers, viz
from teachgrad.language import display_width, language, pad, pick

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    teachgrad.set_language("en")


def test_default_is_english_and_unknown_languages_are_refused():
    assert teachgrad.get_language() == "en"
    assert pick("Correct!", ja="正解です") == "Correct!"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        teachgrad.set_language("fr")
    assert teachgrad.get_language() == "en"
    with language("ja"):
        assert pick("Correct!", ja="正解です") == "正解です"
        assert pick("only English") == "only English"  # no translation given: English
    assert teachgrad.get_language() == "en"


def test_japanese_text_is_two_columns_wide():
    assert display_width("葉の .grad") == 10
    assert pad("済み", 7) == "済み   " and pad("done", 7) == "done   "
    assert pad("次", 4, ">") == "  次"


def verdict(capsys, block):
    """What a check cell shows: its printed lines, or the hint IPython shows instead of a traceback."""
    try:
        block()
    except checks.Incomplete as exc:
        return exc._render_traceback_()[0]
    return capsys.readouterr().out.strip()


def test_check_verdicts_and_generic_hints_in_japanese(capsys):
    def right():
        with checks.exercise():
            checks.check(True, "unused")

    def undefined():
        with checks.exercise():
            checks.answer("no_such_answer_anywhere")

    def wrong_kind():
        with checks.exercise():
            checks.call(lambda: [1.0], name="f", returns="tensor")

    assert verdict(capsys, right) == "\u2705 Correct!"
    assert verdict(capsys, undefined).startswith("\u274c Not yet. Hint: `no_such_answer_anywhere` is not defined")
    teachgrad.set_language("ja")
    assert verdict(capsys, right) == "\u2705 正解です"
    assert verdict(capsys, undefined) == (
        "\u274c まだです。ヒント: `no_such_answer_anywhere` がまだ定義されていません。上の解答セルに答えを書き、"
        "このセルより先にそのセルを実行してください（Shift+Enter）。")
    assert verdict(capsys, wrong_kind) == ("\u274c まだです。ヒント: f はテンソルを返すはずですが、list を返しました。"
                                           "torch.tensor(...) でテンソルにしてください。")
    with checks.exercise(success="t は勾配を追跡します"):
        pass
    assert capsys.readouterr().out.strip() == "\u2705 t は勾配を追跡します"


def _hint(block):
    with pytest.raises(checks.Incomplete) as info:
        block()
    return info.value.hint


def _none_answer(previous, none_hint=None):
    """The hint for an answer `h_grad` that is None, the cell run before the check being ``previous``."""
    def block():
        original = checks._previous_cell
        checks._previous_cell = lambda: previous
        try:
            scope = {"h_grad": None, "answer": checks.answer}
            exec(f"answer('h_grad', 'tensor', none_hint={none_hint!r})", scope)
        finally:
            checks._previous_cell = original
    return _hint(block)


def _english_left(hint):
    """English words of our own left in a Japanese hint: code in backticks, PyTorch's and Python's messages
    (after 'Error: ') and JupyterLab's English menu names removed first."""
    text = re.sub(r"`[^`]*`", " ", hint)
    text = re.sub(r"\w*Error: [^。]*", " ", text)
    text = text.replace("Run \u2192 Run All Above Selected Cell", " ")
    return re.findall(r"\b(?:the|your|is|and|cell|answer|run|should|not|with|first)\b", text)


def test_every_generic_hint_of_the_checks_speaks_japanese():
    import teachgrad as torch

    def missing_helper():
        with checks.exercise():
            CHAIN_LEAVES_OF_THE_LESSON  # noqa: B018, F821

    def learners_function_uses_a_missing_name():
        def train_step():
            return loss_fn_of_the_lesson  # noqa: F821
        checks.call(train_step)

    def many_numbers_for_one():
        checks.call(lambda: torch.ones(3), name="f", returns="float")

    def integers_where_floats_belong():
        scope = {"g": torch.tensor([3, 12, 27]), "answer": checks.answer}
        exec("answer('g', 'tensor', floating=True)", scope)

    def pytorchs_error_with_an_exercise_tip():
        t = torch.ones(2, requires_grad=True)
        checks.call(lambda: t.mul_(2), name="double_until", tips=[("leaf Variable", "新しいテンソルを計算してください")])

    def backward_through_a_scalar_check():
        checks.backward_once(torch.ones(3, requires_grad=True) * 2, [], name="loss_D.backward()")

    teachgrad.set_language("ja")
    hints = {
        "missing helper": _hint(missing_helper),
        "missing name in the learner's function": _hint(learners_function_uses_a_missing_name),
        "a tensor of three for one number": _hint(many_numbers_for_one),
        "integers": _hint(integers_where_floats_belong),
        "an exercise's own tip": _hint(pytorchs_error_with_an_exercise_tip),
        "backward_once": _hint(backward_through_a_scalar_check),
        "None, still unsolved": _none_answer(("h_grad = None\nraise NotImplementedError()", NotImplementedError())),
        "None, the cell failed": _none_answer(("h_grad = None\nh = x * y", NameError("name 'x' is not defined"))),
        "None, the cell ran": _none_answer(("h_grad = h.grad", None), "h.retain_grad() を呼んでください。"),
        "None, the cell ran (no none_hint)": _none_answer(("h_grad = h.grad", None)),
        "None, nothing known": _none_answer((None, None)),
    }
    assert hints["missing helper"].startswith("`CHAIN_LEAVES_OF_THE_LESSON` が定義されていません。")
    assert "選択したセルの上にあるすべてを実行" in hints["missing helper"]
    assert hints["missing name in the learner's function"].startswith(
        "train_step で「NameError: name 'loss_fn_of_the_lesson' is not defined」が発生しました。"
        "`loss_fn_of_the_lesson` がレッスンのもっと前のセルで作られるもの")
    assert "このテンソルには 3 個の値があります" in hints["a tensor of three for one number"]
    assert hints["integers"].startswith("`g` は浮動小数点数を持つはずですが、dtype が torch.int64 です。")
    assert hints["an exercise's own tip"].endswith("が発生しました。新しいテンソルを計算してください")
    assert hints["backward_once"].startswith("loss_D.backward() で「RuntimeError: grad can be implicitly created")
    assert hints["None, still unsolved"].startswith("`h_grad` が None です。解答セルがまだ NotImplementedError")
    assert "エラーで止まったからです:「NameError: name 'x' is not defined」。" in hints["None, the cell failed"]
    assert hints["None, the cell ran"] == ("セルは実行されましたが、`h_grad` に入った値が None です。"
                                           "h.retain_grad() を呼んでください。")
    assert "list.sort()" in hints["None, the cell ran (no none_hint)"]
    assert hints["None, nothing known"].startswith("`h_grad` が None です。上の解答セルに")
    for what, hint in hints.items():
        assert not _english_left(hint), f"{what}: English left in the Japanese hint: {hint}"
    teachgrad.set_language("en")
    assert _hint(missing_helper).startswith("`CHAIN_LEAVES_OF_THE_LESSON` is not defined: it is made by")


def test_explorer_tables_in_japanese_keep_pytorchs_messages():
    teachgrad.set_language("ja")
    r = explorers.chain_gradients(requires_grad={k: False for k in explorers.CHAIN_LEAVES})
    table = explorers.chain_table(r)
    assert "a  None" in table and "w = 2125.0, requires_grad=False" in table
    assert ("w.backward() が失敗しました: RuntimeError: element 0 of tensors does not require grad and does not "
            "have a grad_fn") in table
    assert "requires_grad が True のテンソルがない" in r["error"]
    steps = explorers.BackwardSteps()
    steps.step()
    steps.step()
    lines = steps.table().splitlines()
    assert lines[0] == "8 ノード中 2 ノードを実行"
    assert lines[-2] == "pending: {hb: 1.0, h: 7.0, c2.grad: 6.0}"
    # the columns stay aligned although "済み" and "次" are Japanese
    assert len({display_width(line.split(". ")[0]) for line in lines[1:9]}) == 1
    teachgrad.set_language("en")
    assert explorers.BackwardSteps().table().splitlines()[0] == "ran 0 of 8 nodes"


def test_widget_labels_follow_the_language():
    pytest.importorskip("ipywidgets")
    from teachgrad.widgets import ChainExplorer

    teachgrad.set_language("ja")
    ex = ChainExplorer()
    assert ex.controls["no_grad_z"].description == "z を no_grad で囲む"
    ex.controls["no_grad_z"].value = True
    assert "e  192.0" in ex.table() and "a  None" in ex.table()
    teachgrad.set_language("en")
    assert ChainExplorer().controls["no_grad_z"].description == "no_grad around z"


def test_field_guide_in_japanese_runs_the_same_code():
    """Lesson 9's field guide: our words in Japanese (the code's comments too), PyTorch's messages and the
    code itself as they are, the same outcome."""
    english = explorers.field_guide_run("version", torch=teachgrad)
    teachgrad.set_language("ja")
    japanese = explorers.field_guide_run("version", torch=teachgrad)
    case = explorers.field_guide_case("version")
    assert case.protects.startswith("sigmoid の backward には")
    assert case.message == case._message  # PyTorch's own message
    assert explorers.field_guide_case("total-loss").message.startswith("（メッセージなし）")
    assert "# sigmoid は backward のために出力 s を保存する" in japanese["code"]
    strip = lambda code: [line.split("#")[0].rstrip() for line in code.splitlines()]  # noqa: E731
    assert strip(japanese["code"]) == strip(english["code"])
    assert (japanese["printed"], japanese["error"]) == (english["printed"], english["error"])
    table = explorers.field_guide_table(japanese)
    assert table.splitlines()[0] == "修正の適用: なし"
    assert "例外: RuntimeError: one of the variables needed for gradient computation" in table
    traced = explorers.field_guide_run("total-loss", torch=teachgrad, trace=True)
    assert list(traced["marks"].values()) == [("error", "14 個のノードが残っている")]
    for key in explorers.FIELD_GUIDE_KEYS:  # every case, every note has its Japanese text
        case = explorers.field_guide_case(key)
        assert JAPANESE.search(case.protects) and JAPANESE.search(case.remedy), key
        r = explorers.field_guide_run(key, torch=teachgrad, trace=True)
        assert all(JAPANESE.search(note) for _, note in r["marks"].values()), (key, r["marks"])
        commented = [line for line in r["code"].splitlines() if "# " in line]
        assert all(JAPANESE.search(line.split("# ", 1)[1]) for line in commented), (key, commented)
    teachgrad.set_language("en")
    assert explorers.field_guide_table(english).splitlines()[0] == "fix applied: no"


# A word of our own in what a field guide case printed: not a Python name (w.grad, requires_grad=), a
# call (tensor(...)), a dtype (float32) or a constant.
OWN_WORD = re.compile(r"(?<![\w.])(?!(?:True|False|None)\b)[A-Za-z]{2,}(?![\w.(\[=])")


def test_field_guide_in_japanese_prints_no_english_words_of_its_own():
    """What the cases print carries our labels ("step", "graph nodes kept:"): in Japanese they are translated
    in the code that runs, so the code shown, what it printed and the numbers stay one and the same."""
    english = {(key, fixed): explorers.field_guide_run(key, fixed=fixed, torch=teachgrad)
               for key in explorers.FIELD_GUIDE_KEYS for fixed in (False, True)}
    assert OWN_WORD.findall(english["total-loss", False]["printed"]) == ["step", "graph", "nodes", "kept"] * 3
    assert OWN_WORD.findall("w.grad: tensor([ 3.0820], dtype=torch.float64) requires_grad=True False torch.float32") == []
    teachgrad.set_language("ja")
    try:
        for (key, fixed), r_en in english.items():
            r = explorers.field_guide_run(key, fixed=fixed, torch=teachgrad)
            assert OWN_WORD.findall(r["printed"]) == [], (key, fixed, r["printed"])
            assert re.findall(r"-?\d+(?:\.\d+)?", r["printed"]) == re.findall(r"-?\d+(?:\.\d+)?", r_en["printed"])
            assert r["error"] == r_en["error"] and r["warnings"] == r_en["warnings"]
            assert r["code"].count("\n") == r_en["code"].count("\n")
        table = explorers.field_guide_table(explorers.field_guide_run("total-loss", torch=teachgrad))
        assert "  ステップ 2 残っている計算グラフのノード数: 14" in table.splitlines()
        second = explorers.field_guide_run("second-backward", fixed=True, torch=teachgrad)
        assert 'print("ステップ", step, "w.grad:", w.grad)' in second["code"]
        assert second["printed"].splitlines()[1].startswith("ステップ 1 w.grad: tensor(")
    finally:
        teachgrad.set_language("en")


def test_gradient_flow_in_japanese_keeps_the_verdict_words():
    r = explorers.gradient_flow(depth=10, activation="sigmoid", init="default", torch=teachgrad)
    teachgrad.set_language("ja")
    table = explorers.gradient_flow_table(r).splitlines()
    # the verdict stays the word the lesson's exercise asks for, with its meaning beside it
    assert table[-1] == "判定: vanishing（勾配消失）"
    assert table[0] == "depth=10, activation=sigmoid, init=default"
    assert table[2].startswith("weight.grad のノルム、層 1（入力側）:")
    assert explorers.init_label("normal") == "正規分布、標準偏差 1（スケールが不適切）"
    teachgrad.set_language("en")
    assert explorers.gradient_flow_table(r).splitlines()[-1] == "verdict: vanishing"


def test_lesson_9_and_10_explorers_in_japanese():
    pytest.importorskip("ipywidgets")
    from teachgrad.widgets import FieldGuideExplorer, GradientFlowExplorer

    teachgrad.set_language("ja")
    guide = FieldGuideExplorer(case="integer")
    assert guide.controls["fix"].description == "修正を適用する"
    assert "autograd が守っていたもの: 勾配は変化率です" in guide._message.value
    assert "描くものがありません" in bytes(guide._plot.value).decode()
    assert "teachgrad-ja" in bytes(guide._plot.value).decode()  # the note's Japanese glyphs are embedded
    guide.controls["fix"].value = True
    assert "修正後: 小数点を付けて書けば" in guide._message.value
    flow = GradientFlowExplorer()
    assert [flow.controls[k].description for k in ("depth", "activation", "init")] == ["深さ", "活性化関数", "初期化"]
    assert dict((key, label) for label, key in flow.controls["init"].options)["kaiming"] == "Kaiming (He) 正規分布"
    assert "勾配消失: 入力に近い層には" in flow._message.value
    assert "各層の weight.grad のノルム" in bytes(flow._plot.value).decode()
    teachgrad.set_language("en")
    assert FieldGuideExplorer().controls["fix"].description == "apply the fix"


def embedded_font(svg):
    from fontTools.ttLib import TTFont

    m = re.search(r"url\(data:font/ttf;base64,([A-Za-z0-9+/=]+)\)", svg)
    return None if m is None else TTFont(io.BytesIO(base64.b64decode(m.group(1))))


def test_svg_drawings_embed_the_japanese_glyphs_they_use():
    if viz.japanese_font_path() is None:
        pytest.skip("matplotlib-fontja (the lessons' Japanese font) is not installed")
    r = explorers.chain_gradients(detach_y=True, requires_grad={"c": False}, trace=True)
    names = dict(r["tensors"])
    english = viz.graph_svg(r["tensors"]["w"], trace=r["trace"], names=names)
    assert "@font-face" not in english and "backward flows" in english
    teachgrad.set_language("ja")
    svg = viz.graph_svg(r["tensors"]["w"], trace=r["trace"], names=names)
    assert "逆伝播が流れる" in svg and "grad_fn なし" in svg
    font = embedded_font(svg)
    assert font is not None, "the Japanese glyphs are embedded"
    used = {ch for ch in re.sub(r"<[^>]*>", "", svg) if ord(ch) > 0x2E7F}
    assert used <= {chr(c) for c in font.getBestCmap()}, "every Japanese character has its glyph"
    assert 'font-family="DejaVu Sans Mono, Menlo, Consolas, teachgrad-ja, monospace"' in svg
    chart = viz.line_chart_svg([{"x": [1, 2], "y": [3, 1], "label": "訓練"}], title="各ステップの損失")
    assert {"訓", "練", "損", "失"} <= {chr(c) for c in embedded_font(chart).getBestCmap()}


def test_matplotlib_figures_fall_back_to_the_japanese_font():
    if viz.japanese_font_path() is None:
        pytest.skip("matplotlib-fontja (the lessons' Japanese font) is not installed")
    pytest.importorskip("matplotlib")
    import warnings

    x = teachgrad.tensor(2.0, requires_grad=True)
    assert viz._families("DejaVu Sans") == ["DejaVu Sans"]
    teachgrad.set_language("ja")
    assert viz._families("DejaVu Sans") == ["DejaVu Sans", viz.JAPANESE_FONT]
    fig = viz.draw_graph(x * 3, title="日本語のタイトル", names={"x": x})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would be a tofu box
        png = viz.figure_to_png(fig)
    assert png[:4] == b"\x89PNG"


def test_pyplot_figures_draw_japanese_labels_after_set_language():
    if viz.japanese_font_path() is None:
        pytest.skip("matplotlib-fontja (the lessons' Japanese font) is not installed")
    matplotlib = pytest.importorskip("matplotlib")
    import warnings

    from matplotlib.figure import Figure

    default = list(matplotlib.rcParams["font.family"])
    teachgrad.set_language("ja")
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([1, 2], [2, 1], label="毎ステップ opt.zero_grad()")
    ax.set_title("損失（対数目盛）")
    ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns, and would be drawn as a box
        fig.savefig(io.BytesIO(), format="png")
    teachgrad.set_language("en")
    assert list(matplotlib.rcParams["font.family"]) == default
