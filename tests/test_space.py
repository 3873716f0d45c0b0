"""Space as the network sees it: `microgradx.space.hidden_space` (every data point and the input plane's grid
lines at two neurons' activations) and the `SpaceView` widget that redraws it while a Trainer or a dashboard
trains. The browser side is in test_browser_space.py."""

from __future__ import annotations

import re
import threading
import time

import numpy as np
import pytest

from microgradx.data import moons
from microgradx.nn import MLP, Conv2d, Flatten, Linear, ReLU, Sequential, Sigmoid, Tanh
from microgradx.plot import NEGATIVE, POSITIVE, make_grid
from microgradx.space import check_choice, grid_lines, hidden_space, layer_sizes, neuron_outputs
from microgradx.train import Trainer
from microgradx.widgets import SpaceView, TrainingDashboard
from microgradx.widgets._svg import hex_colours
from microgradx.widgets.space_view import fit_bounds, nice_ticks, pixel_map

SEVEN = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")


def tensor_model(seed: int = 0) -> Sequential:
    return Sequential(Linear(2, 6, seed=seed), Tanh(), Linear(6, 5, seed=seed + 1), ReLU(), Linear(5, 3, seed=seed + 2))


def by_hand(model: Sequential, X: np.ndarray, layer: int) -> np.ndarray:
    """The activations of `layer` of `tensor_model`, written out with NumPy from the weights."""
    W1, b1 = model[0].weight.data, model[0].bias.data
    W2, b2 = model[2].weight.data, model[2].bias.data
    W3, b3 = model[4].weight.data, model[4].bias.data
    h1 = np.tanh(X @ W1.T + b1)
    h2 = np.maximum(h1 @ W2.T + b2, 0.0)
    return [X, h1, h2, h2 @ W3.T + b3][layer]


def by_values(model: MLP, x, layer: int) -> list[float]:
    """The activations of `layer` of a scalar MLP at one point, from the scalar engine's own forward passes."""
    h = [float(v) for v in x]
    for lay in model.layers[:layer]:
        out = lay(h)
        h = [v.data for v in (out if isinstance(out, list) else [out])]
    return h


@pytest.mark.parametrize("layer, neurons", [(1, (0, 5)), (2, (4, 1)), (3, (2, 0)), (0, (1, 0))])
def test_points_are_the_layers_activations_computed_by_hand(layer, neurons):
    model, data = tensor_model(), moons(60, noise=0.2, seed=1, test_ratio=0.25)
    space = hidden_space(model, data, layer, neurons)
    np.testing.assert_allclose(space.points, by_hand(model, data.X, layer)[:, list(neurons)], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        space.test_points, by_hand(model, data.X_test, layer)[:, list(neurons)], rtol=0, atol=1e-12
    )
    assert space.points.shape == (45, 2) and space.test_points.shape == (15, 2)
    assert space.layer == layer and space.neurons == neurons
    assert space.activation == ["input", "tanh", "relu", "linear"][layer]


def test_a_scalar_mlps_points_are_its_value_forward_passes():
    model = MLP(2, [5, 4, 1], activation="tanh", seed=3)
    data = moons(30, seed=2, test_ratio=0.2)
    for layer, neurons in ((1, (3, 0)), (2, (1, 2))):
        space = hidden_space(model, data, layer, neurons)
        for x, at in zip(data.X, space.points):
            h = by_values(model, x, layer)
            assert at[0] == pytest.approx(h[neurons[0]], abs=1e-12) and at[1] == pytest.approx(h[neurons[1]], abs=1e-12)
        for x, at in zip(data.X_test, space.test_points):
            np.testing.assert_allclose(at, np.take(by_values(model, x, layer), neurons), rtol=0, atol=1e-12)


