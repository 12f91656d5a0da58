"""JupyterLite: the lessons as a static site that runs in the browser with no server.

What these tests prove, on a site built exactly as `./run lite` builds it:
- the site contains every lesson of both editions twice, as student version (student/, student/ja/) and
  full lesson (notebooks/, notebooks/ja/), each unchanged except for one first cell that installs
  teachgrad and ipywidgets (and, for the Japanese edition, the font of its figures) with piplite;
- the teachgrad wheel built from this checkout is in the site and in its piplite index, and it
  holds the whole package (subpackages such as teachgrad.nn included) at the version in
  pyproject.toml; the ipywidgets wheels the widgets need are bundled the same way;
- widgets can work: the site carries the ipywidgets JupyterLab extension (the widget manager), and
  the Pyodide kernel extension;
- nbgrader's extension, which needs a server, is disabled in the site;
- the site loads Pyodide from Pyodide's CDN (as README.md says), not from a copy in the site;
- served over HTTP on loopback and opened in headless Chromium, the site shows JupyterLab with the
  lessons in its file browser and opens a lesson with its cells (Pyodide itself cannot be fetched
  here, so cells are not run: the lessons' code is proven by nbval and the Binder replica instead).
"""

import functools
import http.server
import json
import os
import subprocess
import threading
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from conftest import chromium_or_skip

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
JA_LESSONS = sorted(NOTEBOOKS.glob("ja/[0-9][0-9]_*.ipynb"))
PIP_LINES = {"": "%pip install -q teachgrad ipywidgets", "ja": "%pip install -q teachgrad ipywidgets matplotlib-fontja"}
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
WHEEL = f"teachgrad-{VERSION}-py3-none-any.whl"
ids = [str(p.relative_to(NOTEBOOKS).with_suffix("")) for p in LESSONS + JA_LESSONS]


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("lite")
    out = base / "site"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "course.py"), "lite", str(out),
         "--work-dir", str(base / "work")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-6000:]
    return out


@pytest.fixture(scope="session")
def lite_config(site):
    return json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]


def code_sources(nb):
    return [(c.cell_type, c.source) for c in nb.cells]


@pytest.mark.parametrize("folder", ["student", "notebooks"])
@pytest.mark.parametrize("lesson", LESSONS + JA_LESSONS, ids=ids)
def test_site_has_every_lesson_with_a_setup_cell(site, lesson, folder):
    rel = lesson.relative_to(NOTEBOOKS)
    path = site / "files" / folder / rel
    assert path.exists(), f"{folder}/{rel} missing from the site"
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code"
    assert first.source.splitlines()[-1] == PIP_LINES[str(rel.parent).strip(".")]
    if folder == "notebooks":
        # the full lesson, otherwise unchanged
        assert code_sources(nb)[1:] == code_sources(nbformat.read(lesson, as_version=4))
    else:
        text = "\n".join(c.source for c in nb.cells)
        assert "### BEGIN SOLUTION" not in {line.strip() for line in text.splitlines()}


def test_site_lists_the_lessons_in_its_contents_index(site):
    for folder in ("student", "notebooks", "student/ja", "notebooks/ja"):
        listing = json.loads((site / "api" / "contents" / folder / "all.json").read_text())
        names = sorted(item["name"] for item in listing["content"] if item["name"].endswith(".ipynb"))
        assert names == [p.name for p in (JA_LESSONS if folder.endswith("/ja") else LESSONS)]


def test_site_bundles_the_teachgrad_wheel(site):
    wheel = site / "pypi" / WHEEL
    assert wheel.exists()
    index = json.loads((site / "pypi" / "all.json").read_text())
    assert VERSION in index["teachgrad"]["releases"]
    names = set(zipfile.ZipFile(wheel).namelist())
    package = {str(p.relative_to(ROOT)) for p in (ROOT / "teachgrad").rglob("*.py")}
    assert package <= names, f"missing from the wheel: {sorted(package - names)}"
    assert "teachgrad/nn/__init__.py" in names
    metadata = zipfile.ZipFile(wheel).read(f"teachgrad-{VERSION}.dist-info/METADATA").decode()
    assert "Requires-Dist: numpy" in metadata


def test_site_has_what_widgets_need(site, lite_config):
    index = json.loads((site / "pypi" / "all.json").read_text())
    bundled = {name.replace("_", "-").lower() for name in index}
    assert {"ipywidgets", "jupyterlab-widgets", "matplotlib-fontja"} <= bundled
    extensions = {ext["name"] for ext in lite_config["federated_extensions"]}
    assert "@jupyter-widgets/jupyterlab-manager" in extensions
    assert "@jupyterlite/pyodide-kernel-extension" in extensions


def test_site_disables_nbgrader(lite_config):
    """nbgrader's pages and its Validate button need a Jupyter server, which the site has not."""
    assert "@jupyter/nbgrader" in lite_config.get("disabledExtensions", [])


def test_site_loads_pyodide_from_its_cdn(site, lite_config):
    settings = lite_config.get("litePluginSettings", {}).get(
        "@jupyterlite/pyodide-kernel-extension:kernel", {})
    assert "pyodideUrl" not in settings, "the site sets its own Pyodide URL"
    schema = next(site.glob("extensions/@jupyterlite/pyodide-kernel-extension/static/schema/kernel.v0.schema.json"))
    default = json.loads(schema.read_text())["properties"]["pyodideUrl"]["default"]
    assert default.startswith("https://cdn.jsdelivr.net/pyodide/")
    assert not (site / "static" / "pyodide").exists()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(site):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


def test_site_opens_a_lesson_in_a_browser(served, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = chromium_or_skip("JupyterLite browser check")
    lesson = LESSONS[1] if len(LESSONS) > 1 else LESSONS[0]
    nb = nbformat.read(lesson, as_version=4)
    first_line = next(line for line in nb.cells[0].source.splitlines() if line.strip())

    def drive():
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                # nothing leaves the machine: requests elsewhere (the Pyodide CDN) are refused
                page.route(lambda url: not url.startswith(served), lambda route: route.abort())
                page.goto(f"{served}/lab/index.html?path=student/{lesson.name}")
                cells = page.locator(".jp-Notebook .jp-Cell")
                expect = sync_api.expect
                expect(cells.first).to_contain_text("%pip install -q teachgrad ipywidgets",
                                                    timeout=90_000)
                # the lesson's own first cell follows the set-up cell
                expect(cells.nth(1)).to_contain_text(first_line.lstrip("# ").strip()[:40])
                listing = page.locator(".jp-DirListing-content")
                for other in LESSONS:
                    assert listing.get_by_text(other.name, exact=True).count() == 1, other.name
                page.screenshot(path=str(tmp_path / "jupyterlite.png"))
            finally:
                browser.close()

    # Playwright's sync API refuses to start in a thread where another Playwright session (e.g.
    # the browser test's session-wide one) is active, so this one gets a thread of its own.
    errors = []

    def run():
        try:
            drive()
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    worker = threading.Thread(target=run, name="jupyterlite-browser")
    worker.start()
    worker.join(300)
    assert not worker.is_alive(), "the browser check did not finish within 300 s"
    if errors:
        raise errors[0]
