"""A class on a real JupyterHub: the instructors' path of docs/instructors.md, end to end.

The test starts JupyterHub (pinned, with configurable-http-proxy from npm, pinned) on loopback and
random ports with the course's hub config, docs/hub/jupyterhub_config.py: shared-password login,
LocalProcessSpawner, the course-wide and instructors' Jupyter config of docs/hub/. It makes three
system users (an instructor and two students) and a shared nbgrader exchange (mode 1777),
starts their servers through the hub's API, and runs nbgrader's whole cycle on one
lesson, each step through the account of the user who would take it:

- the instructor (nbgrader's command line, as that user, in the environment the hub gave their
  server): set up the course, ``generate_assignment``, ``release_assignment``;
- one student in headless Chromium: logs in with the shared password, opens the Assignments page
  from the Nbgrader menu, fetches the lesson and opens it;
- both students through their own servers (API tokens of their own): the other fetches, both answer
  (one right, one wrong), the right one runs nbgrader's Validate, both submit;
- the instructor: ``collect``, ``autograde``, ``generate_feedback``, ``release_feedback``, ``export``;
- the students fetch their feedback; the exported grades are what the answers deserve.

It also checks that nbgrader's instructor tools (formgrader, course list, Create Assignment) are on
for the instructor only, that students get the Assignments page and the Validate button, and the
exchange's permissions. Users, processes and directories are removed afterwards, also when the
test fails (and by the next run if this one is killed).

Needs root (to make users and let the hub start servers as them), npm, Debian's python3 with venv
and /usr/bin/chromium. Not root: skipped, except in CI, where that is a failure. The first run
builds the users' Python (a few minutes, see tests/hub_support.py); later runs reuse it.
"""

import concurrent.futures
import csv
import json
import os
import pwd
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
import requests

import hub_support as hs

ROOT = Path(__file__).resolve().parent.parent
LESSON = "03_backward_in_depth"
COURSE_ID = "teachgrad"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
NBGRADER_PLUGINS = ("assignment-list", "course-list", "create-assignment", "formgrader", "menu",
                    "validate-assignment")
INSTRUCTOR_ONLY = ("course-list", "create-assignment", "formgrader")

# The wrong student's answers to the lesson's exercises: typical mistakes, except exercise 2,
# which they get right (so the grades show partial credit, scored per check cell).
WRONG_ANSWERS = {
    # the sum of all three terms instead of the last one
    "backward-ex1-solution": "v_last = torch.ones(3)",
    # forgets retain_grad(): h.grad stays None
    "backward-ex3-solution": "x = torch.tensor([1., 2.], requires_grad=True)\n"
                             "h = x * 3\nout = (h ** 2).sum()\nout.backward()\nh_grad = h.grad",
    # one backward() instead of two
    "backward-ex4-solution": "out.backward()\ngrad_twice = x.grad",
}


def in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def cannot_run(reason):
    if in_ci():
        pytest.fail(f"CI is set but the JupyterHub test cannot run: {reason}")
    pytest.skip(f"JupyterHub test skipped: {reason}")


def lesson_path():
    return ROOT / "notebooks" / f"{LESSON}.ipynb"


