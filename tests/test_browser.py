"""The lessons' widgets in a real browser: JupyterLab + headless Chromium (Debian's), driven by playwright.

One JupyterLab server for the session (free loopback port, random token, a temp copy of notebooks/ as
its root, the kernel of the current Python); for each lesson whose cells use ``teachgrad.widgets``:
open it, clear and run all cells, then click the explorers' controls and assert what a learner must
see. Nothing may show a traceback: error outputs are allowed only in cells tagged
``raises-exception`` (the lessons' deliberate PyTorch errors), never inside a widget, and JupyterLab's
log console (where the output of a failing widget callback would go) must stay empty. Links from a
lesson to one of its own sections (lesson 9's index of messages) must lead to an element with that id.
One lesson of the Japanese edition (notebooks/ja/05, the chain explorer) is opened and clicked the same
way, and its screenshot shows the explorer's Japanese labels, table and drawing (Chromium is given the
Japanese font the lessons install, IPAexGothic from matplotlib-fontja, through a fontconfig file of the
test's own, so that the page's Japanese text renders on a machine without Japanese fonts; the SVG
drawings embed their glyphs anyway). A screenshot of each explorer goes to build/screenshots/ (ignored by git; TEACHGRAD_SCREENSHOTS names
another directory, and ``./run screenshots`` points it at docs/screenshots/ to refresh the README's).

Every control the drivers click (or type into) is timed in the page: from the browser's click (or
Enter) event until the explorer's table, drawing or message last changed for it, painted (the next
animation frame). The test prints each explorer's median and slowest click-to-screen time, and the
whole session's at the end; the figures are reported, not asserted (speed goals live in benchmarks).

Needs a Chromium: TEACHGRAD_CHROMIUM, Debian's /usr/bin/chromium (``./run test`` installs it when run
as root) or Playwright's own (``python -m playwright install chromium``); takes 2-4 minutes. Without
one it skips with a line saying how to get one, except in CI (CI=true) or when screenshots were asked
for, where that is a failure. Outside CI, TEACHGRAD_SKIP_BROWSER=1 skips it; TEACHGRAD_BROWSER_ALL=1
also checks lessons whose widgets are plain ipywidgets of their own.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import chromium_or_skip

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# never docs/screenshots/ by default: a test run must not change tracked files
SHOTS = ROOT / (os.environ.get("TEACHGRAD_SCREENSHOTS") or "build/screenshots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
T = 60_000  # ms: generous; the machine may be busy

def _in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


MUST_RUN = _in_ci() or bool(os.environ.get("TEACHGRAD_SCREENSHOTS"))
if os.environ.get("TEACHGRAD_SKIP_BROWSER", "") not in ("", "0") and not MUST_RUN:
    pytest.skip("TEACHGRAD_SKIP_BROWSER is set", allow_module_level=True)

if MUST_RUN:
    import playwright.sync_api as playwright_api
else:
    playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
expect.set_options(timeout=T)
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook being tested

CHROMIUM = chromium_or_skip("browser test", must_run=MUST_RUN, module=True)

# The Japanese lesson the browser test opens and clicks (its explorer's labels are Japanese).
JAPANESE_LESSON = "ja/05_detach_no_grad_requires_grad.ipynb"

EXPLORER_CALL = re.compile(
    r"\b(ChainExplorer|AccumulationExplorer|TrainingExplorer|SequentialExplorer|TrainingCurveExplorer|"
    r"BackwardStepper|FieldGuideExplorer|GradientFlowExplorer)\(")


def widget_lessons():
    """Lessons with a code cell that uses teachgrad.widgets, and the explorers each one builds.

    With TEACHGRAD_BROWSER_ALL=1, also the lessons with widgets of their own (plain ipywidgets): they
    get the generic checks (run all, no traceback, every button clicked, nothing in the log console).
    """
    every = os.environ.get("TEACHGRAD_BROWSER_ALL", "") not in ("", "0")
    found = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        if any("teachgrad.widgets" in src or (every and "ipywidgets" in src) for src in code):
            kinds = [m.group(1) for src in code for m in EXPLORER_CALL.finditer(src)]
            found.append(pytest.param(path.name, kinds, id=path.stem))
    nb = json.loads((NOTEBOOKS / JAPANESE_LESSON).read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    kinds = [m.group(1) for src in code for m in EXPLORER_CALL.finditer(src)]
    found.append(pytest.param(JAPANESE_LESSON, kinds, id="ja-" + Path(JAPANESE_LESSON).stem))
    return found


LESSONS = widget_lessons()


# ---------------------------------------------------------------------------------------------
# the server and the browser (one each per session)
# ---------------------------------------------------------------------------------------------

def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


class Lab:
    def __init__(self, tmp):
        self.tmp = tmp
        self.root = tmp / "notebooks"
        shutil.copytree(NOTEBOOKS, self.root)
        self.token = secrets.token_hex(24)
        env = dict(os.environ)
        for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                         ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                         ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")):
            env[var] = str(tmp / sub)
            (tmp / sub).mkdir(parents=True, exist_ok=True)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
        env.pop("JUPYTER_PATH", None)
        # the kernel: this very Python (the project's venv)
        _write_json(tmp / "data" / "kernels" / "python3" / "kernel.json", {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python"})
        # quiet, deterministic JupyterLab: every cell in the DOM, no news, no update checks
        _write_json(tmp / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings",
                    {"windowingMode": "none"})
        _write_json(tmp / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
                    {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True})
        self.log = open(tmp / "jupyter.log", "w")
        last = None
        for _attempt in range(3):
            self.port = _free_port()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                 f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                 f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                 "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                 "--ServerApp.open_browser=False"] + (["--allow-root"] if os.geteuid() == 0 else []),
                stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=str(self.root))
            try:
                self._wait_ready()
                return
            except RuntimeError as exc:
                last = exc
                self.stop()
        raise last

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def api(self, path, method="GET"):
        req = urllib.request.Request(f"{self.base}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def _wait_ready(self):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({self.proc.returncode}); see {self.tmp / 'jupyter.log'}")
            try:
                self.api("/api/status")
                return
            except Exception:
                time.sleep(0.5)
        raise RuntimeError("jupyter lab did not start within 90 s")

    def kernel_idle(self, name):
        for s in self.api("/api/sessions") or []:
            if s.get("path", "").endswith(name) and s.get("kernel", {}).get("execution_state") == "idle":
                return True
        return False

    def shutdown_kernels(self):
        for s in self.api("/api/sessions") or []:
            try:
                self.api(f"/api/sessions/{s['id']}", method="DELETE")
            except Exception:
                pass

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    assert LESSONS, "no lesson embeds a teachgrad.widgets explorer: nothing for the browser test to click"
    server = Lab(tmp_path_factory.mktemp("lab"))
    yield server
    log("stopping jupyter lab")
    server.stop()
    server.log.close()
    log("jupyter lab stopped")


def japanese_fontconfig(tmp):
    """A fontconfig file: the system's fonts plus the Japanese font the lessons install (IPAexGothic),
    so that Chromium can draw the Japanese edition's text on a machine without Japanese fonts."""
    from teachgrad.viz import japanese_font_path

    font = japanese_font_path()
    assert font, "matplotlib-fontja (the lessons' Japanese font) is not installed"
    conf = tmp / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{Path(font).parent}</dir>\n  <cachedir>{tmp / 'fontconfig-cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8")
    return conf


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    env = dict(os.environ, FONTCONFIG_FILE=str(japanese_fontconfig(tmp_path_factory.mktemp("fonts"))))
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=env)
        # one context for the session: JupyterLab's scripts come from the HTTP cache after the first lesson
        context = b.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
        yield context
        context.close()
        b.close()
        log("browser closed")


