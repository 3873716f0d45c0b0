"""`Module`: the base of every layer and model, for both engines (PyTorch's names and contract)."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator, Mapping

import numpy as np

from ..engine import Value

__all__ = ["Module", "is_parameter", "zero_grads"]


def zero_grads(params) -> None:
    """Set each parameter's gradient to zero: 0.0 for a Value; None for a Tensor (read as zeros), as PyTorch's
    `zero_grad(set_to_none=True)`, so the next backward stores its gradient instead of adding it to zeros."""
    for p in params:
        p.grad = None if isinstance(p.data, np.ndarray) else 0.0


def is_parameter(x: object) -> bool:
    """True for what a Module trains: a leaf `Value`, or a leaf `Tensor` that requires grad.

    Leaves only: an activation kept as an attribute (``self.out = ...`` in `forward`, to plot it) is the
    result of an op, not a parameter.
    """
    return (isinstance(x, Value) or getattr(x, "requires_grad", False) is True) and not x._prev


class Module:
    """Base class: parameters are found by walking attributes (Values, Tensors, Modules and lists of them).

    Subclasses set their parameters and sub-modules as attributes in `__init__` and define `forward`.
    """

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, object]]:
        """Yield ``(name, parameter)`` in definition order, names like ``layers.0.neurons.3.w.1``.

        A parameter shared by several sub-modules is listed once, under its first name (as in PyTorch).
        """
        seen = set()
        for name, p in self._parameter_items(prefix):
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def _parameter_items(self, prefix: str) -> Iterator[tuple[str, object]]:
        """Every ``(name, parameter)`` below this module, repeats included (subclasses may name them)."""
        yield from _walk(prefix, vars(self).items())

    def parameters(self) -> list:
        """All trainable parameters, in a stable order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero (gradients accumulate across `backward()` calls)."""
        zero_grads(self.parameters())

    def state_dict(self) -> dict[str, object]:
        """Parameter values by name: floats for scalar parameters, array copies for tensors."""
        return {name: _copy(p.data) for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Load parameter values by name. Checks everything first: on a mismatch nothing is changed."""
        params = dict(self.named_parameters())
        missing, unexpected = params.keys() - state.keys(), state.keys() - params.keys()
        if missing or unexpected:
            raise ValueError(
                f"state_dict does not match {type(self).__name__}: "
                f"missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}"
            )
        new = {}
        for name, p in params.items():
            new[name] = _checked(name, state[name], p.data)
        for name, p in params.items():  # only now, all checked: a failed load changes nothing
            if isinstance(p.data, np.ndarray):
                p.data[...] = new[name]  # in place, as PyTorch: views of the weights (a live plot) stay true
            else:
                p.data = new[name]

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = [(n, m) for n, m in _children(vars(self).items())]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in children:
            lines.append("  (" + name + "): " + repr(child).replace("\n", "\n  "))
        return "\n".join(lines) + "\n)"

    def save(self, path: str | os.PathLike) -> None:
        """Write the parameters to `path` as an ``.npz`` file, never a pickle: one array per parameter name
        and a JSON header with the model's class and `repr`, which `load` checks. Floats round-trip exactly.

        ``model.save("moons.npz")``, later ``MLP(2, [16, 16, 1]).load("moons.npz")``.
        """
        state = {name: np.asarray(value) for name, value in self.state_dict().items()}
        if _HEADER in state:
            raise ValueError(f"save: a parameter may not be named {_HEADER!r}")
        header = {"format": _FORMAT, "class": type(self).__name__, "repr": repr(self)}
        tmp = f"{os.fspath(path)}.partial"
        try:
            with open(tmp, "wb") as f:  # a file object: np.savez would otherwise append ".npz" to the name
                np.savez(f, **{_HEADER: np.array(json.dumps(header))}, **state)
            os.replace(tmp, path)  # all or nothing: an interrupted save never leaves a truncated model file
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    def load(self, path: str | os.PathLike) -> Module:
        """Load parameters saved by `save` into this model, as PyTorch's ``model.load_state_dict(torch.load(path))``:
        build the model in code, then load its weights. Returns the model.

        The file must come from a model of the same class and architecture (same `repr`, parameter names,
        shapes and dtypes); otherwise a ValueError says what differs and the model is left unchanged.
        """
        header, state = _read_saved(path)
        where = f"load({os.fspath(path)!r})"
        if header["class"] != type(self).__name__ or header["repr"] != repr(self):
            raise ValueError(f"{where}: the file holds\n{header['repr']}\nbut this model is\n{self!r}")
        params = dict(self.named_parameters())
        for name, value in state.items():
            p = params.get(name)
            if p is None:
                continue  # reported by load_state_dict, with every other missing or unexpected name
            if isinstance(p.data, np.ndarray) and value.dtype != p.data.dtype:
                raise ValueError(f"{where}: {name!r} is {value.dtype} in the file, {p.data.dtype} in the model")
            if not isinstance(p.data, np.ndarray):
                if value.shape != () or value.dtype != np.float64:
                    got = f"a {value.dtype} array of shape {value.shape}"
                    raise ValueError(f"{where}: {name!r} is {got} in the file, a float in the model")
                state[name] = float(value)
        try:
            self.load_state_dict(state)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{where}: {e}") from None
        return self