def solutions(nb):
    """grade_id of each solution cell -> the reference solution (the code between the markers)."""
    found = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            lines = cell.source.splitlines()
            keep = [ln for ln in lines if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            found[meta["grade_id"]] = "\n".join(keep)
    return found


def check_points(nb):
    """grade_id of each check cell -> its points, in the order of the notebook."""
    return {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


# ---------------------------------------------------------------------------------------------
# the class: hub, users, exchange (one per module)
# ---------------------------------------------------------------------------------------------

class Course:
    def __init__(self, hub, venv, run_dir, exchange, instructor, students):
        self.hub, self.venv, self.run_dir, self.exchange = hub, venv, run_dir, exchange
        self.instructor, self.students = instructor, students
        self.tokens = {}
        self.timings = {}

    @property
    def users(self):
        return [self.instructor, *self.students]

    def home(self, user):
        return Path(pwd.getpwnam(user).pw_dir)

    def token(self, user):
        if user not in self.tokens:
            self.tokens[user] = self.hub.user_token(user)
        return self.tokens[user]

    def server(self, method, user, path, **kw):
        """A request to the user's own server, through the proxy, with the user's token."""
        headers = {"Authorization": f"token {self.token(user)}"}
        r = requests.request(method, f"{self.hub.url}/user/{user}{path}", headers=headers,
                             timeout=300, **kw)
        return r

    def server_env(self, user):
        """The environment the hub gave the user's server (a terminal there starts with it)."""
        pid = self.hub.server_pid(user)
        raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        return dict(item.decode().split("=", 1) for item in raw if b"=" in item)

    def as_instructor(self, *cmd, cwd=None):
        """A command as the instructor would type it in a terminal on the hub."""
        env = self.server_env(self.instructor)
        proc = hs.run_as(self.instructor, list(cmd), env, cwd=cwd or self.home(self.instructor) / "course")
        assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}"
        return proc.stdout

    def nbgrader(self, *args):
        return self.as_instructor(str(self.venv / "bin" / "nbgrader"), *args)


@pytest.fixture(scope="module")
def course():
    if os.geteuid() != 0:
        cannot_run("it must run as root (it makes system users and the hub starts their servers "
                   "as them); run it as root, e.g. in a container or CI")
    for tool in ("useradd", "userdel", "npm"):
        if shutil.which(tool) is None:
            cannot_run(f"{tool} not found")
    t0 = time.monotonic()
    hs.prepare_cache()
    with hs.cache_lock():
        hs.sweep_leftovers()
        run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=hs.CACHE))
        hs.remember("dirs", str(run_dir))
        os.chmod(run_dir, 0o755)
        setup_log = run_dir / "setup.log"
        users = hs.SystemUsers(run_dir / "home")
        hub = None
        try:
            repo = hs.copy_repo(run_dir / "repo")
            hs.world_readable(repo)
            venv, venv_seconds, built = hs.single_user_venv(repo, setup_log)
            hs.log(f"users' Python: {'built' if built else 'reused'} {venv} in {venv_seconds:.1f} s")
            proxy = hs.configurable_http_proxy(setup_log)

            # what docs/instructors.md puts in /srv/teachgrad/
            site = run_dir / "site"
            for name in ("jupyter", "jupyter-instructors"):
                shutil.copytree(hs.HUB_DOCS / name, site / name)
            hs.world_readable(site)

            tag = secrets.token_hex(2)
            instructor, students = f"tg{tag}prof", [f"tg{tag}ada", f"tg{tag}bob"]
            (run_dir / "home").mkdir(mode=0o755)
            for name in (instructor, *students):
                users.add(name)

            # the exchange: nbgrader wants its root writable by everyone; the sticky bit (as on
            # /tmp) keeps anyone from removing or renaming what others put there
            exchange = run_dir / "exchange"
            exchange.mkdir()
            os.chmod(exchange, 0o1777)

            t_hub = time.monotonic()
            hub = hs.Hub(run_dir, site, venv, exchange, proxy, [instructor], students).start()
            hub.start_servers([instructor, *students])
            c = Course(hub, venv, run_dir, exchange, instructor, students)
            c.timings.update(venv=venv_seconds, venv_built=built, hub_and_servers=time.monotonic() - t_hub)
            hs.log(f"hub at {hub.url}; three servers up in {c.timings['hub_and_servers']:.1f} s")
            yield c
        except BaseException:
            if hub is not None:
                print(f"--- end of the hub's log ---\n{hub.log_tail()}")
            raise
        finally:
            t_clean = time.monotonic()
            try:
                if hub is not None:
                    hub.stop()
            finally:
                users.remove_all()
                shutil.rmtree(run_dir, ignore_errors=True)
                hs.forget("dirs", str(run_dir))
            hs.log(f"cleaned up in {time.monotonic() - t_clean:.1f} s; "
                   f"hub test took {time.monotonic() - t0:.1f} s in all")


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        cannot_run(f"{CHROMIUM} not installed (apt-get install -y chromium; ./run test installs it)")
    return CHROMIUM