def test_grid_lines_are_straight_in_the_plane_and_go_through_the_same_layers():
    model, data = tensor_model(seed=4), moons(50, noise=0.1, seed=0, test_ratio=0.2)
    space = hidden_space(model, data, 2, (0, 3), lines=7, samples=40)
    _, (x0, x1, y0, y1) = make_grid(data, 2, 0.1)  # the plane BoundaryView draws
    flat, upright = space.plane[:7], space.plane[7:]
    assert space.plane.shape == space.lines.shape == (14, 40, 2)
    assert np.all(flat[:, :, 1] == flat[:, :1, 1]) and np.all(upright[:, :, 0] == upright[:, :1, 0])  # straight
    np.testing.assert_allclose(flat[:, 0, 1], np.linspace(y0, y1, 7))  # evenly spaced, edge to edge
    np.testing.assert_allclose(flat[0, :, 0], np.linspace(x0, x1, 40))
    np.testing.assert_allclose(upright[:, 0, 0], np.linspace(x0, x1, 7))
    np.testing.assert_allclose(upright[0, :, 1], np.linspace(y0, y1, 40))
    expected = by_hand(model, space.plane.reshape(-1, 2), 2)[:, [0, 3]].reshape(14, 40, 2)
    np.testing.assert_allclose(space.lines, expected, rtol=0, atol=1e-12)
    assert len({tuple(np.round(line[0], 9)) for line in space.lines}) > 7  # the lines do not collapse to one


def test_points_and_lines_go_through_the_feature_map():
    data = moons(40, seed=0).with_features(*SEVEN)
    model = MLP(7, [6, 1], activation="tanh", seed=0)
    space = hidden_space(model, data, 1, (2, 5), lines=4, samples=9)
    W = np.array([[w.data for w in n.w] for n in model.layers[0].neurons])
    b = np.array([n.b.data for n in model.layers[0].neurons])
    np.testing.assert_allclose(space.points, np.tanh(data.inputs @ W.T + b)[:, [2, 5]], rtol=0, atol=1e-12)
    lines = np.tanh(data.transform(space.plane.reshape(-1, 2)) @ W.T + b)[:, [2, 5]].reshape(8, 9, 2)
    np.testing.assert_allclose(space.lines, lines, rtol=0, atol=1e-12)
    # layer 0 is the features themselves: x1*x2 against sin(x1)
    inputs = hidden_space(model, data, 0, (4, 5))
    np.testing.assert_array_equal(inputs.points, data.inputs[:, [4, 5]])


def test_sigmoid_layers_and_neuron_outputs_agree():
    model = Sequential(Linear(2, 4, seed=0), Sigmoid(), Linear(4, 2, seed=1))
    data = moons(20, seed=0)
    space = hidden_space(model, data, 1, (3, 1))
    h = 1 / (1 + np.exp(-(data.X @ model[0].weight.data.T + model[0].bias.data)))
    np.testing.assert_allclose(space.points, h[:, [3, 1]], rtol=0, atol=1e-12)
    outs = neuron_outputs([(model[0].weight.data, model[0].bias.data, "sigmoid")], data.X, dtype=np.float64)
    np.testing.assert_allclose(outs[1], h, rtol=0, atol=1e-12)


def test_layer_sizes_and_grid_lines():
    assert layer_sizes(tensor_model()) == [2, 6, 5, 3]
    assert layer_sizes(MLP(3, [4, 1], seed=0)) == [3, 4, 1]
    lines = grid_lines(moons(20, seed=0), 3, 5)
    assert lines.shape == (6, 5, 2) and np.isfinite(lines).all()


# ---- bad input -------------------------------------------------------------------------------------------


def test_a_layer_with_one_neuron_is_refused_naming_the_layers_allowed():
    model, data = MLP(2, [8, 4, 1], seed=0), moons(20, seed=0)
    with pytest.raises(ValueError, match=r"layer 3 has 1 neuron.*0 \(2 neurons\), 1 \(8 neurons\), 2 \(4 neurons\)"):
        hidden_space(model, data, 3, (0, 1))
    with pytest.raises(ValueError, match=r"layer 1 has 1 neuron.*none: every layer has one neuron"):
        check_choice([1, 1, 1], 1, (0, 1))


@pytest.mark.parametrize(
    "layer, neurons, message",
    [
        (1, (0, 8), r"layer 1 has neurons 0..7, got neurons \(0, 8\)"),
        (1, (-1, 2), r"layer 1 has neurons 0..7"),
        (2, (3, 3), r"neurons must be two different neurons of layer 2 \(0..3\), got neuron 3 twice"),
        (1, (0,), r"neurons must be a pair of ints \(x, y\) in 0..7, got \(0,\)"),
        (1, (0.0, 1), r"neurons must be a pair of ints"),
        (1, (True, 0), r"neurons must be a pair of ints"),
        (4, (0, 1), r"layer must be an int in 0..3 \(0: the inputs\), got 4"),
        (-1, (0, 1), r"layer must be an int in 0..3"),
        ("1", (0, 1), r"layer must be an int in 0..3"),
    ],
)
def test_bad_layers_and_neurons_are_named(layer, neurons, message):
    with pytest.raises(ValueError, match=r"hidden_space: " + message):
        hidden_space(MLP(2, [8, 4, 1], seed=0), moons(20, seed=0), layer, neurons)


