"""The Tensor engine: every op's value and gradient against PyTorch float64, plus the autograd contract."""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import microgradx
from microgradx import Tensor, Value, engine, im2col
from microgradx import tensor as tensor_module
from microgradx.tensor import conv2d, linear, max_pool2d

RTOL, ATOL = 1e-10, 1e-12


def close(ours, theirs, rtol=RTOL, atol=ATOL):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def check(op, torch_op, *arrays, grads=None):
    """op on Tensors and torch_op on torch float64 tensors agree in value and in every input's gradient.

    The upstream gradient is a random array (not ones), so each op's vector-Jacobian product is tested.
    """
    grads = [True] * len(arrays) if grads is None else grads
    ours = [Tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=g) for a, g in zip(arrays, grads)]
    out, ref = op(*ours), torch_op(*theirs)
    assert out.shape == tuple(ref.shape)
    close(out.data, ref)
    upstream = np.random.default_rng(1).normal(size=out.shape)
    mapping = out.backward(upstream)
    ref.backward(torch.tensor(upstream))
    for t, r, g in zip(ours, theirs, grads):
        if g:
            assert t.grad.shape == t.shape
            close(t.grad, r.grad)
            close(mapping[t], r.grad)
        else:
            assert t not in mapping
            assert not t.grad.any()
    return out


def rand(*shape, seed=0, low=None):
    x = np.random.default_rng(seed).normal(size=shape)
    return np.abs(x) + low if low is not None else x


# ---- elementwise ------------------------------------------------------------------------------------

BROADCAST = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((), (3,)), ((5,), ())]
BINARY = {
    "+": (lambda a, b: a + b),
    "-": (lambda a, b: a - b),
    "*": (lambda a, b: a * b),
    "/": (lambda a, b: a / b),
}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", BROADCAST, ids=str)
def test_binary_ops_broadcast_and_reduce_gradients(name, shapes):
    fn = BINARY[name]
    check(fn, fn, rand(*shapes[0], seed=1), rand(*shapes[1], seed=2, low=0.5))


@settings(max_examples=40, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4), name=st.sampled_from(list(BINARY)))
def test_binary_ops_on_any_broadcastable_shapes(shapes, name):
    fn = BINARY[name]
    a, b = shapes.input_shapes
    check(fn, fn, rand(*a, seed=3), rand(*b, seed=4, low=0.5))


def test_scalars_and_arrays_on_either_side():
    x = rand(3, 4)
    check(lambda t: 2.0 - t * 3 + 1 / (t * t + 1) - t / 2, lambda t: 2.0 - t * 3 + 1 / (t * t + 1) - t / 2, x)
    c = rand(4, seed=5)
    check(lambda t: c * t + c, lambda t: torch.tensor(c) * t + torch.tensor(c), x)


def test_constant_inputs_get_no_gradient():
    check(lambda a, b: a * b + b, lambda a, b: a * b + b, rand(3), rand(3, seed=1), grads=[True, False])


UNARY = [
    ("relu", lambda t: t.relu(), torch.relu, None),
    ("tanh", lambda t: t.tanh(), torch.tanh, None),
    ("sigmoid", lambda t: t.sigmoid(), torch.sigmoid, None),
    ("exp", lambda t: t.exp(), torch.exp, None),
    ("log", lambda t: t.log(), torch.log, 0.1),
    ("softplus", lambda t: t.softplus(), F.softplus, None),
    ("abs", lambda t: abs(t), torch.abs, None),
    ("neg", lambda t: -t, torch.neg, None),
    ("pow2", lambda t: t**2, lambda t: t**2, None),
    ("pow3", lambda t: t**3, lambda t: t**3, None),
    ("pow-1", lambda t: t**-1, lambda t: t**-1, 0.1),
    ("sqrt", lambda t: t**0.5, torch.sqrt, 0.1),
    ("rpow", lambda t: 2.0**t, lambda t: 2.0**t, None),
]


@pytest.mark.parametrize("name, op, torch_op, low", UNARY, ids=[u[0] for u in UNARY])
def test_unary_ops(name, op, torch_op, low):
    check(op, torch_op, rand(4, 5, low=low))


def test_sigmoid_and_softplus_are_stable_for_large_inputs():
    x = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    check(lambda t: t.sigmoid(), torch.sigmoid, x)
    check(lambda t: t.softplus(), F.softplus, x)


