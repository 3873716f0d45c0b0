"""`CurvesView`: train/test loss and accuracy against the step, as two small SVG charts.

The view reads each training record once, as it arrives, into a bounded, evenly thinned copy (when the copy
is full every other row goes and the spacing doubles), so a frame costs the same after a million steps as
after a hundred. The loss is drawn twice: the raw per-step values, faint (a batch of 10 points makes them
mostly noise), and an exponential moving average over every step (not only the kept ones) on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import ipywidgets as widgets
import numpy as np

from ._svg import points

__all__ = ["CurvesView", "curves_svg", "Curves"]

TRAIN, TEST = "#1f77b4", "#d62728"
COLUMNS = ("step", "loss", "smoothed", "test_loss", "train_acc", "test_acc", "train_loss")
CHARTS = (  # title, [(column, colour, legend, faint)], fixed y range or None (0..max)
    ("loss", [("loss", TRAIN, "", True), ("smoothed", TRAIN, "train", False), ("test_loss", TEST, "test", False)],
     None),
    ("accuracy", [("train_acc", TRAIN, "train", False), ("test_acc", TEST, "test", False)], (0.0, 1.0)),
)  # fmt: skip
HEADER = 16  # pixels above the charts for the losses as numbers


class Curves:
    """A bounded, evenly thinned copy of a training history, with the loss smoothed over every record.

    `extend(history)` reads the records it has not seen (all of them again if the history was reset);
    `rows()` gives at most ``2 * max_points + 1`` rows of `COLUMNS`, the last record always among them.

    >>> curves = Curves(max_points=4)
    >>> curves.extend([{"step": k, "loss": 1.0} for k in range(1, 101)])
    >>> len(curves.rows()) <= 9, curves.rows()[-1][0]
    (True, 100.0)
    """

    def __init__(self, *, max_points: int = 300, smoothing: float = 0.9):
        if not (isinstance(max_points, int) and not isinstance(max_points, bool) and max_points >= 2):
            raise ValueError(f"Curves: max_points must be an int >= 2 (the first and last record), got {max_points!r}")
        if not (isinstance(smoothing, (int, float)) and not isinstance(smoothing, bool) and 0 <= smoothing < 1):
            raise ValueError(f"Curves: smoothing must be a number in [0, 1), got {smoothing!r}")
        self.max_points, self.smoothing = max_points, float(smoothing)
        self.clear()

    def clear(self) -> None:
        self.seen, self.stride, self._kept = 0, 1, []
        self._ema, self._weight, self._last, self._last_record = 0.0, 0.0, None, None

    def extend(self, history: Sequence[dict]) -> None:
        """Read the records of `history` not yet seen; start over if it is not a continuation of the last one."""
        n = len(history)
        if n < self.seen or (self.seen and history[self.seen - 1] != self._last_record):
            self.clear()
        for i in range(self.seen, n):
            self._add(i, history[i])
        self.seen = n

    def _add(self, i: int, record: dict) -> None:
        loss = _float(record.get("loss"))
        if np.isfinite(loss):  # a diverged step's inf/NaN would stay in the average for ever
            s = self.smoothing
            self._ema, self._weight = s * self._ema + (1 - s) * loss, s * self._weight + (1 - s)
        smoothed = self._ema / self._weight if self._weight else np.nan  # debiased, as TensorBoard does
        row = (_float(record.get("step", i + 1)), loss, smoothed,
               *(_float(record.get(key)) for key in COLUMNS[3:]))  # fmt: skip
        if i % self.stride == 0:
            self._kept.append(row)
            if len(self._kept) >= 2 * self.max_points:  # full: keep every other row, from now on every 2*stride-th
                self._kept, self.stride = self._kept[::2], 2 * self.stride
        self._last, self._last_record = row, record

    def rows(self) -> list[tuple]:
        """The kept rows and the last record's, in order."""
        if self._last is None:
            return []
        return self._kept if self._kept[-1] is self._last else [*self._kept, self._last]


def _float(value) -> float:
    return np.nan if value is None else float(value)


def curves_svg(history: Sequence[dict], *, width: int = 320, height: int = 200, max_points: int | None = None,
               smoothing: float = 0.9) -> str:  # fmt: skip
    """Loss (top) and accuracy (bottom) against the step for a list of training records.

    Keys that are missing or never finite are left out; long histories are thinned to at most about
    `max_points` evenly spaced records (default: one per pixel of the chart's width), always keeping the
    last. The loss's moving average (weight `smoothing` on the past) is drawn over the raw loss.

    >>> svg = curves_svg([{"step": 1, "loss": 1.0, "train_acc": 0.5}, {"step": 2, "loss": 0.5, "train_acc": 0.75}])
    >>> svg.count("<polyline")
    3
    """
    curves = Curves(max_points=_default_points(width) if max_points is None else max_points, smoothing=smoothing)
    curves.extend(history)
    return render_curves(curves.rows(), width=width, height=height)


def _default_points(width: int) -> int:
    return max(width - 42, 2) // 2  # up to 2 * max_points + 1 drawn: about one a pixel


