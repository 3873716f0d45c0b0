"""`BoundaryView`: the decision boundary and the data points as a PNG in an `ipywidgets.Image`, fast enough to
redraw many times a second (a NumPy raster encoded by Pillow; no Matplotlib figure per frame)."""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np

from microgradx.plot import MIDDLE, NEGATIVE, POSITIVE, make_grid

__all__ = ["BoundaryView", "boundary_index", "PALETTE"]


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


# One 8-bit palette for the whole picture (a paletted PNG encodes 3x faster than RGB, and is smaller):
# entries 0..LEVELS-1 are the Playground's ramp, orange (negative) -> light grey (0) -> blue (positive),
# as microgradx.plot uses it; then the boundary line and the points' colours.
LEVELS = 240
LINE, BLUE, ORANGE, WHITE, BLACK, CLEAR = range(LEVELS, LEVELS + 6)


def _palette() -> bytes:
    t = np.linspace(-1.0, 1.0, LEVELS)[:, None]
    neg, mid, pos = _rgb(NEGATIVE), _rgb(MIDDLE), _rgb(POSITIVE)
    table = np.zeros((256, 3))
    table[:LEVELS] = np.where(t < 0, mid + (neg - mid) * -t, mid + (pos - mid) * t)
    table[LINE : CLEAR + 1] = [(60, 60, 60), pos, neg, (255, 255, 255), (0, 0, 0), (0, 0, 0)]
    return table.round().astype(np.uint8).tobytes()


PALETTE = _palette()


def boundary_index(scores: np.ndarray, *, contrast: float = 1.0) -> np.ndarray:
    """Palette indices for a grid of scores: the ramp from orange (score <= -1/contrast) through grey (0)
    to blue (>= 1/contrast), and `LINE` where the sign changes (the decision boundary). Row 0 is the top.

    >>> boundary_index(np.array([[-5.0, -5.0, 0.1, 5.0]])).tolist() == [[0, 0, LINE, LEVELS - 1]]
    True
    """
    shade = np.clip(scores * contrast, -1.0, 1.0)
    index = np.minimum(((shade + 1.0) * (LEVELS / 2)).astype(np.uint8), LEVELS - 1)
    pos = scores > 0
    index[:, 1:][pos[:, 1:] != pos[:, :-1]] = LINE
    index[1:, :][pos[1:, :] != pos[:-1, :]] = LINE
    return index


class BoundaryView(widgets.Image):
    """The decision boundary of a 2-feature model over `data`, train points white-ringed, test points black-ringed.

    `update(model)` evaluates the model on a `resolution` x `resolution` grid (NumPy, one batch),
    smooths it up to `size` pixels and encodes a PNG into `.value`; the points layer is drawn once.

    >>> from microgradx.data import moons
    >>> from microgradx.nn import MLP
    >>> view = BoundaryView(moons(50, seed=0), resolution=40, size=120)
    >>> view.update(MLP(2, [8, 1], seed=0))
    >>> bytes(view.value[:4])
    b'\\x89PNG'
    """

    def __init__(self, data, *, resolution: int = 100, size: int = 300, margin: float = 0.1, **kw):
        super().__init__(format="png", **kw)
        if not (isinstance(resolution, int) and 2 <= resolution <= 2000):
            raise ValueError(f"BoundaryView: resolution must be an int in [2, 2000], got {resolution!r}")
        if not (isinstance(size, int) and 16 <= size <= 4000):
            raise ValueError(f"BoundaryView: size must be an int in [16, 4000], got {size!r}")
        self.resolution, self.size = resolution, size
        self.add_class("mgx-boundary")
        self.layout.width, self.layout.height = f"{size}px", f"{size}px"
        self.set_data(data, margin=margin)

    def set_data(self, data, *, margin: float = 0.1) -> None:
        """Use a new dataset: new extent, new grid, new points layer."""
        X = np.asarray(data.X, dtype=float)
        X_test = np.asarray(data.X_test, dtype=float).reshape(-1, X.shape[1])
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"BoundaryView draws 2-D points, got X of shape {X.shape}")
        grid, self.extent = make_grid(data, self.resolution, margin)  # x0, x1, y0, y1; first row at the bottom
        self.grid = grid.reshape(self.resolution, self.resolution, 2)[::-1].reshape(-1, 2)  # image order: top first
        self.grid_inputs = data.transform(self.grid)  # the model may read features of the points (x1*x2, ...)
        self._points = self._points_layer(data, X, X_test)
        self.data = data

    def _to_pixels(self, X: np.ndarray) -> np.ndarray:
        x0, x1, y0, y1 = self.extent
        px = (X[:, 0] - x0) / (x1 - x0) * (self.size - 1)
        py = (y1 - X[:, 1]) / (y1 - y0) * (self.size - 1)
        return np.column_stack([px, py])

    def _points_layer(self, data, X, X_test) -> tuple[np.ndarray, np.ndarray]:
        """The points drawn once, as palette indices, and where they are."""
        from PIL import Image, ImageDraw

        layer = Image.new("L", (self.size, self.size), CLEAR)
        draw = ImageDraw.Draw(layer)
        r = max(2.0, self.size / 70)
        for points, labels, ring in ((X, data.y, WHITE), (X_test, data.y_test, BLACK)):
            for (px, py), label in zip(self._to_pixels(points), np.asarray(labels, dtype=float).reshape(-1)):
                draw.ellipse((px - r, py - r, px + r, py + r), fill=BLUE if label > 0 else ORANGE, outline=ring)
        dots = np.asarray(layer)
        return dots, dots != CLEAR

    def render(self, scores: np.ndarray) -> bytes:
        """PNG bytes for a grid of scores (shape (resolution**2,) or (resolution, resolution))."""
        from PIL import Image

        field = np.asarray(scores, dtype=np.float64).reshape(self.resolution, self.resolution)
        field = np.clip(np.nan_to_num(field, nan=0.0), -1e6, 1e6).astype(np.float32)  # wild scores: still a picture
        if self.size != self.resolution:
            field = np.asarray(Image.fromarray(field).resize((self.size, self.size), Image.Resampling.BILINEAR))
        index = boundary_index(field)
        dots, where = self._points
        index[where] = dots[where]
        image = Image.fromarray(index)
        image.putpalette(PALETTE)
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=1)
        return out.getvalue()

    def update(self, model, threshold: float = 0.0) -> None:
        """Redraw for the model's current parameters; the boundary is where the score crosses `threshold`
        (the trainer's: 0.5 for mse on {0, 1} labels, else 0)."""
        from microgradx.train import _one_blas_thread, predict  # one BLAS thread: it runs beside training

        with _one_blas_thread(), np.errstate(all="ignore"):  # a diverging model's inf/nan is still drawn
            scores = predict(model, self.grid_inputs) - threshold
        self.value = self.render(scores)
