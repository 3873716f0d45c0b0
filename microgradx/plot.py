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

import functools
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
    "point_colours",
    "draw_history",
    "history_png",
    "playground_colormap",
    "POSITIVE",
    "NEGATIVE",
    "CLASS_COLOURS",
    "class_colours",
    "class_palette",
    "class_shades",
    "class_rgb",
    "class_margins",
    "n_classes",
]

# TensorFlow Playground's palette (the widgets use it too): orange for -1, grey at 0, blue for +1
NEGATIVE, MIDDLE, POSITIVE = "#f59322", "#e8eaeb", "#0877bd"

# One colour per class, the lowest code first. Two classes are the Playground's orange and blue, which are
# close to Okabe & Ito's orange and blue; the others are the rest of Okabe & Ito's colour-blind-safe set
# (https://jfly.uni-koeln.de/color/), in the order that keeps the first few furthest apart, and Paul Tol's wine
# for its black (a black region would hide the test points' black rims and the boundary lines; grey is the
# legend's colour for "train" and "test").
CLASS_COLOURS = (NEGATIVE, POSITIVE, "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#882255")


def class_colours(k: int) -> tuple[str, ...]:
    """The colours of `k` classes as ``#rrggbb``: `CLASS_COLOURS` first, then (beyond 8 classes, where no set
    stays colour-blind safe) hues evenly spaced between them.

    >>> class_colours(3)
    ('#f59322', '#0877bd', '#009e73')
    """
    import colorsys

    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"class_colours: k must be an int >= 1 (the number of classes), got {k!r}")
    more = max(int(k) - len(CLASS_COLOURS), 0)
    extra = [colorsys.hls_to_rgb((0.61 * i + 0.13) % 1.0, 0.45, 0.7) for i in range(more)]  # golden-ratio-ish steps
    return (CLASS_COLOURS + tuple("#" + "".join(f"{round(255 * c):02x}" for c in rgb) for rgb in extra))[:k]


def n_classes(data: Dataset) -> int:
    """How many classes `data` has: 2 for 'pm1'/'01' labels, k for 'index', 0 for a regression ('real')."""
    if hasattr(data, "n_classes"):
        return data.n_classes
    return {"real": 0, "index": len(data.classes)}.get(data.labels, 2)


def class_palette(k: int, levels: int, *, background: str = MIDDLE) -> np.ndarray:
    """uint8 RGB rows (k * levels, 3): row ``c * levels + l`` is class c's colour faded towards `background`,
    from the background itself (l = 0, no confidence) to the full colour (l = levels - 1)."""
    if not (isinstance(levels, int) and levels >= 2):
        raise ValueError(f"class_palette: levels must be an int >= 2, got {levels!r}")
    ends = np.array([_rgb(c) for c in class_colours(k)])[:, None, :]  # (k, 1, 3)
    t = np.linspace(0.0, 1.0, levels)[None, :, None]
    back = _rgb(background)
    return np.round(back + (ends - back) * t).reshape(k * levels, 3).astype(np.uint8)


def class_shades(logits: np.ndarray, levels: int, *, contrast: float = 1.0, margins: bool = False):
    """The k-class shading, as indices into `class_palette(k, levels)`: the argmax class, faded towards the
    background as the confidence falls, as CS231n's and ConvNetJS's pictures of a softmax classifier.

    `logits` (..., k): the model's scores per class (times `contrast`, a softmax temperature: colours
    saturate sooner). Confidence is the softmax's largest probability rescaled from [1/k, 1] to [0, 1]:
    0 where every class is equally likely, 1 where one is certain. A point with a NaN score is background.
    With `margins`, also `class_margins(logits * contrast)` (the lines between the regions), sharing the work.

    >>> class_shades(np.array([[0.0, 0.0, 0.0], [0.0, 9.0, 0.0], [np.nan, 0.0, 0.0]]), 4).tolist()
    [0, 7, 0]
    """
    shape = np.shape(logits)
    if len(shape) < 1 or shape[-1] < 2:
        raise ValueError(f"class_shades: logits must be (..., k) with k >= 2 classes, got shape {shape}")
    z, bad, top, first = _ranked(logits, contrast)
    edges = _margins(z, bad, top, first).T.reshape(*shape[:-1], shape[-1] - 1) if margins else None
    k = shape[-1]
    z -= first
    p_max = 1.0 / np.exp(z, out=z).sum(axis=0)
    level = np.rint(np.clip((p_max - 1.0 / k) * (k / (k - 1.0)), 0.0, 1.0) * (levels - 1)).astype(np.intp)
    shades = top * levels + level
    shades[bad] = 0
    return (shades.reshape(shape[:-1]), edges) if margins else shades.reshape(shape[:-1])


def _ranked(logits, contrast: float = 1.0) -> tuple[np.ndarray, ...]:
    """`logits` (..., k) as k rows (k, points), NaN as 0 and inf as 1e30; the rows with a NaN, the top class
    of each point and its logit: what the shading and the margins both start from."""
    z = _columns(logits)
    if contrast != 1.0:
        z *= contrast
    nan = np.isnan(z)
    bad = nan.any(axis=0)
    np.copyto(z, 0.0, where=nan)
    np.clip(z, -1e30, 1e30, out=z)  # inf saturates
    return (z, bad, *_top(z))


