"""The dashboard's views, kernel-side: the network (layout, per-neuron heatmaps, hover traits), the boundary
(output or one neuron, classification or regression, discretized, test points, legend) and the curves
(bounded copy, smoothed loss, losses as numbers). The browser side is in test_browser_views.py."""

from __future__ import annotations

import dataclasses
import io
import re

import ipywidgets as widgets
import numpy as np
import pytest
import traitlets
from PIL import Image
from test_plot import sectors, three_classes  # the k-class fixtures the picture tests share

from microgradx.data import moons
from microgradx.nn import MLP, Linear, Sequential, Tanh
from microgradx.plot import NEGATIVE, POSITIVE, class_colours, class_palette, class_shades
from microgradx.widgets import BoundaryView, CurvesView, NetworkView
from microgradx.widgets._svg import PALETTE, hex_colours, palette_index
from microgradx.widgets.boundary_view import legend_svg
from microgradx.widgets.curves_view import Curves, curves_svg
from microgradx.widgets.network_view import feature_label, layer_weights, network_layout, network_svg

SEVEN = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")  # the Playground's seven features
BLUE, ORANGE = np.array([8, 119, 189]), np.array([245, 147, 34])


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def colours(png: bytes) -> set[tuple]:
    return {tuple(c) for c in pixels(png).reshape(-1, 3)}


def rgb_of(index: np.ndarray) -> np.ndarray:
    return np.frombuffer(PALETTE, dtype=np.uint8).reshape(-1, 3)[index]


def scalar_neuron(model: MLP, x, layer: int, unit: int) -> float:
    """What the scalar engine computes for neuron (layer, unit) at input x (layer 0: the input itself)."""
    h = list(x)
    for lay in model.layers[:layer]:
        out = lay([*h])
        h = [v.data for v in (out if isinstance(out, list) else [out])]
    return float(h[unit])


# ---- the network view --------------------------------------------------------------------------------------


def test_layer_weights_reads_scalar_and_tensor_models_as_out_by_in():
    mlp = MLP(2, [3, 1], seed=0)
    (w1, b1), (w2, _) = layer_weights(mlp)
    assert w1.shape == (3, 2) and w2.shape == (1, 3)
    assert w1[2, 1] == mlp.layers[0].neurons[2].w[1].data and b1[0] == mlp.layers[0].neurons[0].b.data
    seq = Sequential(Linear(2, 5, seed=0), Tanh(), Linear(5, 1, seed=1))
    (v1, c1), (v2, c2) = layer_weights(seq)
    np.testing.assert_array_equal(v1, seq[0].weight.data)
    np.testing.assert_array_equal(c2, seq[2].bias.data)
    with pytest.raises(TypeError, match="layer_weights: expected a dense network"):
        layer_weights(lambda X: X[:, 0])


def test_network_svg_draws_a_line_per_weight_coloured_by_sign_and_sized_by_magnitude():
    svg = network_svg([(np.array([[2.0, -0.5], [0.0, 1.0]]), np.zeros(2)), (np.array([[-1.0, 1.0]]), np.zeros(1))])
    lines = svg.split("<line")[1:]
    assert len(lines) == 2 * 2 + 2 * 1 and svg.count("<rect") == 2 + 2 + 1
    strongest = next(line for line in lines if "weight 2<" in line)
    negative = next(line for line in lines if "weight -0.5<" in line)
    assert POSITIVE in strongest and NEGATIVE in negative
    width = lambda line: float(line.split('stroke-width="')[1].split('"')[0])  # noqa: E731
    assert width(strongest) > width(negative)


def test_network_svg_fills_each_architecture_and_survives_non_finite_weights():
    small = network_svg([(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))])
    big = network_svg([(np.ones((4, 2)), np.zeros(4)), (np.ones((1, 4)), np.zeros(1))], inputs=["a%<", "b"])
    assert (small.count("<line"), big.count("<line")) == (9, 12)
    assert "a%&lt;" in big and big.count("<rect") == 2 + 4 + 1
    w = np.array([[np.nan, 1.0], [np.inf, -1.0]])
    svg = network_svg([(w, np.array([np.nan, 0.5]))])
    assert "weight nan<" in svg and "weight inf<" in svg and "bias nan<" in svg and svg.count("<line") == 4
    with pytest.raises(ValueError, match=r"network_svg: layer 1 has W \(1, 4\)"):
        network_svg([(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 4)), np.zeros(1))])


