"""A NumPy-backed reverse-mode autograd engine: `Tensor`, the array sibling of `Value`.

Same idea, one node per *array* op instead of per number. Each op computes its output and hands over,
for each input, a small function that maps the gradient of the output to that input's gradient (a
vector-Jacobian product), written beside the forward formula::

    t = np.tanh(x)
    return _result(t, (self,), "tanh", (lambda g: g * (1 - t * t),))      # d tanh/dx = 1 - tanh^2

`backprop()` is the one backward loop: it walks the graph in reverse creation order, sums gradients
over broadcast axes so each input receives a gradient of its own shape, and yields each node with its
whole gradient; `backward()` adds those into `.grad`, `graph.backward_steps` replays them. The rule
of an input that needs no gradient (a constant) is never run.

The rules close over arrays (the inputs', and the output's *data* where the derivative is cheapest from
it, as tanh, exp, sigmoid, softmax and division) and over input Tensors, never over the output Tensor:
an array does not point back to a node, so a graph holds no reference cycles.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping

import numpy as np

from . import im2col
from .engine import CONSTANT, Gradients, by_creation, creation_order

__all__ = ["Tensor", "linear", "conv2d", "max_pool2d"]

_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _as_array(data, where: str, dtype=None) -> np.ndarray:
    """A float32/float64 array from data: ints and bools become float64; complex, str, object are refused."""
    if dtype is not None and np.dtype(dtype) not in _FLOATS:
        raise TypeError(f"{where}: dtype must be float64 or float32, got {np.dtype(dtype)}")
    try:
        a = np.asarray(data)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"{where}: cannot make an array from {type(data).__name__}: {e}") from None
    if a.dtype.kind not in "biuf":
        hint = " (a list of Values? use Tensor([v.data for v in values]))" if a.dtype.kind == "O" else ""
        raise TypeError(f"{where} needs real numbers, got an array of dtype {a.dtype}{hint}")
    if dtype is None:
        dtype = a.dtype if a.dtype in _FLOATS else np.float64
    return np.array(a, dtype=dtype)  # a copy, as torch.tensor(): the caller's array is never updated in place


class Tensor:
    """An n-dimensional array that remembers how it was computed, so it can be differentiated.

    >>> import numpy as np
    >>> w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, label="w")
    >>> x = Tensor([1.0, -1.0])
    >>> loss = (w @ x).relu().sum()
    >>> _ = loss.backward()
    >>> w.grad
    array([[0., 0.],
           [0., 0.]])
    >>> loss = (x @ w).sum()
    >>> _ = loss.backward()
    >>> w.grad
    array([[ 1.,  1.],
           [-1., -1.]])

    `.grad` has the shape of `.data` and *accumulates*, as in PyTorch. Only tensors that require grad
    (parameters, and anything computed from them) get gradients.
    """

    # _shared: `_grad` is an array of a backward pass, maybe shared with other nodes (d(a+b) hands one array
    # to both inputs) and with the pass's mapping: never written in place, a read of `.grad` copies it first
    __slots__ = (
        "data", "_grad", "_shared", "requires_grad", "label", "_prev", "_op", "_backward", "_id", "__weakref__"
    )
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected op instead of looping over items

    def __init__(self, data, requires_grad: bool = False, label: str = "", *, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        if not isinstance(requires_grad, bool):
            raise TypeError(f"Tensor(requires_grad=...) must be True or False, got {requires_grad!r}")
        self.data = _as_array(data, "Tensor()", dtype)
        self._grad = None
        self._shared = False
        self.requires_grad = requires_grad
        self.label = label
        self._prev = ()
        self._op = ""
        self._backward = None
        self._id = next(creation_order)

    # ---- array facts -----------------------------------------------------------------------------

    @property
    def grad(self) -> np.ndarray:
        """d (last backward root) / d self, accumulated; zeros of the data's shape before any backward.

        A writable array of its own: `backward()` stores the pass's arrays as they are (they may be shared
        between nodes) and the first read takes a copy. Setting it to None (as PyTorch's `zero_grad`) means zeros.
        """
        g = self._grad
        if g is None:
            g = self._grad = np.zeros_like(self.data)
        elif self._shared:
            g = self._grad = g.copy()
            self._shared = False
        return g

    @grad.setter
    def grad(self, value) -> None:
        self._shared = False
        if value is None:
            self._grad = None
            return
        value = np.asarray(value, dtype=self.data.dtype)
        if value.shape != self.data.shape:
            value = np.broadcast_to(value, self.data.shape).copy()  # e.g. t.grad = 0.0
        self._grad = value

    shape = property(lambda self: self.data.shape, doc="The shape of the data, as `ndarray.shape`.")
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    dtype = property(lambda self: self.data.dtype)

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        """The single number in a one-element tensor, as a float."""
        if self.data.size != 1:
            raise ValueError(f"item(): only a one-element Tensor converts to a number, this one has shape {self.shape}")
        return float(self.data.reshape(()))

    __float__ = item

    def numpy(self) -> np.ndarray:
        """The data array (shared, not copied), as `torch.Tensor.numpy()`."""
        return self.data

    def detach(self) -> Tensor:
        """The same data as a constant: no gradient flows back through it."""
        return Tensor._leaf(self.data)

    @staticmethod
    def _leaf(data: np.ndarray) -> Tensor:
        t = object.__new__(Tensor)
        t.data, t._grad, t._shared, t.requires_grad, t.label = data, None, False, False, ""
        t._prev, t._op, t._backward, t._id = (), "", None, next(creation_order)
        return t

    # ---- elementwise arithmetic, with broadcasting ----------------------------------------------

    def __add__(self, other):
        a, b = self, _lift(other, self, "+")
        return _result(_broadcasting(np.add, a, b, "+"), (a, b), "+", (_same, _same))  # d(a+b) = 1, 1

    def __sub__(self, other):
        a, b = self, _lift(other, self, "-")
        return _result(_broadcasting(np.subtract, a, b, "-"), (a, b), "-", (_same, np.negative))  # 1, -1

    def __mul__(self, other):
        a, b = self, _lift(other, self, "*")
        x, y = a.data, b.data
        return _result(_broadcasting(np.multiply, a, b, "*"), (a, b), "*", (lambda g: g * y, lambda g: g * x))  # b, a

    def __truediv__(self, other):
        a, b = self, _lift(other, self, "/")
        y = b.data
        with np.errstate(divide="ignore", invalid="ignore"):  # x / 0 is inf or nan, as in PyTorch
            out = _broadcasting(np.divide, a, b, "/")
        return _result(out, (a, b), "/", (lambda g: g / y, lambda g: -g * out / y))  # d(a/b) = 1/b, -a/b^2

    def __pow__(self, other):
        x = self.data
        if isinstance(other, Tensor):  # x ** y, both variable: d/dx = y x^(y-1), d/dy = x^y log x
            y = other.data
            with np.errstate(all="ignore"):
                out = _broadcasting(np.power, self, other, "**")
            dx = lambda g: g * np.where(y == 0, 0.0, y * x ** (y - 1))  # noqa: E731
            dy = lambda g: g * out * np.where((x == 0) & (y >= 0), 0.0, np.log(np.where(x == 0, 1.0, x)))  # noqa: E731
            return _result(out, (self, other), "**", (dx, dy))
        if not isinstance(other, numbers.Real):
            raise TypeError(f"Tensor ** {type(other).__name__}: the exponent must be a number or a Tensor")
        p = float(other)
        with np.errstate(all="ignore"):
            out = x**p

        def dx(g):  # d x^p/dx = p x^(p-1), and 0 for p = 0 (PyTorch's value at x = 0 too)
            return np.zeros_like(g) if p == 0 else g * (2 * x if p == 2 else p * x ** (p - 1))

        return _result(out, (self,), f"**{p:g}", (dx,))

    def __neg__(self):
        return _result(-self.data, (self,), "neg", (np.negative,))  # d(-x) = -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return _lift(other, self, "-") - self

    def __rtruediv__(self, other):
        return _lift(other, self, "/") / self

    def __rpow__(self, other):
        return _lift(other, self, "**") ** self

    # ---- elementwise functions --------------------------------------------------------------------

    def relu(self):
        x = self.data
        out = np.maximum(x, 0.0)  # 0 for x < 0 (not -0.0), NaN stays NaN
        return _result(out, (self,), "relu", (lambda g: g * (x > 0),))  # 1 where x > 0, else 0

    def tanh(self):
        t = np.tanh(self.data)
        return _result(t, (self,), "tanh", (lambda g: g * (1 - t * t),))  # 1 - tanh^2

    def sigmoid(self):
        s = _sigmoid(self.data)
        return _result(s, (self,), "sigmoid", (lambda g: g * s * (1 - s),))  # sigma (1 - sigma)

    def exp(self):
        with np.errstate(over="ignore"):  # e^710 is inf, as in PyTorch
            e = np.exp(self.data)
        return _result(e, (self,), "exp", (lambda g: g * e,))  # d e^x = e^x

    def log(self):
        x = self.data
        with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf, log(-1) = nan, as in PyTorch
            out = np.log(x)
        return _result(out, (self,), "log", (lambda g: g / x,))  # d log x = 1/x

    def softplus(self):
        """log(1 + e^x), computed without overflow."""
        x = self.data
        return _result(np.logaddexp(0, x), (self,), "softplus", (lambda g: g * _sigmoid(x),))  # sigma(x)

    def abs(self):
        x = self.data
        return _result(np.abs(x), (self,), "abs", (lambda g: g * np.sign(x),))  # sign(x)

    __abs__ = abs

    # ---- matrix product ---------------------------------------------------------------------------

    def __matmul__(self, other):
        a, b = self, _lift(other, self, "@")
        x, y = a.data, b.data
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(f"@: matmul needs at least 1-D operands, got shapes {x.shape} and {y.shape}")
        try:
            out = x @ y
        except ValueError:
            raise ValueError(f"@: shapes {x.shape} and {y.shape} are not aligned for matmul") from None

        X = x[None, :] if x.ndim == 1 else x  # promote vectors to matrices, as matmul does
        Y = y[:, None] if y.ndim == 1 else y

        def matrix(g):  # g in the promoted shape
            G = g.reshape(out.shape[:-1] + (1,) + out.shape[-1:]) if x.ndim == 1 else g
            return G[..., None] if y.ndim == 1 else G

        def dx(g):  # d(XY) = dX Y + X dY, so dX = G Y^T ...
            return _unbroadcast(matrix(g) @ np.swapaxes(Y, -1, -2), X.shape).reshape(x.shape)

        def dy(g):  # ... and dY = X^T G
            return _unbroadcast(np.swapaxes(X, -1, -2) @ matrix(g), Y.shape).reshape(y.shape)

        return _result(out, (a, b), "@", (dx, dy))

    def __rmatmul__(self, other):
        return _lift(other, self, "@") @ self

    # ---- reductions -------------------------------------------------------------------------------

    def sum(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        """Sum over `axis` (an int, a tuple, or None for all); `dim`/`keepdim` are PyTorch's spellings."""
        axis, keepdims = _axes(self, "sum", axis, dim, keepdims, keepdim)
        shape = self.shape
        out = self.data.sum(axis=axis, keepdims=keepdims)
        return _result(out, (self,), "sum", (lambda g: _expand(g, shape, axis, keepdims),))  # d sum = 1 each

    def mean(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        """Mean over `axis` (an int, a tuple, or None for all)."""
        axis, keepdims = _axes(self, "mean", axis, dim, keepdims, keepdim)
        shape = self.shape
        n = self.size if axis is None else int(np.prod([shape[i] for i in axis]))
        out = self.data.sum(axis=axis, keepdims=keepdims) / n  # as ndarray.mean, without its wrapper's overhead
        return _result(out, (self,), "mean", (lambda g: _expand(g / n, shape, axis, keepdims),))  # 1/n each

    def amax(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        """Largest entry over `axis`; ties share the gradient equally (as `torch.amax`)."""
        axis, keepdims = _axes(self, "amax", axis, dim, keepdims, keepdim)
        x, shape = self.data, self.shape
        if x.size == 0:
            raise ValueError(f"amax: empty Tensor of shape {shape} has no maximum")
        m = x.max(axis=axis, keepdims=True)
        out = m if keepdims else m.reshape([n for i, n in enumerate(shape) if axis is not None and i not in axis])

        def dx(g):  # 1 at the maximum, 0 elsewhere (split between ties)
            winners = x == m
            return _expand(g, shape, axis, keepdims) * winners / winners.sum(axis=axis, keepdims=True)

        return _result(out, (self,), "max", (dx,))

    def max(self, *args, **kwargs):
        """The largest entry, as `torch.max(t)`. Over a dimension use `amax(dim)`: PyTorch's `max(dim)`
        returns (values, indices), which this engine does not, so it refuses rather than unpack wrongly."""
        if args or kwargs:
            raise TypeError("Tensor.max() takes no dimension here; use amax(dim) for the largest values over dim")
        return self.amax()

    def __iter__(self):
        raise TypeError("a Tensor is not iterable; index it (t[i]) or use t.data")

    # ---- shape ----------------------------------------------------------------------------------

    def reshape(self, *shape):
        """The same numbers in a new shape (one -1 is inferred), as `ndarray.reshape`."""
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        old = self.shape
        try:
            out = self.data.reshape(shape)
        except (ValueError, TypeError):
            raise ValueError(f"reshape: cannot reshape a Tensor of shape {old} into shape {tuple(shape)}") from None
        return _result(out, (self,), "reshape", (lambda g: g.reshape(old),))

    view = reshape

    def permute(self, *dims):
        """Reorder the axes: `permute(2, 0, 1)` makes axis 2 the first."""
        dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        try:
            out = self.data.transpose(dims)
        except (ValueError, TypeError):
            raise ValueError(f"permute: {dims} is not a permutation of the axes of shape {self.shape}") from None
        inverse = tuple(np.argsort([d % self.ndim for d in dims]))
        return _result(out, (self,), "permute", (lambda g: g.transpose(inverse),))

    def transpose(self, *dims):
        """`transpose(i, j)` swaps two axes (PyTorch); `transpose()` reverses them; more axes permute (NumPy)."""
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        if not dims:
            dims = tuple(range(self.ndim))[::-1]
        elif len(dims) == 2:
            order = list(range(self.ndim))
            try:
                order[dims[0]], order[dims[1]] = order[dims[1]], order[dims[0]]
            except (IndexError, TypeError):
                raise ValueError(f"transpose: axes {dims} out of range for shape {self.shape}") from None
            dims = tuple(order)
        return self.permute(dims)

    T = property(lambda self: self.transpose(), doc="The tensor with its axes reversed.")

    def flatten(self, start_dim: int = 0):
        """Merge the axes from `start_dim` on into one: (N, C, H, W).flatten(1) is (N, C*H*W)."""
        return self.reshape(self.shape[:start_dim] + (-1,))

    def __getitem__(self, index):
        """Indexing and slicing as NumPy (basic and fancy); the gradient is scattered back (and summed)."""
        index = _plain_index(index)
        x = self.data
        try:
            out = x[index]
        except IndexError as e:
            raise IndexError(f"Tensor[{index!r}] on shape {self.shape}: {e}") from None

        def scatter(g):
            dx = np.zeros_like(x)
            if _is_basic(index):
                dx[index] = g  # a view: every entry picked at most once
            else:
                np.add.at(dx, index, g)  # fancy indices may repeat: accumulate
            return dx

        return _result(out, (self,), "index", (scatter,))

    # ---- softmax family -------------------------------------------------------------------------

    def softmax(self, axis: int = -1, *, dim=None):
        """exp(x) / sum(exp(x)) along `axis`, computed stably."""
        axis = _axis(self, "softmax", axis if dim is None else dim)
        e = np.exp(self.data - self.data.max(axis=axis, keepdims=True))
        s = e / e.sum(axis=axis, keepdims=True)
        return _result(s, (self,), "softmax", (lambda g: s * (g - (g * s).sum(axis=axis, keepdims=True)),))

    def log_softmax(self, axis: int = -1, *, dim=None):
        """x - log(sum(exp(x))) along `axis`, computed stably; its gradient is g - softmax * sum(g)."""
        axis = _axis(self, "log_softmax", axis if dim is None else dim)
        z = self.data - self.data.max(axis=axis, keepdims=True)
        out = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
        return _result(out, (self,), "log_softmax", (lambda g: g - np.exp(out) * g.sum(axis=axis, keepdims=True),))

    # ---- layers as functions --------------------------------------------------------------------

    def conv2d(self, weight, bias=None, stride=1, padding=0):
        """See `conv2d`."""
        return conv2d(self, weight, bias, stride, padding)

    def max_pool2d(self, kernel_size, stride=None, padding=0):
        """See `max_pool2d`."""
        return max_pool2d(self, kernel_size, stride, padding)

    # ---- reverse mode ---------------------------------------------------------------------------

    def backward(self, gradient=None) -> Mapping[Tensor, np.ndarray]:
        """Backpropagate from this tensor: add d self/d t into `t.grad` for every `t` that requires grad.

        A one-element tensor (a loss) needs no argument; any other needs `gradient`, an array of its
        shape (the vector in the vector-Jacobian product). Returns a read-only mapping
        ``{tensor: gradient}`` for this call only (`.grad` accumulates; the mapping does not).
        """
        nodes, grads = [], []
        with np.errstate(all="ignore"):  # inf and nan flow through as in PyTorch, without warnings
            for node, g in _flow(self, self._seed(gradient, "backward()")):
                # g may be shared (d(a+b) hands one array to both): stored as it is, never written in place,
                # and `.grad` copies it on first read, so only gradients someone looks at are copied
                old = node._grad
                if old is None:
                    node._grad, node._shared = g, True
                elif node._shared:
                    node._grad, node._shared = old + g, False
                else:  # an array of its own (zeros, or read before): accumulate in place
                    old += g
                nodes.append(node)
                grads.append(g)
        nodes.reverse()  # the mapping lists inputs first, in topological order
        grads.reverse()
        return _PassGradients(nodes, grads)

    def backprop(self, gradient=None) -> Iterator[tuple[Tensor, np.ndarray]]:
        """Yield ``(tensor, d self/d tensor)`` in the order `backward()` visits them, changing nothing.

        The one backward loop of this engine: `backward()` adds what it yields into `.grad`, and
        `graph.backward_steps` replays it. Each tensor comes once, with all of its gradient, after every
        tensor computed from it; only tensors that receive a gradient are visited.

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> [(t.label, g.tolist()) for t, g in ((x * x).sum().backprop())][-1]
        ('', [2.0, 4.0])
        >>> x.grad.tolist()
        [0.0, 0.0]
        """
        flow = _flow(self, self._seed(gradient, "backprop()"))
        while True:
            with np.errstate(all="ignore"):  # per step: a generator must not leave errstate set in its caller
                step = next(flow, None)
            if step is None:
                return
            yield step

    def _seed(self, gradient, who: str) -> np.ndarray:
        """The checked starting gradient of a backward pass from this tensor (`who` names the caller)."""
        if not self.requires_grad:
            raise ValueError(
                f"{who}: this Tensor does not require grad; create the inputs you want gradients for "
                "with requires_grad=True"
            )
        if gradient is None:
            if self.data.size != 1:
                raise ValueError(
                    f"{who} on a Tensor of shape {self.shape} needs a gradient argument of that shape; "
                    "only a one-element Tensor (e.g. a loss) can start backpropagation without one"
                )
            return np.ones(self.data.shape, self.data.dtype)
        gradient = _as_array(gradient.data if isinstance(gradient, Tensor) else gradient, f"{who} gradient")
        if gradient.shape != self.shape:
            raise ValueError(f"{who}: gradient has shape {gradient.shape}, expected {self.shape}")
        return gradient.astype(self.dtype, copy=False)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20, prefix="Tensor(")
        extra = ", requires_grad=True" if self.requires_grad else ""
        extra += f", dtype={self.dtype}" if self.dtype != np.float64 else ""
        extra += f", label={self.label!r}" if self.label else ""
        return f"Tensor({body}{extra})"


# ---- functions with several inputs -------------------------------------------------------------


def linear(x, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias as one node, as `torch.nn.functional.linear` (weight is (out, in)).

    >>> y = linear(Tensor([[1.0, 2.0]]), Tensor([[1.0, 1.0], [0.0, -1.0]]), Tensor([0.5, 0.0]))
    >>> y.data
    array([[ 3.5, -2. ]])
    """
    x = _lift(x, weight, "linear")
    X, W = x.data, weight.data
    if W.ndim != 2 or X.ndim == 0 or X.shape[-1] != W.shape[1]:
        raise ValueError(f"linear: input of shape {X.shape} does not fit weight of shape {W.shape} (out, in)")
    if bias is not None and bias.shape != (W.shape[0],):
        raise ValueError(f"linear: bias of shape {bias.shape} does not fit {W.shape[0]} outputs")
    out = X @ W.T
    if bias is not None:
        out += bias.data

    # y = x W^T + b: dx = g W, dW = g^T x, db = g summed over the batch
    if X.ndim == 2:
        vjps = (lambda g: g @ W, lambda g: g.T @ X, lambda g: g.sum(axis=0))
    else:  # a batch of any shape, as rows
        X2, rows = X.reshape(-1, X.shape[-1]), (lambda g: g.reshape(-1, g.shape[-1]))
        vjps = (lambda g: g @ W, lambda g: rows(g).T @ X2, lambda g: rows(g).sum(axis=0))
    prev = (x, weight) if bias is None else (x, weight, bias)
    return _result(out, prev, "linear", vjps[: len(prev)])


def conv2d(x, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0) -> Tensor:
    """2-D cross-correlation of x (N, C, H, W) with weight (O, C, kh, kw), as `torch.nn.functional.conv2d`.

    >>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    >>> conv2d(x, Tensor(np.ones((1, 1, 2, 2))), stride=2).data
    array([[[[10., 18.],
             [42., 50.]]]])
    """
    x = _lift(x, weight, "conv2d")
    X, W = x.data, weight.data
    stride, padding = im2col.pair(stride, "stride", "conv2d", 1), im2col.pair(padding, "padding", "conv2d")
    if X.ndim != 4 or W.ndim != 4 or X.shape[1] != W.shape[1]:
        raise ValueError(f"conv2d: input of shape {X.shape} (N, C, H, W) does not fit weight {W.shape} (O, C, kh, kw)")
    if any(im2col.out_size(X.shape[2 + i], W.shape[2 + i], stride[i], padding[i]) < 1 for i in (0, 1)):
        raise ValueError(f"conv2d: kernel {W.shape[2:]} is larger than the padded input {X.shape[2:]}")
    if bias is not None and bias.shape != (W.shape[0],):
        raise ValueError(f"conv2d: bias of shape {bias.shape} does not fit {W.shape[0]} output channels")
    out, cols = im2col.conv2d(X, W, stride, padding)
    if bias is not None:
        out = out + bias.data[:, None, None]

    vjps = (
        lambda g: im2col.conv2d_grad_input(g, X.shape, W, stride, padding),  # col2im of W^T g
        lambda g: im2col.conv2d_grad_weight(g, W.shape, cols),  # g cols^T
        lambda g: g.sum(axis=(0, 2, 3)),  # g summed but over channels
    )
    prev = (x, weight) if bias is None else (x, weight, bias)
    return _result(out, prev, "conv2d", vjps[: len(prev)])


def max_pool2d(x: Tensor, kernel_size, stride=None, padding=0) -> Tensor:
    """Max over each kernel_size window of x (N, C, H, W), as `torch.nn.functional.max_pool2d`.

    >>> max_pool2d(Tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2).data
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    kernel = im2col.pair(kernel_size, "kernel_size", "max_pool2d", 1)
    stride = kernel if stride is None else im2col.pair(stride, "stride", "max_pool2d", 1)
    padding = im2col.pair(padding, "padding", "max_pool2d")
    x = x if isinstance(x, Tensor) else Tensor(x)
    X = x.data
    if X.ndim != 4:
        raise ValueError(f"max_pool2d: input must be (N, C, H, W), got shape {X.shape}")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"max_pool2d: padding {padding} must be at most half the kernel {kernel}")
    if any(im2col.out_size(X.shape[2 + i], kernel[i], stride[i], padding[i]) < 1 for i in (0, 1)):
        raise ValueError(f"max_pool2d: kernel {kernel} is larger than the padded input {X.shape[2:]}")
    out, winner = im2col.max_pool2d(X, kernel, stride, padding)
    # d out/d x: 1 at each window's maximum, 0 elsewhere
    return _result(
        out, (x,), "max_pool2d", (lambda g: im2col.max_pool2d_backward(g, X.shape, winner, kernel, stride, padding),)
    )


def _flow(root: Tensor, seed: np.ndarray) -> Iterator[tuple[Tensor, np.ndarray]]:
    """The backward loop: every node that receives a gradient, with all of it, outputs before inputs."""
    pending = {root: seed}
    for node in _requiring_grad(root):
        g = pending.pop(node)
        yield node, g
        if node._backward is None:
            continue
        for child, vjp in zip(node._prev, node._backward):
            if not child.requires_grad:  # a constant: its rule is never run
                continue
            cg = vjp(g)
            data = child.data
            if cg.shape != data.shape:
                cg = _unbroadcast(cg, data.shape)
            if cg.dtype != data.dtype:  # a float32 input of a float64 op gets a float32 gradient
                cg = cg.astype(data.dtype)
            if type(cg) is not np.ndarray:  # a NumPy scalar from a full reduction
                cg = np.asarray(cg)
            old = pending.get(child)
            pending[child] = cg if old is None else old + cg




def _requiring_grad(root: Tensor) -> list[Tensor]:
    """The tensors on a requires-grad path to `root` (each one receives a gradient), outputs first.

    Creation order is a topological order (as for `engine.topological_order`); constants and
    whatever is computed from constants alone are never visited.
    """
    seen, stack = {root}, [root]
    while stack:
        for child in stack.pop()._prev:
            if child.requires_grad and child not in seen:
                seen.add(child)
                stack.append(child)
    return sorted(seen, key=by_creation, reverse=True)


# ---- helpers -----------------------------------------------------------------------------------


class _PassGradients(Gradients):
    """`backward()`'s mapping: its arrays are the pass's own (maybe also a node's `_grad`), made read-only
    when the mapping is first used, so nobody writes into an array another node shares."""

    __slots__ = ()

    def _mapping(self) -> dict:
        if self._dict is None:
            for g in self._grads:
                g.flags.writeable = False
        return super()._mapping()


def _same(g: np.ndarray) -> np.ndarray:
    """The vector-Jacobian product of a derivative 1: the gradient passes through unchanged."""
    return g


def _result(data: np.ndarray, prev: tuple, op: str, backward: tuple) -> Tensor:
    """The output node of an op: it requires grad when any input does. `backward` holds one function
    per input, g -> that input's share of the gradient (in g's shape or the input's)."""
    t = object.__new__(Tensor)
    t.data = data
    t._grad = None
    t._shared = False
    t.label = ""
    t._prev = prev
    t._op = op
    rg = False
    for p in prev:
        if p.requires_grad:
            rg = True
            break
    t.requires_grad = rg
    t._backward = backward if rg else None
    t._id = next(creation_order)
    return t


def _lift(other, like: Tensor, op: str) -> Tensor:
    """`other` as a Tensor: numbers and integer arrays take `like`'s dtype (as PyTorch does)."""
    if isinstance(other, Tensor):
        return other
    if type(other) is float or (type(other) is int and -(2**53) <= other <= 2**53):  # the usual constant
        const = Tensor._leaf(np.array(other, dtype=like.data.dtype))
    elif type(other) is np.ndarray and other.ndim and other.dtype in _FLOATS:  # e.g. targets: a copy, as is
        const = Tensor._leaf(np.array(other))
    elif isinstance(other, (numbers.Real, np.ndarray, list, tuple)) and not isinstance(other, bool):
        kind = np.asarray(other).dtype.kind
        try:
            data = _as_array(other, f"Tensor {op}", like.data.dtype if kind in "biu" or np.ndim(other) == 0 else None)
        except TypeError:
            raise TypeError(f"unsupported operand for {op}: Tensor {op} {type(other).__name__} {other!r}") from None
        const = Tensor._leaf(data)
    else:
        raise TypeError(f"unsupported operand for {op}: Tensor {op} {type(other).__name__} {other!r}")
    const._op = CONSTANT  # marked, so a drawing groups it with its op
    return const


def _broadcasting(ufunc, a: Tensor, b: Tensor, op: str) -> np.ndarray:
    try:
        return ufunc(a.data, b.data)
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} do not broadcast together") from None


def _unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum g over the axes that broadcasting stretched, so it has `shape` again."""
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
    return g.sum(axis=axes).reshape(shape) if axes else g.reshape(shape)


def _axis(t: Tensor, op: str, axis) -> int:
    if not isinstance(axis, (int, np.integer)) or not -t.ndim <= axis < max(t.ndim, 1):
        raise ValueError(f"{op}: axis {axis!r} is out of range for shape {t.shape}")
    return int(axis) % max(t.ndim, 1)


def _axes(t: Tensor, op: str, axis, dim, keepdims, keepdim) -> tuple[tuple | None, bool]:
    """Normalise a reduction's axes (None, an int or a tuple, NumPy or PyTorch spelling) to a sorted tuple."""
    axis = dim if dim is not None else axis
    keepdims = bool(keepdim if keepdim is not None else keepdims)
    if axis is None:
        return None, keepdims
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if any(not isinstance(a, (int, np.integer)) or not -t.ndim <= a < t.ndim for a in axes):
        raise ValueError(f"{op}: axis {axis!r} is out of range for shape {t.shape}")
    axes = tuple(sorted({int(a) % t.ndim for a in axes}))
    return axes, keepdims


def _expand(g: np.ndarray, shape: tuple, axis, keepdims: bool) -> np.ndarray:
    """Undo a reduction's shape change: broadcast g back over the reduced axes."""
    if axis is None:
        return np.full(shape, g, dtype=g.dtype)  # one number everywhere: cheaper than a broadcast view
    if not keepdims:
        g = g.reshape([1 if i in axis else n for i, n in enumerate(shape)])
    return np.broadcast_to(g, shape)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _plain_index(index):
    """Replace Tensors inside an index by integer arrays (a Tensor holds floats; its values must be whole)."""
    if isinstance(index, tuple):
        return tuple(_index_array(i) if isinstance(i, Tensor) else i for i in index)
    return _index_array(index) if isinstance(index, Tensor) else index


def _index_array(t: Tensor) -> np.ndarray:
    if not np.all(t.data == np.round(t.data)):
        raise IndexError(f"Tensor index: a Tensor used as an index must hold whole numbers, got {t.data!r}")
    return t.data.astype(np.intp)


def _is_basic(index) -> bool:
    """True for ints, slices, None and ... (a view that picks every entry at most once)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)
