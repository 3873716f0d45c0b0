"""microgradx.exercises: right code passes with a summary; wrong code fails saying what, where, expected vs got."""

from __future__ import annotations

import doctest
import math

import pytest

from microgradx import MLP, Value, exercises, losses
from microgradx.data import moons
from microgradx.exercises import ExerciseFailed, check_backward, check_local_derivative, check_training


def test_doctests():
    assert doctest.testmod(exercises).failed == 0


def test_local_derivative_right_and_wrong():
    ok = check_local_derivative(lambda x: Value(x).tanh(), lambda x: 1 - math.tanh(x) ** 2, at=[-2.0, 0.0, 0.5])
    assert ok.startswith("ok: the derivative agrees with finite differences at 3 points")
    with pytest.raises(
        ExerciseFailed, match=r"at x = 0.5 is wrong: expected 0.786448 \(finite differences\), got 0.75"
    ):
        check_local_derivative(lambda x: Value(x).tanh(), lambda x: 1 - x**2 if x else 1.0, at=[0.0, 0.5])
    with pytest.raises(ExerciseFailed, match="should be a number, got 'one'"):
        check_local_derivative(math.exp, lambda x: "one", at=1.0)


def test_local_derivative_bad_input():
    with pytest.raises(TypeError, match="check_local_derivative: derivative must be a function"):
        check_local_derivative(math.exp, 3.0, at=1.0)
    with pytest.raises(ValueError, match="check_local_derivative: at must hold at least one finite number"):
        check_local_derivative(math.exp, math.exp, at=[])
    with pytest.raises(TypeError, match="check_local_derivative: at must be a number or a list of numbers"):
        check_local_derivative(math.exp, math.exp, at="x")


def _neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, (x1, x2, w1, w2, b, x1w1, x2w2, n)


def _by_hand(o, nodes, *, bug=None):
    x1, x2, w1, w2, b, x1w1, x2w2, n = nodes
    s = n._prev[0]  # x1w1 + x2w2, unlabelled
    o.grad = 1.0
    n.grad = (1 - o.data**2) * o.grad
    s.grad = b.grad = n.grad
    x1w1.grad = x2w2.grad = s.grad
    x1.grad, w1.grad = w1.data * x1w1.grad, x1.data * x1w1.grad
    x2.grad, w2.grad = w2.data * x2w2.grad, x2.data * x2w2.grad
    if bug == "swap":
        x1.grad, w1.grad = w1.grad, x1.grad
    if bug == "forget":
        b.grad = 0.0


def test_hand_written_backward_right_and_wrong():
    o, nodes = _neuron()
    assert (
        check_backward(o, lambda root: _by_hand(root, nodes))
        == "ok: your backward gives the engine's gradient at all 10 nodes"
    )
    assert [v.grad for v in nodes[:5]] == pytest.approx([-1.5, 0.5, 1.0, 0.0, 0.5])  # the student's, kept
    with pytest.raises(ExerciseFailed, match=r"the gradient of 'w1' is wrong: expected 1 \(the engine\), got -1.5"):
        check_backward(o, lambda root: _by_hand(root, nodes, bug="swap"))
    with pytest.raises(ExerciseFailed, match=r"gradient of 'b' is wrong: expected 0.5 .* got 0 \(was it visited\?"):
        check_backward(o, lambda root: _by_hand(root, nodes, bug="forget"))


def test_an_unlabelled_node_is_described_by_how_it_was_made():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    out = (a * b).relu()

    def wrong(root):
        root.grad = 1.0  # stops there

    with pytest.raises(ExerciseFailed, match=r"gradient of the output of \*\('a', 'b'\) \(data 6\) is wrong"):
        check_backward(out, wrong)
    with pytest.raises(TypeError, match="check_backward: root must be a Value, got float"):
        check_backward(1.0, wrong)


def _sgd(model, data, lr, *, zero=True, sign=1.0):
    X, y = data.X.tolist(), data.y.tolist()

    def step():
        loss = losses.hinge_loss([model(x) for x in X], y)
        if zero:
            model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= sign * lr * p.grad
        return loss

    return step


def test_training_right_and_wrong():
    data = moons(30, seed=0)
    model = MLP(2, [8, 1], seed=0)
    assert check_training(_sgd(model, data, 0.1), model.parameters(), steps=15).startswith("ok: the loss fell from")
    model = MLP(2, [8, 1], seed=0)
    with pytest.raises(ExerciseFailed, match=r"the loss did not fall enough: step 0 .* check the sign of the update"):
        check_training(_sgd(model, data, 0.1, sign=-1.0), model.parameters(), steps=15)
    model = MLP(2, [8, 1], seed=0)
    with pytest.raises(ExerciseFailed, match="after step 0 no parameter has changed"):
        check_training(_sgd(model, data, 0.0), model.parameters())
    model = MLP(2, [8, 1], seed=0)
    with pytest.raises(ExerciseFailed, match=r"the loss became (inf|nan) at step \d+: the learning rate"):
        check_training(_sgd(model, data, 1e200), model.parameters(), steps=5)
    with pytest.raises(ExerciseFailed, match="step 0 returned None: the step should return the loss"):
        check_training(lambda: None, model.parameters())


def test_training_bad_input():
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="check_training: steps must be an integer >= 2, got 1"):
        check_training(lambda: 1.0, model.parameters(), steps=1)
    with pytest.raises(ValueError, match=r"check_training: min_drop must be a fraction in \(0, 1\), got 2"):
        check_training(lambda: 1.0, model.parameters(), min_drop=2)
    with pytest.raises(TypeError, match="check_training: parameters must be a non-empty list of Values"):
        check_training(lambda: 1.0, [])
