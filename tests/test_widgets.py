"""The widgets, driven from code without a browser: state after steps, pause, divergence, reset, controls."""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from microgradx import Value
from microgradx.data import moons
from microgradx.nn import MLP, Linear, Sequential, Tanh
from microgradx.train import Trainer
from microgradx.widgets import (
    BoundaryView,
    GraphWidget,
    NetworkView,
    build_model,
)
from microgradx.widgets.curves_view import curves_svg
from microgradx.widgets.network_view import NEGATIVE, POSITIVE, layer_weights, network_svg

SMALL = {"resolution": 24, "size": 72, "n": 60}  # a cheap view for tests that look at state, not pixels


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def svg_text(graph) -> str:
    return html.unescape(graph.svg.value)  # Graphviz writes '-' as &#45;


def weights_equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# ---- the package boundary ---------------------------------------------------------------------------


def test_import_microgradx_does_not_import_ipywidgets():
    code = "import sys, microgradx; print([m for m in ('ipywidgets', 'PIL', 'threadpoolctl') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---- the pieces of the view ----------------------------------------------------------------------------


def test_layer_weights_reads_scalar_and_tensor_models_as_out_by_in():
    mlp = MLP(2, [3, 1], seed=0)
    (w1, b1), (w2, _) = layer_weights(mlp)
    assert w1.shape == (3, 2) and w2.shape == (1, 3)
    assert w1[2, 1] == mlp.layers[0].neurons[2].w[1].data and b1[0] == mlp.layers[0].neurons[0].b.data
    seq = Sequential(Linear(2, 5, seed=0), Tanh(), Linear(5, 1, seed=1))
    (v1, c1), (v2, c2) = layer_weights(seq)
    np.testing.assert_array_equal(v1, seq[0].weight.data)
    np.testing.assert_array_equal(c2, seq[2].bias.data)


def test_network_svg_draws_a_line_per_weight_coloured_by_sign_and_sized_by_magnitude():
    svg = network_svg([(np.array([[2.0, -0.5], [0.0, 1.0]]), np.zeros(2)), (np.array([[-1.0, 1.0]]), np.zeros(1))])
    lines = svg.split("<line")[1:]
    assert len(lines) == 2 * 2 + 2 * 1 and svg.count("<circle") == 2 + 2 + 1
    strongest = next(line for line in lines if "w=2<" in line)
    negative = next(line for line in lines if "w=-0.5<" in line)
    assert POSITIVE in strongest and NEGATIVE in negative
    width = lambda line: float(line.split('stroke-width="')[1].split('"')[0])  # noqa: E731
    assert width(strongest) > width(negative)


def test_network_svg_fills_each_architecture_and_survives_non_finite_weights():
    small = network_svg([(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))])
    big = network_svg([(np.ones((4, 2)), np.zeros(4)), (np.ones((1, 4)), np.zeros(1))], inputs=["a%", "b"])
    assert (small.count("<line"), big.count("<line")) == (9, 12)  # one cached layout per architecture
    assert "a%" in big and big.count("<circle") == 2 + 4 + 1
    w = np.array([[np.nan, 1.0], [np.inf, -1.0]])
    svg = network_svg([(w, np.array([np.nan, 0.5]))])
    assert "w=nan<" in svg and "w=inf<" in svg and "b=nan<" in svg and svg.count("<line") == 4


def test_network_view_follows_the_model():
    model = MLP(2, [4, 1], seed=0)
    view = NetworkView(model)
    before = view.value
    model.layers[0].neurons[0].w[0].data = -5.0
    view.update(model)
    assert view.value != before and "w=-5<" in view.value
    assert "mgx-network" in view._dom_classes


def test_boundary_view_colours_each_side_of_the_boundary():
    data = moons(40, seed=0, test_ratio=0.25)
    view = BoundaryView(data, resolution=50, size=150)
    x_mid = (view.extent[0] + view.extent[1]) / 2
    view.update(lambda X: X[:, 0] - x_mid)  # negative on the left half, positive on the right
    image = pixels(view.value)
    assert image.shape == (50, 50, 3)  # one pixel per grid point; the browser scales it to 150 px
    blue, orange = np.array([8, 119, 189]), np.array([245, 147, 34])
    left, right = image[:, :10].reshape(-1, 3), image[:, -10:].reshape(-1, 3)  # far from the boundary
    assert (np.abs(left.astype(int) - orange).sum(1) < 60).mean() > 0.8
    assert (np.abs(right.astype(int) - blue).sum(1) < 60).mean() > 0.8


