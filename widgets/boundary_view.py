"""`BoundaryView`: the decision boundary as TensorFlow Playground draws it, cheap enough to redraw between steps.

The model's scores on a `resolution` x `resolution` grid become a small paletted PNG in an `ipywidgets.Image`
(a NumPy raster encoded by Pillow; no Matplotlib figure per frame), which the browser smooths up to `size`
pixels. Over it lie the decision boundary, the contour where the score crosses the trainer's threshold
(found by contourpy, Matplotlib's contouring library) as a smooth SVG line, and the data points, an SVG
drawn once per dataset. A 100 x 100 frame is 10,000 pixels to colour and encode instead of 90,000 at
300 x 300, and a few kilobytes to send.
"""

from __future__ import annotations

import io
from html import escape

import ipywidgets as widgets
import numpy as np

from microgradx.plot import MIDDLE, NEGATIVE, POSITIVE, make_grid

from ._svg import points

__all__ = ["BoundaryView", "boundary_index", "PALETTE"]


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


# One 8-bit palette (a paletted PNG encodes 3x faster than RGB, and is smaller): TensorFlow Playground's
# ramp, orange (negative) -> light grey (0) -> blue (positive), as microgradx.plot uses it.
LEVELS = 256


def _palette() -> bytes:
    t = np.linspace(-1.0, 1.0, LEVELS)[:, None]
    neg, mid, pos = _rgb(NEGATIVE), _rgb(MIDDLE), _rgb(POSITIVE)
    return np.where(t < 0, mid + (neg - mid) * -t, mid + (pos - mid) * t).round().astype(np.uint8).tobytes()


PALETTE = _palette()
LINE_COLOUR = "#3c3c3c"


def boundary_index(scores: np.ndarray, *, contrast: float = 1.0) -> np.ndarray:
    """Palette indices for a grid of scores: the ramp from orange (score <= -1/contrast) through grey (0)
    to blue (>= 1/contrast). NaN is grey.

    >>> boundary_index(np.array([[-5.0, -0.5, 0.0, 5.0, np.nan]])).tolist()
    [[0, 64, 128, 255, 128]]
    """
    shade = np.clip(np.nan_to_num(scores * contrast, nan=0.0), -1.0, 1.0)
    return np.minimum((shade + 1.0) * (LEVELS / 2), LEVELS - 1).astype(np.uint8)


