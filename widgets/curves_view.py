"""`CurvesView`: train/test loss and accuracy against the step, as two small SVG charts."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import ipywidgets as widgets
import numpy as np

from ._svg import points

__all__ = ["CurvesView", "curves_svg"]

TRAIN, TEST = "#1f77b4", "#d62728"
CHARTS = (  # title, [(history key, colour, legend)], fixed y range or None (0..max)
    ("loss", [("loss", TRAIN, "train"), ("test_loss", TEST, "test")], None),
    ("accuracy", [("train_acc", TRAIN, "train"), ("test_acc", TEST, "test")], (0.0, 1.0)),
)


def curves_svg(history: Sequence[dict], *, width: int = 320, height: int = 200, max_points: int | None = None) -> str:
    """Loss (top) and accuracy (bottom) against the step for a list of training records.

    Keys that are missing or never finite are left out; long histories are thinned to `max_points`
    evenly spaced records, always keeping the last (default: one per pixel of the chart's width).

    >>> svg = curves_svg([{"step": 1, "loss": 1.0, "train_acc": 0.5}, {"step": 2, "loss": 0.5, "train_acc": 0.75}])
    >>> svg.count("<polyline")
    2
    """
    if max_points is not None and not (isinstance(max_points, int) and max_points >= 2):
        raise ValueError(f"curves_svg: max_points must be an int >= 2 (the first and last record), got {max_points!r}")
    left, right, panel = 34, 8, height / len(CHARTS)
    plot_width = width - left - right
    n = len(history)
    keep = max_points if max_points is not None else max(plot_width, 2)
    if n > keep:
        history = [history[i] for i in np.unique(np.linspace(0, n - 1, keep).round().astype(np.intp))]
    steps = np.array([r.get("step", i + 1) for i, r in enumerate(history)], dtype=np.float64)
    s0, s1 = (steps[0], steps[-1]) if len(steps) else (0.0, 1.0)
    xs = left + (steps - s0) / ((s1 - s0) or 1.0) * plot_width
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mgx-curves-svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">'
    ]
    for c, (title, series, fixed) in enumerate(CHARTS):
        top, bottom = c * panel + 14, (c + 1) * panel - 14
        columns = [(colour, name, _column(history, key)) for key, colour, name in series]
        columns = [col for col in columns if np.isfinite(col[2]).any()]
        finite = [v[np.isfinite(v)] for *_, v in columns]
        lo, hi = fixed if fixed else (0.0, max((float(v.max()) for v in finite), default=1.0) or 1.0)
        parts.append(
            f'<rect x="{left}" y="{top:.1f}" width="{plot_width}" height="{bottom - top:.1f}" '
            'fill="none" stroke="#ccc"/>'
            f'<text x="{left - 3}" y="{top + 4:.1f}" text-anchor="end">{hi:.3g}</text>'
            f'<text x="{left - 3}" y="{bottom:.1f}" text-anchor="end">{lo:.3g}</text>'
        )
        legend = [escape(title)]
        for colour, name, values in columns:
            ok = np.isfinite(values)
            ys = bottom - (np.clip(values[ok], lo, hi) - lo) / ((hi - lo) or 1.0) * (bottom - top)
            xy = points(np.column_stack([xs[ok], ys]))
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{xy}"/>')
            legend.append(f'<tspan fill="{colour}">{name} {values[ok][-1]:.3f}</tspan>')
        parts.append(f'<text x="{left}" y="{top - 3:.1f}">{" ".join(legend)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _column(history: Sequence[dict], key: str) -> np.ndarray:
    """The records' `key` as floats, NaN where it is missing or None."""
    return np.array([r.get(key) for r in history], dtype=np.float64)


class CurvesView(widgets.HTML):
    """Loss and accuracy curves, redrawn by `update(history)`."""

    def __init__(self, history: Sequence[dict] = (), *, width: int = 320, height: int = 200, **kw):
        super().__init__(**kw)
        self.svg_size = (width, height)
        self.add_class("mgx-curves")
        self.update(history)

    def update(self, history: Sequence[dict]) -> None:
        """Redraw from a list of training records (dicts with step, loss, train_acc, test_acc, ...)."""
        self.value = curves_svg(history, width=self.svg_size[0], height=self.svg_size[1])
