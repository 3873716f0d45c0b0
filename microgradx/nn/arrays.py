"""A model read as arrays: `dense_layers(model)` (its weights and activations) and `predict(model, X)`.

This is the one reader of a model's weights as NumPy arrays: training, plotting, the interop and the
widgets all go through it.

>>> from microgradx.nn import MLP
>>> [(layer.W.shape, layer.activation) for layer in dense_layers(MLP(2, [3, 1], seed=0))]
[((3, 2), 'relu'), ((1, 3), 'linear')]
"""

from __future__ import annotations

import contextlib
import threading
from typing import NamedTuple

import numpy as np

from ..engine import Value
from .activations import ACTIVATIONS, activation_of
from .layers import Linear, Sequential, neuron_arrays
from .mlp import MLP, Layer, Neuron
from .module import Module

__all__ = ["DenseLayer", "dense_layers", "predict", "one_blas_thread"]

_BLOCK = 4096  # rows per block in `predict`: blocks that stay in cache


class DenseLayer(NamedTuple):
    """One dense layer: ``activation(x @ W.T + b)``, W (out, in) and b (out,) as float64 copies."""

    W: np.ndarray
    b: np.ndarray
    activation: str


def dense_layers(model) -> list[DenseLayer] | None:
    """The model as dense layers, input to output, or None if it is not a plain dense stack.

    A scalar `Neuron`/`Layer`/`MLP`, or a Tensor `Sequential` (exactly that class) of `Linear` layers
    whose widths chain, each followed by at most one activation layer of `ACTIVATIONS`. The arrays are
    float64 copies: changing them does not change the model.
    """
    layers = _layers(model)
    if layers is None:
        return None
    return [DenseLayer(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64), act) for W, b, act in layers]


def _layers(model) -> list[tuple[np.ndarray, np.ndarray, str]] | None:
    """As `dense_layers`, but a Tensor model gives its own arrays (no copies), for `predict`."""
    if type(model) is Sequential:  # exact types: a subclass may compute something else
        return _sequential_layers(model)
    if isinstance(model, MLP):
        groups = [layer.neurons for layer in model.layers]
    elif isinstance(model, Layer):
        groups = [model.neurons]
    elif isinstance(model, Neuron):
        groups = [[model]]
    else:
        return None
    return [(*neuron_arrays(neurons), neurons[0].activation) for neurons in groups]


def _sequential_layers(model: Sequential) -> list[tuple[np.ndarray, np.ndarray, str]] | None:
    out: list[list] = []
    for m in model.layers:
        if type(m) is Linear:
            W = m.weight.data
            if out and out[-1][0].shape[0] != W.shape[1]:  # widths that do not chain: the Tensor path says where
                return None
            out.append([W, np.zeros(W.shape[0], W.dtype) if m.bias is None else m.bias.data, "linear"])
        elif activation_of(m) is not None and out and out[-1][2] == "linear":
            out[-1][2] = activation_of(m)
        else:
            return None
    return [tuple(layer) for layer in out] or None


