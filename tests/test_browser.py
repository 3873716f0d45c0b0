"""The lessons in a real browser: JupyterLab on a free local port, driven by Playwright in Debian's Chromium.

One JupyterLab server (this Python's kernel, a token, fresh settings and workspace, a temporary copy of the
notebooks) serves every test in this module. Each test opens a lesson, runs all its cells from the Run menu,
waits for the kernel, and checks what a learner would see. Screenshots go to artifacts/browser/.
"""

from __future__ import annotations

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
from conftest import require_program

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# JupyterLab settings for a quiet, deterministic page: every cell in the DOM (no virtual scrolling), no news
# or update checks (no network here), no first-run prompts.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: its base URL, token, notebook folder and log file."""

    def __init__(self, tmp: Path):
        self.dir = tmp / "notebooks"
        shutil.copytree(ROOT / "notebooks", self.dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        settings = tmp / "settings"
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "jupyterlab.log"
        env = {
            **os.environ,
            # nothing from this user's Jupyter or IPython setup: config, kernels, startup files
            "JUPYTER_CONFIG_DIR": str(tmp / "config"),
            "JUPYTER_DATA_DIR": str(tmp / "data"),
            "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
            "IPYTHONDIR": str(tmp / "ipython"),
            "JUPYTER_PLATFORM_DIRS": "1",
        }
        cmd = [
            sys.executable,  # the kernel spec "python3" resolves to this interpreter: the project's venv
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.dir}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",  # no PyPI queries for the extension manager
        ]
        if os.geteuid() == 0:  # CI containers run as root; Jupyter refuses without this
            cmd.append("--allow-root")
        self._log = open(self.log, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=tmp)

    def wait_until_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.read_log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.read_log()}")

    def notebook_url(self, name: str, workspace: str) -> str:
        """`name` opened alone, in a fresh workspace called `workspace`."""
        return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?reset&token={self.token}"

    def read_log(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return require_program("chromium", "apt-get install chromium; .ci/run installs it")


@pytest.fixture(scope="module")
def lab(tmp_path_factory, chromium_path):
    server = Lab(tmp_path_factory.mktemp("jupyterlab"))
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser page; its last view and its console errors are saved with the screenshots."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    messages = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    yield page
    screenshot(page, f"{request.node.name}-last")  # what the page showed at the end, pass or fail
    (ARTIFACTS / f"{request.node.name}-console.txt").write_text("\n".join(messages) + "\n")
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def readme_picture(dashboard) -> Path:
    """The dashboard mid-training without the graph panel below it: docs/dashboard.png is a copy of this file."""
    from PIL import Image

    path = ARTIFACTS / "04_live_dashboard-element.png"
    dashboard.screenshot(path=str(path))
    with Image.open(path) as image:
        picture = image.crop((0, 0, min(image.width, 930), min(image.height, 600)))
    picture.save(path)
    return path


def open_notebook(page, lab: Lab, name: str):
    """Open `name` in JupyterLab and wait until its kernel is idle; returns the notebook panel locator."""
    page.goto(lab.notebook_url(name, workspace=secrets.token_hex(4)))
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".jp-Cell").first.wait_for()
    wait_for_kernel_idle(page)
    return panel


def wait_for_kernel_idle(page, timeout: float = 60_000) -> None:
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
        timeout=timeout
    )


def _menu(page, menu: str, command: str) -> None:
    page.locator(".lm-MenuBar-item", has_text=re.compile(f"^{menu}$")).click()
    page.locator(f".lm-Menu-item[data-command='{command}']").click()


def _prompts_all(page, pattern: str, timeout: float) -> None:
    """Wait until the input prompt of every code cell matches `pattern` (a JS regex)."""
    page.wait_for_function(
        """pattern => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
            return prompts.length > 0 && prompts.every(p => new RegExp(pattern).test(p.textContent.trim()));
        }""",
        arg=pattern,
        timeout=timeout,
    )


def run_all_cells(page, panel, timeout: float = 90_000) -> None:
    """Edit > Clear Outputs of All Cells, then Run > Run All Cells; wait until every code cell shows an
    execution count again and the kernel is idle. (Clearing first: the committed counts cannot pass for new.)"""
    panel.locator(".jp-Notebook").click(position={"x": 5, "y": 5})  # focus the notebook, as a user would
    _menu(page, "Edit", "editmenu:clear-all")
    _prompts_all(page, r"^\[ ?\]:$", 10_000)
    wait_for_kernel_idle(page, timeout)  # the kernel is up before anything is asked of it
    _menu(page, "Run", "runmenu:run-all")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:  # a Run All that lands while the panel is still settling is dropped by JupyterLab: ask once more
        _prompts_any(page, r"^\[(\*|\d+)\]:$", 20_000)
    except PlaywrightTimeout:
        _menu(page, "Run", "runmenu:run-all")
    _prompts_all(page, r"^\[\d+\]:$", timeout)
    wait_for_kernel_idle(page, timeout)


