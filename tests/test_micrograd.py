"""micrograd users switch by changing one import: micrograd 0.1.0 (PyPI) is the reference.

The same weights under `random.seed`, the same demo losses, the lecture's node-by-node `_backward()`,
micrograd's hand-built nodes, and micrograd's own test file with only its import changed.
"""

import gc
import math
import random

import pytest
import torch

from microgradx import Value, gc_paused
from microgradx.nn import MLP, Layer, Neuron

mg_engine = pytest.importorskip("micrograd.engine", reason="pip install 'micrograd==0.1.0' (in the test extra)")
mg_nn = pytest.importorskip("micrograd.nn")


@pytest.fixture
def global_random():
    """Seed Python's global `random` as micrograd's demo does, and leave it as it was."""
    state = random.getstate()
    yield random.seed
    random.setstate(state)


def weights(model) -> list[float]:
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize("sizes", [[16, 16, 1], [4, 3], [1]])
def test_random_seed_gives_micrograds_weights(global_random, sizes):
    global_random(1337)
    theirs = mg_nn.MLP(2, sizes)
    after_theirs = random.random()
    global_random(1337)
    ours = MLP(2, sizes)
    assert weights(ours) == weights(theirs)  # exact: the same draws in the same order
    assert random.random() == after_theirs  # and no more draws than micrograd makes


def test_without_seed_two_models_differ_and_seed_is_its_own_stream(global_random):
    assert weights(MLP(2, [3, 1])) != weights(MLP(2, [3, 1]))
    global_random(0)
    before = random.getstate()
    seeded = MLP(2, [3, 1], seed=7)
    assert random.getstate() == before  # seed= never touches the global generator
    assert weights(seeded) == weights(MLP(2, [3, 1], seed=7))


def micrograd_demo_losses(model, value_cls, X, y, steps: int) -> list[float]:
    """The losses of micrograd's demo.ipynb training loop, `steps` steps."""
    out = []
    for k in range(steps):
        gc.collect()  # micrograd's graphs are reference cycles: free the last one, then build without the collector
        with gc_paused():
            out.append(demo_step(model, value_cls, X, y, k))
    gc.collect()
    return out


def demo_step(model, value_cls, X, y, k: int) -> float:
    """One step of micrograd's demo.ipynb loop (full batch), as written there but for the Value class."""
    inputs = [list(map(value_cls, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total_loss.data


def test_demo_first_ten_losses_equal_micrograds(global_random):
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=100, noise=0.1, random_state=1337)  # the demo's np.random.seed(1337)
    X, y = X.tolist(), (y * 2 - 1).tolist()
    global_random(1337)
    theirs = micrograd_demo_losses(mg_nn.MLP(2, [16, 16, 1]), mg_engine.Value, X, y, 10)
    global_random(1337)
    ours = micrograd_demo_losses(MLP(2, [16, 16, 1]), Value, X, y, 10)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)
    assert ours[-1] < ours[0]  # it learns


def lecture_neuron(value_cls, squash):
    """The lecture's neuron, o = squash(x1*w1 + x2*w2 + b), and its nodes outputs first."""
    x1, x2 = value_cls(2.0), value_cls(0.0)
    w1, w2 = value_cls(-3.0), value_cls(1.0)
    b = value_cls(6.8813735870195432)
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = squash(n)
    return o, [o, n, b, x1w1x2w2, x2w2, x1w1, x2, w2, x1, w1], [x1, x2, w1, w2, b]


@pytest.mark.parametrize("squash", [lambda n: n.tanh(), lambda n: n.relu(), lambda n: n.sigmoid(), lambda n: n.exp()])
def test_lectures_backward_by_hand_equals_backward(squash):
    o, walk, leaves = lecture_neuron(Value, squash)
    o.grad = 1.0
    for node in walk:
        node._backward()
    by_hand = [v.grad for v in leaves]
    inner = [v.grad for v in walk]
    o2, walk2, leaves2 = lecture_neuron(Value, squash)
    o2.backward()
    assert by_hand == [v.grad for v in leaves2]
    assert inner == [v.grad for v in walk2]
    assert by_hand[0] == pytest.approx(-3.0 * walk2[1].grad)  # dx1 = w1 * dn


def test_backward_by_hand_matches_micrograds_walk():
    ours, our_walk, our_leaves = lecture_neuron(Value, lambda n: n.relu())
    theirs, their_walk, their_leaves = lecture_neuron(mg_engine.Value, lambda n: n.relu())
    ours.grad = theirs.grad = 1.0
    for a, b in zip(our_walk, their_walk, strict=True):
        a._backward()
        b._backward()
    assert [v.grad for v in our_leaves] == [v.grad for v in their_leaves] == [-3.0, 1.0, 2.0, 0.0, 1.0]


def test_backward_by_hand_passes_the_gradient_once_per_call():
    a, b = Value(3.0), Value(4.0)
    c = a * b
    c.grad = 2.0
    c._backward()
    assert (a.grad, b.grad) == (8.0, 6.0)
    a._backward()  # a leaf has no inputs: nothing to pass
    assert (a.grad, b.grad) == (8.0, 6.0)


def test_hand_built_nodes_as_micrograd_builds_them():
    a, b = Value(2.0), Value(-3.0)
    s = Value(a.data + b.data, _children=(a, b), _op="+")
    p = Value(a.data * b.data, (a, b), "*")
    assert s._prev == (a, b) and s._op == "+" and s._local == (1.0, 1.0)
    (s * p).backward()
    # d(s p)/da = p + s b, d/db = p + s a
    assert a.grad == pytest.approx(-6.0 + (-1.0) * -3.0) and b.grad == pytest.approx(-6.0 + (-1.0) * 2.0)
    t = Value(math.tanh(a.data), (a,), "tanh", (1 - math.tanh(2.0) ** 2,))
    assert t._local == (pytest.approx(1 - math.tanh(2.0) ** 2),)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda a: Value(5.0, _children=(a,), _op="tanh"), ["local derivatives", "'tanh'", "_local"]),
        (lambda a: Value(5.0, (a, a, a), "*"), ["one or two inputs", "3"]),
        (lambda a: Value(5.0, (a, 2.0), "+"), ["inputs must be Values", "float"]),
        (lambda a: Value(5.0, (a,), "f", (1.0, 2.0)), ["1 input", "2 local"]),
        (lambda a: Value(5.0, (a,), _children=(a,)), ["_children or _prev"]),
    ],
)
def test_hand_built_node_without_local_derivatives_fails_when_made(make, words):
    with pytest.raises(TypeError) as info:
        make(Value(1.0))
    for word in words:
        assert word in str(info.value)