@pytest.fixture
def page(browser_context, lab):
    pg = browser_context.new_page()
    pg.set_default_timeout(T)
    yield pg
    pg.close()
    lab.shutdown_kernels()
    log("page closed, kernels shut down")


# ---------------------------------------------------------------------------------------------
# driving JupyterLab
# ---------------------------------------------------------------------------------------------

_T0 = time.monotonic()


def log(msg):
    """Progress with timestamps: pytest shows it when a test fails."""
    print(f"[{time.monotonic() - _T0:7.1f}s] {msg}", flush=True)


def menu(page, top, item):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$")).click()


def menu_until(page, top, item, done_js, attempts=3, wait_ms=20_000):
    """Choose a menu item until ``done_js`` holds (a click while the page is still busy can get lost)."""
    for attempt in range(attempts):
        menu(page, top, item)
        try:
            page.wait_for_function(done_js, timeout=wait_ms)
            return
        except playwright_api.TimeoutError:
            log(f"{top} > {item}: no effect yet (attempt {attempt + 1})")
            page.keyboard.press("Escape")
    raise AssertionError(f"{top} > {item} had no effect after {attempts} attempts")


def open_and_run(page, lab, name):
    log(f"open {name}")
    # a workspace of its own per lesson: only this notebook is open
    page.goto(f"{lab.base}/lab/workspaces/{Path(name).stem}/tree/{name}?token={lab.token}")
    page.locator(f"{PANEL} .jp-Notebook .jp-Cell").first.wait_for()
    log("notebook shown")
    # a kernel is up and idle before anything runs (asked of the server, and shown by the page)
    deadline = time.monotonic() + 120
    while not lab.kernel_idle(name):
        assert time.monotonic() < deadline, f"no idle kernel for {name} after 120 s"
        page.wait_for_timeout(500)
    page.wait_for_function(
        f"() => {{ const k = document.querySelector('{PANEL} .jp-Notebook-ExecutionIndicator');"
        " return k && k.getAttribute('data-status') === 'idle'; }",
        timeout=120_000)
    log("kernel idle")
    prompts = f"[...document.querySelectorAll('{PANEL} .jp-CodeCell .jp-InputPrompt')]"
    menu_until(page, "Edit", "Clear Outputs of All Cells",
               f"() => {prompts}.every(p => !/\\[\\d+\\]/.test(p.textContent))")
    menu_until(page, "Run", "Run All Cells", f"() => {prompts}.some(p => /\\[(\\d+|\\*)\\]/.test(p.textContent))")
    wait_until_all_ran(page)
    log("all cells ran")