def line_vertices(view) -> np.ndarray:
    path = re.search(r'<path d="([^"]*)"', view.line.value).group(1)
    return np.array([[float(v) for v in p.split(",")] for p in re.findall(r"[\d.]+,[\d.]+", path)])


def test_boundary_view_draws_the_line_where_the_score_crosses_the_threshold():
    data = moons(40, seed=0)
    view = BoundaryView(data, resolution=50, size=150)
    x_mid = (view.extent[0] + view.extent[1]) / 2
    view.update(lambda X: X[:, 0] - x_mid + 0.5, threshold=0.5)  # crosses 0.5 halfway across
    line = line_vertices(view)
    assert len(line) >= 2 and np.allclose(line[:, 0], 75.0)  # the middle of the 150 px picture, top to bottom
    assert line[:, 1].min() == 1.5 and line[:, 1].max() == 148.5  # from the first pixel centre to the last
    view.update(lambda X: np.full(len(X), 0.4), threshold=0.5)  # all on one side: no line
    assert len(np.unique(pixels(view.value).reshape(-1, 3), axis=0)) == 1 and "M" not in view.line.value
    view.update(lambda X: np.where(X[:, 0] < x_mid, np.nan, 1.0))  # NaN is grey and draws no line
    assert "M" not in view.line.value and pixels(view.value).shape == (50, 50, 3)


