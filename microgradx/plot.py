"""Decision boundaries with Matplotlib, cheap enough to redraw after every training step.

>>> from microgradx.data import moons
>>> from microgradx.nn import MLP
>>> plot = BoundaryPlot(moons(50, seed=0), resolution=50)
>>> plot.update(MLP(2, [8, 1], seed=0))
>>> plot.to_png()[:8]
b'\\x89PNG\\r\\n\\x1a\\n'

The model is evaluated on the grid with NumPy (`predict`), never one scalar graph per grid point; the
figure and its artists are made once and only their data change. Matplotlib is imported on first use
(no pyplot, no global state), so `from microgradx.plot import predict` stays light.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .data import Dataset
from .nn.arrays import predict
from .pictures import figure_png, png_bytes, write_atomic

__all__ = [
    "make_grid",
    "grid_scores",
    "BoundaryPlot",
    "boundary_image",
    "boundary_rgba",
    "boundary_line",
    "draw_points",
    "draw_history",
    "history_png",
    "playground_colormap",
    "POSITIVE",
    "NEGATIVE",
]

# TensorFlow Playground's palette (the widgets use it too): orange for -1, grey at 0, blue for +1
NEGATIVE, MIDDLE, POSITIVE = "#f59322", "#e8eaeb", "#0877bd"


def make_grid(data: Dataset, resolution: int = 100, margin: float = 0.1) -> tuple[np.ndarray, tuple]:
    """Points (resolution^2, 2) covering `data` (train and test) with a `margin`, and the extent
    (x0, x1, y0, y1). Row-major, first row at the bottom (y0), as `imshow(origin="lower")` reads it.
    """
    if not isinstance(resolution, int) or isinstance(resolution, bool) or not 2 <= resolution <= 2000:
        raise ValueError(f"make_grid: resolution must be an integer in [2, 2000], got {resolution!r}")
    if data.X.shape[1] != 2:
        raise ValueError(f"make_grid: a decision boundary needs 2-D points, got {data.X.shape[1]} columns")
    points = np.concatenate([data.X, data.X_test])
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = (hi - lo) * margin + 1e-9
    x0, y0 = lo - pad
    x1, y1 = hi + pad
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    return np.column_stack([xx.ravel(), yy.ravel()]), (float(x0), float(x1), float(y0), float(y1))


def grid_scores(model, data: Dataset, resolution: int = 100, margin: float = 0.1) -> tuple[np.ndarray, tuple]:
    """The model's scores on a grid over `data` as a (resolution, resolution) array, and the grid's extent.
    The grid goes through the dataset's feature map first, so a model trained on x1*x2 etc. works.
    """
    grid, extent = make_grid(data, resolution, margin)
    return predict(model, data.transform(grid)).reshape(resolution, resolution), extent


class BoundaryPlot:
    """The decision boundary of a 2-D model, the points (train: white rim, test: black rim) and the loss curve.

    `update(model, history)` changes the data of the existing artists; `to_png()` renders to PNG bytes
    (deterministic: no timestamp). In Jupyter the object displays itself.

    - `resolution`: grid cells per side; `contrast`: colours saturate at |score| = 1 / contrast.
    - `show_loss`: a second panel with the loss per step from `history` (a Trainer's records).
    - `smooth`: draw the boundary as a contour line (interpolated between grid points, for slides and
      pictures) instead of the cells where the sign changes (cheaper, for live redraws).
    - `size` (inches per panel) times `dpi` is the panel's size in pixels.
    """

    def __init__(
        self,
        data: Dataset,
        resolution: int = 100,
        show_loss: bool = True,
        *,
        margin: float = 0.1,
        contrast: float = 1.0,
        size: float = 4.0,
        dpi: int = 100,
        compress_level: int = 1,
        smooth: bool = False,
    ):
        self._check(data, contrast, size, dpi, compress_level)
        self.data, self.resolution, self.contrast, self.compress_level = data, resolution, contrast, compress_level
        self.smooth = bool(smooth)
        grid, self.extent = make_grid(data, resolution, margin)
        self.grid_inputs = data.transform(grid)
        self._make_figure(show_loss, size, dpi)
        self.image, self._lut = boundary_image(self.ax, self.extent, resolution)
        draw_points(self.ax, data)
        self.title = self.figure.text(0.01, 0.97, data.name, fontsize=10, va="top")
        self.loss_ax = self.loss_line = None
        if show_loss:
            self.loss_ax = self.figure.add_subplot(1, 2, 2)
            (self.loss_line,) = self.loss_ax.plot([], [], color="#333333", lw=1.5)
            _loss_axes(self.loss_ax)
        self.scores: np.ndarray | None = None
        self._contour = None
        self._prepare_blitting()

    @staticmethod
    def _check(data, contrast, size, dpi, compress_level) -> None:
        if not isinstance(data, Dataset):
            raise TypeError(f"BoundaryPlot: data must be a microgradx.data.Dataset, got {type(data).__name__}")
        if not contrast > 0:
            raise ValueError(f"BoundaryPlot: contrast must be > 0, got {contrast!r}")
        if not (isinstance(size, (int, float)) and 0.5 <= size <= 40):
            raise ValueError(f"BoundaryPlot: size must be a number of inches in [0.5, 40], got {size!r}")
        if not (isinstance(dpi, int) and 10 <= dpi <= 600):
            raise ValueError(f"BoundaryPlot: dpi must be an integer in [10, 600], got {dpi!r}")
        if not (isinstance(compress_level, int) and 0 <= compress_level <= 9):
            raise ValueError(f"BoundaryPlot: compress_level must be an integer in [0, 9], got {compress_level!r}")

    def _make_figure(self, show_loss: bool, size: float, dpi: int) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(2 * size + 0.6 if show_loss else size, size), dpi=dpi)
        self.figure.subplots_adjust(  # margins in inches, so a large picture is mostly picture
            left=0.75 / self.figure.get_figwidth(), right=0.97, bottom=0.48 / size, top=1 - 0.56 / size, wspace=0.25
        )
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_subplot(1, 2 if show_loss else 1, 1)

    def _prepare_blitting(self) -> None:
        """Axes, ticks and labels are drawn once into a background; a frame redraws only the artists that
        change (the points too, as they sit above the boundary image)."""
        self._dynamic = [self.image, *self.ax.collections, self.title]
        if self.loss_line is not None:
            self._dynamic.append(self.loss_line)
        for artist in self._dynamic:
            artist.set_animated(True)
        self._background = None

    def update(self, model, history: Sequence[dict] | None = None, threshold: float = 0.0) -> None:
        """Show `model`'s boundary (and the loss curve of `history`), reusing the figure's artists.

        The boundary is where the score crosses `threshold`: 0 for scores (hinge, logits), 0.5 for a model
        trained with mse on {0, 1} labels (pass `trainer.threshold`).
        """
        scores = predict(model, self.grid_inputs).reshape(self.resolution, self.resolution) - threshold
        self.scores = scores
        self.image.set_data(boundary_rgba(scores, self._lut, self.contrast, edges=not self.smooth))
        if self.smooth:
            self._update_contour(scores)
        if history:
            self.title.set_text(f"{self.data.name} · {_summary(history[-1])}")
            if self.loss_line is not None:
                self._update_loss(history)

    def _update_contour(self, scores: np.ndarray) -> None:
        if self._contour is not None:
            self._dynamic.remove(self._contour)
            self._contour.remove()
        self._contour = boundary_line(self.ax, scores, self.extent)
        if self._contour is not None:
            self._contour.set_animated(True)
            self._dynamic.insert(1, self._contour)  # above the image, below the points

    def _update_loss(self, history: Sequence[dict]) -> None:
        steps = [r["step"] for r in history]
        values = [r["loss"] for r in history]
        self.loss_line.set_data(steps, values)
        # limits move in nice jumps (10, 20, 50, 100, ...), so the axes are redrawn only then
        limits = (_nice_ceiling(steps[-1] + 1), _nice_ceiling(max(filter(np.isfinite, values), default=1.0)))
        if limits != (self.loss_ax.get_xlim()[1], self.loss_ax.get_ylim()[1]):
            self.loss_ax.set_xlim(0, limits[0])
            self.loss_ax.set_ylim(0, limits[1])
            self._background = None

    def to_png(self) -> bytes:
        """The figure as PNG bytes (the same figure gives the same bytes)."""
        return png_bytes(self.to_image(), compress_level=self.compress_level)

    def to_image(self):
        """The figure as a Pillow RGB image (what `to_png` encodes; frames of a GIF)."""
        from PIL import Image

        if self._background is None or self._background_size != self.canvas.get_width_height():
            self.canvas.draw()  # everything but the dynamic artists
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._background_size = self.canvas.get_width_height()
        else:
            self.canvas.restore_region(self._background)
        for artist in self._dynamic:
            self.figure.draw_artist(artist)
        size = self.canvas.get_width_height()
        return Image.frombuffer("RGBA", size, self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")

    def save(self, path) -> None:
        """Write the PNG to `path` whole (a temporary file in the same folder, then renamed)."""
        write_atomic(path, self.to_png())

    def _repr_png_(self) -> bytes:
        return self.to_png()

    def __repr__(self) -> str:  # Jupyter's text/plain beside the PNG: no memory address, stable
        return f"BoundaryPlot({self.data.name!r}, resolution={self.resolution})"


def playground_colormap():
    """TensorFlow Playground's colour map: orange (-1), light grey (0), blue (+1)."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("playground", [NEGATIVE, MIDDLE, POSITIVE])


def boundary_image(ax, extent: tuple, resolution: int):
    """An empty boundary image on `ax` covering `extent`, and the lookup table `boundary_rgba` colours it with."""
    cmap = playground_colormap()
    image = ax.imshow(
        np.zeros((resolution, resolution)),
        extent=extent,
        origin="lower",
        cmap=cmap,
        vmin=-1.0,
        vmax=1.0,
        interpolation="bilinear",
        aspect="auto",
        zorder=0,
    )
    light = cmap(np.linspace(0.0, 1.0, 256))
    light[:, :3] = 0.35 + 0.65 * light[:, :3]  # lighter than the points, so they stand out
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    return image, np.round(light * 255).astype(np.uint8)


def boundary_rgba(scores: np.ndarray, lut: np.ndarray, contrast: float = 1.0, *, edges: bool = True) -> np.ndarray:
    """uint8 RGBA pixels of `scores` (matplotlib draws them as they are); with `edges`, the cells where the
    sign changes (the boundary at grid resolution) are dark."""
    shade = np.clip(np.nan_to_num(scores, nan=0.0) * contrast, -1.0, 1.0)
    rgba = lut[((shade + 1.0) * 127.5).astype(np.uint8)]
    if edges:
        rgba[_edges(scores > 0)] = (64, 64, 64, 255)
    return rgba


def boundary_line(ax, scores: np.ndarray, extent: tuple, **style):
    """The score-0 contour of `scores` on `ax` (a smooth line, interpolated between grid points), or None
    where the score does not change sign."""
    finite = scores[np.isfinite(scores)]
    if not finite.size or finite.min() >= 0 or finite.max() <= 0:
        return None
    rows, cols = scores.shape
    xs, ys = np.linspace(extent[0], extent[1], cols), np.linspace(extent[2], extent[3], rows)
    style = {"colors": "#404040", "linewidths": 1.6, "zorder": 1, **style}
    return ax.contour(xs, ys, np.ma.masked_invalid(scores), levels=[0.0], **style)


def draw_points(ax, data: Dataset, *, size: float = 26) -> None:
    """The training points (white rim) and test points (black rim, diamonds) in the class colours, with a
    legend above the axes when there are test points; axis labels from the feature names."""
    from matplotlib.lines import Line2D

    colors = lambda y: np.where(y > 0, POSITIVE, NEGATIVE)  # noqa: E731
    style = {"s": size, "linewidths": 0.8, "zorder": 2}
    ax.scatter(data.X[:, 0], data.X[:, 1], c=colors(data.y), edgecolors="white", **style)
    if len(data.X_test):
        ax.scatter(data.X_test[:, 0], data.X_test[:, 1], c=colors(data.y_test), edgecolors="black", marker="D", **style)
        handles = [
            Line2D([], [], ls="", marker="o", mfc="grey", mec="white", label="train"),
            Line2D([], [], ls="", marker="D", mfc="grey", mec="black", label="test"),
        ]
        ax.legend(  # above the axes, so it is drawn once, not over the image every frame
            handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=8, frameon=False
        )
    names = data.feature_names if data.feature_names[:2] == ("x1", "x2") else ("x1", "x2")
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])


