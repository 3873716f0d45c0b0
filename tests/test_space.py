"""Space as the network sees it: `microgradx.space.hidden_space` (every data point and the input plane's grid
lines at two neurons' activations) and the `SpaceView` widget that redraws it while a Trainer or a dashboard
trains. The browser side is in test_browser_space.py."""

from __future__ import annotations

import numpy as np
import pytest

from microgradx.data import moons
from microgradx.nn import MLP, Conv2d, Flatten, Linear, ReLU, Sequential, Sigmoid, Tanh
from microgradx.plot import make_grid
from microgradx.space import check_choice, grid_lines, hidden_space, layer_sizes, neuron_outputs

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
