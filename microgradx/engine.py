"""A scalar reverse-mode autograd engine: one `Value` per number, a DAG built as you compute.

Every op builds its output with the *local derivative* of the output with respect to each input,
written beside the forward formula, each input followed by its local derivative::

    t = math.tanh(x)
    return _node(t, "tanh", self, 1.0 - t * t)      # d tanh/dx = 1 - tanh^2

`backward()` is then one generic loop over a topological order: ``g[input] += local * g[node]``.
There are no closures, so a node never refers back to itself and a graph makes no reference cycles:
plain reference counting frees it as soon as the loss goes out of scope.

A node keeps its (at most two) inputs and their local derivatives in its own fields rather than in
tuples, so each node is one object for Python's cyclic garbage collector to count and scan, not three;
`_prev` and `_local` read them back as tuples, for drawings and lessons.
"""

from __future__ import annotations

import gc
import itertools
import math
import numbers
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from operator import attrgetter

__all__ = ["Value", "gc_paused", "topological_order", "CONSTANT"]

CONSTANT = "const"  # the `_op` of a number an op lifted to a node (`x * 2`): drawings group it with the op
# Shared by both engines (Value and Tensor): creation order is a topological order, inputs exist before outputs.
creation_order = itertools.count()
_pass_lock = threading.Lock()  # one backward pass at a time: passes mark the nodes they visit


def _as_float(x: object, where: str) -> float:
    """`x` as a float, or a TypeError that names `where` and the offending value."""
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"{where} expects a real number, got {type(x).__name__} {x!r}")


