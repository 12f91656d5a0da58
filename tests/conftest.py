"""Suite-wide pytest set-up for teachgrad.

- In CI (environment variable CI set to a true value) the comparison with real PyTorch is mandatory:
  if ``torch`` cannot be imported the session fails at once instead of silently skipping those tests.
  Outside CI, tests that need torch may skip with ``pytest.importorskip("torch")``.
- The nbval sanitize file named in pyproject's addopts is made absolute, so pytest can be started
  from any directory.
- Tests of the course tooling and whole-program runs get the ``course`` marker, by file (see
  ``is_course_item``), so that ``pytest -m "not course"`` runs only the fast engine tests.
- Tests never change tracked files: at the end of the session, files that git sees changed since
  the start are reported, and in CI they fail the run.
"""

import functools
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def pytest_configure(config):
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize and not os.path.isabs(sanitize) and not os.path.exists(sanitize):
        candidate = ROOT / sanitize
        if candidate.exists():
            config.option.nbval_sanitize_with = str(candidate)

    if in_ci():
        try:
            import torch  # noqa: F401  (the specification the engine is compared with)
        except Exception as exc:  # ImportError, or a broken install
            raise pytest.UsageError(
                "CI is set but PyTorch cannot be imported "
                f"({type(exc).__name__}: {exc}); the torch comparison tests must run in CI. "
                "Install it with: pip install torch==2.13.0"
            )


# --- the fast inner loop: `pytest -m "not course"` ----------------------------------------------
# Course tooling (lessons under nbval, the browser, Binder, instructor tools, JupyterLite, JupyterHub,
# packaging, the CI workflow) and whole-program runs (the benchmark smoke run) take minutes; the
# engine, nn, optim, viz and widget-logic tests take seconds. A test file is course tooling when a
# word of its name (test_<words>.py, split at "_") is one of these, or when it sets
# ``pytestmark = pytest.mark.course`` itself; every notebook item is.
COURSE_WORDS = {
    "notebook", "notebooks", "nbval", "lesson", "lessons", "student", "browser", "binder",
    "instructor", "nbgrader", "jupyterlite", "lite", "hub", "jupyterhub", "packaging", "workflow",
    "ci", "benchmarks", "bench", "cpu", "swap",
}


def is_course_item(item):
    path = Path(str(item.path))
    if path.suffix == ".ipynb":
        return True
    words = set(path.stem.split("_")[1:]) if path.stem.startswith("test_") else set()
    return bool(words & COURSE_WORDS)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(session, config, items):
    """Mark course tooling (see COURSE_WORDS); run the tests that need the Binder replica last, so
    its build overlaps the rest."""
    for item in items:
        if is_course_item(item):
            item.add_marker(pytest.mark.course)
    replica = [item for item in items if is_replica_test(item)]
    if replica:
        items[:] = [item for item in items if not is_replica_test(item)] + replica


# --- tests never change tracked files --------------------------------------------------------------


def git_changes():
    """`git status --porcelain` of the checkout (tracked changes and untracked, not ignored files),
    or None outside a git checkout."""
    import subprocess

    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return set(out.stdout.decode().splitlines()) if out.returncode == 0 else None


_changes_at_start = None


def pytest_sessionstart(session):
    global _changes_at_start
    _changes_at_start = git_changes()


def pytest_sessionfinish(session, exitstatus):
    if _changes_at_start is None or hasattr(session.config, "workerinput"):
        return
    after = git_changes()
    if after is None:
        return
    new = sorted(after - _changes_at_start)
    asked = os.environ.get("TEACHGRAD_SCREENSHOTS")  # ./run screenshots writes there on purpose
    if asked:
        shots = os.path.relpath(ROOT / asked, ROOT).replace(os.sep, "/") + "/"
        new = [line for line in new if not line[3:].startswith(shots)]
    if not new:
        return
    lines = "\n".join(f"  {line}" for line in new)
    message = (f"\nThe tests changed files in the checkout (tests must write to temporary or "
               f"ignored directories):\n{lines}\n")
    session.config.get_terminal_writer().line(message, red=in_ci(), yellow=not in_ci())
    if in_ci() and session.exitstatus == 0:
        session.exitstatus = 1


# --- Chromium for the browser tests -------------------------------------------------------------
# tests/test_browser.py and the JupyterLite check drive headless Chromium with Playwright. Which one:
# TEACHGRAD_CHROMIUM, else Debian's (./run test installs it with apt-get when run as root), else
# Playwright's own download (`playwright install chromium`, no root needed). Without one they skip
# with how to get one, except in CI, where that is a failure.
CHROMIUM_HOWTO = ("as root: apt-get install chromium; or: .venv/test/bin/python -m playwright install chromium; "
                  "or set TEACHGRAD_CHROMIUM=/path/to/chromium")