def test_micrograds_positional_nonlin():
    assert Neuron(2, False).activation == "linear"
    assert Neuron(2, True).activation == "relu"
    assert Neuron(2, nonlin=False).activation == "linear"
    assert not Neuron(2, False).nonlin
    assert Layer(2, 3, nonlin=False).neurons[0].activation == "linear"


def test_layer_of_one_returns_a_list_where_micrograd_returns_the_value():
    # documented in the README ("Coming from micrograd"): a Layer always returns a list, an MLP unwraps one output
    random.seed(3)
    theirs = mg_nn.Layer(2, 1)
    random.seed(3)
    ours = Layer(2, 1)
    out_theirs, out_ours = theirs([1.0, 2.0]), ours([1.0, 2.0])
    assert isinstance(out_theirs, mg_engine.Value) and isinstance(out_ours, list)
    assert out_ours[0].data == out_theirs.data


# ---- the checks of micrograd's own test file (test/test_engine.py) ---------------------------------------
# Its three tests write one expression in micrograd and in torch and compare data and grad: here each
# expression runs in microgradx, in micrograd 0.1.0 itself and in torch (float64), with micrograd's tolerances.


def sanity(x):  # micrograd's test_sanity_check: relu, products, a value used many times
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def more_ops(a, b):  # micrograd's test_more_ops: the README's worked example
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


def run(value_cls, fn, xs):
    vs = [value_cls(x) for x in xs]
    out = fn(*vs)
    out.backward()
    return out.data, [v.grad for v in vs]


def run_torch(fn, xs):
    ts = [torch.tensor([x], dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward()
    return out.item(), [t.grad.item() for t in ts]


@pytest.mark.parametrize(("fn", "xs", "tol"), [(sanity, [-4.0], 0.0), (more_ops, [-4.0, 2.0], 1e-6)])
def test_micrograds_expressions(fn, xs, tol):
    ours, theirs, ref = run(Value, fn, xs), run(mg_engine.Value, fn, xs), run_torch(fn, xs)
    for got in (ours, theirs):
        assert abs(got[0] - ref[0]) <= tol  # forward pass went well (sanity: exactly, as micrograd asserts)
        for g, expected in zip(got[1], ref[1]):
            assert abs(g - expected) <= tol  # backward pass went well


@pytest.mark.parametrize(("op", "x"), [(op, x) for op in ("tanh", "exp") for x in (-1.0, 0.123, 2.0)])
def test_micrograds_unary_fns(op, x):  # micrograd's test_unary_tensor_fns (0.1.0 itself has neither op)
    ours = run(Value, lambda v: getattr(v, op)(), [x])
    ref = run_torch(lambda t: getattr(t, op)(), [x])
    assert abs(ours[0] - ref[0]) < 1e-6 and abs(ours[1][0] - ref[1][0]) < 1e-6
