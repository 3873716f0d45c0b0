"""`BoundaryView`: the decision boundary as TensorFlow Playground draws it, cheap enough to redraw between steps.

The model's scores on a `resolution` x `resolution` grid become a small paletted PNG in an `ipywidgets.Image`
(a NumPy raster encoded by Pillow; no Matplotlib figure per frame), which the browser smooths up to `size`
pixels. Over it lie the decision boundary, the contour where the score crosses the trainer's threshold
(found by contourpy, Matplotlib's contouring library) as a smooth SVG line, and the data points, an SVG
drawn once per dataset. A 100 x 100 frame is 10,000 pixels to colour and encode instead of 90,000 at
300 x 300, and a few kilobytes to send.

A model with k outputs (one logit per class, k classes in the data) is drawn as k regions: each pixel the
colour of its most likely class, faded towards the background as the softmax's confidence falls
(`microgradx.plot.class_shades`), in a palette of k x (256 // k) shades, with the lines where the most likely
class changes over it.
"""

from __future__ import annotations

import functools
import io
from html import escape

import ipywidgets as widgets
import numpy as np

from microgradx.nn import dense_layers, predict
from microgradx.plot import (
    MIDDLE,
    NEGATIVE,
    POSITIVE,
    class_colours,
    class_margins,
    class_palette,
    class_shades,
    make_grid,
    n_classes,
    point_colours,
)

from ._svg import PALETTE, hex_colours, palette_index, points
from .network_view import neuron_outputs

__all__ = ["BoundaryView", "PALETTE", "PROBLEMS", "legend_svg"]


LINE_COLOUR = "#3c3c3c"
LEGEND_HEIGHT = 34
CAPTION = "Colours show data, neuron and weight values."  # the Playground's words
PROBLEMS = ("classification", "regression")