class Value:
    """A scalar that remembers how it was computed, so it can be differentiated.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a
    >>> grads = c.backward()
    >>> a.grad, b.grad, grads[a]
    (-2.0, 2.0, -2.0)

    Gradients *accumulate*, as in PyTorch: a second `backward()` adds to `.grad`. Reset them with
    `Module.zero_grad()`, `optimizer.zero_grad()` or by setting `v.grad = 0.0`.
    """

    # _a, _b: the inputs (None if absent); _da, _db: d self/d _a and d self/d _b
    __slots__ = ("data", "grad", "label", "_op", "_a", "_da", "_b", "_db", "_id", "_g")
    __array_ufunc__ = None  # ndarray * Value defers to Value.__rmul__ instead of making an object array

    def __init__(self, data, _prev=(), _op="", _local=(), label="", *, _children=None):
        if type(data) is not float:  # ops always pass floats: the check costs one type() call
            data = _as_float(data, "Value()")
        if _children is not None:  # micrograd's name for the inputs
            if _prev:
                raise TypeError("Value() takes the inputs once: pass _children or _prev, not both")
            _prev = _children
        self.data = data
        self.grad = 0.0
        self.label = label
        self._op = _op  # what made this value, for display
        self._a, self._da, self._b, self._db = _hand_built(data, _prev, _op, _local)
        self._id = next(creation_order)
        self._g = None  # this backward pass's gradient; None outside a pass (also the "not visited" mark)

    @property
    def _prev(self) -> tuple[Value, ...]:
        """The inputs, in argument order (a tuple: drawings are deterministic)."""
        a, b = self._a, self._b
        return () if a is None else ((a,) if b is None else (a, b))

    @property
    def _local(self) -> tuple[float, ...]:
        """d self / d input, one per input of `_prev`."""
        return () if self._a is None else ((self._da,) if self._b is None else (self._da, self._db))

    # ---- primitives: forward formula, then each input with its local derivative -----------------

    def __add__(self, other):
        other = other if type(other) is Value else _lift(other, "+", self)
        return _node(self.data + other.data, "+", self, 1.0, other, 1.0)  # d(a+b) = 1, 1

    def __mul__(self, other):
        other = other if type(other) is Value else _lift(other, "*", self)
        return _node(self.data * other.data, "*", self, other.data, other, self.data)  # d(ab) = b, a

    def __pow__(self, other):
        x = self.data
        if type(other) is Value:  # x ** y, both variables: d/dx = y x^(y-1), d/dy = x^y log x
            y = other.data
            out = _power(x, y)
            dlog = math.log(x) if x > 0 else (0.0 if x == 0 and y >= 0 else math.nan)
            return _node(out, "**", self, _dpow(x, y), other, out * dlog)
        y = _as_float(other, f"Value ** {other!r}: the exponent")
        return _node(_power(x, y), f"**{y:g}", self, _dpow(x, y))  # d x^n/dx = n x^(n-1)

    def relu(self):
        x = self.data
        if x > 0:
            return _node(x, "relu", self, 1.0)  # d relu/dx = 1 for x > 0
        return _node(x if x != x else 0.0, "relu", self, 0.0)  # 0 otherwise; NaN stays NaN

    def tanh(self):
        t = math.tanh(self.data)  # stable: tanh(1000) is 1.0, not inf/inf
        return _node(t, "tanh", self, 1.0 - t * t)  # d tanh/dx = 1 - tanh^2

    def sigmoid(self):
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # exp(-x) would overflow for very negative x: use e^x / (1 + e^x)
            e = math.exp(x)
            s = e / (1.0 + e)
        return _node(s, "sigmoid", self, s * (1.0 - s))  # d sigma/dx = sigma (1 - sigma)

    def exp(self):
        try:
            e = math.exp(self.data)
        except OverflowError:  # e^710 and beyond: inf, as NumPy and PyTorch give
            e = math.inf
        return _node(e, "exp", self, e)  # d e^x/dx = e^x

    def log(self):
        x = self.data
        if x <= 0:
            raise ValueError(f"log of a non-positive number: log({x!r}) is undefined")
        return _node(math.log(x), "log", self, 1.0 / x)  # d log x/dx = 1/x

    def abs(self):
        x = self.data
        sign = 1.0 if x > 0 else (-1.0 if x < 0 else (0.0 if x == 0 else math.nan))
        return _node(abs(x), "abs", self, sign)  # d|x|/dx = sign(x)

    # ---- composites: built from the primitives -------------------------------------------------

    def __neg__(self):  # -a
        return self * -1.0

    def __sub__(self, other):  # a - b = a + (-b)
        if type(other) is Value:
            return self + (-other)
        return self + -_as_float(other, "the right operand of -")

    def __truediv__(self, other):  # a / b = a * b^-1
        other = other if type(other) is Value else _lift(other, "/", self)
        if other.data == 0:
            raise ZeroDivisionError(f"division by zero: {self!r} / {other!r}")
        return self * other**-1

    def __radd__(self, other):  # other + self
        return self + other

    def __rmul__(self, other):  # other * self
        return self * other

    def __rsub__(self, other):  # other - self
        return _lift(other, "-", self) + (-self)

    def __rtruediv__(self, other):  # other / self
        return _lift(other, "/", self) / self

    def __rpow__(self, other):  # other ** self
        return _lift(other, "**", self) ** self

    def __abs__(self):
        return self.abs()

    def __float__(self):
        return self.data

    def item(self) -> float:
        """The plain float, as `torch.Tensor.item()`."""
        return self.data

    # ---- reverse mode -------------------------------------------------------------------------

    def backward(self, gradient: float = 1.0) -> Mapping[Value, float]:
        """Backpropagate from this value: add d self/d v into `v.grad` for every `v` it depends on.

        Returns a read-only mapping ``{value: gradient}`` of every node reached, for this call only
        (`.grad` accumulates across calls; the mapping does not). Passes from several threads take turns.
        """
        nodes, grads = _backpropagate(self, _as_float(gradient, "backward(gradient)"), accumulate=True)
        return Gradients(nodes, grads)

    def backprop(self, gradient: float = 1.0) -> Iterator[tuple[Value, float]]:
        """`backward()` without touching `.grad`: each node this value depends on with d self/d node,
        outputs first, in the order and with the arithmetic of `backward()` (both run the same loop).

        >>> x = Value(3.0, label="x")
        >>> [(node.data, g) for node, g in (x * x).backprop()]
        [(9.0, 1.0), (3.0, 6.0)]
        """
        nodes, grads = _backpropagate(self, _as_float(gradient, "backprop(gradient)"), accumulate=False)
        return zip(nodes, grads)

    def _backward(self) -> None:
        """One step of backpropagation by hand, as in micrograd's lecture: pass this node's gradient to its
        inputs (``input.grad += local * self.grad``). Called on each node, outputs first, it does what
        `backward()` does in one pass."""
        g, a, b = self.grad, self._a, self._b
        if a is not None:
            a.grad += self._da * g
        if b is not None:
            b.grad += self._db * g

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"


_new = object.__new__