def test_features_are_labelled_as_the_playground_names_them():
    assert [feature_label(n) for n in SEVEN] == ["X1", "X2", "X1²", "X2²", "X1X2", "sin X1", "sin X2"]
    assert feature_label("x10") == "X10" and feature_label("age") == "age"


@pytest.mark.parametrize(
    "sizes", [(7, 32, 32, 32, 32, 32, 32, 1), (2, 8, 8, 8, 8, 8, 8, 1), (2, 8, 8, 1), (2, 1), (7, 3, 1), (32, 2, 1)]
)
def test_the_layout_holds_from_one_layer_to_six_layers_of_32(sizes):
    labels = ("input", *["sigmoid"] * (len(sizes) - 2), "linear")
    names = [feature_label(n) for n in SEVEN[: sizes[0]]]
    layout = network_layout(sizes, labels=labels, names=names, width=320, height=240)
    nodes, box, half = np.array(layout["nodes"]), layout["box"], layout["box"] / 2
    assert len(nodes) == sum(sizes) and 10 <= box <= 30
    # every neuron inside the picture, with the room its bias square needs on its left
    assert nodes[:, 0].min() - half - 8 >= 0 and nodes[:, 0].max() + half <= layout["width"]
    assert nodes[:, 1].min() - half >= 26 and nodes[:, 1].max() + half <= layout["height"]  # below the labels
    # labels never run together and stay inside: each as wide as the gap between two columns, at most
    lefts, w = np.array([c["left"] for c in layout["columns"]]), layout["label_width"]
    assert lefts.min() >= 0 and lefts.max() + w <= layout["width"] and (np.diff(lefts) >= w).all()
    assert w >= box and np.diff([c["x"] for c in layout["columns"]]).min(initial=99) > box + 8
    # neurons of one column do not overlap; the input names fit left of the input column
    start = 0
    for n in sizes:
        ys = nodes[start : start + n, 1]
        assert n == 1 or np.diff(ys).min() >= max(box, 12)  # and room for a 12-pixel line of each input's name
        start += n
    assert nodes[0, 0] - half - 4 >= 6.5 * max(len(n) for n in names)
    assert layout["height"] >= 240 and (max(sizes) < 16 or layout["height"] > 240)  # 32 neurons: it grows


def test_network_layout_refuses_bad_sizes():
    for bad in ((), (2, 0, 1)):
        with pytest.raises(ValueError, match="network_layout: sizes must be layer widths >= 1"):
            network_layout(bad)


def test_network_view_sends_weights_biases_and_each_neurons_heatmap_as_numbers():
    data = moons(60, seed=0)
    model = MLP(2, [4, 3, 1], seed=0, activation="tanh")
    view = NetworkView(model, data=data, thumbnail=6)
    assert view.geometry["sizes"] == [2, 4, 3, 1] and view.geometry["names"] == ["X1", "X2"]
    assert isinstance(view.layout, widgets.Layout)  # the usual CSS layout, free for a dashboard to size
    weights = np.frombuffer(view.weights, dtype=np.float32)
    expected = np.concatenate([W.ravel() for W, _ in layer_weights(model)])
    np.testing.assert_allclose(weights, expected, rtol=1e-6)  # row by row: dest, then source
    biases = [n.b.data for layer in model.layers for n in layer.neurons]
    np.testing.assert_allclose(np.frombuffer(view.biases, np.float32), biases, rtol=1e-6)
    thumbs = np.frombuffer(view.thumbnails, dtype=np.uint8).reshape(2 + 4 + 3 + 1, 6, 6)
    grid = view._grid.reshape(6, 6, 2)  # row 0 at the top: the largest x2
    assert grid[0, 0, 1] > grid[-1, 0, 1] and grid[0, 0, 0] < grid[0, -1, 0]
    for node, (layer, unit) in ((2 + 1, (1, 1)), (2 + 4 + 2, (2, 2)), (9, (3, 0))):
        for i, j in ((0, 0), (2, 5), (5, 3)):
            value = scalar_neuron(model, grid[i, j], layer, unit)
            assert abs(int(thumbs[node, i, j]) - int(palette_index(np.array(value)))) <= 1
    x1 = view._grid[:, 0]  # an input feature on its own scale: its largest |value| is full colour, 0 grey
    np.testing.assert_array_equal(thumbs[0].ravel(), palette_index(x1 / np.abs(x1).max()))


