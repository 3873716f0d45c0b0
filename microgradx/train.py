"""A training loop that can be watched: `Trainer.step()` / `fit()`, a history, and events for observers.

>>> from microgradx.data import moons
>>> from microgradx.nn import MLP
>>> trainer = Trainer(MLP(2, [8, 1], seed=0), "hinge", "sgd", moons(40, seed=0), lr=0.1)
>>> seen = []
>>> unsubscribe = trainer.subscribe(lambda event: seen.append(event.kind))
>>> history = trainer.fit(3)
>>> [r["step"] for r in history], seen
([0, 1, 2], ['step', 'step', 'step'])

Every step is all or nothing: the parameters (and optimizer state) are saved before the step and put
back if the loss or the updated parameters are NaN or infinite (`Divergence`), or if the step is
interrupted (KeyboardInterrupt). A widget can call `trainer.stop()` from another thread; `fit` then
returns after the step it is in.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import losses
from .data import Dataset
from .engine import Value, gc_paused
from .history import History
from .nn.arrays import dense_layers, predict
from .nn.mlp import MLP
from .nn.module import Module, zero_grads
from .optim import SGD, Adam, Optimizer

__all__ = [
    "Trainer",
    "Event",
    "Divergence",
    "History",
    "linear_decay",
    "micrograd_demo",
    "coded_for",
    "LOSSES",
    "OPTIMIZERS",
]

# name -> (loss on a batch, the label coding it needs: 'pm1', '01', 'index' (class indices 0..k-1, k >= 2
# scores per point), or None for the dataset's own)
LOSSES: dict[str, tuple[str, str | None]] = {
    "hinge": ("hinge_loss", "pm1"),
    "svm": ("hinge_loss", "pm1"),
    "mse": ("mse_loss", None),
    "bce": ("binary_cross_entropy_with_logits", "01"),
    "cross_entropy": ("cross_entropy", "index"),
}
OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam}


class Divergence(FloatingPointError):
    """Training produced NaN or inf at `step`; `cause` says what. The parameters are as before that step."""

    def __init__(self, step: int, cause: str):
        super().__init__(f"training diverged at step {step}: {cause}; parameters restored to before step {step}")
        self.step, self.cause = step, cause


@dataclass(frozen=True)
class Event:
    """What observers receive: `kind` is 'step', 'diverged' or 'stopped'; `record` is the step's history row."""

    kind: str
    step: int
    record: dict | None = None
    message: str = ""


def linear_decay(start: float = 1.0, drop: float = 0.9, steps: int = 100) -> Callable[[int], float]:
    """Learning rate falling linearly by `drop` over `steps` steps, then constant: micrograd's demo schedule.

    >>> schedule = linear_decay(1.0, 0.9, 100)
    >>> schedule(0), schedule(50), schedule(100), schedule(500)
    (1.0, 0.55, 0.09999999999999998, 0.09999999999999998)
    """
    if not start > drop >= 0 or steps < 1:
        raise ValueError(f"linear_decay needs start > drop >= 0 and steps >= 1, got {start}, {drop}, {steps}")

    def schedule(k: int) -> float:
        return start - drop * min(k, steps) / steps  # micrograd: 1.0 - 0.9 * k / 100

    schedule.__qualname__ = f"linear_decay({start}, {drop}, {steps})"
    return schedule


SCHEDULES: dict[str, Callable[[int], float]] = {"micrograd": linear_decay(1.0, 0.9, 100)}
_KEEP = object()  # fit(pace=...) not given: keep the trainer's pace
_PACE_POLL = 0.05  # seconds: how soon a paced fit sees a new pace


