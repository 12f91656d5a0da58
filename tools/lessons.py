"""The lessons' skeleton, navigation and contents, generated from one table; and re-recording.

    python tools/lessons.py            write the generated cells into every lesson (and create a
                                       lesson listed in LESSONS that does not exist yet)
    python tools/lessons.py --check    exit 1 and list the differences if a lesson drifted
    python tools/lessons.py record [--lang en|ja] [NN ...]
                                       run lessons (all, or those numbered NN; both editions unless
                                       --lang says one) and store their outputs and widget state,
                                       without execution timestamps

Adding a lesson is one line in LESSONS below (and its Japanese title and summary in JA); running the
script creates its notebook in both editions (title, learning goals to fill in, setup cell, Summary,
Exercises, navigation) and updates the neighbours' links and the contents table in the first lesson.

The Japanese edition lives in notebooks/ja/, one notebook per English lesson with the same name. Its
generated cells are the same in Japanese, and its setup cell also calls ``teachgrad.set_language("ja")``
(LANGUAGE_LINES), so that hints, explorers and drawings speak Japanese.

Generated, and checked by tests/test_notebook_structure.py:
- the first cell (id ``nav-top``) and the last cell (id ``nav-bottom``): previous / contents / next;
- the first line of the second cell (id ``title``): ``# Lesson N — Title``;
- the setup cells (ids ``setup-text`` and ``setup``): the imports the lesson declares;
- in the first lesson, the contents table (the cell with id ``contents``).
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EDITIONS = {"en": NOTEBOOKS, "ja": NOTEBOOKS / "ja"}

# file stem, title, what the lesson teaches (the contents table), modules imported by its setup cell
LESSONS = [
    ("00_start_here", "Start here", "How the series works: the promise (only the import changes), JupyterLab and Binder, widgets, exercises and their checks.", ()),
    ("01_tensors", "Tensors", "Creating tensors, dtype (float32 by default; integers cannot require grad), shape, broadcasting, `.item()`, `.tolist()`, printing; `requires_grad` is off by default.", ()),
    ("02_graph_and_chain_rule", "The graph and the chain rule", "`grad_fn`, leaves, the graph drawn; the chain rule by hand on the a…f chain, then `backward()`; why `x.grad` is 4.5; control flow and the graph built as code runs.", ()),
    ("03_backward_in_depth", "Backward in depth", "Implicit gradients only for scalars; `backward(v)` as a vector–Jacobian product; only leaves get `.grad`, `retain_grad()`; backward frees the graph, `retain_graph`.", ()),
    ("04_accumulation_and_zero_grad", "Accumulation and zero_grad", "Gradients add up, and why; `zero_()`, `optimizer.zero_grad()`, `model.zero_grad()`; SGD with momentum by hand; what happens when you forget `zero_grad`.", ("nn", "optim")),
    ("05_detach_no_grad_requires_grad", "Three ways to stop a gradient", "`detach()`, `torch.no_grad()` and `requires_grad=False` compared on one chain; detach shares memory; the GAN pattern; freezing a middle block.", ("nn",)),
    ("06_modules_and_sequential", "Modules and the nn.Sequential surprise", "Why a model's output requires grad when its input does not; `named_parameters()`; freezing layers; changing parameters in place; replacing a parameter behind the optimizer's back.", ("nn", "nn.functional", "optim")),
    ("07_training_end_to_end", "Training end to end", "A small model trained from scratch: SGD and Adam checked by hand, `train()`/`eval()`, `no_grad` for evaluation, a live loss curve.", ("nn", "optim")),
    ("08_inside_teachgrad", "Inside teachgrad", "How the engine works: Function nodes, topological order, the backward loop step by step, accumulation, unbroadcasting; your own Function checked with `gradcheck`.", ()),
    ("09_when_autograd_complains", "When autograd complains", "A field guide to the error messages and silent traps beginners meet: each one triggered, explained, drawn and fixed, with an index of the messages as you would paste them.", ("nn", "optim")),
    ("10_watching_gradients_flow", "Watching gradients flow", "Tensor hooks and `retain_grad()`, module forward and backward hooks, per-layer gradient norms: vanishing and exploding gradients in a deep stack, and `clip_grad_norm_`.", ("nn",)),
]

# The Japanese edition: title and contents line of each lesson, by file stem
JA = {
    "00_start_here": ("はじめに", "このシリーズの進め方: 約束（変わるのは import だけ）、JupyterLab と Binder、ウィジェット、演習とそのチェック。"),
    "01_tensors": ("テンソル", "テンソルの作り方、dtype（既定は float32、整数は勾配を要求できない）、形状、ブロードキャスト、`.item()`、`.tolist()`、表示。`requires_grad` は既定でオフ。"),
    "02_graph_and_chain_rule": ("計算グラフと連鎖律", "`grad_fn`、葉テンソル、計算グラフの図。a…f の連鎖で連鎖律を手計算し、次に `backward()`。`x.grad` が 4.5 になる理由。制御フローと、コードの実行につれて作られる計算グラフ。"),
    "03_backward_in_depth": ("backward をくわしく", "暗黙の勾配はスカラーだけ。ベクトル・ヤコビアン積としての `backward(v)`。`.grad` を持つのは葉テンソルだけで、`retain_grad()` もある。backward は計算グラフを解放する、`retain_graph`。"),
    "04_accumulation_and_zero_grad": ("勾配の蓄積と zero_grad", "勾配は足し合わされる、そしてその理由。`zero_()`、`optimizer.zero_grad()`、`model.zero_grad()`。モーメンタム付き SGD を手で。`zero_grad` を忘れると何が起こるか。"),
    "05_detach_no_grad_requires_grad": ("勾配を止める 3 つの方法", "`detach()`、`torch.no_grad()`、`requires_grad=False` を 1 つの連鎖で比べる。detach はメモリを共有する。GAN のパターン。途中のブロックの凍結。"),
    "06_modules_and_sequential": ("モジュールと nn.Sequential の意外な挙動", "入力が勾配を要求しないのに、モデルの出力が勾配を要求する理由。`named_parameters()`。層の凍結。パラメータのその場での変更。オプティマイザの知らないところでパラメータを差し替えると。"),
    "07_training_end_to_end": ("学習を最初から最後まで", "小さなモデルを一から学習: SGD と Adam を手計算で確かめる、`train()`/`eval()`、評価には `no_grad`、リアルタイムの損失曲線。"),
    "08_inside_teachgrad": ("teachgrad の内部", "エンジンのしくみ: Function ノード、トポロジカル順序、1 ステップずつ見る backward のループ、蓄積、ブロードキャストの逆操作。自作の Function を `gradcheck` で確かめる。"),
    "09_when_autograd_complains": ("autograd がエラーを出すとき", "初心者が出会うエラーメッセージと、エラーにならない落とし穴の手引き: どれも実際に起こし、説明し、図で見て、直す。メッセージを貼り付けたときの形で引ける索引付き。"),
    "10_watching_gradients_flow": ("勾配の流れを観察する", "テンソルのフックと `retain_grad()`、モジュールの順伝播・逆伝播フック、層ごとの勾配のノルム: 深い積み重ねで起こる勾配消失と勾配爆発、そして `clip_grad_norm_`。"),
}

CONTENTS = "00_start_here.ipynb"
IMPORT_ALIASES = {"nn": "nn", "nn.functional": "F", "optim": "optim"}

# The lines a Japanese lesson's setup cell adds to the English one: the language setting. Everything
# else in a Japanese lesson's code is the English code (tests/test_lessons_japanese.py compares them).
LANGUAGE_LINES = {
    "en": [],
    "ja": ["import teachgrad", 'teachgrad.set_language("ja")  # ヒント、エクスプローラー、図を日本語で表示します'],
}

SETUP_TEXT = {
    "en": """\
