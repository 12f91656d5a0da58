"""A learner alone, answering wrongly on purpose: every check cell of the student versions ends in a hint.

The student versions (made by nbgrader, as ``./run student`` makes them) run in a kernel cell by cell.
At every exercise the answer cell is replaced, one after the other, by the kinds of wrong answers a
learner gives, and the check cell runs after each:

- the unsolved cell as nbgrader leaves it (``raise NotImplementedError()``);
- for answers stored in variables: None, a list instead of a tensor, a tensor of the wrong shape, NaN
  (as a tensor and as a float), a string, an unlikely number, an empty dict;
- for functions the check calls: a function that raises, one that never returns, and ones that
  return None, a list, NaN, a tensor of the wrong shape;
- for a ``torch.autograd.Function`` the learner writes: the reference class with its ``forward`` or
  its ``backward`` replaced by one that raises, never returns, or returns None, a list, a float, NaN
  or a tensor of the wrong shape.

Then the reference solution runs (the check must print ``✅ Correct!``), and the answers are spoiled one
at a time while the others stay right: a number or a tensor plus one (a tensor keeps its
``requires_grad``), a set with one element fewer, a dict with one value swapped for another of its
values, a list or tuple with one element spoiled, and for functions that return a value, that value
spoiled. These are the answers a check that only tests types would wave through.

Each time the check cell must end in exactly one line ``❌ Not yet. Hint: ...`` (``❌ まだです。ヒント: ...`` in the
Japanese edition, notebooks/ja/, whose check cells run the same way) — no traceback from the
check's code or the engine, no ``Correct!``, nothing printed but ``✅`` lines and the hint, no hint that
only says the answer "could not be checked" — and it must finish (the learner's functions run with a
time limit, set to 1 s here to keep the test short). At the end the reference answers are restored and
the check must print ``✅ Correct!`` again, so that the next exercise starts from the state the lesson
expects.
"""

import ast
import json
import queue
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# both editions: the Japanese check cells are the English ones with Japanese hints
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted(NOTEBOOKS.glob("ja/[0-9][0-9]_*.ipynb"))
# per edition: the start of a hint, the verdict of a right answer, the words of a hint that names no
# expectation
VERDICTS = {
    "en": ("\u274c Not yet. Hint: ", "\u2705 Correct!", "could not be checked"),
    "ja": ("\u274c まだです。ヒント: ", "\u2705 正解です", "確かめられませんでした"),
}
HINT = VERDICTS["en"][0]
TICK = "\u2705"
TIME_LIMIT = 1.0    # seconds per call of a learner's function (teachgrad.checks.TIME_LIMIT)
CELL_TIMEOUT = 90   # seconds: a check cell that takes longer hangs


VARIABLE_ANSWERS = {
    "None": "None",
    "a list instead of a tensor": "[1.0, 2.0, 3.0]",
    "a tensor of the wrong shape": "torch.zeros(7, 3)",
    "a NaN tensor": "torch.full((3,), float('nan'))",
    "NaN": "float('nan')",
    "a string": "'?'",
    "an unlikely number": "12345",
    "an empty dict": "{}",
}

FUNCTION_BODIES = {
    "raises": "raise ValueError('a mistake in the learner code')",
    "never returns": "while True:\n        pass",
    "returns None": "return None",
    "returns a list": "return [1.0, 2.0, 3.0]",
    "returns NaN": "return torch.full((3,), float('nan'))",
    "returns a tensor of the wrong shape": "return torch.zeros(7, 3)",
}


METHOD_BODIES = {
    "raises": "raise ValueError('a mistake in the learner code')",
    "never returns": "while True:\n    pass",
    "returns None": "return None",
    "returns a list": "return [1.0, 2.0, 3.0]",
    "returns a float": "return 1.0",
    "returns NaN": "return torch.full((3,), float('nan'))",
    "returns a tensor of the wrong shape": "return torch.zeros(7, 3)",
}