def test_network_view_output_heatmap_is_the_score_minus_the_threshold_and_can_be_discretized():
    data = moons(40, seed=0)
    model = MLP(2, [3, 1], seed=1, activation="tanh")
    view = NetworkView(model, data=data, thumbnail=8)
    plain = np.frombuffer(view.thumbnails, np.uint8).reshape(-1, 64)
    view.update(model, threshold=0.25)
    shifted = np.frombuffer(view.thumbnails, np.uint8).reshape(-1, 64)
    assert (shifted[-1] <= plain[-1]).all() and (shifted[-1] < plain[-1]).any()
    np.testing.assert_array_equal(shifted[:-1], plain[:-1])  # only the output moves
    view.discretize = True
    view.update(model)
    assert set(np.frombuffer(view.thumbnails, np.uint8).tolist()) <= {0, 255}


def test_network_view_shows_k_output_neurons_each_with_its_logits_heatmap_and_class():
    data = three_classes()
    model = MLP(2, [4, 3], seed=0, activation="tanh")
    view = NetworkView(model, data=data, thumbnail=6)
    assert view.geometry["sizes"] == [2, 4, 3]
    names = ("cat", "dog", "bird")
    assert view.geometry["outputs"] == [{"name": n, "colour": c} for n, c in zip(names, class_colours(3))]
    thumbs = np.frombuffer(view.thumbnails, dtype=np.uint8).reshape(2 + 4 + 3, 6, 6)
    grid = view._grid.reshape(6, 6, 2)
    for unit in range(3):
        for i, j in ((0, 0), (2, 5), (5, 3)):
            value = scalar_neuron(model, grid[i, j], 2, unit)
            assert abs(int(thumbs[6 + unit, i, j]) - int(palette_index(np.array(value)))) <= 1
    assert len({thumbs[6 + unit].tobytes() for unit in range(3)}) == 3  # three different heatmaps
    view.set_data(moons(40, seed=0))  # two classes: no class frames
    view.update(MLP(2, [4, 1], seed=0))
    assert "outputs" not in view.geometry
    view.set_data(data)
    view.update(MLP(2, [4, 2], seed=0))  # not one output per class: no class frames either
    assert "outputs" not in view.geometry


def test_network_view_without_data_draws_boxes_and_gains_heatmaps_with_set_data():
    model = MLP(2, [4, 1], seed=0)
    view = NetworkView(model)
    assert view.thumbnails == b"" and len(view.weights) == 4 * 12
    view.set_data(moons(30, seed=0))
    view.update(model)
    assert len(view.thumbnails) == 7 * 10 * 10
    view.inputs = ["x1", "x2"]
    view.update(MLP(2, [5, 1], seed=0))  # a new architecture: a new layout
    assert view.geometry["sizes"] == [2, 5, 1]
    view.set_data(None)
    view.update(model)
    assert view.thumbnails == b"" and view.data is None
    with pytest.raises(ValueError, match="NetworkView.set_data: thumbnails need 2-D points"):
        view.set_data(dataclasses.replace(moons(30, seed=0), X=np.zeros((30, 3))))


def test_network_view_labels_seven_features_and_resends_the_layout_only_when_it_changes():
    data = moons(40, seed=0).with_features(*SEVEN)
    model = MLP(7, [32] * 6 + [1], seed=0)
    view = NetworkView(model, data=data)
    assert view.geometry["names"] == ["X1", "X2", "X1²", "X2²", "X1X2", "sin X1", "sin X2"]
    sent = []
    view.observe(lambda change: sent.append(change["name"]), names=["geometry", "weights", "thumbnails"])
    model.layers[0].neurons[0].w[0].data += 1.0
    view.update(model)
    assert sent == ["weights", "thumbnails"]  # the same architecture: numbers only
    # a frame is the numbers themselves: float32 weights and biases, a byte per thumbnail pixel
    n_weights = sum(W.size for W, _ in layer_weights(model))
    assert len(view.weights) == 4 * n_weights and len(view.biases) == 4 * (32 * 6 + 1)
    assert len(view.thumbnails) == (7 + 32 * 6 + 1) * 100


