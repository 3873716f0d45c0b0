"""Tensor layers with PyTorch's names, shapes and initialisation: `Linear`, `Conv2d`, `MaxPool2d`, ...

Weights are stored as PyTorch stores them (`Linear.weight` is (out, in), `Conv2d.weight` is
(out, in, kh, kw)) and `Sequential` names parameters ``"0.weight"``, so state dicts line up with
`torch.nn`. Each layer takes `seed=` (an int or a `numpy.random.Generator`) for its initial weights.
"""

from __future__ import annotations

import numpy as np

from .. import im2col
from ..tensor import Tensor, conv2d, linear, max_pool2d
from .activations import ACTIVATIONS, ReLU, Sigmoid, Tanh
from .mlp import MLP
from .module import Module

__all__ = [
    "Linear",
    "Conv2d",
    "MaxPool2d",
    "Flatten",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Sequential",
    "make_generator",
    "neuron_arrays",
]


def make_generator(seed) -> np.random.Generator:
    """A `numpy.random.Generator` from an int seed (None: fresh entropy), or the generator itself."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be an int, a numpy.random.Generator or None, got {type(seed).__name__} {seed!r}")


def _uniform(rng: np.random.Generator, shape: tuple, fan_in: int, dtype) -> Tensor:
    """PyTorch's default init: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming-uniform with a = sqrt 5)."""
    bound = 1.0 / np.sqrt(fan_in)
    return Tensor(rng.uniform(-bound, bound, size=shape), requires_grad=True, dtype=dtype)


def _count(name: str, n) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def _tensor(x, like: Tensor | None = None) -> Tensor:
    """Inputs may be Tensors or arrays (taken as constants, in the layer's dtype)."""
    if isinstance(x, Tensor):
        return x
    return Tensor(x, dtype=None if like is None else like.dtype)


class Linear(Module):
    """y = x W^T + b, W of shape (out_features, in_features).

    >>> layer = Linear(2, 3, seed=0)
    >>> layer(np.ones((5, 2))).shape
    (5, 3)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *, seed=None, dtype=np.float64):
        self.in_features, self.out_features = _count("in_features", in_features), _count("out_features", out_features)
        rng = make_generator(seed)
        self.weight = _uniform(rng, (out_features, in_features), in_features, dtype)
        self.bias = _uniform(rng, (out_features,), in_features, dtype) if bias else None

    def forward(self, x) -> Tensor:
        x = _tensor(x, self.weight)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"{self!r}: input of shape {x.shape} should end in {self.in_features} features")
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}" + (", bias=False" if self.bias is None else "")


class Conv2d(Module):
    """2-D convolution over (N, C, H, W) inputs, weight (out_channels, in_channels, kh, kw).

    >>> Conv2d(1, 4, 3, padding=1, seed=0)(np.zeros((2, 1, 8, 8))).shape
    (2, 4, 8, 8)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        bias: bool = True,
        *,
        seed=None,
        dtype=np.float64,
    ):
        self.in_channels = _count("in_channels", in_channels)
        self.out_channels = _count("out_channels", out_channels)
        self.kernel_size = im2col.pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = im2col.pair(stride, "stride", "Conv2d", 1)
        self.padding = im2col.pair(padding, "padding", "Conv2d")
        rng = make_generator(seed)
        fan_in = in_channels * self.kernel_size[0] * self.kernel_size[1]
        self.weight = _uniform(rng, (out_channels, in_channels, *self.kernel_size), fan_in, dtype)
        self.bias = _uniform(rng, (out_channels,), fan_in, dtype) if bias else None

    def forward(self, x) -> Tensor:
        x = _tensor(x, self.weight)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"{self!r}: input of shape {x.shape} should be (N, {self.in_channels}, H, W)")
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        s += f", padding={self.padding}" if self.padding != (0, 0) else ""
        return s + (", bias=False" if self.bias is None else "")


class MaxPool2d(Module):
    """Max over kernel_size windows (stride defaults to kernel_size, like PyTorch)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = im2col.pair(kernel_size, "kernel_size", "MaxPool2d", 1)
        self.stride = self.kernel_size if stride is None else im2col.pair(stride, "stride", "MaxPool2d", 1)
        self.padding = im2col.pair(padding, "padding", "MaxPool2d")

    def forward(self, x) -> Tensor:
        return max_pool2d(_tensor(x), self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Flatten(Module):
    """(N, C, H, W) -> (N, C*H*W): merge every axis from `start_dim` on."""

    def __init__(self, start_dim: int = 1):
        self.start_dim = start_dim

    def forward(self, x) -> Tensor:
        return _tensor(x).flatten(self.start_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}" if self.start_dim != 1 else ""


def neuron_arrays(neurons) -> tuple[np.ndarray, np.ndarray]:
    """Scalar `Neuron`s reading the same inputs, as float64 arrays: W (n, nin) with row j = neuron j's
    weights, and b (n,). Copies: the Values are read once.

    >>> W, b = neuron_arrays(MLP(3, [2], seed=0).layers[0].neurons)
    >>> W.shape, b.shape
    ((2, 3), (2,))
    """
    W = np.array([[w.data for w in n.w] for n in neurons], dtype=np.float64)
    return W, np.array([n.b.data for n in neurons], dtype=np.float64)


class Sequential(Module):
    """Modules applied in order; parameters are named ``"<index>.<name>"``, as in `torch.nn.Sequential`.

    >>> model = Sequential(Linear(2, 16, seed=0), ReLU(), Linear(16, 1, seed=1))
    >>> [name for name, _ in model.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *modules: Module):
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: item {i} is a {type(m).__name__}, not a Module")
        self.layers = list(modules)

    @classmethod
    def from_mlp(cls, mlp: MLP, dtype=np.float64) -> Sequential:
        """A Tensor copy of a scalar `MLP`, with the same weights: the same function, computed on arrays.

        >>> scalar = MLP(2, [16, 16, 1], seed=1337)
        >>> fast = Sequential.from_mlp(scalar)
        >>> abs(fast(np.array([[0.5, -1.0]])).item() - scalar([0.5, -1.0]).data) < 1e-12
        True
        """
        if not isinstance(mlp, MLP):
            raise TypeError(f"Sequential.from_mlp needs a scalar nn.MLP, got {type(mlp).__name__}")
        modules = []
        for layer in mlp.layers:
            neurons = layer.neurons
            lin = Linear(len(neurons[0].w), len(neurons), seed=0, dtype=dtype)
            lin.weight.data[...], lin.bias.data[...] = neuron_arrays(neurons)
            modules.append(lin)
            layer_class = ACTIVATIONS[neurons[0].activation].layer
            if layer_class is not None:
                modules.append(layer_class())
        return cls(*modules)

    def forward(self, x) -> Tensor:
        for m in self.layers:
            x = m(x)
        return x

    def _parameter_items(self, prefix: str):  # named by position, as torch.nn.Sequential: "0.weight"
        for i, m in enumerate(self.layers):
            yield from m._parameter_items(f"{prefix}.{i}" if prefix else str(i))

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i):
        return Sequential(*self.layers[i]) if isinstance(i, slice) else self.layers[i]

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): " + repr(m).replace("\n", "\n  ") for i, m in enumerate(self.layers))
        return f"Sequential({inner}\n)"