def _walk(prefix: str, items) -> Iterator[tuple[str, object]]:
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if is_parameter(value):
            yield name, value
        elif isinstance(value, Module):
            yield from value._parameter_items(name)
        elif isinstance(value, (list, tuple)):
            yield from _walk(name, enumerate(value))


def _children(items) -> Iterator[tuple[str, Module]]:
    """Direct sub-modules (also inside lists) for `repr`."""
    for key, value in items:
        if isinstance(value, Module):
            yield str(key), value
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                if isinstance(v, Module):
                    yield f"{key}.{i}", v


def _checked(name: str, value, current):
    """`value` for the parameter `name` whose data is `current`, or an error naming the key."""
    if isinstance(current, np.ndarray):
        try:
            array = np.asarray(value)
        except (TypeError, ValueError) as e:
            raise TypeError(f"state_dict[{name!r}]: {e}") from None
        if array.dtype.kind not in "biuf":
            raise TypeError(f"state_dict[{name!r}] must hold real numbers, got dtype {array.dtype}")
        if array.shape != current.shape:
            raise ValueError(f"state_dict[{name!r}] has shape {array.shape}, expected {current.shape}")
        return array.astype(current.dtype)
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"state_dict[{name!r}] must be a number, got {type(value).__name__}")


def _copy(x):
    return x.copy() if isinstance(x, np.ndarray) else x


_FORMAT, _HEADER = "microgradx.Module.save/1", "__microgradx__"


def _read_saved(path) -> tuple[dict, dict[str, np.ndarray]]:
    """The JSON header and the arrays of a file written by `Module.save`, or a ValueError saying why not."""
    where = f"load({os.fspath(path)!r})"
    try:
        f = np.load(path, allow_pickle=False)  # an .npz archive, an .npy array, or refused (a pickle, text, ...)
        if not isinstance(f, np.lib.npyio.NpzFile):
            raise ValueError("a single .npy array, not an .npz archive")
        with f:
            if _HEADER not in f.files:
                raise ValueError(f"no {_HEADER!r} header")
            text = f[_HEADER]
            if not isinstance(text, np.ndarray) or text.shape != () or text.dtype.kind != "U":
                raise ValueError(f"its {_HEADER!r} member is not the JSON text of a header")
            header = json.loads(text.item())
            state = {name: f[name] for name in f.files if name != _HEADER}
        for name, value in state.items():  # np.load gives a member that is not an .npy array as raw bytes
            if not isinstance(value, np.ndarray):
                raise ValueError(f"member {name!r} is not an array")
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:  # JSONDecodeError is a ValueError
        raise ValueError(f"{where}: not a model file written by Module.save ({e})") from None
    if not isinstance(header, dict) or header.get("format") != _FORMAT or not {"class", "repr"} <= header.keys():
        raise ValueError(f"{where}: unknown header {header!r}, expected format {_FORMAT!r}")
    return header, state
