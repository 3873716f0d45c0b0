"""Neural-network building blocks: scalar (`Neuron`, `Layer`, `MLP`) and, later, Tensor layers."""

from .mlp import MLP, Layer, Neuron
from .module import Module

__all__ = ["Module", "Neuron", "Layer", "MLP"]
