"""Scalar losses against PyTorch's functional losses (float64): values and gradients."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradx import MLP, Tensor, Value
from microgradx.losses import (
    accuracy,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
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


# ---- k classes: softmax cross-entropy and argmax accuracy on both engines ----------------------------


def scalar_grads(model) -> list[np.ndarray]:
    """The scalar MLP's gradients as arrays per layer, (W, b), in the Tensor Sequential's order."""
    out = []
    for layer in model.layers:
        out.append(np.array([[w.grad for w in n.w] for n in layer.neurons]))
        out.append(np.array([n.b.grad for n in layer.neurons]))
    return out


def test_k_class_cross_entropy_equal_on_both_engines_and_pytorch():
    """The scalar engine's loss and gradients (graph of Values) equal the Tensor engine's on the same
    weights, and both equal torch's F.cross_entropy, in float64 to 1e-12."""
    from microgradx.data import spiral
    from microgradx.interop import from_torch, to_torch

    data = spiral(60, classes=3, noise=0.2, seed=0)
    mlp = MLP(2, [16, 16, 3], seed=4)
    torch_model = to_torch(mlp)
    tensor_model = from_torch(torch_model)
    loss = cross_entropy([mlp(row) for row in data.X.tolist()], data.y.tolist())
    loss.backward()
    tensor_loss = cross_entropy(tensor_model(Tensor(data.X)), data.y)
    tensor_loss.backward()
    X = torch.tensor(data.X, dtype=torch.float64)
    ref = F.cross_entropy(torch_model(X), torch.tensor(data.y))
    ref.backward()
    assert isinstance(loss, Value) and loss.data > 0.5  # untrained: far from 0, so the comparison means something
    assert loss.data == pytest.approx(tensor_loss.item(), rel=1e-12)
    assert loss.data == pytest.approx(ref.item(), rel=1e-12)
    theirs = [p.grad.numpy() for p in torch_model.parameters()]
    tensors = [p.grad for p in tensor_model.parameters()]
    assert any(np.abs(g).max() > 1e-3 for g in theirs)
    for ours, tensor, torchs in zip(scalar_grads(mlp), tensors, theirs, strict=True):
        np.testing.assert_allclose(ours, tensor, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ours, torchs, rtol=1e-12, atol=1e-15)


logit = st.floats(-60, 60, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 6).flatmap(lambda k: st.lists(st.lists(logit, min_size=k, max_size=k), min_size=1, max_size=5)),
    st.data(),
)
def test_cross_entropy_on_values_is_torchs(rows, draw):
    k = len(rows[0])
    targets = draw.draw(st.lists(st.integers(0, k - 1), min_size=len(rows), max_size=len(rows)))
    shift = draw.draw(st.sampled_from([0.0, 800.0, -800.0]))  # e^800 overflows: only a stable softmax survives
    rows = [[x + shift for x in row] for row in rows]
    values = [[Value(x) for x in row] for row in rows]
    loss = cross_entropy(values, targets)
    loss.backward()
    t = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    ref = F.cross_entropy(t, torch.tensor(targets))
    ref.backward()
    assert loss.data == pytest.approx(ref.item(), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose([[v.grad for v in row] for row in values], t.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert accuracy(values, targets) == pytest.approx(float((t.argmax(dim=1) == torch.tensor(targets)).double().mean()))
    assert accuracy(Tensor(rows), targets) == accuracy(values, targets)


def test_scalar_cross_entropy_graph_is_drawn_and_replayed():
    """One point's loss is a graph of Value ops: drawn by draw_dot, replayed step by step to .grad's values."""
    from microgradx.graph import backward_steps, draw_dot

    model = MLP(2, [3, 3], seed=1)
    loss = cross_entropy([model([0.5, -1.0])], [2])
    replay = {id(s.node): s.grad for s in backward_steps(loss)}
    loss.backward()
    assert {"exp", "log"} <= {node._op for node in _nodes(loss)}
    assert all(replay[id(p)] == p.grad for p in model.parameters() if id(p) in replay)
    assert sum(id(p) in replay for p in model.parameters()) == len(model.parameters())
    source = draw_dot(loss, model=model, collapse="none").source
    assert "exp" in source and "log" in source


def _nodes(root) -> list:
    from microgradx.engine import topological_order

    return topological_order(root)


def test_accuracy_by_argmax_on_both_engines():
    rows = [[0.1, 2.0, -1.0], [3.0, 0.0, 1.0], [0.0, 0.0, 5.0], [1.0, 1.0, 0.0]]  # last: a tie goes to class 0
    labels = [1, 2, 2, 0]
    assert accuracy([[Value(x) for x in r] for r in rows], labels) == 0.75
    assert accuracy(Tensor(rows), np.array(labels)) == 0.75


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: cross_entropy([[Value(1.0), Value(2.0)]], [2]),
            ValueError,
            r"cross_entropy: class index 2 outside 0\.\.1",
        ),
        (lambda: cross_entropy([[Value(1.0), Value(2.0)]], [-1]), ValueError, r"class index -1 outside 0\.\.1"),
        (lambda: cross_entropy(Tensor([[1.0, 2.0, 0.0]]), [3]), ValueError, r"class index 3 outside 0\.\.2"),
        (
            lambda: cross_entropy([[Value(1.0), Value(2.0)], [Value(1.0)]], [0, 0]),
            ValueError,
            "row 1 of the logits is not 2 Values",
        ),
        (lambda: cross_entropy([[Value(1.0)]], [0]), ValueError, r"needs a score per class, k >= 2, got 1"),
        (lambda: cross_entropy([], []), ValueError, "empty batch"),
        (
            lambda: cross_entropy([[Value(1.0), Value(0.0)]], [0, 1]),
            ValueError,
            r"targets of shape \(2,\) do not fit 1 rows of 2 class scores",
        ),
        (lambda: cross_entropy([[Value(1.0), Value(0.0)]], [0.5]), TypeError, "integer class indices"),
        (lambda: cross_entropy(Value(1.0), [0]), TypeError, "N lists of k Values"),
        (lambda: accuracy([[Value(1.0), Value(0.0)]], [4]), ValueError, r"accuracy: class index 4 outside 0\.\.1"),
    ],
)
def test_k_class_errors_name_the_problem(call, error, message):
    with pytest.raises(error, match=message):
        call()
