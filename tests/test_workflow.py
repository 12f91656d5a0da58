"""The CI definitions: .github/workflows/ci.yml and .ci/run.

What these tests prove:
- the workflow is valid for GitHub Actions, by check-jsonschema's copy of the workflow schema (and
  the same check rejects a broken copy, so it does check);
- it runs the README's test command, ``./run test``, with CI=true on Linux, once per CPU setting:
  the default, NumPy's AVX-512 code paths disabled, and a second OpenBLAS kernel; the NumPy feature
  names are ones this NumPy can disable, and OpenBLAS knows the kernel name;
- its Python is the one Binder and the README use, and it cannot run for ever;
- .ci/run, the entry point of the project's own CI, runs the same command.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def check_jsonschema(path):
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)


def load():
    return yaml.safe_load(WORKFLOW.read_text())


def readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Getting started.*?```bash\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]
    assert len(commands) == 2, f"the README gives exactly two commands after cloning: {commands}"
    (test,) = [c for c in commands if " test" in c]
    return test


def test_workflow_is_valid_for_github_actions():
    proc = check_jsonschema(WORKFLOW)
    assert proc.returncode == 0, proc.stdout


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "ci.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:", 1))
    proc = check_jsonschema(broken)
    assert proc.returncode != 0, proc.stdout


def the_job():
    jobs = load()["jobs"]
    assert len(jobs) == 1
    return next(iter(jobs.values()))


def test_triggers_on_pushes_to_main_and_pull_requests():
    wf = load()
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert on["push"]["branches"] == ["main"]
    assert "pull_request" in on


def test_runs_the_readmes_test_command_with_ci_on_linux():
    job = the_job()
    assert job["runs-on"].startswith("ubuntu-")
    assert str(job["env"]["CI"]).lower() == "true"
    assert 0 < job["timeout-minutes"] <= 30
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert readme_test_command() == "./run test"
    assert any(line.strip() == "./run test" for run in runs for line in run.splitlines())


def test_python_matches_binder_runtime():
    (setup,) = [s for s in the_job()["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert runtime == f"python-{setup['with']['python-version']}"


def matrix():
    return the_job()["strategy"]["matrix"]["include"]


def test_cpu_setting_matrix():
    entries = matrix()
    assert the_job()["strategy"]["fail-fast"] is False, "one CPU setting failing must not hide the others"
    assert len(entries) == 3
    settings = {(e["npy-disable-cpu-features"], e["openblas-coretype"]) for e in entries}
    assert ("", "") in settings, "the default setting"
    assert any("X86_V4" in npy.split() and not blas for npy, blas in settings), "NumPy without AVX-512"
    assert any(blas and not npy for npy, blas in settings), "a second OpenBLAS kernel"
    step = next(s for s in the_job()["steps"] if "run" in s and "./run test" in s["run"])
    assert step["env"]["CPU_NPY_DISABLE"] == "${{ matrix.npy-disable-cpu-features }}"
    assert step["env"]["CPU_OPENBLAS"] == "${{ matrix.openblas-coretype }}"
    assert 'export NPY_DISABLE_CPU_FEATURES="$CPU_NPY_DISABLE"' in step["run"]
    assert 'export OPENBLAS_CORETYPE="$CPU_OPENBLAS"' in step["run"]


def test_numpy_can_disable_the_named_features():
    from numpy._core._multiarray_umath import __cpu_dispatch__

    for entry in matrix():
        names = entry["npy-disable-cpu-features"].split()
        unknown = [n for n in names if n not in __cpu_dispatch__]
        assert unknown == [], f"not among NumPy's dispatched features {__cpu_dispatch__}: {unknown}"


@pytest.mark.parametrize("coretype", sorted({e["openblas-coretype"] for e in matrix()} - {""}))
def test_openblas_knows_the_kernel(coretype):
    env = dict(os.environ, OPENBLAS_CORETYPE=coretype)
    proc = subprocess.run([sys.executable, "-c", "import numpy as np; a = np.ones((64, 64)); print((a @ a)[0, 0])"],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Core not found" not in proc.stderr and "Falling back" not in proc.stderr, proc.stderr
    assert proc.stdout.strip() == "64.0"


def test_ci_entry_point_runs_the_readmes_test_command():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines[-1] in (f"exec {readme_test_command()}", readme_test_command())
