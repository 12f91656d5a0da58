"""Instructor tooling behind ``./run student`` and ``./run lite`` (binder/postBuild uses it too).

    python tools/course.py student [OUT]   student versions of every lesson (default OUT: student/)
    python tools/course.py lite [OUT]      the JupyterLite site (default OUT: _output/)

Both work from the lessons in notebooks/ (files named NN_*.ipynb) and from the Japanese edition in
notebooks/ja/; ``--lessons DIR`` picks another folder. Student versions are made by nbgrader itself
(``nbgrader generate_assignment --no-db``) in an nbgrader course directory (default build/course/, one
assignment per lesson; the Japanese edition in a course directory of its own, build/course/ja/), then
copied flat into OUT (and OUT/ja/) so that the lessons' links to each other keep working.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
LESSON_GLOB = "[0-9][0-9]_*.ipynb"
# Other editions of the lessons, in sub-folders of the lessons' folder: made and copied like the lessons
EDITIONS = ("ja",)
SKIP = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")

# Packages the lessons need in the browser that Pyodide does not ship; bundled as wheels so that
# the site does not depend on PyPI (numpy and matplotlib come with Pyodide itself).
# matplotlib-fontja brings the Japanese font of the Japanese edition's figures.
LITE_EXTRA_WHEELS = ("ipywidgets", "jupyterlab_widgets", "matplotlib-fontja")

# The first cell of every lesson in the JupyterLite site. `%pip` in JupyterLite is piplite: it
# installs from the wheels bundled with the site.
LITE_SETUP_SOURCE = """\
# JupyterLite only: install teachgrad (and ipywidgets, for the live widgets) into the Python
# that runs in this browser tab. A local Jupyter or Binder does not need this cell.
%pip install -q teachgrad ipywidgets"""
LITE_SETUP_SOURCES = {
    "ja": """\