def test_models_and_data_it_cannot_map_are_refused():
    data = moons(20, seed=0)
    conv = Sequential(Conv2d(1, 2, 3), Flatten(), Linear(2, 1))
    with pytest.raises(TypeError, match=r"hidden_space: model must be a dense network .* got Sequential"):
        hidden_space(conv, data)

    class Wider(Sequential):  # a subclass may compute something else: not read as dense layers
        pass

    with pytest.raises(TypeError, match=r"got Wider"):
        hidden_space(Wider(Linear(2, 3), Tanh(), Linear(3, 1)), data)
    with pytest.raises(TypeError, match=r"model must be a dense network"):
        hidden_space(lambda X: X, data)
    with pytest.raises(TypeError, match=r"layer_sizes: model must be a dense network"):
        layer_sizes(object())
    with pytest.raises(TypeError, match=r"data must be a microgradx.data.Dataset, got ndarray"):
        hidden_space(MLP(2, [3, 1], seed=0), np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"the model reads 3 inputs, the data gives 2 \(x1, x2\)"):
        hidden_space(MLP(3, [3, 1], seed=0), data)
    with pytest.raises(ValueError, match=r"lines must be an int in \[2, 1000\], got 1"):
        hidden_space(MLP(2, [3, 1], seed=0), data, lines=1)
    with pytest.raises(ValueError, match=r"samples must be an int in \[2, 1000\], got 2.5"):
        hidden_space(MLP(2, [3, 1], seed=0), data, samples=2.5)


def test_a_diverged_model_still_maps_with_nan():
    model = Sequential(Linear(2, 3, seed=0), Tanh(), Linear(3, 2, seed=1))
    model[2].weight.data[0, 0] = np.nan
    space = hidden_space(model, moons(20, seed=0), 2, (0, 1))
    assert np.isnan(space.points[:, 0]).all() and np.isfinite(space.points[:, 1]).all()