class Trainer:
    """Trains `model` on `data` one step at a time, keeping a history and telling observers after each step.

    - `loss`: 'hinge' (= 'svm', labels +-1), 'mse', 'bce' (cross-entropy on raw scores, labels 0/1),
      'cross_entropy' (softmax cross-entropy of k classes: the model gives k scores per point, e.g.
      ``MLP(2, [16, 16, k])``; the only loss for k >= 3 classes), or a callable
      ``loss(scores, targets) -> scalar`` for the model's engine (on k-class data it gets k scores per point
      and class indices).
    - `optimizer`: 'sgd', 'adam' (built with `lr`) or an `Optimizer` over the model's parameters.
    - `batch_size`: None for the whole training set per step, else a random batch drawn with `seed`.
    - `regularization`: None, 'l2' or 'l1', with `reg_rate`. 'l2' adds ``reg_rate * sum(p * p)`` over
      every parameter to the loss (micrograd's; ``l2=x`` is short for it). 'l1' is the Playground's: on
      the weights only (not biases), after the loss's update each weight moves ``lr * reg_rate`` towards 0
      and stops at 0 rather than cross it; the record's loss includes ``reg_rate * sum |w|``. Both are
      the same on either engine. A rate with regularization None does nothing.
    - `lr_schedule`: a callable ``k -> lr`` for step k, or 'micrograd' (1.0 - 0.9 k / 100).
    - `seed`: an integer >= 0 for the batches.

    `history` is a `History`: records ``{"step", "loss", "train_acc", "test_acc", "lr", "seconds"}``, the
    loss and accuracies of the parameters the step started from (test_acc None without a test split, both
    None for continuous targets), `seconds` the step's duration; ``history.column("loss")`` is an array.
    Accuracy is by sign for one score per point, by argmax for k (`n_outputs`, the scores per point).
    The optimizer must train the model's parameters (some of them, or all); its state is rolled back with
    them through `state_dict()` / `load_state_dict()`.
    """

    def __init__(
        self,
        model,
        loss: str | Callable = "hinge",
        optimizer: str | Optimizer = "sgd",
        data: Dataset | None = None,
        *,
        lr: float = 0.1,
        batch_size: int | None = None,
        l2: float = 0.0,
        regularization: str | None = None,
        reg_rate: float = 0.0,
        lr_schedule: Callable[[int], float] | str | None = None,
        seed: int = 0,
    ):
        self._take_model(model, data)
        self._take_data(loss, data)
        self.optimizer = self._make_optimizer(optimizer, lr)
        self.lr_schedule = _resolve_schedule(lr_schedule)
        self.batch_size = self._check_batch_size(batch_size)
        self.lock = threading.RLock()  # held during a step: take it to read the parameters consistently
        self._regularization, self._reg_rate, self._l1_weights = None, 0.0, []
        self.set_regularization(*_resolve_regularization(regularization, reg_rate, l2))
        self.seed = _check_seed(seed)
        self._rng = np.random.default_rng(seed)
        self.history = History(len(self._X), len(self._X_test))

        self._observers: list[Callable[[Event], None]] = []
        self._stop = threading.Event()  # set by stop(), cleared when a fit returns
        self._pace: float | None = None  # steps per second for fit; None: full speed

    # ---- regularization, changeable between steps ----------------------------------------------------

    def set_regularization(self, regularization: str | None, reg_rate: float) -> None:
        """Switch regularization (None, 'l1', 'l2') and its rate together; takes effect from the next step."""
        regularization, reg_rate = _resolve_regularization(regularization, reg_rate, 0.0)
        weights = self._weights() if regularization == "l1" else []
        with self.lock:  # not in the middle of a step
            self._regularization, self._reg_rate, self._l1_weights = regularization, reg_rate, weights

    @property
    def regularization(self) -> str | None:
        return self._regularization

    @regularization.setter
    def regularization(self, value: str | None) -> None:
        self.set_regularization(value, self._reg_rate)

    @property
    def reg_rate(self) -> float:
        return self._reg_rate

    @reg_rate.setter
    def reg_rate(self, value: float) -> None:
        self.set_regularization(self._regularization, value)

    @property
    def l2(self) -> float:
        """The L2 rate (0.0 unless regularization is 'l2'). Setting it is short for regularization='l2' at
        that rate, as the constructor's `l2=`: ``l2 = 0`` is no regularization at all."""
        return self._reg_rate if self._regularization == "l2" else 0.0

    @l2.setter
    def l2(self, value: float) -> None:
        rate = _rate("l2", value)
        self.set_regularization("l2" if rate else None, rate)

    # ---- data, changeable between steps -------------------------------------------------------------

    def set_data(self, data: Dataset) -> None:
        """Train on `data` from the next step on (points added or removed): the same model, optimizer state
        and history, whose accuracies are measured on the new sets from then on. Safe from any thread (waits
        for the step in progress). `data` needs training points, the model's inputs and, with batches, at
        least `batch_size` training points; if it is refused the trainer is as it was."""
        if not isinstance(data, Dataset):
            raise TypeError(f"Trainer.set_data: data must be a microgradx.data.Dataset, got {type(data).__name__}")
        if len(data.X) == 0:
            raise ValueError(f"Trainer.set_data: dataset {data.name!r} has no training points")
        with self.lock:
            if self.batch_size is not None and self.batch_size > len(data.X):
                raise ValueError(
                    f"Trainer.set_data: batch_size {self.batch_size} is more than the {len(data.X)} training "
                    "points; set trainer.batch_size first (None: the whole set)"
                )
            before = dict(vars(self))
            try:
                self._take_data(self.loss_fn, data)  # a built-in loss by its function codes labels as by name
                self.data = data
            except BaseException:
                vars(self).update(before)
                raise
            self.history.set_sizes(len(self._X), len(self._X_test))

    # ---- the steps of __init__ ----------------------------------------------------------------------

    def _take_model(self, model, data) -> None:
        if not isinstance(data, Dataset):
            raise TypeError(f"Trainer: data must be a microgradx.data.Dataset, got {type(data).__name__}")
        if not isinstance(model, Module):
            raise TypeError(f"Trainer: model must be a microgradx Module, got {type(model).__name__}")
        self.model, self.data = model, data
        self.params = model.parameters()
        if not self.params:
            raise ValueError(f"Trainer: {type(model).__name__} has no parameters to train")
        self.scalar = all(isinstance(p, Value) for p in self.params)

    def _take_data(self, loss, data: Dataset) -> None:
        """The loss and the data as it needs them: labels coded for the loss, arrays (and floats) made once."""
        self.loss_fn, coding = _resolve_loss(loss)
        coded = _code(data, loss, coding)
        self.regression = coded.labels == "real"
        self.n_outputs = data.n_classes if coding == "index" or coded.labels == "index" else 1
        self.threshold = 0.5 if (coding is None and coded.labels == "01") else 0.0  # mse on 0/1 targets
        dtype = np.int64 if self.n_outputs > 1 else np.float64  # class indices, or targets to multiply
        self._X, self._y = coded.inputs, coded.y.astype(dtype)
        self._X_test, self._y_test = coded.inputs_test, coded.y_test.astype(dtype)
        if self.scalar:  # Python numbers once, not per step
            self._rows, self._targets = self._X.tolist(), self._y.tolist()
        _check_model_width(self.model, self._X.shape[1], self.n_outputs, loss)

    def _make_optimizer(self, optimizer, lr) -> Optimizer:
        if isinstance(optimizer, Optimizer):
            ours = {id(p) for p in self.params}
            for i, p in enumerate(optimizer.params):
                if id(p) not in ours:
                    raise ValueError(
                        f"Trainer: the optimizer's parameter {i} is not a parameter of the "
                        f"{type(self.model).__name__}; build the optimizer from model.parameters()"
                    )
            return optimizer
        if isinstance(optimizer, str) and optimizer in OPTIMIZERS:
            return OPTIMIZERS[optimizer](self.params, lr=lr)
        raise ValueError(
            f"Trainer: unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)} or pass an Optimizer"
        )

    def _check_batch_size(self, batch_size) -> int | None:
        if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool)):
            raise TypeError(f"Trainer: batch_size must be an int or None, got {batch_size!r}")
        if batch_size is not None and not 1 <= batch_size <= len(self._X):
            raise ValueError(f"Trainer: batch_size must lie in [1, {len(self._X)}], got {batch_size}")
        return None if batch_size == len(self._X) else batch_size

    def _weights(self) -> list:
        """The weights L1 acts on, as in the Playground: weights, not biases (a Neuron's `w`, a layer's
        `weight`), among the parameters the optimizer trains."""
        trained = {id(p) for p in self.optimizer.params}
        weights = [
            p
            for name, p in self.model.named_parameters()
            if id(p) in trained and (name.split(".")[-1] == "weight" or name.split(".")[-2:-1] == ["w"])
        ]
        if not weights:
            raise ValueError(
                f"Trainer: regularization='l1' acts on weights (a Neuron's w, a layer's weight); "
                f"{type(self.model).__name__} has none among the trained parameters"
            )
        return weights

    # ---- observers ----------------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call `callback(event)` after every step (and on 'diverged' / 'stopped'); returns `unsubscribe`.

        Callbacks run in the thread that trains, after the step is complete (its record is in the history).
        """
        if not callable(callback):
            raise TypeError(f"subscribe: callback must be callable, got {callback!r}")
        self._observers.append(callback)

        def unsubscribe() -> None:
            if callback in self._observers:
                self._observers.remove(callback)

        return unsubscribe

    def _emit(self, event: Event) -> None:
        """Tell every observer, even when one of them raises; then raise the first error (a KeyboardInterrupt too)."""
        error = None
        for callback in list(self._observers):
            try:
                callback(event)
            except BaseException as e:  # one failing observer does not hide the event from the others
                error = error or e
        if error is not None:
            raise error

    # ---- training -----------------------------------------------------------------------------------

    @property
    def steps_done(self) -> int:
        return len(self.history)

    def step(self) -> dict:
        """One optimisation step; returns its history record. Raises `Divergence` (model unchanged) on NaN/inf."""
        with self.lock:
            k = len(self.history)
            start = time.perf_counter()
            lr = self._lr(k)
            saved = self._snapshot()
            try:
                self.history.append(self._step(k, lr, start))  # the commit point, and the last thing a step does
            except _Diverged as e:
                self._restore(saved)
                error = Divergence(k, e.cause)
                self._emit(Event("diverged", k, None, str(error)))
                raise error from None
            except BaseException:  # KeyboardInterrupt, an error in a loss: no half-updated parameters
                if len(self.history) == k:  # not committed (an interrupt just after the append keeps the step)
                    self._restore(saved)
                raise
        record = self.history[k]  # as the history keeps it (seconds to 3 digits)
        self._emit(Event("step", k, record))
        return record

    def _step(self, k: int, lr: float, start: float) -> dict:
        """The step itself: loss, gradients, update; its record. Any exception leaves the rollback to `step`."""
        batch = self._batch()
        with gc_paused(), np.errstate(all="ignore"):  # NaN/inf are checked below, not warned about
            loss, acc = self._forward(batch)
            loss_value = float(loss.item()) + self._l1_penalty()
            if not math.isfinite(loss_value):
                raise _Diverged(f"the loss is {loss_value} (lr={lr:g})")
            if self.batch_size is not None:  # report the whole training set, not the batch
                acc = self._accuracy(self._X, self._y)
            test_acc = self._accuracy(self._X_test, self._y_test) if len(self._X_test) else None
            zero_grads(self.params)  # all the model's, also those the optimizer leaves alone
            loss.backward()
            del loss  # free the graph now, not at the end of the step
            self.optimizer.lr = lr
            self.optimizer.step()
            self._l1_step(lr)
        if not self._parameters_finite():
            raise _Diverged(f"a parameter became NaN or inf after the update (loss {loss_value:.6g}, lr={lr:g})")
        return {
            "step": k,
            "loss": loss_value,
            "train_acc": None if self.regression else acc,
            "test_acc": None if self.regression else test_acc,
            "lr": lr,
            "seconds": time.perf_counter() - start,
        }

    def fit(self, steps: int | None = None, progress: bool = False, *, pace=_KEEP) -> list[dict]:
        """Run `steps` steps, or until `stop()` when `steps` is None; returns the history.

        `pace` (steps per second, None for full speed) sets `self.pace`, which may also be changed while
        `fit` runs (from any thread); the waits between steps end at once on `stop()`. `progress` shows a
        tqdm bar. A 'stopped' event tells observers that a stop or an interrupt ended the run.
        """
        if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool) or steps < 0):
            raise ValueError(f"fit: steps must be an integer >= 0 or None (until stop()), got {steps!r}")
        if pace is not _KEEP:
            self.pace = pace
        bar = _progress_bar(steps) if progress else None
        try:
            k, last = 0, None
            while steps is None or k < steps:
                if self._wait_for_pace(last):
                    self._emit(Event("stopped", len(self.history), None, "stopped by request"))
                    break
                last = time.perf_counter()
                record = self.step()
                k += 1
                if bar is not None:
                    bar.set_postfix_str(_summary(record), refresh=False)
                    bar.update(1)
        except KeyboardInterrupt:
            self._emit(Event("stopped", len(self.history), None, "interrupted (KeyboardInterrupt)"))
            raise
        finally:
            self._stop.clear()  # honoured (or the run ended): the next fit starts afresh
            if bar is not None:
                bar.close()
        return self.history

    def _wait_for_pace(self, last: float | None) -> bool:
        """Wait until the pace allows the next step (started `last`); True if `stop()` came first."""
        while not self._stop.is_set():
            pace = self.pace
            remaining = 0.0 if pace is None or last is None else last + 1.0 / pace - time.perf_counter()
            if remaining <= 0:
                return False
            self._stop.wait(min(remaining, _PACE_POLL))  # a new pace takes effect within _PACE_POLL
        return True

    def stop(self) -> None:
        """Ask `fit` to return after its current step, from any thread. Never lost: a stop that comes while
        a `fit` is starting (say, in a thread just launched) ends that fit before its first step; `fit(0)` takes
        no step and clears a stop that no fit is left to honour."""
        self._stop.set()

    @property
    def pace(self) -> float | None:
        """Steps per second that `fit` keeps to (None: as fast as it can); may change while `fit` runs."""
        return self._pace

    @pace.setter
    def pace(self, value) -> None:
        ok = value is None or (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
        )
        if not ok:
            raise ValueError(f"Trainer.pace: steps per second must be a finite number > 0 or None, got {value!r}")
        self._pace = None if value is None else float(value)

    def evaluate(self) -> dict:
        """The current parameters on each split: ``{"train_acc", "test_acc", "train_loss", "test_loss"}``.

        Losses are the data loss (no regularization term); test values are None without a test split,
        accuracies None for continuous targets.
        """
        with self.lock:
            out = {}
            for split, X, y in (("train", self._X, self._y), ("test", self._X_test, self._y_test)):
                scores = self._predict(X) if len(X) else None
                known = scores is not None
                out[f"{split}_acc"] = self._hits(scores, y) if known and not self.regression else None
                out[f"{split}_loss"] = self._data_loss(scores, y) if known else None
            return out

    # ---- the pieces of a step -----------------------------------------------------------------------

    def _lr(self, k: int) -> float:
        if self.lr_schedule is None:
            return self.optimizer.lr
        lr = self.lr_schedule(k)
        if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not math.isfinite(lr) or lr <= 0:
            raise ValueError(f"lr_schedule({k}) gave {lr!r}; a learning rate must be a finite number > 0")
        return float(lr)

    def _batch(self) -> np.ndarray | None:
        if self.batch_size is None:
            return None
        return np.sort(self._rng.choice(len(self._X), size=self.batch_size, replace=False))

    def _forward(self, batch):
        """(loss with the L2 term, accuracy on the batch) for the current parameters."""
        if self.scalar:
            rows, targets = self._rows, self._targets
            if batch is not None:
                rows, targets = [rows[i] for i in batch], [targets[i] for i in batch]
            scores = [self.model(row) for row in rows]
            self._check_scores(1 if isinstance(scores[0], Value) else len(scores[0]))
            loss = self.loss_fn(scores, targets)
            if self.l2:
                loss = loss + losses.l2_penalty(self.params, self.l2)
            if self.n_outputs > 1:
                return loss, self._hits(np.array([[s.data for s in row] for row in scores]), np.array(targets))
            hits = sum((s.data > self.threshold) == (t > 0) for s, t in zip(scores, targets))
            return loss, hits / len(targets)
        from .tensor import Tensor

        X, y = (self._X, self._y) if batch is None else (self._X[batch], self._y[batch])
        out = self.model(Tensor(X, dtype=self.params[0].data.dtype))
        if self.n_outputs > 1:
            if out.shape != (len(y), self.n_outputs):
                self._check_scores(out.shape[1] if out.ndim == 2 and len(out) == len(y) else None, out.shape)
            loss = self.loss_fn(out, y)
            scores = out
        else:
            if out.shape not in (y.shape, (len(y), 1)):
                self._check_scores(out.shape[1] if out.ndim == 2 and len(out) == len(y) else None, out.shape)
            scores = out.reshape(-1) if out.ndim == 2 else out
            loss = self.loss_fn(scores, y)
        if self.l2:
            loss = loss + losses.l2_penalty(self.params, self.l2)
        return loss, self._hits(scores.data, y)

    def _check_scores(self, width: int | None, shape: tuple | None = None) -> None:
        """A ValueError naming the fix, unless the model gives `n_outputs` scores per point."""
        if width == self.n_outputs:
            return
        got = f"output shape {shape}" if width is None else f"{width} output{'s' if width != 1 else ''}"
        raise ValueError(_width_message(self.n_outputs, got, self.data))

    def _accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return self._hits(self._predict(X), y)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        """Scores as arrays: (n,) for one per point, (n, k) for k."""
        scores = predict(self.model, X)
        return scores.reshape(len(X), self.n_outputs) if self.n_outputs > 1 else scores.reshape(len(X))

    def _hits(self, scores: np.ndarray, y: np.ndarray) -> float:
        """Accuracy: by argmax (ties to the first class) for k scores per point, else by the threshold."""
        if self.n_outputs > 1:
            return float(np.mean(scores.argmax(axis=1) == y))
        return float(np.mean((scores > self.threshold) == (y > 0)))

    def _data_loss(self, scores: np.ndarray, y: np.ndarray) -> float:
        """The loss of given scores, through the loss function as this engine calls it (on constants)."""
        from .tensor import Tensor

        with np.errstate(all="ignore"):
            if self.scalar:
                rows = scores.tolist()
                if self.n_outputs > 1:
                    rows = [[Value(s) for s in row] for row in rows]
                else:
                    rows = [Value(s) for s in rows]
                return float(self.loss_fn(rows, y.tolist()).data)
            return float(self.loss_fn(Tensor(scores), y).item())

    def _snapshot(self) -> tuple:
        if self.scalar:  # floats are immutable: keeping them is a copy
            values = [(p.data, p.grad) for p in self.params]
        else:
            values = [(p.data.copy(), np.copy(p.grad)) for p in self.params]
        return values, self.optimizer.state_dict(), self._rng.bit_generator.state  # a retried step: the same batch

    def _restore(self, saved: tuple) -> None:
        values, state, self._rng.bit_generator.state = saved
        for p, (data, grad) in zip(self.params, values):
            if isinstance(data, np.ndarray):
                p.data[...] = data
                p.grad = grad
            else:
                p.data, p.grad = data, grad
        self.optimizer.load_state_dict(state)

    def _parameters_finite(self) -> bool:
        if self.scalar:
            return all(math.isfinite(p.data) for p in self.params)
        return all(np.isfinite(p.data).all() for p in self.params)

    def _l1_penalty(self) -> float:
        """rate * sum |w| over the weights, added to the reported loss (L2's term is in the loss itself)."""
        if not self._l1_weights:
            return 0.0
        if self.scalar:
            return self._reg_rate * sum(abs(w.data) for w in self._l1_weights)
        return self._reg_rate * float(sum(np.abs(w.data).sum() for w in self._l1_weights))

    def _l1_step(self, lr: float) -> None:
        """The Playground's L1 step, after the loss's: w -= lr * rate * sign(w), and a weight that this
        would carry across 0 stops at 0 (soft thresholding). The Playground then freezes such a weight for
        good; here it stays at 0 only while its loss gradient is too weak to pull it out (|lr * g| <= lr * rate)."""
        shrink = lr * self._reg_rate
        for w in self._l1_weights:
            if isinstance(w.data, np.ndarray):
                w.data[...] = np.sign(w.data) * np.maximum(np.abs(w.data) - shrink, 0.0)
            else:
                w.data = math.copysign(max(abs(w.data) - shrink, 0.0), w.data) if w.data else 0.0

    def __repr__(self) -> str:
        return (
            f"Trainer({type(self.model).__name__}, data={self.data.name!r}, steps={len(self.history)}, "
            f"optimizer={self.optimizer!r})"
        )


class _Diverged(Exception):
    def __init__(self, cause: str):
        self.cause = cause


def _resolve_loss(loss) -> tuple[Callable, str | None]:
    if callable(loss):  # a built-in loss passed as a function codes labels as it does by name
        codings = {getattr(losses, name): coding for name, coding in LOSSES.values()}
        return loss, codings.get(loss)
    if loss not in LOSSES:
        raise ValueError(f"Trainer: unknown loss {loss!r}; choose one of {', '.join(LOSSES)} or pass a callable")
    name, coding = LOSSES[loss]
    return getattr(losses, name), coding


def coded_for(data: Dataset, loss) -> Dataset:
    """`data` with its labels coded as `loss` (a name of `LOSSES` or a loss function) needs them, as the
    Trainer codes them: 'pm1' for hinge, '01' for bce, class indices for cross_entropy (two classes as
    0/1), the dataset's own for mse and for a callable of your own. A loss that does not fit the data
    (a two-class loss on k classes, a class loss on continuous targets) is a ValueError naming the fix.
    """
    return _code(data, loss, _resolve_loss(loss)[1])


def _code(data: Dataset, loss, coding: str | None) -> Dataset:
    name = getattr(loss, "__name__", loss)
    if data.labels == "real" and coding is not None:
        raise ValueError(
            f"Trainer: dataset {data.name!r} has continuous targets (a regression problem); "
            f"use loss 'mse', not {name!r}"
        )
    k = data.n_classes
    if k > 2 and (coding in ("pm1", "01") or loss == "mse" or loss is losses.mse_loss):
        raise ValueError(
            f"Trainer: dataset {data.name!r} has {k} classes, and the loss {name!r} is for "
            f"{'two classes' if coding else 'continuous targets'}; use loss 'cross_entropy' with a model "
            f"of {k} outputs, e.g. MLP({data.n_features}, [16, 16, {k}])"
        )
    if coding == "index":
        coding = "01" if k == 2 else None  # two classes: indices 0 and 1; k >= 3 are indices already
    return data.with_labels(coding) if coding else data


REGULARIZATIONS = ("l1", "l2")


def _resolve_schedule(lr_schedule) -> Callable[[int], float] | None:
    if isinstance(lr_schedule, str):
        if lr_schedule not in SCHEDULES:
            raise ValueError(f"Trainer: unknown lr_schedule {lr_schedule!r}; choose {', '.join(SCHEDULES)}")
        return SCHEDULES[lr_schedule]
    if lr_schedule is not None and not callable(lr_schedule):
        raise TypeError(f"Trainer: lr_schedule must be a callable k -> lr, got {lr_schedule!r}")
    return lr_schedule


def _rate(name: str, value) -> float:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0):
        raise ValueError(f"Trainer: {name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _resolve_regularization(regularization, reg_rate, l2) -> tuple[str | None, float]:
    """(None | 'l1' | 'l2', rate); `l2=x` is short for regularization='l2', reg_rate=x."""
    reg_rate, l2 = _rate("reg_rate", reg_rate), _rate("l2", l2)
    if regularization is not None and regularization not in REGULARIZATIONS:
        raise ValueError(f"Trainer: regularization must be None, 'l1' or 'l2', got {regularization!r}")
    if l2:
        if regularization is not None or reg_rate:
            raise ValueError("Trainer: give either l2=rate or regularization=/reg_rate=, not both")
        return "l2", l2
    if regularization is None:  # a rate without a kind does nothing, as the Playground's "None"
        return None, reg_rate
    return regularization, reg_rate


def _check_seed(seed) -> int:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"Trainer: seed must be an integer >= 0, got {seed!r}")
    return int(seed)


