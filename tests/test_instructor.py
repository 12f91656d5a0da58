"""The instructor workflow: nbgrader markup in the lessons, student versions, autograding.

What these tests prove:
- every lesson carries nbgrader's markup in a form nbgrader accepts, with checked exercises;
- ``tools/course.py student`` (behind ``./run student`` and binder/postBuild) makes a student version
  of every lesson with nbgrader's own ``generate_assignment --no-db``;
- the lessons as written pass ``nbgrader validate`` (every check cell passes with the solutions);
- the student versions pass ``nbgrader validate --invert`` ("the notebook does not pass any tests"):
  with the solutions gone, every check fails;
- no line of any solution and no hidden test survives in a student version, and no output either;
- on a sample lesson, the whole course workflow of docs/instructors.md works with our
  nbgrader_config.py: release with a gradebook, submissions, ``nbgrader autograde`` restoring the
  hidden tests and scoring right, half-right and empty answers.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ENGLISH = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
# both editions: student versions of the Japanese lessons go to student/ja/
LESSONS = ENGLISH + sorted(NOTEBOOKS.glob("ja/[0-9][0-9]_*.ipynb"))
SAMPLE = ROOT / "tests" / "data" / "sample_lessons" / "00_sample.ipynb"
EXPECTED_LESSONS = [
    "00_start_here.ipynb",
    "01_tensors.ipynb",
    "02_graph_and_chain_rule.ipynb",
    "03_backward_in_depth.ipynb",
    "04_accumulation_and_zero_grad.ipynb",
    "05_detach_no_grad_requires_grad.ipynb",
    "06_modules_and_sequential.ipynb",
    "07_training_end_to_end.ipynb",
    "08_inside_teachgrad.ipynb",
    "09_when_autograd_complains.ipynb",
    "10_watching_gradients_flow.ipynb",
]
SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
PASSES_ALL = "Success! Your notebook passes all the tests."
PASSES_NONE = "Success! The notebook does not pass any tests."

ids = [str(p.relative_to(NOTEBOOKS).with_suffix("")) for p in LESSONS]


def rel(lesson):
    """Where a lesson's student version lies inside the student folder: 01_tensors.ipynb, ja/01_tensors.ipynb."""
    return lesson.relative_to(NOTEBOOKS)


def tool_env():
    """The environment for nbgrader: unbuffered output (to keep stdout and the log in order), and
    this Python's scripts first on PATH (nbgrader runs `alembic` to create its gradebook)."""
    scripts = str(Path(sys.executable).parent)
    return dict(os.environ, PYTHONUNBUFFERED="1",
                PATH=scripts + os.pathsep + os.environ.get("PATH", ""))


def nbgrader(*args, cwd=ROOT, timeout=900):
    """Run the nbgrader CLI; stdout and the log (stderr) interleaved in order."""
    env = tool_env()
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=timeout,
    )
    return proc.returncode, proc.stdout


def split_validate_output(output):
    """nbgrader validate's output for several notebooks -> {absolute path: that notebook's report}."""
    reports = {}
    current = None
    for line in output.splitlines():
        m = re.search(r"Validating '(.+\.ipynb)'", line)
        if m:
            current = str(Path(m.group(1)).resolve())
            reports[current] = []
        elif current is not None:
            reports[current].append(line)
    return {k: "\n".join(v) for k, v in reports.items()}


def regions(source, markers):
    """Lines strictly between each pair of markers in a cell's source."""
    begin, end = markers
    inside, found = False, []
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside:
            found.append(line)
    return found


def outside_regions(nb):
    """Every stripped line of every cell that is not inside a solution or hidden-test region."""
    lines = set()
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            s = line.strip()
            if s in (SOLUTION[0], HIDDEN[0]):
                inside = True
            elif s in (SOLUTION[1], HIDDEN[1]):
                inside = False
            elif not inside:
                lines.add(s)
    return lines


def secret_lines(nb, markers):
    """Stripped, non-blank lines inside the given regions that appear nowhere else in the lesson."""
    public = outside_regions(nb)
    secret = set()
    for cell in nb.cells:
        for line in regions(cell.source, markers):
            s = line.strip()
            if s and s not in public:
                secret.add(s)
    return secret


