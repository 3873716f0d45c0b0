"""Neural-network building blocks: scalar (`Neuron`, `Layer`, `MLP`) and Tensor layers (`Linear`, `Conv2d`, ...),
the activation table (`ACTIVATIONS`) and the model read as arrays (`dense_layers`, `predict`)."""

from .activations import ACTIVATIONS, Activation, ReLU, Sigmoid, Tanh
from .arrays import DenseLayer, dense_layers, predict
from .layers import Conv2d, Flatten, Linear, MaxPool2d, Sequential
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
    "ACTIVATIONS",
    "Activation",
    "DenseLayer",
    "dense_layers",
    "predict",
]