def class_rgb(logits: np.ndarray, *, levels: int = 64, contrast: float = 1.0) -> np.ndarray:
    """uint8 RGB (..., 3) of `class_shades`: the colour of each point's most likely class, by confidence."""
    return class_palette(np.shape(logits)[-1], levels)[class_shades(logits, levels, contrast=contrast)]


def _columns(logits) -> np.ndarray:
    """A copy of `logits` (..., k) as k contiguous rows (k, points): NumPy reduces over a short last axis
    one point at a time, over the first axis a row at a time. float32 stays float32 (plenty for colours)."""
    x = np.asarray(logits)
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    return np.array(x.reshape(-1, x.shape[-1]).T, dtype=dtype, order="C")  # always a copy: worked in place


def _top(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The most likely class of each column of `z` (k, points) (the first of a tie), and its logit."""
    first = z.max(axis=0)
    # the class is how many classes before it are not the top: branch-free (np.where on a mask costs 10x)
    before = z[0] != first
    top = before.astype(np.intp)
    for row in z[1:-1]:
        before &= row != first
        top += before
    return top, first


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


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
    """The model's scores on a grid over `data` as a (resolution, resolution) array (a model with k outputs:
    (resolution, resolution, k)), and the grid's extent. The grid goes through the dataset's feature map
    first, so a model trained on x1*x2 etc. works.
    """
    grid, extent = make_grid(data, resolution, margin)
    scores = predict(model, data.transform(grid))
    return scores.reshape(resolution, resolution, *scores.shape[1:]), extent


class BoundaryPlot:
    """The decision boundary of a 2-D model, the points (train: white rim, test: black rim) and the loss curve.

    A model with one output is drawn on the Playground's orange-to-blue ramp; a model with k outputs (one
    logit per class) as k regions in `CLASS_COLOURS`, each faded by the softmax's confidence (`class_shades`).

    `update(model, history)` changes the data of the existing artists; `to_png()` renders to PNG bytes
    (deterministic: no timestamp). In Jupyter the object displays itself.

    - `resolution`: grid cells per side; `contrast`: colours saturate at |score| = 1 / contrast (k classes:
      the logits are multiplied by it before the softmax).
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
        self._make_figure(show_loss, size, dpi, _legend_rows(data))
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

    def _make_figure(self, show_loss: bool, size: float, dpi: int, legend_rows: int = 1) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(2 * size + 0.6 if show_loss else size, size), dpi=dpi)
        top = (0.56 + 0.16 * (legend_rows - 1)) / size  # the title, then the legend's rows
        self.figure.subplots_adjust(  # margins in inches, so a large picture is mostly picture
            left=0.75 / self.figure.get_figwidth(), right=0.97, bottom=0.48 / size, top=1 - top, wspace=0.25
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
        scores = predict(model, self.grid_inputs)
        scores = scores.reshape(self.resolution, self.resolution, *scores.shape[1:])
        scores = scores - threshold if scores.ndim == 2 else scores  # k logits: the argmax, no threshold
        self.scores = scores
        self.image.set_data(boundary_rgba(scores, self._lut, self.contrast, edges=not self.smooth))
        if self.smooth:
            self._update_contour(scores)
        if history:
            self.title.set_text(f"{self.data.name} · {_summary(history[-1])}")
            if self.loss_line is not None:
                self._update_loss(history)

    def _update_contour(self, scores: np.ndarray) -> None:
        if self._contour is not None:  # a ContourSet (one output) or a LineCollection (k outputs)
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
    sign changes (the boundary at grid resolution) are dark. Scores (rows, cols, k) of k classes are coloured
    by `class_shades` instead (`lut` is not used), the edges where the most likely class changes."""
    if scores.ndim == 3:
        shades = class_shades(scores, _LEVELS, contrast=contrast)
        rgba, regions = _light_classes(scores.shape[-1])[shades], shades // _LEVELS
    else:
        shade = np.clip(np.nan_to_num(scores, nan=0.0) * contrast, -1.0, 1.0)
        rgba, regions = lut[((shade + 1.0) * 127.5).astype(np.uint8)], scores > 0
    if edges:
        rgba[_edges(regions)] = (64, 64, 64, 255)
    return rgba


_LEVELS = 64  # shades of confidence per class in a Matplotlib picture


@functools.lru_cache(maxsize=16)
def _light_classes(k: int) -> np.ndarray:
    """`class_palette` as RGBA, lighter as the two-class lookup table is, so that the points stand out."""
    rgba = np.full((k * _LEVELS, 4), 255.0)
    rgba[:, :3] = 0.35 * 255 + 0.65 * class_palette(k, _LEVELS)
    return np.round(rgba).astype(np.uint8)


def class_margins(logits: np.ndarray) -> np.ndarray:
    """For each class c but the last, ``logit c - the largest other logit`` (..., k - 1): region c is where
    margin c is positive, so the 0 contours of the margins draw every boundary between two regions (each
    borders a class below the last).

    Infinite logits count as +-1e30; a point with a NaN logit has NaN margins.

    >>> class_margins(np.array([[3.0, 1.0, 2.0]])).tolist()
    [[1.0, -2.0]]
    """
    shape = np.shape(logits)
    return _margins(*_ranked(logits)).T.reshape(*shape[:-1], shape[-1] - 1)


def _margins(z: np.ndarray, bad: np.ndarray, top: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The margins (k - 1, points) from `_ranked`'s rows (left as they were); NaN where a logit is NaN."""
    points = np.arange(z.shape[1])
    margins = z[:-1] - first  # right for every class but the top one
    below = np.flatnonzero(top < len(z) - 1)
    held = z[top, points]
    z[top, points] = -np.inf
    second = z.max(axis=0)  # the largest logit but the top one's: equal to `first` where two classes tie
    z[top, points] = held
    margins[top[below], below] = (first - second)[below]
    margins[:, bad] = np.nan
    return margins


def boundary_line(ax, scores: np.ndarray, extent: tuple, **style):
    """The score-0 contour of `scores` on `ax` (a smooth line, interpolated between grid points), or None
    where the score does not change sign. For k classes (scores (rows, cols, k)): the lines between the
    regions of the most likely class, one `LineCollection`."""
    if scores.ndim == 3:
        return _region_lines(ax, scores, extent, **style)
    finite = scores[np.isfinite(scores)]
    if not finite.size or finite.min() >= 0 or finite.max() <= 0:
        return None
    rows, cols = scores.shape
    xs, ys = np.linspace(extent[0], extent[1], cols), np.linspace(extent[2], extent[3], rows)
    style = {"colors": "#404040", "linewidths": 1.6, "zorder": 1, **style}
    return ax.contour(xs, ys, np.ma.masked_invalid(scores), levels=[0.0], **style)


def _region_lines(ax, logits: np.ndarray, extent: tuple, **style):
    from contourpy import contour_generator
    from matplotlib.collections import LineCollection

    rows, cols, _ = logits.shape
    xs, ys = np.linspace(extent[0], extent[1], cols), np.linspace(extent[2], extent[3], rows)
    lines = []
    margins = class_margins(logits)  # NaN where a logit is NaN: masked, no line through it
    for c in range(margins.shape[-1]):
        margin = np.ma.masked_invalid(margins[..., c])
        lines += [xy for xy in contour_generator(x=xs, y=ys, z=margin).lines(0.0) if len(xy) > 1]
    if not lines:
        return None
    style = {"colors": "#404040", "linewidths": 1.6, "zorder": 1, **style}
    return ax.add_collection(LineCollection(lines, **style))


def point_colours(data: Dataset, y) -> np.ndarray:
    """The colour of each label `y` of `data`: blue for the positive class and orange for the other (two
    classes), `CLASS_COLOURS[y]` for k classes."""
    y = np.asarray(y)
    if n_classes(data) > 2:
        return np.array(class_colours(n_classes(data)), dtype=object)[y.astype(np.intp)]
    return np.where(y > 0, POSITIVE, NEGATIVE)


def draw_points(ax, data: Dataset, *, size: float = 26) -> None:
    """The training points (white rim) and test points (black rim, diamonds) in the class colours, with a
    legend above the axes when there are test points or more than two classes (then naming each class);
    axis labels from the feature names."""
    from matplotlib.lines import Line2D

    style = {"s": size, "linewidths": 0.8, "zorder": 2}
    ax.scatter(data.X[:, 0], data.X[:, 1], c=point_colours(data, data.y), edgecolors="white", **style)
    handles = []
    if n_classes(data) > 2:
        handles += [Line2D([], [], ls="", marker="o", mfc=colour, mec="white", label=str(name))
                    for colour, name in zip(class_colours(n_classes(data)), data.classes)]  # fmt: skip
    if len(data.X_test):
        test_colours = point_colours(data, data.y_test)
        ax.scatter(data.X_test[:, 0], data.X_test[:, 1], c=test_colours, edgecolors="black", marker="D", **style)
        handles += [
            Line2D([], [], ls="", marker="o", mfc="grey", mec="white", label="train"),
            Line2D([], [], ls="", marker="D", mfc="grey", mec="black", label="test"),
        ]
    if handles:
        tight = {"columnspacing": 0.8, "handletextpad": 0.1} if n_classes(data) > 2 else {}  # room for the names
        rows = _legend_rows(data)
        cols = -(-len(handles) // rows)
        # Matplotlib fills a legend column by column; this order reads row by row
        handles = [handles[r * cols + c] for c in range(cols) for r in range(rows) if r * cols + c < len(handles)]
        ax.legend(  # above the axes, so it is drawn once, not over the image every frame
            handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncols=cols,
            **tight,
        )
    names = data.feature_names if data.feature_names[:2] == ("x1", "x2") else ("x1", "x2")
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])


def _legend_rows(data: Dataset) -> int:
    """Rows of `draw_points`' legend: one for up to 6 entries (k classes, train, test), else two."""
    entries = (n_classes(data) if n_classes(data) > 2 else 0) + 2 * bool(len(data.X_test))
    return 1 if entries <= 6 else 2


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