def test_pow_with_tensor_exponent():
    check(lambda a, b: a**b, lambda a, b: a**b, rand(3, 4, low=0.1), rand(4, seed=2))


def test_relu_at_zero_has_zero_gradient_like_torch():
    check(lambda t: t.relu(), torch.relu, np.array([-1.0, 0.0, 1.0]))


# ---- matmul, reductions, shapes ----------------------------------------------------------------------

MATMUL = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (1, 4, 5))]


@pytest.mark.parametrize("shapes", MATMUL, ids=str)
def test_matmul(shapes):
    check(lambda a, b: a @ b, lambda a, b: a @ b, rand(*shapes[0], seed=1), rand(*shapes[1], seed=2))


def test_matmul_with_an_array_on_the_left():
    w = rand(4, 2, seed=3)
    out = check(lambda t: t @ w, lambda t: t @ torch.tensor(w), rand(3, 4))
    assert isinstance(np.ones((5, 3)) @ out, Tensor)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "amax"])
def test_reductions(name, axis, keepdims):
    def ref(t):
        if axis is None and not keepdims:
            return getattr(t, name)()
        dims = tuple(range(t.ndim)) if axis is None else axis
        return getattr(t, name)(dim=dims, keepdim=keepdims)

    check(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), ref, rand(2, 3, 4))


def test_reduction_accepts_torch_spelling():
    x = Tensor(rand(2, 3))
    np.testing.assert_array_equal(x.sum(dim=1, keepdim=True).data, x.data.sum(axis=1, keepdims=True))


def test_amax_splits_the_gradient_between_ties_like_torch():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
    check(lambda t: t.amax(axis=1), lambda t: t.amax(dim=1), x)
    check(lambda t: t.max(), lambda t: t.max(), x)


def test_max_over_a_dim_refuses_instead_of_unpacking_wrongly():
    """torch's t.max(dim) returns (values, indices); ours would unpack a different thing, so it says so."""
    with pytest.raises(TypeError, match="amax"):
        Tensor(rand(2, 3)).max(dim=1)
    with pytest.raises(TypeError, match="not iterable"):
        iter(Tensor(rand(2, 3)))


def test_relu_gives_plus_zero_and_maps_minus_inf_to_zero():
    out = Tensor([-3.0, -np.inf, 2.0, np.nan]).relu().data
    assert not np.signbit(out[:2]).any() and out[2] == 2.0 and np.isnan(out[3])


@pytest.mark.parametrize("p", [0.0, 0.5, 2.0])
def test_power_at_zero_matches_torch(p):
    x = np.array([0.0, 1.0, 2.0])
    if p == 0.5:  # d sqrt(x)/dx is inf at 0 in both engines; compare away from it
        x = x[1:]
    check(lambda t: t**p, lambda t: t**p, x)
    y = np.full_like(x, p)
    check(lambda t: t ** Tensor(y), lambda t: t ** torch.tensor(y), x)


def test_linear_checks_the_bias_shape():
    with pytest.raises(ValueError, match=r"bias of shape \(3, 1\)"):
        linear(Tensor(np.ones((3, 2))), Tensor(np.ones((3, 2))), Tensor(np.zeros((3, 1))))


def test_max_pool2d_accepts_an_array():
    out = max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    np.testing.assert_array_equal(out.data, [[[[5.0, 7.0], [13.0, 15.0]]]])


@settings(max_examples=30, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=4, max_side=4), data=st.data())
def test_sum_and_mean_over_any_axes(shape, data):
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1).map(tuple))
    check(
        lambda t: t.sum(axis=axes) * 2 + t.mean(axis=axes),
        lambda t: t.sum(dim=axes) * 2 + t.mean(dim=axes),
        rand(*shape),
    )


def test_reshape_transpose_permute_flatten():
    x = rand(2, 3, 4)
    check(lambda t: t.reshape(4, -1), lambda t: t.reshape(4, -1), x)
    check(lambda t: t.reshape((6, 4)).T, lambda t: t.reshape(6, 4).T, x)
    check(lambda t: t.transpose(0, 2), lambda t: t.transpose(0, 2), x)
    check(lambda t: t.transpose(), lambda t: t.permute(2, 1, 0), x)
    check(lambda t: t.permute(1, 2, 0), lambda t: t.permute(1, 2, 0), x)
    check(lambda t: t.flatten(1), lambda t: t.flatten(1), x)
    check(lambda t: t.transpose(0, 1), lambda t: t.transpose(0, 1), rand(3, 5))