def in_own_thread(fn, *args):
    """Run fn in a thread of its own: Playwright's sync API refuses to start in a thread whose
    event loop is running, which is the case while another test module's browser is open."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


# ---------------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------------

def page_config(course, user):
    r = course.server("GET", user, "/lab")
    assert r.status_code == 200, (r.status_code, r.text[:500])
    m = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', r.text, re.S)
    assert m, "no page config in JupyterLab's page"
    return json.loads(m.group(1))


def test_servers_run_the_course_python_with_tools_per_role(course):
    """Every server runs from the users' Python, as its user; instructor tools for the instructor
    only; the Assignments page and Validate for everyone."""
    for user in course.users:
        pid = course.hub.server_pid(user)
        assert os.stat(f"/proc/{pid}").st_uid == pwd.getpwnam(user).pw_uid
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        assert any(arg.startswith(str(course.venv)) for arg in cmdline), cmdline

        disabled = set(page_config(course, user)["disabledExtensions"])
        plugins = {p: f"@jupyter/nbgrader:{p}" for p in NBGRADER_PLUGINS}
        shown = {p for p, full in plugins.items() if full not in disabled}
        formgrader = course.server("GET", user, "/formgrader").status_code
        listing = course.server("GET", user, f"/assignments?course_id={COURSE_ID}")
        assert listing.status_code == 200, listing.text[:500]
        if user == course.instructor:
            assert shown == set(NBGRADER_PLUGINS), f"instructor's nbgrader plugins: {sorted(shown)}"
            assert formgrader == 200
        else:
            assert shown == {"assignment-list", "menu", "validate-assignment"}, \
                f"{user} sees nbgrader plugins {sorted(shown)}"
            assert formgrader == 404, f"{user} reached the formgrader ({formgrader})"


def fetch_in_chromium(course, chromium, student, shots):
    """The student logs in, opens Nbgrader > Assignment List, fetches the lesson and opens it.
    Screenshots of the Assignments page and of the opened lesson go to ``shots``."""
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            student_steps(course, browser, student, shots)
        finally:
            browser.close()


def student_steps(course, browser, student, shots):
    from playwright import sync_api

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{course.hub.url}/hub/login")
        page.fill("#username_input", student)
        page.fill("#password_input", course.hub.password)
        page.click("#login_submit")
        page.wait_for_url(re.compile(rf"/user/{student}/lab"))
        page.locator("#jp-main-dock-panel").wait_for()

        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        menu = page.locator(".lm-Menu-content")
        menu.get_by_text("Assignment List", exact=True).wait_for()
        labels = [t.strip() for t in menu.locator(".lm-Menu-item:visible .lm-Menu-itemLabel").all_inner_texts()]
        assert "Assignment List" in labels and "Formgrader" not in labels, labels
        menu.get_by_text("Assignment List", exact=True).click()

        released = page.locator("#released_assignments_list")
        row = released.locator(".list_item", has_text=LESSON)
        row.get_by_role("button", name="Fetch").click()
        fetched = page.locator("#fetched_assignments_list")
        fetched.get_by_text(LESSON).first.click()  # expands the assignment's notebooks
        notebook_link = fetched.locator("a", has_text=LESSON).last
        notebook_link.wait_for()
        page.screenshot(path=str(shots / "assignments.png"))
        notebook_link.click()

        panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        panel.wait_for()
        page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current",
                     has_text=f"{LESSON}.ipynb").wait_for()
        # JupyterLab 4 renders only the cells in view: scroll the notebook until a solution
        # cell of the student version (its stub) shows up.
        stub = panel.locator(".jp-CodeCell", has_text="raise NotImplementedError()").first
        scroller = panel.locator(".jp-WindowedPanel-outer")
        for _ in range(200):
            if stub.count() and stub.is_visible():
                break
            scroller.evaluate("el => el.scrollBy(0, el.clientHeight * 0.8)")
            page.wait_for_timeout(100)
        assert stub.is_visible(), "no solution stub found while scrolling through the lesson"
        stub.scroll_into_view_if_needed()
        sync_api.expect(stub).to_be_in_viewport()
        page.screenshot(path=str(shots / "lesson.png"))
    finally:
        page.close()


def answer(course, student, answers):
    """The student edits the fetched lesson through their server's contents API."""
    path = f"/api/contents/{LESSON}/{LESSON}.ipynb"
    r = course.server("GET", student, path)
    assert r.status_code == 200, r.text[:500]
    nb = r.json()["content"]
    given = set()
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
            given.add(grade_id)
    assert given == set(answers), f"solution cells missing in the student version: {set(answers) - given}"
    r = course.server("PUT", student, path, json={"type": "notebook", "format": "json", "content": nb})
    assert r.status_code == 200, r.text[:500]


def assignment_action(course, student, action):
    r = course.server("POST", student, f"/assignments/{action}",
                      data={"course_id": COURSE_ID, "assignment_id": LESSON})
    assert r.status_code == 200, (action, r.status_code, r.text[:2000])
    out = r.json()
    assert out.get("success") is True, (action, out)
    return out


