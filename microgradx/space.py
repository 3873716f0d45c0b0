"""The plane as a layer of the network sees it, as in Karpathy's ConvNetJS 2-D classification demo.

A dense network maps each point of the input plane to the activations of every layer. Pick one layer and two
of its neurons: `hidden_space` gives every data point at those two activations, and the input plane's grid
lines carried through the same layers, so one sees how the layers fold, stretch and squash the plane until a
straight line (the next layer's) separates the classes.

>>> from microgradx.data import moons
>>> from microgradx.nn import MLP
>>> space = hidden_space(MLP(2, [8, 8, 1], seed=0), moons(40, seed=0), layer=1, neurons=(0, 3))
>>> space.points.shape, space.lines.shape
((40, 2), (30, 100, 2))

Layers are counted as `NetworkView` counts them: 0 is the input features, k the k-th dense layer's outputs
(after its activation), the last one the network's outputs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .data import Dataset
from .nn.activations import ACTIVATIONS
from .nn.arrays import dense_layers
from .plot import make_grid

__all__ = ["Space", "hidden_space", "grid_lines", "layer_sizes", "check_choice", "neuron_outputs"]


def neuron_outputs(layers, X: np.ndarray, *, dtype=np.float32) -> list[np.ndarray]:
    """Every neuron's output at points `X` (n, inputs): ``[X, layer 1 outputs, ..., network outputs]``,
    each (n, units), for dense `layers` ``[(W, b, activation), ...]`` as `microgradx.nn.dense_layers` gives.

    >>> W, b = np.array([[1.0, -1.0]]), np.array([0.5])
    >>> [h.tolist() for h in neuron_outputs([(W, b, "relu")], np.array([[1.0, 3.0]]), dtype=np.float64)]
    [[[1.0, 3.0]], [[0.0]]]
    """
    h = np.asarray(X, dtype=dtype)
    outs = [h]
    with np.errstate(all="ignore"):  # a diverging model's inf/NaN is still drawn
        for W, b, activation in layers:
            h = ACTIVATIONS[activation].numpy(h @ np.asarray(W, dtype=dtype).T + np.asarray(b, dtype=dtype))
            outs.append(h)
    return outs


class Space(NamedTuple):
    """Where `hidden_space` puts things: columns are the activations of ``neurons[0]`` and ``neurons[1]``.

    - `points` (n, 2), `test_points` (m, 2): the training and test points.
    - `lines` (2 * lines, samples, 2): the input plane's grid lines, first those of constant x2 (bottom to
      top), then those of constant x1 (left to right), each sampled evenly across the plane.
    - `plane` (2 * lines, samples, 2): the same lines in the input plane, where they started.
    - `activation`: the layer's activation ('tanh', 'relu', ...; 'input' for layer 0).
    """

    layer: int
    neurons: tuple[int, int]
    activation: str
    points: np.ndarray
    test_points: np.ndarray
    lines: np.ndarray
    plane: np.ndarray


def layer_sizes(model, *, where: str = "layer_sizes") -> list[int]:
    """The number of neurons of each layer of a dense `model`, inputs first: ``[2, 8, 8, 1]`` for ``MLP(2, [8, 8, 1])``.

    >>> from microgradx.nn import MLP
    >>> layer_sizes(MLP(2, [8, 8, 1], seed=0))
    [2, 8, 8, 1]
    """
    return _sizes(_dense(model, where))


def _sizes(layers) -> list[int]:
    return [layers[0].W.shape[1], *(layer.W.shape[0] for layer in layers)]


def _dense(model, where: str = "layer_sizes"):
    layers = dense_layers(model)
    if layers is None:
        raise TypeError(
            f"{where}: model must be a dense network (a scalar MLP or Layer, or a Tensor nn.Sequential of Linear "
            f"layers each followed by at most one activation), got {type(model).__name__}"
        )
    return layers


def check_choice(sizes, layer, neurons, where: str = "hidden_space") -> tuple[int, tuple[int, int]]:
    """`layer` and the pair `neurons` checked against the layer `sizes` (inputs first); returns them as ints.

    A ValueError names what is wrong and what is allowed: the layers with at least two neurons, and the
    neurons of the chosen layer (two different ones).
    """
    wide = [i for i, size in enumerate(sizes) if size >= 2]
    allowed = ", ".join(f"{i} ({sizes[i]} neurons)" for i in wide) or "none: every layer has one neuron"
    if not _is_int(layer) or not 0 <= layer < len(sizes):
        raise ValueError(f"{where}: layer must be an int in 0..{len(sizes) - 1} (0: the inputs), got {layer!r}; "
                         f"layers with two neurons or more: {allowed}")  # fmt: skip
    if sizes[layer] < 2:
        raise ValueError(f"{where}: layer {layer} has {sizes[layer]} neuron, two are needed for a plane; "
                         f"choose one of the layers {allowed}")  # fmt: skip
    size = sizes[layer]
    if not (isinstance(neurons, (tuple, list)) and len(neurons) == 2 and all(_is_int(n) for n in neurons)):
        raise ValueError(f"{where}: neurons must be a pair of ints (x, y) in 0..{size - 1}, got {neurons!r}")
    a, b = (int(n) for n in neurons)
    if not (0 <= a < size and 0 <= b < size):
        raise ValueError(f"{where}: layer {layer} has neurons 0..{size - 1}, got neurons {neurons!r}")
    if a == b:
        raise ValueError(f"{where}: neurons must be two different neurons of layer {layer} (0..{size - 1}), "
                         f"got neuron {a} twice")  # fmt: skip
    return int(layer), (a, b)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def hidden_space(model, data: Dataset, layer: int = 1, neurons=(0, 1), *, lines: int = 15, samples: int = 100,
                 margin: float = 0.1) -> Space:  # fmt: skip
    """Every point of `data`, and `lines` x `lines` grid lines of its input plane (each `samples` points,
    over the plane `BoundaryView` shows: the data with a `margin`), at the activations of two `neurons` of
    `layer` of a dense `model`, computed with NumPy in float64.

    The grid lines go through the dataset's feature map first, as the points do, so a model reading
    x1*x2 or sin(x1) sees them as it sees the data.
    """
    layers = _dense(model, "hidden_space")
    if not isinstance(data, Dataset):
        raise TypeError(f"hidden_space: data must be a microgradx.data.Dataset, got {type(data).__name__}")
    if data.X.shape[1] != 2:
        raise ValueError(f"hidden_space: the input plane needs 2-D points, got X with {data.X.shape[1]} columns")
    if data.n_features != layers[0].W.shape[1]:
        raise ValueError(f"hidden_space: the model reads {layers[0].W.shape[1]} inputs, the data gives "
                         f"{data.n_features} ({', '.join(data.feature_names)})")  # fmt: skip
    for name, value in (("lines", lines), ("samples", samples)):
        if not (_is_int(value) and 2 <= value <= 1000):
            raise ValueError(f"hidden_space: {name} must be an int in [2, 1000], got {value!r}")
    layer, neurons = check_choice(_sizes(layers), layer, neurons)
    plane = grid_lines(data, int(lines), int(samples), margin)
    n, m = len(data.X), len(data.X_test)
    X = np.concatenate([data.inputs, data.inputs_test, data.transform(plane.reshape(-1, 2))])
    h = neuron_outputs(layers[:layer], X, dtype=np.float64)[layer][:, list(neurons)]
    return Space(
        layer=layer,
        neurons=neurons,
        activation="input" if layer == 0 else layers[layer - 1].activation,
        points=h[:n],
        test_points=h[n : n + m],
        lines=h[n + m :].reshape(plane.shape),
        plane=plane,
    )


def grid_lines(data: Dataset, lines: int = 15, samples: int = 100, margin: float = 0.1) -> np.ndarray:
    """The input plane's grid lines (2 * lines, samples, 2): `lines` of constant x2 then `lines` of constant x1,
    evenly spaced over `data`'s plane with a `margin` (the extent `BoundaryView` draws).

    >>> from microgradx.data import moons
    >>> grid_lines(moons(20, seed=0), 3, 5).shape
    (6, 5, 2)
    """
    _, (x0, x1, y0, y1) = make_grid(data, 2, margin)
    across, along = np.linspace(0.0, 1.0, lines), np.linspace(0.0, 1.0, samples)
    flat = np.empty((lines, samples, 2))  # constant x2: x runs along the line
    flat[..., 0], flat[..., 1] = x0 + (x1 - x0) * along, (y0 + (y1 - y0) * across)[:, None]
    upright = np.empty((lines, samples, 2))  # constant x1
    upright[..., 0], upright[..., 1] = (x0 + (x1 - x0) * across)[:, None], y0 + (y1 - y0) * along
    return np.concatenate([flat, upright])
