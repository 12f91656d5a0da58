"""The lesson series has the shape the curriculum promises.

For every lesson notebook in notebooks/ and, in the Japanese edition, in notebooks/ja/ (with the
edition's headings and navigation words from tools/lessons.py):
- it starts with a title and a "Learning goals" list, and its first code cell imports teachgrad as torch;
- no code cell imports the real torch (the lessons must run on teachgrad alone);
- it ends with "## Summary" followed by "## Exercises";
- navigation (previous / contents / next) at the top and at the bottom, pointing to the neighbouring
  lessons, which exist; navigation, title line, setup cells and the contents table are exactly what
  tools/lessons.py generates (a notebook that drifts from it fails);
- at least three exercises inside the Exercises section, each a solution cell with nbgrader's markup and
  metadata followed directly by a check cell (nbgrader grade cell) whose checks run inside
  ``with exercise():`` from teachgrad.checks; a solution cell that assigns names first resets them
  (so that a leftover from an earlier cell is never checked);
- outputs are stored: every code cell has been executed, check cells print only "✅" lines (a check must
  never print the answer), errors appear only in cells tagged "raises-exception" (and those do raise);
- every lesson embeds at least one live widget, and each teachgrad.widgets explorer is driven from code in
  the next code cell (controls set, then its table printed) so that nbval checks its behaviour;
- no code cell ends with a trailing semicolon (nbval issue #194);
- stored outputs name the engine's files relative to the repository, never by the absolute path of the
  machine that recorded them.

These are structure checks only; strict nbval (pyproject's addopts) runs the notebooks and compares outputs.
"""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

sys.path.insert(0, str(ROOT / "tools"))
import lessons as generator  # noqa: E402  (tools/lessons.py)

EDITIONS = {lang: sorted(folder.glob("[0-9][0-9]_*.ipynb")) for lang, folder in generator.EDITIONS.items()}
LESSONS = EDITIONS["en"]
ALL_LESSONS = [(lang, path) for lang, paths in EDITIONS.items() for path in paths]

SOLUTION_META = {"grade": False, "locked": False, "schema_version": 3, "solution": True, "task": False}
CHECK_META = {"grade": True, "locked": True, "points": 1, "schema_version": 3, "solution": False, "task": False}
LINK = re.compile(r"\[([^\]]*)\]\(\s*([^)\s]+\.ipynb)[^)]*\)")
REAL_TORCH_IMPORT = re.compile(r"^\s*(import\s+torch\b|from\s+torch\b)", re.MULTILINE)
EXPLORER = re.compile(r"^(\w+)\s*=\s*\w*Explorer\(", re.MULTILINE)
ABSOLUTE_PATH = re.compile(r"(?:[A-Za-z]:)?[/\\][^\s\"'\x1b]*[/\\]teachgrad[/\\]\w+\.py")


def load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def src(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def edition(path):
    return "ja" if path.parent.name == "ja" else "en"


def words(path, key):
    """The edition's heading for ``key`` ("summary", "exercises", "goals")."""
    return generator.HEADINGS[edition(path)][key]


def heading_pos(nb, heading):
    """(cell index, line index) of the markdown line `heading` (e.g. "## Summary"), or None."""
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] == "markdown":
            for j, line in enumerate(src(c).splitlines()):
                if line.strip() == heading:
                    return (i, j)
    return None


def heading_index(nb, heading):
    pos = heading_pos(nb, heading)
    return None if pos is None else pos[0]