INDEXES = [
    1,
    (slice(None), 2),
    (slice(0, 2), slice(None, None, 2)),
    (Ellipsis, None, -1),
    ([0, 2, 0], slice(None)),  # fancy with a repeat: gradients add up
    (np.array([0, 1, 1]), np.array([3, 0, 0])),
    np.array([True, False, True]),
]


@pytest.mark.parametrize("index", INDEXES, ids=[str(i) for i in range(len(INDEXES))])
def test_indexing_and_slicing(index):
    torch_index = (
        tuple(torch.tensor(i) if isinstance(i, (list, np.ndarray)) else i for i in index)
        if isinstance(index, tuple)
        else (torch.tensor(index) if isinstance(index, np.ndarray) else index)
    )
    check(lambda t: t[index], lambda t: t[torch_index], rand(3, 4))


def test_index_with_a_tensor():
    x = Tensor(rand(5), requires_grad=True)
    x[Tensor([1.0, 1.0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 2, 0, 0, 0])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_log_softmax(axis):
    x = rand(3, 4) * 10
    check(lambda t: t.softmax(axis), lambda t: t.softmax(dim=axis), x)
    check(lambda t: t.log_softmax(axis=axis), lambda t: t.log_softmax(dim=axis), x)


def test_log_softmax_is_stable():
    check(lambda t: t.log_softmax(), lambda t: t.log_softmax(dim=-1), np.array([[1000.0, 0.0, -1000.0]]))


# ---- layers as functions -----------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xshape", [(5, 3), (2, 5, 3)])
def test_linear(bias, xshape):
    arrays = [rand(*xshape), rand(4, 3, seed=1)] + ([rand(4, seed=2)] if bias else [])
    check(lambda *t: linear(*t), lambda *t: F.linear(*t), *arrays)


CONV = [  # x shape, weight shape, stride, padding
    ((2, 1, 8, 8), (3, 1, 3, 3), 1, 0),
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 1),
    ((1, 2, 9, 9), (3, 2, 3, 3), 2, 1),
    ((2, 2, 8, 7), (2, 2, 2, 3), (2, 1), (0, 2)),
    ((1, 1, 5, 5), (2, 1, 5, 5), 3, 2),
]


