"""The network and boundary views in a real JupyterLab + Chromium (the fixtures of test_browser.py).

A notebook written here shows a 6-layers-of-32 network on the seven Playground features, a small network,
and a boundary view that shows the hovered neuron's heatmap, as a dashboard wires them. The test hovers a
neuron and a link as a learner would, and checks the layout holds: nothing outside its box, no labels
running together. Screenshots go to artifacts/browser/.
"""

from __future__ import annotations

import json
import re

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

pytestmark = pytest.mark.browser

SETUP = """\
import ipywidgets as widgets
from microgradx.data import moons
from microgradx.nn import MLP
from microgradx.widgets import BoundaryView, NetworkView

FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
data = moons(100, seed=0, test_ratio=0.2).with_features(*FEATURES)
big = MLP(7, [32] * 6 + [1], seed=0, activation="tanh")
small_data = moons(100, seed=0, test_ratio=0.2)
small = MLP(2, [8, 8, 1], seed=0, activation="tanh")
"""
BIG = """\
big_view = NetworkView(big, data=data)
big_view
"""
OUTPUTS = """\
import dataclasses
import numpy as np
from microgradx.widgets import CurvesView

plane = dataclasses.replace(small_data, y=np.tanh(small_data.X.sum(1)), y_test=np.tanh(small_data.X_test.sum(1)))
regression = BoundaryView(plane, resolution=50, size=200, problem="regression", show_test_data=False)
regression.update(lambda X: np.tanh(X.sum(1)))
regression.add_class("mgx-check-regression")
discrete = BoundaryView(small_data, resolution=50, size=200, discretize=True)
discrete.update(small)
discrete.add_class("mgx-check-discrete")
rng = np.random.default_rng(0)
history = [{"step": k + 1, "loss": float(np.exp(-k / 300) + rng.uniform(0, 0.8)), "train_acc": 0.5 + 0.4 * k / 3000,
            "test_acc": 0.5 + 0.35 * k / 3000, "test_loss": float(np.exp(-k / 300) + 0.2)} for k in range(3000)]
widgets.HBox([regression, discrete, CurvesView(history)])
"""
SMALL = """\
net = NetworkView(small, data=small_data)
boundary = BoundaryView(small_data, resolution=50, size=200)
boundary.update(small)
shown = widgets.Label("showing the output", layout=widgets.Layout(width="300px"))
shown.add_class("mgx-shown")

def show(change):  # what a dashboard does: the hovered (or clicked) neuron, large
    boundary.neuron = net.focus
    boundary.update(small)
    shown.value = f"showing {net.focus}" if net.focus else "showing the output"

net.observe(show, names=["hovered", "selected"])
nudge = widgets.Button(description="nudge")
nudge.add_class("mgx-nudge")

def nudge_weights(_):  # a training step's worth of change: the page must redraw the links and heatmaps
    for neuron in small.layers[0].neurons:
        neuron.w[0].data = -3 * neuron.w[0].data
    net.update(small)

nudge.on_click(nudge_weights)
widgets.HBox([net, widgets.VBox([shown, boundary, nudge])])
"""


def _notebook(path) -> None:
    cells = [{"cell_type": "code", "metadata": {}, "source": src, "outputs": [], "execution_count": None}
             for src in (SETUP, BIG, SMALL, OUTPUTS)]  # fmt: skip
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))


def _boxes(locator) -> list[dict]:
    return locator.evaluate_all(
        "es => es.map(e => { const r = e.getBoundingClientRect(); "
        "return {x: r.left, y: r.top, r: r.right, b: r.bottom, text: e.textContent}; })"
    )


def _inside(inner: dict, outer: dict, slack: float = 0.5) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["r"] <= outer["r"] + slack
            and inner["y"] >= outer["y"] - slack and inner["b"] <= outer["b"] + slack)  # fmt: skip


