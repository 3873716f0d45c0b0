"""Loss functions: on lists of `Value`s and plain-number targets, or on a `Tensor` and an array of targets.

Each returns the mean over the batch as one `Value` (or one-element `Tensor`), so `loss.backward()` fills
every gradient. The scalar paths build micrograd-granularity graphs; a `Tensor` takes the array path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .engine import Value
from .tensor import Tensor

__all__ = [
    "hinge_loss",
    "svm_loss",
    "mse_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "l2_penalty",
    "accuracy",
]


def _pairs(name: str, outputs, targets) -> list[tuple]:
    outputs = [outputs] if isinstance(outputs, Value) else list(outputs)
    targets = [targets] if isinstance(targets, (int, float)) else [float(t) for t in targets]
    if len(outputs) != len(targets):
        raise ValueError(f"{name}: {len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError(f"{name}: empty batch")
    return list(zip(outputs, targets))


def _mean(terms: list) -> Value:
    return sum(terms[1:], terms[0]) * (1.0 / len(terms))  # no "0 +" node in the drawn graph


def hinge_loss(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    """SVM max-margin loss, mean of relu(1 - y * score), labels in {-1, +1}.

    >>> hinge_loss([Value(2.0), Value(-0.5)], [1, 1]).data
    0.75
    """
    if isinstance(scores, Tensor):
        s, y = _tensor_pairs("hinge_loss", scores, labels)
        _check_pm1("hinge_loss", y)
        return (1 - s * y).relu().mean()
    pairs = _pairs("hinge_loss", scores, labels)
    if any(y not in (-1.0, 1.0) for _, y in pairs):
        raise ValueError("hinge_loss: labels must be -1 or +1 (got " + repr(sorted({y for _, y in pairs})) + ")")
    return _mean([(1 + -y * s).relu() for s, y in pairs])


svm_loss = hinge_loss


def mse_loss(predictions: Sequence[Value], targets: Sequence[float]) -> Value:
    """Mean squared error, mean of (p - t)^2."""
    if isinstance(predictions, Tensor):
        p, t = _tensor_pairs("mse_loss", predictions, targets)
        return ((p - t) ** 2).mean()
    return _mean([(p - t) ** 2 for p, t in _pairs("mse_loss", predictions, targets)])


def binary_cross_entropy_with_logits(logits: Sequence[Value], targets: Sequence[float]) -> Value:
    """Binary cross-entropy from raw scores, targets in [0, 1]: softplus(x) - x * t, computed stably.

    Its gradient is sigmoid(x) - t, as PyTorch's `binary_cross_entropy_with_logits`.
    """
    if isinstance(logits, Tensor):
        x, t = _tensor_pairs("binary_cross_entropy_with_logits", logits, targets)
        _check_unit_array("binary_cross_entropy_with_logits", t)
        return (x.softplus() - x * t).mean()
    pairs = _pairs("binary_cross_entropy_with_logits", logits, targets)
    _check_unit("binary_cross_entropy_with_logits", pairs)
    return _mean([_softplus(x) - x * t for x, t in pairs])


def binary_cross_entropy(probabilities: Sequence[Value], targets: Sequence[float]) -> Value:
    """Binary cross-entropy from probabilities in (0, 1): -(t log p + (1 - t) log(1 - p))."""
    if isinstance(probabilities, Tensor):
        p, t = _tensor_pairs("binary_cross_entropy", probabilities, targets)
        _check_unit_array("binary_cross_entropy", t)
        outside = p.data[~((p.data > 0) & (p.data < 1))]
        if outside.size:
            raise ValueError(
                f"binary_cross_entropy: probability {outside[0]!r} is outside (0, 1), where log is finite; "
                "use binary_cross_entropy_with_logits on raw scores"
            )
        return -(t * p.log() + (1 - t) * (1 - p).log()).mean()
    pairs = _pairs("binary_cross_entropy", probabilities, targets)
    _check_unit("binary_cross_entropy", pairs)
    for p, _ in pairs:
        if not 0.0 < p.data < 1.0:
            raise ValueError(
                f"binary_cross_entropy: probability {p.data!r} is outside (0, 1), where log is finite; "
                "use binary_cross_entropy_with_logits on raw scores"
            )
    return _mean([-(t * p.log() + (1 - t) * (1 - p).log()) for p, t in pairs])


def cross_entropy(logits, targets):
    """Mean of -log softmax(logits)[i, targets[i]]: the softmax cross-entropy of k classes, as PyTorch's.

    `logits` is a Tensor (N, k) (a `Tensor` back), or for the scalar engine a list of N lists of k `Value`s,
    what a scalar ``MLP(2, [16, 16, k])`` gives per point (a `Value` back, built from Value ops, so its
    graph can be drawn and replayed). `targets` are N class indices 0..k-1. Each row is shifted by its
    largest score (a constant, so no gradient flows through it) before exp: stable for any scores.

    >>> round(cross_entropy(Tensor([[2.0, 0.0], [0.0, 2.0]]), [0, 1]).item(), 4)
    0.1269
    >>> round(cross_entropy([[Value(2.0), Value(0.0)], [Value(0.0), Value(2.0)]], [0, 1]).data, 4)
    0.1269
    """
    if not isinstance(logits, Tensor):
        rows, y = _class_rows("cross_entropy", logits, targets)
        return _mean([_row_cross_entropy(row, t) for row, t in zip(rows, y)])
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be (N, C), got shape {logits.shape}")
    n, c = logits.shape
    y = _class_indices("cross_entropy", targets, n, c, f"logits of shape {logits.shape}")
    return -logits.log_softmax(axis=1)[np.arange(n), y].mean()


def _row_cross_entropy(row: list[Value], t: int) -> Value:
    """-log softmax(row)[t] = log(sum_j e^(s_j - m)) - (s_t - m), with m = max_j s_j as a constant."""
    m = max(s.data for s in row)
    shifted = [s - m for s in row]
    exps = [z.exp() for z in shifted]
    return sum(exps[1:], exps[0]).log() - shifted[t]  # the sum is >= e^0 = 1: log is finite


def _class_rows(name: str, logits, targets) -> tuple[list[list[Value]], list[int]]:
    """Scalar class scores as N rows of k >= 2 Values, and N class indices 0..k-1."""
    try:
        rows = [list(row) for row in logits]
    except TypeError:
        raise TypeError(
            f"{name}: logits must be a Tensor (N, k) or N lists of k Values (one list of scores per point), "
            f"got {type(logits).__name__}"
        ) from None
    if not rows:
        raise ValueError(f"{name}: empty batch")
    k = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != k or not all(isinstance(s, Value) for s in row):
            raise ValueError(f"{name}: row {i} of the logits is not {k} Values like row 0 (one score per class)")
    if k < 2:
        raise ValueError(f"{name}: each point needs a score per class, k >= 2, got {k}; end the model with k outputs")
    return rows, _class_indices(name, targets, len(rows), k).tolist()


def _class_indices(name: str, targets, n: int, k: int, scores: str = "") -> np.ndarray:
    """`targets` as n integer class indices 0..k-1 (floats that are whole numbers are accepted)."""
    y = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if y.shape != (n,):
        scores = scores or f"{n} rows of {k} class scores"
        raise ValueError(f"{name}: targets of shape {y.shape} do not fit {scores}")
    if y.dtype.kind not in "iu":
        if y.dtype.kind != "f" or not np.all(y == np.round(y)):
            raise TypeError(f"{name}: targets must be integer class indices, got dtype {y.dtype}")
        y = y.astype(np.int64)
    if n == 0:
        raise ValueError(f"{name}: empty batch")
    if y.min() < 0 or y.max() >= k:
        raise ValueError(f"{name}: class index {int(y.min() if y.min() < 0 else y.max())} outside 0..{k - 1}")
    return y


def l2_penalty(parameters: Iterable[Value], alpha: float) -> Value:
    """alpha * sum(p^2): weight decay written as a loss term, as in micrograd's demo."""
    parameters = list(parameters)
    if any(isinstance(p, Tensor) for p in parameters):
        return alpha * sum((p * p).sum() for p in parameters)
    return alpha * sum(p * p for p in parameters)


