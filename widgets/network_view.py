"""`NetworkView`: the network as TensorFlow Playground draws it, each neuron a live heatmap of its output.

Python computes the numbers, the browser draws them (an anywidget with a plain ES module,
`network_view.js`): the layout (trait `geometry`) is sent once per architecture as JSON, and a frame is three
small binary arrays, the weights and biases (float32) and every neuron's output over a `thumbnail` x `thumbnail` grid of
the input plane (8-bit palette indices). Hovering a neuron sets the synced trait `hovered`, clicking it
sets `selected`, so a dashboard can show that neuron's heatmap large (`BoundaryView.neuron`); hovering a
link or a bias shows its value.
"""

from __future__ import annotations

import functools
import pathlib
from html import escape

import anywidget
import numpy as np
import traitlets

from microgradx.nn import dense_layers
from microgradx.plot import NEGATIVE, POSITIVE, class_colours, make_grid, n_classes  # the Playground's orange, blue
from microgradx.space import neuron_outputs  # every layer's outputs: core, shared with the space view

from ._svg import PALETTE, palette_index

__all__ = [
    "NetworkView",
    "network_svg",
    "network_layout",
    "neuron_outputs",
    "feature_label",
    "layer_weights",
    "dense_layers",
]

# The Playground's names of the input features (X_1, X_1^2, ...), for the names of microgradx.data.FEATURES.
_FEATURE_LABELS = {"x1^2": "X1²", "x2^2": "X2²", "x1*x2": "X1X2", "sin(x1)": "sin X1", "sin(x2)": "sin X2"}


def feature_label(name: str) -> str:
    """How the network view labels an input feature: the Playground's spelling.

    >>> [feature_label(n) for n in ("x1", "x1^2", "x1*x2", "sin(x2)", "x7")]
    ['X1', 'X1²', 'X1X2', 'sin X2', 'X7']
    """
    return _FEATURE_LABELS.get(name, name.upper() if name[:1] == "x" and name[1:].isdigit() else name)