def _check_layout(view) -> None:
    """Every neuron, bias, label and name inside the view; labels and names do not overlap each other."""
    (root,) = _boxes(view.locator(".mgx-net-root"))
    for part in (".mgx-node", ".mgx-bias", ".mgx-net-label", ".mgx-net-name"):
        boxes = _boxes(view.locator(part))
        assert boxes and all(_inside(b, root) for b in boxes), f"{part} outside the network view"
    for part in (".mgx-net-label", ".mgx-net-name"):
        boxes = sorted(_boxes(view.locator(part)), key=lambda b: (b["x"], b["y"]))
        for a, b in zip(boxes, boxes[1:]):
            across = min(a["r"], b["r"]) - max(a["x"], b["x"])
            overlap = across > 0.5 and min(a["b"], b["b"]) - max(a["y"], b["y"]) > 0.5
            assert not overlap, f"{part}: {a['text']!r} runs into {b['text']!r}"
    (area,) = _boxes(view.locator("xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')][1]"))
    assert root["r"] <= area["r"] + 0.5, "the network spills out of its output area"


def test_hovering_a_neuron_shows_its_heatmap_and_the_layout_holds(lab, page):  # noqa: F811 (fixtures)
    from playwright.sync_api import expect

    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _notebook(lab.dir / "views_check.ipynb")
    panel = open_notebook(page, lab, "views_check.ipynb")
    run_all_cells(page, panel)
    views = panel.locator(".mgx-network")
    expect(views).to_have_count(2)
    big, small = views.nth(0), views.nth(1)
    expect(big.locator(".mgx-node")).to_have_count(7 + 32 * 6 + 1)
    expect(big.locator(".mgx-net-name")).to_have_text(["X1", "X2", "X1²", "X2²", "X1X2", "sin X1", "sin X2"])
    big.scroll_into_view_if_needed()
    screenshot(page, "views-network-6x32-7-features")
    big.screenshot(path=str(ARTIFACTS / "views-network-6x32-element.png"))
    _check_layout(big)
    # the thumbnails are drawn: a hidden neuron's canvas has coloured pixels, not a blank
    colours = big.locator(".mgx-node canvas").nth(20).evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; "
        "return new Set(Array.from({length: d.length / 4}, (_, i) => d[4 * i] + ',' + d[4 * i + 2])).size; }"
    )
    assert colours > 1, "a neuron's heatmap is blank"

    small.scroll_into_view_if_needed()
    _check_layout(small)
    pixels = "c => c.toDataURL()"
    links, thumb = small.locator("canvas.mgx-net-links"), small.locator(".mgx-node[data-layer='1'] canvas").first
    before_links, before_thumb = links.evaluate(pixels), thumb.evaluate(pixels)
    panel.locator(".mgx-nudge").click()  # new weights from Python: links and heatmaps are redrawn
    page.wait_for_function("([c, url]) => c.toDataURL() !== url", arg=[links.element_handle(), before_links])
    assert thumb.evaluate(pixels) != before_thumb
    shown, image = panel.locator(".mgx-shown"), panel.locator("img.mgx-boundary").first
    before = image.get_attribute("src")
    node = small.locator(".mgx-node[data-layer='1'][data-unit='3']")
    node.hover()
    expect(shown).to_have_text("showing (1, 3)")  # the hover reached Python through the synced trait
    expect(node).to_have_class(re.compile("mgx-hovered"))
    page.wait_for_function("([img, src]) => img.src !== src", arg=[image.element_handle(), before])
    screenshot(page, "views-hover-neuron")
    small.locator(".mgx-net-label").first.hover()  # off the neurons: back to the output
    expect(shown).to_have_text("showing the output")
    node.click()  # a click pins the neuron
    small.locator(".mgx-net-label").first.hover()
    expect(shown).to_have_text("showing (1, 3)")

    # hovering a link shows its weight: the middle of the link from input 0 to neuron (1, 0)
    a, b = _boxes(small.locator(".mgx-node[data-layer='0'][data-unit='0']"))[0], _boxes(
        small.locator(".mgx-node[data-layer='1'][data-unit='0']"))[0]  # fmt: skip
    page.mouse.move((a["r"] + b["x"]) / 2, ((a["y"] + a["b"]) / 2 + (b["y"] + b["b"]) / 2) / 2)
    card = small.locator(".mgx-net-card")
    expect(card).to_be_visible()
    expect(card).to_have_text(re.compile(r"^weight -?\d"))
    screenshot(page, "views-hover-link")
    assert errors == [], errors


