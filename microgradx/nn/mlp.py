"""Scalar networks on `Value`s, micrograd's Neuron -> Layer -> MLP, one node per scalar add and mul."""

from __future__ import annotations

import random
from collections.abc import Sequence

from ..engine import Value
from .activations import ACTIVATIONS
from .module import Module

__all__ = ["Neuron", "Layer", "MLP", "ACTIVATIONS", "make_rng"]


def make_rng(seed: int | random.Random | None):
    """Where weights are drawn from: a new `random.Random(seed)` for an int, the generator itself, or for None
    Python's global `random` (as micrograd: `random.seed(1337)` then gives micrograd's very weights)."""
    if isinstance(seed, random.Random) or seed is random:
        return seed
    if seed is None:
        return random  # the module's uniform() draws from the global generator that random.seed() seeds
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__} {seed!r}")


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    return activation


def _check_count(name: str, n: object) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return n


class Neuron(Module):
    """act(w . x + b): weights uniform in [-1, 1] (as micrograd), bias 0.

    Without `seed` the weights come from Python's global `random`, in micrograd's order (w, then the next
    neuron), so ``random.seed(1337); MLP(2, [16, 16, 1])`` has micrograd's weights.

    >>> n = Neuron(2, activation="tanh", seed=0)
    >>> n([1.0, -2.0])
    Value(data=-0.848835, grad=0)
    """

    def __init__(self, nin: int, activation: str | bool = "relu", *, nonlin: bool | None = None, seed=None):
        _check_count("nin", nin)
        if isinstance(activation, bool):  # micrograd's positional nonlin: Neuron(2, False)
            activation, nonlin = "relu", activation if nonlin is None else nonlin
        if nonlin is not None:  # micrograd's spelling: Neuron(nin, nonlin=False)
            activation = "relu" if nonlin else "linear"
        self.activation = _check_activation(activation)
        rng = make_rng(seed)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)

    @property
    def nonlin(self) -> bool:
        return self.activation != "linear"

    def forward(self, x: Sequence) -> Value:
        return self._forward(_check_inputs(type(self).__name__, x, len(self.w)))

    def _forward(self, x: Sequence) -> Value:  # x already checked (a Layer checks once for all its neurons)
        act = self.b
        for wi, xi in zip(self.w, x):  # b + w0 x0 + w1 x1 + ..., micrograd's order (a loop: no generator)
            act = act + wi * xi
        return ACTIVATIONS[self.activation].scalar(act)

    def extra_repr(self) -> str:
        return f"{len(self.w)}, activation={self.activation!r}"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs; returns a list of `nout` Values."""

    def __init__(self, nin: int, nout: int, activation: str = "relu", *, nonlin: bool | None = None, seed=None):
        _check_count("nout", nout)
        rng = make_rng(seed)
        self.neurons = [Neuron(nin, activation, nonlin=nonlin, seed=rng) for _ in range(nout)]

    def forward(self, x: Sequence) -> list[Value]:
        x = _check_inputs(type(self).__name__, x, len(self.neurons[0].w))
        return [n._forward(x) for n in self.neurons]

    def __repr__(self) -> str:
        n = self.neurons[0]
        return f"Layer({len(n.w)}, {len(self.neurons)}, activation={n.activation!r})"


class MLP(Module):
    """A multi-layer perceptron: `MLP(2, [16, 16, 1])` is 2 inputs, two hidden layers of 16, 1 output.

    Hidden layers use `activation`, the last layer `output_activation`. With one output neuron the
    model returns a single Value, otherwise a list.

    >>> model = MLP(2, [16, 16, 1], seed=1337)
    >>> len(model.parameters())
    337
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        seed=None,
    ):
        nouts = list(nouts) if not isinstance(nouts, int) else [nouts]
        if not nouts:
            raise ValueError("MLP needs at least one layer in nouts, got []")
        _check_activation(activation)
        _check_activation(output_activation)
        rng = make_rng(seed)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else output_activation, seed=rng)
            for i in range(len(nouts))
        ]

    @property
    def sizes(self) -> list[int]:
        """Widths from input to output, e.g. [2, 16, 16, 1]."""
        return [len(self.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in self.layers]

    @property
    def activations(self) -> list[str]:
        return [layer.neurons[0].activation for layer in self.layers]

    def forward(self, x: Sequence):
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"MLP(\n{inner}\n)"


def _check_inputs(who: str, x, n: int) -> Sequence:
    """Inputs as a sequence of length n: a lone number or Value stands for one input."""
    if isinstance(x, (Value, int, float)):
        x = (x,)
    try:
        got = len(x)
    except TypeError:
        raise TypeError(f"{who} expects a sequence of {n} numbers or Values, got {type(x).__name__}") from None
    if got != n:
        raise ValueError(f"{who} expects {n} input{'s' if n != 1 else ''}, got {got}")
    return x
