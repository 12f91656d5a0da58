"""Suite-wide pytest set-up for teachgrad.

- In CI (environment variable CI set to a true value) the comparison with real PyTorch is mandatory:
  if ``torch`` cannot be imported the session fails at once instead of silently skipping those tests.
  Outside CI, tests that need torch may skip with ``pytest.importorskip("torch")``.
- The nbval sanitize file named in pyproject's addopts is made absolute, so pytest can be started
  from any directory.
"""

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


def pytest_collection_modifyitems(session, config, items):
    """Run the tests that need the Binder replica last, so its build overlaps the rest."""
    replica = [item for item in items if is_replica_test(item)]
    if replica:
        items[:] = [item for item in items if not is_replica_test(item)] + replica


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