def marker_lines(text):
    """The stripped lines of text (markers count only as whole lines, not when prose quotes them)."""
    return {line.strip() for line in text.splitlines()}


def student_text(nb):
    """Everything a student sees in a notebook: cell sources and any stored output."""
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(str(out.get("text", "")))
            parts.extend(str(v) for v in out.get("data", {}).values())
    return "\n".join(parts)


@pytest.fixture(scope="session")
def student_dir(tmp_path_factory):
    """Student versions of the real lessons, made exactly as `./run student` makes them."""
    base = tmp_path_factory.mktemp("student")
    out = base / "student"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "course.py"), "student", str(out),
         "--course-dir", str(base / "course")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout
    return out


@pytest.fixture(scope="session")
def validation(student_dir):
    """`nbgrader validate` on the lessons and `nbgrader validate --invert` on the student versions,
    the two run side by side (each executes the whole series once)."""
    env = tool_env()
    students = [student_dir / rel(p) for p in LESSONS]
    procs = {
        "source": subprocess.Popen(
            [sys.executable, "-m", "nbgrader", "validate", *map(str, LESSONS)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
        "student": subprocess.Popen(
            [sys.executable, "-m", "nbgrader", "validate", "--invert", *map(str, students)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
    }
    results = {}
    for key, proc in procs.items():
        out, _ = proc.communicate(timeout=900)
        results[key] = (proc.returncode, out, split_validate_output(out))
    return results


def test_every_lesson_of_the_series_exists():
    assert [p.name for p in ENGLISH] == EXPECTED_LESSONS
    assert [p.name for p in LESSONS if p not in ENGLISH] == EXPECTED_LESSONS, "the Japanese edition"


def test_readme_lists_exactly_the_lessons():
    readme = (ROOT / "README.md").read_text()
    listed = re.findall(r"`(\d\d_[a-z0-9_]+\.ipynb)`", readme)
    assert sorted(set(listed)) == [p.name for p in ENGLISH]
    readme_ja = (ROOT / "README.ja.md").read_text(encoding="utf-8")
    listed_ja = re.findall(r"`ja/(\d\d_[a-z0-9_]+\.ipynb)`", readme_ja)
    assert sorted(set(listed_ja)) == [p.name for p in ENGLISH], "README.ja.md lists the Japanese edition's lessons"


@pytest.mark.parametrize("lesson", LESSONS, ids=ids)
def test_lesson_has_nbgrader_exercises(lesson):
    """At least three autograded checks, each right after a solution cell, ids unique."""
    nb = nbformat.read(lesson, as_version=4)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(graded) >= 3, "fewer than three checked exercises"
    assert all(c.metadata.nbgrader.get("points", 0) > 0 for c in graded)
    grade_ids = [c.metadata.nbgrader["grade_id"] for c in graded + solutions]
    assert len(grade_ids) == len(set(grade_ids)), "duplicate nbgrader grade_id"
    for c in solutions:
        if c.cell_type == "code":
            assert SOLUTION[0] in c.source and SOLUTION[1] in c.source, c.source
    for c in graded:
        assert c.cell_type == "code" and c.metadata.nbgrader.get("locked"), c.source
        assert "check(" in c.source, "a check cell should call teachgrad.checks.check"
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade") is not True:
            assert HIDDEN[0] not in marker_lines(c.source), "hidden tests belong in check cells"


def test_student_versions_are_made_for_every_lesson(student_dir):
    made = sorted(str(p.relative_to(student_dir)) for p in student_dir.glob("**/*.ipynb"))
    assert made == sorted(str(rel(p)) for p in LESSONS)


@pytest.mark.parametrize("lesson", LESSONS, ids=ids)
def test_source_passes_nbgrader_validate(lesson, validation):
    _, output, reports = validation["source"]
    report = reports.get(str(lesson.resolve()))
    assert report is not None, output[-3000:]
    assert PASSES_ALL in report, report


@pytest.mark.parametrize("lesson", LESSONS, ids=ids)
def test_student_version_fails_every_check(lesson, validation, student_dir):
    """`nbgrader validate --invert`: with the solutions gone, no check cell passes."""
    _, output, reports = validation["student"]
    report = reports.get(str((student_dir / rel(lesson)).resolve()))
    assert report is not None, output[-3000:]
    assert PASSES_NONE in report, report


@pytest.mark.parametrize("lesson", LESSONS, ids=ids)
def test_no_solution_or_hidden_test_in_student_version(lesson, student_dir):
    source = nbformat.read(lesson, as_version=4)
    student = nbformat.read(student_dir / rel(lesson), as_version=4)
    text = student_text(student)
    assert not marker_lines(text) & set(SOLUTION + HIDDEN)
    seen = {line.strip() for line in text.splitlines()}
    leaked = sorted(secret_lines(source, SOLUTION) & seen)
    assert not leaked, f"solution lines in the student version: {leaked}"
    leaked = sorted(secret_lines(source, HIDDEN) & seen)
    assert not leaked, f"hidden test lines in the student version: {leaked}"
    # nothing the solutions printed either
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    # the stub nbgrader leaves in place of a solution speaks the edition's language
    stub = "# ここに答えを書きます" if lesson.parent.name == "ja" else "# YOUR CODE HERE"
    assert stub in text, f"{rel(lesson)}: no {stub!r} where the solutions were"
    # the check cells are still there, locked, for the learner and for autograding
    graded = [c.metadata.nbgrader["grade_id"] for c in student.cells
              if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded == [c.metadata.nbgrader["grade_id"] for c in source.cells
                      if c.metadata.get("nbgrader", {}).get("grade")]


def test_tooling_on_sample_removes_known_solution_and_hidden_test(tmp_path):
    """The tool itself, on a lesson whose secrets we know."""
    out = tmp_path / "student"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "course.py"), "student", str(out),
         "--lessons", str(SAMPLE.parent), "--course-dir", str(tmp_path / "course")],
        cwd=ROOT, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    text = student_text(nbformat.read(out / SAMPLE.name, as_version=4))
    assert "seven_times = 7 * answer_base" not in text
    assert "squares = [i * i for i in range(4)]" not in text
    assert "squares == [0, 1, 4, 9]" not in text  # the hidden test
    assert 'check(len(squares) == 4, "four numbers: 0, 1, 2 and 3 squared")' in text  # visible test
    assert text.count("raise NotImplementedError()") == 2
    assert secret_lines(nbformat.read(SAMPLE, as_version=4), SOLUTION) == {
        "seven_times = 7 * answer_base", "squares = [i * i for i in range(4)]"}


def fill_in(student_nb, answers):
    """A submission: the student version with the given code in its solution cells."""
    nb = nbformat.read(student_nb, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def test_course_workflow_autogrades_sample(tmp_path):
    """docs/instructors.md's workflow: release with a gradebook, collect, autograde."""
    course = tmp_path / "course"
    (course / "source" / "00_sample").mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    shutil.copy2(SAMPLE, course / "source" / "00_sample" / SAMPLE.name)

    rc, out = nbgrader("generate_assignment", "00_sample", cwd=course)
    assert rc == 0, out
    released = course / "release" / "00_sample" / SAMPLE.name
    answers = {
        "alice": {},  # handed in untouched
        "bob": {"ex1": "seven_times = 7 * answer_base", "ex2": "squares = [i * i for i in range(4)]"},
        # passes the visible check of exercise 2 but not the hidden one
        "carol": {"ex1": "seven_times = 21", "ex2": "squares = [0, 0, 0, 0]"},
    }
    for student, given in answers.items():
        dest = course / "submitted" / student / "00_sample"
        dest.mkdir(parents=True)
        nbformat.write(fill_in(released, given), dest / SAMPLE.name)

    rc, out = nbgrader("autograde", "00_sample", cwd=course)
    assert rc == 0, out

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission("00_sample", s).score for s in answers}
        max_score = gb.find_assignment("00_sample").max_score
    assert max_score == 2
    assert scores == {"alice": 0, "bob": 2, "carol": 1}
    graded = nbformat.read(course / "autograded" / "carol" / "00_sample" / SAMPLE.name, 4)
    assert "squares == [0, 1, 4, 9]" in student_text(graded)  # the hidden test was put back
