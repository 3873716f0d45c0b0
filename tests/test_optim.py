"""Optimizers on scalar Values follow torch.optim exactly (same updates, float64)."""

import pytest
import torch

from microgradx import Value
from microgradx.optim import SGD, Adam

START = [1.5, -0.7, 0.2]


def loss_of(ps):
    x, y, z = ps
    return (x * y).tanh() + z * z * 3.0 + (x - z) ** 2


def trajectory(make_ours, make_theirs, steps=5):
    ours = [Value(v) for v in START]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in START]
    opt, topt = make_ours(ours), make_theirs(theirs)
    for _ in range(steps):
        opt.zero_grad()
        topt.zero_grad()
        loss_of(ours).backward()
        loss_of(theirs).backward()
        opt.step()
        topt.step()
    return [p.data for p in ours], [p.item() for p in theirs]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.1},
        {"lr": 0.1, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        {"lr": 0.1, "weight_decay": 0.1},
    ],
)
def test_sgd_matches_torch(kwargs):
    ours, theirs = trajectory(lambda p: SGD(p, **kwargs), lambda p: torch.optim.SGD(p, **kwargs))
    assert ours == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize("kwargs", [{"lr": 0.01}, {"lr": 0.1, "betas": (0.8, 0.99), "weight_decay": 0.01}])
def test_adam_matches_torch(kwargs):
    ours, theirs = trajectory(lambda p: Adam(p, **kwargs), lambda p: torch.optim.Adam(p, **kwargs), steps=8)
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_numpy_numbers_are_accepted_as_hyperparameters():
    import numpy as np

    assert SGD([Value(1.0)], lr=np.float32(0.5), momentum=np.float64(0.9)).lr == 0.5


def test_lr_can_change_between_steps():
    p = Value(1.0)
    opt = SGD([p], lr=0.5)
    p.grad = 1.0
    opt.step()
    opt.lr = 0.25
    opt.step()
    assert p.data == pytest.approx(1.0 - 0.5 - 0.25)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD([Value(1.0)], lr=-1), "learning rate"),
        (lambda: SGD([Value(1.0)], lr=float("nan")), "learning rate"),
        (lambda: SGD([], lr=0.1), "empty parameter list"),
        (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), "Nesterov"),
        (lambda: Adam([Value(1.0)], betas=(1.5, 0.9)), "beta1"),
        (lambda: Adam([Value(1.0)], betas=(1.0, 0.9)), "betas"),
    ],
)
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()
