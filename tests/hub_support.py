"""The machinery behind tests/test_hub.py: a real JupyterHub with system users on this machine.

- ``single_user_venv``: the Python every user's server runs in. The project's own virtual
  environment may sit under /root, which other users cannot read, and its interpreter may too
  (pyenv), so the users' servers get a virtual environment of their own, built from the system's
  ``/usr/bin/python3`` the way repo2docker builds Binder's image: ``pip install -r
  binder/requirements.txt`` and ``binder/postBuild`` in a copy of the repository, plus JupyterHub
  (repo2docker's image brings ``jupyterhub-singleuser`` of the same major version). It is built once
  into a world-readable cache directory and reused while binder/ and the pins stay the same;
  teachgrad itself is reinstalled from the working tree at every run.
- ``configurable_http_proxy``: the proxy from npm, pinned, installed into the same cache.
- ``SystemUsers``: users made with useradd for one run, their processes and homes removed at the
  end; users of a run that died before its cleanup are removed by the next run.
- ``Hub``: JupyterHub started with docs/hub/jupyterhub_config.py plus what a test run must change
  (loopback, random ports, the run's users and directories, an API token for the test).

Everything lives under ``TEACHGRAD_HUB_CACHE`` (default /var/tmp/teachgrad-hub); one run at a time
holds its lock.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
HUB_DOCS = ROOT / "docs" / "hub"

JUPYTERHUB_VERSION = "5.4.4"  # as in Zero to JupyterHub's chart 4.3.x, see docs/instructors.md
CHP_VERSION = "5.3.0"  # configurable-http-proxy, from npm
SYSTEM_PYTHON = "/usr/bin/python3"
CACHE = Path(os.environ.get("TEACHGRAD_HUB_CACHE", "/var/tmp/teachgrad-hub"))


def log(msg):
    print(f"[hub {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, log_file=None, **kw):
    """subprocess.run, checked; output to log_file (or captured and shown on failure)."""
    kw.setdefault("timeout", 900)
    if log_file is not None:
        with open(log_file, "a") as out:
            out.write(f"\n$ {' '.join(map(str, cmd))}\n")
            out.flush()
            proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, **kw)
        if proc.returncode:
            tail = Path(log_file).read_text()[-4000:]
            raise RuntimeError(f"{cmd} failed ({proc.returncode}); end of {log_file}:\n{tail}")
        return proc
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if proc.returncode:
        raise RuntimeError(f"{cmd} failed ({proc.returncode}):\n{proc.stdout[-4000:]}")
    return proc


def repo_files():
    """Tracked plus untracked-but-not-ignored files: what a clone of the working tree would hold."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, check=True, stdout=subprocess.PIPE).stdout.decode()
    return sorted({f for f in out.split("\0") if f and (ROOT / f).is_file()})


def copy_repo(dest):
    for rel in repo_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    return dest


def world_readable(path):
    """chmod a+rX on a tree (directories traversable, files readable, executables stay so)."""
    for dirpath, dirnames, filenames in os.walk(path):
        os.chmod(dirpath, os.stat(dirpath).st_mode | 0o555)
        for name in filenames:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p):
                mode = os.stat(p).st_mode
                os.chmod(p, mode | 0o444 | (0o111 if mode & 0o100 else 0))


# --------------------------------------------------------------------------------------------
# the cache directory and its lock
# --------------------------------------------------------------------------------------------