@functools.lru_cache(maxsize=None)  # asked once, before any test starts a Playwright session
def find_chromium():
    """The Chromium to drive, or None."""
    if os.environ.get("TEACHGRAD_CHROMIUM"):
        return os.environ["TEACHGRAD_CHROMIUM"]
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            bundled = p.chromium.executable_path
    except Exception:  # no Playwright, or no browser registry: nothing installed
        return None
    return bundled if os.access(bundled, os.X_OK) else None


def chromium_or_skip(what, must_run=False, module=False):
    """Path of the Chromium for ``what``; without one, skip with how to get one (fail in CI or when
    ``must_run``). TEACHGRAD_SKIP_BROWSER=1 skips on purpose, except in CI."""
    must_run = must_run or in_ci()
    if os.environ.get("TEACHGRAD_SKIP_BROWSER", "") not in ("", "0") and not must_run:
        pytest.skip("TEACHGRAD_SKIP_BROWSER is set", allow_module_level=module)
    path = find_chromium()
    if path is None:
        if must_run:
            pytest.fail(f"{what} must run here (CI=true or asked for) but there is no Chromium: {CHROMIUM_HOWTO}",
                        pytrace=False)
        pytest.skip(f"{what}: no Chromium found. To run it, {CHROMIUM_HOWTO}", allow_module_level=module)
    return path


# tests/data holds inputs for the tests (e.g. a sample lesson for the instructor tooling); nbval
# must not collect those notebooks as tests of their own.
collect_ignore_glob = ["data/*"]


# --- Binder replica -------------------------------------------------------------------------------
# tests/test_binder.py needs a clean virtual environment built from binder/ alone (as repo2docker
# builds Binder's image). pip spends most of that time waiting on the package index, so the build
# starts in a background thread as soon as the session starts (only when test_binder.py is
# selected) and the Binder tests wait for it; the rest of the suite runs meanwhile.


def repo_files():
    """The files a clone of this repository would have: tracked plus untracked-but-not-ignored."""
    import subprocess

    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, stdout=subprocess.PIPE,
    ).stdout.decode()
    return sorted({f for f in out.split("\0") if f and (ROOT / f).is_file()})


def binder_python():
    """The interpreter matching binder/runtime.txt (python-X.Y), or None."""
    import shutil

    version = (ROOT / "binder" / "runtime.txt").read_text().strip().split("-")[1]
    return shutil.which(f"python{version}"), version


class BinderReplica:
    """Copy of the repository + venv from binder/requirements.txt + binder/postBuild."""

    def __init__(self, base):
        self.base = Path(base)
        self.repo = self.base / "repo"
        self.venv = self.base / "venv"
        self.log = self.base / "build.log"
        self.error = None
        self._thread = None

    @property
    def python(self):
        return self.venv / "bin" / "python"

    def env(self):
        env = dict(os.environ)
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        env.pop("PYTHONPATH", None)
        return env

    def start(self):
        import threading

        self._thread = threading.Thread(target=self._build, name="binder-replica", daemon=True)
        self._thread.start()

    def _run(self, cmd, log, **kw):
        import subprocess

        log.write(f"\n$ {' '.join(map(str, cmd))}\n")
        log.flush()
        subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT, timeout=1200, **kw)

    def _build(self):
        import shutil

        try:
            python, version = binder_python()
            if python is None:
                raise RuntimeError(f"no python{version} on PATH (binder/runtime.txt asks for it)")
            for rel in repo_files():
                dest = self.repo / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / rel, dest)
            with open(self.log, "w") as log:
                self._run([python, "-m", "venv", str(self.venv)], log)
                # What repo2docker runs (see `jupyter-repo2docker --no-build --debug .`):
                self._run([str(self.venv / "bin" / "pip"), "install", "-r", "binder/requirements.txt"],
                          log, cwd=self.repo, env=self.env())
                self._run(["./binder/postBuild"], log, cwd=self.repo, env=self.env())
        except Exception as exc:  # reported by the tests that need the replica
            self.error = exc

    def wait(self, timeout=1500):
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"Binder replica still building after {timeout} s; log: {self.log}")
        if self.error is not None:
            tail = self.log.read_text()[-4000:] if self.log.exists() else ""
            raise RuntimeError(f"Binder replica build failed: {self.error}\n{tail}")
        return self


_binder_replica = None


def is_replica_test(item):
    return item.path.name == "test_binder.py" and "replica" in item.name


@pytest.fixture(scope="session", autouse=True)
def _start_binder_replica(request, tmp_path_factory):
    """Start building the Binder replica early if any Binder test will run."""
    global _binder_replica
    if _binder_replica is None and any(is_replica_test(item) for item in request.session.items):
        _binder_replica = BinderReplica(tmp_path_factory.mktemp("binder-replica"))
        _binder_replica.start()
    yield


@pytest.fixture(scope="session")
def binder_replica(_start_binder_replica, tmp_path_factory):
    """The finished Binder replica (see BinderReplica)."""
    global _binder_replica
    if _binder_replica is None:
        _binder_replica = BinderReplica(tmp_path_factory.mktemp("binder-replica"))
        _binder_replica.start()
    return _binder_replica.wait()