def layer_weights(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W, b), ...]`` of the model's dense layers, W shaped (out, in) as in PyTorch.

    >>> from microgradx.nn import MLP
    >>> [w.shape for w, b in layer_weights(MLP(2, [3, 1], seed=0))]
    [(3, 2), (1, 3)]
    """
    return [(W, b) for W, b, _ in _dense(model, "layer_weights")]


def _dense(model, caller: str) -> list:
    layers = dense_layers(model)
    if layers is None:
        raise TypeError(
            f"{caller}: expected a dense network (an MLP, or a Sequential of Linear layers and activations), "
            f"got {type(model).__name__}"
        )
    return layers


def network_layout(sizes, *, labels=(), names=(), width: int = 320, height: int = 240) -> dict:
    """Where each part of a network of these layer `sizes` is drawn, in pixels of a `width` wide picture.

    Columns of square neurons (`box` pixels, at most 30 as in the Playground), inputs first, each column
    headed by its size and `labels[i]` on two lines no wider than the gap between columns, the inputs
    named by `names` on their left. The picture is at least `height` tall, taller where the largest layer
    needs it (neurons never shrink below 10 pixels); a smaller layer spreads out, up to 1.8 boxes apart.
    `nodes` lists the centres, inputs first.

    >>> layout = network_layout((2, 3, 1), labels=("input", "tanh", "linear"), names=("X1", "X2"))
    >>> len(layout["nodes"]), layout["height"]
    (6, 240)
    """
    sizes = tuple(int(s) for s in sizes)
    if not sizes or min(sizes) < 1:
        raise ValueError(f"network_layout: sizes must be layer widths >= 1, got {sizes!r}")
    names = [escape(str(n)) for n in names][: sizes[0]]
    left = 8 + 6.5 * max((len(n) for n in names), default=2)  # room for the input names
    top, gap = 30, 4
    step = max((height - top - gap) / max(sizes), 12.5)
    box = float(min(30.0, 0.8 * step))
    first, n = left + box / 2, len(sizes)
    # the gap between columns, such that the last column's label (as wide as the gap) ends inside the picture
    # and the first column's label, centred on its column, starts inside the picture too
    label_width = max(min((width + 1.5 - first) / (n - 0.5) - 3, 80.0, 2 * first), box) if n > 1 else float(width)
    right = width - max(label_width / 2, box / 2 + 2)
    columns = np.linspace(first, right, n) if n > 1 else np.array([width / 2])
    height = int(max(height, np.ceil(top + gap + max(sizes) * step)))
    middle = top + (height - top) / 2
    gaps = [min((height - top - gap) / k, 1.8 * box) for k in sizes]  # a small layer spreads out, up to a point
    nodes = [[round(float(x), 1), round(middle + (j - (k - 1) / 2) * g, 1)] for x, k, g in zip(columns, sizes, gaps)
             for j in range(k)]  # fmt: skip
    return {
        "width": int(width),
        "height": height,
        "box": round(box, 1),
        "sizes": list(sizes),
        "nodes": nodes,
        "names": names,
        "columns": [
            {"x": round(float(x), 1), "left": round(float(np.clip(x - label_width / 2, 0, width - label_width)), 1),
             "count": n, "label": escape(str(labels[i]) if i < len(labels) else "")}
            for i, (x, n) in enumerate(zip(columns, sizes))
        ],  # fmt: skip
        "label_width": round(label_width, 1),
    }


def network_svg(weights, *, inputs=None, activations=None, width: int = 320, height: int = 240) -> str:
    """A still SVG of a dense network from ``[(W, b), ...]``, laid out as `NetworkView` draws it.

    A line per weight (blue positive, orange negative, thicker and darker for a larger |weight| relative to
    the largest, the value in its tooltip) and a square per neuron, filled by its bias the same way.

    >>> svg = network_svg([(np.array([[1.0, -2.0]]), np.array([0.5]))])
    >>> svg.count("<line"), svg.count("<rect")
    (2, 3)
    """
    sizes = [np.shape(weights[0][0])[1]] + [np.shape(w)[0] for w, _ in weights]
    for i, (w, b) in enumerate(weights):
        if np.shape(w) != (sizes[i + 1], sizes[i]) or np.shape(b) != (sizes[i + 1],):
            raise ValueError(
                f"network_svg: layer {i} has W {np.shape(w)} and b {np.shape(b)}, expected ({sizes[i + 1]}, {sizes[i]})"
            )
    names = [feature_label(str(n)) for n in (inputs or ())] + [f"X{j + 1}" for j in range(len(inputs or ()), sizes[0])]
    layout = _cached_layout(tuple(sizes), ("input", *(activations or ())), tuple(names), width, height)
    nodes, half = np.array(layout["nodes"]), layout["box"] / 2
    w = np.concatenate([np.ravel(w) for w, _ in weights]).astype(np.float64)
    b = np.concatenate([np.ravel(b) for _, b in weights]).astype(np.float64)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mgx-network-svg" width="{layout["width"]}" '
        f'height="{layout["height"]}" font-family="sans-serif" font-size="10">'
    ]
    starts = np.cumsum([0, *sizes])
    styles, k = _styles(w, _LINE_STYLES), 0
    for i in range(len(sizes) - 1):
        for dest in range(starts[i + 1], starts[i + 2]):
            for src in range(starts[i], starts[i + 1]):
                (x0, y0), (x1, y1) = nodes[src], nodes[dest]
                parts.append(
                    f'<line x1="{x0 + half:.1f}" y1="{y0:.1f}" x2="{x1 - half:.1f}" y2="{y1:.1f}" {styles[k]}>'
                    f"<title>weight {w[k]:.3g}</title></line>"
                )
                k += 1
    fills = ['fill="#ffffff"'] * sizes[0] + list(_styles(b, _FILL_STYLES))
    tips = list(layout["names"]) + [f"bias {v:.3g}" for v in b]
    for (x, y), fill, tip in zip(nodes, fills, tips):
        parts.append(
            f'<rect x="{x - half:.1f}" y="{y - half:.1f}" width="{2 * half:.1f}" height="{2 * half:.1f}" {fill} '
            f'stroke="#555" stroke-width="0.8"><title>{tip}</title></rect>'
        )
    for column in layout["columns"]:
        parts.append(f'<text x="{column["x"]}" y="11" text-anchor="middle">{column["count"]}</text>'
                     f'<text x="{column["x"]}" y="23" text-anchor="middle">{column["label"]}</text>')  # fmt: skip
    return "".join(parts + ["</svg>"])


LEVELS = 64  # shades of |weight| / max |weight|: finer than the eye tells apart in a 3-pixel line


def _level_styles(style) -> np.ndarray:
    """``style(colour, a)`` for each sign (row 0: negative, 1: positive) and each level a of |value| in [0, 1]."""
    return np.array(
        [[style(colour, level / LEVELS) for level in range(LEVELS + 1)] for colour in (NEGATIVE, POSITIVE)],
        dtype=object,
    )


# Colour, width and opacity as the live view shades links (network_view.js); a neuron's fill is its bias.
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


def _labels(layers) -> tuple[str, ...]:
    return ("input", *(act for _, _, act in layers))


class NetworkView(anywidget.AnyWidget):
    """The network's neurons and weights, each neuron drawn as a heatmap of its output, redrawn by `update`.

    `NetworkView(model=None, *, data=None, inputs=None, width=320, height=240, thumbnail=10,
    discretize=False)`; `update(model, *, threshold=0.0)` sends the model's current weights and, when the
    view has `data` (`set_data(data)`), each neuron's output over the data's plane; without data the
    neurons are plain boxes. Links: blue positive, orange negative, wider and darker for a larger |weight|
    (relative to the largest); a neuron's small square is its bias. The output neuron shows the score
    minus `threshold`. `inputs` (a list of feature names, default the data's) label the input column.

    `geometry` is the `network_layout` drawn (`layout` is the usual ipywidgets CSS Layout). Synced traits a
    dashboard observes (``view.observe(callback, "hovered")``):
    - `hovered`: ``(layer, unit)`` under the mouse, or None. Layer 0 is the input features, layer k the
      k-th dense layer, the last one the output.
    - `selected`: the same, set by a click on a neuron (a second click clears it).
    `focus` is `hovered`, else `selected`: the neuron whose heatmap to show large.

    With data of k > 2 classes and a network of k outputs, output neuron c has a strip of class c's colour
    (`CLASS_COLOURS`) beside it and is named by its class (``geometry["outputs"]``); its heatmap is its logit.

    >>> from microgradx.data import moons
    >>> from microgradx.nn import MLP
    >>> view = NetworkView(MLP(2, [4, 1], seed=0), data=moons(40, seed=0))
    >>> view.geometry["sizes"], len(view.weights) // 4, len(view.thumbnails) // 100
    ([2, 4, 1], 12, 7)
    """

    _esm = pathlib.Path(__file__).with_name("network_view.js")
    # network_layout(), sent once per architecture (not `layout`: that is every DOMWidget's CSS Layout)
    geometry = traitlets.Dict().tag(sync=True)
    palette = traitlets.Bytes(PALETTE).tag(sync=True)  # 256 RGB colours, BoundaryView's
    weights = traitlets.Bytes(b"").tag(sync=True)  # float32, each layer's W (out, in) row by row
    biases = traitlets.Bytes(b"").tag(sync=True)  # float32, every neuron's but the inputs'
    thumbnails = traitlets.Bytes(b"").tag(sync=True)  # uint8 palette indices, (nodes, thumbnail, thumbnail)
    thumbnail = traitlets.Int(10).tag(sync=True)
    hovered = traitlets.Tuple(None, allow_none=True).tag(sync=True)
    selected = traitlets.Tuple(None, allow_none=True).tag(sync=True)

    def __init__(self, model=None, *, data=None, inputs=None, width: int = 320, height: int = 240,
                 thumbnail: int = 10, discretize: bool = False, **kw):  # fmt: skip
        for name, value, lo, hi in (("width", width, 120, 4000), ("height", height, 60, 4000),
                                    ("thumbnail", thumbnail, 2, 64)):  # fmt: skip
            if not (isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi):
                raise ValueError(f"NetworkView: {name} must be an int in [{lo}, {hi}], got {value!r}")
        if not isinstance(discretize, bool):
            raise TypeError(f"NetworkView: discretize must be True or False, got {discretize!r}")
        super().__init__(thumbnail=thumbnail, **kw)
        self.add_class("mgx-network")
        self.inputs, self.svg_size, self.discretize = inputs, (width, height), discretize
        self.data = self._grid = None
        if data is not None:
            self.set_data(data)
        if model is not None:
            self.update(model)

    @property
    def focus(self) -> tuple[int, int] | None:
        """The neuron to show large: the hovered one, else the clicked one, else None (the output). A neuron
        the network drawn now does not have (a report from the page about the network before a rebuild)
        counts as none."""
        sizes = self.geometry.get("sizes", ())
        for neuron in (self.hovered, self.selected):
            if neuron is not None and neuron[0] < len(sizes) and neuron[1] < sizes[neuron[0]]:
                return neuron
        return None

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.geometry.get("sizes", ()))) or "empty"
        return f"NetworkView({sizes}, hovered={self.hovered}, selected={self.selected})"

    @traitlets.validate("hovered", "selected")
    def _valid_neuron(self, proposal):
        value = proposal["value"]
        if value is not None and not (len(value) == 2 and all(isinstance(v, int) and v >= 0 for v in value)):
            raise traitlets.TraitError(f"NetworkView.{proposal['trait'].name}: expected (layer, unit), got {value!r}")
        return value

    def set_data(self, data) -> None:
        """Draw each neuron's output over the plane of `data` (its 2-D points, through its features); None:
        plain boxes again, from the next `update`."""
        if data is None:
            self.data = self._grid = None
            return
        if np.asarray(data.X).ndim != 2 or np.asarray(data.X).shape[1] != 2:
            raise ValueError(f"NetworkView.set_data: thumbnails need 2-D points, got X of shape {np.shape(data.X)}")
        n = self.thumbnail
        grid, _ = make_grid(data, n, 0.1)  # BoundaryView's extent and margin: the thumbnails match the big picture
        self._grid = data.transform(grid.reshape(n, n, 2)[::-1].reshape(-1, 2))  # image order: top row first
        self.data = data

    def update(self, model, *, threshold: float = 0.0) -> None:
        """Redraw from the model's current weights (and each neuron's output, if the view has data)."""
        layers = _dense(model, "NetworkView.update")  # once per frame: a scalar model's Values are read here
        inputs = self.inputs if self.inputs is not None else (self.data.feature_names if self.data else ())
        names = tuple(feature_label(str(n)) for n in inputs)
        names += tuple(f"X{j + 1}" for j in range(len(names), layers[0][0].shape[1]))
        with self.hold_sync(), np.errstate(all="ignore"):  # one message a frame; a diverging model is drawn too
            layout = _cached_layout(_sizes(layers), _labels(layers), names, *self.svg_size)
            outputs = self._outputs(layers)
            if outputs:
                layout = {**layout, "outputs": outputs}
            if layout != self.geometry:
                self.geometry = layout
            self.weights = np.concatenate([np.ravel(W) for W, _, _ in layers]).astype(np.float32).tobytes()
            self.biases = np.concatenate([np.ravel(b) for _, b, _ in layers]).astype(np.float32).tobytes()
            self.thumbnails = self._thumbnails(layers, threshold)

    def _outputs(self, layers) -> list[dict]:
        """The class of each output neuron (name, colour) when the network has one output per class of k > 2."""
        k = n_classes(self.data) if self.data is not None else 0
        if k <= 2 or layers[-1][0].shape[0] != k:
            return []
        return [{"name": str(name), "colour": colour} for name, colour in zip(self.data.classes, class_colours(k))]

    def _thumbnails(self, layers, threshold: float) -> bytes:
        """Palette indices of every neuron's output on the thumbnail grid, nodes in layout order."""
        if self._grid is None or self._grid.shape[1] != layers[0][0].shape[1]:
            return b""
        outs = neuron_outputs(layers, self._grid)
        outs[0] = outs[0] / np.maximum(np.abs(outs[0]).max(axis=0), 1e-12)  # features on their own scale
        outs[-1] = outs[-1] - np.float32(threshold)
        field = np.concatenate(outs, axis=1).T  # (nodes, points)
        if self.discretize:
            field = np.where(field >= 0, 1.0, -1.0)
        return palette_index(field).tobytes()


def _sizes(layers) -> tuple[int, ...]:
    return (layers[0][0].shape[1], *(W.shape[0] for W, _, _ in layers))


@functools.lru_cache(maxsize=32)
def _cached_layout(sizes: tuple, labels: tuple, names: tuple, width: int, height: int) -> dict:
    return network_layout(sizes, labels=labels, names=names, width=width, height=height)