def predict(model, X, *, dtype=None) -> np.ndarray:
    """The model's scores for points `X` (n, d), computed with NumPy in one batch.

    A dense network (see `dense_layers`) is evaluated as arrays, in blocks of rows (never a Value graph
    per point); another Tensor model is called once on all of `X`; a plain function ``f(X) -> scores`` is
    called as is. One output gives shape (n,), k outputs (n, k), as float64. A dense network computes in
    the floating `dtype` if given (float32 is enough for a picture), else in its weights' dtype.

    >>> from microgradx.nn import MLP
    >>> model = MLP(2, [4, 1], seed=0)
    >>> bool(abs(predict(model, np.array([[0.5, -1.0]]))[0] - model([0.5, -1.0]).data) < 1e-12)
    True
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"predict: points must be a 2-D array (n, d), got shape {X.shape}")
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"predict: dtype must be a floating type such as float32 or float64, got {dtype!r}")
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging model gives inf/NaN scores, not warnings
        layers = _layers(model)
        if layers is not None:
            out = _predict_dense(layers, X, dtype)
            return out[:, 0] if out.shape[1] == 1 and not isinstance(model, Layer) else out
        return _predict_other(model, X)


def _predict_dense(layers: list, X: np.ndarray, dtype) -> np.ndarray:
    if X.shape[1] != layers[0][0].shape[1]:
        raise ValueError(f"predict: the model reads {layers[0][0].shape[1]} inputs, X has {X.shape[1]} columns")
    dtype = np.result_type(*(W for W, _, _ in layers)) if dtype is None else np.dtype(dtype)
    layers = [(W.astype(dtype, copy=False), b.astype(dtype, copy=False), ACTIVATIONS[a]) for W, b, a in layers]
    out = np.empty((len(X), layers[-1][0].shape[0]))
    with one_blas_thread():
        for start in range(0, len(X), _BLOCK):
            h = X[start : start + _BLOCK].astype(dtype, copy=False)
            for W, b, activation in layers:
                h = h @ W.T
                h += b
                h = activation.numpy(h)
            out[start : start + _BLOCK] = h
    return out


def _predict_other(model, X: np.ndarray) -> np.ndarray:
    if isinstance(model, Module):
        params = model.parameters()
        if params and all(isinstance(p, Value) for p in params):
            raise TypeError(
                f"predict: cannot turn a scalar {type(model).__name__} into arrays; "
                "use MLP/Layer/Neuron or give the model a Tensor version"
            )
        from ..tensor import Tensor

        out = model(Tensor(X, dtype=params[0].data.dtype if params else None))  # a float32 model reads float32
        out = np.asarray(out.data, dtype=np.float64)
    elif callable(model):
        out = np.asarray(model(X), dtype=np.float64)
    else:
        raise TypeError(f"predict: expected a model or a function of X, got {type(model).__name__}")
    return out[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out


# ---- one BLAS thread while predicting -------------------------------------------------------------


class _OneBlasThread:
    """Small matmuls run on one BLAS thread: at these sizes more threads only spin and wait, the more so on
    a machine that is busy training in another thread.

    OpenBLAS's thread count is process-wide, so the limit is reference-counted under a lock: the first
    `predict` in sets it to 1, the last out puts the original back, whichever threads they are.
    (threadpoolctl's own ``with controller.limit(...)``, entered from two threads at once, lets the second
    save the first's 1 as its "original" and put it back last: BLAS stayed on one thread for good.)
    threadpoolctl >= 3.6 lets only the thread that set a limit change it, so the last one out takes over
    that control before it restores, and releases it after. A no-op without threadpoolctl.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._users = 0
        self._controller = None
        self._limiter = None

    def __enter__(self):
        with self._lock:
            if self._users == 0:
                controller = self._get_controller()
                self._limiter = None if controller is None else controller.limit(limits=1, user_api="blas")
            self._users += 1
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._limiter is not None:
                _release_blas_control()
                self._limiter.restore_original_limits()
                _release_blas_control()
                self._limiter = None

    def _get_controller(self):
        if self._controller is None:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:  # pragma: no cover - scikit-learn (a dependency) brings it
                self._controller = False
            else:
                self._controller = ThreadpoolController()  # scans the loaded libraries: once
        return self._controller or None


def _release_blas_control() -> None:
    try:
        from threadpoolctl import OpenBLASController
    except ImportError:  # pragma: no cover
        return
    release = getattr(OpenBLASController, "clear_controlling_thread", None)  # threadpoolctl >= 3.6
    if release is not None:
        release(force=True)


_one_blas = _OneBlasThread()


def one_blas_thread() -> contextlib.AbstractContextManager:
    """A context in which BLAS runs on one thread; safe to enter from several threads at once (it nests)."""
    return _one_blas
