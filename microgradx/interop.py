"""PyTorch interop: `to_torch(model)` and `from_torch(module)` copy a model across, weights and all.

The same function on both sides: outputs and gradients agree to rounding (1e-12 in float64). torch is an
optional dependency, imported only when one of these functions runs.

>>> from microgradx import MLP
>>> model = MLP(2, [16, 16, 1], seed=0)
>>> to_torch(model)
Sequential(
  (0): Linear(in_features=2, out_features=16, bias=True)
  (1): ReLU()
  (2): Linear(in_features=16, out_features=16, bias=True)
  (3): ReLU()
  (4): Linear(in_features=16, out_features=1, bias=True)
)
"""

from __future__ import annotations

import numpy as np

from .nn import layers
from .nn.activations import ACTIVATIONS
from .nn.mlp import MLP, Layer
from .nn.module import Module

__all__ = ["to_torch", "from_torch", "SUPPORTED"]

# our layer <-> torch.nn layer of the same name; activations are stateless
_TORCH_ACTIVATIONS = tuple(a.torch for a in ACTIVATIONS.values() if a.torch)  # ("Tanh", "ReLU", "Sigmoid")
SUPPORTED = ("Sequential", "Linear", "Conv2d", "MaxPool2d", "Flatten", *_TORCH_ACTIVATIONS)
_DTYPES = {np.dtype(np.float64): "float64", np.dtype(np.float32): "float32"}


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("microgradx.interop needs PyTorch: pip install torch") from None
    return torch


def _unsupported(where: str, module, extra: str = "") -> TypeError:
    names = ", ".join(SUPPORTED) + extra
    return TypeError(f"{where}: cannot convert a {type(module).__name__}; supported layers: {names}")


# ---- ours -> torch -----------------------------------------------------------------------------------


def to_torch(model: Module, dtype=None):
    """An equivalent `torch.nn.Module` with identical weights.

    A scalar `MLP` becomes ``torch.nn.Sequential(Linear, activation, ..., Linear)`` (it takes a batch of
    shape (N, nin) and returns (N, nout)); a Tensor layer or `Sequential` of Linear / Conv2d / MaxPool2d /
    Flatten / ReLU / Tanh / Sigmoid becomes the same torch layers. `dtype` (a torch dtype) defaults to the
    model's own: float64 for scalar models. Anything else raises a TypeError naming the layer.
    """
    torch = _torch()
    if not isinstance(model, Module):
        raise TypeError(f"to_torch needs a microgradx Module, got {type(model).__name__}")
    with torch.no_grad():
        return _layer_to_torch(torch, model, dtype)


def _layer_to_torch(torch, m: Module, dtype):
    nn = torch.nn
    if isinstance(m, MLP):  # flat, as one would write it: Linear, activation, ..., Linear
        return nn.Sequential(*(mod for layer in m.layers for mod in _scalar_layer_to_torch(torch, layer, dtype)))
    if isinstance(m, layers.Sequential):
        return nn.Sequential(*(_layer_to_torch(torch, child, dtype) for child in m))
    if isinstance(m, layers.Linear):
        return _linear(torch, m.weight.data, None if m.bias is None else m.bias.data, dtype)
    if isinstance(m, layers.Conv2d):
        conv = _empty(
            torch,
            nn.Conv2d,
            m.in_channels,
            m.out_channels,
            m.kernel_size,
            stride=m.stride,
            padding=m.padding,
            bias=m.bias is not None,
            dtype=dtype or _torch_dtype(torch, m.weight.data),
        )
        return _fill(torch, conv, m.weight.data, None if m.bias is None else m.bias.data)
    if isinstance(m, layers.MaxPool2d):
        return nn.MaxPool2d(m.kernel_size, m.stride, m.padding)
    if isinstance(m, layers.Flatten):
        return nn.Flatten(m.start_dim)
    for a in ACTIVATIONS.values():
        if a.layer is not None and isinstance(m, a.layer):
            return getattr(nn, a.torch)()
    raise _unsupported("to_torch", m, ", and the scalar MLP")


def _scalar_layer_to_torch(torch, layer: Layer, dtype) -> list:
    """A scalar Layer's neurons as one Linear (row j = neuron j's weights), then its activation if any."""
    W, b = layers.neuron_arrays(layer.neurons)
    act = layer.neurons[0].activation
    lin = _linear(torch, W, b, dtype or torch.float64)
    torch_name = ACTIVATIONS[act].torch
    return [lin] if torch_name is None else [lin, getattr(torch.nn, torch_name)()]


def _torch_dtype(torch, a: np.ndarray):
    return getattr(torch, _DTYPES[a.dtype])


def _empty(torch, cls, *args, **kwargs):
    """A torch layer with uninitialised weights: its random init would draw from torch's global generator."""
    return torch.nn.utils.skip_init(cls, *args, **kwargs)


def _linear(torch, W: np.ndarray, b: np.ndarray | None, dtype):
    out_features, in_features = W.shape
    lin = _empty(
        torch, torch.nn.Linear, in_features, out_features, bias=b is not None, dtype=dtype or _torch_dtype(torch, W)
    )
    return _fill(torch, lin, W, b)


def _fill(torch, layer, W: np.ndarray, b: np.ndarray | None):
    layer.weight.copy_(torch.from_numpy(np.array(W)))  # copy_ converts to the layer's dtype
    if b is not None:
        layer.bias.copy_(torch.from_numpy(np.array(b)))
    return layer