def test_network_view_draws_a_diverged_model_without_warnings():  # warnings are errors in this test suite
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[0].w[0].data = 1e300
    model.layers[1].neurons[0].b.data = float("nan")
    view = NetworkView(model, data=moons(30, seed=0))
    weights = np.frombuffer(view.weights, np.float32)
    assert np.isinf(weights[0]) and np.isnan(np.frombuffer(view.biases, np.float32)[-1])
    assert len(view.thumbnails) == 6 * 100  # NaN neurons are grey, not missing


def test_hovered_and_selected_are_synced_traits_the_dashboard_can_observe():
    view = NetworkView(MLP(2, [4, 1], seed=0), data=moons(30, seed=0))
    assert view.trait_metadata("hovered", "sync") and view.trait_metadata("selected", "sync")
    seen = []
    view.observe(lambda change: seen.append(change["new"]), "hovered")
    view.set_state({"hovered": [1, 2]})  # as the browser sends it: a JSON list
    assert view.hovered == (1, 2) and view.focus == (1, 2) and seen == [(1, 2)]
    view.set_state({"selected": [2, 0], "hovered": None})
    assert view.hovered is None and view.focus == (2, 0)
    view.set_state({"selected": [1, 4]})  # a report about a neuron this network does not have (before a rebuild)
    assert view.focus is None and repr(view) == "NetworkView(2-4-1, hovered=None, selected=(1, 4))"
    for bad in ([1], [1, -1], ["a", 0], [1, 2, 3]):
        with pytest.raises(traitlets.TraitError, match=r"NetworkView.hovered: expected \(layer, unit\)"):
            view.hovered = bad


def test_network_view_refuses_bad_settings():
    for kw, match in (({"width": 50}, "width must be an int in"), ({"height": 10.5}, "height must be an int in"),
                      ({"thumbnail": 1}, "thumbnail must be an int in [2, 64]")):  # fmt: skip
        with pytest.raises(ValueError, match=re.escape(f"NetworkView: {match}")):
            NetworkView(**kw)
    with pytest.raises(TypeError, match="NetworkView: discretize must be True or False"):
        NetworkView(discretize="yes")
    with pytest.raises(TypeError, match="NetworkView.update: expected a dense network"):
        NetworkView().update(lambda X: X[:, 0])


def test_the_network_view_module_is_a_plain_es_module_with_a_render_function():
    from microgradx.widgets import network_view

    esm = str(NetworkView._esm)
    assert "export default { render }" in esm and "import " not in esm  # no build step, nothing fetched
    assert network_view.__file__.endswith("network_view.py")


# ---- the boundary view -------------------------------------------------------------------------------------


def test_boundary_view_colours_each_side_of_the_boundary():
    data = moons(40, seed=0, test_ratio=0.25)
    view = BoundaryView(data, resolution=50, size=150)
    x_mid = (view.extent[0] + view.extent[1]) / 2
    view.update(lambda X: X[:, 0] - x_mid)  # negative on the left half, positive on the right
    image = pixels(view.value)
    assert image.shape == (50, 50, 3)  # one pixel per grid point; the browser scales it to 150 px
    left, right = image[:, :10].reshape(-1, 3), image[:, -10:].reshape(-1, 3)  # far from the boundary
    assert (np.abs(left.astype(int) - ORANGE).sum(1) < 60).mean() > 0.8
    assert (np.abs(right.astype(int) - BLUE).sum(1) < 60).mean() > 0.8


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


def test_boundary_view_shows_one_neurons_heatmap_instead_of_the_output():
    data = moons(40, seed=0)
    model = MLP(2, [4, 3, 1], seed=2, activation="tanh")
    view = BoundaryView(data, resolution=16, size=64)
    view.update(model, threshold=0.0)
    output = view.value
    for neuron in ((1, 2), (2, 0)):
        view.neuron = neuron
        view.update(model)
        image, grid = pixels(view.value), view.grid.reshape(16, 16, 2)
        for i, j in ((0, 0), (7, 9), (15, 4)):
            value = scalar_neuron(model, grid[i, j], *neuron)
            assert np.abs(image[i, j].astype(int) - rgb_of(palette_index(np.array(value)))).max() <= 3
        assert view.line.value == ""  # no decision boundary over a hidden neuron
    view.neuron = (0, 1)  # an input feature, x2, scaled by its largest |value|: 0 is grey, the top full blue
    view.update(model)
    expected = view.grid[:, 1] / np.abs(view.grid[:, 1]).max()
    np.testing.assert_allclose(pixels(view.value).reshape(-1, 3), rgb_of(palette_index(expected)), atol=3)
    view.neuron = (3, 0)  # the output neuron is the output
    view.update(model)
    assert view.value == output and "M" in view.line.value
    view.neuron = None
    view.update(model)
    assert view.value == output


