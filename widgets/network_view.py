"""`NetworkView`: the network as TensorFlow Playground draws it, links shaded by weight sign and size (SVG)."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets
import numpy as np

from microgradx.nn.module import Module
from microgradx.plot import NEGATIVE, POSITIVE  # the Playground's orange and blue
from microgradx.train import _layers

__all__ = ["NetworkView", "network_svg", "layer_weights", "layer_activations"]


def layer_weights(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W, b), ...]`` for each dense layer of `model`, W shaped (out, in) as in PyTorch.

    Works for the scalar `MLP` (``layers[i].neurons[j].w``) and for Tensor models built from `Linear`
    layers (found by walking `Sequential`-like containers in order).

    >>> from microgradx.nn import MLP
    >>> [w.shape for w, b in layer_weights(MLP(2, [3, 1], seed=0))]
    [(3, 2), (1, 3)]
    """
    scalar = _layers(model)  # a scalar MLP/Layer/Neuron, stacked into arrays as predict() does
    if scalar is not None:
        return [(W, b) for W, b, _ in scalar]
    out = []
    for module in _modules(model):  # Linear layers in order
        w = getattr(getattr(module, "weight", None), "data", None)
        if isinstance(w, np.ndarray) and w.ndim == 2:
            b = getattr(getattr(module, "bias", None), "data", None)
            out.append((w, np.zeros(w.shape[0]) if b is None else np.asarray(b).reshape(-1)))
    if not out:
        raise TypeError(f"layer_weights: no dense layers found in {type(model).__name__}")
    return out


def layer_activations(model) -> list[str]:
    """The activation after each dense layer ('tanh', 'relu', ..., 'linear'), as `layer_weights` orders them."""
    if isinstance(getattr(model, "activations", None), list):  # scalar MLP
        return list(model.activations)
    names = []
    for module in _modules(model):
        if isinstance(getattr(getattr(module, "weight", None), "data", None), np.ndarray):
            names.append("linear")
        elif names and names[-1] == "linear" and type(module).__name__ in ("ReLU", "Tanh", "Sigmoid"):
            names[-1] = type(module).__name__.lower()
    return names


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
    top, margin = 18, 16
    xs = np.linspace(margin + 14, width - margin - 14, len(sizes)) if len(sizes) > 1 else np.array([width / 2])
    step = (height - top - 8) / max(sizes)
    radius = max(2.5, min(9.0, step * 0.38))

    def ys(n: int) -> np.ndarray:
        return top + (height - top) / 2 + (np.arange(n) - (n - 1) / 2) * step

    scale = max(max(float(np.abs(w).max()) for w, _ in weights), 1e-12)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mgx-network-svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">'
    ]
    for i, (w, _) in enumerate(weights):
        y0, y1 = ys(sizes[i]), ys(sizes[i + 1])
        for k in range(w.shape[0]):
            for j in range(w.shape[1]):
                v = float(w[k, j])
                a = abs(v) / scale
                parts.append(
                    f'<line x1="{xs[i]:.1f}" y1="{y0[j]:.1f}" x2="{xs[i + 1]:.1f}" y2="{y1[k]:.1f}" '
                    f'stroke="{POSITIVE if v >= 0 else NEGATIVE}" stroke-width="{0.4 + 3.2 * a:.2f}" '
                    f'stroke-opacity="{0.15 + 0.85 * a:.2f}"><title>w={v:.4g}</title></line>'
                )
    bias_scale = max([float(np.abs(b).max()) for _, b in weights if b.size] + [1e-12])
    for i, n in enumerate(sizes):
        label = "input" if i == 0 else (activations[i - 1] if activations and i - 1 < len(activations) else "")
        parts.append(f'<text x="{xs[i]:.1f}" y="11" text-anchor="middle">{n} {escape(label)}</text>')
        biases = weights[i - 1][1] if i else np.zeros(n)
        for j, y in enumerate(ys(n)):
            b = float(biases[j])
            fill = "#ffffff" if i == 0 else (POSITIVE if b >= 0 else NEGATIVE)
            opacity = 1.0 if i == 0 else 0.15 + 0.85 * abs(b) / bias_scale
            tip = (inputs[j] if inputs and j < len(inputs) else f"x{j + 1}") if i == 0 else f"b={b:.4g}"
            parts.append(
                f'<circle cx="{xs[i]:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{fill}" fill-opacity="{opacity:.2f}" '
                f'stroke="#555" stroke-width="0.8"><title>{escape(tip)}</title></circle>'
            )
    parts.append("</svg>")
    return "".join(parts)


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
        activations = layer_activations(model)
        self.value = network_svg(
            layer_weights(model),
            inputs=self.inputs,
            activations=activations,
            width=self.svg_size[0],
            height=self.svg_size[1],
        )