def _prompts_any(page, pattern: str, timeout: float) -> None:
    """Wait until the input prompt of some code cell matches `pattern` (a JS regex): the run has started."""
    page.wait_for_function(
        """pattern => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            return [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                .some(p => new RegExp(pattern).test(p.textContent.trim()));
        }""",
        arg=pattern,
        timeout=timeout,
    )


def test_lesson_01_runs_in_jupyterlab(lab, page):
    from playwright.sync_api import expect

    panel = open_notebook(page, lab, "01_value_and_backprop.ipynb")
    result = panel.get_by_text("dg/db = 645.5772594752")
    expect(result).to_have_count(1)  # the committed output, before anything runs

    run_all_cells(page, panel)  # clears every output first: what we see next comes from this run

    prompts = [p.strip() for p in panel.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()]
    assert prompts == [f"[{i}]:" for i in range(1, len(prompts) + 1)]  # top to bottom on a fresh kernel
    expect(panel.locator("[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    expect(panel.locator("[data-mime-type='application/vnd.jupyter.error']")).to_have_count(0)
    result.scroll_into_view_if_needed()
    expect(result).to_be_visible()
    expect(panel.get_by_text("agree to 1 part in a million: True")).to_be_visible()
    screenshot(page, "01_value_and_backprop")


def _step(counter) -> int:
    """The number on the dashboard's step counter ("step 42")."""
    return int(re.search(r"\d+", counter.inner_text()).group())


def _isolated(centres: list[tuple[float, float]], n_train: int, gap: float = 14.0) -> int:
    """A training point (index > 0; train points come first) with no other dot within `gap` pixels."""
    for i in range(1, n_train):
        x, y = centres[i]
        if all((x - u) ** 2 + (y - v) ** 2 >= gap**2 for j, (u, v) in enumerate(centres) if j != i):
            return i
    raise AssertionError("no isolated training point to click")


def test_lesson_04_dashboard_trains_live(lab, page):
    from playwright.sync_api import expect

    panel = open_notebook(page, lab, "04_live_dashboard.ipynb")
    run_all_cells(page, panel)

    dashboard = panel.locator(".mgx-dashboard").first
    expect(dashboard).to_be_visible()
    wild = panel.locator(".mgx-dashboard").nth(4)  # the learning rate of 10: stopped, and says so in red
    expect(wild.locator(".mgx-status")).to_contain_text("Stopped: training diverged at step 71")
    wild.scroll_into_view_if_needed()
    screenshot(page, "04_live_dashboard-diverged")
    boundary = dashboard.locator("img.mgx-boundary")
    counter = dashboard.locator(".mgx-step-counter")
    play = dashboard.locator("button.mgx-play")
    expect(boundary).to_be_visible()
    expect(counter).to_have_text(re.compile(r"step \d+"))
    expect(panel.locator(".mgx-graph svg").first).to_be_attached()  # the computation graph, drawn by dot
    dashboard.scroll_into_view_if_needed()
    screenshot(page, "04_live_dashboard-ready")

    start = _step(counter)
    play.click()
    expect(play).to_have_text(re.compile("Pause"))
    frames, deadline = {boundary.get_attribute("src")}, time.monotonic() + 30
    while time.monotonic() < deadline and (len(frames) < 6 or _step(counter) < start + 100):
        page.wait_for_timeout(100)
        frames.add(boundary.get_attribute("src"))  # every new PNG gets a new object URL
    screenshot(page, "04_live_dashboard-training")
    readme_picture(dashboard)
    assert _step(counter) > start
    assert len(frames) >= 6, f"the boundary image changed only {len(frames) - 1} times while training"

    play.click()  # Pause
    expect(play).to_have_text(re.compile("Play"))
    page.wait_for_timeout(500)  # the last frame after the pause is on its way
    paused_at = _step(counter)
    page.wait_for_timeout(2000)
    assert _step(counter) == paused_at, "the step counter kept moving after Pause"
    screenshot(page, "04_live_dashboard-paused")

    # A click on a training point shows the graph of its loss (ipyevents brings the click to Python).
    circles = dashboard.locator(".mgx-boundary-points circle")
    sample = dashboard.locator(".mgx-graph-sample input")
    graph = dashboard.locator(".mgx-graph")
    expect(sample).to_have_value("0")
    dots = circles.evaluate_all(
        "cs => cs.map(c => [+c.getAttribute('cx'), +c.getAttribute('cy'), c.getAttribute('stroke')])"
    )
    i = _isolated([(x, y) for x, y, _ in dots], n_train=sum(stroke == "#ffffff" for *_, stroke in dots))
    before = graph.inner_html()
    circles.nth(i).click()
    expect(sample).to_have_value(str(i))
    expect(dashboard.locator(".mgx-boundary-points circle.mgx-selected")).to_have_count(1)
    expect(graph).not_to_have_text(re.compile("^$"))
    for _ in range(50):  # the graph's own message follows the sample box's
        if graph.inner_html() != before:
            break
        page.wait_for_timeout(200)
    assert graph.inner_html() != before, "the graph was not redrawn for the clicked sample"
    screenshot(page, "04_live_dashboard-picked")


# ---- the dashboard's controls, in a notebook of its own ----------------------------------------------------

PROBE_CELLS = [
    "from microgradx.widgets import TrainingDashboard",
    "controls = TrainingDashboard(hidden=(4,), seed=0, speed=1, hide=('engine', 'l2', 'regenerate'))\ncontrols",
    "wide = TrainingDashboard(hidden=(32,) * 6, seed=0)\nwide",
]


def _probe_notebook(lab: Lab) -> str:
    """A notebook of dashboards for the control tests, written into the lab's folder."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in PROBE_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (lab.dir / "dashboard_probe.ipynb").write_text(nbformat.writes(nb))
    return "dashboard_probe.ipynb"


def _steps_per_second(page, counter, seconds: float) -> float:
    start, t0 = _step(counter), time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    return (_step(counter) - start) / (time.monotonic() - t0)


def test_dashboard_controls_in_the_browser(lab, page):
    from playwright.sync_api import expect

    panel = open_notebook(page, lab, _probe_notebook(lab))
    run_all_cells(page, panel)
    dash, wide = panel.locator(".mgx-dashboard").nth(0), panel.locator(".mgx-dashboard").nth(1)
    expect(dash).to_be_visible()
    dash.scroll_into_view_if_needed()

    # hidden controls are absent from the page, the others are there
    expect(dash.locator(".widget-dropdown", has_text="engine")).to_have_count(0)
    expect(dash.locator(".widget-dropdown", has_text="regularization")).to_have_count(0)
    expect(dash.locator("button.mgx-regenerate")).to_have_count(0)
    expect(dash.locator(".widget-dropdown", has_text="activation")).to_have_count(1)

    # a feature toggle changes the network's inputs
    network = dash.locator(".mgx-network")
    before = network.inner_html()
    dash.locator("button.mgx-feature", has_text=re.compile("^X1X2$")).click()
    expect(network).not_to_have_js_property("innerHTML", before)
    page.wait_for_timeout(500)
    assert network.inner_html() != before
    screenshot(page, "dashboard-features")

    # hovering a neuron shows its output large in the output panel
    image = dash.locator("img.mgx-boundary")
    before = image.get_attribute("src")
    dash.locator(".mgx-network .mgx-node[data-layer='1'][data-unit='0']").hover()
    page.wait_for_function("([img, src]) => img.src !== src", arg=[image.element_handle(), before])
    screenshot(page, "dashboard-hover-neuron")
    hovered = image.get_attribute("src")  # the neuron's picture (the update for it has arrived)
    dash.locator(".mgx-step-counter").hover()  # off the network: the output again
    page.wait_for_function("([img, src]) => img.src !== src", arg=[image.element_handle(), hovered])

    # the speed control changes steps per second: 1 step/s, then full speed
    counter, play = dash.locator(".mgx-step-counter"), dash.locator("button.mgx-play")
    play.click()
    expect(play).to_have_text(re.compile("Pause"))
    slow = _steps_per_second(page, counter, 3.0)
    dash.locator(".mgx-speed .noUi-handle").focus()
    page.keyboard.press("End")  # the slider's right end: full speed
    expect(dash.locator(".mgx-speed .widget-readout")).to_have_text("full")
    page.wait_for_timeout(500)
    fast = _steps_per_second(page, counter, 3.0)
    play.click()
    expect(play).to_have_text(re.compile("Play"))
    assert slow <= 2.5 and fast > 5 * max(slow, 1.0), (slow, fast)
    screenshot(page, "dashboard-speed")

    # the layout holds at 6 layers of 32: the layer boxes stay in the network column
    wide.scroll_into_view_if_needed()
    boxes = wide.locator(".mgx-layer-sizes input")
    expect(boxes).to_have_count(6)
    net = wide.locator(".mgx-network").bounding_box()
    out = wide.locator("img.mgx-boundary").bounding_box()
    for i in range(6):
        box = boxes.nth(i).bounding_box()
        assert box["x"] + box["width"] <= out["x"], f"layer box {i} spills into the output column"
    assert net["x"] + net["width"] <= out["x"] + 1, "the network view overlaps the output column"
    screenshot(page, "dashboard-6x32")
