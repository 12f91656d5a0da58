"""Binder: binder/ follows repo2docker's conventions and really runs the lessons.

What these tests prove:
- repo2docker itself accepts the repository (`jupyter-repo2docker --no-build --debug .`, a dry run
  that needs no Docker) and plans exactly our set-up: Python from runtime.txt, pip installing
  binder/requirements.txt, then binder/postBuild;
- binder/requirements.txt installs teachgrad itself with its lessons extra, every other line is
  pinned, and every package of the lessons extra is pinned;
- the README's Binder badge opens the student version of the first lesson in JupyterLab, and links
  the full version;
- a replica of the Binder build — a copy of the repository, a clean venv for runtime.txt's Python,
  `pip install -r binder/requirements.txt` and binder/postBuild, nothing else — makes the student
  versions, hides nbgrader's course pages, and runs every lesson under strict nbval with a kernel
  from that venv (the test runner itself stays outside it, so the replica holds exactly what Binder
  would install).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
JA_LESSONS = sorted((ROOT / "notebooks" / "ja").glob("[0-9][0-9]_*.ipynb"))
BINDER_URL = "https://mybinder.org/v2/gh/teachgrad/teachgrad/HEAD"


def requirement_lines():
    lines = []
    for raw in (BINDER / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def runtime_version():
    name, version = (BINDER / "runtime.txt").read_text().strip().split("-")
    assert name == "python"
    return version


def test_repo2docker_accepts_the_repository():
    proc = subprocess.run(
        [sys.executable, "-m", "repo2docker", "--no-build", "--debug", "."],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    out = proc.stdout
    assert f"Building conda environment for python={runtime_version()}" in out
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in out
    assert "RUN ./binder/postBuild" in out
    # requirements.txt refers to the repository itself, so repo2docker installs it only after
    # copying the whole repository in (not in a pre-assemble step with requirements.txt alone)
    assert out.index("COPY --chown") < out.index('-r "binder/requirements.txt"')


def test_runtime_pin_is_a_python_teachgrad_supports():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    version = runtime_version()
    assert re.fullmatch(r"3\.\d+", version)
    assert version + ".0" in SpecifierSet(pyproject["project"]["requires-python"])


def test_requirements_install_teachgrad_and_pin_everything_else():
    lines = requirement_lines()
    assert ".[lessons]" in lines, "binder/requirements.txt must install teachgrad itself"
    pinned = {}
    for line in lines:
        if line == ".[lessons]":
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"not pinned: {line}"
        pinned[canonicalize_name(req.name)] = specs[0].version
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = pyproject["project"]["dependencies"] + pyproject["project"]["optional-dependencies"]["lessons"]
    for dep in needed:
        name = canonicalize_name(Requirement(dep).name)
        assert name in pinned, f"{name} (needed by the lessons) is not pinned in binder/requirements.txt"
        assert Requirement(dep).specifier.contains(pinned[name]), (dep, pinned[name])
    assert "nbgrader" in pinned, "postBuild needs nbgrader to make the student versions"


def test_postbuild_is_an_executable_script_making_student_versions():
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK)
    text = post.read_text()
    assert text.startswith("#!/bin/bash")
    assert "tools/course.py student student" in text


def test_readme_badge_opens_the_first_student_lesson_in_jupyterlab():
    readme = (ROOT / "README.md").read_text()
    badge = re.search(r"\[!\[[^\]]*\]\(https://mybinder\.org/badge_logo\.svg\)\]\(([^)]+)\)", readme)
    assert badge, "no Binder badge in README.md"
    assert badge.group(1) == f"{BINDER_URL}?urlpath=lab/tree/student/00_start_here.ipynb"
    assert f"{BINDER_URL}?urlpath=lab/tree/notebooks/00_start_here.ipynb" in readme


def test_japanese_readme_badge_opens_the_first_japanese_student_lesson():
    readme = (ROOT / "README.ja.md").read_text()
    badge = re.search(r"\[!\[[^\]]*\]\(https://mybinder\.org/badge_logo\.svg\)\]\(([^)]+)\)", readme)
    assert badge, "no Binder badge in README.ja.md"
    assert badge.group(1) == f"{BINDER_URL}?urlpath=lab/tree/student/ja/00_start_here.ipynb"
    assert f"{BINDER_URL}?urlpath=lab/tree/notebooks/ja/00_start_here.ipynb" in readme


# --- the replica ------------------------------------------------------------------------------------


def test_replica_installs_teachgrad_from_the_repository(binder_replica):
    site = subprocess.run(
        [str(binder_replica.python), "-c", "import teachgrad, sys; print(teachgrad.__file__)"],
        cwd=binder_replica.base, stdout=subprocess.PIPE, text=True, check=True,
    ).stdout.strip()
    assert Path(site).is_relative_to(binder_replica.venv), site
    version = subprocess.run(
        [str(binder_replica.python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        stdout=subprocess.PIPE, text=True, check=True,
    ).stdout.strip()
    assert version == runtime_version()


def test_replica_postbuild_made_the_student_versions(binder_replica):
    student = binder_replica.repo / "student"
    assert sorted(p.name for p in student.glob("*.ipynb")) == [p.name for p in LESSONS]
    assert sorted(p.name for p in (student / "ja").glob("*.ipynb")) == [p.name for p in JA_LESSONS]
    for first in (student / "00_start_here.ipynb", student / "ja" / "00_start_here.ipynb"):
        assert json.loads(first.read_text())["cells"], f"empty student version {first}"


def test_replica_hides_nbgrader_course_pages(binder_replica):
    config = binder_replica.venv / "etc" / "jupyter" / "labconfig" / "page_config.json"
    disabled = json.loads(config.read_text()).get("disabledExtensions", {})
    for plugin in ("assignment-list", "course-list", "create-assignment", "formgrader", "menu"):
        assert disabled.get(f"@jupyter/nbgrader:{plugin}") is True, plugin
    assert "@jupyter/nbgrader:validate-assignment" not in disabled


def test_replica_runs_the_lessons_under_strict_nbval(binder_replica, tmp_path):
    """The full lessons of both editions, strict nbval, with a kernel running in the replica venv (the
    Japanese figures need the font binder/requirements.txt installs)."""
    kernels = tmp_path / "jupyter" / "kernels" / "teachgrad-binder-replica"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(binder_replica.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Binder replica",
        "language": "python",
    }))
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\n")
    lessons = [str(binder_replica.repo / "notebooks" / p.name) for p in LESSONS]
    lessons += [str(binder_replica.repo / "notebooks" / "ja" / p.name) for p in JA_LESSONS]
    env = dict(os.environ, JUPYTER_PATH=str(tmp_path / "jupyter"))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ini), "--rootdir", str(tmp_path),
         "-p", "no:cacheprovider", "-q", "--nbval",
         "--nbval-kernel-name", "teachgrad-binder-replica",
         "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), *lessons],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert re.search(r"\d+ passed", proc.stdout)
