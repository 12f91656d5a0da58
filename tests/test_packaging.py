"""The package as a package index sees it.

What these tests prove, on an sdist and a wheel built (``python -m build``, the wheel from the sdist)
from a copy of the repository into which local artefacts were planted (virtual environments,
student versions, a built site, checkpoints, caches, screenshots of a test run):
- ``twine check --strict`` passes for both;
- the metadata carries the licence (MIT, with the LICENSE file), the project URLs, the README as
  Markdown, the Python requirement and NumPy as the only runtime dependency;
- the sdist holds the package, the lessons and what tests and documents them, and none of the
  planted artefacts; the wheel holds the package alone, and it imports;
- the README renders on the index: every link and image is an absolute URL (the index has no
  repository to resolve relative ones against), and every image URL names a file of this repository.
"""

import email.parser
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import repo_files

ROOT = Path(__file__).resolve().parent.parent
REPO_URL = "https://github.com/teachgrad/teachgrad"
RAW_URL = "https://raw.githubusercontent.com/teachgrad/teachgrad/main/"

# Planted into the copy that is built: none of it may reach the sdist.
ARTEFACTS = [
    ".venv/test/bin/python",
    ".venv/lessons/pyvenv.cfg",
    "student/00_start_here.ipynb",
    "_output/index.html",
    "build/screenshots/shot.png",
    "build/course/source/x.ipynb",
    "notebooks/.ipynb_checkpoints/00_start_here-checkpoint.ipynb",
    "teachgrad/__pycache__/tensor.cpython-311.pyc",
    ".pytest_cache/README.md",
    ".hypothesis/examples/x",
    ".jupyterlite.doit.db",
]


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    for rel in repo_files():
        dest = src / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)
    for rel in ARTEFACTS:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("local artefact\n")
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the build backend comes from the test environment (the test extra pins the
    # same hatchling range as [build-system]), so the test needs no network.
    proc = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    sdists, wheels = sorted(out.glob("*.tar.gz")), sorted(out.glob("*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, sorted(p.name for p in out.iterdir())
    return sdists[0], wheels[0]


def test_twine_check_passes(dist):
    proc = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(zf.read(name).decode())


def test_metadata_has_licence_urls_and_readme(dist):
    meta = wheel_metadata(dist[1])
    assert meta["Name"] == "teachgrad"
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert urls["Homepage"] == REPO_URL and urls["Source"] == REPO_URL
    assert all(u.startswith(REPO_URL) for u in urls.values()), urls
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().strip() == (ROOT / "README.md").read_text(encoding="utf-8").strip()
    assert meta["Requires-Python"] == ">=3.10"
    runtime = [r for r in meta.get_all("Requires-Dist") if "extra ==" not in r]
    assert runtime == ["numpy"], "the engine's only runtime dependency is NumPy"
    assert meta["Summary"] and "autograd" in meta["Summary"]


def test_licence_is_mit_and_shipped(dist):
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text
    with zipfile.ZipFile(dist[1]) as zf:
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in zf.namelist())
    with tarfile.open(dist[0]) as tf:
        assert any(n.endswith("/LICENSE") for n in tf.getnames())


def sdist_files(sdist):
    with tarfile.open(sdist) as tf:
        names = [m.name for m in tf.getmembers() if m.isfile()]
    prefix = names[0].split("/", 1)[0] + "/"
    assert all(n.startswith(prefix) for n in names)
    return sorted(n[len(prefix):] for n in names)


def test_sdist_holds_the_project_and_no_local_artefacts(dist):
    files = sdist_files(dist[0])
    for rel in ARTEFACTS:
        assert rel not in files
    for bad in (".venv/", "student/", "_output/", "build/", ".ipynb_checkpoints", "__pycache__", ".git/",
                ".pytest_cache", ".hypothesis", ".jupyterlite.doit.db", ".github/", ".ci/"):
        assert not [f for f in files if f.startswith(bad) or f"/{bad}" in f], bad
    top = {f.split("/", 1)[0] for f in files}
    assert top <= {"teachgrad", "notebooks", "tests", "tools", "docs", "binder", "benchmarks",
                   "nbgrader_config.py", "run", "README.md", "README.ja.md", "LICENSE", "pyproject.toml",
                   "PKG-INFO", ".gitignore"}, top  # hatchling always adds .gitignore
    notebooks = ROOT / "notebooks"
    lessons = sorted(str(p.relative_to(ROOT)) for pattern in ("[0-9][0-9]_*.ipynb", "ja/[0-9][0-9]_*.ipynb")
                     for p in notebooks.glob(pattern))
    assert any(name.startswith("notebooks/ja/") for name in lessons), "the Japanese edition"
    assert lessons and all(name in files for name in lessons)
    assert {"teachgrad/__init__.py", "README.md", "LICENSE", "pyproject.toml", "PKG-INFO"} <= set(files)


def test_wheel_holds_the_package_alone_and_imports(dist, tmp_path):
    with zipfile.ZipFile(dist[1]) as zf:
        names = zf.namelist()
    assert {n.split("/", 1)[0] for n in names} == {"teachgrad", f"{dist[1].name.split('-')[0]}-"
                                                   f"{dist[1].name.split('-')[1]}.dist-info"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(dist[1])], check=True, timeout=300)
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", "import teachgrad as t; print(t.__file__); "
                          "x = t.tensor([2.0], requires_grad=True); (x * x).sum().backward(); print(x.grad)"],
                         cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True, timeout=120, check=True).stdout
    assert out.splitlines()[0].startswith(str(target))
    assert out.splitlines()[1] == "tensor([4.])"


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def test_readme_links_and_images_are_absolute():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = LINK.findall(readme) + re.findall(r"<img[^>]*\bsrc=\"([^\"]+)\"", readme)
    assert targets, "the README links to something"
    relative = [t for t in targets if not t.startswith(("https://", "http://", "#", "mailto:"))]
    assert relative == [], "relative links break on the package index; use absolute URLs"
    ours = [url for url in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", readme) if "teachgrad/teachgrad" in url]
    assert ours, "the README shows a screenshot"
    for url in ours:
        assert url.startswith(RAW_URL), f"{url}: images of this repository load from {RAW_URL}"
        assert (ROOT / url[len(RAW_URL):]).is_file(), f"{url} names no file of this repository"
    for url in targets:
        if url.startswith(REPO_URL + "/blob/main/") or url.startswith(REPO_URL + "/tree/main/"):
            rel = url.split("/main/", 1)[1].split("#", 1)[0]
            assert (ROOT / rel).exists(), f"{url} names no file of this repository"