def prepare_cache():
    """CACHE, owned by root and writable by root only (users' Python comes from here)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    st = CACHE.stat()
    if st.st_uid != 0 or st.st_mode & 0o022:
        raise RuntimeError(f"{CACHE} must belong to root and be writable by root only")
    os.chmod(CACHE, 0o755)
    # every parent must be traversable by the users
    for parent in [CACHE, *CACHE.parents]:
        if not os.stat(parent).st_mode & 0o001:
            raise RuntimeError(f"{parent} is not traversable by other users; set TEACHGRAD_HUB_CACHE "
                               "to a directory under a world-readable path")
    return CACHE


@contextlib.contextmanager
def cache_lock(timeout=1200):
    """One hub run at a time on this machine (they share the cache and compete for the cores)."""
    with open(CACHE / "lock", "w") as f:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another hub test has held {CACHE / 'lock'} for {timeout} s")
                time.sleep(2)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# --------------------------------------------------------------------------------------------
# the users' Python
# --------------------------------------------------------------------------------------------

def _venv_key():
    h = hashlib.sha256()
    for rel in ("binder/requirements.txt", "binder/postBuild", "binder/runtime.txt"):
        h.update((ROOT / rel).read_bytes())
    version = subprocess.run([SYSTEM_PYTHON, "-c", "import sys; print(sys.version)"],
                             check=True, stdout=subprocess.PIPE, text=True).stdout
    h.update(f"{version}|jupyterhub=={JUPYTERHUB_VERSION}|hatchling".encode())
    return h.hexdigest()[:16]


def ensure_system_python(log_file):
    """Debian's python3 with venv (installed with apt-get when missing; we are root)."""
    probe = [SYSTEM_PYTHON, "-c", "import ensurepip, venv"]
    if Path(SYSTEM_PYTHON).exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return
    log("installing Debian's python3-venv (the users' servers need a Python they can read)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update"], log_file, env=env)
    run(["apt-get", "install", "-y", "python3", "python3-venv"], log_file, env=env)


def single_user_venv(repo_copy, log_file):
    """The users' virtual environment (see the module docstring); returns (path, seconds, built)."""
    start = time.monotonic()
    ensure_system_python(log_file)
    venv = CACHE / f"venv-{_venv_key()}"
    stamp = venv / ".teachgrad-complete"
    built = False
    if not stamp.exists():
        built = True
        log(f"building the users' Python in {venv} (once; reused while binder/ stays the same)")
        shutil.rmtree(venv, ignore_errors=True)
        for old in CACHE.glob("venv-*"):
            shutil.rmtree(old, ignore_errors=True)
        build = Path(tempfile.mkdtemp(prefix="build-", dir=CACHE))
        try:
            repo = copy_repo(build / "repo")
            run([SYSTEM_PYTHON, "-m", "venv", str(venv)], log_file)
            env = venv_env(venv)
            # what repo2docker runs for binder/ (requirements, then postBuild) ...
            run([str(venv / "bin" / "pip"), "install", "-r", "binder/requirements.txt",
                 f"jupyterhub=={JUPYTERHUB_VERSION}", "hatchling"], log_file, cwd=repo, env=env)
            run(["./binder/postBuild"], log_file, cwd=repo, env=env)
        except BaseException:
            shutil.rmtree(venv, ignore_errors=True)
            raise
        finally:
            shutil.rmtree(build, ignore_errors=True)
        world_readable(venv)
        stamp.write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"))
    # ... and teachgrad from this working tree, every run
    run([str(venv / "bin" / "pip"), "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--force-reinstall", str(repo_copy)], log_file, env=venv_env(venv))
    world_readable(venv)
    return venv, time.monotonic() - start, built


def venv_env(venv):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"])
    env["VIRTUAL_ENV"] = str(venv)
    return env


def configurable_http_proxy(log_file):
    """configurable-http-proxy from npm, pinned, in the cache; returns the command's path."""
    prefix = CACHE / f"chp-{CHP_VERSION}"
    command = prefix / "node_modules" / ".bin" / "configurable-http-proxy"
    if not command.exists():
        if shutil.which("npm") is None:
            raise RuntimeError("npm is needed to install configurable-http-proxy")
        log(f"installing configurable-http-proxy@{CHP_VERSION} from npm into {prefix}")
        tmp = Path(tempfile.mkdtemp(prefix="chp-", dir=CACHE))
        try:
            run(["npm", "install", "--prefix", str(tmp), "--no-audit", "--no-fund", "--no-save",
                 f"configurable-http-proxy@{CHP_VERSION}"], log_file, timeout=600)
            shutil.rmtree(prefix, ignore_errors=True)
            tmp.rename(prefix)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return command


