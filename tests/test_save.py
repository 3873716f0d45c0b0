"""`model.save(path)` / `model.load(path)`: an .npz file, never a pickle, exact round trip, clear errors."""

import math
import pickle

import numpy as np
import pytest

from microgradx import MLP
from microgradx.nn import Conv2d, Flatten, Linear, ReLU, Sequential, Tanh


def state(model):
    """Parameter values as exact Python/NumPy objects, for bit-for-bit comparisons."""
    return {name: (p.data.copy() if isinstance(p.data, np.ndarray) else p.data) for name, p in model.named_parameters()}


def assert_same_state(a: dict, b: dict):
    assert a.keys() == b.keys()
    for name in a:
        if isinstance(a[name], np.ndarray):
            assert a[name].dtype == b[name].dtype, name
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        else:
            assert math.copysign(1, a[name]) == math.copysign(1, b[name]) and a[name] == b[name], name


def test_scalar_mlp_round_trip_is_exact(tmp_path):
    model = MLP(2, [4, 3, 1], activation="tanh", seed=1)
    awkward = [0.1 + 0.2, 1e-310, -0.0, 2.0**-1074, 1 / 3, -1e308]  # subnormals, negative zero, inexact decimals
    for p, v in zip(model.parameters(), awkward):
        p.data = v
    path = tmp_path / "moons.npz"
    model.save(path)
    other = MLP(2, [4, 3, 1], activation="tanh", seed=2)
    assert other.load(path) is other
    assert_same_state(state(other), state(model))
    assert other([0.3, -0.7]).data == model([0.3, -0.7]).data


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensor_model_round_trip_keeps_dtype_and_bits(tmp_path, dtype):
    def make(seed):
        return Sequential(
            Conv2d(1, 2, 3, seed=seed, dtype=dtype), ReLU(), Flatten(), Linear(8, 3, seed=seed + 1, dtype=dtype)
        )

    model = make(0)
    model.save(tmp_path / "cnn.npz")
    other = make(10)
    other.load(tmp_path / "cnn.npz")
    assert_same_state(state(other), state(model))
    X = np.random.default_rng(0).normal(size=(2, 1, 4, 4)).astype(dtype)
    np.testing.assert_array_equal(other(X).data, model(X).data)


def test_file_is_plain_npz_at_the_exact_path(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    path = tmp_path / "model"  # no suffix: np.savez alone would write model.npz
    model.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # nothing else, no leftover temporary file
    with np.load(path, allow_pickle=False) as f:
        names = set(f.files) - {"__microgradx__"}
        assert names == {name for name, _ in model.named_parameters()}
        assert f["layers.0.neurons.1.w.0"] == model.layers[0].neurons[1].w[0].data
    MLP(2, [3, 1], seed=5).load(str(path))  # str paths too


@pytest.mark.parametrize(
    "other, message",
    [
        (lambda: MLP(2, [4, 1], seed=0), r"the file holds\nMLP\(.*Layer\(2, 3.*but this model is\nMLP\(.*Layer\(2, 4"),
        (lambda: MLP(2, [3, 1], activation="tanh", seed=0), "the file holds.*'relu'.*but this model is.*'tanh'"),
        (lambda: Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=0)), "the file holds\nMLP"),
    ],
)
def test_load_into_a_different_model_fails_and_changes_nothing(tmp_path, other, message):
    MLP(2, [3, 1], seed=0).save(tmp_path / "m.npz")
    target = other()
    before = state(target)
    with pytest.raises(ValueError, match=r"(?s)load\(.*m\.npz'\): " + message):
        target.load(tmp_path / "m.npz")
    assert_same_state(state(target), before)


def test_dtype_mismatch_is_an_error(tmp_path):
    Sequential(Linear(2, 2, seed=0, dtype=np.float32)).save(tmp_path / "f32.npz")
    target = Sequential(Linear(2, 2, seed=1))
    before = state(target)
    with pytest.raises(ValueError, match="'0.weight' is float32 in the file, float64 in the model"):
        target.load(tmp_path / "f32.npz")
    assert_same_state(state(target), before)


def test_tampered_shape_fails_and_changes_nothing(tmp_path):
    model = Sequential(Linear(2, 3, seed=0), Tanh(), Linear(3, 1, seed=1))
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["2.bias"] = np.zeros(2)  # same header, wrong shape
    with open(tmp_path / "bad.npz", "wb") as f:
        np.savez(f, **arrays)
    target = Sequential(Linear(2, 3, seed=5), Tanh(), Linear(3, 1, seed=6))
    before = state(target)
    with pytest.raises(ValueError, match=r"'2.bias'.*shape \(2,\), expected \(1,\)"):
        target.load(tmp_path / "bad.npz")
    assert_same_state(state(target), before)


class _Boom:
    def __reduce__(self):
        return (exec, ("raise SystemExit('unpickled!')",))


@pytest.mark.parametrize(
    "write, reason",
    [
        (lambda f: f.write(b"w = 1.0\n"), "not a model file"),
        (lambda f: pickle.dump(_Boom(), f), "not a model file"),  # refused, never unpickled
        (lambda f: np.save(f, np.zeros(3)), "single .npy array"),
        (lambda f: np.savez(f, w=np.zeros(3)), "no '__microgradx__' header"),
        (lambda f: np.savez(f, __microgradx__=np.array('{"format": "other"}')), "unknown header"),
        (lambda f: np.savez(f, __microgradx__=np.array("not json")), "not a model file"),
    ],
)
def test_files_that_are_not_models(tmp_path, write, reason):
    path = tmp_path / "x.npz"
    with open(path, "wb") as f:
        write(f)
    with pytest.raises(ValueError, match=reason):
        MLP(2, [1], seed=0).load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        MLP(2, [1], seed=0).load(tmp_path / "nope.npz")


def test_tampered_scalar_parameter_fails_and_changes_nothing(tmp_path):
    MLP(2, [2, 1], seed=0).save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["layers.1.neurons.0.b"] = np.zeros(2)
    with open(tmp_path / "bad.npz", "wb") as f:
        np.savez(f, **arrays)
    target = MLP(2, [2, 1], seed=3)
    before = state(target)
    with pytest.raises(ValueError, match=r"'layers.1.neurons.0.b' is a float64 array of shape \(2,\) in the file"):
        target.load(tmp_path / "bad.npz")
    assert_same_state(state(target), before)


def test_a_corrupt_member_is_a_clear_error_naming_load_and_the_file(tmp_path):
    import re
    import zipfile

    path = tmp_path / "m.npz"
    MLP(2, [2, 1], seed=0).save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["layers.0.neurons.0.b.npy"] = b"garbage, not an .npy array"
    with zipfile.ZipFile(path, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    target = MLP(2, [2, 1], seed=3)
    before = state(target)
    message = re.escape(f"load({str(path)!r})") + r".*'layers.0.neurons.0.b' is not an array"
    with pytest.raises(ValueError, match=message):
        target.load(path)
    assert_same_state(state(target), before)


@pytest.mark.parametrize("header", [np.array(5), np.array("5"), np.array("[1, 2]"), np.array(b"{}")])
def test_a_header_that_is_not_a_json_object_is_a_clear_error(tmp_path, header):
    path = tmp_path / "m.npz"
    with open(path, "wb") as f:
        np.savez(f, __microgradx__=header, w=np.zeros(2))
    with pytest.raises(ValueError, match=r"load\('.*m\.npz'\): (not a model file|unknown header)"):
        MLP(2, [1], seed=0).load(path)