def test_boundary_view_refuses_a_neuron_it_cannot_show():
    view = BoundaryView(moons(30, seed=0), resolution=8, size=32)
    for bad in ((1,), (1, -1), (True, 0), "1,2", (1.0, 2)):
        with pytest.raises(ValueError, match=r"BoundaryView: neuron must be None or \(layer, unit\)"):
            view.neuron = bad
    view.neuron = (1, 9)
    with pytest.raises(ValueError, match=r"neuron \(1, 9\) is not in this network: layers 0..2 of \[2, 4, 1\]"):
        view.update(MLP(2, [4, 1], seed=0))
    with pytest.raises(TypeError, match="BoundaryView.update: neuron heatmaps need a dense network"):
        view.update(lambda X: X[:, 0])


def test_boundary_view_regression_shows_the_raw_output_and_colours_points_by_value():
    base = moons(40, seed=0, test_ratio=0.25)
    data = dataclasses.replace(base, y=np.tanh(base.X[:, 0]), y_test=np.tanh(base.X_test[:, 0]))
    view = BoundaryView(data, resolution=20, size=80, problem="regression")
    x0, x1 = view.extent[:2]
    view.update(lambda X: (X[:, 0] - x0) / (x1 - x0) * 2 - 1, threshold=0.5)  # -1 .. 1 left to right
    image = pixels(view.value).astype(int)
    np.testing.assert_array_equal(image[:, 0], np.tile(ORANGE, (20, 1)))  # the threshold plays no part
    assert np.abs(image[:, -1] - BLUE).max() <= 3 and np.abs(image[:, 10] - [232, 234, 235]).max() <= 20
    assert view.line.value == ""  # no decision boundary in regression
    fills = re.findall(r'<circle [^>]*fill="(#\w+)"', view.points.value)
    assert fills == hex_colours(np.concatenate([data.y, data.y_test]))
    view.problem = "classification"
    assert re.findall(r'<circle [^>]*fill="(#\w+)"', view.points.value)[0] in (POSITIVE, NEGATIVE)
    with pytest.raises(ValueError, match="BoundaryView: problem must be one of classification, regression"):
        view.problem = "ranking"


def test_boundary_view_discretizes_the_output_as_the_playground_does():
    view = BoundaryView(moons(40, seed=0), resolution=30, size=90, discretize=True)
    x_mid = (view.extent[0] + view.extent[1]) / 2
    view.update(lambda X: 0.01 * (X[:, 0] - x_mid))  # faint scores: full colours once discretized
    assert colours(view.value) == {tuple(ORANGE), tuple(BLUE)} and "M" in view.line.value
    view.discretize = False
    view.update(lambda X: 0.01 * (X[:, 0] - x_mid))
    assert len(colours(view.value)) > 2
    with pytest.raises(TypeError, match="BoundaryView: discretize must be True or False"):
        view.discretize = 1


def test_boundary_view_shows_or_hides_the_test_points():
    data = moons(40, seed=0, test_ratio=0.25)
    view = BoundaryView(data, resolution=10, size=100, show_test_data=False)
    assert view.points.value.count("<circle") == 30 and 'stroke="#000000"' not in view.points.value
    view.show_test_data = True
    assert view.points.value.count("<circle") == 40
    with pytest.raises(TypeError, match="BoundaryView: show_test_data must be True or False"):
        view.show_test_data = None


def test_boundary_view_has_a_colour_legend_below_the_picture():
    view = BoundaryView(moons(20, seed=0), resolution=10, size=200)
    legend = view.legend.value
    assert legend.count("<stop") == 3 and [NEGATIVE, POSITIVE] == re.findall(r"#f59322|#0877bd", legend)
    assert re.findall(r">(-?\d)</text>", legend) == ["-1", "0", "1"]
    assert view.legend in view.children and view.layout.height == "234px"
    assert "Colours show" in legend and "Colours show" not in BoundaryView(moons(20, seed=0), size=100).legend.value
    hidden = BoundaryView(moons(20, seed=0), resolution=10, size=200, legend=False)
    assert hidden.legend.layout.display == "none" and hidden.layout.height == "200px"
    with pytest.raises(TypeError, match="BoundaryView: legend must be True or False"):
        BoundaryView(moons(20, seed=0), legend="no")