# Runs in the kernel: a wrong answer of the same kind as a right one (see the module docstring).
SPOIL = """
def __spoil(value):
    import teachgrad.checks as _checks
    if _checks._is_tensor(value):
        if str(value.dtype).endswith("bool"):
            return ~value
        out = value.detach() + 1
        if value.requires_grad:
            out.requires_grad_(True)
        return out
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, (set, frozenset)):
        return type(value)(sorted(value)[1:]) if len(value) > 1 else type(value)(value | {"zz"})
    if isinstance(value, dict) and value:
        keys = list(value)
        others = [v for v in value.values() if v != value[keys[0]]]
        return {**value, keys[0]: others[0] if others else __spoil(value[keys[0]])}
    if isinstance(value, list) and value:
        return [__spoil(value[0])] + value[1:]
    if isinstance(value, tuple) and value:
        return value[:-1] + (__spoil(value[-1]),)
    return value


def __spoils(value):
    spoiled = __spoil(value)
    return not (spoiled is value)
"""


# ---------------------------------------------------------------------------------------------
# the notebooks
# ---------------------------------------------------------------------------------------------

def source(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader") or {}


def answer_names(solution):
    """(variables, functions) a solution cell defines: the names its first line resets, the
    functions it defines at top level."""
    before = solution.split("### BEGIN SOLUTION")[0]
    variables = []
    for line in before.splitlines():
        m = re.match(r"^((?:\w+\s*=\s*)+)None\b", line)
        if m:
            variables += [n.strip() for n in m.group(1).split("=") if n.strip()]
    tree = ast.parse(solution)
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    return variables, functions


def with_method_replaced(solution, method, body):
    """The solution's classes, with ``method`` (forward or backward) given ``body`` instead."""
    tree = ast.parse(solution)
    for cls in tree.body:
        if isinstance(cls, ast.ClassDef):
            for node in cls.body:
                if isinstance(node, ast.FunctionDef) and node.name == method:
                    node.body = ast.parse(body).body
    return ast.unparse(tree)


def returns_a_value(solution, name):
    """Whether the function ``name`` of a solution cell returns something (a `return <value>`)."""
    for node in ast.parse(solution).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(node))
    return False


def wrong_answers(solution):
    """{description: source} of wrong answers for a solution cell."""
    variables, functions = answer_names(solution)
    classes = [node.name for node in ast.parse(solution).body if isinstance(node, ast.ClassDef)]
    assert variables or functions or classes, f"cannot tell what this solution defines:\n{solution}"
    variants = {}
    for method in ("forward", "backward") if classes else ():
        for label, body in METHOD_BODIES.items():
            variants[f"{', '.join(classes)}.{method} {label}"] = with_method_replaced(solution, method, body)
    if variables:
        for label, value in VARIABLE_ANSWERS.items():
            variants[f"{', '.join(variables)} = {label}"] = "\n".join(f"{n} = {value}" for n in variables)
    for label, body in FUNCTION_BODIES.items():
        if functions:
            variants[f"{', '.join(functions)} {label}"] = "\n\n".join(
                f"def {name}(*args, **kwargs):\n    {body}" for name in functions)
    return variants


def exercises(student, source_nb):
    """(given cells, student answer cell, reference solution, check cell) per exercise, plus the
    code cells that run before each exercise's given cells, in order: a list of ("cell", src, tags)
    and ("exercise", ...) steps."""
    solutions = {c.get("id"): source(c) for c in source_nb["cells"] if nbgrader(c).get("solution")}
    cells = student["cells"]
    steps, given = [], []
    in_exercises = False
    i = 0
    while i < len(cells):
        c = cells[i]
        if c["cell_type"] == "markdown" and re.search(r"^## (Exercises|演習)", source(c), re.MULTILINE):
            in_exercises = True
        if c["cell_type"] == "code":
            meta = nbgrader(c)
            if meta.get("solution"):
                check = cells[i + 1]
                assert nbgrader(check).get("grade"), f"no check cell after {c.get('id')}"
                steps.append(("exercise", list(given), source(c), solutions[c["id"]], source(check),
                              meta["grade_id"]))
                given = []
                i += 2
                continue
            tags = c.get("metadata", {}).get("tags", [])
            if in_exercises:
                given.append(source(c))
            steps.append(("cell", source(c), tags))
        i += 1
    return steps


