"""`History`: a Trainer's records, stored compactly as columns, read as a list of dicts.

A dashboard left playing appends a record per step for hours, so a record is not kept as a dict (about
450 bytes) but as a row of columns: the loss as float64, the accuracies as hit counts (exact: an accuracy
is hits / n; int16 while n allows), the seconds as float16 (3 digits: a duration, not a result), the
learning rate only where it changes, the step as the index: 14 bytes a record.

>>> h = History(n_train=4, n_test=0)
>>> h.append({"step": 0, "loss": 0.5, "train_acc": 0.75, "test_acc": None, "lr": 0.1, "seconds": 0.001})
>>> h[-1]["loss"], h[0]["train_acc"], h[0]["test_acc"], len(h)
(0.5, 0.75, None, 1)
>>> h == [h[0]], h.column("loss")
(True, array([0.5]))
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

import numpy as np

__all__ = ["History", "FIELDS"]

FIELDS = ("step", "loss", "train_acc", "test_acc", "lr", "seconds")


class History(Sequence):
    """Records ``{"step", "loss", "train_acc", "test_acc", "lr", "seconds"}`` of steps 0, 1, 2, ...

    Behaves as a list of dicts: ``len(h)``, ``h[i]``, ``h[-1]``, ``h[a:b]`` (a list), iteration, and
    ``h == [dict, ...]``. ``h.column("loss")`` is one field as a float64 array (None as NaN).
    `n_train` / `n_test` are the sizes the accuracies are measured on (an accuracy of None is kept as None);
    `set_sizes` changes them from the next record on (the trainer's data changed: points drawn or erased).
    """

    def __init__(self, n_train: int, n_test: int = 0):
        n_train, n_test = _sizes(n_train, n_test)
        self._n = 0
        hits = np.int16 if max(n_train, n_test) < 2**15 else np.int32  # -1 stands for None
        dtypes = {"loss": np.float64, "train_hits": hits, "test_hits": hits, "seconds": np.float16}
        self._columns = {name: np.empty(64, dtype) for name, dtype in dtypes.items()}
        self._lr_starts: list[int] = []  # the learning rate changes at these steps ...
        self._lr_values: list[float] = []  # ... to these values
        self._size_starts: list[int] = [0]  # the set sizes change at these steps ...
        self._size_values: list[tuple[int, int]] = [(n_train, n_test)]  # ... to these (n_train, n_test)

    @property
    def n_train(self) -> int:
        """The training set size the next record's accuracy is measured on."""
        return self._size_values[-1][0]

    @property
    def n_test(self) -> int:
        return self._size_values[-1][1]

    def set_sizes(self, n_train: int, n_test: int = 0) -> None:
        """Records from the next one on measure their accuracies on sets of these sizes; earlier ones keep theirs.

        >>> h = History(n_train=4)
        >>> h.append({"step": 0, "loss": 0.5, "train_acc": 0.75, "test_acc": None, "lr": 0.1, "seconds": 0.0})
        >>> h.set_sizes(5)
        >>> h.append({"step": 1, "loss": 0.4, "train_acc": 0.8, "test_acc": None, "lr": 0.1, "seconds": 0.0})
        >>> h.column("train_acc")
        array([0.75, 0.8 ])
        """
        sizes = _sizes(n_train, n_test)
        if sizes == self._size_values[-1]:
            return
        if max(sizes) >= 2**15 and self._columns["train_hits"].dtype == np.int16:
            for name in ("train_hits", "test_hits"):
                self._columns[name] = self._columns[name].astype(np.int32)
        if self._size_starts[-1] == self._n:  # no record measured on the sizes before: replace them
            self._size_values[-1] = sizes
        else:
            self._size_starts.append(self._n)
            self._size_values.append(sizes)

    def _sizes_at(self, k: int) -> tuple[int, int]:
        return self._size_values[bisect.bisect_right(self._size_starts, k) - 1]

    def append(self, record: dict) -> None:
        """Add the record of step ``len(self)``; the length grows last, so a record is all in or not at all."""
        k = self._n
        if record.get("step") != k:
            raise ValueError(f"History.append: records are steps 0, 1, 2, ...; expected step {k}, got {record!r:.120}")
        if k == len(self._columns["loss"]):  # grow by doubling: appends cost O(1) on average
            self._columns = {name: _grown(col) for name, col in self._columns.items()}
        train, test = _hits(record["train_acc"], self.n_train), _hits(record["test_acc"], self.n_test)
        lr = float(record["lr"])
        self._columns["loss"][k] = record["loss"]
        self._columns["train_hits"][k] = train
        self._columns["test_hits"][k] = test
        self._columns["seconds"][k] = record["seconds"]
        if not self._lr_values or self._lr_values[-1] != lr:
            self._lr_starts.append(k)
            self._lr_values.append(lr)
        self._n = k + 1

    def clear(self) -> None:
        self.__init__(self.n_train, self.n_test)  # the sizes of the data trained now

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._record(k) for k in range(*i.indices(self._n))]
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise TypeError(f"History indices must be integers or slices, not {type(i).__name__}")
        k = i + self._n if i < 0 else i
        if not 0 <= k < self._n:
            raise IndexError(f"History index {i} out of range for {self._n} records")
        return self._record(int(k))

    def _record(self, k: int) -> dict:
        c = self._columns
        n_train, n_test = self._sizes_at(k)
        return {
            "step": k,
            "loss": float(c["loss"][k]),
            "train_acc": _accuracy(int(c["train_hits"][k]), n_train),
            "test_acc": _accuracy(int(c["test_hits"][k]), n_test),
            "lr": self._lr_values[bisect.bisect_right(self._lr_starts, k) - 1],
            "seconds": float(c["seconds"][k]),
        }

    def column(self, name: str) -> np.ndarray:
        """One field for every step as a float64 array (a new one); None (no accuracy) is NaN."""
        n = self._n
        if name == "step":
            return np.arange(n, dtype=np.float64)
        if name in ("loss", "seconds"):
            return self._columns[name][:n].astype(np.float64)
        if name in ("train_acc", "test_acc"):
            hits = self._columns[name[:-4] + "_hits"][:n]
            segment = np.searchsorted(np.asarray(self._size_starts, dtype=np.intp), np.arange(n), "right") - 1
            totals = np.asarray(self._size_values, dtype=np.float64)[segment, 0 if name == "train_acc" else 1]
            return np.where(hits < 0, np.nan, hits / np.maximum(totals, 1))
        if name == "lr":
            starts = np.asarray(self._lr_starts, dtype=np.intp)
            return np.asarray(self._lr_values, dtype=np.float64)[np.searchsorted(starts, np.arange(n), "right") - 1]
        raise ValueError(f"History.column: unknown field {name!r}; choose one of {', '.join(FIELDS)}")

    @property
    def record_bytes(self) -> int:
        """Bytes a record takes in the columns (the learning rate is kept only where it changes)."""
        return sum(col.itemsize for col in self._columns.values())

    def __eq__(self, other) -> bool:
        if isinstance(other, (History, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # mutable, as a list

    def __repr__(self) -> str:
        last = f", last {self._record(self._n - 1)}" if self._n else ""
        return f"History({self._n} records{last})"


def _sizes(n_train, n_test) -> tuple[int, int]:
    for name, n in (("n_train", n_train), ("n_test", n_test)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"History: {name} must be an integer >= 0, got {n!r}")
    return int(n_train), int(n_test)


def _grown(col: np.ndarray) -> np.ndarray:
    new = np.empty(2 * len(col), col.dtype)  # np.empty: the pages not yet written take no memory
    new[: len(col)] = col
    return new


def _hits(acc, n: int) -> int:
    """An accuracy as the count of hits it stands for (-1 for None); refuses one that is not hits / n."""
    if acc is None:
        return -1
    hits = round(float(acc) * n) if n and math.isfinite(acc) else -2
    if not 0 <= hits <= n or hits / n != acc:
        raise ValueError(f"History.append: accuracy {acc!r} is not a count of hits out of {n} points")
    return hits


def _accuracy(hits: int, n: int) -> float | None:
    return None if hits < 0 else hits / n
