"""Drawing helpers the views share: the Playground's colour ramp as a palette, and SVG text from NumPy arrays."""

from __future__ import annotations

import numpy as np

from microgradx.plot import MIDDLE, NEGATIVE, POSITIVE

__all__ = ["points", "PALETTE", "LEVELS", "palette_index", "hex_colours"]

# One 8-bit palette (a paletted PNG encodes 3x faster than RGB, and is smaller), used by the boundary's PNG and
# the network's thumbnails alike: TensorFlow Playground's ramp, orange (-1) -> light grey (0) -> blue (+1).
LEVELS = 256


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _palette() -> np.ndarray:
    t = np.linspace(-1.0, 1.0, LEVELS)[:, None]
    neg, mid, pos = _rgb(NEGATIVE), _rgb(MIDDLE), _rgb(POSITIVE)
    return np.where(t < 0, mid + (neg - mid) * -t, mid + (pos - mid) * t).round().astype(np.uint8)


_RGB = _palette()
PALETTE = _RGB.tobytes()


def palette_index(values: np.ndarray, *, contrast: float = 1.0) -> np.ndarray:
    """Palette indices for values: the ramp from orange (<= -1/contrast) through grey (0) to blue
    (>= 1/contrast). NaN is grey.

    >>> palette_index(np.array([[-5.0, -0.5, 0.0, 5.0, np.nan]])).tolist()
    [[0, 64, 128, 255, 128]]
    """
    shade = np.clip(np.nan_to_num(np.asarray(values) * contrast, nan=0.0), -1.0, 1.0)
    return np.minimum((shade + 1.0) * (LEVELS / 2), LEVELS - 1).astype(np.uint8)


_HEX = np.array([f"#{r:02x}{g:02x}{b:02x}" for r, g, b in _RGB], dtype=object)


def hex_colours(values) -> list[str]:
    """The ramp's colour of each value in [-1, 1] (clipped), as ``#rrggbb``.

    >>> hex_colours([-1.0, 3.0])
    ['#f59322', '#0877bd']
    """
    return _HEX[palette_index(np.asarray(values, dtype=np.float64))].tolist()


def points(xy: np.ndarray) -> str:
    """Vertices (n, 2) as SVG's ``"x,y x,y ..."``, to 0.1 pixel.

    >>> points(np.array([[1.0, 2.25], [3.0, 4.0]]))
    '1.0,2.2 3.0,4.0'
    """
    flat = np.asarray(xy, dtype=np.float64).ravel().tolist()
    return ("%.1f,%.1f " * (len(flat) // 2) % tuple(flat)).rstrip()
