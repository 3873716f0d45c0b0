"""Optimizers with PyTorch's contract: `opt.zero_grad()`, `loss.backward()`, `opt.step()`.

They work on any list of parameters that have `.data` and `.grad`: scalar `Value`s (floats) or
`Tensor`s (NumPy arrays, updated in place). As in `torch.optim`, each parameter's state lives in
``opt.state[p]`` (a momentum buffer, Adam's moments), and `state_dict()` / `load_state_dict()` save and
restore it with the hyperparameters: a checkpoint or a rollback goes through those.

>>> from microgradx import Value
>>> p = Value(1.0)
>>> opt = SGD([p], lr=0.1, momentum=0.9)
>>> p.grad = 1.0
>>> opt.step()
>>> opt.state[p]
{'momentum_buffer': 1.0}
>>> saved = opt.state_dict()
>>> opt.step()
>>> opt.load_state_dict(saved)
>>> opt.state[p], round(p.data, 12)
({'momentum_buffer': 1.0}, 0.71)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Mapping, MutableMapping

import numpy as np

from .nn.module import zero_grads

__all__ = ["Optimizer", "SGD", "Adam"]


class _StateByParameter(MutableMapping):
    """``state[p]``: a dict per parameter, keyed by the parameter itself (its identity, as PyTorch's)."""

    def __init__(self):
        self._by_id: dict[int, tuple[object, dict]] = {}

    def __getitem__(self, p) -> dict:
        return self._by_id[id(p)][1]

    def __setitem__(self, p, value: dict) -> None:
        self._by_id[id(p)] = (p, value)

    def __delitem__(self, p) -> None:
        del self._by_id[id(p)]

    def __iter__(self) -> Iterator:
        return (p for p, _ in self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __repr__(self) -> str:
        return f"state({len(self)} parameters)"


class Optimizer:
    """Holds the parameter list, per-parameter `state` and the hyperparameters (`lr` may change freely
    between steps). Subclasses name their hyperparameters in `_hyper` and validate them in `_check_hyper`."""

    _hyper: tuple[str, ...] = ("lr",)

    def __init__(self, params: Iterable, lr: float):
        who = type(self).__name__
        if isinstance(params, Mapping) or not isinstance(params, Iterable):
            raise TypeError(f"{who}: params must be an iterable of parameters (model.parameters()), got {params!r}")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{who} got an empty parameter list")
        seen = set()
        for i, p in enumerate(self.params):
            if not (hasattr(p, "data") and hasattr(p, "grad")):
                raise TypeError(f"{who}: parameter {i} is a {type(p).__name__}, not a Value or Tensor")
            if id(p) in seen:
                raise ValueError(f"{who}: parameter {i} appears twice in the parameter list")
            seen.add(id(p))
        self.lr = _check(who, "lr", lr, strict=True)
        self.state = _StateByParameter()

    def zero_grad(self) -> None:
        zero_grads(self.params)

    def step(self) -> None:
        raise NotImplementedError

    # ---- state, as torch.optim: {"state": {index: {...}}, "param_groups": [{hyper..., "params": [0, 1, ...]}]}

    def state_dict(self) -> dict:
        """The hyperparameters and each parameter's state by index in `params`, as copies."""
        state = {i: {k: _copy(v) for k, v in self.state[p].items()}
                 for i, p in enumerate(self.params) if p in self.state}
        group = {name: getattr(self, name) for name in self._hyper}
        return {"state": state, "param_groups": [{**group, "params": list(range(len(self.params)))}]}

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore what `state_dict()` returned. Everything is checked first: on a mismatch nothing changes."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{who}: expected a dict with 'state' and 'param_groups', got {state_dict!r:.80}")
        groups = state_dict["param_groups"]
        if len(groups) != 1 or set(groups[0]) != {*self._hyper, "params"}:
            raise ValueError(f"{who}: expected one param group with {', '.join(self._hyper)} and params")
        if list(groups[0]["params"]) != list(range(len(self.params))):
            saved = len(groups[0]["params"])
            raise ValueError(f"{who}: the saved optimizer had {saved} parameters, this one has {len(self.params)}")
        hyper = self._check_hyper({name: groups[0][name] for name in self._hyper})
        new = {}
        for i, entries in state_dict["state"].items():
            if not isinstance(i, int) or not 0 <= i < len(self.params):
                raise ValueError(f"{who}: state for parameter {i!r}, but there are {len(self.params)}")
            new[i] = {k: _checked_state(who, i, k, v, self.params[i].data) for k, v in entries.items()}
        for name, value in hyper.items():  # only now, all checked
            setattr(self, name, value)
        self.state = _StateByParameter()
        for i, entries in new.items():
            self.state[self.params[i]] = entries

    def _check_hyper(self, hyper: dict) -> dict:
        return {"lr": _check(type(self).__name__, "lr", hyper["lr"], strict=True)}

    def _set(self, p, new) -> None:
        if isinstance(p.data, np.ndarray):
            p.data[...] = new
        else:
            p.data = float(new)

    def _subtract(self, p, step) -> None:
        """p.data -= step: in place for an array (one pass, no new array), as PyTorch updates its weights."""
        if isinstance(p.data, np.ndarray):
            p.data -= step
        else:
            p.data = float(p.data - step)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g}, {len(self.params)} parameters)"


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay.

    Same update as `torch.optim.SGD`: g = grad + wd * p; v = mu * v + g (v = g at first); p -= lr * (g + mu*v
    if nesterov else v). State: ``state[p]["momentum_buffer"]`` when momentum > 0.
    """

    _hyper = ("lr", "momentum", "weight_decay", "nesterov")

    def __init__(
        self, params, lr: float = 0.01, momentum: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False
    ):
        super().__init__(params, lr)
        hyper = self._check_hyper(
            {"lr": lr, "momentum": momentum, "weight_decay": weight_decay, "nesterov": nesterov}
        )
        self.momentum, self.weight_decay, self.nesterov = hyper["momentum"], hyper["weight_decay"], hyper["nesterov"]

    def _check_hyper(self, hyper: dict) -> dict:
        out = {
            "lr": _check("SGD", "lr", hyper["lr"], strict=True),
            "momentum": _check("SGD", "momentum", hyper["momentum"]),
            "weight_decay": _check("SGD", "weight_decay", hyper["weight_decay"]),
            "nesterov": hyper["nesterov"],
        }
        if not isinstance(out["nesterov"], bool):
            raise TypeError(f"SGD: nesterov must be True or False, got {out['nesterov']!r}")
        if out["nesterov"] and out["momentum"] == 0:
            raise ValueError("SGD: Nesterov momentum needs momentum > 0")
        return out

    def step(self) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        steps, buffers = [], []
        for p in self.params:  # all computed first: a failure part-way changes nothing
            g = p.grad + wd * p.data if wd else p.grad
            d = g
            if mu:
                old = self.state[p].get("momentum_buffer") if p in self.state else None
                v = g if old is None else mu * old + g
                buffers.append(np.copy(v) if isinstance(v, np.ndarray) else v)
                d = g + mu * v if self.nesterov else v
            steps.append(lr * d)
        for i, (p, step) in enumerate(zip(self.params, steps)):
            self._subtract(p, step)
            if mu:
                self.state[p] = {"momentum_buffer": buffers[i]}


class Adam(Optimizer):
    """Adam (Kingma and Ba), the update of `torch.optim.Adam`, with L2 `weight_decay` added to the grad.

    State: ``state[p]`` holds "step", "exp_avg" (m) and "exp_avg_sq" (v), as PyTorch names them.
    """

    _hyper = ("lr", "betas", "eps", "weight_decay")

    def __init__(
        self,
        params,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        hyper = self._check_hyper({"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay})
        self.betas, self.eps, self.weight_decay = hyper["betas"], hyper["eps"], hyper["weight_decay"]

    def _check_hyper(self, hyper: dict) -> dict:
        betas = hyper["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), each in [0, 1), got {betas!r}")
        betas = (_check("Adam", "beta1", betas[0], high=1.0), _check("Adam", "beta2", betas[1], high=1.0))
        if max(betas) >= 1.0:  # 1 - beta^t would be 0: the bias correction divides by it
            raise ValueError(f"Adam: invalid betas {hyper['betas']!r}: each must be in [0, 1)")
        return {
            "lr": _check("Adam", "lr", hyper["lr"], strict=True),
            "betas": betas,
            "eps": _check("Adam", "eps", hyper["eps"]),
            "weight_decay": _check("Adam", "weight_decay", hyper["weight_decay"]),
        }

    def step(self) -> None:
        b1, b2 = self.betas
        new_state, updates = [], []
        for p in self.params:  # all computed first: a failure part-way changes nothing
            state = self.state[p] if p in self.state else {"step": 0, "exp_avg": 0.0, "exp_avg_sq": 0.0}
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            t = state["step"] + 1
            m = b1 * state["exp_avg"] + (1 - b1) * g
            v = b2 * state["exp_avg_sq"] + (1 - b2) * g * g
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
            updates.append(p.data - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))
            new_state.append({"step": t, "exp_avg": m, "exp_avg_sq": v})
        for p, new, state in zip(self.params, updates, new_state):
            self._set(p, new)
            self.state[p] = state


# ---- checks ---------------------------------------------------------------------------------------------


def _check(who: str, name: str, value, low: float = 0.0, high: float = math.inf, *, strict: bool = False) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < low or value > high or (strict and value == low):
        where = f"> {low:g}" if strict else f">= {low:g}"
        where += f" and <= {high:g}" if high != math.inf else ""
        label = "learning rate lr" if name == "lr" else name
        raise ValueError(f"{who}: invalid {label}={value!r}; it must be a finite number {where}")
    return float(value)


def _copy(x):
    return x.copy() if isinstance(x, np.ndarray) else x


def _checked_state(who: str, i: int, key: str, value, data):
    """A saved state entry for parameter i: a number for a step count or a scalar, an array of its shape."""
    if key == "step":
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{who}: state[{i}]['step'] must be an integer >= 0, got {value!r}")
        return int(value)
    if isinstance(data, np.ndarray):
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return float(value)  # a moment still at its start, 0.0
        array = np.asarray(value)
        if array.shape != data.shape or array.dtype.kind not in "fiu":
            raise ValueError(f"{who}: state[{i}][{key!r}] has shape {array.shape}, parameter {i} has {data.shape}")
        return array.astype(data.dtype, copy=True)
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise ValueError(f"{who}: state[{i}][{key!r}] must be a number for a scalar parameter, got {value!r}")
    return float(value)