@pytest.mark.parametrize("xs, ws, stride, padding", CONV, ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d(xs, ws, stride, padding, bias):
    arrays = [rand(*xs), rand(*ws, seed=1)] + ([rand(ws[0], seed=2)] if bias else [])
    check(
        lambda x, w, *b: conv2d(x, w, *b, stride=stride, padding=padding),
        lambda x, w, *b: F.conv2d(x, w, *b, stride=stride, padding=padding),
        *arrays,
    )


def test_conv2d_input_that_needs_no_gradient():
    check(lambda x, w: x.conv2d(w, padding=1), lambda x, w: F.conv2d(x, w, padding=1), rand(2, 1, 5, 5),
          rand(2, 1, 3, 3, seed=1), grads=[False, True])  # fmt: skip


POOL = [((2, 3, 8, 8), 2, None, 0), ((1, 2, 7, 7), 3, 2, 1), ((2, 1, 6, 5), (2, 3), 1, (1, 1)), ((1, 1, 5, 5), 3, 1, 0)]


@pytest.mark.parametrize("xs, kernel, stride, padding", POOL, ids=str)
def test_max_pool2d(xs, kernel, stride, padding):
    check(
        lambda x: max_pool2d(x, kernel, stride, padding),
        lambda x: F.max_pool2d(x, kernel, stride, padding),
        rand(*xs),
    )


def test_max_pool2d_overlapping_windows_accumulate_gradient():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0  # the maximum of all four 2x2 windows
    check(lambda t: t.max_pool2d(2, stride=1), lambda t: F.max_pool2d(t, 2, stride=1), x + rand(1, 1, 3, 3) * 0.01)


@pytest.mark.parametrize("stride", [2, 1])
def test_max_pool2d_ties_and_nan_route_the_gradient_as_torch(stride):
    x = np.zeros((2, 2, 4, 4))  # all-zero windows (what ReLU leaves): the first zero gets the gradient
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = 3.0  # a tie between two non-zero values
    x[1, 1, 2, 3], x[1, 1, 3, 2], x[1, 0, 0, 0] = np.nan, np.nan, -1.0  # NaN wins its window and propagates
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = max_pool2d(ours, 2, stride), F.max_pool2d(theirs, 2, stride)
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    upstream = np.random.default_rng(0).normal(size=out.shape)
    out.backward(upstream)
    ref.backward(torch.tensor(upstream))
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


@settings(max_examples=20, deadline=None)
@given(layout=st.permutations(range(4)), pool=st.booleans())
def test_conv2d_and_pool_accept_any_memory_layout(layout, pool):
    """The kernels lay arrays out batch-innermost; inputs of any strides give the same values and gradients."""
    base = rand(3, 2, 6, 5, seed=4)
    x = np.ascontiguousarray(base.transpose(layout)).transpose(np.argsort(layout))  # same values, other strides
    assert np.array_equal(x, base)
    if pool:
        check(lambda a: max_pool2d(a, 2, 1, 1), lambda a: F.max_pool2d(a, 2, 1, 1), x)
    else:
        w = rand(4, 2, 3, 3, seed=5)
        check(lambda a, b: conv2d(a, b, None, (1, 2), 1), lambda a, b: F.conv2d(a, b, None, (1, 2), 1), x, w)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(3, 7), w=st.integers(3, 7),
    k=st.integers(1, 3), stride=st.integers(1, 3), padding=st.integers(0, 1),
)  # fmt: skip
def test_conv2d_and_pool_on_any_shape(n, c, h, w, k, stride, padding):
    x, wt = rand(n, c, h, w, seed=h), rand(2, c, k, k, seed=w)
    check(lambda a, b: conv2d(a, b, None, stride, padding), lambda a, b: F.conv2d(a, b, None, stride, padding), x, wt)
    if padding <= k // 2:
        check(lambda a: max_pool2d(a, k, stride, padding), lambda a: F.max_pool2d(a, k, stride, padding), x)


def test_im2col_pair_rejects_bad_sizes():
    with pytest.raises(ValueError, match="conv2d: stride must be"):
        im2col.pair(0, "stride", "conv2d", 1)
    with pytest.raises(ValueError, match="padding"):
        im2col.pair((1, 2, 3), "padding", "conv2d")


# ---- the autograd contract ---------------------------------------------------------------------------


def test_gradients_accumulate_and_the_mapping_is_per_pass():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()  # x used twice by one op: both contributions add up
    first = y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    second = (x * 3.0 + x).sum().backward()  # used by two ops
    np.testing.assert_array_equal(second[x], [4.0, 4.0])
    np.testing.assert_array_equal(first[x], [2.0, 4.0])
    np.testing.assert_array_equal(x.grad, [6.0, 8.0])
    with pytest.raises(TypeError):
        first[x] = 0  # read-only mapping


def test_grad_is_zeros_of_the_data_shape_until_backward_and_settable():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    assert x.grad.shape == (2, 3) and x.grad.dtype == np.float32 and not x.grad.any()
    x.grad = 0.0
    assert x.grad.shape == (2, 3)
    (x * 2).sum().backward()
    x.grad[0, 0] = 7.0  # .grad is a writable array of its own
    np.testing.assert_array_equal(x.grad, [[7, 2, 2], [2, 2, 2]])


def test_requires_grad_propagates_and_intermediates_keep_their_grad_like_value():
    a, b = Tensor([2.0], requires_grad=True), Tensor([3.0])
    c = a * b
    d = b * b
    assert c.requires_grad and not d.requires_grad
    (c + d).sum().backward()
    np.testing.assert_array_equal(c.grad, [1.0])
    np.testing.assert_array_equal(a.grad, [3.0])


def test_same_order_and_node_fields_as_value():
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    y = (x * 2).relu().sum()
    order = engine.topological_order(y)
    assert order[0] is x and order[-1] is y
    assert [n._op for n in order] == ["", engine.CONSTANT, "*", "relu", "sum"]  # the lifted 2 is marked
    v = Value(1.0)
    assert v._id > y._id  # one creation counter for both engines


