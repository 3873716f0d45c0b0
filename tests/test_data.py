"""Datasets: shapes, seeds, label codings, the Playground formulas, feature maps, and errors on bad input."""

import math

import numpy as np
import pytest
from sklearn.datasets import make_circles, make_moons

from microgradx import data
from microgradx.data import DATASETS, FEATURES, Dataset, feature_map, from_arrays, from_csv, load

CLASSIFICATION = [name for name in DATASETS if name not in data.REGRESSION]


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_shapes_labels_and_split(name):
    d = load(name, n=101, seed=3, test_ratio=0.2)
    assert isinstance(d, Dataset) and d.name == name
    assert d.X.shape == (81, 2) and d.X_test.shape == (20, 2)
    assert d.y.shape == (81,) and d.y_test.shape == (20,)
    assert d.X.dtype == np.float64 and np.isfinite(d.X).all()
    assert set(np.concatenate([d.y, d.y_test]).tolist()) == {-1, 1}
    zero_one = load(name, n=101, seed=3, test_ratio=0.2, labels="01")
    np.testing.assert_array_equal(zero_one.X, d.X)
    np.testing.assert_array_equal(zero_one.y, (d.y + 1) // 2)
    assert zero_one.labels == "01" and zero_one.with_labels("pm1").y.tolist() == d.y.tolist()


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_same_data_other_seed_other_data(name):
    a, b, c = (
        load(name, n=60, seed=5, noise=0.1),
        load(name, n=60, seed=5, noise=0.1),
        load(name, n=60, seed=6, noise=0.1),
    )
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


def test_sklearn_sets_are_sklearns_generators():
    X, y = make_moons(n_samples=50, noise=0.2, random_state=7)
    d = data.moons(n=50, noise=0.2, seed=7)
    np.testing.assert_array_equal(d.X, X)
    np.testing.assert_array_equal(d.y, 2 * y - 1)
    X, y = make_circles(n_samples=50, noise=0.05, random_state=7, factor=0.5)
    d = data.circles(n=50, noise=0.05, seed=7)
    np.testing.assert_array_equal(d.X, X)
    np.testing.assert_array_equal(d.y, np.where(y == 1, 1, -1))  # the inner circle is +1
    assert data.blobs(n=40, seed=0).y.tolist().count(1) == 20


def test_playground_sets_follow_the_playground_formulas():
    xor = data.xor(n=500, seed=0)  # no noise: the label is the sign of x1 * x2
    np.testing.assert_array_equal(xor.y, np.where(xor.X[:, 0] * xor.X[:, 1] >= 0, 1, -1))
    assert np.abs(xor.X).min() >= 0.3 and np.abs(xor.X).max() <= 5.3
    spiral = data.spiral(n=201, seed=0)
    assert (spiral.y == 1).sum() == 101 and (spiral.y == -1).sum() == 100
    r = np.hypot(spiral.X[:, 0], spiral.X[:, 1])
    assert r.max() < 5 and r.min() == 0
    # the two arms are the same curve half a turn apart: point i of arm -1 is minus point i of arm +1
    np.testing.assert_allclose(spiral.X[spiral.y == -1][:10], -spiral.X[spiral.y == 1][:10], atol=1e-12)
    gauss = data.gauss(n=4000, seed=0)
    np.testing.assert_allclose(gauss.X[gauss.y == 1].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(gauss.X[gauss.y == -1].std(axis=0), [math.sqrt(0.5)] * 2, rtol=0.05)
    assert data.gauss(n=4000, seed=0, noise=0.5).X[:2000].std() == pytest.approx(2.0, rel=0.05)  # variance 4


def test_noise_moves_xor_labels_not_points():
    clean, noisy = data.xor(n=300, seed=1), data.xor(n=300, seed=1, noise=0.5)
    np.testing.assert_array_equal(clean.X, noisy.X)
    assert (clean.y != noisy.y).any()


def test_split_keeps_every_point_once_and_ratio_zero_keeps_order():
    full = data.moons(n=50, seed=2)
    split = data.moons(n=50, seed=2, test_ratio=0.3)
    assert len(split) == 35 and len(split.X_test) == 15
    together = np.concatenate([split.X, split.X_test])
    assert sorted(map(tuple, together.tolist())) == sorted(map(tuple, full.X.tolist()))
    np.testing.assert_array_equal(full.X, make_moons(n_samples=50, noise=0.1, random_state=2)[0])
    again = full.split(0.3, seed=2)
    np.testing.assert_array_equal(again.X_test, split.X_test)


def test_arrays_are_frozen_but_the_callers_are_not():
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    d = from_arrays(X, [0, 1])
    with pytest.raises(ValueError, match="read-only"):
        d.X[0, 0] = 5.0
    X[0, 0] = 5.0  # the caller's array stays writable and is not shared
    assert d.X[0, 0] == 0.0
    with pytest.raises(AttributeError):
        d.name = "other"


def test_feature_maps_by_name():
    X = np.array([[2.0, 3.0], [-1.0, 0.5]])
    names = list(FEATURES)
    got = feature_map(X, names)
    x1, x2 = X[:, 0], X[:, 1]
    expected = np.stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    np.testing.assert_array_equal(got, expected)
    d = data.moons(n=20, seed=0, test_ratio=0.25).with_features("x1*x2", "sin(x1)")
    assert d.n_features == 2 and d.X.shape == (15, 2)  # the points stay points
    np.testing.assert_array_equal(d.inputs, np.stack([d.X[:, 0] * d.X[:, 1], np.sin(d.X[:, 0])], axis=1))
    np.testing.assert_array_equal(d.inputs_test[:, 1], np.sin(d.X_test[:, 0]))
    np.testing.assert_array_equal(d.transform(X), feature_map(X, ["x1*x2", "sin(x1)"]))


def test_feature_map_errors():
    with pytest.raises(ValueError, match="unknown feature 'x3'"):
        data.moons(n=10).with_features("x1", "x3")
    with pytest.raises(ValueError, match="needs 2-D points"):
        feature_map(np.zeros((3, 3)), ["x1^2"])
    assert feature_map(np.arange(6.0).reshape(2, 3), ["x3", "x1"]).tolist() == [[2.0, 0.0], [5.0, 3.0]]
    with pytest.raises(ValueError, match="at least one feature"):
        feature_map(np.zeros((3, 2)), [])


def test_from_arrays_maps_two_classes_in_sorted_order():
    d = from_arrays([[0, 0], [1, 1], [2, 2]], ["dog", "cat", "dog"])
    assert d.classes == ("cat", "dog") and d.y.tolist() == [1, -1, 1]
    d = from_arrays([[0.0], [1.0]], [3.5, 7.0], labels="01", X_test=[[2.0]], y_test=[7.0])
    assert d.y.tolist() == [0, 1] and d.y_test.tolist() == [1] and d.feature_names == ("x1",)


@pytest.mark.parametrize(
    "X, y, message",
    [
        ([1.0, 2.0], [0, 1], r"2-D array .* got shape \(2,\)"),
        ([[1.0, 2.0]] * 3, [0, 1], r"y must have shape \(3,\)"),
        ([[1.0, math.nan], [0.0, 1.0]], [0, 1], r"X\[0, 1\] is nan"),
        ([[1.0, 2.0], [0.0, 1.0]], [0.0, math.nan], r"y\[1\] is NaN"),
        ([[1.0], [2.0], [3.0]], [0, 1, 2], "need exactly two classes, got 3: 0, 1, 2"),
        ([[1.0], [2.0]], [1, 1], "need exactly two classes, got 1"),
        ([["a", "b"], ["c", "d"]], [0, 1], "X must be numbers"),
    ],
)
def test_from_arrays_errors(X, y, message):
    with pytest.raises(ValueError, match=message):
        from_arrays(X, y)


def test_from_csv(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("a,b,label\n0.5,1,yes\n-1,2e-1,no\n\n3,4,yes\n")
    d = from_csv(path, labels="01")
    assert d.name == "points" and d.classes == ("no", "yes")
    np.testing.assert_array_equal(d.X, [[0.5, 1.0], [-1.0, 0.2], [3.0, 4.0]])
    assert d.y.tolist() == [1, 0, 1]
    first = tmp_path / "first.csv"
    first.write_text("y,x1\n1,0.25\n0,0.75\n1.0,2\n")  # '1' and '1.0' are the same class
    d = from_csv(first, label="y")
    assert d.classes == (0.0, 1.0) and d.y.tolist() == [1, -1, 1] and d.X[:, 0].tolist() == [0.25, 0.75, 2.0]
    assert from_csv(first, label=0).y.tolist() == [1, -1, 1]


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b,y\n1,2,0\n1,x,1\n", r"line 3, column 'b': 'x' is not a number"),
        ("a,b,y\n1,2,0\n1,nan,1\n", r"line 3, column 'b': 'nan' is not a finite number"),
        ("a,b,y\n1,2,0\n1,2\n", r"line 3 has 2 cells, the header has 3"),
        ("a,b,y\n1,2,0\n1,2,1\n3,4,2\n", "need exactly two classes, got 3"),
        ("a,b,y\n", "header row and at least one data row"),
    ],
)
def test_from_csv_errors(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        from_csv(path)


def test_from_csv_unknown_label_column(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("a,b\n1,0\n2,1\n")
    with pytest.raises(ValueError, match="no column named 'y'"):
        from_csv(path, label="y")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: load("sprial"), ValueError, "unknown dataset 'sprial'"),
        (lambda: data.moons(n=1), ValueError, "n must be an integer >= 2"),
        (lambda: data.spiral(noise=-0.1), ValueError, "noise must be a finite number >= 0"),
        (lambda: data.xor(seed=1.5), TypeError, "seed must be a non-negative integer"),
        (lambda: data.gauss(test_ratio=1.0), ValueError, r"test_ratio must lie in \[0, 1\)"),
        (lambda: data.moons(labels="binary"), ValueError, "labels must be 'pm1'"),
        (lambda: data.blobs(noise=0), ValueError, "standard deviation and must be > 0"),
    ],
)
def test_generator_argument_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_from_csv_reads_excel_bom_and_reports_real_line_numbers(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("\ufeffy,a,b\n0,1,2\n1,3,4\n", encoding="utf-8")
    assert data.from_csv(path, label="y").X.shape == (2, 2)
    path.write_text("a,b,y\n\n1,2,0\n1,x,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 4, column 'b'"):
        data.from_csv(path)


def test_from_csv_refuses_a_file_without_header(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("1,2,0\n3,4,1\n5,6,0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header row"):
        data.from_csv(path)


# ---- the Playground's regression data, features, and bad input ------------------------------------------


def test_regression_sets_follow_the_playground_formulas():
    assert data.REGRESSION == ("plane", "multigauss") and set(data.REGRESSION) <= set(DATASETS)
    p = load("plane", n=500, seed=1, test_ratio=0.2)
    assert p.labels == "real" and p.classes == () and p.y.dtype == np.float64
    assert p.X.shape == (400, 2) and p.X_test.shape == (100, 2) and np.abs(p.X).max() <= 6
    np.testing.assert_allclose(p.y, p.X.sum(axis=1) / 10, rtol=0, atol=1e-15)  # no noise: target (x1 + x2) / 10
    m = load("multigauss", n=2000, seed=2)
    centres = np.array([(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)])
    for (x1, x2), target in zip(m.X[:200], m.y[:200]):
        bumps = [s * min(max(1 - math.hypot(x1 - cx, x2 - cy) / 2, 0), 1) for cx, cy, s in centres]
        assert target == pytest.approx(max(bumps, key=abs), rel=1e-12, abs=1e-15)  # the largest |bump|
    assert -1 <= m.y.min() < -0.9 and 0.9 < m.y.max() <= 1
    noisy = load("plane", n=500, seed=1, noise=0.5)
    np.testing.assert_array_equal(noisy.X, load("plane", n=500, seed=1).X)  # noise moves the target, not the point
    assert not np.allclose(noisy.y, noisy.X.sum(axis=1) / 10)


def test_regression_data_trains_with_mse_and_refuses_class_losses():
    from microgradx.nn import Linear, Sequential, Tanh
    from microgradx.train import Trainer

    p = load("plane", n=200, seed=0, test_ratio=0.2)
    model = Sequential(Linear(2, 4, seed=0), Tanh(), Linear(4, 1, seed=1))
    history = Trainer(model, "mse", "sgd", p, lr=0.03).fit(200)
    assert history[-1]["loss"] < history[0]["loss"] / 10
    assert history[-1]["train_acc"] is None and history[-1]["test_acc"] is None
    for loss in ("hinge", "bce"):
        with pytest.raises(ValueError, match="continuous targets .*use loss 'mse'"):
            Trainer(model, loss, "sgd", p)
    with pytest.raises(ValueError, match="continuous targets"):
        p.with_labels("pm1")
    with pytest.raises(ValueError, match="plane: .*labels must be 'real', got 'pm1'"):
        load("plane", labels="pm1")


def test_features_are_the_playgrounds_seven():
    assert list(FEATURES) == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def test_from_arrays_refuses_complex_points():
    with pytest.raises(ValueError, match="from_arrays: X must hold real numbers, got complex"):
        from_arrays(np.array([[1 + 2j, 0], [0, 1]]), [0, 1])
    with pytest.raises(ValueError, match="from_arrays: X must hold real numbers"):
        from_arrays([[1.0, 0.0], [0.0, 1j]], [0, 1])


def test_from_csv_that_is_not_utf8_names_from_csv_and_the_file(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("x1,x2,label\n1,2,caf\xe9\n3,4,th\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"from_csv: .*latin\.csv is not UTF-8 text \(byte 0xe9"):
        from_csv(path)


@pytest.mark.parametrize("label", [1.5, True, None, [0]])
def test_from_csv_label_must_be_a_name_or_an_index(tmp_path, label):
    path = tmp_path / "d.csv"
    path.write_text("x1,x2,label\n1,2,a\n3,4,b\n")
    with pytest.raises(TypeError, match=r"from_csv: label must be a column name \(str\) or index \(int\), got"):
        from_csv(path, label=label)