# ---------------------------------------------------------------------------------------------
# a kernel
# ---------------------------------------------------------------------------------------------

class Kernel:
    def __init__(self, cwd):
        from jupyter_client.manager import start_new_kernel

        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=str(cwd))

    def run(self, code, timeout=CELL_TIMEOUT):
        """Execute ``code``; returns (outputs, finished). outputs: ("stdout"|"stderr", text),
        ("error", ename, evalue, traceback lines) and ("data", text/plain) in order."""
        msg_id = self.kc.execute(code)
        outputs, deadline = [], time.monotonic() + timeout
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.km.interrupt_kernel()
                self._drain(msg_id)
                return outputs, False
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                outputs.append((content["name"], content["text"]))
            elif kind == "error":
                outputs.append(("error", content["ename"], content["evalue"], content["traceback"]))
            elif kind in ("execute_result", "display_data"):
                outputs.append(("data", content["data"].get("text/plain", "")))
            elif kind == "status" and content["execution_state"] == "idle":
                return outputs, True

    def _drain(self, msg_id, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.kc.get_iopub_msg(timeout=1)
            except queue.Empty:
                continue
            if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                    and msg["content"]["execution_state"] == "idle"):
                return

    def stop(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def verdict_problems(outputs, finished, lang="en"):
    """What is wrong with a check cell's outputs for a wrong answer (empty list: a proper hint)."""
    hint, correct, vague = VERDICTS[lang]
    if not finished:
        return [f"the check cell did not finish within {CELL_TIMEOUT} s"]
    problems = []
    stdout = "".join(o[1] for o in outputs if o[0] == "stdout")
    stderr = "".join(o[1] for o in outputs if o[0] == "stderr")
    errors = [o for o in outputs if o[0] == "error"]
    lines = [line for line in stdout.splitlines() if line.strip()]
    if any(not line.startswith(TICK) for line in lines):
        problems.append(f"printed more than verdicts: {lines}")
    if any(correct in line for line in lines):
        problems.append(f"said {correct} to a wrong answer")
    if stderr.strip():
        problems.append(f"wrote to stderr: {stderr.strip()[:300]}")
    if any(o[0] == "data" for o in outputs):
        problems.append("displayed a value")
    if len(errors) != 1:
        problems.append(f"expected one hint, got {len(errors)} errors")
    for _, ename, evalue, tb in errors:
        text = "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", line) for line in tb)
        if ename != "Incomplete" or len(tb) != 1 or not text.startswith(hint):
            problems.append(f"a traceback, not a hint: {ename}: {evalue[:200]}\n{text[:1500]}")
        elif vague in text:
            problems.append(f"a hint that names no expectation: {text}")
    return problems


# ---------------------------------------------------------------------------------------------
# the test
# ---------------------------------------------------------------------------------------------

def kernel_bool(kernel, expression):
    outputs, _ = kernel.run(f"print(bool({expression}))")
    text = "".join(o[1] for o in outputs if o[0] == "stdout").strip()
    assert text in ("True", "False"), (expression, outputs)
    return text == "True"


def assert_correct(kernel, check, grade_id, what, lang="en"):
    outputs, finished = kernel.run(check)
    stdout = "".join(o[1] for o in outputs if o[0] == "stdout").strip().splitlines()
    correct = VERDICTS[lang][1]
    assert finished and stdout and stdout[-1] == correct, f"{grade_id}: {what} is not {correct}: {outputs}"


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    """Student versions of the lessons, made as `./run student` makes them."""
    base = tmp_path_factory.mktemp("student")
    out = base / "student"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "course.py"), "student", str(out), "--course-dir", str(base / "course")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout
    return out


