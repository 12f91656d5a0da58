"""The lessons' skeleton, navigation and contents, generated from one table; and re-recording.

    python tools/lessons.py            write the generated cells into every lesson (and create a
                                       lesson listed in LESSONS that does not exist yet)
    python tools/lessons.py --check    exit 1 and list the differences if a lesson drifted
    python tools/lessons.py record [NN ...]
                                       run lessons (all, or those numbered NN) and store their
                                       outputs and widget state, without execution timestamps

Adding a lesson is one line in LESSONS below; running the script creates its notebook (title,
learning goals to fill in, setup cell, Summary, Exercises, navigation) and updates the neighbours'
links and the contents table in the first lesson.

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

CONTENTS = "00_start_here.ipynb"
IMPORT_ALIASES = {"nn": "nn", "nn.functional": "F", "optim": "optim"}

SETUP_TEXT = """\
## Setup

Run this cell first. `teachgrad` stands in for PyTorch: with `import torch` in place of
`import teachgrad as torch` (and `torch.nn`, `torch.optim` for `teachgrad.nn`, `teachgrad.optim`)
every cell of this lesson prints the same, except the few marked *teachgrad only* (drawings,
explorers and the engine's own source), which show teachgrad itself. The last line seeds the random
number generator, so that random numbers come out the same on every run; `torch.manual_seed` returns
the generator object, and assigning it to `_` keeps Jupyter from displaying it."""


def number(stem):
    return int(stem[:2])


def heading(stem, title):
    return f"# {title}" if number(stem) == 0 else f"# Lesson {number(stem)} — {title}"


def nav_line(i):
    """previous | contents | next, for the lesson at index i of LESSONS."""
    parts = []
    if i > 0:
        stem, title = LESSONS[i - 1][:2]
        parts.append(f"[← Previous: {title}]({stem}.ipynb)")
    parts.append(f"[Contents]({CONTENTS})")
    if i + 1 < len(LESSONS):
        stem, title = LESSONS[i + 1][:2]
        parts.append(f"[Next: {title} →]({stem}.ipynb)")
    return " | ".join(parts)


def setup_code(imports):
    lines = ["import teachgrad as torch"]
    for mod in imports:
        lines.append(f"import teachgrad.{mod} as {IMPORT_ALIASES[mod]}")
    return "\n".join(lines) + "\n\n_ = torch.manual_seed(0)"


def contents_table():
    rows = ["| # | Lesson | What you will learn |", "| --- | --- | --- |"]
    for stem, title, summary, _ in LESSONS:
        rows.append(f"| {number(stem)} | [{title}]({stem}.ipynb) | {summary} |")
    return "## Contents\n\n" + "\n".join(rows)


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


def new_lesson(i):
    stem, title, summary, imports = LESSONS[i]
    return {
        "cells": [
            markdown("nav-top", nav_line(i)),
            markdown("title", heading(stem, title) + "\n\nWhat this lesson is about, in a paragraph."
                     "\n\n## Learning goals\n\n- the first goal\n- the second goal"),
            markdown("setup-text", SETUP_TEXT),
            code("setup", setup_code(imports)),
            markdown("summary", "## Summary\n\n- what to remember"),
            markdown("exercises", "## Exercises\n\n**Exercise 1.** ..."),
            markdown("nav-bottom", nav_line(i)),
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                    "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def expected_cells(i):
    """{cell id: (cell type, source)} of the generated cells of lesson i; for the title cell only
    the first line is generated."""
    stem, title, _, imports = LESSONS[i]
    cells = {
        "nav-top": ("markdown", nav_line(i)),
        "title": ("markdown", heading(stem, title)),
        "setup-text": ("markdown", SETUP_TEXT),
        "setup": ("code", setup_code(imports)),
        "nav-bottom": ("markdown", nav_line(i)),
    }
    if stem + ".ipynb" == CONTENTS:
        cells["contents"] = ("markdown", contents_table())
    return cells


def problems(i, nb):
    """What differs between lesson i and the generator (a list of strings)."""
    out = []
    cells = nb["cells"]
    by_id = {c.get("id"): (k, c) for k, c in enumerate(cells)}
    for cid, (kind, text) in expected_cells(i).items():
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


def apply(i, nb):
    """Write the generated cells into lesson i (in place)."""
    cells = nb["cells"]
    for cid, (kind, text) in expected_cells(i).items():
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


def lesson_path(i):
    return NOTEBOOKS / f"{LESSONS[i][0]}.ipynb"


def generate(check=False):
    found = []
    for i in range(len(LESSONS)):
        path = lesson_path(i)
        if not path.exists():
            if check:
                found.append(f"{path.name}: missing (listed in tools/lessons.py)")
                continue
            save(path, new_lesson(i))
            print(f"lessons: created {path.relative_to(ROOT)}")
            continue
        nb = load(path)
        if check:
            found += [f"{path.name}: {p}" for p in problems(i, nb)]
        else:
            before = json.dumps(nb, sort_keys=True)
            apply(i, nb)
            if json.dumps(nb, sort_keys=True) != before:
                save(path, nb)
                print(f"lessons: updated {path.relative_to(ROOT)}")
    listed = {f"{stem}.ipynb" for stem, *_ in LESSONS}
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        if path.name not in listed:
            found.append(f"{path.name}: not listed in tools/lessons.py LESSONS")
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


def record(numbers=()):
    """Execute lessons in place (outputs and widget state stored, execution timestamps stripped)."""
    import nbformat
    from nbclient import NotebookClient

    for i, (stem, *_rest) in enumerate(LESSONS):
        if numbers and stem[:2] not in numbers:
            continue
        path = lesson_path(i)
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                                store_widget_state=True, resources={"metadata": {"path": str(NOTEBOOKS)}})
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
    args = parser.parse_args(argv)
    if args.command == "record":
        record(tuple(args.numbers))
        return 0
    found = generate(check=args.check)
    for line in found:
        print(f"lessons: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
