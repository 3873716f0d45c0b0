"""Tensor layers, losses and optimizers on Tensors, against PyTorch float64 and against the scalar engine."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from microgradx import MLP, Tensor, losses, nn, optim
from microgradx.nn import layers

RTOL, ATOL = 1e-10, 1e-12


def close(ours, theirs, rtol=RTOL, atol=ATOL):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def cnn(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, seed=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, seed=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64, 10, seed=rng),
    )


def torch_cnn():
    tn = torch.nn
    return tn.Sequential(
        tn.Conv2d(1, 8, 3, padding=1),
        tn.ReLU(),
        tn.MaxPool2d(2),
        tn.Conv2d(8, 16, 3, padding=1),
        tn.ReLU(),
        tn.MaxPool2d(2),
        tn.Flatten(),
        tn.Linear(64, 10),
    ).double()


def to_torch(model, torch_model):
    """Copy our weights into the torch model: the state-dict names and layouts are PyTorch's."""
    torch_model.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    return torch_model


def test_cnn_matches_torch_in_output_loss_and_every_gradient():
    model = cnn()
    tmodel = to_torch(model, torch_cnn())
    x = np.random.default_rng(1).normal(size=(5, 1, 8, 8))
    y = np.array([0, 3, 9, 3, 1])
    loss = losses.cross_entropy(model(x), y)
    tloss = F.cross_entropy(tmodel(torch.tensor(x)), torch.tensor(y))
    close(loss.item(), tloss.item())
    loss.backward()
    tloss.backward()
    tgrads = dict(tmodel.named_parameters())
    for name, p in model.named_parameters():
        close(p.grad, tgrads[name].grad)


@pytest.mark.parametrize(
    "act, torch_act", [(nn.ReLU, torch.nn.ReLU), (nn.Tanh, torch.nn.Tanh), (nn.Sigmoid, torch.nn.Sigmoid)]
)
def test_mlp_with_each_activation_matches_torch(act, torch_act):
    model = nn.Sequential(nn.Linear(3, 5, seed=0), act(), nn.Linear(5, 2, seed=1, bias=False))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 5), torch_act(), torch.nn.Linear(5, 2, bias=False)).double()
    to_torch(model, tmodel)
    x = np.random.default_rng(2).normal(size=(4, 3))
    out, tout = model(x), tmodel(torch.tensor(x))
    close(out.data, tout)
    out.backward(np.ones((4, 2)))
    tout.backward(torch.ones(4, 2, dtype=torch.float64))
    for (name, p), (tname, tp) in zip(model.named_parameters(), tmodel.named_parameters()):
        assert name == tname
        close(p.grad, tp.grad)


def test_init_is_pytorch_default_and_seeded():
    conv = nn.Conv2d(2, 4, 3, seed=0)
    bound = 1 / np.sqrt(2 * 3 * 3)
    assert conv.weight.shape == (4, 2, 3, 3) and conv.bias.shape == (4,)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.weight.data).max() > 0.8 * bound
    lin = nn.Linear(100, 50, seed=0)
    assert np.abs(lin.weight.data).max() <= 0.1 and lin.weight.data.std() > 0.05
    np.testing.assert_array_equal(nn.Linear(3, 2, seed=7).weight.data, nn.Linear(3, 2, seed=7).weight.data)
    assert not np.array_equal(nn.Linear(3, 2, seed=7).weight.data, nn.Linear(3, 2, seed=8).weight.data)
    rng = np.random.default_rng(0)
    assert not np.array_equal(nn.Linear(3, 2, seed=rng).weight.data, nn.Linear(3, 2, seed=rng).weight.data)
    with pytest.raises(TypeError, match="seed must be"):
        nn.Linear(3, 2, seed="zero")
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        nn.Linear(0, 2)


def test_float32_layers_stay_float32():
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, seed=0, dtype=np.float32), nn.Flatten(), nn.Linear(8, 1, seed=0, dtype=np.float32)
    )
    out = model(np.ones((3, 1, 4, 4)))
    assert out.dtype == np.float32
    out.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


def test_module_contract_parameters_zero_grad_state_dict():
    model = cnn()
    names = [n for n, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"]
    assert len(model.parameters()) == 6 and all(p.requires_grad is True for p in model.parameters())
    losses.cross_entropy(model(np.ones((2, 1, 8, 8))), [1, 2]).backward()
    assert any(p.grad.any() for p in model.parameters())
    model.zero_grad()
    assert all(
        isinstance(p.grad, np.ndarray) and p.grad.shape == p.shape and not p.grad.any() for p in model.parameters()
    )
    state = model.state_dict()
    other = cnn(seed=1)
    other.load_state_dict(state)
    for (_, p), (_, q) in zip(model.named_parameters(), other.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data)
        assert p.data is not q.data
    bad = dict(state, **{"0.weight": np.ones((1, 1))})
    with pytest.raises(ValueError, match="0.weight"):
        other.load_state_dict(bad)


def test_layers_reject_wrong_input_shapes_with_both_shapes():
    with pytest.raises(ValueError, match="Linear\\(4, 2\\).*\\(3, 5\\)"):
        nn.Linear(4, 2, seed=0)(np.ones((3, 5)))
    with pytest.raises(ValueError, match="Conv2d.*\\(2, 3, 8, 8\\).*\\(N, 1, H, W\\)"):
        nn.Conv2d(1, 2, 3, seed=0)(np.ones((2, 3, 8, 8)))
    with pytest.raises(TypeError, match="item 1 is a int"):
        nn.Sequential(nn.ReLU(), 3)


def test_sequential_repr_len_index():
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU(), nn.MaxPool2d(2))
    assert repr(model) == (
        "Sequential(\n  (0): Linear(2, 3)\n  (1): ReLU()\n"
        "  (2): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))\n)"
    )
    assert len(model) == 3 and isinstance(model[1], nn.ReLU) and len(model[:2]) == 2