class BoundaryView(widgets.GridBox):
    """The model's output over the plane of a 2-feature `data`, train points white-ringed, test points black-ringed.

    `BoundaryView(data, *, resolution=100, size=300, margin=0.1, problem="classification", discretize=False,
    show_test_data=True, legend=True)`. `update(model, threshold=0.0)` evaluates the model on the grid
    (NumPy, one batch) and puts a `resolution`-pixel PNG into `.image` (`.value` is its bytes), shown at
    `size` pixels, and the decision boundary (classification) into `.line`; the points, `.points`, lie on
    top, and `.legend` (the colour scale, -1 to 1; k classes: each class's colour and name) below.
    `on_click(callback)` reports which training point a click in the browser hit; `select(i)` rings one.

    A model with k > 1 outputs on data with k classes draws k coloured regions shaded by confidence, and
    the boundaries between them; its points take `CLASS_COLOURS`.

    Options a dashboard sets while it runs (each validated; the picture follows at the next `update`, the
    points at once):
    - `neuron`: None for the output, or ``(layer, unit)`` as `NetworkView.hovered` reports it (layer 0
      the input features): that neuron's output over the plane, without the boundary line (one of k output
      neurons: its logit).
    - `problem`: "classification" (scores minus the threshold, the line where they cross 0) or
      "regression" (the raw output on the same -1..1 scale as TensorFlow Playground, points coloured by
      their value, no line).
    - `discretize`: every pixel -1 or +1 (the sign), as the Playground's "Discretize output" (k classes:
      each pixel its class's full colour).
    - `show_test_data`: draw the test points or not.

    >>> from microgradx.data import moons
    >>> from microgradx.nn import MLP
    >>> view = BoundaryView(moons(50, seed=0), resolution=40, size=120)
    >>> view.update(MLP(2, [8, 1], seed=0))
    >>> bytes(view.value[:4]), view.points.value.count("<circle")
    (b'\\x89PNG', 50)
    """

    def __init__(self, data, *, resolution: int = 100, size: int = 300, margin: float = 0.1,
                 problem: str = "classification", discretize: bool = False, show_test_data: bool = True,
                 legend: bool = True, **kw):  # fmt: skip
        if not (isinstance(resolution, int) and 2 <= resolution <= 2000):
            raise ValueError(f"BoundaryView: resolution must be an int in [2, 2000], got {resolution!r}")
        if not (isinstance(size, int) and 16 <= size <= 4000):
            raise ValueError(f"BoundaryView: size must be an int in [16, 4000], got {size!r}")
        _check_bool("BoundaryView", "legend", legend)
        self.resolution, self.size = resolution, size
        self._problem, self._discretize, self._show_test = "classification", False, True
        self._neuron = None
        self.problem, self.discretize = problem, discretize
        px = f"{size}px"

        def layer(widget, name):  # three layers in one grid cell, the last on top
            widget.layout = widgets.Layout(width=px, height=px, margin="0", grid_area="view")
            widget.add_class(name)
            return widget

        self.image = layer(widgets.Image(format="png"), "mgx-boundary")  # the browser scales it up smoothly
        self.line = layer(widgets.HTML(), "mgx-boundary-line")
        self.points = layer(widgets.HTML(), "mgx-boundary-points")
        self.legend = widgets.HTML(layout=widgets.Layout(grid_area="legend", margin="0"))
        self.legend.add_class("mgx-boundary-legend")
        self.legend.layout.display = None if legend else "none"
        height = f"{size + LEGEND_HEIGHT}px" if legend else px
        super().__init__(
            [self.image, self.line, self.points, self.legend],
            layout=widgets.Layout(grid_template_areas='"view" "legend"', width=px, height=height, margin="2px"),
            **kw,
        )
        self.selected: int | None = None  # the ringed training point
        self._clicks = None  # the ipyevents listener, made by the first on_click()
        self.set_data(data, margin=margin)
        self.show_test_data = show_test_data

    @property
    def value(self) -> bytes:
        """The PNG of the last frame: `resolution` x `resolution` pixels, row 0 at the top."""
        return self.image.value

    @property
    def problem(self) -> str:
        return self._problem

    @problem.setter
    def problem(self, value: str) -> None:
        if value not in PROBLEMS:
            raise ValueError(f"BoundaryView: problem must be one of {', '.join(PROBLEMS)}, got {value!r}")
        changed, self._problem = value != self._problem, value
        if changed and hasattr(self, "data"):
            self.points.value = self._points_svg()

    @property
    def discretize(self) -> bool:
        return self._discretize

    @discretize.setter
    def discretize(self, value: bool) -> None:
        self._discretize = _check_bool("BoundaryView", "discretize", value)

    @property
    def show_test_data(self) -> bool:
        return self._show_test

    @show_test_data.setter
    def show_test_data(self, value: bool) -> None:
        changed, self._show_test = value != self._show_test, _check_bool("BoundaryView", "show_test_data", value)
        if changed:
            self.points.value = self._points_svg()

    @property
    def neuron(self) -> tuple[int, int] | None:
        return self._neuron

    @neuron.setter
    def neuron(self, value) -> None:
        ok = value is None or (
            isinstance(value, (tuple, list))
            and len(value) == 2
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0 for v in value)
        )
        if not ok:
            raise ValueError(f"BoundaryView: neuron must be None or (layer, unit) with ints >= 0, got {value!r}")
        self._neuron = None if value is None else (int(value[0]), int(value[1]))

    def set_data(self, data, *, margin: float = 0.1, keep_extent: bool = False) -> None:
        """Use a new dataset: new extent, new grid, new points layer. With `keep_extent` the plane stays where
        it is if every point lies on it (points drawn or erased: the picture must not move under the pointer)."""
        X = np.asarray(data.X, dtype=float)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"BoundaryView draws 2-D points, got X of shape {X.shape}")
        if not (keep_extent and hasattr(self, "extent") and self._on_plane(data)):
            grid, self.extent = make_grid(data, self.resolution, margin)  # x0, x1, y0, y1; first row at the bottom
        else:
            x0, x1, y0, y1 = self.extent
            xx, yy = np.meshgrid(np.linspace(x0, x1, self.resolution), np.linspace(y0, y1, self.resolution))
            grid = np.column_stack([xx.ravel(), yy.ravel()])  # make_grid's grid over the kept extent
        self.grid = grid.reshape(self.resolution, self.resolution, 2)[::-1].reshape(-1, 2)  # image order: top first
        self.grid_inputs = data.transform(self.grid)  # the model may read features of the points (x1*x2, ...)
        self.data = data
        self.selected = None
        self.points.value = self._points_svg()
        k = n_classes(data)
        self.legend.value = legend_svg(self.size, classes=data.classes if k > 2 else None)

    def select(self, i: int | None) -> None:
        """Ring training point `i` (None: no ring), e.g. the sample whose graph is shown."""
        if i is not None and not (
            isinstance(i, (int, np.integer)) and not isinstance(i, bool) and 0 <= i < len(self.data.X)
        ):
            raise ValueError(f"BoundaryView.select: no training point {i!r} among {len(self.data.X)}")
        self.selected = None if i is None else int(i)
        self.points.value = self._points_svg()

    def nearest(self, px: float, py: float) -> int | None:
        """The training point drawn under pixel (px, py) of the picture, or within 3 pixels of its dot; else None."""
        hit = self.point_at(px, py, test=False)
        return None if hit is None else hit[1]

    def point_at(self, px: float, py: float, *, test: bool = True) -> tuple[str, int] | None:
        """The shown point under pixel (px, py), or within 3 pixels of its dot: ("train", i) or ("test", j),
        the nearest if several; None if there is none. Test points count if `test` and they are shown."""
        sets = [("train", self.data.X)] + [("test", self.data.X_test)] * (test and self._show_test)
        best, reach = None, self._radius + 3
        for kind, X in sets:
            if len(X):
                at = self._to_pixels(np.asarray(X, dtype=float))
                distance = np.hypot(at[:, 0] - px, at[:, 1] - py)
                i = int(np.argmin(distance))
                if distance[i] <= reach:
                    best, reach = (kind, i), distance[i]
        return best

    def to_data(self, px: float, py: float) -> tuple[float, float]:
        """The point (x1, x2) shown at pixel (px, py) of the picture: `_to_pixels` backwards."""
        x0, x1, y0, y1 = self.extent
        cell, steps = self.size / self.resolution, self.resolution - 1
        return x0 + (px / cell - 0.5) / steps * (x1 - x0), y1 - (py / cell - 0.5) / steps * (y1 - y0)

    def on_click(self, callback) -> None:
        """Call `callback(i)` when a click in the browser hits training point `i` (its index in `data.X`)."""
        self._listen(lambda event: self._clicked(event, callback))

    def on_plane_click(self, callback) -> None:
        """Call `callback(px, py, event)` for every click on the picture (not on the legend below it): `px`,
        `py` the pixel from its top left corner (`to_data` turns it into a point, `point_at` finds the
        point under it), `event` the dict ipyevents sends ('shiftKey' says if shift was held)."""

        def clicked(event: dict) -> None:
            px, py = event["relativeX"], event["relativeY"]
            if 0 <= px < self.size and 0 <= py < self.size:
                callback(px, py, event)

        self._listen(clicked)

    def _listen(self, handler) -> None:
        from ipyevents import Event  # turns DOM events on a widget into Python calls

        if self._clicks is None:
            self._clicks = Event(source=self, watched_events=["click"])
        self._clicks.on_dom_event(handler)

    def _clicked(self, event: dict, callback) -> None:
        """An ipyevents click: `relativeX`/`relativeY` are pixels from the picture's top left corner (ipyevents
        rounds clientX/Y minus the view's bounding box corner; the picture is the grid's first cell, margin 0)."""
        i = self.nearest(event["relativeX"], event["relativeY"])
        if i is not None:
            callback(i)

    def _on_plane(self, data) -> bool:
        """Every point of `data` (train and test) lies within the current extent."""
        x0, x1, y0, y1 = self.extent
        X = np.concatenate([np.asarray(data.X, dtype=float), np.asarray(data.X_test, dtype=float).reshape(-1, 2)])
        return bool(np.all((X[:, 0] >= x0) & (X[:, 0] <= x1) & (X[:, 1] >= y0) & (X[:, 1] <= y1)))

    @property
    def _radius(self) -> float:
        return max(2.0, self.size / 70)

    def _to_pixels(self, X: np.ndarray) -> np.ndarray:
        """Where points lie on the shown picture: grid point i is the centre of PNG pixel i, scaled to `size`."""
        x0, x1, y0, y1 = self.extent
        cell = self.size / self.resolution
        px = ((X[:, 0] - x0) / (x1 - x0) * (self.resolution - 1) + 0.5) * cell
        py = ((y1 - X[:, 1]) / (y1 - y0) * (self.resolution - 1) + 0.5) * cell
        return np.column_stack([px, py])

    def _points_svg(self) -> str:
        """The points: blue for a positive label, orange for the other (k classes: `CLASS_COLOURS`;
        regression: the label's colour on the ramp); train white-, test black-ringed; test points only if
        `show_test_data`."""
        data, r = self.data, self._radius
        X = np.asarray(data.X, dtype=float)
        X_test = np.asarray(data.X_test, dtype=float).reshape(-1, X.shape[1])
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="mgx-points-svg" width="{self.size}" height="{self.size}" '
            f'viewBox="0 0 {self.size} {self.size}" style="display:block">'
        ]
        sets = [(X, data.y, "#ffffff", "train")] + [(X_test, data.y_test, "#000000", "test")] * self._show_test
        for where, labels, ring, kind in sets:
            labels = np.asarray(labels, dtype=float).reshape(-1)
            fills = hex_colours(labels) if self._problem == "regression" else point_colours(data, labels)
            names = [f"{label:g}" for label in labels]
            if n_classes(data) > 2:  # class indices: say which class
                names = [str(data.classes[int(label)]) for label in labels]
            for (px, py), name, fill in zip(self._to_pixels(where), names, fills):
                parts.append(
                    f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{r:.1f}" fill="{fill}" '
                    f'stroke="{ring}" stroke-width="1"><title>{kind} {escape(name)}</title></circle>'
                )
        if self.selected is not None:
            ((px, py),) = self._to_pixels(X[[self.selected]])
            parts.append(
                f'<circle class="mgx-selected" cx="{px:.1f}" cy="{py:.1f}" r="{r + 3:.1f}" fill="none" '
                f'stroke="{LINE_COLOUR}" stroke-width="2"><title>sample {self.selected}</title></circle>'
            )
        parts.append("</svg>")
        return "".join(parts)

    def render(self, scores: np.ndarray) -> bytes:
        """PNG bytes for a grid of values (shape (resolution**2,) or (resolution, resolution)), on the ramp
        from orange (-1) to blue (+1); for a grid of k logits per point ((resolution**2, k)), the k-class
        shading (`class_shades`): each point its most likely class's colour, faded by the confidence."""
        from PIL import Image

        scores = np.asarray(scores)
        if self._classes(scores):
            k = scores.shape[1]
            return _png(_class_image(class_shades(scores, _levels(k)).reshape(self.resolution, -1), k))
        image = Image.fromarray(palette_index(self._field(scores)))  # inf saturates, NaN grey: still a picture
        image.putpalette(PALETTE)
        return _png(image)

    def _classes(self, scores: np.ndarray) -> bool:
        """Whether `scores` are k logits per grid point, not one value."""
        return scores.ndim == 2 and scores.shape[1] > 1 and scores.shape[0] == self.resolution**2

    def line_svg(self, scores: np.ndarray) -> str:
        """The decision boundary, where the scores cross 0, as an SVG path in the picture's pixels; for k
        logits per point ((resolution**2, k)), the lines where the most likely class changes."""
        scores = np.asarray(scores)
        if self._classes(scores):
            return self._lines(class_margins(scores).T)  # (k - 1, points): row c is region c's margin
        return self._lines(self._field(scores)[None])

    def _lines(self, fields: np.ndarray) -> str:
        """The 0 contours of each of `fields` (n, resolution**2) as one SVG path, found by contourpy."""
        from contourpy import contour_generator

        fields = np.clip(fields, -1e6, 1e6).reshape(-1, self.resolution, self.resolution)  # NaN stays NaN
        cell = self.size / self.resolution
        path = []
        masked = np.isnan(fields).any()
        for field in fields:
            if masked:
                field = np.ma.masked_invalid(field)
            for xy in contour_generator(z=field).lines(0.0):  # (column, row) of each vertex
                path.append("M" + points((xy + 0.5) * cell))
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.size}" height="{self.size}" style="display:block">'
            f'<path d="{"".join(path)}" fill="none" stroke="{LINE_COLOUR}" stroke-width="1.5"/></svg>'
        )

    def _field(self, scores: np.ndarray) -> np.ndarray:
        field = np.clip(np.asarray(scores, dtype=np.float64), -1e30, 1e30)  # fits float32; NaN stays NaN
        return field.astype(np.float32).reshape(self.resolution, self.resolution)

    def update(self, model, threshold: float = 0.0) -> None:
        """Redraw for the model's current parameters: its output, or `neuron`'s. In classification the
        boundary is where the score crosses `threshold` (the trainer's: 0.5 for mse on {0, 1} labels, else 0)."""
        with np.errstate(all="ignore"):  # a diverging model's inf/nan is still drawn
            scores = None if self._neuron is None else self._neuron_values(model)  # None: the output neuron
            output = scores is None
            if output:
                scores = self._scores(model, threshold)
            if output and self._classes(scores) and not self._discretize:  # k classes: colours and lines at once
                k = scores.shape[1]
                shades, margins = class_shades(scores, _levels(k), margins=True)
                self.image.value = _png(_class_image(shades.reshape(self.resolution, -1), k))
                self.line.value = self._lines(margins.T)
                return
            shown = scores
            if self._discretize and scores.ndim == 1:
                shown = np.where(scores >= 0, 1.0, np.where(scores < 0, -1.0, np.nan))
            elif self._discretize:  # k classes: one logit far above the others, the class's full colour
                shown = np.where(scores >= scores.max(axis=1, keepdims=True), 1e30, 0.0)
                shown[np.isnan(scores).any(axis=1)] = np.nan
            self.image.value = self.render(shown)
            self.line.value = self.line_svg(scores) if output and self._problem == "classification" else ""

    def _scores(self, model, threshold: float) -> np.ndarray:
        """The output on the grid: (points,) scores minus the threshold, or (points, k) logits of k classes."""
        scores = predict(model, self.grid_inputs, dtype=np.float32)  # 8-bit colours: float32 is plenty
        k = n_classes(self.data)
        if scores.ndim == 2 and self._problem == "classification" and k >= 2 and scores.shape[1] == k:
            return scores  # k logits (or two, of a two-class softmax): the most likely class, no threshold
        if scores.ndim != 1:
            raise ValueError(
                f"BoundaryView.update: the model gives {scores.shape[1]} scores per point (shape {scores.shape}), "
                f"but the data has {'continuous targets' if k == 0 else f'{k} classes'}: a model for it has "
                f"{'one output' if k <= 2 else f'{k} outputs (one per class)'}"
            )
        if k > 2 and self._problem == "classification":
            raise ValueError(
                f"BoundaryView.update: the data has {k} classes but the model gives one score per point; "
                f"a model for it has {k} outputs (one per class)"
            )
        return scores - threshold if self._problem == "classification" else scores

    def _neuron_values(self, model) -> np.ndarray | None:
        """`neuron`'s output on the grid: an input feature (scaled to its largest |value|) or a hidden unit's
        activation; None for the output neuron (drawn as the output is)."""
        layers = dense_layers(model)
        if layers is None:
            raise TypeError(f"BoundaryView.update: neuron heatmaps need a dense network, not {type(model).__name__}")
        layer, unit = self._neuron
        sizes = [layers[0][0].shape[1], *(W.shape[0] for W, _, _ in layers)]
        if layer >= len(sizes) or unit >= sizes[layer]:
            raise ValueError(
                f"BoundaryView.update: neuron {self._neuron} is not in this network: layers 0..{len(sizes) - 1} "
                f"of {sizes} units"
            )
        if layer == len(layers) and sizes[-1] == 1:
            return None
        values = neuron_outputs(layers[:layer], self.grid_inputs)[layer][:, unit]  # one of k outputs: its logit
        return values / max(float(np.abs(values).max()), 1e-12) if layer == 0 else values


