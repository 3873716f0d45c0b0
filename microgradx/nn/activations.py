"""The one table of activations: each name with its scalar op, Tensor layer, NumPy function and torch layer.

Every other list of activations in microgradx is derived from `ACTIVATIONS` (the scalar `Neuron`, the
Tensor layers, `predict`, the PyTorch interop), so adding one is one row here (and its op in each engine).

>>> list(ACTIVATIONS)
['tanh', 'relu', 'sigmoid', 'linear']
>>> ACTIVATIONS["tanh"].torch, ACTIVATIONS["linear"].layer
('Tanh', None)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..engine import Value
from ..tensor import Tensor
from .module import Module

__all__ = ["Activation", "ACTIVATIONS", "ReLU", "Tanh", "Sigmoid", "activation_of"]


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class ReLU(Module):
    """max(0, x), elementwise."""

    def forward(self, x) -> Tensor:
        return _tensor(x).relu()


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x) -> Tensor:
        return _tensor(x).tanh()


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise."""

    def forward(self, x) -> Tensor:
        return _tensor(x).sigmoid()


def _np_sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # never overflows: e^-|z| <= 1
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _identity(x):
    return x


class Activation(NamedTuple):
    """One activation: `scalar` maps a Value, `layer` is the Tensor Module class (None for 'linear'),
    `numpy` maps an ndarray (a new array), `torch` names the `torch.nn` class (None for 'linear')."""

    name: str
    scalar: Callable[[Value], Value]
    layer: type[Module] | None
    numpy: Callable[[np.ndarray], np.ndarray]
    torch: str | None


# The Playground's order (its default, tanh, first): menus list them as here.
ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", Value.tanh, Tanh, np.tanh, "Tanh"),
        Activation("relu", Value.relu, ReLU, lambda z: np.maximum(z, 0.0), "ReLU"),
        Activation("sigmoid", Value.sigmoid, Sigmoid, _np_sigmoid, "Sigmoid"),
        Activation("linear", _identity, None, _identity, None),
    )
}


def activation_of(layer: object) -> str | None:
    """The table's name for a Tensor activation layer (exact class, not a subclass), else None.

    >>> activation_of(ReLU()), activation_of(object())
    ('relu', None)
    """
    for a in ACTIVATIONS.values():
        if a.layer is not None and type(layer) is a.layer:
            return a.name
    return None