# ---- the same model on both engines -----------------------------------------------------------------


def moons(n=30, seed=0):
    from sklearn.datasets import make_moons

    X, y = make_moons(n, noise=0.1, random_state=seed)
    return X, 2.0 * y - 1.0


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_mlp_on_moons_matches_the_scalar_engine_step_by_step(activation):
    X, y = moons()
    scalar = MLP(2, [16, 16, 1], activation=activation, seed=1337)
    fast = nn.Sequential.from_mlp(scalar)
    scalar_opt, fast_opt = optim.SGD(scalar.parameters(), lr=0.1), optim.SGD(fast.parameters(), lr=0.1)
    for _ in range(3):
        scores = [scalar(list(x)) for x in X]
        loss = losses.hinge_loss(scores, y) + losses.l2_penalty(scalar.parameters(), 1e-4)
        out = fast(X)
        fast_loss = losses.hinge_loss(out, y) + losses.l2_penalty(fast.parameters(), 1e-4)
        close(out.data[:, 0], [s.data for s in scores])
        close(fast_loss.item(), loss.data)
        scalar_opt.zero_grad()
        fast_opt.zero_grad()
        loss.backward()
        fast_loss.backward()
        for lin, layer in zip(fast.layers[::2], scalar.layers):
            close(lin.weight.grad, [[w.grad for w in n.w] for n in layer.neurons])
            close(lin.bias.grad, [n.b.grad for n in layer.neurons])
        scalar_opt.step()
        fast_opt.step()
    for lin, layer in zip(fast.layers[::2], scalar.layers):
        close(lin.weight.data, [[w.data for w in n.w] for n in layer.neurons])
    assert losses.accuracy(fast(X), y) == losses.accuracy([scalar(list(x)) for x in X], y)


def test_from_mlp_keeps_output_activation_and_rejects_non_mlps():
    scalar = MLP(2, [3, 2], output_activation="sigmoid", seed=0)
    fast = nn.Sequential.from_mlp(scalar)
    assert isinstance(fast.layers[-1], nn.Sigmoid)
    close(fast(np.array([[0.3, -0.2]])).data[0], [v.data for v in scalar([0.3, -0.2])])
    with pytest.raises(TypeError, match="from_mlp needs a scalar nn.MLP"):
        nn.Sequential.from_mlp(fast)


# ---- losses on Tensors --------------------------------------------------------------------------------


def _pair(shape=(6,), seed=0):
    x = np.random.default_rng(seed).normal(size=shape)
    return Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


LOSSES = [
    ("mse", losses.mse_loss, F.mse_loss, lambda r: r.normal(size=6)),
    (
        "bce_logits",
        losses.binary_cross_entropy_with_logits,
        F.binary_cross_entropy_with_logits,
        lambda r: r.uniform(size=6),
    ),
    ("hinge", losses.hinge_loss, lambda s, y: torch.relu(1 - s * y).mean(), lambda r: r.choice([-1.0, 1.0], size=6)),
]


@pytest.mark.parametrize("name, ours, theirs, targets", LOSSES, ids=[x[0] for x in LOSSES])
def test_losses_on_tensors_match_torch(name, ours, theirs, targets):
    t, tt = _pair()
    y = targets(np.random.default_rng(1))
    loss, tloss = ours(t, y), theirs(tt, torch.tensor(y))
    close(loss.item(), tloss.item())
    loss.backward()
    tloss.backward()
    close(t.grad, tt.grad)


def test_bce_on_probabilities_and_cross_entropy_match_torch():
    x = np.random.default_rng(0).uniform(0.05, 0.95, size=5)
    t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.3, 0.0])
    loss, tloss = losses.binary_cross_entropy(t, y), F.binary_cross_entropy(tt, torch.tensor(y))
    loss.backward()
    tloss.backward()
    close(loss.item(), tloss.item())
    close(t.grad, tt.grad)
    logits, tlogits = _pair((4, 3))
    labels = np.array([2, 0, 1, 2])
    loss, tloss = losses.cross_entropy(logits, labels), F.cross_entropy(tlogits, torch.tensor(labels))
    loss.backward()
    tloss.backward()
    close(loss.item(), tloss.item())
    close(logits.grad, tlogits.grad)