def test_a_long_chain_does_not_recurse():
    x = Tensor([0.5], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad[0] == 1.0


def test_float32_is_kept_through_ops_and_matches_torch_float32():
    x32 = rand(4, 3).astype(np.float32)
    w32 = rand(2, 3, seed=1).astype(np.float32)
    x, w = Tensor(x32, requires_grad=True), Tensor(w32, requires_grad=True)
    out = (linear(x, w).tanh() * 2 + 1.5).log_softmax().sum()
    assert out.dtype == np.float32
    out.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    tx, tw = torch.tensor(x32, requires_grad=True), torch.tensor(w32, requires_grad=True)
    (F.linear(tx, tw).tanh() * 2 + 1.5).log_softmax(-1).sum().backward()
    close(x.grad, tx.grad, rtol=1e-5, atol=1e-6)
    close(w.grad, tw.grad, rtol=1e-5, atol=1e-6)


def test_integers_become_float64_and_the_input_is_copied():
    a = np.array([1, 2, 3])
    t = Tensor(a)
    assert t.dtype == np.float64
    f = np.ones(2)
    t2 = Tensor(f, requires_grad=True)
    t2.data += 1
    assert f[0] == 1.0
    assert (Tensor(np.ones(2, dtype=np.float32)) + np.array([1, 2])).dtype == np.float32


@pytest.mark.parametrize("bad", [np.array([1 + 2j]), np.array(["a"]), [Value(1.0)], np.array([1, "x"], dtype=object)])
def test_non_real_arrays_are_refused(bad):
    with pytest.raises(TypeError, match="Tensor\\(\\) needs real numbers"):
        Tensor(bad)


def test_bad_dtype_and_requires_grad_are_refused():
    with pytest.raises(TypeError, match="float64 or float32"):
        Tensor([1.0], dtype=np.int32)
    with pytest.raises(TypeError, match="requires_grad"):
        Tensor([1.0], requires_grad=1)
    with pytest.raises(TypeError, match="unsupported operand for \\*"):
        Tensor([1.0]) * "a"


@pytest.mark.parametrize(
    "op, name",
    [
        (lambda a, b: a + b, "\\+"),
        (lambda a, b: a * b, "\\*"),
        (lambda a, b: a / b, "/"),
        (lambda a, b: a - b, "-"),
        (lambda a, b: a @ b, "@"),
    ],
)
def test_shape_mismatch_names_the_op_and_both_shapes(op, name):
    with pytest.raises(ValueError, match=f"{name}: shapes \\(2, 3\\) and \\(4, 5\\)"):
        op(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5))))


def test_other_shape_errors():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="reshape.*\\(2, 3\\).*\\(4,\\)"):
        x.reshape(4)
    with pytest.raises(ValueError, match="conv2d.*\\(2, 3\\)"):
        conv2d(x, Tensor(np.ones((1, 1, 3, 3))))
    with pytest.raises(ValueError, match="conv2d.*\\(1, 2, 5, 5\\).*\\(1, 1, 3, 3\\)"):
        conv2d(Tensor(np.ones((1, 2, 5, 5))), Tensor(np.ones((1, 1, 3, 3))))
    with pytest.raises(ValueError, match="larger than the padded input"):
        max_pool2d(Tensor(np.ones((1, 1, 2, 2))), 3)
    with pytest.raises(ValueError, match="linear.*\\(2, 3\\).*\\(3, 4\\)"):
        linear(x, Tensor(np.ones((3, 4))))
    with pytest.raises(ValueError, match="sum: axis 2"):
        x.sum(axis=2)
    with pytest.raises(IndexError, match="shape \\(2, 3\\)"):
        x[5]


