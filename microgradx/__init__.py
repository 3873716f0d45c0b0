"""microgradx: see backpropagation. A scalar autograd engine, a NumPy Tensor engine, nn, and widgets.

>>> from microgradx import Value
>>> x = Value(3.0)
>>> y = x * x + 2 * x
>>> _ = y.backward()
>>> x.grad
8.0
"""

from . import data, losses, nn, optim, train
from .engine import Value, gc_paused
from .nn import MLP, Layer, Module, Neuron
from .tensor import Tensor
from .train import Trainer

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Value",
    "Tensor",
    "gc_paused",
    "nn",
    "losses",
    "optim",
    "data",
    "train",
    "Trainer",
    "Module",
    "Neuron",
    "Layer",
    "MLP",
]