def output_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append("".join(out["text"]) if isinstance(out["text"], list) else out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            t = out.get("data", {}).get("text/plain", "")
            parts.append("".join(t) if isinstance(t, list) else t)
    return "".join(parts)


def nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader")


def exercises(nb):
    """(solution_index, check_index) pairs: nbgrader solution cells and the cell right after each."""
    cells = nb["cells"]
    pairs = []
    for i, c in enumerate(cells):
        meta = nbgrader(c)
        if c["cell_type"] == "code" and meta and meta.get("solution"):
            pairs.append((i, i + 1 if i + 1 < len(cells) else None))
    return pairs


def ids(paths):
    return [p.name for p in paths]


@pytest.mark.parametrize("lang", list(EDITIONS))
def test_lessons_in_reading_order_as_the_generator_lists_them(lang):
    lessons = EDITIONS[lang]
    numbers = [p.name[:2] for p in lessons]
    assert numbers == [f"{i:02d}" for i in range(len(lessons))], f"lessons numbered 00, 01, ...: {ids(lessons)}"
    assert [p.stem for p in lessons] == [stem for stem, *_ in generator.LESSONS]
    assert lessons[0].name == "00_start_here.ipynb"


def test_generated_cells_match_tools_lessons():
    """Navigation, title line, setup cells and contents table are what tools/lessons.py writes."""
    problems = generator.generate(check=True)
    assert not problems, "run `python tools/lessons.py` (then re-record):\n" + "\n".join(problems)


@pytest.mark.parametrize("path", [p for _, p in ALL_LESSONS],
                         ids=[f"{lang}/{p.name}" if lang != "en" else p.name for lang, p in ALL_LESSONS])
class TestLesson:
    def test_title_and_learning_goals_at_top(self, path):
        nb = load(path)
        top = [src(c) for c in nb["cells"][:4] if c["cell_type"] == "markdown"]
        assert any(re.search(r"^# \S", s, re.MULTILINE) for s in top), "a '# Title' near the top"
        goals_word = re.escape(words(path, "goals"))
        goals = [s for s in top
                 if re.search(rf"^(#+\s*|\*\*){goals_word}(\*\*)?:?\s*$", s, re.MULTILINE | re.IGNORECASE)]
        assert goals, f"a '{words(path, 'goals')}' heading (or bold line) in the first cells"
        after = re.split(goals_word, goals[0], maxsplit=1, flags=re.IGNORECASE)[1]
        assert re.search(r"^\s*([-*]|\d+\.) \S", after, re.MULTILINE), "the learning goals are a list"
        first_code = code_cells(nb)[0]
        assert src(first_code).lstrip().startswith("import teachgrad as torch"), \
            "the first code cell starts with `import teachgrad as torch`"

    def test_no_real_torch(self, path):
        nb = load(path)
        for c in code_cells(nb):
            m = REAL_TORCH_IMPORT.search(src(c))
            assert not m, f"a code cell imports the real torch: {m.group(0)!r} in {src(c)[:80]!r}"

    def test_summary_then_exercises_at_the_end(self, path):
        nb = load(path)
        summary, exercises_at = heading_pos(nb, words(path, "summary")), heading_pos(nb, words(path, "exercises"))
        assert summary is not None, f"a '{words(path, 'summary')}' section"
        assert exercises_at is not None, f"an '{words(path, 'exercises')}' section"
        assert summary < exercises_at, "Summary comes before Exercises"
        later_h2 = [(i, j) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"
                    for j, line in enumerate(src(c).splitlines())
                    if (i, j) > exercises_at and re.match(r"## \S", line)]
        assert not later_h2, "Exercises is the last section"

    def test_navigation_top_and_bottom(self, path):
        nb = load(path)
        lessons = EDITIONS[edition(path)]
        index = lessons.index(path)
        nav = generator.NAV_WORDS[edition(path)]
        names = {nav["previous"].split(":")[0].strip("← →").strip().lower(): "previous",
                 nav["contents"].lower(): "contents", nav["next"].split(":")[0].strip().lower(): "next"}
        for where, cell in (("top", nb["cells"][0]), ("bottom", nb["cells"][-1])):
            assert cell["cell_type"] == "markdown", f"navigation line at the {where}"
            links = LINK.findall(src(cell))
            targets = {names.get(label.split(":")[0].strip("← →").strip().lower()): target for label, target in links}
            for _, target in links:
                assert (path.parent / target).exists(), f"{where} link to {target}, which does not exist"
            assert targets.get("contents") == "00_start_here.ipynb", f"a Contents link at the {where}"
            if index > 0:
                assert targets.get("previous") == lessons[index - 1].name, \
                    f"a 'Previous' link to {lessons[index - 1].name} at the {where}"
            if index < len(lessons) - 1:
                assert targets.get("next") == lessons[index + 1].name, \
                    f"a 'Next' link to {lessons[index + 1].name} at the {where}"

    def test_at_least_three_checked_exercises(self, path):
        nb = load(path)
        cells = nb["cells"]
        exercises_at = heading_index(nb, words(path, "exercises"))
        pairs = exercises(nb)
        assert len(pairs) >= 3, f"at least three exercises, found {len(pairs)}"
        grade_ids = []
        for sol_i, chk_i in pairs:
            sol = cells[sol_i]
            assert exercises_at is not None and sol_i > exercises_at, "exercises live in the Exercises section"
            meta = nbgrader(sol)
            assert {k: meta.get(k) for k in SOLUTION_META} == SOLUTION_META, f"solution metadata: {meta}"
            body = src(sol)
            assert "### BEGIN SOLUTION" in body and "### END SOLUTION" in body, "nbgrader solution markers"
            assert body.index("### BEGIN SOLUTION") < body.index("### END SOLUTION")
            assert re.search(r"^\s*\w+(\s*,\s*\w+)*\s*=[^=]|^\s*def \w+", body, re.MULTILINE), \
                "the solution assigns its answer to a named variable (or defines the asked function)"
            assert chk_i is not None, "a check cell follows the solution"
            chk = cells[chk_i]
            assert chk["cell_type"] == "code", "the cell after a solution is the check cell"
            cmeta = nbgrader(chk)
            assert cmeta, "the check cell carries nbgrader metadata"
            assert {k: cmeta.get(k) for k in CHECK_META} == CHECK_META, f"check metadata: {cmeta}"
            csrc = src(chk)
            assert "from teachgrad.checks import" in csrc and "check(" in csrc, \
                "the check cell uses teachgrad.checks"
            assert re.search(r"^with exercise\(\):", csrc, re.MULTILINE), \
                "the checks run inside `with exercise():` (Correct! only when all pass, hints for any failure)"
            before = body.split("### BEGIN SOLUTION")[0]
            if not re.search(r"^\s*def \w+", body, re.MULTILINE):
                assert re.search(r"^\w+(\s*=\s*\w+)*\s*=\s*None\b", before, re.MULTILINE), \
                    "the solution cell resets its answer's names (`name = None`) before the solution"
            if "### BEGIN HIDDEN TESTS" in csrc:
                assert "### END HIDDEN TESTS" in csrc
                visible = csrc.split("### BEGIN HIDDEN TESTS")[0]
                assert "check(" in visible, "a check with hidden tests still gives a visible hint"
            grade_ids += [meta["grade_id"], cmeta["grade_id"]]
        assert len(grade_ids) == len(set(grade_ids)), "nbgrader grade_ids are unique"

    def test_nbgrader_markers_only_where_nbgrader_expects_them(self, path):
        # nbgrader scans every cell: a marker in an ordinary cell (even in explanatory text) makes
        # `nbgrader generate_assignment` fail or cut the cell.
        nb = load(path)
        for i, c in enumerate(nb["cells"]):
            meta = nbgrader(c) or {}
            text = src(c)
            if "BEGIN SOLUTION" in text or "END SOLUTION" in text:
                assert meta.get("solution"), f"cell {i} has solution markers but is not a solution cell"
            if "BEGIN HIDDEN TESTS" in text or "END HIDDEN TESTS" in text:
                assert meta.get("grade"), f"cell {i} has hidden-test markers but is not a grade cell"

    def test_outputs_stored(self, path):
        nb = load(path)
        cells = nb["cells"]
        check_cells = {chk for _, chk in exercises(nb) if chk is not None}
        for i, c in enumerate(cells):
            if c["cell_type"] != "code" or not src(c).strip():
                continue
            assert c.get("execution_count") is not None, f"cell {i} has not been executed: {src(c)[:60]!r}"
            tags = c.get("metadata", {}).get("tags", [])
            errors = [o for o in c.get("outputs", []) if o["output_type"] == "error"]
            if "raises-exception" in tags:
                assert errors, f"cell {i} is tagged raises-exception but its stored output has no error"
            else:
                assert not errors, f"cell {i} failed: {errors[0].get('ename')}: {errors[0].get('evalue')}"
            if i in check_cells:
                lines = [line for line in output_text(c).splitlines() if line.strip()]
                assert lines, f"check cell {i} stores its verdict"
                assert all(line.startswith("\u2705") for line in lines), \
                    f"a check cell prints only its verdict, never values: {lines}"
                correct = {"en": "Correct!", "ja": "正解です"}[edition(path)]
                assert lines[-1] == f"\u2705 {correct}", f"the reference solution passes check cell {i}"

    def test_live_widget_driven_from_code(self, path):
        nb = load(path)
        cells = code_cells(nb)
        sources = [src(c) for c in cells]
        assert any("ipywidgets" in s or "teachgrad.widgets" in s for s in sources), "at least one live widget"
        for i, s in enumerate(sources):
            for name in EXPLORER.findall(s):
                assert i + 1 < len(sources), f"explorer {name} is followed by a cell that drives it"
                nxt = sources[i + 1]
                assert f"{name}.controls[" in nxt and f"{name}.table()" in nxt and "print(" in nxt, \
                    f"the cell after {name} = ...Explorer() sets its controls and prints {name}.table()"

    def test_no_trailing_semicolon(self, path):
        nb = load(path)
        for c in code_cells(nb):
            lines = [line for line in src(c).rstrip().splitlines() if line.strip()]
            assert not (lines and lines[-1].rstrip().endswith(";")), \
                f"trailing ';' (nbval issue #194): assign the result or call plt.show(): {lines[-1]!r}"

    def test_no_absolute_paths_in_outputs(self, path):
        nb = load(path)
        for i, c in enumerate(nb["cells"]):
            for out in c.get("outputs", []):
                stream = out.get("text", "")
                text = "\n".join(out.get("traceback", [])) + ("".join(stream) if isinstance(stream, list) else stream)
                found = ABSOLUTE_PATH.search(text)
                assert not found, f"cell {i} stores the recording machine's path {found.group(0)!r}: " \
                    "record with `python tools/lessons.py record`"