def test_boundary_view_draws_each_point_where_it_lies_on_the_field():
    data = moons(40, seed=0, test_ratio=0.25)
    view = BoundaryView(data, resolution=20, size=200)
    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"[^>]* fill="(#\w+)" stroke="(#\w+)"', view.points.value)
    assert len(circles) == len(data.X) + len(data.X_test) == 40
    train, test = circles[: len(data.X)], circles[len(data.X) :]
    assert {c[3] for c in train} == {"#ffffff"} and {c[3] for c in test} == {"#000000"}
    assert [c[2] == POSITIVE for c in train] == [bool(v > 0) for v in data.y]
    # a point on a grid point sits at the centre of that grid point's pixel, scaled to `size` (10 px a pixel)
    i, j = 7, 12
    x0, x1, y0, y1 = view.extent
    corner = np.array([[x0 + j * (x1 - x0) / 19, y1 - i * (y1 - y0) / 19]])
    np.testing.assert_allclose(view._to_pixels(corner), [[j * 10 + 5, i * 10 + 5]])
    np.testing.assert_allclose(view.grid[i * 20 + j], corner[0])  # and that grid point is PNG pixel (i, j)
    view.set_data(moons(10, seed=1, test_ratio=0.0))
    assert view.points.value.count("<circle") == 10


def isolated_point(view) -> tuple[int, np.ndarray]:
    """A training point (index > 0) at least 10 pixels from every other, and where it is drawn."""
    at = view._to_pixels(view.data.X)
    gaps = np.hypot(*(at[:, None] - at[None]).transpose(2, 0, 1)) + np.eye(len(at)) * 1e9
    i = next(i for i in range(1, len(at)) if gaps[i].min() > 10)
    return i, at[i]


def test_boundary_view_finds_the_training_point_under_a_click_and_rings_it():
    data = moons(40, seed=0, test_ratio=0.25)
    view = BoundaryView(data, resolution=20, size=200)
    i, (px, py) = isolated_point(view)
    assert view.nearest(px + 2, py - 2) == i
    assert view.nearest(-50, -50) is None  # far from every point
    clicked = []
    view.on_click(clicked.append)
    assert view._clicks.source is view and view._clicks.watched_events == ["click"]
    view._clicked({"type": "click", "relativeX": px, "relativeY": py}, clicked.append)  # as ipyevents reports it
    view._clicked({"type": "click", "relativeX": -50, "relativeY": -50}, clicked.append)
    assert clicked == [i]
    view.select(7)
    assert view.points.value.count('class="mgx-selected"') == 1 and "sample 7" in view.points.value
    view.select(None)
    assert "mgx-selected" not in view.points.value
    with pytest.raises(ValueError, match="no training point 30 among 30"):
        view.select(30)
    with pytest.raises(ValueError, match="no training point True"):
        view.select(True)


def test_boundary_view_draws_wild_scores_without_warnings():  # warnings are errors in this test suite
    view = BoundaryView(moons(30, seed=0), resolution=20, size=60)
    view.update(lambda X: 1e40 * X[:, 0])
    view.update(lambda X: np.where(X[:, 1] > 0, np.inf, -np.inf))
    assert pixels(view.value).shape == (20, 20, 3) and "M" in view.line.value


def test_curves_svg_draws_each_series_and_thins_long_histories():
    history = [{"step": k, "loss": 1 / (k + 1), "train_acc": 0.5, "test_acc": 0.6} for k in range(1000)]
    svg = curves_svg(history, max_points=100)
    assert svg.count("<polyline") == 3  # loss, train acc, test acc (no test_loss key)
    longest = max(len(p.split('points="')[1].split('"')[0].split()) for p in svg.split("<polyline")[1:])
    assert longest == 100
    assert "train 0.001" in svg  # the legend shows the last loss, 1/1000
    assert "train 0.001" in curves_svg(history, max_points=2)  # first and last
    for bad in (0, 1, -3, 2.5):
        with pytest.raises(ValueError, match="max_points must be an int >= 2"):
            curves_svg(history, max_points=bad)
    no_test = curves_svg([{"step": k, "loss": 1.0, "train_acc": 0.5, "test_acc": None} for k in range(5)])
    assert no_test.count("<polyline") == 2 and "test" not in no_test


# ---- GraphWidget ------------------------------------------------------------------------------------------


def test_graph_widget_replays_the_backward_pass_node_by_node(dot_program):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    root = a * b + a  # d/da = b + 1 = -2, d/db = a = 2
    graph = GraphWidget(root)
    assert "grad ?" in svg_text(graph) and "grad -2.0000" not in svg_text(graph)
    seen = []
    for _ in range(len(graph.stops)):
        graph.step_button.click()
        seen.append(graph.current)
    assert seen[0] is root and seen[-1] in (a, b) and len(set(map(id, seen))) == 4
    assert "grad -2.0000" in svg_text(graph) and "grad 2.0000" in svg_text(graph) and "grad ?" not in svg_text(graph)
    graph.forward_button.click()
    assert graph.position == -1 and "grad ?" in svg_text(graph)
    graph.slider.value = 1  # the replay slider (driven by the Play widget in a browser)
    assert graph.current is seen[1]
    assert root.grad == 0.0 and a.grad == 0.0  # replaying changes no .grad


def test_graph_widget_on_a_model_collapses_large_graphs_and_follows_training(dot_program):
    data = moons(30, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    graph = GraphWidget(model=model, data=data, sample=4)
    assert graph.mode == "neuron" and "Neuron" in graph.svg.value and "mgx-graph" in graph.svg._dom_classes
    assert len(graph.stops) < len(graph.steps)  # the replay steps over what is drawn
    graph.all_button.click()
    before = graph.svg.value
    Trainer(model, "hinge", "sgd", data, lr=0.5).fit(1)
    graph.update()
    assert graph.svg.value != before
    graph.sample.value = 5
    assert "loss" in graph.caption.value or "backward" in graph.caption.value
    tensor_graph = GraphWidget(model=build_model(2, [4], seed=0), data=data)  # a few array ops: not collapsed
    assert tensor_graph.mode is None and "linear" in tensor_graph.svg.value
    tensor_graph.all_button.click()
    assert "grad ?" not in svg_text(tensor_graph)


@pytest.mark.parametrize(
    "name",
    ["_svg", "_throttle", "boundary_view", "curves_view", "dashboard", "graph_widget", "network_view", "runner"],
)
def test_docstring_examples(name, dot_program):
    import doctest
    import importlib

    module = importlib.import_module(f"microgradx.widgets.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