def accuracy(scores, labels) -> float:
    """Fraction of points classified right.

    One score per point (Values, or a Tensor (N,) or (N, 1)): the sign must match the label in {-1, +1}.
    k >= 2 scores per point (a Tensor (N, k), or N lists of k Values): the argmax must be the class
    index label 0..k-1 (ties go to the first class, as NumPy's and PyTorch's argmax).

    >>> accuracy([[Value(0.1), Value(2.0), Value(-1.0)], [Value(3.0), Value(0.0), Value(1.0)]], [1, 2])
    0.5
    """
    if isinstance(scores, Tensor):
        if scores.ndim == 2 and scores.shape[1] > 1:
            y = _class_indices("accuracy", labels, *scores.shape, f"scores of shape {scores.shape}")
            return float(np.mean(scores.data.argmax(axis=1) == y))
        s, y = _tensor_pairs("accuracy", scores, labels)
        return float(np.mean((s.data > 0) == (y > 0)))
    if not isinstance(scores, Value):
        scores = list(scores)
        if scores and not isinstance(scores[0], Value):  # rows of class scores
            rows, y = _class_rows("accuracy", scores, labels)
            hits = sum(max(range(len(row)), key=lambda j: row[j].data) == t for row, t in zip(rows, y))
            return hits / len(rows)
    pairs = _pairs("accuracy", scores, labels)
    return sum((s.data > 0) == (y > 0) for s, y in pairs) / len(pairs)


def _softplus(x: Value) -> Value:
    """log(1 + e^x) without overflow; each branch is smooth, so the gradient is exact at 0 too."""
    if x.data >= 0:
        return x + (1 + (-x).exp()).log()
    return (1 + x.exp()).log()


def _tensor_pairs(name: str, outputs: Tensor, targets) -> tuple[Tensor, np.ndarray]:
    """Outputs and targets of one shape: (N, 1) outputs are read as (N,) against (N,) targets."""
    t = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{name}: targets must be real numbers, got dtype {t.dtype}")
    t = t.astype(outputs.dtype, copy=False)  # not a copy: an op lifting it to a constant copies it
    if outputs.ndim == 2 and outputs.shape[1] == 1 and t.shape == outputs.shape[:1]:
        outputs = outputs.reshape(-1)
    if outputs.shape != t.shape:
        raise ValueError(f"{name}: outputs of shape {outputs.shape} but targets of shape {t.shape}")
    if outputs.size == 0:
        raise ValueError(f"{name}: empty batch")
    return outputs, t


def _check_pm1(name: str, y: np.ndarray) -> None:
    if not (np.abs(y) == 1).all():  # NaN too
        raise ValueError(f"{name}: labels must be -1 or +1 (got {sorted(set(np.unique(y).tolist()))[:5]!r})")


def _check_unit_array(name: str, t: np.ndarray) -> None:
    bad = t[~((t >= 0) & (t <= 1))]
    if bad.size:
        raise ValueError(f"{name}: targets must lie in [0, 1], got {bad[0]!r}")


def _check_unit(name: str, pairs) -> None:
    bad = [t for _, t in pairs if not 0.0 <= t <= 1.0]
    if bad:
        raise ValueError(f"{name}: targets must lie in [0, 1], got {bad[0]!r}")