def test_nbgrader_cycle_through_each_users_account(course, chromium, tmp_path):
    t0 = time.monotonic()
    right_student, wrong_student = course.students
    source = nbformat.read(lesson_path(), as_version=4)
    points = check_points(source)
    right = solutions(source)
    wrong = {**right, **WRONG_ANSWERS}
    assert set(WRONG_ANSWERS) < set(right), "the lesson's exercises changed: update WRONG_ANSWERS"

    # --- the instructor sets up the course and releases the lesson -----------------------------
    repo = course.run_dir / "repo"
    course.as_instructor("mkdir", "-p", f"course/source/{LESSON}", cwd=course.home(course.instructor))
    course.as_instructor("cp", str(repo / "nbgrader_config.py"), ".")
    course.as_instructor("cp", str(repo / "notebooks" / f"{LESSON}.ipynb"), f"source/{LESSON}/")
    roster = course.run_dir / "students.csv"
    roster.write_text("id,first_name,last_name\n" + "".join(f"{s},{s},Student\n" for s in course.students))
    os.chmod(roster, 0o644)
    course.nbgrader("db", "student", "import", str(roster))
    course.nbgrader("generate_assignment", LESSON)
    course.nbgrader("release_assignment", LESSON)

    ex = course.exchange / COURSE_ID
    assert (ex / "outbound" / LESSON / f"{LESSON}.ipynb").is_file()
    # students may drop submissions into inbound but not list it, and read what is released
    modes = {d: os.stat(ex / d).st_mode & 0o777 for d in ("inbound", "outbound")}
    assert modes == {"inbound": 0o733, "outbound": 0o755}, modes
    student_env = course.server_env(wrong_student)
    denied = hs.run_as(wrong_student, ["ls", str(ex / "inbound")], student_env)
    assert denied.returncode != 0 and "Permission denied" in denied.stdout, denied.stdout
    assert os.stat(course.exchange).st_mode & 0o7777 == 0o1777, oct(os.stat(course.exchange).st_mode)
    for cmd in (["mv", str(ex), str(course.exchange / "moved")], ["rm", "-rf", str(ex / "outbound")]):
        denied = hs.run_as(wrong_student, cmd, student_env)
        assert denied.returncode != 0 and (ex / "outbound" / LESSON).is_dir(), \
            f"a student could run {cmd}: {denied.stdout}"
    course.timings["release"] = time.monotonic() - t0

    # --- one student fetches and opens the lesson in the browser; the other through the API ------
    t = time.monotonic()
    in_own_thread(fetch_in_chromium, course, chromium, right_student, tmp_path)
    course.timings["chromium"] = time.monotonic() - t
    listed = assignment_action(course, wrong_student, "fetch")["value"]
    assert any(a["assignment_id"] == LESSON and a["status"] == "fetched" for a in listed), listed
    for student in course.students:
        fetched = course.home(student) / LESSON / f"{LESSON}.ipynb"
        assert fetched.is_file() and fetched.stat().st_uid == pwd.getpwnam(student).pw_uid

    # --- they answer; the right one validates; both submit ---------------------------------------
    answer(course, right_student, right)
    answer(course, wrong_student, wrong)
    r = course.server("POST", right_student, "/assignments/validate",
                      data={"path": f"{LESSON}/{LESSON}.ipynb"})
    assert r.status_code == 200, r.text[:1000]
    validated = r.json()
    assert validated.get("success") is True, validated
    assert "failed" not in json.dumps(validated.get("value", "")).lower(), validated
    for student in course.students:
        assignment_action(course, student, "submit")

    # --- the instructor grades ------------------------------------------------------------------
    t = time.monotonic()
    course.nbgrader("collect", LESSON)
    course.nbgrader("autograde", LESSON)
    course.nbgrader("generate_feedback", LESSON)
    course.nbgrader("release_feedback", LESSON)
    course.nbgrader("export")
    course.timings["grading"] = time.monotonic() - t
    # feedback files are found by name (a hash of the submission), the folder is not listable
    assert os.stat(ex / "feedback").st_mode & 0o777 == 0o711

    grades_csv = course.home(course.instructor) / "course" / "grades.csv"
    rows = {row["student_id"]: row for row in csv.DictReader(grades_csv.read_text().splitlines())
            if row["assignment"] == LESSON}
    total = sum(points.values())
    partial = points["backward-ex2-check"]
    got = {s: (float(rows[s]["score"]), float(rows[s]["max_score"])) for s in course.students}
    assert got == {right_student: (total, total), wrong_student: (partial, total)}, got

    # --- the students fetch their feedback ------------------------------------------------------
    for student, score in ((right_student, total), (wrong_student, partial)):
        assignment_action(course, student, "fetch_feedback")
        reports = list((course.home(student) / LESSON / "feedback").glob(f"*/{LESSON}.html"))
        assert len(reports) == 1, reports
        html = reports[0].read_text()
        assert re.search(rf"Score:\s*{score:g}(\.0)?\s*/\s*{total:g}", html), \
            f"{student}'s feedback does not show {score:g} / {total:g}"

    course.timings["cycle"] = time.monotonic() - t0
    hs.log("timings (s): " + ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                       for k, v in course.timings.items()))


