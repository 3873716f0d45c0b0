"""Scalar nn: shapes, counts, seeds, errors, state_dict, and the moons demo reaching 100%."""

import math
import random

import pytest
import torch
from sklearn.datasets import make_moons

from microgradx import MLP, Layer, Neuron, Value, gc_paused
from microgradx.losses import hinge_loss, l2_penalty


def test_parameter_counts_match_the_architecture():
    assert len(Neuron(3).parameters()) == 4
    assert len(Layer(3, 5).parameters()) == 20
    model = MLP(2, [16, 16, 1], seed=0)
    assert len(model.parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    assert model.sizes == [2, 16, 16, 1]
    assert model.activations == ["relu", "relu", "linear"]


def test_named_parameters_are_stable_and_unique():
    model = MLP(2, [3, 1], seed=0)
    names = [n for n, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert len(set(names)) == len(names) == len(model.parameters())


def test_same_seed_same_weights_and_generator_accepted():
    a, b = MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=7)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in MLP(2, [4, 1], seed=8).parameters()]
    c = MLP(2, [4, 1], seed=random.Random(7))
    assert [p.data for p in a.parameters()] == [p.data for p in c.parameters()]
    with pytest.raises(TypeError, match="seed"):
        MLP(2, [1], seed="7")


def test_outputs_match_torch_with_the_same_weights():
    model = MLP(3, [4, 4, 2], activation="tanh", output_activation="sigmoid", seed=3)
    x = [0.5, -1.0, 2.0]
    out = model(x)
    assert isinstance(out, list) and len(out) == 2
    h = torch.tensor(x, dtype=torch.float64)
    for layer in model.layers:
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        act = layer.neurons[0].activation
        h = h @ W.T + b
        h = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "linear": lambda t: t}[act](h)
    assert [o.data for o in out] == pytest.approx(h.tolist(), rel=1e-12)


def test_single_output_is_a_value_and_inner_width_one_works():
    model = MLP(2, [1, 3, 1], seed=0)
    y = model([1.0, 2.0])
    assert isinstance(y, Value)
    y.backward()
    assert any(p.grad != 0 for p in model.parameters())
    assert isinstance(Layer(2, 1)([1.0, 2.0]), list)


def test_nonlin_spelling_of_micrograd():
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Neuron(2, nonlin=True).activation == "relu"


@pytest.mark.parametrize(
    ("make", "x", "message"),
    [
        (lambda: Layer(2, 3), [1.0, 2.0, 3.0], "Layer expects 2 inputs, got 3"),
        (lambda: Neuron(3), [1.0], "Neuron expects 3 inputs, got 1"),
        (lambda: MLP(2, [3, 1]), [1.0], "Layer expects 2 inputs, got 1"),
    ],
)
def test_wrong_input_length_is_a_clear_error(make, x, message):
    with pytest.raises(ValueError, match=message):
        make()(x)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="activation"):
        MLP(2, [3, 1], activation="swish")
    with pytest.raises(ValueError, match="nout"):
        Layer(2, 0)
    with pytest.raises(ValueError, match="nouts"):
        MLP(2, [])


def test_zero_grad_resets_accumulated_gradients():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip_is_exact_and_checked():
    a, b = MLP(2, [5, 1], seed=1), MLP(2, [5, 1], seed=2)
    state = a.state_dict()
    assert all(type(v) is float for v in state.values())
    b.load_state_dict(state)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    before = b.state_dict()
    bad = dict(state)
    bad.pop("layers.0.neurons.0.b")
    with pytest.raises(ValueError, match="missing"):
        b.load_state_dict(bad)
    wrong = dict(state, **{"layers.1.neurons.0.b": "zero"})
    with pytest.raises(TypeError, match="number"):
        b.load_state_dict(wrong)
    assert b.state_dict() == before  # a failed load changes nothing


def test_repr_is_readable():
    assert repr(MLP(2, [3, 1], seed=0)) == (
        "MLP(\n  (0): Layer(2, 3, activation='relu')\n  (1): Layer(3, 1, activation='linear')\n)"
    )
    assert repr(Neuron(2, "tanh")) == "Neuron(2, activation='tanh')"


@pytest.mark.slow
def test_moons_demo_reaches_100_percent_training_accuracy():
    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    rows = [[float(a), float(b)] for a, b in X]
    labels = [float(2 * t - 1) for t in y]
    model = MLP(2, [16, 16, 1], seed=1337)
    acc = 0.0
    for k in range(100):
        with gc_paused():
            scores = [model(r) for r in rows]
            loss = hinge_loss(scores, labels) + l2_penalty(model.parameters(), 1e-4)
            acc = sum((s.data > 0) == (t > 0) for s, t in zip(scores, labels)) / len(labels)
            model.zero_grad()
            loss.backward()
            lr = 1.0 - 0.9 * k / 100
            for p in model.parameters():
                p.data -= lr * p.grad
        if acc == 1.0:
            break
        assert math.isfinite(loss.data)
    assert acc == 1.0


def test_cached_activations_are_not_parameters():
    from microgradx.nn import Module

    class Scaled(Module):
        def __init__(self):
            self.w = Value(1.5)

        def forward(self, x):
            self.last = self.w * x  # kept to plot it, as lessons do
            return self.last

    m = Scaled()
    m(2.0)
    assert [n for n, _ in m.named_parameters()] == ["w"]
    Scaled().load_state_dict(m.state_dict())