def test_tensor_losses_equal_scalar_losses_on_column_outputs():
    from microgradx import Value

    x = np.array([[0.5], [-1.5], [2.0]])
    for name, y in [
        ("hinge_loss", [1, -1, -1]),
        ("mse_loss", [0.1, 0.2, 0.3]),
        ("binary_cross_entropy_with_logits", [0, 1, 1]),
    ]:
        fn = getattr(losses, name)
        assert fn(Tensor(x), y).item() == pytest.approx(fn([Value(v) for v in x[:, 0]], y).data, rel=1e-12)


def test_tensor_losses_reject_bad_targets():
    t = Tensor(np.zeros(3))
    with pytest.raises(ValueError, match="hinge_loss: labels must be -1 or \\+1"):
        losses.hinge_loss(t, [1, 0, 1])
    with pytest.raises(ValueError, match="mse_loss: outputs of shape \\(3,\\) but targets of shape \\(2,\\)"):
        losses.mse_loss(t, [1, 2])
    with pytest.raises(ValueError, match="must lie in \\[0, 1\\]"):
        losses.binary_cross_entropy_with_logits(t, [0, 2, 1])
    with pytest.raises(ValueError, match="outside \\(0, 1\\)"):
        losses.binary_cross_entropy(t, [0, 1, 1])
    logits = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="class index 3 outside 0..2"):
        losses.cross_entropy(logits, [0, 3])
    with pytest.raises(TypeError, match="integer class indices"):
        losses.cross_entropy(logits, [0.5, 1])
    with pytest.raises(ValueError, match="targets of shape \\(3,\\) do not fit logits of shape \\(2, 3\\)"):
        losses.cross_entropy(logits, [0, 1, 2])


def test_accuracy_and_l2_on_tensors():
    assert losses.accuracy(Tensor([[2.0], [-1.0], [0.5]]), [1, 1, -1]) == pytest.approx(1 / 3)
    assert losses.accuracy(Tensor([[0.1, 0.9], [0.8, 0.2]]), [1, 1]) == 0.5
    w = Tensor([1.0, -2.0], requires_grad=True)
    penalty = losses.l2_penalty([w, Tensor([[3.0]], requires_grad=True)], 0.5)
    penalty.backward()
    assert penalty.item() == 7.0
    np.testing.assert_array_equal(w.grad, [1.0, -2.0])


# ---- optimizers on Tensor parameters -----------------------------------------------------------------


@pytest.mark.parametrize(
    "make, make_torch",
    [
        (lambda p: optim.SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (
            lambda p: optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3, nesterov=True),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3, nesterov=True),
        ),
        (
            lambda p: optim.Adam(p, lr=0.01, weight_decay=1e-3),
            lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=1e-3),
        ),
    ],
    ids=["sgd", "nesterov", "adam"],
)
def test_optimizers_on_tensor_parameters_follow_torch(make, make_torch):
    model = cnn()
    tmodel = to_torch(model, torch_cnn())
    opt, topt = make(model.parameters()), make_torch(tmodel.parameters())
    x = np.random.default_rng(3).normal(size=(6, 1, 8, 8))
    y = np.arange(6)
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        losses.cross_entropy(model(x), y).backward()
        F.cross_entropy(tmodel(torch.tensor(x)), torch.tensor(y)).backward()
        opt.step()
        topt.step()
    tparams = dict(tmodel.named_parameters())
    for name, p in model.named_parameters():
        close(p.data, tparams[name], rtol=1e-9)


def test_doctests():
    result = doctest.testmod(layers, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
    result = doctest.testmod(losses)
    assert result.attempted > 0 and result.failed == 0


# ---- a real model ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cnn_learns_digits_to_95_percent():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X, y = (digits.images / 16.0)[:, None], digits.target
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    model = cnn(seed=0)
    opt = optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    for epoch in range(6):
        opt.lr = 0.01 if epoch < 4 else 0.001
        order = rng.permutation(len(Xtr))
        for i in range(0, len(order), 32):
            batch = order[i : i + 32]
            opt.zero_grad()
            losses.cross_entropy(model(Xtr[batch]), ytr[batch]).backward()
            opt.step()
    assert losses.accuracy(model(Xte), yte) >= 0.95


def test_load_state_dict_copies_in_place_and_names_bad_keys():
    lin = nn.Linear(2, 3, seed=0)
    view = lin.weight.data
    lin.load_state_dict({"weight": np.ones((3, 2)), "bias": np.zeros(3)})
    assert view is lin.weight.data and (view == 1).all()
    with pytest.raises(TypeError, match=r"state_dict\['bias'\].*complex"):
        lin.load_state_dict({"weight": np.ones((3, 2)), "bias": np.zeros(3, dtype=complex)})
    with pytest.raises(TypeError, match=r"state_dict\['weight'\]"):
        lin.load_state_dict({"weight": np.array([["a", "b"]] * 3), "bias": np.zeros(3)})
    assert (lin.weight.data == 1).all() and (lin.bias.data == 0).all()


def test_shared_layers_are_counted_once():
    lin = nn.Linear(2, 2, seed=0)
    model = nn.Sequential(lin, nn.ReLU(), lin)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