def wait_until_all_ran(page, timeout=300, settle=6.0):
    """Every code cell got an execution count, or nothing changed for `settle` s with the kernel idle.

    (When a cell tagged raises-exception fails, JupyterLab clears the [*] of the queued cells although
    the kernel goes on running them, so the prompts alone do not say when the run is over.)
    """
    state_js = """(panel) => {
        const ps = [...document.querySelectorAll(panel + ' .jp-CodeCell .jp-InputPrompt')];
        const k = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
        return {total: ps.length, ran: ps.filter(p => /\\[\\d+\\]/.test(p.textContent)).length,
                running: ps.some(p => p.textContent.includes('*')),
                idle: !!k && k.getAttribute('data-status') === 'idle'};
    }"""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        st = page.evaluate(state_js, PANEL)
        if st["total"] and st["ran"] == st["total"]:
            return
        key = (st["ran"], st["running"], st["idle"])
        if key != last:
            last, since = key, time.monotonic()
        elif st["idle"] and not st["running"] and st["ran"] and time.monotonic() - since > settle:
            return  # stopped: the assertions below say where
        page.wait_for_timeout(250)
    raise AssertionError(f"the notebook did not finish running within {timeout} s: {st}")


def tracebacks_outside_tagged_cells(page, lab, name):
    """Indices of cells showing an error/traceback that are not tagged raises-exception."""
    nb = json.loads((lab.root / name).read_text(encoding="utf-8"))  # the copy being served
    tagged = [("raises-exception" in c.get("metadata", {}).get("tags", [])) for c in nb["cells"]]
    shown = page.evaluate(
        """(panel) => [...document.querySelectorAll(panel + ' .jp-Notebook .jp-Cell')].map(cell => {
            const err = [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
                .map(e => e.innerText).join('\\n');
            const text = cell.querySelector('.jp-Cell-outputWrapper')?.innerText || '';
            return {err, traceback: /Traceback/.test(text) || /Traceback|Error/.test(err)};
        })""", PANEL)
    assert len(shown) == len(tagged), "every cell of the notebook is in the DOM"
    return [(i, s["err"][:400]) for i, (s, ok) in enumerate(zip(shown, tagged)) if s["traceback"] and not ok]


def unran_cells(page):
    return page.evaluate(
        """(panel) => [...document.querySelectorAll(panel + ' .jp-Notebook .jp-Cell')].map((c, i) => [i, c])
            .filter(([i, c]) => c.classList.contains('jp-CodeCell')
                && !/\\[\\d+\\]/.test(c.querySelector('.jp-InputPrompt').textContent)).map(([i]) => i)""", PANEL)


# ---------------------------------------------------------------------------------------------
# the explorers
# ---------------------------------------------------------------------------------------------

# --- click-to-screen latency ------------------------------------------------------------------

LATENCIES = []  # (explorer label, control, seconds)

# Installed once per explorer: the time of the browser's click / Enter event on a control, and of the
# first animation frame after each change of the explorer's table, drawing or message.
_LATENCY_JS = """(root) => {
    if (root.__tgLatency) return;
    const st = root.__tgLatency = {armed: false, t0: null, first: null, last: null};
    const start = (e) => {
        if (!st.armed || e.target.closest('.tg-table, .tg-plot, .tg-message')) return;
        if (e.type === 'keydown' && !['Enter', 'ArrowLeft', 'ArrowRight'].includes(e.key)) return;
        st.armed = false; st.t0 = performance.now();
    };
    root.addEventListener('click', start, true);
    root.addEventListener('keydown', start, true);
    root.addEventListener('change', start, true);  // a dropdown's new choice
    const shown = (node) => {
        const el = node.nodeType === 1 ? node : node.parentElement;
        return el && el.closest('.tg-table, .tg-plot, .tg-message');
    };
    new MutationObserver((records) => {
        if (st.t0 === null || !records.some(r => shown(r.target))) return;
        requestAnimationFrame(() => {
            const t = performance.now();
            if (st.first === null) st.first = t;
            st.last = t;
        });
    }).observe(root, {subtree: true, childList: true, characterData: true, attributes: true,
                      attributeFilter: ['src']});
}"""


def timed(page, ex, label, control, action, timeout=20):
    """Do ``action`` (a click, an Enter or a dropdown choice on one of ``ex``'s controls) and record how long the
    explorer took to show its answer: until its last change before the kernel went idle again."""
    ex.evaluate(_LATENCY_JS)
    ex.evaluate("(root) => Object.assign(root.__tgLatency, {armed: true, t0: null, first: null, last: null})")
    action()
    deadline = time.monotonic() + timeout
    while ex.evaluate("(root) => root.__tgLatency.last") is None:
        if time.monotonic() > deadline:
            log(f"latency: no change shown for {label}: {control}")
            return None
        page.wait_for_timeout(20)
    wait_kernel_idle(page)
    page.wait_for_timeout(50)  # a change arriving with the idle message gets its animation frame
    st = ex.evaluate("(root) => root.__tgLatency")
    seconds = (st["last"] - st["t0"]) / 1000
    LATENCIES.append((label, control, seconds))
    return seconds