# ---------------------------------------------------------------------------------------------
# the Kubernetes configuration says what the tested single-machine configuration says
# ---------------------------------------------------------------------------------------------

class FakeSpawner:
    def __init__(self, groups, environment):
        self.user = type("User", (), {"groups": [type("Group", (), {"name": g})() for g in groups]})()
        self.environment = environment


def config_path_for(hook, groups, site):
    shared = {"TEACHGRAD_EXCHANGE": "/srv/nbgrader/exchange"}
    spawner = FakeSpawner(groups, shared)
    hook(spawner)
    assert shared == {"TEACHGRAD_EXCHANGE": "/srv/nbgrader/exchange"}, "the hook changed a shared dict"
    assert spawner.environment["TEACHGRAD_EXCHANGE"] == "/srv/nbgrader/exchange"
    return [os.path.relpath(p, site) for p in spawner.environment["JUPYTER_CONFIG_PATH"].split(os.pathsep)]


def load_hub_config(source, env=None):
    """Run a JupyterHub config file's code against a fresh traitlets Config (no hub started)."""
    from traitlets.config import Config

    c = Config()
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        exec(compile(source, "<hub config>", "exec"), {"get_config": lambda: c, "c": c})
    finally:
        os.environ.clear()
        os.environ.update(old)
    return c


def test_kubernetes_config_matches_the_tested_single_machine_config():
    import yaml

    values = yaml.safe_load((hs.HUB_DOCS / "config.yaml").read_text())
    single = load_hub_config((hs.HUB_DOCS / "jupyterhub_config.py").read_text(),
                             {"TEACHGRAD_SITE": "/srv/teachgrad"})

    # the same Jupyter config files, mounted under /etc/teachgrad/
    files = values["singleuser"]["extraFiles"]
    mounted = {}
    for entry in files.values():
        rel = os.path.relpath(entry["mountPath"], "/etc/teachgrad")
        mounted[rel] = entry["data"] if "data" in entry else entry["stringData"]
    expected = {}
    for folder in ("jupyter", "jupyter-instructors"):
        for path in sorted((hs.HUB_DOCS / folder).rglob("*")):
            if path.is_file():
                rel = str(path.relative_to(hs.HUB_DOCS))
                text = path.read_text()
                expected[rel] = json.loads(text) if path.suffix == ".json" else text
    assert mounted == expected

    # the same hook: instructors get their folder in front of the course-wide one
    k8s = load_hub_config(values["hub"]["extraConfig"]["teachgrad-course.py"])
    for hook, site in ((single.Spawner.pre_spawn_hook, "/srv/teachgrad"),
                       (k8s.KubeSpawner.pre_spawn_hook, "/etc/teachgrad")):
        assert config_path_for(hook, ["instructors"], site) == ["jupyter-instructors", "jupyter"]
        assert config_path_for(hook, ["students"], site) == ["jupyter"]

    # the same exchange, class and login
    singleuser = values["singleuser"]
    mounts = {m["name"]: m["mountPath"] for m in singleuser["storage"]["extraVolumeMounts"]}
    assert singleuser["extraEnv"]["TEACHGRAD_EXCHANGE"] == mounts["nbgrader-exchange"]
    assert single.Spawner.environment["TEACHGRAD_EXCHANGE"] == "/srv/nbgrader/exchange" == mounts["nbgrader-exchange"]
    hub_config = values["hub"]["config"]
    assert hub_config["JupyterHub"]["authenticator_class"] == single.JupyterHub.authenticator_class
    assert set(hub_config["Authenticator"]["allowed_users"]) == set(single.Authenticator.allowed_users)
    assert hub_config["JupyterHub"]["load_groups"] == single.JupyterHub.load_groups
    assert singleuser["defaultUrl"] == single.Spawner.default_url
