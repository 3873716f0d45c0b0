"""Scalar losses against PyTorch's functional losses (float64): values and gradients."""

import pytest
import torch
import torch.nn.functional as F

from microgradx import Value
from microgradx.losses import (
    accuracy,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge_loss,
    l2_penalty,
    mse_loss,
)

SCORES = [2.0, -0.5, 0.0, 0.3, -3.0]


def run(ours, theirs, xs, targets):
    vs = [Value(x) for x in xs]
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    out = ours(vs, targets)
    ref = theirs(t, torch.tensor(targets, dtype=torch.float64))
    out.backward()
    ref.backward()
    assert out.data == pytest.approx(ref.item(), rel=1e-12)
    assert [v.grad for v in vs] == pytest.approx(t.grad.tolist(), rel=1e-12, abs=1e-15)


def test_hinge_matches_mean_relu_margin():
    run(hinge_loss, lambda s, y: torch.relu(1 - y * s).mean(), SCORES, [1, -1, 1, -1, -1])


def test_mse():
    run(mse_loss, F.mse_loss, SCORES, [1.0, 0.0, 0.5, -2.0, 3.0])


def test_bce_with_logits_including_zero_and_large_scores():
    run(
        binary_cross_entropy_with_logits,
        F.binary_cross_entropy_with_logits,
        SCORES + [40.0, -40.0],
        [1, 0, 1, 0.5, 0, 1, 0],
    )


def test_bce_from_probabilities():
    run(binary_cross_entropy, F.binary_cross_entropy, [0.9, 0.2, 0.5, 0.01], [1, 0, 1, 0])


def test_l2_penalty():
    ps = [Value(x) for x in (1.0, -2.0, 0.5)]
    reg = l2_penalty(ps, 0.1)
    reg.backward()
    assert reg.data == pytest.approx(0.1 * (1 + 4 + 0.25))
    assert [p.grad for p in ps] == pytest.approx([0.2, -0.4, 0.1])


def test_accuracy_counts_sign_agreement():
    assert accuracy([Value(1.0), Value(-2.0), Value(0.5)], [1, 1, -1]) == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: hinge_loss([Value(1.0)], [0]), "labels must be -1 or \\+1"),
        (lambda: mse_loss([Value(1.0)], [1.0, 2.0]), "1 outputs but 2 targets"),
        (lambda: mse_loss([], []), "empty batch"),
        (lambda: binary_cross_entropy([Value(1.0)], [1]), "outside \\(0, 1\\)"),
        (lambda: binary_cross_entropy_with_logits([Value(1.0)], [2]), "targets must lie in \\[0, 1\\]"),
    ],
)
def test_errors_name_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()