def test_backward_errors():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="shape \\(2, 3\\) needs a gradient argument"):
        (x * 2).backward()
    with pytest.raises(ValueError, match="gradient has shape \\(3,\\), expected \\(2, 3\\)"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(ValueError, match="does not require grad"):
        Tensor([1.0]).backward()
    with pytest.raises(ValueError, match="item\\(\\).*\\(2, 3\\)"):
        x.item()


def test_division_by_zero_and_log_of_zero_give_inf_like_torch_without_warnings():
    x = Tensor([0.0, 1.0], requires_grad=True)
    y = 1.0 / x
    z = x.log()
    assert y.data[0] == np.inf and z.data[0] == -np.inf and y.data[1] == 1.0 and z.data[1] == 0.0
    y.backward(np.ones(2))
    z.backward(np.ones(2))  # -inf + inf accumulated in x.grad: nan, as torch, and no warning
    t = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    (1.0 / t).backward(torch.ones(2, dtype=torch.float64))
    t.log().backward(torch.ones(2, dtype=torch.float64))
    np.testing.assert_array_equal(x.grad, t.grad.numpy())


def test_repr_and_conversions():
    x = Tensor([[1.5, 2.0]], requires_grad=True, label="w")
    assert repr(x) == "Tensor([[1.5, 2. ]], requires_grad=True, label='w')"
    assert float(x.sum()) == 3.5 and x.sum().item() == 3.5
    assert x.numpy() is x.data and not x.detach().requires_grad and len(x) == 1


def test_package_exports_tensor():
    assert microgradx.Tensor is Tensor and "Tensor" in microgradx.__all__


@pytest.mark.parametrize("module", [tensor_module])
def test_doctests(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# ---- one backward loop (backprop), consumed by backward() and graph.backward_steps -------------------


def small_graph():
    w = Tensor(np.arange(6.0).reshape(2, 3) / 7, requires_grad=True, label="w")
    b = Tensor(np.ones(3), requires_grad=True, label="b")
    x = Tensor(np.linspace(-1, 1, 8).reshape(4, 2), label="x")
    h = (x @ w + b).tanh()
    return w, b, x, (h * h + h / 2.0).mean()


def test_backprop_yields_what_backward_adds_and_changes_nothing():
    w, b, x, loss = small_graph()
    steps = list(loss.backprop())
    assert not w.grad.any() and not b.grad.any()  # a replay leaves .grad alone
    assert steps[0][0] is loss and steps[0][1] == 1.0
    grads = loss.backward()
    assert [t for t, _ in steps] == list(grads)[::-1]  # the mapping lists inputs first
    for t, g in steps:
        np.testing.assert_array_equal(g, grads[t])
        np.testing.assert_array_equal(g, t.grad)
    assert x not in grads  # a constant receives nothing
    order = [t._id for t, _ in steps]
    assert order == sorted(order, reverse=True)  # every tensor after all tensors computed from it


def test_backward_steps_replays_backprop_without_private_names():
    from microgradx import graph

    *_, loss = small_graph()
    replay = [(s.index, s.node, s.grad) for s in graph.backward_steps(loss, np.ones(()))]
    assert [(i, t) for i, t, _ in replay] == [(i, t) for i, (t, _) in enumerate(loss.backprop())]
    source = Path(graph.__file__).read_text()
    assert "_unbroadcast" not in source and "_seed" not in source


def test_shared_gradients_are_copied_before_anyone_writes_them():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    c = a + b  # one gradient array flows to both inputs
    grads = c.backward(np.array([1.0, 1.0]))
    a.grad[0] = 10.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(c.grad, [1.0, 1.0])
    np.testing.assert_array_equal(grads[a], [1.0, 1.0])
    with pytest.raises(ValueError, match="read-only"):
        grads[b][0] = 5.0  # the mapping's arrays are the pass's own, not writable
    a.grad = None  # as PyTorch's zero_grad(set_to_none=True): zeros again
    assert a.grad.tolist() == [0.0, 0.0]


def test_backprop_refuses_what_backward_refuses():
    with pytest.raises(ValueError, match="backprop\\(\\): this Tensor does not require grad"):
        next(Tensor([1.0]).backprop())
    with pytest.raises(ValueError, match="needs a gradient argument"):
        next(Tensor([1.0, 2.0], requires_grad=True).backprop())
    with pytest.raises(ValueError, match="gradient has shape"):
        next(Tensor([1.0, 2.0], requires_grad=True).backprop(np.ones(3)))


def test_backprop_replay_raises_no_warning_on_inf_and_nan():
    x = Tensor([0.0, 1.0], requires_grad=True)
    steps = list(x.log().sum().backprop())  # d log x = 1/x: inf at 0, as torch, and no warning
    assert steps[-1][0] is x and steps[-1][1].tolist() == [np.inf, 1.0]


def test_grad_accumulates_in_place_once_it_is_an_array_of_its_own():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    held = w.grad  # the first read takes the pass's array as its own
    (w * 3.0).sum().backward()
    assert w.grad is held
    np.testing.assert_array_equal(held, [5.0, 7.0])
