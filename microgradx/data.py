"""Toy datasets for teaching, the user's own data, and TensorFlow Playground's feature maps.

Every generator takes ``n`` (points in all), ``noise``, ``seed``, ``test_ratio`` and ``labels`` ('pm1' for
{-1, +1}, the labels of the hinge loss, or '01' for {0, 1}, the labels of binary cross-entropy), and returns
a frozen `Dataset`:

>>> data = moons(n=100, noise=0.1, seed=0, test_ratio=0.2)
>>> data.X.shape, data.X_test.shape, sorted(set(data.y.tolist()))
((80, 2), (20, 2), [-1, 1])

`X` holds the points as drawn; the model reads `data.inputs`, the points through the feature map named by
`feature_names` (the identity unless you chose features, as in the Playground):

>>> data.with_features("x1", "x2", "x1*x2").inputs.shape
(80, 3)

`spiral` and `blobs` also make k >= 3 classes (``classes=k``), labelled by class index 0..k-1
(``labels="index"``, for the loss "cross_entropy"):

>>> three = spiral(n=300, classes=3)
>>> three.labels, three.n_classes, np.bincount(three.y).tolist()
('index', 3, [100, 100, 100])

The Playground's regression data, "plane" and "multigauss", have continuous targets (``labels="real"``),
for the loss "mse":

>>> plane(n=100, seed=0).y[:3].round(3)
array([-0.112, -1.131,  0.871])
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

__all__ = [
    "Dataset",
    "DATASETS",
    "FEATURES",
    "moons",
    "circles",
    "blobs",
    "xor",
    "spiral",
    "gauss",
    "plane",
    "multigauss",
    "REGRESSION",
    "from_arrays",
    "from_csv",
    "load",
    "MULTICLASS",
    "feature_map",
]

LABELS = ("pm1", "01")  # two classes; "index" codes k >= 3 classes 0..k-1; "real" marks continuous targets
CODINGS = (*LABELS, "index", "real")

# The Playground's inputs, by name: each maps the columns (x1, x2) of the points to one feature column.
FEATURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points `X` (n, d) with labels `y` (n,), and a held-out test split.

    `labels` says how classes are coded: 'pm1' ({-1, +1}) or '01' ({0, 1}) for two classes, 'index'
    (0..k-1) for k >= 3 classes, or 'real' for continuous targets (a regression problem, float `y`);
    `classes` holds the original class names of the codes (low code first), () for real targets, and
    `n_classes` their number. `feature_names` names the model's inputs: ('x1', ..., 'xd') is the
    identity; Playground names such as 'x1*x2' map 2-D points (see `FEATURES`). `to_csv(path)` writes it
    all to one file that `from_csv(path)` reads back exactly.
    """

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str = "data"
    labels: str = "pm1"
    feature_names: tuple[str, ...] = ()
    classes: tuple = (-1, 1)
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        for arr in (self.X, self.y, self.X_test, self.y_test):
            arr.flags.writeable = False  # frozen means frozen: nobody edits the points under a trainer
        if not self.feature_names:
            object.__setattr__(self, "feature_names", _identity_names(self.X.shape[1]))
        _check_coding(self)

    @property
    def n_classes(self) -> int:
        """How many classes: 2 for 'pm1' and '01', k for 'index', 0 for continuous targets ('real')."""
        return 0 if self.labels == "real" else len(self.classes)

    @property
    def n_features(self) -> int:
        """Columns of the model's input (after the feature map)."""
        return len(self.feature_names)

    @property
    def inputs(self) -> np.ndarray:
        """The training points as the model sees them: `X` through the feature map."""
        if "inputs" not in self._cache:
            self._cache["inputs"] = self.transform(self.X)
        return self._cache["inputs"]

    @property
    def inputs_test(self) -> np.ndarray:
        """The test points as the model sees them."""
        if "inputs_test" not in self._cache:
            self._cache["inputs_test"] = self.transform(self.X_test)
        return self._cache["inputs_test"]

    def transform(self, X) -> np.ndarray:
        """Any points (m, d), e.g. a plotting grid, through this dataset's feature map."""
        return feature_map(X, self.feature_names)

    def with_features(self, *names: str) -> Dataset:
        """The same points with the model reading the named features, e.g. ``("x1", "x2", "x1*x2")``."""
        if len(names) == 1 and not isinstance(names[0], str):
            names = tuple(names[0])
        feature_map(self.X[:1], names)  # validates the names against the points now, not at training time
        return replace(self, feature_names=tuple(names))

    def with_labels(self, labels: str) -> Dataset:
        """The same data with two classes coded as 'pm1' ({-1, +1}) or '01' ({0, 1}).

        k >= 3 classes have one coding, 'index' (0..k-1): asking for another is a ValueError."""
        if labels == self.labels:
            return self
        if self.labels == "real":
            raise ValueError(
                f"with_labels: dataset {self.name!r} has continuous targets (regression), not two classes "
                f"to code as {labels!r}; train it with the loss 'mse'"
            )
        labels = _check_labels(labels, self.n_classes, "with_labels")
        if labels == self.labels:
            return self
        convert = (lambda y: (y + 1) // 2) if labels == "01" else (lambda y: 2 * y - 1)
        return replace(self, y=convert(self.y), y_test=convert(self.y_test), labels=labels)

    def split(self, test_ratio: float, seed: int = 0) -> Dataset:
        """All points (train and test) shuffled with `seed` and split again with `test_ratio`."""
        X = np.concatenate([self.X, self.X_test])
        y = np.concatenate([self.y, self.y_test])
        X, y, X_test, y_test = _split(X, y, test_ratio, seed)
        return replace(self, X=X, y=y, X_test=X_test, y_test=y_test)

    def to_csv(self, path) -> Path:
        """Write the dataset to `path` as CSV; `from_csv(path)` reads it back exactly. Returns the path.

        One comment line ``# microgradx dataset {...}`` (JSON: name, labels, classes, features), a header
        ``x1,...,xd,label,split``, then a row per point, training points first: each coordinate as Python's
        shortest exact text of the float (so the points come back bit for bit), the label as its class
        name, the split as 'train' or 'test'. Spreadsheets and pandas (``comment="#"``) read it too. The
        file is written whole (a temporary name, then renamed).
        """
        path = Path(path)
        meta = {
            "name": self.name,
            "labels": self.labels,
            "classes": [_plain(c) for c in self.classes],
            "features": list(self.feature_names),
        }
        d = self.X.shape[1]
        rows = [[*_identity_names(d), "label", "split"]]
        for X, y, split in ((self.X, self.y, "train"), (self.X_test, self.y_test, "test")):
            for point, code in zip(X.tolist(), y.tolist()):
                rows.append([*map(repr, point), self._label_text(code), split])
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("w", newline="", encoding="utf-8") as f:
                f.write(f"{_META} {json.dumps(meta, ensure_ascii=False)}\n")
                csv.writer(f, lineterminator="\n").writerows(rows)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def _label_text(self, code) -> str:
        """A label as `to_csv` writes it: the class name of the code (the target itself for real targets)."""
        if self.labels == "real":
            return repr(float(code))
        index = code if self.labels in ("01", "index") else (code + 1) // 2
        return _class_text(self.classes[index])

    def __len__(self) -> int:
        return len(self.X)

    def __repr__(self) -> str:
        features = "" if self.feature_names == _identity_names(self.X.shape[1]) else f", features={self.feature_names}"
        classes = f", classes={self.n_classes}" if self.labels == "index" else ""
        return (
            f"Dataset({self.name!r}, train={len(self.X)}, test={len(self.X_test)}, "
            f"dims={self.X.shape[1]}, labels={self.labels!r}{classes}{features})"
        )


def feature_map(X, names: Sequence[str]) -> np.ndarray:
    """Columns of `X` mapped by Playground feature names; 'x1'...'xd' select columns of any `X`.

    >>> feature_map(np.array([[2.0, 3.0]]), ["x1^2", "x1*x2"])
    array([[4., 6.]])
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"feature_map: points must be a 2-D array (n, d), got shape {X.shape}")
    names = list(names)
    if not names:
        raise ValueError("feature_map: choose at least one feature")
    d = X.shape[1]
    if names == list(_identity_names(d)):
        return X
    columns = []
    for name in names:
        if name in FEATURES and name not in ("x1", "x2"):
            if d != 2:
                raise ValueError(f"feature_map: feature {name!r} needs 2-D points (x1, x2), got {d} columns")
            columns.append(FEATURES[name](X[:, 0], X[:, 1]))
        elif isinstance(name, str) and name[:1] == "x" and name[1:].isdigit() and 1 <= int(name[1:]) <= d:
            columns.append(X[:, int(name[1:]) - 1])
        else:
            known = ", ".join(FEATURES) if d == 2 else f"x1 ... x{d}"
            raise ValueError(f"feature_map: unknown feature {name!r}; choose from {known}")
    return np.stack(columns, axis=1)


# ---- generators -----------------------------------------------------------------------------------


def moons(n: int = 100, noise: float = 0.1, seed: int = 0, test_ratio: float = 0.0, labels: str = "pm1") -> Dataset:
    """Two interleaving half circles (scikit-learn's `make_moons`), the set of micrograd's demo."""
    from sklearn.datasets import make_moons

    _check_args("moons", n, noise, seed)
    X, y = make_moons(n_samples=n, noise=noise or None, random_state=seed)
    return _dataset("moons", X, 2 * y - 1, seed, test_ratio, labels)


def circles(
    n: int = 100, noise: float = 0.05, seed: int = 0, test_ratio: float = 0.0, labels: str = "pm1", factor: float = 0.5
) -> Dataset:
    """A small circle inside a large one (scikit-learn's `make_circles`); `factor` is the radius ratio."""
    from sklearn.datasets import make_circles

    _check_args("circles", n, noise, seed)
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must lie in (0, 1), got {factor!r}")
    X, y = make_circles(n_samples=n, noise=noise or None, random_state=seed, factor=factor)
    return _dataset("circles", X, 2 * y - 1, seed, test_ratio, labels)  # sklearn: 1 = the inner circle, here +1


def blobs(
    n: int = 100,
    noise: float = 1.0,
    seed: int = 0,
    test_ratio: float = 0.0,
    labels: str | None = None,
    classes: int = 2,
) -> Dataset:
    """Gaussian blobs, one per class (scikit-learn's `make_blobs` with ``centers=classes``); `noise` is their
    standard deviation. Two classes by default (labels 'pm1'); ``classes=k`` gives k centres, labels 0..k-1."""
    from sklearn.datasets import make_blobs

    _check_args("blobs", n, noise, seed)
    k = _check_classes("blobs", classes, n)
    if noise == 0:
        raise ValueError("blobs: noise is the blobs' standard deviation and must be > 0, got 0")
    X, y = make_blobs(n_samples=n, centers=k, cluster_std=noise, random_state=seed)
    return _dataset("blobs", X, 2 * y - 1 if k == 2 else y, seed, test_ratio, labels, k)


def xor(n: int = 200, noise: float = 0.0, seed: int = 0, test_ratio: float = 0.0, labels: str = "pm1") -> Dataset:
    """The Playground's XOR: points in the four quadrants of [-5, 5]^2, +1 where x1 * x2 >= 0."""
    _check_args("xor", n, noise, seed)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-5, 5, size=(n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # padding: keep points off the axes
    jitter = rng.uniform(-5, 5, size=(n, 2)) * noise  # noise moves the label, not the point
    moved = X + jitter
    y = np.where(moved[:, 0] * moved[:, 1] >= 0, 1, -1)
    return _dataset("xor", X, y, seed, test_ratio, labels)


def spiral(
    n: int = 200,
    noise: float = 0.0,
    seed: int = 0,
    test_ratio: float = 0.0,
    labels: str | None = None,
    classes: int = 2,
) -> Dataset:
    """Interleaved spirals. Two classes (the default): the Playground's two spirals, radius 0 to 5, 1.75
    turns, +1 and -1 half a turn apart; `noise` moves each point by up to `noise` in each coordinate.

    ``classes=k`` (k >= 3): CS231n's spiral of k arms, labels 0..k-1 ('index'): arm j runs from the centre
    out to radius 5 (CS231n's 1, scaled to the Playground's frame) while its angle goes from 4j to 4(j + 1)
    radians, plus Gaussian noise of std `noise` radians on the angle (CS231n uses 0.2). The `n` points are
    shared out as evenly as they go, the first arms taking one more.
    """
    _check_args("spiral", n, noise, seed)
    k = _check_classes("spiral", classes, n)
    rng = np.random.default_rng(seed)
    if k > 2:
        X, y = _spiral_arms(n, k, noise, rng)
        return _dataset("spiral", X, y, seed, test_ratio, labels, k)
    parts = []
    for label, count, delta in ((1, n - n // 2, 0.0), (-1, n // 2, math.pi)):
        i = np.arange(count) / (n / 2)  # both arms on one curve, as the Playground's i / n
        r = i * 5
        t = 1.75 * i * 2 * math.pi + delta
        points = np.stack([r * np.sin(t), r * np.cos(t)], axis=1) + rng.uniform(-1, 1, size=(count, 2)) * noise
        parts.append((points, np.full(count, label)))
    X, y = np.concatenate([p for p, _ in parts]), np.concatenate([c for _, c in parts])
    return _dataset("spiral", X, y, seed, test_ratio, labels)


def _spiral_arms(n: int, k: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """CS231n's k-arm spiral (cs231n.github.io/neural-networks-case-study), radius scaled from 1 to 5."""
    counts = [n // k + (j < n % k) for j in range(k)]
    arms = []
    for j, count in enumerate(counts):
        r = np.linspace(0.0, 1.0, count) * 5
        t = np.linspace(4.0 * j, 4.0 * (j + 1), count) + rng.normal(size=count) * noise
        arms.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
    return np.concatenate(arms), np.repeat(np.arange(k), counts)


def gauss(n: int = 200, noise: float = 0.0, seed: int = 0, test_ratio: float = 0.0, labels: str = "pm1") -> Dataset:
    """The Playground's two Gaussians at (2, 2) (+1) and (-2, -2) (-1); variance grows from 0.5 to 4 with noise."""
    _check_args("gauss", n, noise, seed)
    rng = np.random.default_rng(seed)
    std = math.sqrt(0.5 + 3.5 * noise / 0.5)  # the Playground maps noise [0, 0.5] to variance [0.5, 4]
    X = np.concatenate([rng.normal(2, std, size=(n - n // 2, 2)), rng.normal(-2, std, size=(n // 2, 2))])
    y = np.concatenate([np.ones(n - n // 2, dtype=np.int64), -np.ones(n // 2, dtype=np.int64)])
    return _dataset("gauss", X, y, seed, test_ratio, labels)


def plane(n: int = 200, noise: float = 0.0, seed: int = 0, test_ratio: float = 0.0, labels: str = "real") -> Dataset:
    """The Playground's regression plane: points uniform in [-6, 6]^2, target (x1 + x2) / 10; noise moves
    the point the target is read at by up to 6 * noise in each coordinate."""
    _check_args("plane", n, noise, seed)
    X, moved = _uniform_points(n, noise, seed)
    return _regression("plane", X, moved.sum(axis=1) / 10, seed, test_ratio, labels)


_GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def multigauss(
    n: int = 200, noise: float = 0.0, seed: int = 0, test_ratio: float = 0.0, labels: str = "real"
) -> Dataset:
    """The Playground's multi-Gaussian regression: six bumps of height +-1 at (+-4 or 0, +-2.5), each
    falling linearly to 0 at distance 2; the target is the bump largest in absolute value (noise as `plane`)."""
    _check_args("multigauss", n, noise, seed)
    X, moved = _uniform_points(n, noise, seed)
    bumps = np.stack(
        [sign * np.clip(1 - np.hypot(moved[:, 0] - cx, moved[:, 1] - cy) / 2, 0, 1) for cx, cy, sign in _GAUSSIANS]
    )
    y = bumps[np.argmax(np.abs(bumps), axis=0), np.arange(n)]  # ties: the first bump, as the Playground's strict >
    return _regression("multigauss", X, y, seed, test_ratio, labels)


def _uniform_points(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-6, 6]^2, and the points moved by noise where the Playground reads their target."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-6, 6, size=(n, 2))
    return X, X + rng.uniform(-6, 6, size=(n, 2)) * noise


def _regression(name, X, y, seed, test_ratio, labels) -> Dataset:
    if labels != "real":
        raise ValueError(f"{name}: a regression dataset has continuous targets: labels must be 'real', got {labels!r}")
    X = np.ascontiguousarray(X, dtype=np.float64)
    X, y, X_test, y_test = _split(X, np.asarray(y, np.float64), test_ratio, seed)
    return Dataset(X, y, X_test, y_test, name=name, labels="real", classes=())


DATASETS: dict[str, Callable[..., Dataset]] = {
    "moons": moons,
    "circles": circles,
    "blobs": blobs,
    "xor": xor,
    "spiral": spiral,
    "gauss": gauss,
    "plane": plane,
    "multigauss": multigauss,
}
REGRESSION = ("plane", "multigauss")  # the datasets of DATASETS with continuous targets
MULTICLASS = ("spiral", "blobs")  # the datasets of DATASETS that take classes=k (k >= 2)


def load(name: str, **kwargs) -> Dataset:
    """A dataset by name with the generator's keyword arguments: ``load("spiral", n=300, noise=0.1)``.

    ``classes=k`` works with the datasets of `MULTICLASS`; the others have two classes (``classes=2`` is
    accepted, and changes nothing, for every classification dataset)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if "classes" in kwargs and name not in MULTICLASS:
        classes = kwargs.pop("classes")
        if classes != 2 or isinstance(classes, bool) or name in REGRESSION:
            what = "continuous targets (regression)" if name in REGRESSION else "two classes"
            raise ValueError(
                f"load: dataset {name!r} has {what}; classes={classes!r} works with {', '.join(MULTICLASS)}"
            )
    return DATASETS[name](**kwargs)


# ---- the user's own data --------------------------------------------------------------------------


def from_arrays(
    X,
    y,
    *,
    name: str = "data",
    test_ratio: float = 0.0,
    seed: int = 0,
    labels: str | None = None,
    classes=None,
    X_test=None,
    y_test=None,
) -> Dataset:
    """A Dataset from your own points `X` (n, d) and labels `y` (n,).

    `classes` says what the labels are:

    - None (the default): the distinct values of `y`, numbers or words, in sorted order. Two classes are
      coded -1/+1 (or 0/1 with ``labels="01"``), the smaller first; k >= 3 become 0..k-1 (``labels="index"``).
    - an int k >= 2: `y` holds class indices 0..k-1, and the dataset has the k classes 0..k-1 even where
      some have no point yet. This is how points drawn with a class selector become data:
      ``from_arrays(points, picked, classes=3, test_ratio=0.2, seed=0)``.
    - a sequence of k >= 2 distinct class names: every label is one of them, coded by its position.

    ``labels="real"`` takes `y` as continuous targets (a regression problem; no classes). Give `X_test`,
    `y_test` for your own test split, or `test_ratio` to split off a random one (shuffled with `seed`).

    >>> from_arrays([[0, 0], [1, 1]], ["cat", "dog"], labels="01").y
    array([0, 1])
    >>> drawn = from_arrays([[0, 0], [1, 1], [2, 0]], [2, 0, 2], classes=3)
    >>> drawn.labels, drawn.classes, drawn.y.tolist()
    ('index', (0, 1, 2), [2, 0, 2])
    """
    X, y = _check_xy("from_arrays", X, y)
    if X_test is not None or y_test is not None:
        if X_test is None or y_test is None:
            raise ValueError("from_arrays: give both X_test and y_test, or neither")
        if test_ratio:
            raise ValueError("from_arrays: give either X_test/y_test or test_ratio, not both")
        X_test, y_test = _check_xy("from_arrays (test split)", X_test, y_test)
        if X_test.shape[1] != X.shape[1]:
            raise ValueError(f"from_arrays: X has {X.shape[1]} columns but X_test has {X_test.shape[1]}")
    if labels == "real":
        if classes is not None:
            raise ValueError(f"from_arrays: labels='real' are continuous targets and take no classes, got {classes!r}")
        names, y, y_test = (), _targets("from_arrays", y), None if y_test is None else _targets("from_arrays", y_test)
    else:
        names = _class_names("from_arrays", y if y_test is None else np.concatenate([y, y_test]), classes)
        labels = _check_labels(labels, len(names), "from_arrays")
        y = _codes("from_arrays", y, names, labels)
        y_test = None if y_test is None else _codes("from_arrays (test split)", y_test, names, labels)
    if y_test is None:
        X, y, X_test, y_test = _split(X, y, test_ratio, seed)
    return Dataset(X, y, X_test, y_test, name=name, labels=labels, classes=names)


def from_csv(
    path,
    *,
    label: str | int | None = None,
    name: str | None = None,
    test_ratio: float = 0.0,
    seed: int = 0,
    labels: str | None = None,
    classes=None,
) -> Dataset:
    """A Dataset from a CSV file with a header row: numeric feature columns and one label column.

    `label` picks the label column by header name or index (default: the last column, or the column
    'label' of a file `Dataset.to_csv` wrote). Labels may be numbers or words (two or more distinct
    values; `labels` and `classes` as in `from_arrays`); every other cell must be a number. A column named
    'split' whose every cell is 'train' or 'test' is the train/test split (then leave `test_ratio` at 0).
    Lines starting with '#' before the header are comments; the one `Dataset.to_csv` writes brings back
    the name, label coding, class names (also of classes without a point) and features, so the dataset
    read is the dataset written.
    """
    if label is not None and (not isinstance(label, (str, int, np.integer)) or isinstance(label, bool)):
        raise TypeError(f"from_csv: label must be a column name (str) or index (int), got {label!r}")
    path = Path(path)
    meta, header, body = _read_csv(path)
    if label is None:  # to_csv's column 'label', else the last column besides a split
        last_is_split = len(header) > 2 and _split_column(path, header, body, None) == len(header) - 1
        label = "label" if meta else (-2 if last_is_split else -1)
    col = _label_column(path, header, label)
    split = _split_column(path, header, body, col)
    if split is not None and test_ratio:
        raise ValueError(
            f"from_csv: {path} has a 'split' column (train/test) already; leave test_ratio at 0, or drop the column"
        )
    labels = labels or meta.get("labels")
    texts = {_class_text(c): c for c in meta.get("classes", ())}
    X, y, where = [], [], []
    for line, row in body:  # line: the file's own line number, blank lines counted
        if len(row) != len(header):
            raise ValueError(f"from_csv: {path} line {line} has {len(row)} cells, the header has {len(header)}")
        X.append([_number_cell(path, line, header[j], cell) for j, cell in enumerate(row) if j not in (col, split)])
        y.append(_read_label(path, line, row[col].strip(), texts, labels))
        where.append(split is None or row[split].strip() == "train")
    kwargs = {"name": name or meta.get("name") or path.stem, "labels": labels}
    kwargs["classes"] = classes if classes is not None or labels == "real" else (tuple(texts.values()) or None)
    X, y, train = np.array(X, dtype=np.float64).reshape(len(X), -1), np.array(y), np.array(where)
    if split is not None and not train.all():
        data = from_arrays(X[train], y[train], X_test=X[~train], y_test=y[~train], **kwargs)
    else:
        data = from_arrays(X, y, test_ratio=test_ratio, seed=seed, **kwargs)
    features = meta.get("features")
    return data.with_features(*features) if features and tuple(features) != data.feature_names else data


def _read_csv(path: Path) -> tuple[dict, list[str], list[tuple[int, list[str]]]]:
    """(what the microgradx comment line says, the header, the rows with their line numbers) of a CSV file."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:  # -sig: Excel starts its UTF-8 files with a BOM
            lines = f.readlines()
    except UnicodeDecodeError as e:
        raise ValueError(
            f"from_csv: {path} is not UTF-8 text (byte {e.object[e.start]:#04x} at offset {e.start}); "
            "save it as CSV UTF-8"
        ) from None
    meta, skip = {}, 0
    while skip < len(lines) and (not lines[skip].strip() or lines[skip].lstrip().startswith("#")):
        if lines[skip].startswith(_META):
            meta = _read_meta(path, skip + 1, lines[skip][len(_META) :])
        skip += 1
    reader = csv.reader(lines[skip:])
    rows = [(reader.line_num + skip, row) for row in reader if row and any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise ValueError(f"from_csv: {path} needs a header row and at least one data row")
    header = [h.strip() for h in rows[0][1]]
    if all(_is_number(h) for h in header):
        raise ValueError(f"from_csv: {path} starts with numbers, not a header row naming the columns")
    return meta, header, rows[1:]


def _read_meta(path: Path, line: int, text: str) -> dict:
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"from_csv: {path} line {line}: the microgradx comment is not valid JSON ({e.msg})") from None
    ok = (
        isinstance(meta, dict)
        and meta.get("labels", "pm1") in CODINGS
        and isinstance(meta.get("classes", []), list)
        and isinstance(meta.get("features", []), list)
        and isinstance(meta.get("name", ""), str)
    )
    if not ok:
        raise ValueError(
            f"from_csv: {path} line {line}: the microgradx comment must be a JSON object with 'name' (text), "
            f"'labels' (one of {', '.join(CODINGS)}), 'classes' and 'features' (lists)"
        )
    return meta


def _label_column(path: Path, header: list[str], label) -> int:
    if isinstance(label, str):
        if label not in header:
            raise ValueError(f"from_csv: no column named {label!r} in {path} (columns: {', '.join(header)})")
        col = header.index(label)
    else:
        col = label % len(header) if -len(header) <= label < len(header) else None
        if col is None:
            raise ValueError(f"from_csv: label column {label} is out of range for {len(header)} columns in {path}")
    if len(header) < 2:
        raise ValueError(f"from_csv: {path} needs at least one feature column besides the label")
    return col


def _split_column(path: Path, header: list[str], body: list, label: int) -> int | None:
    """The index of the column 'split' if every one of its cells is 'train' or 'test', else None."""
    if "split" not in header or header.index("split") == label:
        return None
    col = header.index("split")
    cells = {row[col].strip() for _, row in body if len(row) == len(header)}
    if not cells <= {"train", "test"}:
        return None
    if len(header) < 3:
        raise ValueError(f"from_csv: {path} needs at least one feature column besides the label and the split")
    return col


def _number_cell(path: Path, line: int, column: str, cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"from_csv: {path} line {line}, column {column!r}: {cell!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"from_csv: {path} line {line}, column {column!r}: {cell!r} is not a finite number")
    return value


def _read_label(path: Path, line: int, cell: str, texts: dict, labels):
    """A label cell: a number for continuous targets; the class of that text in the microgradx comment's
    classes; else a number where it parses as one (so '1' and '1.0' are the same class), or the word."""
    if labels == "real":
        return _number_cell(path, line, "label", cell)
    if texts:
        if cell not in texts:
            raise ValueError(
                f"from_csv: {path} line {line}: label {cell!r} is not one of the file's classes ({', '.join(texts)})"
            )
        return texts[cell]
    return _label_cell(cell)


# ---- helpers --------------------------------------------------------------------------------------


def _identity_names(d: int) -> tuple[str, ...]:
    return tuple(f"x{i + 1}" for i in range(d))


_META = "# microgradx dataset"  # the comment line to_csv starts a file with, then JSON


def _check_labels(labels: str | None, k: int, where: str) -> str:
    """The coding of k classes: `labels` if it fits them; None means 'pm1' for two classes, 'index' for more."""
    if labels is None:
        return "pm1" if k == 2 else "index"
    if k > 2 and labels != "index":
        raise ValueError(
            f"{where}: {k} classes are labelled by class index 0..{k - 1} (labels='index'); "
            f"labels={labels!r} codes two classes"
        )
    if k == 2 and labels not in LABELS:
        hint = "; 'index' is for k >= 3 classes (two classes as indices 0, 1 are '01')" if labels == "index" else ""
        raise ValueError(f"{where}: labels must be 'pm1' ({{-1, +1}}) or '01' ({{0, 1}}), got {labels!r}{hint}")
    return labels


def _check_classes(where: str, classes, n: int) -> int:
    if not isinstance(classes, (int, np.integer)) or isinstance(classes, bool) or classes < 2:
        raise ValueError(f"{where}: classes must be an integer >= 2, got {classes!r}")
    if classes > n:
        raise ValueError(f"{where}: {classes} classes need n >= {classes} points (one per class at least), got {n}")
    return int(classes)


def _check_coding(data: Dataset) -> None:
    """A Dataset's coding fits its classes (two for 'pm1'/'01', k >= 3 for 'index'); 'index' labels lie in 0..k-1."""
    if data.labels not in CODINGS:
        raise ValueError(f"Dataset: labels must be one of {', '.join(map(repr, CODINGS))}, got {data.labels!r}")
    if data.labels == "real":
        return
    k = len(data.classes)
    if (data.labels == "index") != (k > 2):
        raise ValueError(
            f"Dataset: labels={data.labels!r} does not fit {k} class names {data.classes!r}: "
            "'pm1' and '01' code two classes, 'index' codes k >= 3"
        )
    if data.labels != "index":  # two-class codings are made by with_labels; 'index' labels come from outside too
        return
    for y in (data.y, data.y_test):
        bad = y[~np.isin(y, range(k))]
        if bad.size:
            raise ValueError(f"Dataset: label {bad[0].item()!r} is outside 0..{k - 1} (labels='index', {k} classes)")


def _class_names(where: str, y: np.ndarray, classes) -> tuple:
    """The k >= 2 class names, low code first: given (an int k, or names), or the sorted values of `y`."""
    if classes is None:
        try:
            names = sorted(set(y.tolist()))
        except TypeError:
            shown = sorted(map(repr, set(y.tolist())))[:5]
            raise ValueError(f"{where}: labels mix numbers and strings: {shown}") from None
        if len(names) < 2:
            raise ValueError(f"{where}: need at least two classes, got {len(names)}: {', '.join(map(repr, names))}")
        return tuple(names)
    if isinstance(classes, (int, np.integer)) and not isinstance(classes, bool):
        if classes < 2:
            raise ValueError(f"{where}: classes must be an integer >= 2 or a sequence of class names, got {classes}")
        return tuple(range(int(classes)))
    if isinstance(classes, (str, bytes)) or not hasattr(classes, "__iter__"):
        raise ValueError(f"{where}: classes must be an integer k >= 2 or a sequence of class names, got {classes!r}")
    names = tuple(_plain(c) for c in classes)
    if len(names) < 2 or len(set(names)) != len(names):
        raise ValueError(f"{where}: classes must name two or more distinct classes, got {names!r}")
    return names


def _codes(where: str, y: np.ndarray, names: tuple, labels: str) -> np.ndarray:
    """Labels as codes: the position of each in `names` (0..k-1), as -1/+1 for 'pm1'."""
    position = {c: i for i, c in enumerate(names)}
    codes = np.empty(len(y), dtype=np.int64)
    for i, value in enumerate(y.tolist()):
        if value not in position:
            allowed = f"a class index 0..{len(names) - 1}" if names == tuple(range(len(names))) else f"one of {names!r}"
            raise ValueError(f"{where}: label y[{i}] = {value!r} is not {allowed}")
        codes[i] = position[value]
    return 2 * codes - 1 if labels == "pm1" else codes


def _targets(where: str, y: np.ndarray) -> np.ndarray:
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{where}: labels='real' needs numeric targets, got dtype {y.dtype}")
    return y.astype(np.float64)


def _plain(value):
    """A NumPy scalar as the Python value (for JSON and for dict keys that compare as the user expects)."""
    return value.item() if isinstance(value, np.generic) else value


def _class_text(name) -> str:
    """A class name as a CSV cell: words as they are, numbers as Python's exact text (repr)."""
    return name if isinstance(name, str) else repr(_plain(name))


def _check_args(name: str, n, noise, seed) -> None:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 2:
        raise ValueError(f"{name}: n must be an integer >= 2 (one point per class at least), got {n!r}")
    if not isinstance(noise, (int, float)) or isinstance(noise, bool) or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"{name}: noise must be a finite number >= 0, got {noise!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise TypeError(f"{name}: seed must be a non-negative integer, got {seed!r}")


def _check_ratio(test_ratio) -> float:
    ok = isinstance(test_ratio, (int, float)) and not isinstance(test_ratio, bool)
    if not ok or not 0 <= test_ratio < 1:
        raise ValueError(f"test_ratio must lie in [0, 1), got {test_ratio!r}")
    return float(test_ratio)


def _split(X: np.ndarray, y: np.ndarray, test_ratio, seed) -> tuple[np.ndarray, ...]:
    """Shuffle with `seed` and cut off round(test_ratio * n) test points; ratio 0 keeps the order."""
    n_test = round(_check_ratio(test_ratio) * len(X))
    if n_test == 0:
        return X, y, X[:0].copy(), y[:0].copy()
    if n_test >= len(X):
        raise ValueError(f"test_ratio={test_ratio} leaves no training points out of {len(X)}")
    order = np.random.default_rng(seed).permutation(len(X))
    train, test = order[n_test:], order[:n_test]
    return X[train], y[train], X[test], y[test]


def _dataset(name, X, y, seed, test_ratio, labels, k: int = 2) -> Dataset:
    """A generated dataset: two classes coded +-1 in `y` (then as `labels` asks), or k >= 3 as 0..k-1."""
    labels = _check_labels(labels, k, name)
    X = np.ascontiguousarray(X, dtype=np.float64)
    X, y, X_test, y_test = _split(X, np.asarray(y, dtype=np.int64), test_ratio, seed)
    if k > 2:
        return Dataset(X, y, X_test, y_test, name=name, labels="index", classes=tuple(range(k)))
    return Dataset(X, y, X_test, y_test, name=name).with_labels(labels)


def _check_xy(where: str, X, y) -> tuple[np.ndarray, np.ndarray]:
    if np.iscomplexobj(X):  # float64 would drop the imaginary part with only a warning
        raise ValueError(f"{where}: X must hold real numbers, got complex values")
    try:
        X = np.array(X, dtype=np.float64)  # a copy: the Dataset freezes its arrays, never the caller's
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}: X must be numbers in a 2-D array (n, d): {e}") from None
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{where}: X must be a non-empty 2-D array (n points, d features), got shape {X.shape}")
    if not np.isfinite(X).all():
        i, j = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"{where}: X[{i}, {j}] is {X[i, j]}; every feature must be a finite number")
    y = np.array(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"{where}: y must have shape ({len(X)},) to match X {X.shape}, got shape {y.shape}")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise ValueError(f"{where}: y[{int(np.argmax(np.isnan(y)))}] is NaN; every label must be a class")
    if y.dtype.kind not in "biuOUSf":
        raise ValueError(f"{where}: labels must be numbers or strings, got dtype {y.dtype}")
    return X, y


def _label_cell(cell: str):
    """A CSV label cell: a number where it parses as one (so '1' and '1.0' are the same class), else the word."""
    try:
        value = float(cell)
    except ValueError:
        return cell
    if math.isnan(value):
        raise ValueError(f"from_csv: label {cell!r} is NaN; every label must be a class")
    return value


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
