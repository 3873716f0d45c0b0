"""Datasets: shapes, seeds, label codings, the Playground formulas, feature maps, and errors on bad input."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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
        ([[1.0], [2.0]], [1, 1], "from_arrays: need at least two classes, got 1: 1"),
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
        ("a,b,y\n1,2,0\n1,2,0\n", "need at least two classes, got 1"),
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


@pytest.mark.parametrize("label", [1.5, True, [0]])
def test_from_csv_label_must_be_a_name_or_an_index(tmp_path, label):
    path = tmp_path / "d.csv"
    path.write_text("x1,x2,label\n1,2,a\n3,4,b\n")
    with pytest.raises(TypeError, match=r"from_csv: label must be a column name \(str\) or index \(int\), got"):
        from_csv(path, label=label)


# ---- k classes: the k-arm spiral, k blobs, k labels, and the CSV round trip ---------------------------


def same(a: Dataset, b: Dataset) -> None:
    """Everything a Dataset holds is equal, the points bit for bit."""
    for got, want in ((a.X, b.X), (a.X_test, b.X_test)):
        assert got.shape == want.shape and got.tobytes() == want.tobytes()
    for got, want in ((a.y, b.y), (a.y_test, b.y_test)):
        assert got.dtype == want.dtype and got.tolist() == want.tolist()
    assert (a.name, a.labels, a.classes, a.feature_names) == (b.name, b.labels, b.classes, b.feature_names)
    assert [type(c) for c in a.classes] == [type(c) for c in b.classes]


def test_two_classes_stay_todays_spiral_and_blobs():
    from sklearn.datasets import make_blobs

    for n, noise, seed in ((200, 0.0, 0), (101, 0.3, 4)):
        same(data.spiral(n, noise=noise, seed=seed, classes=2), data.spiral(n, noise=noise, seed=seed))
    X, y = make_blobs(n_samples=60, centers=2, cluster_std=0.8, random_state=3)
    two = data.blobs(60, noise=0.8, seed=3, classes=2)
    np.testing.assert_array_equal(two.X, X)
    assert two.labels == "pm1" and two.n_classes == 2 and two.y.tolist() == (2 * y - 1).tolist()


def test_k_arm_spiral_is_cs231ns():
    three = data.spiral(301, classes=3, seed=0)
    assert three.labels == "index" and three.classes == (0, 1, 2) and three.n_classes == 3
    assert three.y.dtype == np.int64 and np.bincount(three.y).tolist() == [101, 100, 100]
    for j, count in enumerate((101, 100, 100)):  # no noise: arm j is r = 0..5 at angle 4j..4(j + 1)
        arm = three.X[three.y == j]
        r, t = np.linspace(0, 5, count), np.linspace(4 * j, 4 * (j + 1), count)
        np.testing.assert_allclose(arm, np.stack([r * np.sin(t), r * np.cos(t)], axis=1), rtol=0, atol=1e-12)
    noisy = data.spiral(300, classes=4, noise=0.2, seed=5)
    again = data.spiral(300, classes=4, noise=0.2, seed=5)
    same(noisy, again)
    clean = data.spiral(300, classes=4, seed=5)
    np.testing.assert_allclose(np.hypot(*noisy.X.T), np.hypot(*clean.X.T), atol=1e-12)  # noise turns, radius stays
    turned = np.angle(np.exp(1j * (np.arctan2(*noisy.X.T) - np.arctan2(*clean.X.T))))[np.hypot(*clean.X.T) > 0]
    assert 0.15 < turned.std() < 0.25  # angle noise of std 0.2 rad


def test_k_blobs_are_make_blobs_with_k_centres():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=80, centers=4, cluster_std=1.0, random_state=2)
    four = data.blobs(80, classes=4, seed=2, test_ratio=0.25)
    assert four.labels == "index" and four.n_classes == 4 and len(four.X_test) == 20
    together = np.concatenate([four.X, four.X_test])
    labels = np.concatenate([four.y, four.y_test])
    order = np.lexsort(together.T)
    np.testing.assert_array_equal(together[order], X[np.lexsort(X.T)])
    assert labels[order].tolist() == y[np.lexsort(X.T)].tolist()
    assert load("blobs", n=80, classes=4, seed=2).n_classes == 4
    assert load("moons", n=20, classes=2).n_classes == 2  # classes=2 is every classification set's


def test_k_labels_from_arrays_and_csv(tmp_path):
    words = from_arrays([[0, 0], [1, 1], [2, 2], [3, 3]], ["dog", "cat", "emu", "cat"])
    assert words.labels == "index" and words.classes == ("cat", "dog", "emu") and words.y.tolist() == [1, 0, 2, 0]
    drawn = from_arrays([[0.5, 0.5], [1.0, -1.0]], [2, 0], classes=3)  # a class with no point yet is still a class
    assert drawn.n_classes == 3 and drawn.classes == (0, 1, 2) and drawn.y.tolist() == [2, 0]
    named = from_arrays([[0, 0], [1, 1]], ["b", "a"], classes=["b", "a"], labels="01")
    assert named.y.tolist() == [0, 1] and named.classes == ("b", "a")
    split = from_arrays(np.arange(20.0).reshape(10, 2), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1], classes=4, test_ratio=0.3)
    assert len(split) == 7 and len(split.X_test) == 3 and split.n_classes == 4
    path = tmp_path / "three.csv"
    path.write_text("a,b,kind\n0,1,red\n1,0,green\n2,2,blue\n3,1,red\n")
    d = from_csv(path)
    assert d.labels == "index" and d.classes == ("blue", "green", "red") and d.y.tolist() == [2, 1, 0, 2]


@pytest.mark.parametrize(
    "make",
    [
        lambda: data.spiral(150, classes=3, noise=0.2, seed=1, test_ratio=0.2),
        lambda: data.spiral(90, classes=5, seed=2, test_ratio=0.3).with_features("x1", "x2", "x1*x2", "sin(x1)"),
        lambda: data.moons(40, seed=3, test_ratio=0.25),
        lambda: data.circles(30, seed=1, labels="01"),
        lambda: from_arrays([[0.1, -0.0], [1e-310, 1e300], [-2.5, 3.0]], [2, 0, 2], classes=4, name="drawn"),
        lambda: from_arrays([[0.0], [1.0], [2.0]], ["no, never", "yes", "maybe"], test_ratio=0.34, seed=1),
        lambda: from_arrays([[0.0], [1.0]], [0.5, 7.0], labels="01"),
        lambda: data.plane(50, seed=2, noise=0.1, test_ratio=0.2),
    ],
    ids=["spiral3", "spiral5-features", "moons", "circles01", "drawn", "words", "floats01", "plane"],
)
def test_to_csv_round_trip_is_exact(tmp_path, make):
    written = make()
    path = written.to_csv(tmp_path / "d.csv")
    same(from_csv(path), written)
    assert from_csv(path, name="other").name == "other"
    assert not [p.name for p in tmp_path.iterdir() if p.name != "d.csv"]  # no temporary file left behind


finite_floats = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(finite_floats, finite_floats, st.integers(0, 2)), min_size=1, max_size=30),
    st.integers(3, 6),
    st.integers(0, 2**31),
)
def test_to_csv_round_trip_property(tmp_path_factory, rows, k, seed):
    X = [r[:2] for r in rows]
    y = [r[2] for r in rows]
    ratio = 0.0 if len(rows) < 2 else 0.5
    written = from_arrays(X, y, classes=k, test_ratio=ratio, seed=seed)
    path = written.to_csv(tmp_path_factory.mktemp("csv") / "p.csv")
    same(from_csv(path), written)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: data.spiral(classes=1), r"spiral: classes must be an integer >= 2, got 1"),
        (lambda: data.blobs(classes=2.5), r"blobs: classes must be an integer >= 2, got 2.5"),
        (lambda: data.spiral(n=2, classes=3), r"spiral: 3 classes need n >= 3 points"),
        (lambda: data.spiral(classes=3, labels="pm1"), r"spiral: 3 classes are labelled by class index 0..2"),
        (lambda: data.spiral(classes=3).with_labels("01"), r"with_labels: 3 classes .* labels='01' codes two"),
        (lambda: data.moons(labels="index"), r"moons: labels must be 'pm1' .*'index' is for k >= 3 classes"),
        (lambda: load("xor", classes=3), r"load: dataset 'xor' has two classes; classes=3 works with spiral, blobs"),
        (lambda: load("plane", classes=2), r"load: dataset 'plane' has continuous targets"),
        (
            lambda: from_arrays([[0.0], [1.0]], [0, 3], classes=3),
            r"from_arrays: label y\[1\] = 3 is not a class index 0\.\.2",
        ),
        (lambda: from_arrays([[0.0], [1.0]], [0, -1], classes=3), r"label y\[1\] = -1 is not a class index 0\.\.2"),
        (lambda: from_arrays([[0.0], [1.0]], [0, 1], classes=1), r"from_arrays: classes must be an integer >= 2"),
        (
            lambda: from_arrays([[0.0], [1.0]], ["a", "c"], classes=["a", "b"]),
            r"y\[1\] = 'c' is not one of \('a', 'b'\)",
        ),
        (lambda: from_arrays([[0.0], [1.0]], [0, 1], classes=["a", "a"]), r"classes must name two or more distinct"),
        (lambda: from_arrays([[0.0], [1.0]], [0, 1], classes="ab"), r"classes must be an integer k >= 2 or a sequence"),
        (lambda: from_arrays([[0.0], [1.0]], [0, 1], labels="real", classes=2), r"labels='real' .* take no classes"),
        (
            lambda: Dataset(
                np.zeros((2, 1)),
                np.array([0, 3]),
                np.zeros((0, 1)),
                np.zeros(0, int),
                labels="index",
                classes=(0, 1, 2),
            ),
            r"Dataset: label 3 is outside 0\.\.2",
        ),
        (
            lambda: Dataset(
                np.zeros((2, 1)), np.array([0, 1]), np.zeros((0, 1)), np.zeros(0, int), labels="index", classes=(0, 1)
            ),
            r"Dataset: labels='index' does not fit 2 class names",
        ),
    ],
)
def test_k_class_errors_name_the_function_and_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "text, kwargs, message",
    [
        (
            '# microgradx dataset {"classes": [0, 1, 2], "labels": "index"}\nx1,label\n0,1\n1,3\n',
            {},
            r"line 4: label '3' is not one of the file's classes \(0, 1, 2\)",
        ),
        ("# microgradx dataset {oops\nx1,label\n0,1\n", {}, r"line 1: the microgradx comment is not valid JSON"),
        ('# microgradx dataset {"labels": "many"}\nx1,label\n0,1\n', {}, r"'labels' \(one of pm1, 01, index, real\)"),
        ("x1,label,split\n0,a,train\n1,b,test\n", {"test_ratio": 0.5}, r"has a 'split' column \(train/test\) already"),
    ],
)
def test_from_csv_k_class_errors(tmp_path, text, kwargs, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        from_csv(path, **kwargs)


def test_from_csv_reads_a_split_column_and_comments(tmp_path):
    path = tmp_path / "split.csv"
    path.write_text("# my points\nx1,x2,label,split\n0,1,a,train\n1,1,b,test\n2,0,c,train\n")
    d = from_csv(path)
    assert d.X.tolist() == [[0.0, 1.0], [2.0, 0.0]] and d.X_test.tolist() == [[1.0, 1.0]]
    assert d.classes == ("a", "b", "c") and d.y.tolist() == [0, 2] and d.y_test.tolist() == [1]
    path.write_text("x1,split,label\n0,3,a\n1,4,b\n")  # 'split' holding numbers is just a feature
    assert from_csv(path).X.tolist() == [[0.0, 3.0], [1.0, 4.0]]
