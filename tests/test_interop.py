"""`to_torch` / `from_torch`: the same function on both sides, outputs and gradients to 1e-12 in float64."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from microgradx import MLP, Tensor  # noqa: E402
from microgradx.interop import SUPPORTED, from_torch, to_torch  # noqa: E402
from microgradx.nn import Conv2d, Flatten, Linear, MaxPool2d, Neuron, ReLU, Sequential, Sigmoid, Tanh  # noqa: E402

TOL = dict(rtol=1e-12, atol=1e-12)


def scalar_grads(model: MLP):
    """Our MLP's gradients laid out as torch's Linear weight (out, in) and bias (out,) arrays."""
    out = []
    for layer in model.layers:
        out.append(np.array([[w.grad for w in n.w] for n in layer.neurons]))
        out.append(np.array([n.b.grad for n in layer.neurons]))
    return out


def points(n=7, d=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


# ---- scalar MLP -> torch -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "activation, output_activation", [("relu", "linear"), ("tanh", "sigmoid"), ("sigmoid", "tanh"), ("linear", "relu")]
)
def test_scalar_mlp_to_torch_same_outputs_and_gradients(activation, output_activation):
    model = MLP(2, [5, 4, 3], activation=activation, output_activation=output_activation, seed=3)
    net = to_torch(model)
    X = points()
    assert all(p.dtype == torch.float64 for p in net.parameters())

    outs = [model(list(x)) for x in X]
    loss = sum(o * (i + 1) for row, i in zip(outs, range(len(outs))) for o in row)  # weights every output
    loss.backward()

    t_out = net(torch.tensor(X))
    t_loss = (t_out * torch.arange(1, len(X) + 1, dtype=torch.float64)[:, None]).sum()
    t_loss.backward()

    np.testing.assert_allclose(t_out.detach().numpy(), [[o.data for o in row] for row in outs], **TOL)
    np.testing.assert_allclose(t_loss.item(), loss.data, **TOL)
    for ours, theirs in zip(scalar_grads(model), [p.grad.numpy() for p in net.parameters()], strict=True):
        np.testing.assert_allclose(ours, theirs, **TOL)


@settings(max_examples=20, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_scalar_mlp_round_trip_through_torch_is_exact(sizes, activation, seed):
    model = MLP(3, sizes, activation=activation, output_activation="tanh", seed=seed)
    net = to_torch(model)
    back = from_torch(net, scalar=True)
    assert repr(back) == repr(model)
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]  # bit for bit
    X = points(4, 3, seed=seed % 1000)
    theirs = net(torch.tensor(X)).detach().numpy()
    ours = np.array([[o.data for o in (y if isinstance(y, list) else [y])] for y in map(model, X)])
    np.testing.assert_allclose(theirs.reshape(ours.shape), ours, **TOL)


def test_to_torch_leaves_torch_global_generator_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    to_torch(MLP(2, [8, 1], seed=0))
    to_torch(Sequential(Conv2d(1, 2, 3, seed=0), Flatten(), Linear(2, 1, seed=0)))
    assert torch.equal(torch.rand(3), expected)


# ---- Tensor models <-> torch -------------------------------------------------------------------------


def cnn(dtype=np.float64):
    return Sequential(
        Conv2d(1, 4, 3, padding=1, seed=0, dtype=dtype),
        ReLU(),
        MaxPool2d(2),
        Conv2d(4, 3, 3, stride=2, bias=False, seed=1, dtype=dtype),
        Tanh(),
        Flatten(),
        Linear(3, 5, seed=2, dtype=dtype),
        Sigmoid(),
        Linear(5, 2, bias=False, seed=3, dtype=dtype),
    )


def test_tensor_cnn_to_torch_same_outputs_and_gradients():
    model = cnn()
    net = to_torch(model)
    X = np.random.default_rng(1).normal(size=(3, 1, 8, 8))

    x = Tensor(X, requires_grad=True)
    out = model(x)
    (out * out).sum().backward()
    tx = torch.tensor(X, requires_grad=True)
    t_out = net(tx)
    (t_out * t_out).sum().backward()

    np.testing.assert_allclose(t_out.detach().numpy(), out.data, **TOL)
    np.testing.assert_allclose(tx.grad.numpy(), x.grad, **TOL)
    theirs = dict(net.named_parameters())
    assert list(theirs) == [name for name, _ in model.named_parameters()]
    for name, p in model.named_parameters():
        np.testing.assert_allclose(theirs[name].grad.numpy(), p.grad, **TOL, err_msg=name)


def test_tensor_model_from_torch_same_outputs_and_gradients():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Sequential(torch.nn.Linear(6, 3), torch.nn.ReLU())
    ).double()
    model = from_torch(net)
    assert isinstance(model, Sequential) and isinstance(model[2], Sequential)
    X = points(5, 4)
    t_out = net(torch.tensor(X))
    t_out.sum().backward()
    out = model(X)
    out.sum().backward()
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), **TOL)
    for (name, p), (t_name, q) in zip(model.named_parameters(), net.named_parameters(), strict=True):
        assert name == t_name
        np.testing.assert_allclose(p.grad, q.grad.numpy(), **TOL)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensor_round_trip_keeps_dtype_and_bits(dtype):
    model = cnn(dtype)
    net = to_torch(model)
    assert {p.dtype for p in net.parameters()} == {getattr(torch, np.dtype(dtype).name)}
    back = from_torch(net)
    assert repr(back) == repr(model)
    for (name, p), (name2, q) in zip(model.named_parameters(), back.named_parameters(), strict=True):
        assert name == name2 and q.data.dtype == dtype
        np.testing.assert_array_equal(p.data, q.data)
        assert q.requires_grad
    X = np.random.default_rng(2).normal(size=(2, 1, 8, 8)).astype(dtype)
    np.testing.assert_array_equal(back(X).data, model(X).data)


def test_to_torch_dtype_argument_and_single_layers():
    layer = Linear(3, 2, seed=0)
    net = to_torch(layer, dtype=torch.float32)
    assert isinstance(net, torch.nn.Linear) and net.weight.dtype == torch.float32
    np.testing.assert_array_equal(net.weight.detach().numpy(), layer.weight.data.astype(np.float32))
    assert isinstance(to_torch(ReLU()), torch.nn.ReLU)
    pool = from_torch(torch.nn.MaxPool2d(3, stride=1, padding=1))
    assert (pool.kernel_size, pool.stride, pool.padding) == ((3, 3), (1, 1), (1, 1))
    net32 = to_torch(MLP(2, [3, 1], seed=0), dtype=torch.float32)
    assert {p.dtype for p in net32.parameters()} == {torch.float32}


# ---- what cannot be converted ------------------------------------------------------------------------


def test_unsupported_layers_raise_clear_errors():
    with pytest.raises(TypeError, match=r"to_torch: cannot convert a Neuron; supported layers: Sequential, Linear"):
        to_torch(Neuron(2, seed=0))
    with pytest.raises(TypeError, match="needs a microgradx Module, got list"):
        to_torch([Linear(2, 2, seed=0)])
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
    with pytest.raises(TypeError, match=r"from_torch: cannot convert a Dropout; supported layers: " + SUPPORTED[0]):
        from_torch(net)
    with pytest.raises(TypeError, match="needs a torch.nn.Module, got ndarray"):
        from_torch(np.zeros(3))
    with pytest.raises(ValueError, match=r"Conv2d\(dilation=\(2, 2\)\) is not supported"):
        from_torch(torch.nn.Conv2d(1, 1, 3, dilation=2))
    with pytest.raises(ValueError, match=r"Conv2d\(padding='same'\)"):
        from_torch(torch.nn.Conv2d(1, 1, 3, padding="same"))
    with pytest.raises(ValueError, match=r"MaxPool2d\(ceil_mode=True\)"):
        from_torch(torch.nn.MaxPool2d(2, ceil_mode=True))
    with pytest.raises(TypeError, match="float32 or float64, got torch.float16"):
        from_torch(torch.nn.Linear(2, 2).half())


def test_scalar_from_torch_rejects_what_an_mlp_cannot_be():
    with pytest.raises(TypeError, match=r"from_torch\(scalar=True\): cannot convert a Conv2d"):
        from_torch(torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3)), scalar=True)
    with pytest.raises(TypeError, match="cannot convert a ReLU"):  # an activation with no Linear before it
        from_torch(torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 1)), scalar=True)
    with pytest.raises(ValueError, match="hidden layers must share one activation"):
        seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 3), torch.nn.Tanh())
        from_torch(torch.nn.Sequential(*seq, torch.nn.Linear(3, 1)), scalar=True)
    with pytest.raises(ValueError, match="needs a bias"):
        from_torch(torch.nn.Linear(2, 1, bias=False), scalar=True)
    with pytest.raises(ValueError, match="sizes do not match"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)), scalar=True)


def test_torch_is_optional():
    code = "import sys, microgradx.interop; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_torch_gives_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError, match="needs PyTorch: pip install torch"):
        to_torch(MLP(2, [1], seed=0))
