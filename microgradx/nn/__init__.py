"""Neural-network building blocks: scalar (`Neuron`, `Layer`, `MLP`) and Tensor layers (`Linear`, `Conv2d`, ...)."""

from .layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, Sigmoid, Tanh
from .mlp import MLP, Layer, Neuron
from .module import Module

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "Linear",
    "Conv2d",
    "MaxPool2d",
    "Flatten",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Sequential",
]