def wait_kernel_idle(page, timeout=120):
    deadline = time.monotonic() + timeout
    while not page.evaluate(
            "(panel) => document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator')"
            ".getAttribute('data-status') === 'idle'", PANEL):
        assert time.monotonic() < deadline, "the kernel stayed busy"
        page.wait_for_timeout(20)


def latency_report(rows, title):
    import statistics

    if not rows:
        return f"{title}: no control timed"
    times = [t for *_, t in rows]
    slowest = max(rows, key=lambda r: r[2])
    where = slowest[1] if slowest[0] == title else f"{slowest[0]}: {slowest[1]}"
    return (f"{title}: click-to-screen over {len(rows)} clicks: median {statistics.median(times) * 1000:.0f} ms, "
            f"slowest {slowest[2] * 1000:.0f} ms ({where})")


def checkbox(ex, name):
    return ex.locator(f".tg-{name} input[type=checkbox]")


def set_checkbox(ex, name, value, page=None, label=None):
    """Tick or untick; with ``page`` and ``label`` a click is timed (see :func:`timed`)."""
    box = checkbox(ex, name)
    if box.is_checked() != value:
        if page is None:
            box.click()
        else:
            timed(page, ex, label, name, box.click)
        expect(box).to_be_checked(checked=value)


def click(page, ex, label, name, locator):
    """Click one of the explorer's controls, timed."""
    timed(page, ex, label, name, locator.click)


def type_into_readout(page, ex, label, name, text):
    """Type a value into a slider's readout and press Enter (the Enter is timed, when it changes the
    value)."""
    readout = ex.locator(f".tg-{name} .widget-readout")
    if readout.inner_text().strip() == text:
        return
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    timed(page, ex, label, name, lambda: page.keyboard.press("Enter"))


def select_on_slider(page, ex, name, value, label=None):
    """Move a selection slider (whose readout cannot be typed into) to ``value`` with the arrow keys;
    with ``label`` every key press is timed."""
    handle = ex.locator(f".tg-{name} .noUi-handle")
    readout = ex.locator(f".tg-{name} .widget-readout")
    for _ in range(30):
        shown = float(readout.inner_text().strip())
        if shown == value:
            return
        key = "ArrowLeft" if shown > value else "ArrowRight"
        before = readout.inner_text()
        handle.focus()
        if label is None:
            page.keyboard.press(key)
        else:
            timed(page, ex, label, name, lambda: page.keyboard.press(key))
        expect(readout).not_to_have_text(before)
    raise AssertionError(f"could not move {name} to {value}")


def table(ex):
    return ex.locator(".tg-table pre")


def wait_table(ex, *parts, absent=()):
    """Wait until the table shows every part (kernel round trip), then return its text."""
    loc = table(ex)
    for p in parts:
        expect(loc).to_contain_text(p)
    for p in absent:
        expect(loc).not_to_contain_text(p)
    return loc.inner_text()


def plot_src(ex):
    img = ex.locator("img.tg-plot").first
    expect(img).to_be_visible()
    return img.get_attribute("src")


def wait_plot_changed(page, ex, old):
    """The drawing was replaced by a new one that the browser could decode."""
    page.wait_for_function("([i, old]) => i.src !== old && i.complete && i.naturalWidth > 0",
                           arg=[ex.locator("img.tg-plot").first.element_handle(), old])


