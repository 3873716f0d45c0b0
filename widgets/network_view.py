"""`NetworkView`: the network as TensorFlow Playground draws it, links shaded by weight sign and size (SVG)."""

from __future__ import annotations

import functools
from html import escape

import ipywidgets as widgets
import numpy as np

from microgradx.nn import dense_layers as _layers
from microgradx.nn.module import Module
from microgradx.plot import NEGATIVE, POSITIVE  # the Playground's orange and blue

__all__ = ["NetworkView", "network_svg", "dense_layers", "layer_weights", "layer_activations"]


def dense_layers(model) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """``[(W, b, activation), ...]`` for each dense layer of `model`, W shaped (out, in) as in PyTorch.

    A scalar `MLP`/`Layer`/`Neuron` or a plain Tensor `Sequential` is read as `predict` reads it; other
    Tensor models by walking their modules in order: each `Linear`-like layer (a 2-D ``weight``) and the
    ReLU/Tanh/Sigmoid right after it.

    >>> from microgradx.nn import MLP
    >>> [(w.shape, act) for w, b, act in dense_layers(MLP(2, [3, 1], seed=0))]
    [((3, 2), 'relu'), ((1, 3), 'linear')]
    """
    layers = _layers(model)
    if layers is not None:
        return layers
    out = []
    for module in _modules(model):
        w = getattr(getattr(module, "weight", None), "data", None)
        if isinstance(w, np.ndarray) and w.ndim == 2:
            b = getattr(getattr(module, "bias", None), "data", None)
            out.append([w, np.zeros(w.shape[0]) if b is None else np.asarray(b).reshape(-1), "linear"])
        elif out and out[-1][2] == "linear" and type(module).__name__ in ("ReLU", "Tanh", "Sigmoid"):
            out[-1][2] = type(module).__name__.lower()
    if not out:
        raise TypeError(f"dense_layers: no dense layers found in {type(model).__name__}")
    return [tuple(layer) for layer in out]