def _check_model_width(model, d: int, outputs: int, loss) -> None:
    """The model reads the data's `d` features and gives `outputs` scores per point (when it is a dense
    stack whose widths can be read; another model is checked at its first step)."""
    layers = dense_layers(model)
    if layers is None:
        return
    if layers[0].W.shape[1] != d:
        raise ValueError(f"Trainer: the model reads {layers[0].W.shape[1]} inputs but the data has {d} features")
    width = layers[-1].W.shape[0]
    if width != outputs:
        name = getattr(loss, "__name__", loss)
        raise ValueError(_width_message(outputs, f"{width} output{'s' if width != 1 else ''}", name=name, d=d))


def _width_message(outputs: int, got: str, data: Dataset | None = None, *, name=None, d: int | None = None) -> str:
    d = data.n_features if data is not None else d
    if outputs == 1:
        loss = f" for the loss {name!r}" if name else ""
        return f"Trainer: the model must give one score per point{loss}, got {got}; end the model with one neuron"
    return (
        f"Trainer: the model must give {outputs} scores per point (one per class, for cross-entropy), got {got}; "
        f"end the model with {outputs} outputs, e.g. MLP({d}, [16, 16, {outputs}])"
    )


def _progress_bar(total: int):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError('a progress bar needs tqdm: pip install "microgradx[widgets]"') from None
    return tqdm(total=total, unit="step", dynamic_ncols=True)


def _summary(record: dict) -> str:
    acc = f" acc {record['train_acc']:.0%}" if record["train_acc"] is not None else ""
    test = f" test {record['test_acc']:.0%}" if record["test_acc"] is not None else ""
    return f"loss {record['loss']:.4f}{acc}{test} lr {record['lr']:.3g}"


# ---- the micrograd demo -----------------------------------------------------------------------------


def micrograd_demo(seed: int = 1337, n: int = 100) -> Trainer:
    """micrograd's demo, ready to `fit(100)`: MLP(2, [16, 16, 1]) on 100 moons, SVM loss + 1e-4 L2,
    learning rate 1.0 - 0.9 k / 100, full batch. With seed 1337 it is micrograd's run, number for number.
    """
    from .data import moons

    data = moons(n=n, noise=0.1, seed=seed)
    model = MLP(2, [16, 16, 1], seed=seed)
    return Trainer(model, "hinge", "sgd", data, lr=1.0, l2=1e-4, lr_schedule=linear_decay(1.0, 0.9, 100), seed=seed)