def render_curves(rows: Sequence[tuple], *, width: int = 320, height: int = 200) -> str:
    """The SVG of `Curves.rows()`: the losses as numbers on top, then the loss and accuracy charts."""
    left, right = 34, 8
    panel, plot_width = (height - HEADER) / len(CHARTS), width - left - right
    table = np.array(rows, dtype=np.float64).reshape(-1, len(COLUMNS))
    columns = dict(zip(COLUMNS, table.T))
    steps = columns["step"]
    s0, s1 = (steps[0], steps[-1]) if len(steps) else (0.0, 1.0)
    xs = left + (steps - s0) / ((s1 - s0) or 1.0) * plot_width
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mgx-curves-svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        _numbers(columns, left),
    ]
    for c, (title, series, fixed) in enumerate(CHARTS):
        top, bottom = HEADER + c * panel + 14, HEADER + (c + 1) * panel - 14
        shown = [(columns[key], *rest) for key, *rest in series if np.isfinite(columns[key]).any()]
        lo, hi = fixed if fixed else (0.0, max((float(np.nanmax(v[np.isfinite(v)])) for v, *_ in shown), default=1.0))
        hi = hi or 1.0
        parts.append(
            f'<rect x="{left}" y="{top:.1f}" width="{plot_width}" height="{bottom - top:.1f}" '
            'fill="none" stroke="#ccc"/>'
            f'<text x="{left - 3}" y="{top + 4:.1f}" text-anchor="end">{hi:.3g}</text>'
            f'<text x="{left - 3}" y="{bottom:.1f}" text-anchor="end">{lo:.3g}</text>'
        )
        legend = [escape(title)]
        for values, colour, name, faint in shown:
            ok = np.isfinite(values)
            ys = bottom - (np.clip(values[ok], lo, hi) - lo) / ((hi - lo) or 1.0) * (bottom - top)
            look = 'stroke-width="1" stroke-opacity="0.3"' if faint else 'stroke-width="1.5"'
            xy = points(np.column_stack([xs[ok], ys]))
            parts.append(f'<polyline fill="none" stroke="{colour}" {look} points="{xy}"/>')
            if name:
                legend.append(f'<tspan fill="{colour}">{name} {values[ok][-1]:.3f}</tspan>')
        parts.append(f'<text x="{left}" y="{top - 3:.1f}">{" ".join(legend)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _numbers(columns: dict, left: int) -> str:
    """The last losses as numbers, as the Playground shows them: the training loss over the whole set if the
    records have it (else the smoothed batch loss, so named), and the test loss."""
    parts = []
    whole = np.isfinite(columns["train_loss"]).any()
    train = ("train_loss", "Training loss") if whole else ("smoothed", "Loss (smoothed)")
    for key, name, colour in ((*train, TRAIN), ("test_loss", "Test loss", TEST)):
        finite = columns[key][np.isfinite(columns[key])]
        if len(finite):
            parts.append(f'{name} <tspan class="mgx-{key}" fill="{colour}" font-weight="bold">{finite[-1]:.3f}</tspan>')
    return f'<text x="{left}" y="12" font-size="12">{" &#160; ".join(parts)}</text>'


class CurvesView(widgets.HTML):
    """Loss and accuracy curves, redrawn by `update(history)`.

    `CurvesView(history=(), *, width=320, height=200, max_points=None, smoothing=0.9)`. `update(history)`
    reads only the records it has not seen (a reset history is read again from its start), keeps a bounded,
    evenly thinned copy (`max_points`: default about one per pixel), and draws the raw loss faint with its
    moving average (`smoothing`, the weight of the past) on top, the test loss and the accuracies, and the
    training and test losses as numbers above the charts.

    >>> view = CurvesView([{"step": k, "loss": 1.0 / k, "train_acc": 0.5} for k in range(1, 1001)])
    >>> "Loss (smoothed)" in view.value, len(view.curves.rows()) <= 2 * view.curves.max_points + 1
    (True, True)
    """

    def __init__(self, history: Sequence[dict] = (), *, width: int = 320, height: int = 200,
                 max_points: int | None = None, smoothing: float = 0.9, **kw):  # fmt: skip
        for name, value, lo in (("width", width, 80), ("height", height, 60)):
            if not (isinstance(value, int) and not isinstance(value, bool) and lo <= value <= 4000):
                raise ValueError(f"CurvesView: {name} must be an int in [{lo}, 4000], got {value!r}")
        super().__init__(**kw)
        self.svg_size = (width, height)
        self.curves = Curves(max_points=_default_points(width) if max_points is None else max_points,
                             smoothing=smoothing)  # fmt: skip
        self.add_class("mgx-curves")
        self.update(history)

    def update(self, history: Sequence[dict]) -> None:
        """Redraw from a list of training records (dicts with step, loss, train_acc, test_acc, test_loss ...)."""
        self.curves.extend(history)
        self.value = render_curves(self.curves.rows(), width=self.svg_size[0], height=self.svg_size[1])
