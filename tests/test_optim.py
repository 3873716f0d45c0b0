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


# ---- state per parameter, state_dict / load_state_dict as torch.optim --------------------------------


@pytest.mark.parametrize(
    "make, make_torch, keys",
    [
        (lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
         ["momentum_buffer"]),
        (lambda p: Adam(p, lr=0.05), lambda p: torch.optim.Adam(p, lr=0.05), ["step", "exp_avg", "exp_avg_sq"]),
    ],
)
def test_state_per_parameter_matches_torch_and_resumes_exactly(make, make_torch, keys):
    ours = [Value(v) for v in START]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in START]
    opt, topt = make(ours), make_torch(theirs)
    for _ in range(3):
        for o, params in ((opt, ours), (topt, theirs)):
            o.zero_grad()
            loss_of(params).backward()
            o.step()
    assert sorted(opt.state[ours[0]]) == sorted(keys) == sorted(topt.state[theirs[0]])
    for key in keys:
        expected = [float(topt.state[t][key]) for t in theirs]
        assert [opt.state[p][key] for p in ours] == pytest.approx(expected, rel=1e-12)
    saved = opt.state_dict()
    assert saved["param_groups"][0]["params"] == [0, 1, 2] and saved["param_groups"][0]["lr"] == opt.lr
    assert saved["state"].keys() == {0, 1, 2}
    weights = [p.data for p in ours]

    def run(o, steps=2):
        for _ in range(steps):
            o.zero_grad()
            loss_of(ours).backward()
            o.step()
        return [p.data for p in ours]

    straight = run(opt)
    for p, w in zip(ours, weights):
        p.data = w
    fresh = make(ours)
    fresh.load_state_dict(saved)
    assert run(fresh) == straight  # a checkpoint resumes bit for bit


def test_state_dict_is_a_copy_of_tensor_state():
    import numpy as np

    from microgradx import Tensor

    p = Tensor(np.ones(3), requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.5)
    p.grad = np.ones(3)
    opt.step()
    saved = opt.state_dict()
    opt.step()
    assert saved["state"][0]["momentum_buffer"].tolist() == [1.0, 1.0, 1.0]
    assert opt.state[p]["momentum_buffer"].tolist() == [1.5, 1.5, 1.5]
    opt.load_state_dict(saved)
    assert opt.state[p]["momentum_buffer"].tolist() == [1.0, 1.0, 1.0]
    assert opt.state[p]["momentum_buffer"] is not saved["state"][0]["momentum_buffer"]


def test_load_state_dict_checks_everything_and_changes_nothing_on_a_mismatch():
    import numpy as np

    from microgradx import Tensor

    p = Tensor(np.ones(3), requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.5)
    p.grad = np.ones(3)
    opt.step()
    good = opt.state_dict()
    bad_cases = [
        ({"state": {}}, "expected a dict with 'state' and 'param_groups'"),
        ({**good, "param_groups": [{**good["param_groups"][0], "params": [0, 1]}]}, "had 2 parameters, this one has 1"),
        ({**good, "param_groups": [{**good["param_groups"][0], "lr": -1.0}]}, "invalid learning rate lr=-1.0"),
        ({**good, "param_groups": [{"lr": 0.1, "params": [0]}]}, "one param group with lr, momentum"),
        ({**good, "state": {0: {"momentum_buffer": np.zeros(4)}}}, r"state\[0\]\['momentum_buffer'\] has shape \(4,\)"),
        ({**good, "state": {3: {"momentum_buffer": np.zeros(3)}}}, "state for parameter 3, but there are 1"),
    ]
    for state, message in bad_cases:
        with pytest.raises(ValueError, match=message):
            opt.load_state_dict(state)
        assert opt.lr == 0.1 and opt.state[p]["momentum_buffer"].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: SGD(Value(1.0), lr=0.1), TypeError, "SGD: params must be an iterable of parameters"),
        (lambda: SGD([1.0], lr=0.1), TypeError, "SGD: parameter 0 is a float, not a Value or Tensor"),
        (lambda: Adam([Value(1.0)] * 2), ValueError, "Adam: parameter 1 appears twice"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=-0.5), ValueError, "SGD: invalid momentum=-0.5; it must be"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=0.9, nesterov=1), TypeError, "nesterov must be True or False"),
        (lambda: Adam([Value(1.0)], eps=-1), ValueError, "Adam: invalid eps=-1"),
        (lambda: Adam([Value(1.0)], betas=0.9), ValueError, r"Adam: betas must be a pair \(beta1, beta2\)"),
        (lambda: Adam([Value(1.0)], lr=0), ValueError, "invalid learning rate lr=0; it must be a finite number > 0"),
    ],
)
def test_constructors_name_the_optimizer_the_argument_and_the_range(make, error, message):
    with pytest.raises(error, match=message):
        make()