def test_the_output_views_show_regression_discretized_output_a_legend_and_smoothed_curves(lab, page):  # noqa: F811
    from playwright.sync_api import expect

    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _notebook(lab.dir / "views_outputs.ipynb")
    panel = open_notebook(page, lab, "views_outputs.ipynb")
    run_all_cells(page, panel)
    regression, discrete = panel.locator(".mgx-check-regression"), panel.locator(".mgx-check-discrete")
    curves = panel.locator(".mgx-curves").last
    curves.scroll_into_view_if_needed()
    expect(regression.locator("img.mgx-boundary")).to_be_visible()
    screenshot(page, "views-outputs")
    assert regression.locator(".mgx-boundary-points circle").count() == 80  # train points only
    expect(regression.locator(".mgx-boundary-points circle[stroke='#000000']")).to_have_count(0)
    for view in (regression, discrete):  # the legend below the picture, inside the view, nothing cut off
        (box,) = _boxes(view)
        (legend,) = _boxes(view.locator(".mgx-boundary-legend svg"))
        (picture,) = _boxes(view.locator("img.mgx-boundary"))
        assert _inside(legend, box) and legend["y"] >= picture["b"] - 0.5
        ticks = _boxes(view.locator(".mgx-boundary-legend text"))
        assert [t["text"] for t in ticks] == ["-1", "0", "1"] and all(_inside(t, legend) for t in ticks)
    assert "M" not in regression.locator(".mgx-boundary-line").inner_html()  # no line in regression
    expect(curves.locator("text").first).to_contain_text("Loss (smoothed)")
    expect(curves.locator("text").first).to_contain_text("Test loss")
    assert curves.locator("polyline").count() == 5  # raw loss, smoothed loss, test loss, two accuracies
    curves.screenshot(path=str(ARTIFACTS / "views-curves-element.png"))
    assert errors == [], errors


CLASSES = """\
import numpy as np
import ipywidgets as widgets
from microgradx.data import Dataset
from microgradx.losses import cross_entropy
from microgradx.nn import MLP, Linear, ReLU, Sequential
from microgradx.optim import Adam
from microgradx.tensor import Tensor
from microgradx.widgets import BoundaryView, NetworkView

def arms(n, k, seed=0):  # a k-arm spiral, CS231n's, with a test split
    rng = np.random.default_rng(seed)
    r = np.tile(np.linspace(0.05, 1.0, n), k)
    t = np.concatenate([np.linspace(4 * c, 4 * (c + 1), n) for c in range(k)]) + rng.normal(scale=0.2, size=n * k)
    X, y = np.column_stack([r * np.sin(t), r * np.cos(t)]), np.repeat(np.arange(k), n)
    order = rng.permutation(n * k)
    X, y, m = X[order], y[order], int(0.8 * n * k)
    return Dataset(X[:m], y[:m], X[m:], y[m:], name=f"spiral {k}", labels="index", classes=tuple(range(k)))

three = arms(60, 3)
model = Sequential(Linear(2, 16, seed=0), ReLU(), Linear(16, 16, seed=1), ReLU(), Linear(16, 3, seed=2))
optimizer = Adam(model.parameters(), lr=0.02)
for _ in range(300):
    loss = cross_entropy(model(Tensor(three.X)), three.y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
net3 = NetworkView(model, data=three)
boundary3 = BoundaryView(three, resolution=100, size=300)
boundary3.update(model)
boundary3.add_class("mgx-check-k3")
shown3 = widgets.Label("showing the output")
shown3.add_class("mgx-shown3")

def show3(change):
    boundary3.neuron = net3.focus
    boundary3.update(model)
    shown3.value = f"showing {net3.focus}" if net3.focus else "showing the output"

net3.observe(show3, names=["hovered", "selected"])
widgets.HBox([net3, widgets.VBox([shown3, boundary3])])
"""
EIGHT = """\
eight = arms(30, 8, seed=1)
eight = Dataset(eight.X, eight.y, eight.X_test, eight.y_test, labels="index",
                classes=("zero", "one", "two", "three", "four", "five", "six", "seven"))
scalar8 = MLP(2, [12, 8], seed=0, activation="tanh")
boundary8 = BoundaryView(eight, resolution=60, size=240)
boundary8.update(scalar8)
boundary8.add_class("mgx-check-k8")
small8 = BoundaryView(eight, resolution=40, size=160)
small8.update(scalar8)
small8.add_class("mgx-check-k8-small")
widgets.HBox([boundary8, small8, NetworkView(scalar8, data=eight)])
"""


