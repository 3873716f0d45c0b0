"""Toy datasets for teaching, the user's own data, and TensorFlow Playground's feature maps.

Every generator takes ``n`` (points in all), ``noise``, ``seed``, ``test_ratio`` and ``labels`` ('pm1' for
{-1, +1}, the labels of the hinge loss, or '01' for {0, 1}, the labels of cross-entropy), and returns a
frozen `Dataset`:

>>> data = moons(n=100, noise=0.1, seed=0, test_ratio=0.2)
>>> data.X.shape, data.X_test.shape, sorted(set(data.y.tolist()))
((80, 2), (20, 2), [-1, 1])

`X` holds the points as drawn; the model reads `data.inputs`, the points through the feature map named by
`feature_names` (the identity unless you chose features, as in the Playground):

>>> data.with_features("x1", "x2", "x1*x2").inputs.shape
(80, 3)

The Playground's regression data, "plane" and "multigauss", have continuous targets (``labels="real"``),
for the loss "mse":

>>> plane(n=100, seed=0).y[:3].round(3)
array([-0.112, -1.131,  0.871])
"""

from __future__ import annotations

import csv
import math
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
    "feature_map",
]

LABELS = ("pm1", "01")  # two classes; "real" marks continuous targets (regression)

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

    `labels` says how classes are coded: 'pm1' ({-1, +1}) or '01' ({0, 1}), or 'real' for continuous
    targets (a regression problem, float `y`); `classes` holds the original class names of the two codes
    (low code first), () for real targets. `feature_names` names the model's inputs:
    ('x1', ..., 'xd') is the identity; Playground names such as 'x1*x2' map 2-D points (see `FEATURES`).
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
        """The same data with labels coded as 'pm1' ({-1, +1}) or '01' ({0, 1})."""
        if labels == self.labels:
            return self
        if self.labels == "real":
            raise ValueError(
                f"with_labels: dataset {self.name!r} has continuous targets (regression), not two classes "
                f"to code as {labels!r}; train it with the loss 'mse'"
            )
        _check_labels(labels)
        convert = (lambda y: (y + 1) // 2) if labels == "01" else (lambda y: 2 * y - 1)
        return replace(self, y=convert(self.y), y_test=convert(self.y_test), labels=labels)

    def split(self, test_ratio: float, seed: int = 0) -> Dataset:
        """All points (train and test) shuffled with `seed` and split again with `test_ratio`."""
        X = np.concatenate([self.X, self.X_test])
        y = np.concatenate([self.y, self.y_test])
        X, y, X_test, y_test = _split(X, y, test_ratio, seed)
        return replace(self, X=X, y=y, X_test=X_test, y_test=y_test)

    def __len__(self) -> int:
        return len(self.X)

    def __repr__(self) -> str:
        features = "" if self.feature_names == _identity_names(self.X.shape[1]) else f", features={self.feature_names}"
        return (
            f"Dataset({self.name!r}, train={len(self.X)}, test={len(self.X_test)}, "
            f"dims={self.X.shape[1]}, labels={self.labels!r}{features})"
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
    return _dataset("moons", X, 2 * y - 1, noise, seed, test_ratio, labels)


def circles(
    n: int = 100, noise: float = 0.05, seed: int = 0, test_ratio: float = 0.0, labels: str = "pm1", factor: float = 0.5
) -> Dataset:
    """A small circle inside a large one (scikit-learn's `make_circles`); `factor` is the radius ratio."""
    from sklearn.datasets import make_circles

    _check_args("circles", n, noise, seed)
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must lie in (0, 1), got {factor!r}")
    X, y = make_circles(n_samples=n, noise=noise or None, random_state=seed, factor=factor)
    return _dataset("circles", X, 2 * y - 1, noise, seed, test_ratio, labels)  # sklearn: 1 = the inner circle, here +1


def blobs(n: int = 100, noise: float = 1.0, seed: int = 0, test_ratio: float = 0.0, labels: str = "pm1") -> Dataset:
    """Two Gaussian blobs (scikit-learn's `make_blobs`); `noise` is their standard deviation."""
    from sklearn.datasets import make_blobs

    _check_args("blobs", n, noise, seed)
    if noise == 0:
        raise ValueError("blobs: noise is the blobs' standard deviation and must be > 0, got 0")
    X, y = make_blobs(n_samples=n, centers=2, cluster_std=noise, random_state=seed)
    return _dataset("blobs", X, 2 * y - 1, noise, seed, test_ratio, labels)


def xor(n: int = 200, noise: float = 0.0, seed: int = 0, test_ratio: float = 0.0, labels: str = "pm1") -> Dataset:
    """The Playground's XOR: points in the four quadrants of [-5, 5]^2, +1 where x1 * x2 >= 0."""
    _check_args("xor", n, noise, seed)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-5, 5, size=(n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # padding: keep points off the axes
    jitter = rng.uniform(-5, 5, size=(n, 2)) * noise  # noise moves the label, not the point
    moved = X + jitter
    y = np.where(moved[:, 0] * moved[:, 1] >= 0, 1, -1)
    return _dataset("xor", X, y, noise, seed, test_ratio, labels)


def spiral(n: int = 200, noise: float = 0.0, seed: int = 0, test_ratio: float = 0.0, labels: str = "pm1") -> Dataset:
    """The Playground's two interleaved spirals, radius 0 to 5, 1.75 turns; +1 and -1 half a turn apart."""
    _check_args("spiral", n, noise, seed)
    rng = np.random.default_rng(seed)
    parts = []
    for label, count, delta in ((1, n - n // 2, 0.0), (-1, n // 2, math.pi)):
        i = np.arange(count) / (n / 2)  # both arms on one curve, as the Playground's i / n
        r = i * 5
        t = 1.75 * i * 2 * math.pi + delta
        points = np.stack([r * np.sin(t), r * np.cos(t)], axis=1) + rng.uniform(-1, 1, size=(count, 2)) * noise
        parts.append((points, np.full(count, label)))
    X, y = np.concatenate([p for p, _ in parts]), np.concatenate([c for _, c in parts])
    return _dataset("spiral", X, y, noise, seed, test_ratio, labels)


def gauss(n: int = 200, noise: float = 0.0, seed: int = 0, test_ratio: float = 0.0, labels: str = "pm1") -> Dataset:
    """The Playground's two Gaussians at (2, 2) (+1) and (-2, -2) (-1); variance grows from 0.5 to 4 with noise."""
    _check_args("gauss", n, noise, seed)
    rng = np.random.default_rng(seed)
    std = math.sqrt(0.5 + 3.5 * noise / 0.5)  # the Playground maps noise [0, 0.5] to variance [0.5, 4]
    X = np.concatenate([rng.normal(2, std, size=(n - n // 2, 2)), rng.normal(-2, std, size=(n // 2, 2))])
    y = np.concatenate([np.ones(n - n // 2, dtype=np.int64), -np.ones(n // 2, dtype=np.int64)])
    return _dataset("gauss", X, y, noise, seed, test_ratio, labels)


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


def load(name: str, **kwargs) -> Dataset:
    """A dataset by name with the generator's keyword arguments: ``load("spiral", n=300, noise=0.1)``."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    return DATASETS[name](**kwargs)


# ---- the user's own data --------------------------------------------------------------------------


def from_arrays(
    X, y, *, name: str = "data", test_ratio: float = 0.0, seed: int = 0, labels: str = "pm1", X_test=None, y_test=None
) -> Dataset:
    """A Dataset from your own points `X` (n, d) and two-class labels `y` (n,), any two distinct values.

    The smaller class value (in sorted order) becomes -1 (or 0), the larger +1 (or 1). Give `X_test`,
    `y_test` for your own test split, or `test_ratio` to split off a random one.

    >>> from_arrays([[0, 0], [1, 1]], ["cat", "dog"], labels="01").y
    array([0, 1])
    """
    _check_labels(labels)
    X, y = _check_xy("from_arrays", X, y)
    if X_test is not None or y_test is not None:
        if X_test is None or y_test is None:
            raise ValueError("from_arrays: give both X_test and y_test, or neither")
        if test_ratio:
            raise ValueError("from_arrays: give either X_test/y_test or test_ratio, not both")
        X_test, y_test = _check_xy("from_arrays (test split)", X_test, y_test)
        if X_test.shape[1] != X.shape[1]:
            raise ValueError(f"from_arrays: X has {X.shape[1]} columns but X_test has {X_test.shape[1]}")
    classes = _two_classes("from_arrays", y if y_test is None else np.concatenate([y, y_test]))
    code = {c: (-1 if i == 0 else 1) for i, c in enumerate(classes)}
    y = np.array([code[v] for v in y.tolist()], dtype=np.int64)
    if y_test is not None:
        y_test = np.array([code[v] for v in y_test.tolist()], dtype=np.int64)
        data = Dataset(X, y, X_test, y_test, name=name, classes=tuple(classes))
    else:
        X, y, X_test, y_test = _split(X, y, test_ratio, seed)
        data = Dataset(X, y, X_test, y_test, name=name, classes=tuple(classes))
    return data.with_labels(labels)


def from_csv(
    path, *, label: str | int = -1, name: str | None = None, test_ratio: float = 0.0, seed: int = 0, labels: str = "pm1"
) -> Dataset:
    """A Dataset from a CSV file with a header row: numeric feature columns and one label column.

    `label` picks the label column by header name or index (default: the last column). Labels may be
    numbers or words (two distinct values); every other cell must be a number.
    """
    if not isinstance(label, (str, int, np.integer)) or isinstance(label, bool):
        raise TypeError(f"from_csv: label must be a column name (str) or index (int), got {label!r}")
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:  # -sig: Excel starts its UTF-8 files with a BOM
            reader = csv.reader(f)
            rows = [(reader.line_num, row) for row in reader if row and any(cell.strip() for cell in row)]
    except UnicodeDecodeError as e:
        raise ValueError(
            f"from_csv: {path} is not UTF-8 text (byte {e.object[e.start]:#04x} at offset {e.start}); "
            "save it as CSV UTF-8"
        ) from None
    if len(rows) < 2:
        raise ValueError(f"from_csv: {path} needs a header row and at least one data row")
    header, body = [h.strip() for h in rows[0][1]], rows[1:]
    if all(_is_number(h) for h in header):
        raise ValueError(f"from_csv: {path} starts with numbers, not a header row naming the columns")
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
    X, y = [], []
    for line, row in body:  # line: the file's own line number, blank lines counted
        if len(row) != len(header):
            raise ValueError(f"from_csv: {path} line {line} has {len(row)} cells, the header has {len(header)}")
        features = []
        for j, cell in enumerate(row):
            if j == col:
                continue
            try:
                value = float(cell)
            except ValueError:
                raise ValueError(
                    f"from_csv: {path} line {line}, column {header[j]!r}: {cell!r} is not a number"
                ) from None
            if not math.isfinite(value):
                raise ValueError(f"from_csv: {path} line {line}, column {header[j]!r}: {cell!r} is not a finite number")
            features.append(value)
        X.append(features)
        y.append(_label_cell(row[col].strip()))
    return from_arrays(
        np.array(X, dtype=np.float64), y, name=name or path.stem, test_ratio=test_ratio, seed=seed, labels=labels
    )


# ---- helpers --------------------------------------------------------------------------------------


def _identity_names(d: int) -> tuple[str, ...]:
    return tuple(f"x{i + 1}" for i in range(d))


def _check_labels(labels: str) -> None:
    if labels not in LABELS:
        raise ValueError(f"labels must be 'pm1' ({{-1, +1}}) or '01' ({{0, 1}}), got {labels!r}")


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


def _dataset(name, X, y, noise, seed, test_ratio, labels) -> Dataset:
    _check_labels(labels)
    X = np.ascontiguousarray(X, dtype=np.float64)
    X, y, X_test, y_test = _split(X, np.asarray(y, dtype=np.int64), test_ratio, seed)
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


def _two_classes(where: str, y: np.ndarray) -> list:
    try:
        classes = sorted(set(y.tolist()))
    except TypeError:
        raise ValueError(f"{where}: labels mix numbers and strings: {sorted(map(repr, set(y.tolist())))[:5]}") from None
    if len(classes) != 2:
        shown = ", ".join(map(repr, classes[:6])) + (", ..." if len(classes) > 6 else "")
        raise ValueError(f"{where}: need exactly two classes, got {len(classes)}: {shown}")
    return classes


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