## Setup

Run this cell first. `teachgrad` stands in for PyTorch: with `import torch` in place of
`import teachgrad as torch` (and `torch.nn`, `torch.optim` for `teachgrad.nn`, `teachgrad.optim`)
every cell of this lesson prints the same, except the few marked *teachgrad only* (drawings,
explorers and the engine's own source), which show teachgrad itself. The last line seeds the random
number generator, so that random numbers come out the same on every run; `torch.manual_seed` returns
the generator object, and assigning it to `_` keeps Jupyter from displaying it.""",
    "ja": """\
## 準備

最初にこのセルを実行してください。`teachgrad` は PyTorch の代わりを務めます。`import teachgrad as torch` を
`import torch` に（`teachgrad.nn`、`teachgrad.optim` を `torch.nn`、`torch.optim` に）置き換えても、このレッスンのセルはどれも同じ結果を表示します。例外は *teachgrad 専用* と書いたいくつかのセル（図、エクスプローラー、エンジン自身のソースコード）で、これらは teachgrad そのものを見せています。最後の行は乱数生成器のシードを設定し、乱数が実行のたびに同じ値になるようにします。`torch.manual_seed` は生成器オブジェクトを返すので、それを `_` に代入して Jupyter に表示させないようにしています。
`teachgrad.set_language("ja")` は、チェックのヒントやエクスプローラー、図の文字を日本語にします（PyTorch が出すメッセージは英語のままです）。""",
}

# Headings every lesson has, by edition (tests/test_notebook_structure.py looks for them)
HEADINGS = {
    "en": {"goals": "Learning goals", "summary": "## Summary", "exercises": "## Exercises"},
    "ja": {"goals": "学習目標", "summary": "## まとめ", "exercises": "## 演習"},
}
NAV_WORDS = {
    "en": {"previous": "← Previous: ", "contents": "Contents", "next": "Next: ", "arrow": " →",
           "lesson": "Lesson"},
    "ja": {"previous": "← 前へ: ", "contents": "目次", "next": "次へ: ", "arrow": " →", "lesson": "レッスン"},
}


def number(stem):
    return int(stem[:2])


def title_of(i, lang="en"):
    stem, title = LESSONS[i][:2]
    return title if lang == "en" else JA[stem][0]


def summary_of(i, lang="en"):
    stem, _, summary = LESSONS[i][:3]
    return summary if lang == "en" else JA[stem][1]


def heading(i, lang="en"):
    stem = LESSONS[i][0]
    title = title_of(i, lang)
    return f"# {title}" if number(stem) == 0 else f"# {NAV_WORDS[lang]['lesson']} {number(stem)} — {title}"


def nav_line(i, lang="en"):
    """previous | contents | next, for the lesson at index i of LESSONS."""
    words = NAV_WORDS[lang]
    parts = []
    if i > 0:
        parts.append(f"[{words['previous']}{title_of(i - 1, lang)}]({LESSONS[i - 1][0]}.ipynb)")
    parts.append(f"[{words['contents']}]({CONTENTS})")
    if i + 1 < len(LESSONS):
        parts.append(f"[{words['next']}{title_of(i + 1, lang)}{words['arrow']}]({LESSONS[i + 1][0]}.ipynb)")
    return " | ".join(parts)


def setup_code(imports, lang="en"):
    """The setup cell: the imports (and in the Japanese edition the language setting), then the seed."""
    import_teachgrad, *set_language = LANGUAGE_LINES[lang] or [None]
    lines = ["import teachgrad as torch"]
    for mod in imports:
        lines.append(f"import teachgrad.{mod} as {IMPORT_ALIASES[mod]}")
    if import_teachgrad:
        lines.append(import_teachgrad)
    return "\n".join(lines) + "\n\n" + "".join(line + "\n" for line in set_language) + "_ = torch.manual_seed(0)"


def contents_table(lang="en"):
    header = {"en": "| # | Lesson | What you will learn |", "ja": "| # | レッスン | 学ぶこと |"}[lang]
    rows = [header, "| --- | --- | --- |"]
    for i, (stem, *_rest) in enumerate(LESSONS):
        rows.append(f"| {number(stem)} | [{title_of(i, lang)}]({stem}.ipynb) | {summary_of(i, lang)} |")
    return {"en": "## Contents", "ja": "## 目次"}[lang] + "\n\n" + "\n".join(rows)


# ---------------------------------------------------------------------------------------------
# notebooks as JSON (kept as nbformat 4.5 writes them: one-space indent, sources as line lists)
# ---------------------------------------------------------------------------------------------

def _lines(text):
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def markdown(cell_id, text):
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": _lines(text)}


def code(cell_id, text):
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {}, "outputs": [],
            "source": _lines(text)}


def source(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def save(path, nb):
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def new_lesson(i, lang="en"):
    imports = LESSONS[i][3]
    h = HEADINGS[lang]
    return {
        "cells": [
            markdown("nav-top", nav_line(i, lang)),
            markdown("title", heading(i, lang) + "\n\nWhat this lesson is about, in a paragraph."
                     f"\n\n## {h['goals']}\n\n- the first goal\n- the second goal"),
            markdown("setup-text", SETUP_TEXT[lang]),
            code("setup", setup_code(imports, lang)),
            markdown("summary", f"{h['summary']}\n\n- what to remember"),
            markdown("exercises", f"{h['exercises']}\n\n**Exercise 1.** ..."),
            markdown("nav-bottom", nav_line(i, lang)),
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                    "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def expected_cells(i, lang="en"):
    """{cell id: (cell type, source)} of the generated cells of lesson i; for the title cell only
    the first line is generated."""
    stem, _, _, imports = LESSONS[i]
    cells = {
        "nav-top": ("markdown", nav_line(i, lang)),
        "title": ("markdown", heading(i, lang)),
        "setup-text": ("markdown", SETUP_TEXT[lang]),
        "setup": ("code", setup_code(imports, lang)),
        "nav-bottom": ("markdown", nav_line(i, lang)),
    }
    if stem + ".ipynb" == CONTENTS:
        cells["contents"] = ("markdown", contents_table(lang))
    return cells


def problems(i, nb, lang="en"):
    """What differs between lesson i and the generator (a list of strings)."""
    out = []
    cells = nb["cells"]
    by_id = {c.get("id"): (k, c) for k, c in enumerate(cells)}
    for cid, (kind, text) in expected_cells(i, lang).items():
        if cid not in by_id:
            out.append(f"no cell with id {cid!r}")
            continue
        k, cell = by_id[cid]
        got = source(cell)
        if cid == "title":
            got = got.split("\n", 1)[0]
        if cell["cell_type"] != kind or got != text:
            out.append(f"cell {cid!r} differs from the generated one:\n  want: {text[:200]!r}\n  have: {got[:200]!r}")
    order = [c.get("id") for c in cells]
    if order[:1] != ["nav-top"] or order[-1:] != ["nav-bottom"]:
        out.append("the navigation cells must be the first and the last cell")
    elif order[1:2] != ["title"]:
        out.append("the title cell must come right after the navigation")
    elif "setup" in order and order.index("setup") != order.index("setup-text") + 1:
        out.append("the setup code cell must follow its text")
    return out


def apply(i, nb, lang="en"):
    """Write the generated cells into lesson i (in place)."""
    cells = nb["cells"]
    for cid, (kind, text) in expected_cells(i, lang).items():
        for cell in cells:
            if cell.get("id") == cid:
                if cid == "title":
                    rest = source(cell).split("\n", 1)
                    text = text + ("\n" + rest[1] if len(rest) > 1 else "")
                if source(cell) != text:
                    cell["source"] = _lines(text)
                    if cell["cell_type"] == "code":
                        cell["outputs"], cell["execution_count"] = [], None
                break
        else:
            raise SystemExit(f"lessons: {LESSONS[i][0]} has no cell with id {cid!r}; add it by hand once")
    return nb


def lesson_path(i, lang="en"):
    return EDITIONS[lang] / f"{LESSONS[i][0]}.ipynb"


def generate(check=False, langs=tuple(EDITIONS)):
    found = []
    for lang in langs:
        for i in range(len(LESSONS)):
            path = lesson_path(i, lang)
            name = path.relative_to(NOTEBOOKS)
            if lang != "en" and LESSONS[i][0] not in JA:
                found.append(f"{name}: no Japanese title and summary in tools/lessons.py JA")
                continue
            if not path.exists():
                if check:
                    found.append(f"{name}: missing (listed in tools/lessons.py)")
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                save(path, new_lesson(i, lang))
                print(f"lessons: created {path.relative_to(ROOT)}")
                continue
            nb = load(path)
            if check:
                found += [f"{name}: {p}" for p in problems(i, nb, lang)]
            else:
                before = json.dumps(nb, sort_keys=True)
                apply(i, nb, lang)
                if json.dumps(nb, sort_keys=True) != before:
                    save(path, nb)
                    print(f"lessons: updated {path.relative_to(ROOT)}")
        listed = {f"{stem}.ipynb" for stem, *_ in LESSONS}
        for path in sorted(EDITIONS[lang].glob("[0-9][0-9]_*.ipynb")):
            if path.name not in listed:
                found.append(f"{path.relative_to(NOTEBOOKS)}: not listed in tools/lessons.py LESSONS")
    return found


# ---------------------------------------------------------------------------------------------
# recording outputs
# ---------------------------------------------------------------------------------------------

def _relative_paths(output):
    """Name the repository's files relative to it in a stored output (tracebacks, warnings): where the
    lessons were recorded is nobody's business, and it differs from machine to machine."""
    prefix = str(ROOT) + "/"
    if output.get("output_type") == "error":
        output["traceback"] = [line.replace(prefix, "") for line in output["traceback"]]
    elif output.get("output_type") == "stream":
        output["text"] = output["text"].replace(prefix, "")


def record(numbers=(), langs=tuple(EDITIONS)):
    """Execute lessons in place (outputs and widget state stored, execution timestamps stripped)."""
    import nbformat
    from nbclient import NotebookClient

    for lang in langs:
        for i, (stem, *_rest) in enumerate(LESSONS):
            if numbers and stem[:2] not in numbers:
                continue
            _record_one(lesson_path(i, lang), nbformat, NotebookClient)


def _record_one(path, nbformat, NotebookClient):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                            store_widget_state=True, resources={"metadata": {"path": str(path.parent)}})
    # cells tagged raises-exception are allowed to fail (nbclient honours the tag)
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            _relative_paths(output)
    nbformat.write(nb, path)
    print(f"lessons: recorded {path.relative_to(ROOT)}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report drift instead of writing")
    sub = parser.add_subparsers(dest="command")
    rec = sub.add_parser("record", help="run lessons and store their outputs")
    rec.add_argument("numbers", nargs="*", help="lesson numbers (00, 01, ...); default: all")
    rec.add_argument("--lang", choices=sorted(EDITIONS), help="only this edition (default: both)")
    args = parser.parse_args(argv)
    if args.command == "record":
        record(tuple(args.numbers), (args.lang,) if args.lang else tuple(EDITIONS))
        return 0
    found = generate(check=args.check)
    for line in found:
        print(f"lessons: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