def _classes_notebook(path) -> None:
    cells = [{"cell_type": "code", "metadata": {}, "source": src, "outputs": [], "execution_count": None}
             for src in (CLASSES, EIGHT)]  # fmt: skip
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))


def _hues(png: bytes) -> set[int]:
    """Distinct hues (Pillow's HSV, in steps of 8) among the strongly coloured pixels of a screenshot."""
    import io

    import numpy as np
    from PIL import Image

    hsv = np.asarray(Image.open(io.BytesIO(png)).convert("RGB").convert("HSV")).reshape(-1, 3).astype(int)
    strong = hsv[(hsv[:, 1] > 90) & (hsv[:, 2] > 60), 0]
    counts = np.bincount(strong // 8, minlength=32)
    return {int(h) for h in np.nonzero(counts > 0.02 * len(strong))[0]}


def test_k_classes_show_k_regions_a_legend_of_classes_and_k_output_neurons(lab, page):  # noqa: F811 (fixtures)
    from playwright.sync_api import expect

    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _classes_notebook(lab.dir / "views_classes.ipynb")
    panel = open_notebook(page, lab, "views_classes.ipynb")
    run_all_cells(page, panel)
    net, boundary = panel.locator(".mgx-network").first, panel.locator(".mgx-check-k3")
    expect(net.locator(".mgx-node")).to_have_count(2 + 16 + 16 + 3)
    outputs = net.locator(".mgx-node.mgx-class-output")
    expect(outputs).to_have_count(3)
    assert [outputs.nth(c).get_attribute("title") for c in range(3)] == ["class 0", "class 1", "class 2"]
    marks = net.locator(".mgx-class-mark")
    strips = [marks.nth(c).evaluate("e => getComputedStyle(e).backgroundColor") for c in range(3)]
    assert strips == ["rgb(245, 147, 34)", "rgb(8, 119, 189)", "rgb(0, 158, 115)"]
    (root,) = _boxes(net.locator(".mgx-net-root"))
    assert all(_inside(b, root) for b in _boxes(marks)), "a class strip outside the network view"
    _check_layout(net)
    boundary.scroll_into_view_if_needed()
    screenshot(page, "views-classes-3")
    image = boundary.locator("img.mgx-boundary")
    picture = image.screenshot(path=str(ARTIFACTS / "views-classes-3-boundary.png"))
    assert len(_hues(picture)) >= 3  # orange, blue and green regions in the browser's pixels
    (box,) = _boxes(boundary)
    legend = _boxes(boundary.locator(".mgx-class"))
    assert [b["text"] for b in legend] == ["0", "1", "2"] and all(_inside(b, box) for b in legend)
    assert boundary.locator(".mgx-boundary-line path").get_attribute("d").count("M") >= 2  # the lines between
    net.screenshot(path=str(ARTIFACTS / "views-classes-3-network.png"))

    before = image.get_attribute("src")  # hovering an output neuron shows its logit over the plane
    outputs.nth(2).hover()
    expect(panel.locator(".mgx-shown3")).to_have_text("showing (3, 2)")
    page.wait_for_function("([img, src]) => img.src !== src", arg=[image.element_handle(), before])
    screenshot(page, "views-classes-3-hover-output")
    net.locator(".mgx-net-label").first.hover()
    expect(panel.locator(".mgx-shown3")).to_have_text("showing the output")

    for name in (".mgx-check-k8", ".mgx-check-k8-small"):  # eight names: all shown, inside the view
        view = panel.locator(name)
        view.scroll_into_view_if_needed()
        (box,) = _boxes(view)
        legend = _boxes(view.locator(".mgx-class"))
        assert [b["text"] for b in legend] == ["zero", "one", "two", "three", "four", "five", "six", "seven"]
        assert all(_inside(b, box) for b in legend), f"{name}: a class name outside the view"
    screenshot(page, "views-classes-8")
    panel.locator(".mgx-check-k8").screenshot(path=str(ARTIFACTS / "views-classes-8-boundary.png"))
    assert errors == [], errors
