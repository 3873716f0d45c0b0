"""Loss functions on lists of `Value`s (scores, predictions) and plain-number targets.

Each returns one `Value`, the mean over the batch, so `loss.backward()` fills every gradient.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .engine import Value

__all__ = [
    "hinge_loss",
    "svm_loss",
    "mse_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
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
    return sum(terms) * (1.0 / len(terms))


def hinge_loss(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    """SVM max-margin loss, mean of relu(1 - y * score), labels in {-1, +1}.

    >>> hinge_loss([Value(2.0), Value(-0.5)], [1, 1]).data
    0.75
    """
    pairs = _pairs("hinge_loss", scores, labels)
    if any(y not in (-1.0, 1.0) for _, y in pairs):
        raise ValueError("hinge_loss: labels must be -1 or +1 (got " + repr(sorted({y for _, y in pairs})) + ")")
    return _mean([(1 + -y * s).relu() for s, y in pairs])


svm_loss = hinge_loss


def mse_loss(predictions: Sequence[Value], targets: Sequence[float]) -> Value:
    """Mean squared error, mean of (p - t)^2."""
    return _mean([(p - t) ** 2 for p, t in _pairs("mse_loss", predictions, targets)])


def binary_cross_entropy_with_logits(logits: Sequence[Value], targets: Sequence[float]) -> Value:
    """Binary cross-entropy from raw scores, targets in [0, 1]: softplus(x) - x * t, computed stably.

    Its gradient is sigmoid(x) - t, as PyTorch's `binary_cross_entropy_with_logits`.
    """
    pairs = _pairs("binary_cross_entropy_with_logits", logits, targets)
    _check_unit("binary_cross_entropy_with_logits", pairs)
    return _mean([_softplus(x) - x * t for x, t in pairs])


def binary_cross_entropy(probabilities: Sequence[Value], targets: Sequence[float]) -> Value:
    """Binary cross-entropy from probabilities in (0, 1): -(t log p + (1 - t) log(1 - p))."""
    pairs = _pairs("binary_cross_entropy", probabilities, targets)
    _check_unit("binary_cross_entropy", pairs)
    for p, _ in pairs:
        if not 0.0 < p.data < 1.0:
            raise ValueError(
                f"binary_cross_entropy: probability {p.data!r} is outside (0, 1), where log is finite; "
                "use binary_cross_entropy_with_logits on raw scores"
            )
    return _mean([-(t * p.log() + (1 - t) * (1 - p).log()) for p, t in pairs])


def l2_penalty(parameters: Iterable[Value], alpha: float) -> Value:
    """alpha * sum(p^2): weight decay written as a loss term, as in micrograd's demo."""
    return alpha * sum(p * p for p in parameters)


def accuracy(scores: Sequence[Value], labels: Sequence[float]) -> float:
    """Fraction of scores whose sign matches the label (labels in {-1, +1})."""
    pairs = _pairs("accuracy", scores, labels)
    return sum((s.data > 0) == (y > 0) for s, y in pairs) / len(pairs)


def _softplus(x: Value) -> Value:
    """log(1 + e^x) without overflow; each branch is smooth, so the gradient is exact at 0 too."""
    if x.data >= 0:
        return x + (1 + (-x).exp()).log()
    return (1 + x.exp()).log()


def _check_unit(name: str, pairs) -> None:
    bad = [t for _, t in pairs if not 0.0 <= t <= 1.0]
    if bad:
        raise ValueError(f"{name}: targets must lie in [0, 1], got {bad[0]!r}")
