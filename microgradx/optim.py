"""Optimizers with PyTorch's contract: `opt.zero_grad()`, `loss.backward()`, `opt.step()`.

They work on any list of parameters that have `.data` and `.grad`: scalar `Value`s (floats) or
`Tensor`s (NumPy arrays, updated in place).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

from .nn.module import zero_grads

__all__ = ["Optimizer", "SGD", "Adam"]


def _check(name: str, value: float, low: float = 0.0, high: float = math.inf, *, strict: bool = False) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < low or value > high or (strict and value == low):
        raise ValueError(f"invalid {name}: {value!r}")
    return float(value)


class Optimizer:
    """Holds the parameter list and the learning rate `lr` (change it freely between steps)."""

    def __init__(self, params: Iterable, lr: float):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        self.lr = _check("learning rate", lr, strict=True)

    def zero_grad(self) -> None:
        zero_grads(self.params)

    def step(self) -> None:
        raise NotImplementedError

    def _set(self, p, new) -> None:
        if isinstance(p.data, np.ndarray):
            p.data[...] = new
        else:
            p.data = float(new)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g}, {len(self.params)} parameters)"


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay.

    Same update as `torch.optim.SGD`: g = grad + wd * p; v = mu * v + g; p -= lr * (g + mu*v if
    nesterov else v).
    """

    def __init__(
        self, params, lr: float = 0.01, momentum: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False
    ):
        super().__init__(params, lr)
        self.momentum = _check("momentum", momentum)
        self.weight_decay = _check("weight_decay", weight_decay)
        if nesterov and self.momentum == 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.nesterov = nesterov
        self._velocity: list | None = None

    def step(self) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        grads = [p.grad + wd * p.data if wd else p.grad for p in self.params]
        directions = grads
        if mu:
            old = self._velocity
            velocity = grads if old is None else [mu * v + g for v, g in zip(old, grads)]  # v1 = g1
            directions = [g + mu * v for g, v in zip(grads, velocity)] if self.nesterov else velocity
        updates = [p.data - lr * d for p, d in zip(self.params, directions)]
        for p, new in zip(self.params, updates):  # all computed first: a failure above changes nothing
            self._set(p, new)
        if mu:
            self._velocity = [np.copy(v) if isinstance(v, np.ndarray) else v for v in velocity]


class Adam(Optimizer):
    """Adam (Kingma and Ba), the update of `torch.optim.Adam`, with L2 `weight_decay` added to the grad."""

    def __init__(
        self,
        params,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        self.betas = (_check("beta1", betas[0], high=1.0), _check("beta2", betas[1], high=1.0))
        if max(self.betas) >= 1.0:  # 1 - beta^t would be 0: the bias correction divides by it
            raise ValueError(f"invalid betas {betas!r}: each must be in [0, 1)")
        self.eps = _check("eps", eps)
        self.weight_decay = _check("weight_decay", weight_decay)
        self.t = 0
        self._m: list | None = None
        self._v: list | None = None

    def step(self) -> None:
        b1, b2 = self.betas
        t = self.t + 1
        m_old = self._m or [0.0] * len(self.params)
        v_old = self._v or [0.0] * len(self.params)
        m_new, v_new, updates = [], [], []
        for p, m, v in zip(self.params, m_old, v_old):
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
            updates.append(p.data - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))
            m_new.append(m)
            v_new.append(v)
        for p, new in zip(self.params, updates):  # all computed first: a failure above changes nothing
            self._set(p, new)
        self._m, self._v, self.t = m_new, v_new, t
