"""The live graph in a real browser: JupyterLab and Debian's Chromium driven by Playwright, as in test_browser.py.

A generated notebook trains a model in a background thread and repaints a `GraphWidget` after every step
(what the dashboard's graph panel does between two steps). The browser must see the numbers change while
every box stays where it is, the drawing fit its column, and the replay's highlight move. Lesson 04's
dashboard panel must fit its column too. Screenshots go to artifacts/browser/.
"""

from __future__ import annotations

import re
import time

import nbformat
import pytest
from test_browser import Lab, browser, chromium_path, open_notebook, page, run_all_cells, screenshot  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

LIVE_NOTEBOOK = "graph_live.ipynb"
LIVE_CELLS = [
    """\
import threading, time
from microgradx.data import moons
from microgradx.train import Trainer
from microgradx.widgets import GraphWidget
from microgradx.widgets.dashboard import build_model

data = moons(100, noise=0.1, seed=0)
model = build_model(2, (4, 4), engine="scalar", seed=0)
graph = GraphWidget(model=model, data=data, sample=3, collapse="neuron")
graph""",
    """\
trainer = Trainer(model, "hinge", "sgd", data, lr=0.05, seed=0)
done = threading.Event()

def train(seconds=8.0):  # as the dashboard does: a step, then the graph's frame, between two steps
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        trainer.fit(1)
        graph.update()
        time.sleep(0.03)
    done.set()

threading.Thread(target=train, daemon=True).start()""",
]

DASH_NOTEBOOK = "graph_dashboard.ipynb"
DASH_CELLS = [  # the dashboard's own Play: its graph panel is repainted between two steps, on every frame
    """\
from microgradx.widgets import TrainingDashboard

dash = TrainingDashboard(hidden=(4,), engine="scalar", graph=True, seed=0, speed=30)
dash""",
    "dash.play()",
]

CLASSES_NOTEBOOK = "graph_classes.ipynb"
CLASSES_CELLS = [  # three classes on the scalar engine: the panel's graph ends in the k-class cross-entropy
    """\
from microgradx.widgets import TrainingDashboard

dash = TrainingDashboard(dataset="spiral", classes=3, hidden=(4,), engine="scalar", graph=True, seed=0, speed=30)
dash""",
    "dash.play()",
]

STATE = """el => {
    const svg = el.querySelector('svg');
    if (!svg) return null;
    const texts = [...svg.querySelectorAll('[data-t]')].map(t => t.textContent).join('|');
    const boxes = [...svg.querySelectorAll('[data-b]')].map(b => {
        const r = b.getBBox();
        return [r.x, r.y, r.width, r.height].map(v => v.toFixed(1)).join(',');
    }).join(';');
    const hot = svg.querySelector('[data-b][stroke-width="3"]');
    const s = svg.getBoundingClientRect();
    const cell = el.closest('.jp-OutputArea-output') || el.parentElement;
    const c = cell.getBoundingClientRect();
    let hotIn = null;
    if (hot) {
        const h = hot.getBoundingClientRect(), v = el.querySelector('.mgx-graph-box').getBoundingClientRect();
        hotIn = h.left >= v.left - 1 && h.right <= v.right + 1 && h.top >= v.top - 1 && h.bottom <= v.bottom + 1;
    }
    return {texts, boxes, hot: hot ? hot.dataset.b : null, hotIn,
            svgLeft: s.left, svgRight: s.right, svgWidth: s.width, svgHeight: s.height,
            cellLeft: c.left, cellRight: c.right};
}"""


def write_notebook(folder, name: str, cells: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, str(folder / name))


@pytest.fixture(scope="module")
def lab(tmp_path_factory, chromium_path):  # noqa: F811
    server = Lab(tmp_path_factory.mktemp("jupyterlab"))
    try:
        server.wait_until_up()
        write_notebook(server.dir, LIVE_NOTEBOOK, LIVE_CELLS)
        write_notebook(server.dir, DASH_NOTEBOOK, DASH_CELLS)
        write_notebook(server.dir, CLASSES_NOTEBOOK, CLASSES_CELLS)
        yield server
    finally:
        server.stop()


def fits(state) -> bool:
    return state["svgLeft"] >= state["cellLeft"] - 1 and state["svgRight"] <= state["cellRight"] + 1


def watch(page, graph, name: str, seconds: float = 5.0) -> list[dict]:  # noqa: F811 (the page fixture)
    """The drawing's STATE every 100 ms for `seconds` while it trains (a screenshot `name` at the end)."""
    graph.scroll_into_view_if_needed()
    states, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        states.append(graph.evaluate(STATE))
        page.wait_for_timeout(100)
    screenshot(page, name)
    return [s for s in states if s]