# ---- torch -> ours -----------------------------------------------------------------------------------


def from_torch(module, *, scalar: bool = False) -> Module:
    """Our equivalent of a `torch.nn.Module`, with identical weights.

    A `torch.nn.Sequential` of Linear / Conv2d / MaxPool2d / Flatten / ReLU / Tanh / Sigmoid (or one such
    layer) becomes our Tensor `Sequential` (or layer) in the module's dtype. With ``scalar=True`` a
    Sequential of Linear layers, each optionally followed by an activation, becomes a scalar `MLP` (hidden
    layers must share one activation). Anything else raises a TypeError naming the layer.
    """
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch needs a torch.nn.Module, got {type(module).__name__}")
    if scalar:
        return _mlp_from_torch(torch, module)
    model = _layer_from_torch(torch, module)
    model.load_state_dict({name: p.detach().cpu().numpy() for name, p in module.named_parameters()})
    return model


def _dtype(torch, p) -> type:
    if p.dtype == torch.float64:
        return np.float64
    if p.dtype == torch.float32:
        return np.float32
    raise TypeError(f"from_torch: parameters must be float32 or float64, got {p.dtype}; convert with .double()")


def _layer_from_torch(torch, m):
    nn = torch.nn
    kind = type(m).__name__
    if type(m) is nn.Sequential:
        return layers.Sequential(*(_layer_from_torch(torch, child) for child in m))
    if type(m) is nn.Linear:
        return layers.Linear(
            m.in_features, m.out_features, bias=m.bias is not None, seed=0, dtype=_dtype(torch, m.weight)
        )
    if type(m) is nn.Conv2d:
        _require(kind, dilation=(m.dilation, (1, 1)), groups=(m.groups, 1), padding_mode=(m.padding_mode, "zeros"))
        if isinstance(m.padding, str):
            raise ValueError(f"from_torch: Conv2d(padding={m.padding!r}) is not supported; give the padding in pixels")
        return layers.Conv2d(
            m.in_channels,
            m.out_channels,
            m.kernel_size,
            stride=m.stride,
            padding=m.padding,
            bias=m.bias is not None,
            seed=0,
            dtype=_dtype(torch, m.weight),
        )
    if type(m) is nn.MaxPool2d:
        _require(
            kind, dilation=(m.dilation, 1), ceil_mode=(m.ceil_mode, False), return_indices=(m.return_indices, False)
        )
        return layers.MaxPool2d(m.kernel_size, m.stride, m.padding)
    if type(m) is nn.Flatten:
        _require(kind, end_dim=(m.end_dim, -1))
        return layers.Flatten(m.start_dim)
    if _torch_activation(torch, m) is not None:
        return ACTIVATIONS[_torch_activation(torch, m)].layer()
    raise _unsupported("from_torch", m)


def _torch_activation(torch, m) -> str | None:
    """The table's name for a torch activation layer (exact class), else None."""
    for a in ACTIVATIONS.values():
        if a.torch is not None and type(m) is getattr(torch.nn, a.torch):
            return a.name
    return None


def _require(kind: str, **settings) -> None:
    """ValueError if a torch layer uses a setting we do not have (e.g. a dilated convolution)."""
    for name, (got, ours) in settings.items():
        same = got == ours or (isinstance(got, tuple) and all(g == ours for g in got))
        if not same:
            raise ValueError(f"from_torch: {kind}({name}={got!r}) is not supported, only {name}={ours!r}")


def _mlp_from_torch(torch, module) -> MLP:
    where = "from_torch(scalar=True)"
    mods = list(module) if isinstance(module, torch.nn.Sequential) else [module]
    linears, acts = [], []
    for m in mods:
        if type(m) is torch.nn.Linear:
            if m.bias is None:
                raise ValueError(f"{where}: every Linear needs a bias (a scalar Neuron always has one)")
            linears.append(m)
            acts.append("linear")
        elif _torch_activation(torch, m) is not None and acts and acts[-1] == "linear":
            acts[-1] = _torch_activation(torch, m)
        else:
            raise TypeError(
                f"{where}: cannot convert a {type(m).__name__} here; a scalar MLP is Linear layers, "
                f"each optionally followed by one {', '.join(_TORCH_ACTIVATIONS)}"
            )
    if not linears:
        raise ValueError(f"{where}: no Linear layer in {type(module).__name__}")
    if len(set(acts[:-1])) > 1:
        raise ValueError(f"{where}: hidden layers must share one activation, got {acts[:-1]}")
    for a, b in zip(linears, linears[1:]):
        if a.out_features != b.in_features:
            raise ValueError(f"{where}: {a} feeds {b}: sizes do not match")
    model = MLP(
        linears[0].in_features,
        [m.out_features for m in linears],
        activation=acts[0] if len(acts) > 1 else "relu",
        output_activation=acts[-1],
        seed=0,
    )
    for layer, lin in zip(model.layers, linears):
        W, b = lin.weight.detach().double().cpu().tolist(), lin.bias.detach().double().cpu().tolist()
        for neuron, row, bias in zip(layer.neurons, W, b):
            for w, value in zip(neuron.w, row):
                w.data = value
            neuron.b.data = bias
    return model