def test_wrong_answers_cover_variables_and_functions():
    variables = wrong_answers("a = b = None  # answers\n### BEGIN SOLUTION\na = 1\nb = 2\n### END SOLUTION")
    assert variables["a, b = None"] == "a = None\nb = None"
    assert len(variables) == len(VARIABLE_ANSWERS)
    functions = wrong_answers("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION")
    assert functions["f never returns"] == "def f(*args, **kwargs):\n    while True:\n        pass"
    assert len(functions) == len(FUNCTION_BODIES)
    classes = wrong_answers("class F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
                            "        return x.exp()\n\n    @staticmethod\n    def backward(ctx, g):\n"
                            "        return g\n")
    assert len(classes) == 2 * len(METHOD_BODIES)
    broken = classes["F.backward returns a float"]
    assert "return x.exp()" in broken and "return 1.0" in broken and "return g" not in broken


@pytest.mark.parametrize("lesson", LESSONS, ids=[str(p.relative_to(NOTEBOOKS).with_suffix("")) for p in LESSONS])
def test_every_wrong_answer_gets_a_hint(lesson, student_dir):
    rel = lesson.relative_to(NOTEBOOKS)
    lang = "ja" if rel.parent.name == "ja" else "en"
    student = json.loads((student_dir / rel).read_text(encoding="utf-8"))
    source_nb = json.loads(lesson.read_text(encoding="utf-8"))
    kernel = Kernel((student_dir / rel).parent)
    failures, tried = [], 0
    try:
        outputs, _ = kernel.run(f"import teachgrad.checks\nteachgrad.checks.TIME_LIMIT = {TIME_LIMIT}\n{SPOIL}")
        assert not any(o[0] == "error" for o in outputs), outputs
        for step in exercises(student, source_nb):
            if step[0] == "cell":
                _, code, tags = step
                outputs, finished = kernel.run(code)
                errors = [o for o in outputs if o[0] == "error"]
                assert finished and (not errors or "raises-exception" in tags), \
                    f"{lesson.name}: a lesson cell failed in the student version:\n{code[:300]}\n{errors[:1]}"
                continue
            _, given, unsolved, reference, check, grade_id = step
            variants = {"unsolved (as nbgrader leaves it)": unsolved, **wrong_answers(reference)}
            for label, answer in variants.items():
                tried += 1
                for code in given:
                    kernel.run(code)
                kernel.run(answer)
                outputs, finished = kernel.run(check)
                problems = verdict_problems(outputs, finished, lang)
                if problems:
                    failures.append(f"{grade_id}, {label}:\n  " + "\n  ".join(problems))
            for code in given:
                kernel.run(code)
            outputs, finished = kernel.run(reference)
            assert finished and not any(o[0] == "error" for o in outputs), \
                f"{grade_id}: the reference solution failed: {outputs}"
            assert_correct(kernel, check, grade_id, "the reference solution", lang)
            # the same kind of answer, one wrong value at a time
            variables, functions = answer_names(reference)
            spoilable = [n for n in variables if kernel_bool(kernel, f"__spoils({n})")]
            spoilable += [f for f in functions if returns_a_value(reference, f)]
            kernel.run("\n".join(f"__right_{n} = {n}" for n in variables + functions))
            for name in spoilable:
                tried += 1
                if name in functions:
                    spoil = (f"def {name}(*args, **kwargs):\n"
                             f"    return __spoil(__right_{name}(*args, **kwargs))")
                else:
                    spoil = f"{name} = __spoil(__right_{name})"
                outputs, _ = kernel.run(spoil)
                assert not any(o[0] == "error" for o in outputs), outputs
                outputs, finished = kernel.run(check)
                problems = verdict_problems(outputs, finished, lang)
                if problems:
                    failures.append(f"{grade_id}, {name} spoiled:\n  " + "\n  ".join(problems))
                kernel.run(f"{name} = __right_{name}")
            assert_correct(kernel, check, grade_id, "the restored reference answers", lang)
    finally:
        kernel.stop()
    print(f"{rel}: {tried} wrong answers tried")
    assert tried, "no exercise found"
    assert not failures, f"{rel}: {len(failures)} of {tried} wrong answers were not answered with a hint:\n" \
        + "\n".join(failures)