def _levels(k: int) -> int:
    """Shades per class: k x (256 // k) fit one 8-bit palette (16 an RGB image, beyond 128 classes)."""
    return 256 // k if k <= 128 else 16


def _class_image(shades: np.ndarray, k: int):
    """A Pillow image of `class_shades` (rows, cols) of k classes: paletted (RGB beyond 128 classes)."""
    from PIL import Image

    if k > 128:
        return Image.fromarray(class_palette(k, _levels(k))[shades])
    image = Image.fromarray(shades.astype(np.uint8))
    image.putpalette(_class_palette_bytes(k))
    return image


@functools.lru_cache(maxsize=16)
def _class_palette_bytes(k: int) -> bytes:
    return class_palette(k, _levels(k)).tobytes()


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def legend_svg(width: int = 300, classes=None) -> str:
    """The colour scale as TensorFlow Playground shows it: the ramp from -1 (orange) to +1 (blue), ticked.
    With `classes` (the names of k > 2 classes): a swatch of each class's colour and its name instead,
    with the words on the fading (paler: less sure).

    >>> legend_svg().count("<stop"), legend_svg(classes=("cat", "dog", "bird")).count("<rect")
    (3, 3)
    """
    if classes is not None:
        return _classes_legend(width, classes)
    caption = width >= 196  # a small view has room for the ramp alone
    bar, pad = min(144, width - 136) if caption else width - 16, 8  # pad: room for the end ticks' text
    ticks = "".join(
        f'<text x="{pad + bar * t:.1f}" y="24" text-anchor="middle">{label}</text>'
        for t, label in ((0.0, "-1"), (0.5, "0"), (1.0, "1"))
    )
    return (
        f'<div style="display:flex;align-items:center;height:{LEGEND_HEIGHT}px;font:10px sans-serif;color:#555">'
        + (f'<div style="width:110px;margin-right:6px;line-height:11px">{CAPTION}</div>' if caption else "")
        + f'<svg xmlns="http://www.w3.org/2000/svg" width="{bar + 2 * pad}" height="28" font-size="10">'
        '<defs><linearGradient id="mgx-ramp" x1="0%" x2="100%">'
        f'<stop offset="0%" stop-color="{NEGATIVE}"/><stop offset="50%" stop-color="{MIDDLE}"/>'
        f'<stop offset="100%" stop-color="{POSITIVE}"/></linearGradient></defs>'
        f'<rect x="{pad}" y="4" width="{bar}" height="10" fill="url(#mgx-ramp)"/>{ticks}</svg></div>'
    )


def _classes_legend(width: int, classes) -> str:
    """A swatch and the name of each class (as many on a line as fit), and what the fading means."""
    swatches = "".join(
        f'<span class="mgx-class" style="display:inline-flex;align-items:center;margin-right:6px;white-space:nowrap">'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" style="margin-right:2px">'
        f'<rect width="10" height="10" fill="{colour}"/></svg>{escape(str(name))}</span>'
        for colour, name in zip(class_colours(len(classes)), classes)
    )
    caption = '<span style="color:#777;white-space:nowrap">paler: less sure</span>' if width >= 196 else ""
    return (
        f'<div class="mgx-classes-legend" style="display:flex;flex-wrap:wrap;align-content:center;'
        f'height:{LEGEND_HEIGHT}px;overflow:hidden;font:10px sans-serif;color:#555;line-height:12px">'
        f"{swatches}{caption}</div>"
    )


def _check_bool(where: str, name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {value!r}")
    return bool(value)
