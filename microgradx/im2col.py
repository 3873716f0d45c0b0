"""Array kernels for `conv2d` and `max_pool2d` on plain NumPy arrays (NCHW), forward and backward.

A convolution is one matrix product once every receptive field is laid out as a column (*im2col*)::

    cols[(c, p, q), (i, j, n)] = x_padded[n, c, i*s + p, j*s + q]
    out[o, (i, j, n)]          = weight.reshape(O, C*kh*kw) @ cols

Its backward is two more products and *col2im*, which adds each column back where it was read from.
`Tensor.conv2d` and `Tensor.max_pool2d` (in `tensor.py`) wrap these with the autograd bookkeeping.

Layout: the arrays are indexed (N, C, H, W) as in PyTorch, but the ones made here are laid out in
memory as (C, H, W, N), batch innermost (a transposed view). Images in a small CNN are tiny (8 x 8, then
4 x 4): with the batch innermost, every NumPy loop below runs over a whole batch at a time instead of a
row of 4 or 8 pixels, and conv2d's output is the matrix product's result as it comes, with no copy.
Elementwise ops between the layers (bias, ReLU) keep that layout, as NumPy allocates in input order.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "pair",
    "out_size",
    "padded",
    "conv2d",
    "conv2d_grad_input",
    "conv2d_grad_weight",
    "max_pool2d",
    "max_pool2d_backward",
]


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


def padded(x: np.ndarray, padding, fill: float = 0.0) -> np.ndarray:
    """x (N, C, H, W) with `fill` around each image, as an array laid out (C, H + 2 ph, W + 2 pw, N)."""
    N, C, H, W = x.shape
    ph, pw = padding
    if not ph and not pw:
        return np.ascontiguousarray(x.transpose(1, 2, 3, 0))  # free when x already has this layout
    buf = np.full((C, H + 2 * ph, W + 2 * pw, N), fill, dtype=x.dtype)
    buf[:, ph : ph + H, pw : pw + W] = x.transpose(1, 2, 3, 0)
    return buf


def _taps(kernel, stride, out_hw):
    """For each kernel offset (p, q): the slices of a padded (C, Hp, Wp, N) array that it reads."""
    (kh, kw), (sh, sw), (Ho, Wo) = kernel, stride, out_hw
    return [
        (p, q, np.s_[:, p : p + sh * (Ho - 1) + 1 : sh, q : q + sw * (Wo - 1) + 1 : sw])
        for p in range(kh)
        for q in range(kw)
    ]


def conv2d(x: np.ndarray, weight: np.ndarray, stride, padding) -> tuple[np.ndarray, np.ndarray]:
    """Cross-correlation of x (N, C, H, W) with weight (O, C, kh, kw): (output (N, O, Ho, Wo), cols)."""
    O, C, kh, kw = weight.shape
    N, _, H, W = x.shape
    Ho, Wo = out_size(H, kh, stride[0], padding[0]), out_size(W, kw, stride[1], padding[1])
    xp = padded(x, padding)
    cols = np.empty((C, kh, kw, Ho, Wo, N), dtype=np.result_type(x, weight))
    for p, q, window in _taps((kh, kw), stride, (Ho, Wo)):  # kh * kw copies, each a whole batch at once
        cols[:, p, q] = xp[window]
    cols = cols.reshape(C * kh * kw, Ho * Wo * N)
    out = weight.reshape(O, -1) @ cols  # (O, Ho*Wo*N): the one product
    return out.reshape(O, Ho, Wo, N).transpose(3, 0, 1, 2), cols


def conv2d_grad_weight(g: np.ndarray, weight_shape, cols: np.ndarray) -> np.ndarray:
    """d loss/d weight of `conv2d` given g = d loss/d output (N, O, Ho, Wo): g times the input patches."""
    g2 = g.transpose(1, 2, 3, 0).reshape(weight_shape[0], -1)  # (O, Ho*Wo*N): free in conv2d's layout
    return (g2 @ cols.T).reshape(weight_shape)


def conv2d_grad_input(g: np.ndarray, x_shape, weight: np.ndarray, stride, padding) -> np.ndarray:
    """d loss/d x of `conv2d` given g = d loss/d output (N, O, Ho, Wo): col2im of the weight times g."""
    O, C, kh, kw = weight.shape
    N, _, Ho, Wo = g.shape
    g2 = g.transpose(1, 2, 3, 0).reshape(O, -1)
    dcols = (weight.reshape(O, -1).T @ g2).reshape(C, kh, kw, Ho, Wo, N)
    return col2im(dcols, x_shape, stride, padding)


def col2im(dcols: np.ndarray, x_shape, stride, padding) -> np.ndarray:
    """Add each window's gradient (C, kh, kw, Ho, Wo, N) back onto the input positions it was read from."""
    N, C, H, W = x_shape
    _, kh, kw, Ho, Wo, _ = dcols.shape
    ph, pw = padding
    dx = np.zeros((C, H + 2 * ph, W + 2 * pw, N), dtype=dcols.dtype)
    for p, q, window in _taps((kh, kw), stride, (Ho, Wo)):  # overlapping windows accumulate
        dx[window] += dcols[:, p, q]
    return dx[:, ph : ph + H, pw : pw + W].transpose(3, 0, 1, 2)


def max_pool2d(x: np.ndarray, kernel, stride, padding) -> tuple[np.ndarray, np.ndarray]:
    """Max over each window (padding counts as -inf): (output (N, C, Ho, Wo), which tap won, as an index).

    A running maximum over the kh * kw kernel offsets; a later tap wins only if it is larger or NaN
    (PyTorch's rule: the first maximum gets the gradient, and NaN propagates).
    """
    (kh, kw), (H, W) = kernel, x.shape[2:]
    Ho, Wo = out_size(H, kh, stride[0], padding[0]), out_size(W, kw, stride[1], padding[1])
    xp = padded(x, padding, fill=-np.inf)
    taps = _taps(kernel, stride, (Ho, Wo))
    out = xp[taps[0][2]].copy()
    winner = np.zeros(out.shape, dtype=np.min_scalar_type(len(taps)))
    has_nan = np.isnan(xp).any()  # one pass here spares a NaN test per tap below
    for k, (_, _, window) in enumerate(taps[1:], 1):
        v = xp[window]
        better = v > out
        if has_nan:
            better |= np.isnan(v)
        winner = np.where(better, winner.dtype.type(k), winner)  # where, not a masked copy: no branches
        np.maximum(out, v, out=out)  # the same values (NaN propagates)
    return out.transpose(3, 0, 1, 2), winner


def max_pool2d_backward(g: np.ndarray, x_shape, winner: np.ndarray, kernel, stride, padding) -> np.ndarray:
    """Route each output's gradient to the input that was the maximum (summed where windows overlap)."""
    N, C, H, W = x_shape
    ph, pw = padding
    gt = g.transpose(1, 2, 3, 0)  # (C, Ho, Wo, N), as `winner`
    dx = np.zeros((C, H + 2 * ph, W + 2 * pw, N), dtype=g.dtype)
    overlap = stride[0] < kernel[0] or stride[1] < kernel[1]
    for k, (_, _, window) in enumerate(_taps(kernel, stride, winner.shape[1:3])):
        share = np.where(winner == k, gt, 0.0)
        if overlap:
            dx[window] += share  # an input in several windows collects from each
        else:
            dx[window] = share
    return dx[:, ph : ph + H, pw : pw + W].transpose(3, 0, 1, 2)