def test_boundary_view_refuses_a_model_whose_outputs_do_not_fit_the_classes():
    view = BoundaryView(moons(20, seed=0), resolution=10, size=40)
    with pytest.raises(ValueError, match=r"gives 3 scores per point \(shape \(100, 3\)\), but the data has 2 classes"):
        view.update(MLP(2, [3, 3], seed=0))
    view = BoundaryView(three_classes(), resolution=10, size=40)
    with pytest.raises(ValueError, match="the data has 3 classes but the model gives one score per point"):
        view.update(MLP(2, [3, 1], seed=0))
    with pytest.raises(ValueError, match=r"gives 2 scores per point .*, but the data has 3 classes: .* 3 outputs"):
        view.update(MLP(2, [3, 2], seed=0))
    view = BoundaryView(moons(20, seed=0), resolution=10, size=40, problem="regression")
    with pytest.raises(ValueError, match="gives 2 scores per point .*, but the data has 2 classes"):
        view.update(MLP(2, [3, 2], seed=0))


# ---- k classes -----------------------------------------------------------------------------------------------


def hues(png: bytes) -> np.ndarray:
    """The hue (0..255, Pillow's HSV) of each strongly coloured pixel."""
    hsv = np.asarray(Image.open(io.BytesIO(png)).convert("RGB").convert("HSV")).reshape(-1, 3).astype(int)
    return hsv[hsv[:, 1] > 60, 0]


def hue_of(colour: str) -> int:
    rgb = np.array([[[int(colour[i : i + 2], 16) for i in (1, 3, 5)]]], dtype=np.uint8)
    return int(np.asarray(Image.fromarray(rgb).convert("HSV"))[0, 0, 0])