class BoundaryView(widgets.GridBox):
    """The decision boundary of a 2-feature model over `data`, train points white-ringed, test points black-ringed.

    `update(model)` evaluates the model on the grid (NumPy, one batch) and puts a `resolution`-pixel PNG
    into `.image` (`.value` is its bytes), shown at `size` pixels, and the boundary line into `.line`;
    the points, `.points`, lie on top. `on_click(callback)` reports which training point a click in the
    browser hit; `select(i)` rings one.

    >>> from microgradx.data import moons
    >>> from microgradx.nn import MLP
    >>> view = BoundaryView(moons(50, seed=0), resolution=40, size=120)
    >>> view.update(MLP(2, [8, 1], seed=0))
    >>> bytes(view.value[:4]), view.points.value.count("<circle")
    (b'\\x89PNG', 50)
    """

    def __init__(self, data, *, resolution: int = 100, size: int = 300, margin: float = 0.1, **kw):
        if not (isinstance(resolution, int) and 2 <= resolution <= 2000):
            raise ValueError(f"BoundaryView: resolution must be an int in [2, 2000], got {resolution!r}")
        if not (isinstance(size, int) and 16 <= size <= 4000):
            raise ValueError(f"BoundaryView: size must be an int in [16, 4000], got {size!r}")
        self.resolution, self.size = resolution, size
        px = f"{size}px"

        def layer(widget, name):  # three layers in one grid cell, the last on top
            widget.layout = widgets.Layout(width=px, height=px, margin="0", grid_area="view")
            widget.add_class(name)
            return widget

        self.image = layer(widgets.Image(format="png"), "mgx-boundary")  # the browser scales it up smoothly
        self.line = layer(widgets.HTML(), "mgx-boundary-line")
        self.points = layer(widgets.HTML(), "mgx-boundary-points")
        super().__init__(
            [self.image, self.line, self.points],
            layout=widgets.Layout(grid_template_areas='"view"', width=px, height=px, margin="2px"),
            **kw,
        )
        self.selected: int | None = None  # the ringed training point
        self._clicks = None  # the ipyevents listener, made by the first on_click()
        self.set_data(data, margin=margin)

    @property
    def value(self) -> bytes:
        """The PNG of the last frame: `resolution` x `resolution` pixels, row 0 at the top."""
        return self.image.value

    def set_data(self, data, *, margin: float = 0.1) -> None:
        """Use a new dataset: new extent, new grid, new points layer."""
        X = np.asarray(data.X, dtype=float)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"BoundaryView draws 2-D points, got X of shape {X.shape}")
        grid, self.extent = make_grid(data, self.resolution, margin)  # x0, x1, y0, y1; first row at the bottom
        self.grid = grid.reshape(self.resolution, self.resolution, 2)[::-1].reshape(-1, 2)  # image order: top first
        self.grid_inputs = data.transform(self.grid)  # the model may read features of the points (x1*x2, ...)
        self.data = data
        self.selected = None
        self.points.value = self._points_svg()

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
        if not len(self.data.X):
            return None
        at = self._to_pixels(np.asarray(self.data.X, dtype=float))
        distance = np.hypot(at[:, 0] - px, at[:, 1] - py)
        i = int(np.argmin(distance))
        return i if distance[i] <= self._radius + 3 else None

    def on_click(self, callback) -> None:
        """Call `callback(i)` when a click in the browser hits training point `i` (its index in `data.X`)."""
        from ipyevents import Event  # turns DOM events on a widget into Python calls

        if self._clicks is None:
            self._clicks = Event(source=self, watched_events=["click"])
        self._clicks.on_dom_event(lambda event: self._clicked(event, callback))

    def _clicked(self, event: dict, callback) -> None:
        """An ipyevents click: `relativeX`/`relativeY` are pixels from the picture's top left corner."""
        i = self.nearest(event["relativeX"], event["relativeY"])
        if i is not None:
            callback(i)

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
        """The points: blue for a positive label, orange for the other; train white-, test black-ringed."""
        data, r = self.data, self._radius
        X = np.asarray(data.X, dtype=float)
        X_test = np.asarray(data.X_test, dtype=float).reshape(-1, X.shape[1])
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="mgx-points-svg" width="{self.size}" height="{self.size}" '
            f'viewBox="0 0 {self.size} {self.size}" style="display:block">'
        ]
        for where, labels, ring, kind in ((X, data.y, "#ffffff", "train"), (X_test, data.y_test, "#000000", "test")):
            for (px, py), label in zip(self._to_pixels(where), np.asarray(labels, dtype=float).reshape(-1)):
                parts.append(
                    f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{r:.1f}" fill="{POSITIVE if label > 0 else NEGATIVE}" '
                    f'stroke="{ring}" stroke-width="1"><title>{kind} {escape(f"{label:g}")}</title></circle>'
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
        """PNG bytes for a grid of scores (shape (resolution**2,) or (resolution, resolution))."""
        from PIL import Image

        image = Image.fromarray(boundary_index(self._field(scores)))  # inf saturates, NaN is grey: still a picture
        image.putpalette(PALETTE)
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=1)
        return out.getvalue()

    def line_svg(self, scores: np.ndarray) -> str:
        """The decision boundary, where the scores cross 0, as an SVG path in the picture's pixels."""
        from contourpy import contour_generator

        field = np.clip(self._field(scores), -1e6, 1e6)  # NaN stays NaN: masked, no line through it
        if np.isnan(field).any():
            field = np.ma.masked_invalid(field)
        cell = self.size / self.resolution
        path = []
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
        """Redraw for the model's current parameters; the boundary is where the score crosses `threshold`
        (the trainer's: 0.5 for mse on {0, 1} labels, else 0)."""
        from microgradx.nn import predict

        with np.errstate(all="ignore"):  # a diverging model's inf/nan is still drawn
            scores = predict(model, self.grid_inputs, dtype=np.float32) - threshold  # 8-bit colours: float32 is plenty
            self.image.value = self.render(scores)
            self.line.value = self.line_svg(scores)