def layer_weights(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W, b), ...]`` of `dense_layers(model)`.

    >>> from microgradx.nn import MLP
    >>> [w.shape for w, b in layer_weights(MLP(2, [3, 1], seed=0))]
    [(3, 2), (1, 3)]
    """
    return [(W, b) for W, b, _ in dense_layers(model)]


def layer_activations(model) -> list[str]:
    """The activation after each dense layer ('tanh', 'relu', ..., 'linear'), as `layer_weights` orders them."""
    return [act for _, _, act in dense_layers(model)]


def _modules(module):
    """`module` and its sub-modules, depth first, in attribute order (lists included)."""
    yield module
    for value in vars(module).values():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, Module):
                yield from _modules(item)


def network_svg(
    weights: list[tuple[np.ndarray, np.ndarray]],
    *,
    inputs: list[str] | None = None,
    activations: list[str] | None = None,
    width: int = 320,
    height: int = 240,
) -> str:
    """An SVG of a dense network: one column of neurons per layer, a line per weight.

    Blue is positive, orange negative; a thicker, darker line is a larger |weight| (relative to the
    largest in the network, shown in each line's tooltip). A neuron's fill is its bias, the same way.

    >>> svg = network_svg([(np.array([[1.0, -2.0]]), np.array([0.5]))])
    >>> svg.count("<line"), svg.count("<circle")
    (2, 3)
    """
    sizes = [weights[0][0].shape[1]] + [w.shape[0] for w, _ in weights]
    for i, (w, b) in enumerate(weights):
        if w.shape[1] != sizes[i] or b.shape != (w.shape[0],):
            raise ValueError(
                f"network_svg: layer {i} has W {w.shape} and b {b.shape}, expected ({w.shape[0]}, {sizes[i]})"
            )
    labels = tuple(
        ["input"] + [(activations[i] if activations and i < len(activations) else "") for i in range(len(weights))]
    )
    names = tuple((inputs[j] if inputs and j < len(inputs) else f"x{j + 1}") for j in range(sizes[0]))
    # The layout is made once per architecture; a frame only fills in the styles and the tooltips' numbers.
    template = _layout(tuple(sizes), labels, names, width, height)
    w = np.concatenate([np.asarray(w, dtype=np.float64).ravel() for w, _ in weights])
    b = np.concatenate([np.asarray(b, dtype=np.float64).ravel() for _, b in weights])
    values = np.empty(2 * (w.size + b.size), dtype=object)
    values[0 : 2 * w.size : 2] = _styles(w, _LINE_STYLES)
    values[1 : 2 * w.size : 2] = w.tolist()
    values[2 * w.size :: 2] = _styles(b, _FILL_STYLES)
    values[2 * w.size + 1 :: 2] = b.tolist()
    return template % tuple(values)


LEVELS = 64  # shades of |weight| / max |weight|: finer than the eye tells apart in a 3-pixel line


def _level_styles(style) -> np.ndarray:
    """``style(colour, a)`` for each sign (row 0: negative, 1: positive) and each level a of |value| in [0, 1]."""
    return np.array(
        [[style(colour, level / LEVELS) for level in range(LEVELS + 1)] for colour in (NEGATIVE, POSITIVE)],
        dtype=object,
    )


# Colour, width and opacity as TensorFlow Playground shades links; a neuron's fill shows its bias the same way.
_LINE_STYLES = _level_styles(
    lambda colour, a: f'stroke="{colour}" stroke-width="{0.4 + 3.2 * a:.2f}" stroke-opacity="{0.15 + 0.85 * a:.2f}"'
)
_FILL_STYLES = _level_styles(lambda colour, a: f'fill="{colour}" fill-opacity="{0.15 + 0.85 * a:.2f}"')


def _styles(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """The style of each value: its sign and its size relative to the largest finite |value|."""
    finite = np.isfinite(values)
    scale = max(float(np.abs(values[finite]).max(initial=0.0)), 1e-12)
    level = np.rint(np.clip(np.where(finite, np.abs(values) / scale, 1.0), 0.0, 1.0) * LEVELS).astype(np.intp)
    return table[(values >= 0).astype(np.intp), level]


@functools.lru_cache(maxsize=32)
def _layout(sizes: tuple, labels: tuple, names: tuple, width: int, height: int) -> str:
    """The SVG of a network of these `sizes`, with ``%s`` (style) and ``%.4g`` (number) slots for each weight
    (line) and then each bias (circle), in the order of `network_svg`'s arrays."""
    top, margin = 18, 16
    xs = np.linspace(margin + 14, width - margin - 14, len(sizes)) if len(sizes) > 1 else np.array([width / 2])
    step = (height - top - 8) / max(sizes)
    radius = max(2.5, min(9.0, step * 0.38))

    def ys(n: int) -> np.ndarray:
        return top + (height - top) / 2 + (np.arange(n) - (n - 1) / 2) * step

    def text(s: str) -> str:  # fixed text in a %-template
        return escape(s).replace("%", "%%")

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mgx-network-svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">'
    ]
    for i in range(len(sizes) - 1):
        y0, y1 = ys(sizes[i]), ys(sizes[i + 1])
        for k in range(sizes[i + 1]):
            for j in range(sizes[i]):
                parts.append(
                    f'<line x1="{xs[i]:.1f}" y1="{y0[j]:.1f}" x2="{xs[i + 1]:.1f}" y2="{y1[k]:.1f}" %s>'
                    "<title>w=%.4g</title></line>"
                )
    circle = (
        '<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {style} stroke="#555" stroke-width="0.8">'
        "<title>{tip}</title></circle>"
    )
    inputs = []
    for i, n in enumerate(sizes):
        parts.append(f'<text x="{xs[i]:.1f}" y="11" text-anchor="middle">{n} {text(labels[i])}</text>')
        for j, y in enumerate(ys(n)):
            if i == 0:  # inputs have no bias: drawn after the rest, so the slots stay in order
                inputs.append(circle.format(x=xs[i], y=y, r=radius, style='fill="#ffffff"', tip=text(names[j])))
            else:
                parts.append(circle.format(x=xs[i], y=y, r=radius, style="%s", tip="b=%.4g"))
    return "".join(parts + inputs + ["</svg>"])


class NetworkView(widgets.HTML):
    """The network's layers, neurons and weights, redrawn by `update(model)` (cheap: one SVG string).

    >>> from microgradx.nn import MLP
    >>> view = NetworkView(MLP(2, [4, 1], seed=0))
    >>> view.value.count("<line")
    12
    """

    def __init__(self, model=None, *, inputs: list[str] | None = None, width: int = 320, height: int = 240, **kw):
        super().__init__(**kw)
        self.inputs, self.svg_size = inputs, (width, height)
        self.add_class("mgx-network")
        if model is not None:
            self.update(model)

    def update(self, model) -> None:
        """Redraw from the model's current weights."""
        layers = dense_layers(model)  # once per frame: a scalar model's Values are read here
        self.value = network_svg(
            [(W, b) for W, b, _ in layers],
            inputs=self.inputs,
            activations=[act for _, _, act in layers],
            width=self.svg_size[0],
            height=self.svg_size[1],
        )
