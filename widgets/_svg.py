"""SVG text from NumPy arrays, fast: one C-level format call for all the numbers, never one f-string each."""

from __future__ import annotations

import numpy as np

__all__ = ["points"]


def points(xy: np.ndarray) -> str:
    """Vertices (n, 2) as SVG's ``"x,y x,y ..."``, to 0.1 pixel.

    >>> points(np.array([[1.0, 2.25], [3.0, 4.0]]))
    '1.0,2.2 3.0,4.0'
    """
    flat = np.asarray(xy, dtype=np.float64).ravel().tolist()
    return ("%.1f,%.1f " * (len(flat) // 2) % tuple(flat)).rstrip()