# --------------------------------------------------------------------------------------------
# system users
# --------------------------------------------------------------------------------------------

LEFTOVERS = "leftovers.json"


def _read_leftovers():
    path = CACHE / LEFTOVERS
    if path.exists():
        try:
            return json.loads(path.read_text())
        except ValueError:
            pass
    return {"users": [], "dirs": [], "processes": []}


def _write_leftovers(data):
    tmp = CACHE / (LEFTOVERS + ".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(CACHE / LEFTOVERS)


def remember(kind, value):
    """Note a user, directory or process before making it, so that a later run can remove it if
    this run dies before its cleanup."""
    data = _read_leftovers()
    data.setdefault(kind, []).append(value)
    _write_leftovers(data)


def forget(kind, value):
    data = _read_leftovers()
    data[kind] = [v for v in data.get(kind, []) if v != value]
    _write_leftovers(data)


def processes_of(uid):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except FileNotFoundError:
                pass
    return pids


def end_processes_of(uid, grace=5):
    """TERM, then KILL, every process running as uid (a user this test made)."""
    pids = processes_of(uid)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while processes_of(uid) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in processes_of(uid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def remove_user(name):
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        forget("users", name)
        return
    end_processes_of(uid)
    subprocess.run(["userdel", "--force", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    subprocess.run(["groupdel", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    forget("users", name)


def end_process(pid, marker):
    """SIGKILL pid if it is still the process we started (its command line contains marker)."""
    with contextlib.suppress(OSError, ValueError):
        if marker.encode() in Path(f"/proc/{int(pid)}/cmdline").read_bytes():
            os.kill(int(pid), signal.SIGKILL)


def sweep_leftovers():
    """Remove what an earlier run noted and never cleaned up (it was killed): its hub and proxy,
    its users (and their processes), its directories."""
    data = _read_leftovers()
    for entry in data.get("processes", []):
        log(f"ending process {entry['pid']} left by an earlier run")
        end_process(entry["pid"], entry["marker"])
        forget("processes", entry)
    for path in data.get("dirs", []):
        pid_file = Path(path) / "proxy.pid"
        if pid_file.exists():
            end_process(pid_file.read_text().strip(), "configurable-http-proxy")
    for name in data.get("users", []):
        log(f"removing user {name} left by an earlier run")
        remove_user(name)
    for path in data.get("dirs", []):
        log(f"removing {path} left by an earlier run")
        shutil.rmtree(path, ignore_errors=True)
        forget("dirs", path)


class SystemUsers:
    """System users for one run: name -> pwd entry; homes under ``homes``."""

    def __init__(self, homes):
        self.homes = Path(homes)
        self.made = []

    def add(self, name):
        remember("users", name)
        self.made.append(name)
        run(["useradd", "--create-home", "--home-dir", str(self.homes / name), "--shell",
             "/bin/bash", "--user-group", name])
        return pwd.getpwnam(name)

    def remove_all(self):
        for name in self.made:
            remove_user(name)
        self.made = []


def run_as(user, cmd, env, cwd=None, timeout=600):
    """Run cmd as a system user (no supplementary groups), output captured."""
    pw = pwd.getpwnam(user)
    return subprocess.run(cmd, user=pw.pw_uid, group=pw.pw_gid, extra_groups=[], env=env,
                          cwd=cwd or pw.pw_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


# --------------------------------------------------------------------------------------------
# the hub
# --------------------------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVICE = "course-test"
SERVICE_SCOPES = ["admin:users", "admin:servers", "admin:server_state", "tokens", "list:users",
                  "read:users", "read:groups"]

OVERLAY = """\
# Written by tests/test_hub.py for one run: the course's hub config, then what a test must change.
import os

c = get_config()  # noqa: F821
load_subconfig({docs_config!r})  # noqa: F821

c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {proxy_pid!r}
c.JupyterHub.db_url = "sqlite:///{run_dir}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {cookie_secret!r}

instructors = {instructors!r}
students = {students!r}
c.Authenticator.allowed_users = set(instructors + students)
c.JupyterHub.load_groups = {{
    "instructors": {{"users": instructors}},
    "students": {{"users": students}},
}}

# the test's own API token
c.JupyterHub.services = [{{"name": {service!r}, "api_token": os.environ["TEACHGRAD_TEST_HUB_TOKEN"]}}]
c.JupyterHub.load_roles = [{{"name": {service!r}, "services": [{service!r}], "scopes": {scopes!r}}}]
"""


class Hub:
    def __init__(self, run_dir, site, venv, exchange, proxy, instructors, students):
        self.run_dir = Path(run_dir)
        self.token = secrets.token_hex(24)
        self.password = secrets.token_urlsafe(18)
        self.log_path = self.run_dir / "jupyterhub.log"
        self.proc = None
        self.env = dict(os.environ)
        self.env.update(TEACHGRAD_SITE=str(site), TEACHGRAD_VENV=str(venv),
                        TEACHGRAD_EXCHANGE=str(exchange), TEACHGRAD_HUB_PASSWORD=self.password,
                        TEACHGRAD_TEST_HUB_TOKEN=self.token)
        self.settings = dict(docs_config=str(HUB_DOCS / "jupyterhub_config.py"), proxy=str(proxy),
                             proxy_pid=str(self.run_dir / "proxy.pid"), run_dir=str(self.run_dir),
                             cookie_secret=str(self.run_dir / "cookie_secret"),
                             instructors=list(instructors), students=list(students),
                             service=SERVICE, scopes=SERVICE_SCOPES)

    def start(self, attempts=3):
        last = None
        for _ in range(attempts):
            self.port, hub_port, api_port = free_port(), free_port(), free_port()
            config = self.run_dir / "jupyterhub_config.py"
            config.write_text(OVERLAY.format(port=self.port, hub_port=hub_port,
                                             proxy_api_port=api_port, **self.settings))
            self._log = open(self.log_path, "a")
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=self.run_dir,
                env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
            self._noted = {"pid": self.proc.pid, "marker": str(config)}
            remember("processes", self._noted)
            try:
                self._wait_ready()
                return self
            except RuntimeError as exc:
                last = exc
                self.stop()
        raise last

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self, timeout=90):
        # The hub starts the proxy and waits for it, but the public port answers a little later:
        # poll through the proxy until the hub's API replies.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"jupyterhub did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, n=6000):
        return self.log_path.read_text(errors="replace")[-n:] if self.log_path.exists() else ""

    def api(self, method, path, token=None, **kw):
        headers = {"Authorization": f"token {token or self.token}"}
        r = requests.request(method, f"{self.url}/hub/api{path}", headers=headers, timeout=60, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} /hub/api{path}: {r.status_code} {r.text[:2000]}")
        return r.json() if r.content else None

    def start_servers(self, names, timeout=180):
        for name in names:
            self.api("POST", f"/users/{name}/server")
        deadline = time.monotonic() + timeout
        waiting = set(names)
        while waiting and time.monotonic() < deadline:
            for name in sorted(waiting):
                server = self.api("GET", f"/users/{name}")["servers"].get("", {})
                if server.get("ready"):
                    waiting.discard(name)
            time.sleep(0.5)
        if waiting:
            raise RuntimeError(f"servers not ready after {timeout} s: {sorted(waiting)}\n{self.log_tail()}")

    def server_pid(self, name):
        return self.api("GET", f"/users/{name}")["servers"][""]["state"]["pid"]

    def user_token(self, name):
        return self.api("POST", f"/users/{name}/tokens", json={"note": "course test",
                                                               "expires_in": 3600})["token"]

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            # SIGTERM: the hub stops the users' servers and the proxy it started (cleanup_servers)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._end_proxy()
        self._log.close()
        forget("processes", self._noted)
        self.proc = None

    def _end_proxy(self):
        pid_file = self.run_dir / "proxy.pid"
        if pid_file.exists():
            with contextlib.suppress(ValueError, OSError):
                pid = int(pid_file.read_text().strip())
                # only if that process is still the proxy (a pid can be reused)
                if b"configurable-http-proxy" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGTERM)
