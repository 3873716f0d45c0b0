"""`CurvesView`: train/test loss and accuracy against the step, as two small SVG charts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import ipywidgets as widgets

__all__ = ["CurvesView", "curves_svg"]

TRAIN, TEST = "#1f77b4", "#d62728"
CHARTS = (  # title, [(history key, colour, legend)], fixed y range or None (0..max)
    ("loss", [("loss", TRAIN, "train"), ("test_loss", TEST, "test")], None),
    ("accuracy", [("train_acc", TRAIN, "train"), ("test_acc", TEST, "test")], (0.0, 1.0)),
)


def curves_svg(history: Sequence[dict], *, width: int = 320, height: int = 200, max_points: int = 400) -> str:
    """Loss (top) and accuracy (bottom) against the step for a list of training records.

    Keys that are missing or never finite are left out; long histories are thinned to `max_points`
    evenly spaced records (always keeping the last).

    >>> svg = curves_svg([{"step": 1, "loss": 1.0, "train_acc": 0.5}, {"step": 2, "loss": 0.5, "train_acc": 0.75}])
    >>> svg.count("<polyline")
    2
    """
    n = len(history)
    if n > max_points:
        idx = sorted({round(i * (n - 1) / (max_points - 1)) for i in range(max_points)})
        history = [history[i] for i in idx]
    steps = [float(r.get("step", i + 1)) for i, r in enumerate(history)]
    s0, s1 = (steps[0], steps[-1]) if steps else (0.0, 1.0)
    span = (s1 - s0) or 1.0
    left, right, panel = 34, 8, height / len(CHARTS)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mgx-curves-svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">'
    ]
    for c, (title, series, fixed) in enumerate(CHARTS):
        top, bottom = c * panel + 14, (c + 1) * panel - 14
        columns = [(key, colour, name, [r.get(key) for r in history]) for key, colour, name in series]
        columns = [col for col in columns if any(_finite(v) for v in col[3])]
        finite = [v for *_, values in columns for v in values if _finite(v)]
        lo, hi = fixed if fixed else (0.0, max(finite, default=1.0) or 1.0)
        parts.append(
            f'<rect x="{left}" y="{top:.1f}" width="{width - left - right}" height="{bottom - top:.1f}" '
            'fill="none" stroke="#ccc"/>'
            f'<text x="{left - 3}" y="{top + 4:.1f}" text-anchor="end">{hi:.3g}</text>'
            f'<text x="{left - 3}" y="{bottom:.1f}" text-anchor="end">{lo:.3g}</text>'
        )
        legend = [escape(title)]
        for _key, colour, name, values in columns:
            points = [
                f"{left + (s - s0) / span * (width - left - right):.1f},"
                f"{bottom - (min(max(v, lo), hi) - lo) / ((hi - lo) or 1.0) * (bottom - top):.1f}"
                for s, v in zip(steps, values)
                if _finite(v)
            ]
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{" ".join(points)}"/>')
            last = next(v for v in reversed(values) if _finite(v))
            legend.append(f'<tspan fill="{colour}">{name} {last:.3f}</tspan>')
        parts.append(f'<text x="{left}" y="{top - 3:.1f}">{" ".join(legend)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


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