def test_a_shared_module_is_listed_once():
    from microgradx.nn import Module

    class Twice(Module):
        def __init__(self):
            self.first = Neuron(2, seed=0)
            self.second = self.first

    names = [n for n, _ in Twice().named_parameters()]
    assert names == ["first.w.0", "first.w.1", "first.b"]


# ---- the activation table and the model read as arrays ------------------------------------------------


def test_one_activation_table_agrees_in_every_form():
    import numpy as np

    from microgradx import Tensor, nn

    assert list(nn.ACTIVATIONS) == ["tanh", "relu", "sigmoid", "linear"]
    z = np.linspace(-30, 30, 61)
    for name, act in nn.ACTIVATIONS.items():
        assert act.name == name
        scalar = [act.scalar(Value(float(v))).data for v in z]
        np.testing.assert_allclose(act.numpy(z.copy()), scalar, rtol=1e-13, atol=1e-300)
        expected = torch.from_numpy(z) if act.torch is None else getattr(torch.nn, act.torch)()(torch.from_numpy(z))
        np.testing.assert_allclose(scalar, expected.numpy(), rtol=1e-13, atol=1e-300)
        if act.layer is not None:
            np.testing.assert_array_equal(act.layer()(Tensor(z)).data, act.numpy(z))
        neuron = Neuron(1, name, seed=0)  # the scalar Neuron applies the table's op
        assert neuron([2.0]).data == act.scalar(Value(2.0 * neuron.w[0].data)).data
    assert nn.ACTIVATIONS["linear"].layer is None and nn.ACTIVATIONS["linear"].torch is None


def test_every_activation_list_is_the_table():
    from microgradx import interop, nn
    from microgradx.nn import mlp

    assert list(mlp.ACTIVATIONS) == list(nn.ACTIVATIONS)
    assert [a.torch for a in nn.ACTIVATIONS.values() if a.torch] == list(interop.SUPPORTED[-3:])
    with pytest.raises(ValueError, match="choose one of tanh, relu, sigmoid, linear"):
        MLP(2, [1], activation="swish")


def test_dense_layers_reads_scalar_and_tensor_stacks_as_float64_copies():
    import numpy as np

    from microgradx.nn import Linear, ReLU, Sequential, Tanh, dense_layers

    model = MLP(2, [3, 1], activation="tanh", seed=0)
    layers = dense_layers(model)
    assert [(layer.W.shape, layer.b.shape, layer.activation) for layer in layers] == [
        ((3, 2), (3,), "tanh"),
        ((1, 3), (1,), "linear"),
    ]
    assert layers[0].W[1, 0] == model.layers[0].neurons[1].w[0].data
    stack = Sequential(Linear(2, 4, seed=0, dtype=np.float32), ReLU(), Linear(4, 1, bias=False, seed=1), Tanh())
    W, b, act = dense_layers(stack)[0]
    assert W.dtype == np.float64 and act == "relu" and dense_layers(stack)[1].activation == "tanh"
    W[...] = 0  # a copy: the model is untouched
    assert np.abs(stack.layers[0].weight.data).sum() > 0
    np.testing.assert_array_equal(dense_layers(stack)[1].b, [0.0])
    assert dense_layers(Sequential(Linear(2, 3, seed=0), Linear(4, 1, seed=0))) is None  # widths do not chain
    assert dense_layers(Sequential(ReLU(), Linear(2, 1, seed=0))) is None
    assert dense_layers(Linear(2, 1, seed=0)) is None


def test_plot_and_train_do_not_reexport_predict():
    from microgradx import nn, plot, train

    assert "predict" not in plot.__all__ and "predict" not in train.__all__
    assert "predict" in nn.__all__ and "dense_layers" in nn.__all__


def _blas_threads() -> int:
    from threadpoolctl import threadpool_info

    return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


@pytest.fixture
def blas_at_two():
    """OpenBLAS at 2 threads (whatever the machine), no thread holding threadpoolctl's control; restored after."""
    from threadpoolctl import OpenBLASController, ThreadpoolController

    limiter = ThreadpoolController().limit(limits=2, user_api="blas")
    OpenBLASController.clear_controlling_thread(force=True)
    assert _blas_threads() == 2
    yield
    limiter.restore_original_limits()
    OpenBLASController.clear_controlling_thread(force=True)


def test_the_one_blas_thread_limit_nests_across_threads(blas_at_two):
    import threading

    from microgradx.nn.arrays import one_blas_thread

    entered, left = threading.Barrier(2), threading.Event()
    seen = []

    def first():  # enters, waits for the second to enter, leaves first
        with one_blas_thread():
            entered.wait()
            seen.append(_blas_threads())
        left.set()

    def second():  # enters after the first, leaves last
        with one_blas_thread():
            entered.wait()
            left.wait()
            seen.append(_blas_threads())  # the first has left: still one thread while this one runs

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [1, 1]
    assert _blas_threads() == 2  # the last one out put the original back


def test_two_trainers_in_two_threads_leave_blas_as_it_was(blas_at_two):
    import threading

    from microgradx.data import moons
    from microgradx.nn import Linear, Sequential, Tanh
    from microgradx.train import Trainer

    trainers = [
        Trainer(Sequential(Linear(2, 8, seed=s), Tanh(), Linear(8, 1, seed=s)), "hinge", "sgd", moons(200, seed=s))
        for s in range(2)
    ]
    threads = [threading.Thread(target=t.fit, args=(200,)) for t in trainers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [len(t.history) for t in trainers] == [200, 200]
    assert _blas_threads() == 2
