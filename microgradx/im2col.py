"""Array kernels for `conv2d` and `max_pool2d` on plain NumPy arrays (NCHW), forward and backward.

A convolution is one matrix product once every receptive field is laid out as a row (*im2col*)::

    cols[(n, i, j), (c, p, q)] = x_padded[n, c, i*s + p, j*s + q]
    out[(n, i, j), o]          = cols @ weight.reshape(O, C*kh*kw).T

Its backward is two more products and *col2im*, which adds each row back where it was read from.
`Tensor.conv2d` and `Tensor.max_pool2d` (in `tensor.py`) wrap these with the autograd bookkeeping.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["pair", "out_size", "windows", "conv2d", "conv2d_backward", "max_pool2d", "max_pool2d_backward"]


def pair(x, name: str, op: str, low: int = 0) -> tuple[int, int]:
    """An int or a pair of ints (PyTorch's spelling of sizes) as a pair, each >= low."""
    values = (x, x) if isinstance(x, (int, np.integer)) else tuple(x) if isinstance(x, (tuple, list)) else None
    if (
        values is None
        or len(values) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= low for v in values)
    ):
        raise ValueError(f"{op}: {name} must be an int >= {low} or a pair of them, got {x!r}")
    return int(values[0]), int(values[1])


def out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output length along one axis: floor((size + 2 padding - kernel) / stride) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def windows(x: np.ndarray, kernel, stride, padding, fill: float = 0.0) -> np.ndarray:
    """A (N, C, Ho, Wo, kh, kw) strided *view* of every kh x kw window of x padded with `fill`."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


def conv2d(x: np.ndarray, weight: np.ndarray, stride, padding) -> tuple[np.ndarray, np.ndarray]:
    """Cross-correlation of x (N, C, H, W) with weight (O, C, kh, kw): (output (N, O, Ho, Wo), cols)."""
    O, C, kh, kw = weight.shape
    win = windows(x, (kh, kw), stride, padding)
    N, _, Ho, Wo = win.shape[:4]
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(N * Ho * Wo, C * kh * kw)  # the one copy: im2col
    out = cols @ weight.reshape(O, -1).T  # (N*Ho*Wo, O)
    return out.reshape(N, Ho, Wo, O).transpose(0, 3, 1, 2), cols


def conv2d_backward(g, x_shape, weight, cols, stride, padding, need_x: bool = True):
    """Gradients (dx or None, dweight) of `conv2d` given g = d loss / d output (N, O, Ho, Wo)."""
    O, C, kh, kw = weight.shape
    N, _, Ho, Wo = g.shape
    g2 = g.transpose(0, 2, 3, 1).reshape(-1, O)  # (N*Ho*Wo, O): free when g has conv2d's own layout
    dweight = (g2.T @ cols).reshape(weight.shape)  # d out/d w = the input patches
    if not need_x:
        return None, dweight
    dcols = (g2 @ weight.reshape(O, -1)).reshape(N, Ho, Wo, C, kh, kw).transpose(0, 3, 1, 2, 4, 5)
    return col2im(dcols, x_shape, stride, padding), dweight


def col2im(dcols: np.ndarray, x_shape, stride, padding) -> np.ndarray:
    """Add each window's gradient (N, C, Ho, Wo, kh, kw) back onto the input positions it was read from."""
    N, C, H, W = x_shape
    _, _, Ho, Wo, kh, kw = dcols.shape
    (sh, sw), (ph, pw) = stride, padding
    dx = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=dcols.dtype)
    for p in range(kh):  # kh * kw strided adds; overlapping windows accumulate
        for q in range(kw):
            dx[:, :, p : p + sh * (Ho - 1) + 1 : sh, q : q + sw * (Wo - 1) + 1 : sw] += dcols[:, :, :, :, p, q]
    return dx[:, :, ph : ph + H, pw : pw + W]


def max_pool2d(x: np.ndarray, kernel, stride, padding) -> tuple[np.ndarray, np.ndarray]:
    """Max over each window (padding counts as -inf): (output (N, C, Ho, Wo), flat argmax positions)."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    win = windows(x, kernel, stride, padding, fill=-np.inf)
    N, C, Ho, Wo = win.shape[:4]
    flat = win.reshape(N, C, Ho, Wo, kh * kw)
    k = flat.argmax(axis=-1)  # first maximum in each window, as PyTorch
    out = np.take_along_axis(flat, k[..., None], axis=-1)[..., 0]
    rows = np.arange(Ho)[:, None] * sh + k // kw  # where each maximum sits in the padded input
    cols = np.arange(Wo)[None, :] * sw + k % kw
    Hp, Wp = x.shape[2] + 2 * ph, x.shape[3] + 2 * pw
    planes = np.arange(N * C).reshape(N, C, 1, 1)
    return out, (planes * Hp + rows) * Wp + cols


def max_pool2d_backward(g: np.ndarray, x_shape, positions: np.ndarray, padding) -> np.ndarray:
    """Route each output's gradient to the input that was the maximum (summed where windows overlap)."""
    N, C, H, W = x_shape
    ph, pw = padding
    Hp, Wp = H + 2 * ph, W + 2 * pw
    dx = np.bincount(positions.ravel(), weights=g.ravel(), minlength=N * C * Hp * Wp)
    return dx.astype(g.dtype, copy=False).reshape(N, C, Hp, Wp)[:, :, ph : ph + H, pw : pw + W]
