"""Running the lessons in a separate pytest + nbval process (a fresh kernel with its own environment).

Used by the tests that run the whole series under other CPU settings and with real PyTorch in place of
teachgrad: one nbval process for all lessons, its report returned for the assertion message.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# both editions: the English lessons and the Japanese ones in notebooks/ja/
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted(NOTEBOOKS.glob("ja/[0-9][0-9]_*.ipynb"))
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"


def copy_lessons(dest):
    """A copy of notebooks/ (lessons of both editions and whatever they read) in ``dest``; returns the
    copied lessons."""
    shutil.copytree(NOTEBOOKS, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return [Path(dest) / p.relative_to(NOTEBOOKS) for p in LESSONS]


def run_nbval(paths, cwd, env=None, timeout=1200):
    """Strict nbval on ``paths`` (inside ``cwd``, a scratch directory) in a new process; returns
    (exit code, report).

    Only the options given here apply (an empty pytest.ini in ``cwd``, no addopts, no conftest from
    this repository): strict output comparison with the project's sanitize file, the current
    environment's kernel, no cache written.
    """
    cwd = Path(cwd)
    ini = cwd / "pytest.ini"
    if not ini.exists():
        ini.write_text("[pytest]\n")
    cmd = [sys.executable, "-m", "pytest", "-c", str(ini), "--rootdir", str(cwd), "-p", "no:cacheprovider",
           "-q", "-o", "addopts=", "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE),
           *map(str, paths)]
    proc = subprocess.run(cmd, cwd=cwd, env=dict(os.environ if env is None else env), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout)
    return proc.returncode, proc.stdout


def summary(report, limit=12000):
    """The failures part of a pytest report (the diffs nbval prints), shortened for a message."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", report)  # nbval colours its diffs
    start = text.find("= FAILURES =")
    text = text[start:] if start >= 0 else text
    return text if len(text) <= limit else text[:limit // 2] + "\n...\n" + text[-limit // 2:]
