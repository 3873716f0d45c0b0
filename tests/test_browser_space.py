"""The space view in a real JupyterLab + Chromium (the fixtures of test_browser.py).

A notebook shows a dashboard (a 3-arm spiral) with a `SpaceView` following it, and a second view of a scalar MLP whose
Trainer runs in a thread the notebook starts. The test presses the dashboard's Play as a learner would and
checks that the view redraws while training goes on (its points move), that picking a layer redraws it,
that the thread-trained view ends on the trainer's last step, and that every drawing lies inside its
picture: points, grid lines, ticks and the axes' names. Screenshots go to artifacts/browser/.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from test_browser import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    browser,
    chromium_path,
    lab,
    open_notebook,
    page,
    run_all_cells,
    screenshot,
)

from microgradx.plot import CLASS_COLOURS

pytestmark = pytest.mark.browser

SETUP = """\
import threading
from microgradx.data import moons
from microgradx.nn import MLP
from microgradx.train import Trainer
from microgradx.widgets import SpaceView, TrainingDashboard

dash = TrainingDashboard(dataset="spiral", classes=3, hidden=(8, 8), seed=0, speed=None, lr=0.03)
view = SpaceView(dash, layer=2, neurons=(0, 1))
view.add_class("mgx-check-dash")
dash
"""
VIEW = """\
view
"""
THREAD = """\
scalar = Trainer(MLP(2, [6, 4, 1], activation="tanh", seed=0), "hinge", "sgd", moons(60, seed=0, test_ratio=0.2),
                 lr=0.2)
threaded = SpaceView(scalar, layer=1, neurons=(2, 5), size=260)
threaded.add_class("mgx-check-thread")
run = threading.Thread(target=scalar.fit, args=(150,))
run.start()
threaded
"""
CHECK = """\
run.join()
import time
while threaded.pending:
    time.sleep(0.05)
from microgradx.space import hidden_space
import numpy as np
print("thread view shows the last step:", len(scalar.history),
      np.array_equal(threaded.space.points, hidden_space(scalar.model, scalar.data, 1, (2, 5)).points))
"""


def _notebook(path) -> None:
    cells = [{"cell_type": "code", "metadata": {}, "source": src, "outputs": [], "execution_count": None}
             for src in (SETUP, VIEW, THREAD, CHECK)]  # fmt: skip
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))


def _picture(view) -> dict:
    """The picture's box, and the boxes of its points, grid lines and texts, with the points' fills."""
    return view.locator("svg.mgx-space-svg").evaluate(
        """svg => {
            const box = e => { const r = e.getBoundingClientRect();
                               return {x: r.left, y: r.top, r: r.right, b: r.bottom}; };
            return {
                svg: box(svg),
                circles: [...svg.querySelectorAll('circle')].map(c => ({...box(c), fill: c.getAttribute('fill')})),
                lines: [...svg.querySelectorAll('path.mgx-space-lines')].map(p => ({...box(p),
                         length: p.getTotalLength()})),
                texts: [...svg.querySelectorAll('text')].map(t => ({...box(t), text: t.textContent})),
                markup: svg.outerHTML.length,
                points: [...svg.querySelectorAll('g.mgx-space-train circle')].map(
                    c => c.getAttribute('cx') + ',' + c.getAttribute('cy')).join(' '),
            };
        }"""
    )


def _inside(inner: dict, outer: dict, slack: float = 0.5) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["r"] <= outer["r"] + slack
            and inner["y"] >= outer["y"] - slack and inner["b"] <= outer["b"] + slack)  # fmt: skip


def _check_picture(view, n_points: int, colours=("#f59322", "#0877bd")) -> dict:
    """Everything drawn lies inside the picture; points in the class `colours`; grid lines drawn."""
    picture = _picture(view)
    svg = picture["svg"]
    assert svg["r"] - svg["x"] > 200 and svg["b"] - svg["y"] > 200, "the picture is not shown at its size"
    assert len(picture["circles"]) == n_points
    for part in ("circles", "lines", "texts"):
        outside = [p for p in picture[part] if not _inside(p, svg)]
        assert not outside, f"{part} outside the picture: {outside[:3]}"
    assert {c["fill"] for c in picture["circles"]} == set(colours), "points not coloured by class"
    lines = picture["lines"]
    assert len(lines) == 2 and all(p["length"] > 300 for p in lines), "grid lines missing"
    width = max(p["r"] for p in lines) - min(p["x"] for p in lines)
    assert width > 0.5 * (svg["r"] - svg["x"]), "the grid lines do not fill the axes"
    names = [t["text"] for t in picture["texts"]]
    assert sum(bool(re.fullmatch(r"-?[\d.]+", n)) for n in names) >= 4, f"too few tick labels: {names}"
    return picture


def test_the_space_view_redraws_while_the_dashboard_trains(lab, page):  # noqa: F811 (fixtures)
    from playwright.sync_api import expect

    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _notebook(lab.dir / "space_check.ipynb")
    panel = open_notebook(page, lab, "space_check.ipynb")
    run_all_cells(page, panel)
    expect(panel.locator("[data-mime-type='application/vnd.jupyter.error']")).to_have_count(0)
    expect(panel.get_by_text("thread view shows the last step: 150 True")).to_have_count(1)

    view = panel.locator(".mgx-check-dash")
    expect(view.locator("svg.mgx-space-svg")).to_have_count(1)
    view.scroll_into_view_if_needed()
    dash = panel.locator(".mgx-dashboard").first
    n = 100  # the spiral's 200 points, half of them for testing: 100 train + 100 test circles
    three = CLASS_COLOURS[:3]  # a 3-arm spiral: three classes, three colours
    before = _check_picture(view, 2 * n, three)
    screenshot(page, "space-view-step-0")

    dash.locator("button.mgx-play").click()  # train as a learner does; the view below must follow
    seen, deadline = {before["points"]}, time.monotonic() + 8
    while time.monotonic() < deadline and len(seen) < 6:
        seen.add(_picture(view)["points"])
        time.sleep(0.2)
    view.scroll_into_view_if_needed()
    screenshot(page, "space-view-training")
    assert len(seen) >= 6, f"the view redrew {len(seen) - 1} times in 8 s of training"
    dash.locator("button.mgx-play").click()  # Pause
    expect(dash.locator("button.mgx-play")).to_contain_text("Play")
    counter = dash.locator(".mgx-step-counter")
    assert int(re.search(r"\d+", counter.inner_text()).group()) > 50
    _check_picture(view, 2 * n, three)
    view.screenshot(path=str(ARTIFACTS / "space-view-element.png"))

    # a learner picks layer 1: the picture redraws with that layer's neurons
    view.locator(".widget-dropdown select").first.select_option(label="1: hidden, tanh (8)")
    expect(view.locator(".mgx-space-xname")).to_have_text("layer 1 (tanh): neuron 0")
    _check_picture(view, 2 * n, three)
    view.locator(".widget-dropdown select").nth(2).select_option(label="neuron 0")  # y = x's neuron: they swap
    expect(view.locator(".mgx-space-xname")).to_have_text("layer 1 (tanh): neuron 1")
    expect(view.locator(".mgx-space-yname")).to_have_text("neuron 0")
    screenshot(page, "space-view-layer-1")

    threaded = panel.locator(".mgx-check-thread")
    threaded.scroll_into_view_if_needed()
    _check_picture(threaded, 60)  # 48 train + 12 test points
    threaded.screenshot(path=str(ARTIFACTS / "space-view-thread-element.png"))
    assert not errors, errors