def _loss_axes(ax) -> None:
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)


def _summary(last: dict) -> str:
    """`100 steps · loss 0.3054 · acc 88% · test 85%`: the model drawn has taken every step."""
    test = f" · test {last['test_acc']:.0%}" if last.get("test_acc") is not None else ""
    acc = f" · acc {last['train_acc']:.0%}" if last.get("train_acc") is not None else ""  # None: a regression
    return f"{last['step'] + 1} steps · loss {last['loss']:.4f}{acc}{test}"


def _nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5 times a power of ten that is >= x (for x > 0)."""
    if not x > 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(x))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * power >= x * (1 - 1e-12):
            return float(m * power)
    return float(10.0 * power)


def _edges(positive: np.ndarray) -> np.ndarray:
    """Cells where the sign changes to a neighbour: the 0 level set at grid resolution."""
    edge = np.zeros(positive.shape, dtype=bool)
    edge[:, 1:] |= positive[:, 1:] != positive[:, :-1]
    edge[1:, :] |= positive[1:, :] != positive[:-1, :]
    return edge


def draw_history(ax, history: Sequence[dict]) -> None:
    """Loss (left axis of `ax`) and train/test accuracy (a right axis) per step, with a legend."""
    steps = [r["step"] for r in history]
    ax.plot(steps, [r["loss"] for r in history], color="#333333", lw=1.5, label="loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    lines = ax.get_lines()
    if history[-1].get("train_acc") is None:  # a regression: no accuracy
        ax.legend(lines, [line.get_label() for line in lines], loc="upper right", fontsize=8)
        return
    acc = ax.twinx()
    acc.plot(steps, [r["train_acc"] for r in history], color=POSITIVE, lw=1.2, label="train accuracy")
    if history[-1].get("test_acc") is not None:
        acc.plot(steps, [r["test_acc"] for r in history], color=NEGATIVE, lw=1.2, label="test accuracy")
    acc.set_ylim(0, 1.02)
    acc.set_ylabel("accuracy")
    lines = ax.get_lines() + acc.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="center right", fontsize=8)


def history_png(history: Sequence[dict], *, size: tuple[float, float] = (6.0, 3.5), dpi: int = 100) -> bytes:
    """Loss (left axis) and train/test accuracy (right axis) per step, as PNG bytes."""
    from matplotlib.figure import Figure

    if not history:
        raise ValueError("history_png: the history is empty; train at least one step")
    figure = Figure(figsize=size, dpi=dpi, layout="constrained")
    draw_history(figure.add_subplot(), history)
    return figure_png(figure)