def test_a_k_class_boundary_holds_k_colours_each_where_its_class_is_most_likely():
    for k in (3, 5, 8):
        data = dataclasses.replace(three_classes(), y=np.arange(90) % k, y_test=np.arange(30) % k,
                                   classes=tuple(range(k)))  # fmt: skip
        view = BoundaryView(data, resolution=60, size=180)
        logits = sectors(k)
        view.update(logits)
        image = Image.open(io.BytesIO(view.value))
        assert image.mode == "P" and image.size == (60, 60)  # paletted: k x (256 // k) shades, cheap to encode
        found = hues(view.value)
        targets = np.array([hue_of(c) for c in class_colours(k)])
        gap = np.abs(found[:, None] - targets[None])
        gap = np.minimum(gap, 256 - gap)
        assert (gap.min(axis=1) <= 6).all()  # every coloured pixel is one of the k class colours
        counts = np.bincount(gap.argmin(axis=1), minlength=k)
        assert (counts > 60).all(), counts  # and each class has its region
        rgb = pixels(view.value).reshape(-1, 3)
        top = logits(view.grid).argmax(axis=1)
        palette = class_palette(k, 256 // k)
        shades = class_shades(logits(view.grid).astype(np.float32), 256 // k)
        np.testing.assert_array_equal(rgb, palette[shades])  # the shading of microgradx.plot, pixel for pixel
        assert (shades // (256 // k) == top).all()


def test_a_k_class_boundary_fades_towards_the_background_where_the_model_is_unsure():
    view = BoundaryView(three_classes(), resolution=41, size=123)
    view.update(sectors(3))
    rgb = pixels(view.value).astype(int)
    centre = view._to_pixels(np.zeros((1, 2)))[0] / 3  # the origin: every class equally likely
    i, j = np.rint(centre[::-1] - 0.5).astype(int)
    background = np.array([0xE8, 0xEA, 0xEB])
    assert np.abs(rgb[i, j] - background).max() <= 12
    corner = rgb[2, 2]  # far out: sure, and so nearly the class's full colour
    assert np.abs(corner - background).max() > 100


def test_a_k_class_boundary_draws_the_lines_where_the_most_likely_class_changes():
    view = BoundaryView(three_classes(), resolution=61, size=183)
    view.update(sectors(3))
    line = line_vertices(view)
    assert len(line) > 20
    # each vertex lies where two classes tie for the top (to the SVG's 0.1 pixel and the grid's linear steps)
    x0, x1, y0, y1 = view.extent
    xy = np.column_stack([x0 + (line[:, 0] / 3 - 0.5) / 60 * (x1 - x0), y1 - (line[:, 1] / 3 - 0.5) / 60 * (y1 - y0)])
    z = np.sort(sectors(3)(xy), axis=1)
    assert np.abs(z[:, -1] - z[:, -2]).max() < 0.02 * np.abs(z).max()
    angles = np.degrees(np.arctan2(xy[:, 1], xy[:, 0])) % 360  # the three rays between the sectors
    assert all(np.isclose(angles, a, atol=1.5).any() for a in (60, 180, 300))
    view.update(lambda X: np.tile([0.0, 1.0, 0.0], (len(X), 1)))  # one class everywhere: no line
    assert "M" not in view.line.value


def test_a_k_class_boundary_colours_points_and_names_the_classes():
    data = three_classes()
    view = BoundaryView(data, resolution=20, size=200)
    circle = r'<circle [^>]* fill="(#\w+)" stroke="(#\w+)"[^>]*><title>(\w+) (\w+)</title>'
    circles = re.findall(circle, view.points.value)
    assert len(circles) == 120
    expected = [class_colours(3)[c] for c in np.concatenate([data.y, data.y_test])]
    assert [c[0] for c in circles] == expected
    assert [c[3] for c in circles] == [data.classes[c] for c in np.concatenate([data.y, data.y_test])]
    legend = view.legend.value
    assert re.findall(r"</svg>(\w+)</span>", legend) == ["cat", "dog", "bird"]
    assert re.findall(r'fill="(#\w+)"', legend) == list(class_colours(3)) and "<stop" not in legend
    view.set_data(moons(20, seed=0))  # back to two classes: the ramp again
    assert view.legend.value == legend_svg(200)


def test_a_k_class_boundary_discretizes_to_full_colours_and_shows_one_outputs_logit():
    data = three_classes()
    model = MLP(2, [5, 3], seed=0, activation="tanh")
    view = BoundaryView(data, resolution=16, size=64, discretize=True)
    view.update(model)
    full = {tuple(class_palette(3, 85)[85 * c + 84]) for c in range(3)}
    assert colours(view.value) <= full and "M" in view.line.value
    view.discretize = False
    for unit in range(3):  # hovering output neuron `unit`: its logit on the ramp, no lines
        view.neuron = (2, unit)
        view.update(model)
        image, grid = pixels(view.value), view.grid.reshape(16, 16, 2)
        for i, j in ((0, 0), (7, 9), (15, 4)):
            value = scalar_neuron(model, grid[i, j], 2, unit)
            assert np.abs(image[i, j].astype(int) - rgb_of(palette_index(np.array(value)))).max() <= 3
        assert view.line.value == ""


def test_a_k_class_boundary_draws_wild_logits_without_warnings():  # warnings are errors in this test suite
    view = BoundaryView(three_classes(), resolution=20, size=60)
    view.update(lambda X: sectors(3)(X) * 1e40)
    view.update(lambda X: np.where(sectors(3)(X) > 0, np.inf, -np.inf))
    view.update(lambda X: np.where(X[:, :1] > 0, np.nan, sectors(3)(X)))
    assert pixels(view.value).shape == (20, 20, 3)
    view.discretize = True
    view.update(lambda X: np.where(X[:, :1] > 0, np.nan, sectors(3)(X)))


# ---- the curves ----------------------------------------------------------------------------------------


def record(k: int, loss: float, **more) -> dict:
    return {"step": k, "loss": loss, "train_acc": 0.5, "test_acc": 0.6, **more}


def test_curves_svg_draws_each_series_and_thins_long_histories():
    history = [record(k, 1 / (k + 1)) for k in range(1000)]
    svg = curves_svg(history, max_points=100)
    assert svg.count("<polyline") == 4  # raw loss, smoothed loss, train acc, test acc (no test_loss key)
    longest = max(len(p.split('points="')[1].split('"')[0].split()) for p in svg.split("<polyline")[1:])
    assert 100 <= longest <= 201
    assert "accuracy" in svg and "train 0.5" in svg
    assert "step" not in curves_svg([], max_points=2)  # an empty history is an empty chart
    for bad in (0, 1, -3, 2.5):
        with pytest.raises(ValueError, match="max_points must be an int >= 2"):
            curves_svg(history, max_points=bad)
    no_test = curves_svg([record(k, 1.0, test_acc=None) for k in range(5)])
    assert no_test.count("<polyline") == 3 and "test" not in no_test.lower()


def test_curves_keep_a_bounded_evenly_spaced_copy_of_any_history():
    curves = Curves(max_points=50)
    for start in range(0, 100_000, 7_919):  # arriving in uneven chunks, as frames take them
        curves.extend([record(k + 1, 1.0) for k in range(min(start + 7_919, 100_000))])
    rows = np.array(curves.rows())
    assert len(rows) <= 2 * 50 + 1 and rows[-1, 0] == 100_000 and rows[0, 0] == 1
    gaps = np.diff(rows[:-1, 0])
    assert len(set(gaps)) == 1 and gaps[0] == curves.stride  # evenly spaced, the last record added


def test_the_smoothed_loss_averages_every_step_not_only_the_kept_ones():
    losses = np.where(np.arange(2000) % 2 == 0, 0.0, 2.0)  # batch noise: 0, 2, 0, 2, ...
    curves = Curves(max_points=20, smoothing=0.9)
    curves.extend([record(k + 1, float(v)) for k, v in enumerate(losses)])
    ema, weight = 0.0, 0.0
    for v in losses:
        ema, weight = 0.9 * ema + 0.1 * v, 0.9 * weight + 0.1
    step, raw, smoothed = curves.rows()[-1][:3]
    assert raw == 2.0 and smoothed == pytest.approx(ema / weight, rel=1e-12) and abs(smoothed - 1.0) < 0.1
    kept_raw = {row[1] for row in curves.rows()}
    assert kept_raw == {0.0, 2.0}  # the raw line is still drawn, faint, under the smoothed one


def test_a_diverged_loss_does_not_poison_the_average():
    curves = Curves(max_points=10)
    curves.extend([record(1, 1.0), record(2, float("nan")), record(3, float("inf")), record(4, 1.0)])
    assert curves.rows()[-1][2] == pytest.approx(1.0)


def test_curves_view_reads_each_record_once_and_starts_over_after_a_reset():
    history = [record(k + 1, 1.0 / (k + 1), test_loss=0.5) for k in range(300)]
    view = CurvesView(width=320, height=200)
    for end in (0, 1, 57, 300):
        view.update(history[:end])
    assert view.value == curves_svg(history, width=320, height=200)  # incremental == all at once
    assert view.curves.seen == 300
    view.update([record(1, 9.0)])  # a reset: a new, shorter history
    assert view.curves.seen == 1 and "Loss (smoothed) <tspan" in view.value and "9.000" in view.value
    retrained = [record(k + 1, 2.0) for k in range(300)]  # as long as before, but another run
    view.update(retrained)
    assert view.value == curves_svg(retrained, width=320, height=200)


def test_curves_view_shows_train_and_test_loss_as_numbers():
    view = CurvesView([record(k + 1, 0.25, test_loss=0.75, train_loss=0.5) for k in range(10)])
    assert re.search(r'Training loss <tspan class="mgx-train_loss"[^>]*>0.500<', view.value)
    assert re.search(r'Test loss <tspan class="mgx-test_loss"[^>]*>0.750<', view.value)
    view = CurvesView([record(k + 1, 0.25) for k in range(10)])  # no whole-set losses: the smoothed batch loss
    assert re.search(r'Loss \(smoothed\) <tspan class="mgx-smoothed"[^>]*>0.250<', view.value)
    assert "Training loss" not in view.value and "Test loss" not in view.value


def test_curves_refuse_bad_settings():
    for kw, match in (({"smoothing": 1.0}, "smoothing must be a number in [0, 1)"),
                      ({"smoothing": -0.1}, "smoothing must be a number in [0, 1)"),
                      ({"max_points": 1}, "max_points must be an int >= 2"),
                      ({"width": 10}, "CurvesView: width must be an int in [80, 4000]")):  # fmt: skip
        with pytest.raises(ValueError, match=re.escape(match)):
            CurvesView(**kw)