def test_docstring_examples_run():
    import doctest

    import microgradx.space

    result = doctest.testmod(microgradx.space, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# ---- the widget ----------------------------------------------------------------------------------------------

def circles(svg: str, kind: str) -> tuple[np.ndarray, list[str]]:
    """The (cx, cy) in tenths of a pixel and the fill of each circle of group mgx-space-`kind`."""
    group = re.search(rf'<g class="mgx-space-{kind}"[^>]*>(.*?)</g>', svg).group(1)
    found = re.findall(r'<circle cx="(-?\d+)" cy="(-?\d+)" r="30" fill="(#[0-9a-f]{6})"/>', group)
    return np.array([(int(x), int(y)) for x, y, _ in found]).reshape(-1, 2), [f for _, _, f in found]


def line_vertices(svg: str) -> list[np.ndarray]:
    """Each polyline of the two grid-line paths, as (samples, 2) tenths of a pixel."""
    out = []
    for d in re.findall(r'<path class="mgx-space-lines" d="([^"]*)"', svg):
        for run in d.split("M")[1:]:
            out.append(np.array([[int(v) for v in xy.split(",")] for xy in run.split()]))
    return out


def tenths(xy: np.ndarray) -> np.ndarray:
    return np.rint(xy * 10).astype(int)


def until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def trained(seed: int = 0, steps: int = 0, **kw) -> Trainer:
    trainer = Trainer(_two_layer(seed), "hinge", "sgd",
                      moons(60, noise=0.2, seed=1, test_ratio=0.25), lr=0.3, **kw)  # fmt: skip
    trainer.fit(steps)
    return trainer


def _two_layer(seed: int) -> Sequential:
    return Sequential(Linear(2, 6, seed=seed), Tanh(), Linear(6, 5, seed=seed + 1), ReLU(), Linear(5, 1, seed=seed + 2))


def test_the_views_points_are_the_hidden_activations_it_draws():
    trainer = trained(steps=20)
    model, data = trainer.model, trainer.data
    view = SpaceView(trainer, layer=1, neurons=(4, 1), size=300)
    W1, b1 = model[0].weight.data, model[0].bias.data
    h, h_test = np.tanh(data.X @ W1.T + b1)[:, [4, 1]], np.tanh(data.X_test @ W1.T + b1)[:, [4, 1]]
    np.testing.assert_allclose(view.space.points, h, rtol=0, atol=1e-12)
    np.testing.assert_allclose(view.space.test_points, h_test, rtol=0, atol=1e-12)
    # the picture puts each point where its activations are, in the axes the picture shows
    svg = view.value.decode()
    to_pixels = pixel_map(fit_bounds(view.space), 300)
    at, fills = circles(svg, "train")
    np.testing.assert_array_equal(at, tenths(to_pixels(h)))
    assert fills == [POSITIVE if y > 0 else NEGATIVE for y in data.y] and len(set(fills)) == 2
    at_test, _ = circles(svg, "test")
    np.testing.assert_array_equal(at_test, tenths(to_pixels(h_test)))
    # 15 + 15 grid lines of 100 vertices, each the plane's line through the same layer
    lines = line_vertices(svg)
    assert len(lines) == 30 and all(line.shape == (100, 2) for line in lines)
    plane = view.space.plane.reshape(-1, 2)
    expected = tenths(to_pixels(np.tanh(plane @ W1.T + b1)[:, [4, 1]])).reshape(30, 100, 2)
    np.testing.assert_array_equal(np.array(lines), expected)
    assert 'class="mgx-space-xname"' in svg and "layer 1 (tanh): neuron 4" in svg and ">neuron 1<" in svg


def test_a_scalar_mlps_view_shows_its_value_forward_passes():
    model, data = MLP(2, [4, 3, 1], activation="tanh", seed=2), moons(30, seed=0)
    trainer = Trainer(model, "hinge", "sgd", data, lr=0.1)
    view = SpaceView(trainer, layer=2, neurons=(2, 0), max_fps=None)
    trainer.fit(4)
    for x, at in zip(data.X, view.space.points):
        h = by_values(model, x, 2)
        np.testing.assert_allclose(at, [h[2], h[0]], rtol=0, atol=1e-12)
    assert view.frames == 5  # the first frame, and one per step (max_fps=None)


def test_it_redraws_when_the_trainer_steps_and_ends_on_the_last_step():
    trainer = trained()
    view = SpaceView(trainer, layer=2, neurons=(0, 3), max_fps=5)  # at most 5 frames a second
    first = view.space.points.copy()
    trainer.fit(30)  # a few ms a step: most frames are owed, the last one is drawn when the steps stop
    assert until(lambda: not view.pending)
    expected = hidden_space(trainer.model, trainer.data, 2, (0, 3)).points
    np.testing.assert_array_equal(view.space.points, expected)
    assert not np.array_equal(first, expected) and 2 <= view.frames < 31


def test_steps_and_redraws_from_other_threads_do_not_deadlock_or_lose_the_last_state():
    trainer = trained()
    view = SpaceView(trainer, layer=1, neurons=(0, 1), max_fps=50)
    runner = threading.Thread(target=trainer.fit, args=(150,))
    runner.start()
    choices = [(1, (2, 3)), (2, (4, 0)), (1, (5, 0))]
    while runner.is_alive():  # a learner picking neurons while training goes on in another thread
        view.layer, view.neurons = choices[view.frames % 3]
        view.update()
    runner.join(30)
    assert not runner.is_alive() and until(lambda: not view.pending)
    assert len(trainer.history) == 150
    expected = hidden_space(trainer.model, trainer.data, view.layer, view.neurons)
    np.testing.assert_array_equal(view.space.points, expected.points)
    np.testing.assert_array_equal(view.space.lines, expected.lines)


def test_it_follows_a_dashboard_through_training_reset_and_rebuilds():
    dash = TrainingDashboard(hidden=(4, 4), seed=0, speed=None)
    view = SpaceView(dash, layer=2, neurons=(1, 3))
    dash.fit(10)
    assert until(lambda: not view.pending) and view.trainer is dash.trainer

    def shows_the_dashboard() -> bool:
        expected = hidden_space(dash.model, dash.data, view.layer, view.neurons).points
        return view.space.points.shape == expected.shape and np.array_equal(view.space.points, expected)

    assert shows_the_dashboard()
    dash.reset()  # a new trainer, step 0
    assert until(lambda: view.trainer is dash.trainer and not view.pending) and shows_the_dashboard()
    dash.set_hidden([3, 5])  # a new model: layer 2 has five neurons now, neurons (1, 3) still fit
    assert until(lambda: view.trainer is dash.trainer and not view.pending) and shows_the_dashboard()
    assert [value for _, value in view.layer_picker.options] == [0, 1, 2]
    dash.set_hidden([1])  # layer 2 is gone (the output has one neuron): the view picks the inputs
    assert until(lambda: view.trainer is dash.trainer and not view.pending) and shows_the_dashboard()
    assert view.layer == 0 and [value for _, value in view.layer_picker.options] == [0]
    dash.set_hidden([6, 6])
    assert until(lambda: not view.pending) and view.layer == 0  # the inputs still fit: kept
    view.layer, view.neurons = 2, (5, 4)
    points = view.space.points
    dash.regenerate()  # new data at step 0, the same model seed
    assert until(lambda: view.trainer is dash.trainer and not view.pending) and shows_the_dashboard()
    assert (view.layer, view.neurons) == (2, (5, 4)) and not np.array_equal(view.space.points, points)
    dash.fit(5)
    assert until(lambda: not view.pending) and shows_the_dashboard()
    dash.add_points([[0.5, 0.25], [-0.5, 0.75]], [dash.data.classes[0]] * 2)  # the same trainer, new data
    assert until(lambda: len(view.space.points) == len(dash.data.X) and not view.pending)
    assert view.trainer is dash.trainer and shows_the_dashboard()
    view.close()
    frames = view.frames
    dash.fit(5)
    assert view.frames == frames  # closed: no longer follows


def test_the_pickers_choose_what_is_drawn_and_swap_rather_than_repeat():
    trainer = trained()
    view = SpaceView(trainer, layer=1, neurons=(0, 1), max_fps=None)
    labels = [label for label, _ in view.layer_picker.options]
    assert labels == ["0: inputs (2)", "1: hidden, tanh (6)", "2: hidden, relu (5)"]  # the output has one neuron
    view.layer_picker.value = 2
    assert view.layer == 2 and view.neurons == (0, 1) and view.space.layer == 2
    assert [v for _, v in view.x_picker.options] == [0, 1, 2, 3, 4]
    view.y_picker.value = 4
    assert view.neurons == (0, 4) and view.space.neurons == (0, 4)
    view.x_picker.value = 4  # the other axis's neuron: the two swap
    assert view.neurons == (4, 0) and (view.x_picker.value, view.y_picker.value) == (4, 0)
    view.layer_picker.value = 1  # neurons 4 and 0 exist in layer 1 too: kept
    assert view.layer == 1 and view.neurons == (4, 0)
    assert "layer 1 (tanh): neuron 4" in view.value.decode()


def test_bad_choices_are_refused_and_leave_the_view_as_it_was():
    trainer = trained()
    view = SpaceView(trainer, layer=2, neurons=(1, 2), max_fps=None)
    before = view.value
    with pytest.raises(ValueError, match=r"SpaceView: layer 3 has 1 neuron.*1 \(6 neurons\), 2 \(5 neurons\)"):
        view.layer = 3
    with pytest.raises(ValueError, match=r"SpaceView: neurons must be two different neurons of layer 2"):
        view.neurons = (2, 2)
    with pytest.raises(ValueError, match=r"SpaceView: layer 2 has neurons 0..4, got neurons \(0, 5\)"):
        view.neurons = (0, 5)
    assert (view.layer, view.neurons, view.value) == (2, (1, 2), before)
    with pytest.raises(ValueError, match=r"SpaceView: layer 3 has 1 neuron"):
        SpaceView(trainer, layer=3)
    with pytest.raises(ValueError, match=r"SpaceView: size must be an int in \[160, 4000\], got 100"):
        SpaceView(trainer, size=100)
    with pytest.raises(ValueError, match=r"SpaceView: lines must be an int in \[2, 1000\]"):
        SpaceView(trainer, lines=0)
    with pytest.raises(TypeError, match=r"SpaceView: source must be a microgradx Trainer or a TrainingDashboard"):
        SpaceView(trainer.model)
    conv = Sequential(Conv2d(1, 2, 3), Flatten(), Linear(2, 1))
    not_dense = Trainer(Sequential(Linear(2, 3), Tanh(), Linear(3, 1)), "hinge", "sgd", moons(20, seed=0))
    not_dense.model = conv  # as if the model were not a dense stack
    with pytest.raises(TypeError, match=r"SpaceView: model must be a dense network"):
        SpaceView(not_dense)


def test_regression_points_take_the_ramps_colours_and_a_diverged_model_still_draws():
    import dataclasses

    data = moons(40, seed=0)
    plane = dataclasses.replace(data, y=np.tanh(data.X.sum(1)), labels="real", classes=())
    trainer = Trainer(_two_layer(0), "mse", "sgd", plane, lr=0.1)
    view = SpaceView(trainer, max_fps=None)
    _, fills = circles(view.value.decode(), "train")
    assert fills == hex_colours(plane.y)
    trainer.model[0].weight.data[1, 0] = np.nan  # neuron 1 of layer 1 is NaN everywhere
    view.update()
    assert view.error is None and np.isnan(view.space.points[:, 1]).all()
    at, _ = circles(view.value.decode(), "train")
    assert len(at) == 0  # no point has two finite activations: none drawn, and no failure
    view.neurons = (0, 2)
    assert len(circles(view.value.decode(), "train")[0]) == 40


def test_nice_ticks():
    assert nice_ticks(-1.08, 1.08) == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert nice_ticks(0.0, 0.37) == [0.0, 0.1, 0.2, 0.3]
    assert nice_ticks(-3.0, 250.0) == [0.0, 100.0, 200.0]
    assert nice_ticks(1.0, 1.0) == [] and nice_ticks(0.0, np.inf) == []
    assert all(2 <= len(nice_ticks(lo, lo + span)) <= 6 for lo in (-7.3, 0.0, 0.01) for span in (0.003, 1.0, 42.0))


def test_the_widgets_docstring_examples_run():
    import doctest

    import microgradx.widgets.space_view

    result = doctest.testmod(microgradx.widgets.space_view, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_a_saved_notebook_keeps_a_png_of_the_picture():
    import io

    from PIL import Image

    trainer = trained(steps=30)
    view = SpaceView(trainer, layer=2, neurons=(0, 3), size=240)
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # the live view, and beside it the picture
    png = bundle["image/png"]
    assert png == view._repr_mimebundle_()["image/png"]  # the same bytes on every run
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (240, 240)
    pixels = {tuple(c) for c in np.asarray(image).reshape(-1, 3).astype(int).tolist()}
    near = lambda colour: any(sum(abs(a - b) for a, b in zip(p, colour)) < 30 for p in pixels)  # noqa: E731
    assert near((8, 119, 189)) and near((245, 147, 34))  # blue and orange points
    assert "image/png" not in view._repr_mimebundle_(exclude={"image/png"})


def test_k_classes_the_points_take_each_class_colour_and_the_logits_are_a_layer():
    from microgradx.data import spiral
    from microgradx.plot import CLASS_COLOURS

    data = spiral(90, classes=3, seed=0, test_ratio=0.2)
    model = MLP(2, [6, 5, 3], activation="tanh", seed=1)
    trainer = Trainer(model, "cross_entropy", "adam", data, lr=0.02)
    view = SpaceView(trainer, layer=3, neurons=(2, 0), max_fps=None)  # the three logits: the output layer
    trainer.fit(3)
    _, fills = circles(view.value.decode(), "train")
    assert fills == [CLASS_COLOURS[c] for c in data.y] and len(set(fills)) == 3
    for x, at in zip(data.X, view.space.points):
        np.testing.assert_allclose(at, np.take(by_values(model, x, 3), [2, 0]), rtol=0, atol=1e-12)
    assert [v for _, v in view.layer_picker.options] == [0, 1, 2, 3]
    assert "3: outputs, linear (3)" in [label for label, _ in view.layer_picker.options]
