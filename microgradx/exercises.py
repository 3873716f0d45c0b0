"""Checks a lesson runs on a student's code, with feedback that says what is wrong and where.

- `check_local_derivative(f, derivative, at)`: a derivative written by hand against finite differences.
- `check_backward(root, backward)`: a hand-written backward pass against the engine's, node by node.
- `check_training(step, model, data)`: a training step that must lower the loss.

Each returns a one-line summary when the code is right (print it) and raises `ExerciseFailed` otherwise,
naming the point, node or step, the expected value and the value got: never a bare assert.

>>> import math
>>> print(check_local_derivative(math.sin, math.cos, at=[0.0, 1.0]))
ok: the derivative agrees with finite differences at 2 points (within 1e-05)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from .engine import Value, topological_order

__all__ = ["ExerciseFailed", "check_local_derivative", "check_backward", "check_training"]


class ExerciseFailed(AssertionError):
    """A student's code gives a wrong answer; the message says which value, where, expected vs got."""


def check_local_derivative(
    f: Callable, derivative: Callable[[float], float], at: Iterable[float], *, h: float = 1e-6, rtol: float = 1e-5
) -> str:
    """`derivative(x)` is df/dx at each point of `at`, against central finite differences (f(x+h) - f(x-h)) / 2h.

    `f` takes a float and returns a float or a `Value` (so ``lambda x: Value(x).tanh()`` works).

    >>> check_local_derivative(lambda x: x**3, lambda x: 2 * x, at=[2.0])
    Traceback (most recent call last):
    ...
    microgradx.exercises.ExerciseFailed: the derivative at x = 2 is wrong: expected 12 (finite differences), got 4
    """
    points = _points("check_local_derivative", at)
    _callable("check_local_derivative", f=f, derivative=derivative)
    for x in points:
        numeric = (_number(f(x + h)) - _number(f(x - h))) / (2 * h)
        got = derivative(x)
        if isinstance(got, Value):
            got = got.data
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            raise ExerciseFailed(f"the derivative at x = {x:g} should be a number, got {got!r}")
        error = abs(got - numeric)
        if not error <= rtol * max(1.0, abs(numeric)):
            raise ExerciseFailed(
                f"the derivative at x = {x:g} is wrong: expected {numeric:.6g} (finite differences), got {got:.6g}"
            )
    # the tolerance, not the difference: the last digits of finite differences vary with the platform's libm
    return f"ok: the derivative agrees with finite differences at {len(points)} points (within {rtol:g})"


def check_backward(root: Value, backward: Callable[[Value], object], *, rtol: float = 1e-9) -> str:
    """`backward(root)`, your backward pass, must leave in every node's `.grad` what the engine's `root.backward()`
    gives. The first node that differs, in the order backward visits nodes, is reported (a wrong gradient
    there makes the ones after it wrong too): its name, how it was made, expected and got.

    The graph's `.grad` values are set to 0 before your backward runs; the engine's are computed on the side.
    """
    if not isinstance(root, Value):
        raise TypeError(f"check_backward: root must be a Value, got {type(root).__name__}")
    _callable("check_backward", backward=backward)
    order = topological_order(root)
    expected = _engine_gradients(root, order)
    for node in order:
        node.grad = 0.0
    backward(root)
    for node in reversed(order):
        want, got = expected[node], node.grad
        number = isinstance(got, (int, float)) and not isinstance(got, bool)
        if not number or not math.isclose(got, want, rel_tol=rtol, abs_tol=1e-12):
            hint = " (was it visited? its .grad is still 0)" if got == 0.0 and want != 0.0 else ""
            shown = f"{got:.6g}" if number else repr(got)
            raise ExerciseFailed(
                f"the gradient of {_describe(node)} is wrong: expected {want:.6g} (the engine), got {shown}{hint}"
            )
    return f"ok: your backward gives the engine's gradient at all {len(order)} nodes"


