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

import io
from collections.abc import Sequence

import numpy as np

from .data import Dataset
from .nn.arrays import predict

__all__ = ["make_grid", "grid_scores", "BoundaryPlot", "history_png", "POSITIVE", "NEGATIVE"]

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
    ):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import LinearSegmentedColormap
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D

        if not isinstance(data, Dataset):
            raise TypeError(f"BoundaryPlot: data must be a microgradx.data.Dataset, got {type(data).__name__}")
        if not contrast > 0:
            raise ValueError(f"BoundaryPlot: contrast must be > 0, got {contrast!r}")
        self.data, self.resolution, self.contrast, self.compress_level = data, resolution, contrast, compress_level
        grid, self.extent = make_grid(data, resolution, margin)
        self.grid_inputs = data.transform(grid)

        self.figure = Figure(figsize=(2 * size + 0.6 if show_loss else size, size), dpi=dpi)
        self.figure.subplots_adjust(
            left=0.75 / self.figure.get_figwidth(), right=0.97, bottom=0.12, top=0.86, wspace=0.25
        )
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_subplot(1, 2 if show_loss else 1, 1)
        cmap = LinearSegmentedColormap.from_list("playground", [NEGATIVE, MIDDLE, POSITIVE])
        self.image = self.ax.imshow(
            np.zeros((resolution, resolution)),
            extent=self.extent,
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
        self._lut = np.round(light * 255).astype(np.uint8)
        colors = lambda y: np.where(y > 0, POSITIVE, NEGATIVE)  # noqa: E731
        style = {"s": 26, "linewidths": 0.8, "zorder": 2}
        self.ax.scatter(data.X[:, 0], data.X[:, 1], c=colors(data.y), edgecolors="white", **style)
        if len(data.X_test):
            self.ax.scatter(
                data.X_test[:, 0], data.X_test[:, 1], c=colors(data.y_test), edgecolors="black", marker="D", **style
            )
            handles = [
                Line2D([], [], ls="", marker="o", mfc="grey", mec="white", label="train"),
                Line2D([], [], ls="", marker="D", mfc="grey", mec="black", label="test"),
            ]
            self.ax.legend(  # above the axes, so it is drawn once, not over the image every frame
                handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=8, frameon=False
            )
        self.ax.set_xlim(self.extent[0], self.extent[1])
        self.ax.set_ylim(self.extent[2], self.extent[3])
        names = data.feature_names if data.feature_names[:2] == ("x1", "x2") else ("x1", "x2")
        self.ax.set_xlabel(names[0])
        self.ax.set_ylabel(names[1])
        self.title = self.figure.text(0.01, 0.97, data.name, fontsize=10, va="top")

        self.loss_ax = self.loss_line = None
        if show_loss:
            self.loss_ax = self.figure.add_subplot(1, 2, 2)
            (self.loss_line,) = self.loss_ax.plot([], [], color="#333333", lw=1.5)
            self.loss_ax.set_xlabel("step")
            self.loss_ax.set_ylabel("loss")
            self.loss_ax.set_xlim(0, 10)
            self.loss_ax.set_ylim(0, 1)
            self.loss_ax.grid(alpha=0.3)
        self.scores: np.ndarray | None = None
        # Blitting: axes, ticks and labels are drawn once into a background; a frame redraws only these
        # (the points too, as they sit above the boundary image)
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
        shade = np.clip(np.nan_to_num(scores, nan=0.0) * self.contrast, -1.0, 1.0)
        rgba = self._lut[((shade + 1.0) * 127.5).astype(np.uint8)]  # uint8 RGBA: matplotlib draws it as is
        rgba[_edges(scores > 0)] = (64, 64, 64, 255)  # the decision boundary (score = 0) as a dark line of cells
        self.image.set_data(rgba)
        if history:
            last = history[-1]
            test = f" · test {last['test_acc']:.0%}" if last.get("test_acc") is not None else ""
            done = f"{last['step'] + 1} steps"  # the model drawn has taken them all; loss and acc are the last step's
            self.title.set_text(
                f"{self.data.name} · {done} · loss {last['loss']:.4f} · acc {last['train_acc']:.0%}{test}"
            )
            if self.loss_line is not None:
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
        image = Image.frombuffer("RGBA", size, self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=self.compress_level)  # no metadata: byte-stable
        return out.getvalue()

    def save(self, path) -> None:
        """Write the PNG to `path`."""
        with open(path, "wb") as f:
            f.write(self.to_png())

    def _repr_png_(self) -> bytes:
        return self.to_png()

    def __repr__(self) -> str:  # Jupyter's text/plain beside the PNG: no memory address, stable
        return f"BoundaryPlot({self.data.name!r}, resolution={self.resolution})"


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


def history_png(history: Sequence[dict], *, size: tuple[float, float] = (6.0, 3.5), dpi: int = 100) -> bytes:
    """Loss (left axis) and train/test accuracy (right axis) per step, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not history:
        raise ValueError("history_png: the history is empty; train at least one step")
    figure = Figure(figsize=size, dpi=dpi, layout="constrained")
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    steps = [r["step"] for r in history]
    ax.plot(steps, [r["loss"] for r in history], color="#333333", lw=1.5, label="loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    acc = ax.twinx()
    acc.plot(steps, [r["train_acc"] for r in history], color=POSITIVE, lw=1.2, label="train accuracy")
    if history[-1].get("test_acc") is not None:
        acc.plot(steps, [r["test_acc"] for r in history], color=NEGATIVE, lw=1.2, label="test accuracy")
    acc.set_ylim(0, 1.02)
    acc.set_ylabel("accuracy")
    lines = ax.get_lines() + acc.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="center right", fontsize=8)
    out = io.BytesIO()
    canvas.print_png(out, metadata={"Software": None})
    return out.getvalue()