def shot(ex, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    ex.scroll_into_view_if_needed()
    ex.screenshot(path=str(SHOTS / f"{name}.png"))


def message(ex):
    return ex.locator(".tg-message pre")


def drive_chain(page, ex, label):
    leaves = "abcdefx"
    for k in leaves:
        set_checkbox(ex, f"requires_grad_{k}", True, page, label)
    for k in ("detach_y", "detach_z", "no_grad_y", "no_grad_z"):
        set_checkbox(ex, k, False, page, label)
    wait_table(ex, "a  935.0", "b  55.0", "c  407.0", "d  11.0", "e  192.0", "f  1.0", "x  110.0")
    before = plot_src(ex)
    # requires_grad=False on c: only c loses its gradient; the graph is not cut
    click(page, ex, label, "requires_grad_c", checkbox(ex, "requires_grad_c"))
    text = wait_table(ex, "c  None")
    for row in ("a  935.0", "b  55.0", "x  110.0", "d  11.0", "e  192.0", "f  1.0"):
        assert row in text
    wait_plot_changed(page, ex, before)
    shot(ex, f"{label}_requires_grad_c_off")
    # y.detach(): a, b, x lose theirs too
    before = plot_src(ex)
    click(page, ex, label, "detach_y", checkbox(ex, "detach_y"))
    text = wait_table(ex, "a  None", "b  None", "x  None")
    assert "d  11.0" in text and "e  192.0" in text and "c  None" in text
    wait_plot_changed(page, ex, before)
    set_checkbox(ex, "detach_y", False, page, label)
    set_checkbox(ex, "requires_grad_c", True, page, label)
    wait_table(ex, "a  935.0", "c  407.0")
    # no_grad around z: only e and f get gradients
    click(page, ex, label, "no_grad_z", checkbox(ex, "no_grad_z"))
    text = wait_table(ex, "a  None", "c  None", "d  None", "e  192.0", "f  1.0")
    shot(ex, f"{label}_no_grad_z")
    set_checkbox(ex, "no_grad_z", False, page, label)
    # no_grad around y and y.detach(): the other two toggles, each on and off again
    for k in ("no_grad_y", "detach_z"):
        set_checkbox(ex, k, True, page, label)
        set_checkbox(ex, k, False, page, label)
    # nothing requires grad: backward's error appears as a friendly message, not a traceback
    for k in leaves:
        set_checkbox(ex, f"requires_grad_{k}", False, page, label)
    wait_table(ex, "requires_grad=False")
    expect(message(ex)).to_contain_text("element 0 of tensors does not require grad")
    expect(message(ex)).to_contain_text("Nothing in this computation requires grad")
    for k in leaves:
        set_checkbox(ex, f"requires_grad_{k}", True, page, label)
    wait_table(ex, "a  935.0", "w = 2125.0, requires_grad=True")
    expect(ex.locator(".tg-message")).to_have_text("")


def drive_accumulation(page, ex, label):
    click(page, ex, label, "new_graph", ex.locator("button.tg-new_graph"))
    expect(message(ex)).to_contain_text("New graph")
    set_checkbox(ex, "retain_graph", True)  # read when backward is pressed: nothing to show, not timed
    click(page, ex, label, "zero_grad", ex.locator("button.tg-zero_grad"))
    expect(message(ex)).to_contain_text(re.compile(r"inp\.grad(\.zero_\(\) set every entry| is None)"))
    calls = int(re.search(r"backward calls: (\d+)", table(ex).inner_text()).group(1))
    click(page, ex, label, "backward", ex.locator("button.tg-backward"))
    wait_table(ex, f"backward calls: {calls + 1}", "tensor([[4., 2., 2., 2., 2.],")
    click(page, ex, label, "backward", ex.locator("button.tg-backward"))  # twice with retain_graph: doubled
    wait_table(ex, f"backward calls: {calls + 2}", "tensor([[8., 4., 4., 4., 4.],")
    shot(ex, f"{label}_backward_twice")
    set_checkbox(ex, "retain_graph", False)
    click(page, ex, label, "backward", ex.locator("button.tg-backward"))  # frees the graph
    wait_table(ex, f"backward calls: {calls + 3}", "tensor([[12.,  6.,  6.,  6.,  6.],")
    click(page, ex, label, "backward", ex.locator("button.tg-backward"))  # ... so this one fails, politely
    expect(message(ex)).to_contain_text("Trying to backward through the graph a second time")
    expect(message(ex)).to_contain_text("Tick retain_graph")
    text = wait_table(ex, f"backward calls: {calls + 3}", "tensor([[12.,  6.,  6.,  6.,  6.],")
    assert "Traceback" not in text
    shot(ex, f"{label}_second_backward_error")
    click(page, ex, label, "zero_grad", ex.locator("button.tg-zero_grad"))
    wait_table(ex, "tensor([[0., 0., 0., 0., 0.],")
    set_checkbox(ex, "retain_graph", True)


def _final_loss(text):
    return float(text.strip().splitlines()[-1].split()[1])


def drive_training(page, ex, label):
    set_checkbox(ex, "zero_grad", True, page, label)
    type_into_readout(page, ex, label, "steps", "50")
    good = wait_table(ex, "zero_grad=True", "steps=50")
    before = plot_src(ex)
    click(page, ex, label, "zero_grad", checkbox(ex, "zero_grad"))  # forget zero_grad: gradients pile up
    bad = wait_table(ex, "zero_grad=False")
    assert _final_loss(bad) > 1000 * _final_loss(good)
    expect(message(ex)).to_contain_text(re.compile("Without zero_grad|blew up"))
    wait_plot_changed(page, ex, before)
    shot(ex, f"{label}_without_zero_grad")
    click(page, ex, label, "zero_grad", checkbox(ex, "zero_grad"))
    wait_table(ex, "zero_grad=True")
    # typing a number of steps into the slider's readout reruns the loop
    type_into_readout(page, ex, label, "steps", "10")
    text = wait_table(ex, "steps=10")
    assert text.strip().splitlines()[-1].split()[0] == "10"
    # the other two sliders, by their readouts
    type_into_readout(page, ex, label, "momentum", "0.5")
    wait_table(ex, "momentum=0.5")
    select_on_slider(page, ex, "lr", 0.02, label)
    wait_table(ex, "lr=0.02")


def drive_sequential(page, ex, label):
    for k in ("freeze_0", "freeze_2", "input_requires_grad"):
        set_checkbox(ex, k, False, page, label)
    wait_table(ex, "0.weight  grad shape (4, 2)", "input     None")
    click(page, ex, label, "input_requires_grad", checkbox(ex, "input_requires_grad"))
    wait_table(ex, "input     grad shape (2, 2)")
    click(page, ex, label, "freeze_0", checkbox(ex, "freeze_0"))
    text = wait_table(ex, "0.weight  None", "0.bias    None")
    assert "2.weight  grad shape (1, 4)" in text and "input     grad shape (2, 2)" in text
    shot(ex, f"{label}_freeze_0")
    click(page, ex, label, "input_requires_grad", checkbox(ex, "input_requires_grad"))
    click(page, ex, label, "freeze_2", checkbox(ex, "freeze_2"))  # nothing requires grad any more
    wait_table(ex, "model(x): requires_grad=False, grad_fn=None")
    expect(message(ex)).to_contain_text("element 0 of tensors does not require grad")
    for k in ("freeze_0", "freeze_2"):
        set_checkbox(ex, k, False, page, label)
    wait_table(ex, "model(x): requires_grad=True, grad_fn=AddmmBackward0")


def drive_training_curve(page, ex, label):
    """Lesson 7's explorer: choose an optimizer, a learning rate and a number of steps, press train."""
    optimizer = ex.locator(".tg-optimizer select")
    optimizer.select_option("Adam")
    select_on_slider(page, ex, "lr", 0.05)  # read when train is pressed: nothing to show, not timed
    ex.locator(".tg-steps .widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("100")
    page.keyboard.press("Enter")
    before = plot_src(ex)
    click(page, ex, label, "train (Adam, 100 steps)", ex.locator("button.tg-train"))
    text = wait_table(ex, "Adam, lr=0.05, 100 steps")
    final = float(text.strip().splitlines()[-1].split()[-1])
    assert 0 < final < 0.2, text
    wait_plot_changed(page, ex, before)
    expect(ex.locator(".tg-message")).to_have_text("")
    shot(ex, f"{label}_adam")
    optimizer.select_option("SGD")
    select_on_slider(page, ex, "lr", 0.2)
    click(page, ex, label, "train (SGD, lr too large)", ex.locator("button.tg-train"))
    wait_table(ex, "SGD, lr=0.2, 100 steps", "final train loss    nan")
    expect(message(ex)).to_contain_text("learning rate is too large")
    shot(ex, f"{label}_sgd_too_large")


def log_entries(page, name):
    """How many messages JupyterLab's log console holds for this notebook.

    Output of a widget callback (a print, or the traceback of an exception it raised) has no cell to
    go to, so JupyterLab puts it in the log console; the status bar item's title counts it.
    """
    titles = page.evaluate("() => [...document.querySelectorAll('.jp-LogConsoleStatusItem [title]')]"
                           ".map(e => e.getAttribute('title'))")
    for title in titles:
        m = re.search(r"(\d+) log entries for (.+)$", title)
        if m and m.group(2) == name:
            return int(m.group(1))
    return 0


def log_console_text(page):
    menu(page, "View", "Show Log Console")
    panel = page.locator(".jp-LogConsolePanel").first
    panel.wait_for()
    page.wait_for_timeout(500)
    return panel.inner_text()


def smoke_other_widgets(page):
    """Click every button and toggle every checkbox of widgets that are not explorers (each twice)."""
    n = page.evaluate(
        """(panel) => {
            const els = [...document.querySelectorAll(panel + ' .jp-OutputArea button.jupyter-button, '
                                                       + panel + ' .jp-OutputArea .widget-checkbox input')]
                .filter(e => !e.closest('.tg-explorer'));
            els.forEach((e, i) => e.setAttribute('data-tg-smoke', String(i)));
            return els.length;
        }""", PANEL)
    for i in range(n):
        el = page.locator(f'[data-tg-smoke="{i}"]')
        log(f"smoke: click {el.evaluate('e => e.textContent || e.type')!r}")
        el.click()
        if el.evaluate("e => e.type === 'checkbox'"):
            el.click()
    if n:
        deadline = time.monotonic() + 120
        page.wait_for_timeout(500)
        while not page.evaluate(
                "(panel) => document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator')"
                ".getAttribute('data-status') === 'idle'", PANEL):
            assert time.monotonic() < deadline, "the kernel stayed busy after the clicks"
            page.wait_for_timeout(250)
    return n


def drive_backward_stepper(page, ex, label):
    """Lesson 8's stepper on the diamond: h's pending gradient fills from two nodes, then empties."""
    click(page, ex, label, "reset", ex.locator("button.tg-reset"))
    wait_table(ex, "ran 0 of 8 nodes")
    expect(message(ex)).to_contain_text("Press 'next node'")
    before = plot_src(ex)
    for _ in range(2):
        click(page, ex, label, "next", ex.locator("button.tg-next"))
    wait_table(ex, "ran 2 of 8 nodes", "pending: {hb: 1.0, h: 7.0, c2.grad: 6.0}")
    wait_plot_changed(page, ex, before)
    for _ in range(2):
        click(page, ex, label, "next", ex.locator("button.tg-next"))
    wait_table(ex, "ran 4 of 8 nodes", "pending: {h: 12.0, b2.grad: 6.0}")
    shot(ex, f"{label}_pending_12")
    click(page, ex, label, "run", ex.locator("button.tg-run"))
    wait_table(ex, "backward is done", "pending: {}", "a2=36.0, x2=24.0, b2=6.0, c2=6.0")
    expect(message(ex)).to_contain_text("Backward is done")
    ex.locator("button.tg-next").click()  # nothing left to run: the widget stays as it is
    wait_kernel_idle(page)
    wait_table(ex, "backward is done")


def drive_chain_japanese(page, ex, label):
    """The chain explorer of the Japanese edition: Japanese labels, table lines and messages (PyTorch's
    own error stays English), the same gradients."""
    expect(ex).to_contain_text("勾配を止める:")
    expect(ex.locator(".tg-no_grad_z")).to_contain_text("z を no_grad で囲む")
    expect(ex.locator(".tg-no_grad_y")).to_contain_text("y を no_grad で囲む")
    for k in "abcdefx":
        set_checkbox(ex, f"requires_grad_{k}", True, page, label)
    for k in ("detach_y", "detach_z", "no_grad_y", "no_grad_z"):
        set_checkbox(ex, k, False, page, label)
    wait_table(ex, "a  935.0", "c  407.0", "x  110.0")
    before = plot_src(ex)
    click(page, ex, label, "no_grad_z", checkbox(ex, "no_grad_z"))
    wait_table(ex, "a  None", "c  None", "d  None", "e  192.0", "f  1.0")
    wait_plot_changed(page, ex, before)
    shot(ex, f"{label}_no_grad_z")
    set_checkbox(ex, "no_grad_z", False, page, label)
    for k in "abcdefx":
        set_checkbox(ex, f"requires_grad_{k}", False, page, label)
    expect(message(ex)).to_contain_text("w.backward() が失敗しました: RuntimeError: element 0 of tensors does not "
                                        "require grad")
    expect(message(ex)).to_contain_text("requires_grad が True のテンソルがない")
    shot(ex, f"{label}_nothing_requires_grad")
    for k in "abcdefx":
        set_checkbox(ex, f"requires_grad_{k}", True, page, label)
    wait_table(ex, "a  935.0", "w = 2125.0, requires_grad=True")
    expect(ex.locator(".tg-message")).to_have_text("")


DRIVERS_JA = {"ChainExplorer": drive_chain_japanese}


def choose(page, ex, label, name, value):
    """Pick the option ``value`` (its label, as the dropdown shows it) in the explorer's dropdown
    ``name``; timed, when it changes the choice."""
    select = ex.locator(f".tg-{name} select")
    if select.input_value() != value:
        timed(page, ex, label, name, lambda: select.select_option(label=value))
        expect(select).to_have_value(value)


def case(key):
    """The field guide explorer's dropdown label for a case."""
    from teachgrad.widgets import field_guide_options

    return dict((k, text) for text, k in field_guide_options())[key]


def init(key):
    from teachgrad.explorers import INIT_LABELS

    return INIT_LABELS[key]


def drive_field_guide(page, ex, label):
    """Lesson 9's explorer: a message, the code that triggers it, the fix ticked and unticked."""
    set_checkbox(ex, "fix", False, page, label)
    choose(page, ex, label, "case", case("no-grad"))
    wait_table(ex, "fix applied: no", "raised:  RuntimeError: element 0 of tensors does not require grad")
    expect(message(ex)).to_contain_text("What autograd was protecting")
    expect(ex.locator(".tg-code pre")).to_contain_text("with torch.no_grad():")
    before = plot_src(ex)
    set_checkbox(ex, "fix", True, page, label)
    wait_table(ex, "fix applied: yes", "model.weight.grad: tensor(", "raised:  nothing")
    expect(message(ex)).to_contain_text("Fixed:")
    wait_plot_changed(page, ex, before)
    before = plot_src(ex)
    choose(page, ex, label, "case", case("version"))
    wait_table(ex, "a.grad: tensor([0.1966, 0.1050, 0.0452])")
    wait_plot_changed(page, ex, before)
    set_checkbox(ex, "fix", False, page, label)
    wait_table(ex, "which is output 0 of Sigmoid, is at version 1; expected version 0 instead")
    expect(ex.locator(".tg-code pre")).to_contain_text("nn.ReLU(inplace=True)")
    shot(ex, f"{label}_version")
    choose(page, ex, label, "case", case("total-loss"))
    wait_table(ex, "step 2 graph nodes kept: 14")
    set_checkbox(ex, "fix", True, page, label)
    wait_table(ex, "step 2 graph nodes kept: 0")
    choose(page, ex, label, "case", case("mat-shapes"))
    set_checkbox(ex, "fix", False, page, label)
    wait_table(ex, "mat1 and mat2 shapes cannot be multiplied (224x28 and 784x10)")
    # every message, broken and fixed: an outcome in the table, never "Something went wrong"
    from teachgrad.widgets import field_guide_options

    for text, _key in field_guide_options():
        choose(page, ex, label, "case", text)
        for fixed in (True, False):
            set_checkbox(ex, "fix", fixed, page, label)
            wait_table(ex, f"fix applied: {'yes' if fixed else 'no'}", "raised:  ")
            expect(message(ex)).not_to_contain_text("Something went wrong")


def drive_gradient_flow(page, ex, label):
    """Lesson 10's explorer: depth, activation and initialisation redraw the per-layer norms."""
    choose(page, ex, label, "activation", "sigmoid")
    choose(page, ex, label, "init", init("default"))
    type_into_readout(page, ex, label, "depth", "10")
    wait_table(ex, "depth=10, activation=sigmoid, init=default", "layer 1 / layer 10: 4.7e-09",
               "verdict: vanishing")
    expect(message(ex)).to_contain_text("Vanishing")
    before = plot_src(ex)
    choose(page, ex, label, "activation", "relu")
    choose(page, ex, label, "init", init("kaiming"))
    wait_table(ex, "activation=relu, init=kaiming", "verdict: healthy")
    wait_plot_changed(page, ex, before)
    shot(ex, f"{label}_relu_kaiming")
    type_into_readout(page, ex, label, "depth", "30")
    wait_table(ex, "depth=30, activation=relu, init=kaiming", "verdict: healthy")
    choose(page, ex, label, "init", init("normal"))
    wait_table(ex, "depth=30, activation=relu, init=normal", "verdict: exploding")
    expect(message(ex)).to_contain_text("overflowed float32 to inf")
    choose(page, ex, label, "activation", "sigmoid")
    choose(page, ex, label, "init", init("default"))
    wait_table(ex, "depth=30, activation=sigmoid, init=default", "verdict: vanishing")
    expect(message(ex)).to_contain_text("underflowed float32 to exactly 0")
    shot(ex, f"{label}_sigmoid_30")
    for depth in ("1", "2", "20"):
        type_into_readout(page, ex, label, "depth", depth)
        wait_table(ex, f"depth={depth}, ")
    choose(page, ex, label, "activation", "tanh")
    choose(page, ex, label, "init", init("xavier"))
    wait_table(ex, "depth=20, activation=tanh, init=xavier", "verdict: healthy")


def check_internal_links(page):
    """Links to a section of the same notebook (lesson 9's index) lead to an element with that id
    (JupyterLab keeps it as data-jupyter-id); following the last one brings it into view. JupyterLab's
    own ¶ links next to the headings are left out."""
    links = f"{PANEL} .jp-RenderedMarkdown a[href^='#']:not(.jp-InternalAnchorLink)"
    hrefs = page.locator(links).evaluate_all("(links) => links.map(a => a.getAttribute('href'))")
    if not hrefs:
        return 0

    def target(href):
        key = href[1:]
        return page.locator(f'{PANEL} [data-jupyter-id="{key}"], {PANEL} [id="{key}"]').first

    missing = [h for h in hrefs if target(h).count() == 0]
    assert not missing, f"links to sections that do not exist: {missing}"
    page.locator(links).last.click()
    expect(target(hrefs[-1])).to_be_in_viewport()
    return len(hrefs)


DRIVERS = {"ChainExplorer": drive_chain, "AccumulationExplorer": drive_accumulation,
           "TrainingExplorer": drive_training, "SequentialExplorer": drive_sequential,
           "TrainingCurveExplorer": drive_training_curve, "BackwardStepper": drive_backward_stepper,
           "FieldGuideExplorer": drive_field_guide, "GradientFlowExplorer": drive_gradient_flow}


class _LatencySummary:
    """A plugin registered by the fixture below: pytest's terminal summary gets the figures."""

    def pytest_terminal_summary(self, terminalreporter):
        if not LATENCIES:
            return
        terminalreporter.section("explorers: click-to-screen in JupyterLab (reported, not asserted)")
        for label in dict.fromkeys(r[0] for r in LATENCIES):
            terminalreporter.write_line(latency_report([r for r in LATENCIES if r[0] == label], label))
        terminalreporter.write_line(latency_report(LATENCIES, "all explorers"))


@pytest.fixture(scope="session")
def latency_summary(request):
    """The click-to-screen figures; pytest prints them per explorer and overall at the end."""
    plugins = request.config.pluginmanager
    if not plugins.has_plugin("teachgrad-latency-summary"):
        plugins.register(_LatencySummary(), "teachgrad-latency-summary")
    return LATENCIES


@pytest.mark.parametrize("name, kinds", LESSONS)
def test_lesson_widgets_in_the_browser(page, lab, latency_summary, name, kinds):
    open_and_run(page, lab, name)
    assert tracebacks_outside_tagged_cells(page, lab, name) == []
    assert unran_cells(page) == [], "every code cell ran"
    links = check_internal_links(page)
    if links:
        log(f"{links} links to sections of the lesson lead to them")
    japanese = name.startswith("ja/")
    stem = ("ja_" if japanese else "") + Path(name).stem
    drivers = DRIVERS_JA if japanese else DRIVERS
    for kind in sorted(set(kinds)):
        explorers = page.locator(f"{PANEL} .tg-explorer.tg-{kind}")
        expect(explorers).to_have_count(kinds.count(kind))
        for i in range(kinds.count(kind)):
            ex = explorers.nth(i)
            expect(ex.locator(".tg-table pre")).to_be_visible()
            label = f"{stem}_{kind}" + (f"_{i}" if i else "")
            log(f"drive {label}")
            drivers[kind](page, ex, label)
            log(f"done {label}")
            text = ex.inner_text()
            assert "Traceback" not in text and "Something went wrong" not in text and "問題が起きました" not in text
            print(latency_report([r for r in latency_summary if r[0] == label], label))
    smoke_other_widgets(page)
    assert page.locator(f"{PANEL} >> text=Error displaying widget").count() == 0
    assert tracebacks_outside_tagged_cells(page, lab, name) == []
    if log_entries(page, name):  # a callback printed or raised: show what
        pytest.fail("widget callbacks wrote to the log console:\n" + log_console_text(page))