def _node(data: float, op: str, a: Value, da: float, b: Value | None = None, db: float = 0.0) -> Value:
    """An op's output: inputs `a` (and `b`) with their local derivatives, without `__init__`'s checks (ops
    pass floats and Values). Building nodes is most of a forward pass."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    v._op = op
    v._a = a
    v._da = da
    v._b = b
    v._db = db
    v._id = next(creation_order)
    v._g = None
    return v


def _backpropagate(root: Value, gradient: float, accumulate: bool) -> tuple[list[Value], list[float]]:
    """The backward pass, once for both `backward()` and `backprop()`: the nodes `root` depends on,
    outputs first, and d root/d node for each; with `accumulate`, each gradient is also added to `.grad`.

    A pass keeps each node's running gradient in its `_g` field (cheaper than a dict keyed by node).
    """
    with _pass_lock:
        order = [root]
        try:
            root._g = 0.0
            _reach(order)
            root._g = gradient
            grads = []
            keep = grads.append
            for node in order:
                g = node._g  # final: every node that uses this one came before it
                node._g = None
                keep(g)
                if accumulate:
                    node.grad += g
                a = node._a
                if a is not None:  # input._g += local * g, for the one or two inputs
                    a._g += node._da * g
                    b = node._b
                    if b is not None:
                        b._g += node._db * g
        except BaseException:  # interrupted: leave no marks behind for the next pass
            for node in order:
                node._g = None
            raise
    return order, grads


def _reach(order: list[Value]) -> None:
    """Extend `order` (the root) to every node the root depends on, marked `_g = 0.0`, outputs first."""
    todo = order[:]
    while todo:
        node, found = todo.pop(), []
        while True:  # down a chain of first inputs (b + w0 x0 + w1 x1 + ... is one), noting the second ones
            b = node._b
            if b is not None and b._g is None:
                order.append(b)  # listed before marked: an interrupted pass unmarks all it listed
                b._g = 0.0
                found.append(b)
            node = node._a
            if node is None or node._g is not None:
                break
            order.append(node)
            node._g = 0.0
        found.reverse()  # the newest on top: nodes turn up in nearly the order they were made in,
        todo += found  # which the sort below finds as long sorted runs
    order.sort(key=by_creation, reverse=True)  # creation order is a topological order


def topological_order(root) -> list:
    """Every node `root` depends on (and root), each after all of its inputs.

    Iterative, so a chain of 10^6 ops is fine. Nodes are created after their inputs, so sorting the
    reachable nodes by creation order is a topological order (and a deterministic one).
    """
    seen, stack = {root}, [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return sorted(seen, key=by_creation)


by_creation = attrgetter("_id")


class Gradients(Mapping):
    """The read-only ``{node: gradient}`` mapping `backward()` returns, Value or Tensor (built on first use)."""

    __slots__ = ("_nodes", "_grads", "_dict")

    def __init__(self, nodes: list, grads: list):
        self._nodes, self._grads, self._dict = nodes, grads, None

    def _mapping(self) -> dict:
        if self._dict is None:
            self._dict = dict(zip(self._nodes, self._grads))
        return self._dict

    def __getitem__(self, value):
        return self._mapping()[value]

    def __iter__(self) -> Iterator:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __repr__(self) -> str:
        return f"<gradients of {len(self)} values>"


# Local derivatives of the nodes micrograd's lecture builds by hand, Value(a.data + b.data, (a, b), "+"):
# they follow from the inputs alone. Any other op built by hand must pass its own `_local`.
_BY_HAND = {
    "+": lambda a, b: (1.0, 1.0),  # d(a+b) = 1, 1
    "*": lambda a, b: (b.data, a.data),  # d(ab) = b, a
}


def _hand_built(data: float, prev, op: str, local) -> tuple:
    """`(a, da, b, db)` of a node made by hand with `Value(data, inputs, op, local)`, checked."""
    if not prev and not local:
        return None, 0.0, None, 0.0
    prev = tuple(prev)
    for child in prev:
        if not isinstance(child, Value):
            raise TypeError(f"Value(): the inputs must be Values, got {type(child).__name__} {child!r}")
    if not 1 <= len(prev) <= 2:
        raise TypeError(f"Value(): a node has one or two inputs, got {len(prev)}")
    if not local and op in _BY_HAND and len(prev) == 2:
        local = _BY_HAND[op](*prev)
    if not local:
        raise TypeError(
            f"Value({data!r}, inputs, {op!r}): a node built by hand needs its local derivatives, one per input: "
            f"Value(data, (a, b), {op!r}, _local=(d_out/d_a, d_out/d_b)) (only '+' and '*' are known from the inputs)"
        )
    local = tuple(_as_float(d, "Value(_local=...)") for d in local)
    if len(local) != len(prev):
        raise TypeError(f"Value(): {len(prev)} input(s) but {len(local)} local derivative(s); give one per input")
    if len(prev) == 1:
        return prev[0], local[0], None, 0.0
    return prev[0], local[0], prev[1], local[1]


def _lift(other, op: str, value: Value) -> Value:
    """`other` as a constant Value, or a TypeError naming the op and the operand."""
    if type(other) is float or type(other) is int or isinstance(other, numbers.Real):
        return Value(float(other), _op=CONSTANT)
    if isinstance(other, Value):
        return other
    raise TypeError(f"unsupported operand for {op}: {value!r} {op} {type(other).__name__} {other!r}")


def _power(x: float, y: float) -> float:
    """x ** y for real numbers, with errors that say what went wrong."""
    if x < 0 and math.isfinite(y) and not y.is_integer():
        raise ValueError(f"negative base to a fractional power: {x!r} ** {y!r} is not a real number")
    if x == 0 and y < 0:
        raise ZeroDivisionError(f"zero to a negative power: {x!r} ** {y!r} divides by zero")
    try:
        return x**y
    except OverflowError:  # e.g. 10.0 ** 400: inf with the sign the exact result has
        return -math.inf if x < 0 and y % 2 == 1 else math.inf


def _dpow(x: float, y: float) -> float:
    """d(x^y)/dx = y x^(y-1), with PyTorch's values where that formula is 0 * inf."""
    if y == 0:
        return 0.0
    if x == 0 and y < 1:
        return math.inf
    return y * _power(x, y - 1)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a graph is built and differentiated.

    Graphs of `Value`s hold no reference cycles, so reference counting alone frees them; the cyclic
    collector only rescans the half-built graph again and again. The previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