def check_training(
    step: Callable[[], object], parameters: Sequence[Value], *, steps: int = 20, min_drop: float = 0.3
) -> str:
    """`step()` runs one training step (forward, zero the gradients, backward, update) and returns the loss.
    Called `steps` times, the loss must fall by at least `min_drop` (a fraction of the first loss), stay
    finite, and the `parameters` must move. Says which step went wrong and what to look at.
    """
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 2:
        raise ValueError(f"check_training: steps must be an integer >= 2, got {steps!r}")
    if not 0.0 < min_drop < 1.0:
        raise ValueError(f"check_training: min_drop must be a fraction in (0, 1), got {min_drop!r}")
    _callable("check_training", step=step)
    params = list(parameters)
    if not params or not all(isinstance(p, Value) for p in params):
        raise TypeError("check_training: parameters must be a non-empty list of Values (model.parameters())")
    losses = []
    for k in range(steps):
        before = [p.data for p in params]
        losses.append(_loss_of(step(), k))
        if k == 0 and [p.data for p in params] == before:
            raise ExerciseFailed(
                "after step 0 no parameter has changed: the step must update each p.data "
                "(p.data -= lr * p.grad, or optimizer.step())"
            )
    first, last = losses[0], losses[-1]
    if not last <= first * (1.0 - min_drop):
        raise ExerciseFailed(
            f"the loss did not fall enough: step 0 {first:.6g}, step {steps - 1} {last:.6g} (expected at most "
            f"{first * (1 - min_drop):.6g}); check the sign of the update (p.data -= lr * p.grad), the learning "
            "rate, and that the gradients are zeroed before each backward()"
        )
    return f"ok: the loss fell from {first:.4f} to {last:.4f} in {steps} steps"


# ---- helpers ---------------------------------------------------------------------------------------


def _engine_gradients(root: Value, order: list) -> dict:
    """The engine's gradients of `root`, leaving every `.grad` as it was."""
    saved = [node.grad for node in order]
    for node in order:
        node.grad = 0.0
    root.backward()
    grads = {node: node.grad for node in order}
    for node, grad in zip(order, saved):
        node.grad = grad
    return grads


def _describe(node: Value) -> str:
    """`'n'` or, for an unlabelled node, how it was made: `the output of tanh(n)`."""
    if node.label:
        return repr(node.label)
    if not node._prev:
        return f"a constant {node.data:g}"
    inputs = ", ".join(repr(p.label) if p.label else f"{p.data:g}" for p in node._prev)
    return f"the output of {node._op or 'an op'}({inputs}) (data {node.data:.6g})"


def _loss_of(value, k: int) -> float:
    loss = value.data if isinstance(value, Value) else value
    if not isinstance(loss, (int, float)) or isinstance(loss, bool):
        raise ExerciseFailed(f"step {k} returned {value!r}: the step should return the loss (a Value or a number)")
    if not math.isfinite(loss):
        raise ExerciseFailed(f"the loss became {loss} at step {k}: the learning rate is probably too large")
    return float(loss)


def _number(y) -> float:
    y = y.data if isinstance(y, Value) else y
    if not isinstance(y, (int, float)) or isinstance(y, bool):
        raise TypeError(f"check_local_derivative: f must return a number or a Value, got {type(y).__name__}")
    return float(y)


def _points(who: str, at) -> list[float]:
    try:
        points = [float(x) for x in ([at] if isinstance(at, (int, float)) else at)]
    except (TypeError, ValueError):
        raise TypeError(f"{who}: at must be a number or a list of numbers, got {at!r}") from None
    if not points or not all(math.isfinite(x) for x in points):
        raise ValueError(f"{who}: at must hold at least one finite number, got {at!r}")
    return points


def _callable(who: str, **functions) -> None:
    for name, f in functions.items():
        if not callable(f):
            raise TypeError(f"{who}: {name} must be a function, got {type(f).__name__}")
