"""The promise of the series, tested: change only the import, and every lesson prints the same.

Every lesson, in both editions, is copied with ``import teachgrad as torch`` (and ``teachgrad.nn``, ``teachgrad.nn.functional``,
``teachgrad.optim``) replaced by the real PyTorch imports, and the copies run under strict nbval — the
same comparison and sanitizers as the ordinary notebook run — against the outputs stored with teachgrad.
Cells tagged ``teachgrad-only`` (drawings, explorers, the engine's own source) show teachgrad itself:
they still run, so that later cells find what they define, but their output is not compared and an
error in them is tolerated.
"""

import re

import nbformat
import pytest

from lesson_runs import copy_lessons, run_nbval, summary

torch = pytest.importorskip("torch")  # tests/conftest.py makes torch mandatory in CI

TEACHGRAD_IMPORT = re.compile(r"^(\s*)import teachgrad((?:\.nn(?:\.functional)?|\.optim)?) as (\w+)\s*$",
                              re.MULTILINE)


def swap_imports(source):
    """``import teachgrad[.nn|.nn.functional|.optim] as X`` -> ``import torch[...] as X``."""
    return TEACHGRAD_IMPORT.sub(r"\1import torch\2 as \3", source)


def to_torch(path):
    """Rewrite a copied lesson in place for real PyTorch; returns how many cells changed."""
    nb = nbformat.read(path, as_version=4)
    changed = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        swapped = swap_imports(cell.source)
        if swapped != cell.source:
            cell.source = swapped
            changed += 1
        tags = cell.metadata.setdefault("tags", [])
        if "teachgrad-only" in tags:
            tags += ["nbval-ignore-output", "raises-exception"]
    nbformat.write(nb, path)
    return changed


def test_swap_imports():
    src = ("import teachgrad as torch\nimport teachgrad.nn as nn\nimport teachgrad.nn.functional as F\n"
           "import teachgrad.optim as optim\nfrom teachgrad.checks import check\nimport teachgrad.viz\n")
    assert swap_imports(src) == ("import torch as torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
                                 "import torch.optim as optim\nfrom teachgrad.checks import check\nimport teachgrad.viz\n")


def test_every_lesson_prints_the_same_with_real_pytorch(tmp_path):
    lessons = copy_lessons(tmp_path / "notebooks")
    for path in lessons:
        assert to_torch(path) >= 1, f"{path}: no `import teachgrad as torch` to swap"
    code, report = run_nbval(lessons, tmp_path)
    print(f"torch {torch.__version__}: {report.strip().splitlines()[-1]}")
    assert code == 0, f"lessons with `import torch` in place of teachgrad:\n{summary(report)}"