# JupyterLite 専用: このブラウザーのタブで動く Python に teachgrad（とライブウィジェット用の ipywidgets、
# 図の日本語フォント matplotlib-fontja）をインストールします。ローカルの Jupyter や Binder では不要です。
%pip install -q teachgrad ipywidgets matplotlib-fontja""",
}

# nbgrader's JupyterLab extension (course pages, "Validate" button) needs a Jupyter server; the
# JupyterLite site has none, so it is disabled there. (On Binder only its course pages are hidden,
# see binder/postBuild; "Validate" works there.)
LITE_DISABLED_EXTENSIONS = ("@jupyter/nbgrader",)


def tool_env():
    """This Python's scripts first on PATH, as in an activated venv (nbgrader and jupyter lite
    start other tools by name)."""
    scripts = str(Path(sys.executable).parent)
    return dict(os.environ, PATH=scripts + os.pathsep + os.environ.get("PATH", ""))


def log(msg):
    print(f"course: {msg}", flush=True)


def find_lessons(lessons_dir):
    lessons = sorted(Path(lessons_dir).glob(LESSON_GLOB))
    if not lessons:
        sys.exit(f"course: no lessons ({LESSON_GLOB}) in {lessons_dir}")
    return lessons


def editions(lessons_dir):
    """The sub-folders of ``lessons_dir`` that hold another edition of the lessons (notebooks/ja/)."""
    return [Path(lessons_dir) / name for name in EDITIONS if list((Path(lessons_dir) / name).glob(LESSON_GLOB))]


def copy_assets(src, dest):
    """Copy everything beside the lessons (images, data) that is not itself a lesson or an edition."""
    for item in Path(src).iterdir():
        if item.name.startswith(".") or item.name == "__pycache__" or item.suffix == ".ipynb":
            continue
        if item.is_dir() and item.name in EDITIONS:
            continue
        if item.is_dir():
            shutil.copytree(item, dest / item.name, ignore=SKIP, dirs_exist_ok=True)
        else:
            shutil.copy2(item, dest / item.name)


def make_student(out, lessons_dir, course_dir):
    """Student versions of every lesson in OUT, via nbgrader in COURSE_DIR, and of every other edition
    in OUT/<edition>/ (course directory COURSE_DIR/<edition>/). Returns their paths."""
    out, course_dir = Path(out).resolve(), Path(course_dir).resolve()
    made = _make_student(out, lessons_dir, course_dir)
    for folder in editions(lessons_dir):
        made += _make_student(out / folder.name, folder, course_dir / folder.name, STUBS.get(folder.name))
    return made


# What nbgrader writes in place of a solution in another edition's student versions (the comment in the
# edition's language; nbgrader_config.py has the English one).
STUBS = {
    "ja": ("# ここに答えを書きます\nraise NotImplementedError()", "ここに答えを書きます"),
}


def _make_student(out, lessons_dir, course_dir, stubs=None):
    lessons = find_lessons(lessons_dir)
    for sub in ("source", "release"):
        shutil.rmtree(course_dir / sub, ignore_errors=True)
    (course_dir / "source").mkdir(parents=True)
    config = (ROOT / "nbgrader_config.py").read_text(encoding="utf-8")
    if stubs:
        code_stub, text_stub = stubs
        config += ("\n# This edition's language\n"
                   f"c.ClearSolutions.code_stub = {{'python': {code_stub!r}}}\n"
                   f"c.ClearSolutions.text_stub = {text_stub!r}\n")
    (course_dir / "nbgrader_config.py").write_text(config, encoding="utf-8")
    for nb in lessons:
        (course_dir / "source" / nb.stem).mkdir()
        shutil.copy2(nb, course_dir / "source" / nb.stem / nb.name)

    log(f"nbgrader generate_assignment --no-db for {len(lessons)} lessons in {course_dir}")
    subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "--no-db", "--force", "*"],
        cwd=course_dir,
        env=tool_env(),
        check=True,
    )

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    copy_assets(lessons_dir, out)
    made = []
    for nb in lessons:
        released = course_dir / "release" / nb.stem / nb.name
        if not released.exists():
            sys.exit(f"course: nbgrader did not produce {released}")
        shutil.copy2(released, out / nb.name)
        made.append(out / nb.name)
    log(f"student versions of {len(made)} lessons in {out}")
    return made


def add_lite_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(LITE_SETUP_SOURCES.get(Path(path).parent.name, LITE_SETUP_SOURCE))
    cell["id"] = "jupyterlite-setup"
    nb.cells.insert(0, cell)
    nbformat.write(nb, path)


def build_wheels(dest):
    """The teachgrad wheel (built from this checkout) and the extra wheels for Pyodide."""
    dest.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip"]
    subprocess.run(pip + ["wheel", "--quiet", "--no-deps", "--wheel-dir", str(dest), str(ROOT)],
                   check=True)
    pins = [f"{name}=={metadata.version(name)}" for name in LITE_EXTRA_WHEELS]
    subprocess.run(pip + ["download", "--quiet", "--no-deps", "--only-binary", ":all:",
                          "--dest", str(dest)] + pins, check=True)
    return sorted(dest.glob("*.whl"))


def build_lite(out, lessons_dir, work_dir):
    """Build the JupyterLite site in OUT; WORK_DIR holds the intermediate files."""
    out, work_dir = Path(out).resolve(), Path(work_dir).resolve()
    shutil.rmtree(work_dir, ignore_errors=True)
    contents = work_dir / "contents"

    # The same two folders as on Binder: student versions first, the full lessons beside them.
    student = make_student(contents / "student", lessons_dir, work_dir / "course")
    full_dir = contents / "notebooks"
    full = []
    for folder, dest in [(Path(lessons_dir), full_dir)] + [(f, full_dir / f.name) for f in editions(lessons_dir)]:
        dest.mkdir(parents=True)
        copy_assets(folder, dest)
        for nb in find_lessons(folder):
            shutil.copy2(nb, dest / nb.name)
            full.append(dest / nb.name)
    for path in student + full:
        add_lite_setup_cell(path)

    wheels = build_wheels(work_dir / "wheels")
    (work_dir / "jupyter-lite.json").write_text(json.dumps({
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "teachgrad lessons",
            "disabledExtensions": list(LITE_DISABLED_EXTENSIONS),
        },
    }, indent=2) + "\n")

    cmd = [sys.executable, "-m", "jupyterlite_core", "build",
           "--lite-dir", str(work_dir), "--contents", str(contents), "--output-dir", str(out)]
    for whl in wheels:
        cmd += ["--piplite-wheels", str(whl)]
    log("jupyter lite build")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(cmd, cwd=work_dir, env=tool_env(), check=True)
    log(f"JupyterLite site in {out}; serve it with: python -m http.server -d {out}")
    log("open lab/index.html?path=student/00_start_here.ipynb, or student/ja/00_start_here.ipynb for the "
        "Japanese edition (Pyodide loads from its CDN)")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("student", help="student versions of every lesson (nbgrader)")
    p.add_argument("out", nargs="?", default=str(ROOT / "student"))
    p.add_argument("--lessons", default=str(ROOT / "notebooks"))
    p.add_argument("--course-dir", default=str(ROOT / "build" / "course"))
    p = sub.add_parser("lite", help="build the JupyterLite site")
    p.add_argument("out", nargs="?", default=str(ROOT / "_output"))
    p.add_argument("--lessons", default=str(ROOT / "notebooks"))
    p.add_argument("--work-dir", default=str(ROOT / "build" / "lite"))
    args = parser.parse_args(argv)
    if args.command == "student":
        make_student(args.out, args.lessons, args.course_dir)
    else:
        build_lite(args.out, args.lessons, args.work_dir)


if __name__ == "__main__":
    main()