def test_live_graph_repaints_numbers_while_boxes_stay_put(lab, page):  # noqa: F811
    panel = open_notebook(page, lab, LIVE_NOTEBOOK)
    run_all_cells(page, panel)
    graph = panel.locator(".mgx-graph").first
    states = watch(page, graph, "graph_live-training")
    assert len({s["texts"] for s in states}) >= 5, "the graph's numbers changed too rarely during 5 s of training"
    assert len({s["boxes"] for s in states}) == 1, "boxes moved between frames"
    assert all(fits(s) for s in states), f"the drawing is wider than its column: {states[-1]}"
    assert states[-1]["svgWidth"] > 300 and states[-1]["svgHeight"] > 60  # not a blank or tiny picture


def test_replay_moves_the_highlight_and_keeps_it_in_view(lab, page):  # noqa: F811
    panel = open_notebook(page, lab, LIVE_NOTEBOOK)
    run_all_cells(page, panel)
    page.wait_for_timeout(9000)  # the training thread is done
    graph = panel.locator(".mgx-graph-widget").first
    graph.scroll_into_view_if_needed()
    view = graph.locator(".mgx-graph")
    graph.locator("button", has_text=re.compile("^ ?forward$")).click()
    hot = []
    for _ in range(4):
        graph.locator(".mgx-graph-step").click()
        page.wait_for_timeout(400)
        state = view.evaluate(STATE)
        hot.append(state["hot"])
        assert state["hotIn"], "the highlighted box is outside the visible drawing"
    assert None not in hot and len(set(hot)) == 4, f"Step did not move the highlight: {hot}"
    screenshot(page, "graph_live-replay-fit")
    graph.locator("button", has_text="1:1").click()  # full size, in a scrolling box that follows the highlight
    for _ in range(4):
        graph.locator(".mgx-graph-step").click()
        page.wait_for_timeout(400)
        assert view.evaluate(STATE)["hotIn"], "at 1:1 the highlighted box scrolled out of view"
    screenshot(page, "graph_live-replay-1to1")


def test_lesson_04_graph_panel_fits_its_column(lab, page):  # noqa: F811
    panel = open_notebook(page, lab, "04_live_dashboard.ipynb")
    run_all_cells(page, panel)
    for k, graph in enumerate(panel.locator(".mgx-graph").all()[:2]):
        graph.scroll_into_view_if_needed()
        state = graph.evaluate(STATE)
        screenshot(page, f"04_live_dashboard-graph-{k}")
        assert state and fits(state), f"graph {k} is wider than its column: {state}"
        assert state["svgWidth"] > 300


def test_dashboard_play_repaints_its_graph_panel_while_boxes_stay_put(lab, page):  # noqa: F811
    panel = open_notebook(page, lab, DASH_NOTEBOOK)
    run_all_cells(page, panel)
    graph = panel.locator(".mgx-dashboard .mgx-graph").first
    states = watch(page, graph, "graph_dashboard-playing")
    assert len({s["texts"] for s in states}) >= 5, "the panel's numbers changed too rarely during 5 s of Play"
    assert len({s["boxes"] for s in states}) == 1, "boxes moved between frames"
    assert all(fits(s) for s in states), f"the panel is wider than its column: {states[-1]}"


def test_a_three_class_dashboard_draws_updates_and_replays_its_graph_panel(lab, page):  # noqa: F811
    panel = open_notebook(page, lab, CLASSES_NOTEBOOK)
    run_all_cells(page, panel)
    dashboard = panel.locator(".mgx-dashboard").first
    dashboard.locator("img.mgx-boundary").first.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # a few frames of Play
    screenshot(page, "graph_classes-dashboard-top")
    graph = dashboard.locator(".mgx-graph").first
    states = watch(page, graph, "graph_classes-playing")
    assert len({s["texts"] for s in states}) >= 5, "the panel's numbers changed too rarely during 5 s of Play"
    assert len({s["boxes"] for s in states}) == 1, "boxes moved between frames"
    assert all(fits(s) for s in states), f"the panel is wider than its column: {states[-1]}"
    assert "cross_entropy" in graph.inner_html()  # collapsed: the loss as one op after the three output neurons
    legend = dashboard.locator(".mgx-boundary-legend .mgx-class")
    assert legend.all_text_contents() == ["0", "1", "2"]
    dashboard.locator(".mgx-play").first.click()  # pause, then step through the last backward pass
    page.wait_for_timeout(500)
    widget = dashboard.locator(".mgx-graph-widget").first
    widget.locator("button", has_text=re.compile("^ ?forward$")).click()
    hot = []
    for _ in range(3):
        widget.locator(".mgx-graph-step").click()
        page.wait_for_timeout(400)
        hot.append(graph.evaluate(STATE)["hot"])
    assert None not in hot and len(set(hot)) == 3, f"Step did not move the highlight: {hot}"
    dashboard.scroll_into_view_if_needed()
    screenshot(page, "graph_classes-dashboard")
