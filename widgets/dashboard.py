"""`TrainingDashboard`: watch a network learn, live. TensorFlow Playground in a notebook, on microgradx.

A thin view over a `Trainer`: Play runs the Trainer's own loop (`fit(steps=None)` at the chosen speed) in one
background thread (a `Runner`), Pause is the Trainer's `stop()`, and frames come from the Trainer's 'step'
events, drawn in the training thread between two steps (a `Throttle` keeps them to `max_fps`). One lock
guards the dashboard's state; every control is safe from any thread.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import inspect
import threading
from html import escape

import numpy as np

from microgradx import data as datasets
from microgradx.nn import dense_layers, predict
from microgradx.nn.module import Module
from microgradx.pictures import with_png
from microgradx.train import Divergence, Trainer, coded_for

from . import settings, snapshot
from ._throttle import Throttle
from .boundary_view import BoundaryView
from .controls import Controls
from .curves_view import CurvesView
from .layout import dashboard_layout
from .network_view import NetworkView, layer_weights
from .runner import Runner

__all__ = ["TrainingDashboard", "build_model"]

# kept importable from here, as before
LEARNING_RATES, ACTIVATIONS, ENGINES = settings.LEARNING_RATES, settings.ACTIVATIONS, settings.ENGINES
MAX_LAYERS, MAX_NEURONS = settings.MAX_LAYERS, settings.MAX_NEURONS
# attributes read through to the controls (dash.lr.value = 0.1 is what choosing 0.1 in the menu does)
_CONTROL_NAMES = frozenset(
    "play_button step_button reset_button regenerate add_layer remove_layer layer_boxes layers_box speed lr "
    "batch_size regularization reg_rate problem dataset noise train_ratio seed features activation engine "
    "show_test_data discretize step_label stats status classes draw draw_hint clear_button".split()
)


def build_model(
    n_inputs: int, hidden, activation: str = "tanh", *, engine: str = "tensor", seed: int = 0, outputs: int = 1
):
    """A network `n_inputs -> hidden... -> outputs` (one score, or one per class of k): Tensor layers (fast)
    or a scalar `MLP` (the lesson's).

    >>> build_model(2, [4], "relu", engine="scalar", seed=0).sizes
    [2, 4, 1]
    """
    hidden = [int(h) for h in hidden]
    if not isinstance(outputs, int) or isinstance(outputs, bool) or outputs < 1:
        raise ValueError(f"build_model: outputs must be an int >= 1, got {outputs!r}")
    if engine == "scalar":
        from microgradx.nn import MLP

        return MLP(n_inputs, [*hidden, outputs], activation=activation, output_activation="linear", seed=seed)
    if engine != "tensor":
        raise ValueError(f"build_model: engine must be 'tensor' or 'scalar', got {engine!r}")
    from microgradx import nn

    acts = {name: a.layer for name, a in nn.ACTIVATIONS.items()}  # "linear": None
    if activation not in acts:
        raise ValueError(f"build_model: unknown activation {activation!r}; choose one of {', '.join(acts)}")
    rng = np.random.default_rng(seed)  # one generator for all layers, as PyTorch's under manual_seed
    sizes, modules = [n_inputs, *hidden, outputs], []
    for i in range(len(sizes) - 1):
        modules.append(nn.Linear(sizes[i], sizes[i + 1], seed=rng))
        if i < len(sizes) - 2 and acts[activation] is not None:
            modules.append(acts[activation]())
    return nn.Sequential(*modules)


class TrainingDashboard:
    """A live training view with the Playground's controls. Show it as the last expression of a cell.

    >>> dash = TrainingDashboard(hidden=(4,), seed=0)    # moons, Tensor engine, hinge loss
    >>> history = dash.fit(20)                           # returns once the view shows step 20
    >>> dash.step_label.value, len(dash.history)
    ('step 20', 20)
    >>> TrainingDashboard(**dash.config).model.state_dict().keys() == dash.model.state_dict().keys()
    True

    Every setting is a keyword under the name of its control: `features` (names of
    `microgradx.data.FEATURES`), `regularization` (None, 'l1', 'l2') with `reg_rate` (`l2=x` is short for
    regularization='l2', reg_rate=x), `problem` ('classification' or 'regression', with the regression
    datasets and the squared error), `speed` (steps per second while playing, None for full speed),
    `show_test_data`, `discretize`, and `hide` (control names, see `settings.CONTROLS`). `dash.config`
    gives them back as a dict (``TrainingDashboard(**dash.config)`` rebuilds the same data and step-0
    weights) and `dash.code()` as the Python line. Out-of-range values raise, naming the range.

    Give your own `model` (a scalar `MLP` or a Tensor network) and/or `data` (a `Dataset`); changing the
    architecture, the engine or the dataset in the controls then builds a fresh model of that shape.
    Changing data, features or architecture goes back to step 0 and keeps playing if it was. On NaN/inf
    the trainer restores the last good weights; the dashboard stops, says so in its status line (as it
    does for any error that ends a run) and keeps the error in `dashboard.error` until Reset. With
    ``graph=True`` a `GraphWidget` of the loss on one sample is shown too, redrawn with the other views;
    click a training point on the boundary (or type its number) to see its graph.

    `classes=k` (k > 2, with the datasets that make k classes: spiral, blobs) trains a network with k
    outputs on k-class data with the loss 'cross_entropy'; two classes stay the default, with one output.

    Points you draw: the class selector under the output plane (`draw`: "off", a class name of
    ``dash.data.classes``, or "erase") says what a click on the plane does. With a class chosen, a click adds
    a training point of that class where it lands; shift-click, or a click in "erase" mode, removes the
    point under the pointer; Clear empties the plane. Drawn points are training points (the test points
    stay as they were; moving the train ratio slider splits all points again, seeded). Training goes on
    from the next step with the same weights and history, also while playing; an empty plane pauses and
    says so. The data is then "drawn" in the dataset menu, and `dash.data` is it as a `Dataset`. From code:
    `add_point(x1, x2, label)`, `add_points(X, labels)`, `remove_point(x1, x2)`, `clear_points()`. With
    ``graph=True``, "off" is "pick sample": a click picks the sample whose graph is shown.

    DOM hooks (CSS classes): ``mgx-dashboard``, ``mgx-boundary`` (the PNG), ``mgx-boundary-line`` and
    ``mgx-boundary-points`` (the SVG layers over it), ``mgx-step-counter``, ``mgx-play``, ``mgx-step``,
    ``mgx-reset``, ``mgx-speed``, ``mgx-feature``, ``mgx-regenerate``, ``mgx-status``, ``mgx-stats``,
    ``mgx-network``, ``mgx-curves``, ``mgx-graph``, ``mgx-draw`` (the class selector), ``mgx-draw-hint``,
    ``mgx-clear``.
    """

    def __init__(
        self,
        model=None,
        data=None,
        *,
        dataset: str | None = None,
        classes: int = 2,
        n: int = 200,
        noise: float = 0.1,
        test_ratio: float = 0.5,
        data_seed: int | None = None,
        features=("x1", "x2"),
        hidden=(8, 8),
        activation: str = "tanh",
        engine: str = "tensor",
        problem: str = "classification",
        loss: str | None = None,
        optimizer: str = "sgd",
        lr: float = 0.1,
        batch_size: int | str | None = 10,
        regularization: str | None = None,
        reg_rate: float = 0.0,
        l2: float | None = None,
        seed: int = 0,
        speed: float | None = settings.DEFAULT_SPEED,
        max_fps: float | None = 20.0,
        resolution: int = 100,
        size: int = 300,
        graph: bool = False,
        discretize: bool = False,
        show_test_data: bool = True,
        draw="off",
        hide=(),
    ):
        s = {k: v for k, v in locals().items() if k not in ("self", "model", "data")}
        s = self._check(s, model, data)
        self._fixed = {k: s[k] for k in ("n", "optimizer", "max_fps", "resolution", "size", "graph", "hide")}
        self._fixed["data_seed"] = s["data_seed"]
        self._losses = {_loss_key(s): s["loss"]}
        self._custom_data, self._custom_model = data, model
        self._lock = threading.RLock()  # the one lock: the dashboard's state, frames, runs starting and ending
        self._changed = threading.Condition(self._lock)  # a step was taken or a run ended
        self.error: BaseException | None = None  # what stopped training, until Reset
        self.controls = Controls(s, custom_data=data)
        self._data_key = None
        self._drawn, self._drawn_ratio = None, None  # the drawn points, and the train ratio they were drawn at
        self.data = self._load_data(s)
        self.controls.set_draw_classes(self._draw_classes(), graph=s["graph"])
        self.draw.value = s["draw"]  # a class the data does not have: ValueError, naming the classes
        self._make_views(s)
        self.model = model if model is not None else self._build_model(s)
        self._check_model(self.model)
        self._initial_state = self.model.state_dict()
        self._runner = Runner(self._lock, self._run_ended)
        self._new_trainer(s)
        self.graph = self._make_graph() if s["graph"] else None
        self.widget = dashboard_layout(self.controls, self._views(), s["hide"])
        self._throttle = Throttle(self._draw, s["max_fps"], lock=self._lock)
        self._wire()
        self._redraw()

    def _make_views(self, s: dict) -> None:
        """The output plane, the network and the curves, for the settings `s` (the graph panel comes later)."""
        self.boundary = BoundaryView(
            self.data,
            resolution=s["resolution"],
            size=s["size"],
            problem=s["problem"],
            discretize=s["discretize"],
            show_test_data=s["show_test_data"],
        )
        self.network = NetworkView(discretize=s["discretize"])
        self._network_data(self.data)
        self.curves = CurvesView()

    # ---- what code reads back ---------------------------------------------------------------------

    def __getattr__(self, name):
        if name in _CONTROL_NAMES and "controls" in vars(self):
            return getattr(self.controls, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def history(self):
        """Training records since the last reset: step, loss, train_acc, test_acc, lr, seconds."""
        return self.trainer.history

    @property
    def step_count(self) -> int:
        """Steps taken since the last reset."""
        return len(self.trainer.history)

    @property
    def playing(self) -> bool:
        """Play is on (a background run until paused)."""
        return self._runner.playing

    @property
    def frames(self) -> int:
        """Frames drawn so far."""
        return self._throttle.frames

    @property
    def config(self) -> dict:
        """Every setting as a plain dict: ``TrainingDashboard(**dash.config)`` is this dashboard at step 0."""
        values = self.controls.values()
        config = {**values, **self._fixed, "loss": self.trainer_loss}
        config["hidden"] = tuple(values["hidden"])
        if values["dataset"] == "custom":
            config["data"] = self._custom_data
            config["dataset"] = None
        elif values["dataset"] == "drawn":  # the points as they are now, with their split
            config["data"], config["dataset"] = self.data, None
            config["test_ratio"] = _test_ratio(self.data)
        if self._custom_model is not None and self.model is self._custom_model:
            model = copy.deepcopy(self.model)
            model.load_state_dict(self._initial_state)
            config["model"] = model
        return dict(sorted(config.items(), key=lambda kv: _ORDER.get(kv[0], len(_ORDER))))

    def code(self) -> str:
        """The Python line that makes this dashboard (settings that differ from the defaults)."""
        problem = self.controls.problem.value
        defaults = {
            **_DEFAULTS,
            "dataset": (settings.datasets_for(problem) or (None,))[0],
            "loss": settings.default_loss(problem, self.controls.values()["classes"]),
        }
        return settings.code_line(self.config, defaults)

    @property
    def trainer_loss(self) -> str:
        return self._losses[_loss_key(self.controls.values())]

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)  # deterministic, for notebooks kept as tests (nbval)
        if not len(self.data.X) + len(self.data.X_test):  # an empty plane: the picture has no points to frame
            return bundle
        with self._between_steps():  # a picture of this state for readers without a kernel (C7)
            return with_png(bundle, snapshot.dashboard_png, self, kwargs.get("include"), kwargs.get("exclude"))

    def __repr__(self) -> str:
        layers = layer_weights(self.model)
        sizes = "-".join(str(w.shape[1]) for w, _ in layers) + f"-{layers[-1][0].shape[0]}"
        history = self.history
        loss = f", loss {history[-1]['loss']:.4g}" if len(history) else ""
        return (
            f"TrainingDashboard({self.data.name!r}, {type(self.model).__name__} {sizes} {self.activation.value}, "
            f"step {self.step_count}{loss})"
        )

    # ---- driving it from code (and from the buttons) ----------------------------------------------

    def fit(self, steps: int):
        """Train `steps` steps at full speed (pausing Play first) and return the history once the view
        shows the last step. Stops early, with a message in the view, if training diverges."""
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
            raise ValueError(f"TrainingDashboard.fit: steps must be an integer >= 0, got {steps!r}")
        self._runner.run(self._trainer_to_run, steps)
        return self.history

    def step(self) -> dict | None:
        """One training step (the Step button); its record, or None if training is stopped by an error."""
        before = self.step_count
        self.fit(1)
        if self.graph is not None and self.step_count > before:
            self.graph.replay()  # that step's backward pass, node by node (if the graph's replay toggle is on)
        return self.history[-1] if self.step_count > before else None

    def play(self) -> None:
        """Train in the background at the chosen speed until `pause()` (the Play button)."""
        self._runner.start(self._trainer_to_run, None, pace=self.controls.values()["speed"])
        with self._lock:
            self._show_state()

    def pause(self) -> None:
        """Stop the background run after its current step; returns once it has stopped and the view shows
        the last step (the Pause button). From the training thread itself (a subscriber) it only asks."""
        self._runner.stop()
        with self._lock:
            self._show_state()

    def wait_for_step(self, step: int, timeout: float = 60.0) -> bool:
        """Block until `step` steps are taken, or no run is on; True if it got there."""
        with self._changed:
            self._changed.wait_for(lambda: self.step_count >= step or self._runner.idle, timeout)
        return self.step_count >= step

    def reset(self) -> None:
        """Back to the initial weights of this model and seed, with an empty history (the Reset button)."""
        with self._idle():
            self.model.load_state_dict(self._initial_state)
            self._new_trainer(self.controls.values())
            self._redraw()

    def pick_sample(self, i: int) -> None:
        """Show the graph of the loss on training point `i` (what a click on the point does; needs ``graph=True``)."""
        if self.graph is None:
            raise ValueError(
                "TrainingDashboard.pick_sample: there is no graph panel; make the dashboard with graph=True"
            )
        if not (isinstance(i, (int, np.integer)) and not isinstance(i, bool) and 0 <= i < len(self.data.X)):
            raise ValueError(f"TrainingDashboard.pick_sample: no training point {i!r} among {len(self.data.X)}")
        self.graph.sample.value = i  # the graph re-traces, between two steps if a run is on

    def set_hidden(self, hidden) -> None:
        """New hidden layer sizes, e.g. ``[8, 4]``: what the +/- layer buttons and the size boxes do."""
        self.controls.set_hidden(settings.check_hidden(hidden))
        self._rebuild()

    def regenerate(self) -> None:
        """New data from the next data seed (the Regenerate button); the same model seed, back to step 0."""
        with self._lock:
            current = self._fixed["data_seed"]
            self._fixed["data_seed"] = (self.controls.seed.value if current is None else current) + 1
        self._rebuild()

    # ---- points you draw ---------------------------------------------------------------------------

    def add_point(self, x1: float, x2: float, label) -> None:
        """Add a training point at (x1, x2) of class `label` (a name of ``dash.data.classes``): what a click
        on the plane does with that class chosen. Training goes on with it from the next step."""
        self.add_points([[x1, x2]], [label])

    def add_points(self, X, labels) -> None:
        """Add training points `X` (m, 2) with their classes `labels` (m names of ``dash.data.classes``, or
        one for all), in one change of the data."""
        where = "TrainingDashboard.add_points"
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: points must be numbers (m, 2), got {X!r:.80}") from None
        X = X.reshape(1, -1) if X.ndim == 1 else X
        if X.ndim != 2 or X.shape[1] != 2 or not np.isfinite(X).all():
            raise ValueError(f"{where}: points must be finite (x1, x2) pairs, an array (m, 2), got shape {X.shape}")
        labels = list(labels) if isinstance(labels, (list, tuple, np.ndarray)) else [labels] * len(X)
        if len(labels) != len(X):
            raise ValueError(f"{where}: {len(X)} points but {len(labels)} labels")

        def add(data):
            codes = np.array([_code(data, label, where) for label in labels], dtype=data.y.dtype)
            return dataclasses.replace(data, X=np.concatenate([data.X, X]), y=np.concatenate([data.y, codes]))

        self._edit(where, add)

    def remove_point(self, x1: float, x2: float) -> None:
        """Remove the point (training or test) nearest to (x1, x2), what shift-click or "erase" does."""

        def nearest(data):
            both = np.concatenate([data.X, data.X_test])
            if not len(both):
                return data
            i = int(np.argmin(np.hypot(both[:, 0] - x1, both[:, 1] - x2)))
            return _without(data, "train", i) if i < len(data.X) else _without(data, "test", i - len(data.X))

        self._edit("TrainingDashboard.remove_point", nearest)

    def clear_points(self) -> None:
        """Empty the plane (the Clear button): no training points, so training pauses until you add some."""

        def clear(data):
            X, y = data.X[:0].copy(), data.y[:0].copy()
            return dataclasses.replace(data, X=X, y=y, X_test=X, y_test=y)

        self._edit("TrainingDashboard.clear_points", clear)

    def _edit(self, where: str, change) -> None:
        """Draw: `change(data)` gives the new data from the data shown, under the lock (two threads drawing at
        once both count). It is shown and trained on from the next step, with the same weights and history,
        also while playing; an empty plane stops the run first (nothing to train on)."""
        with self._between_steps():
            data = self._drawable(where)
            new = change(data)
            if new is data:  # nothing under the eraser
                return
            if len(new.X) or self._runner.idle:  # a run starts under this lock: none can start meanwhile
                self._show_drawing(new)
                return
        with self._idle():
            self._show_drawing(change(self._drawable(where)))

    def _drawable(self, where: str):
        """The data shown, if points can be drawn on it (two features of a classification problem)."""
        data = self.data
        if self.controls.problem.value != "classification" or data.labels == "real":
            raise ValueError(f"{where}: drawing points is for classification; this is a regression problem")
        if data.X.shape[1] != 2:
            raise ValueError(
                f"{where}: points are drawn on a plane: the data must have 2-D points, not {data.X.shape[1]}"
            )
        return data

    def _show_drawing(self, data) -> None:
        """Show the drawn `data` and give it to the trainer (under the lock, between two steps)."""
        data = dataclasses.replace(data, name="drawn") if data.name != "drawn" else data
        empty = not len(data.X)
        self._drawn, self._drawn_ratio = data, self.controls.values()["test_ratio"]
        self._data_key = None
        self.controls.set_drawn()
        self.data = data
        if not empty:
            batch = self.controls.values()["batch_size"]
            self.trainer.batch_size = None if batch == "all" or batch >= len(data.X) else batch
            self.trainer.set_data(data)
        self.boundary.set_data(data, keep_extent=True)
        if self.graph is not None and not empty:
            self.graph.set_model(self.model, data)
            self.boundary.select(self.graph.sample.value)
        if empty:
            self.status.value = f"<span style='color:#b00020'>{escape(EMPTY)}</span>"
        elif EMPTY in self.status.value:
            self.status.value = ""
        self._throttle.force()

    def _plane_clicked(self, px: float, py: float, event: dict) -> None:
        """A click on the output plane (ipyevents), as the class selector says: pick, add or erase a point."""
        mode = self.draw.value
        if mode == "off":
            i = self.boundary.nearest(px, py)
            if i is not None and self.graph is not None:
                self.pick_sample(i)
        elif mode == "erase" or event.get("shiftKey"):

            def erase(data):  # under the lock: the boundary shows `data`
                hit = self.boundary.point_at(px, py)
                return data if hit is None else _without(data, *hit)

            self._from_a_click(self._edit, "TrainingDashboard", erase)
        else:
            self._from_a_click(self.add_point, *self.boundary.to_data(px, py), mode)

    def _from_a_click(self, change, *args) -> None:
        """A change a click asked for: a refusal goes to the status line (a click has nobody to raise to)."""
        try:
            change(*args)
        except (ValueError, RuntimeError) as e:
            self.status.value = f"<span style='color:#b00020'>{escape(str(e))}</span>"

    def _draw_classes(self) -> tuple:
        """The class names a click can add (none for regression)."""
        if self.controls.problem.value != "classification" or self.data.labels == "real":
            return ()
        return tuple(self.data.classes)

    # ---- runs ---------------------------------------------------------------------------------------

    def _trainer_to_run(self):
        """The trainer a new run trains (called under the lock by the runner), or None while an error stands."""
        if self.error is not None:
            self._show_state()
            return None
        if not len(self.data.X):
            self.status.value = f"<span style='color:#b00020'>{escape(EMPTY)}</span>"
            return None
        return self.trainer

    def _on_event(self, event) -> None:
        """A Trainer event, in the training thread, after the step is complete: maybe a frame."""
        if event.kind == "step":  # 'diverged' comes inside the trainer's lock: the run's end handles it
            with self._lock:
                self._throttle.request()
                self._changed.notify_all()

    def _run_ended(self, error: BaseException | None) -> None:
        """A run ended (in the training thread, under the lock): show why, and the last step."""
        if isinstance(error, Divergence):
            self._stop_with(error, f"{error}. Lower the learning rate, then press Reset.")
        elif error is not None:
            self._stop_with(error, f"{type(error).__name__}: {error}".rstrip(": "))
        with contextlib.suppress(Exception):  # a failing frame must not hide why the run stopped
            self._throttle.flush()
        self._show_state()
        self._changed.notify_all()

    def _stop_with(self, error: BaseException, message: str) -> None:
        self.error = error
        self.status.value = f"<span style='color:#b00020'><b>Stopped:</b> {escape(message)}</span>"

    def _show_state(self) -> None:
        """The Play button says what the runner does (set under the lock, never observed)."""
        playing = self._runner.playing
        with self.play_button.hold_sync():
            self.play_button.description, self.play_button.icon = ("Pause", "pause") if playing else ("Play", "play")

    @contextlib.contextmanager
    def _idle(self):
        """Hold the lock with no run on (stopping the current one first): the model and trainer may change."""
        if self._runner.in_training_thread:
            raise RuntimeError(
                "TrainingDashboard: the training thread (a Trainer subscriber) cannot change the model; "
                "call pause() there, then change it from another thread"
            )
        while True:
            self._runner.stop()
            self._lock.acquire()
            if self._runner.idle:
                break
            self._lock.release()  # another thread started a run meanwhile: stop that one too
        try:
            yield
        finally:
            self._lock.release()

    # ---- building -----------------------------------------------------------------------------------

    def _check(self, s: dict, model, data) -> dict:
        if data is not None and not isinstance(data, datasets.Dataset):
            raise TypeError(f"TrainingDashboard: data must be a microgradx.data.Dataset, got {type(data).__name__}")
        if model is not None and not isinstance(model, Module):
            raise TypeError(
                "TrainingDashboard: model must be a microgradx Module (a scalar MLP or a Tensor network such as "
                f"nn.Sequential), got {type(model).__name__}"
            )
        if data is not None:
            if not len(data.X) + len(data.X_test):
                raise ValueError(f"TrainingDashboard: dataset {data.name!r} has no points")
            s["dataset"] = "custom"
            s["test_ratio"] = _test_ratio(data)  # the user's own split, until the slider moves
            k = _n_classes(data)
            if s["classes"] not in (2, k):
                raise ValueError(f"TrainingDashboard: classes={s['classes']!r}, but the data has {k} classes")
            s["classes"] = k
            if data.X.shape[1] == 2 and all(f in datasets.FEATURES for f in data.feature_names):
                s["features"] = data.feature_names
        elif s["dataset"] is None:
            problem = s["problem"] if s["problem"] in settings.PROBLEMS else "classification"  # checked below
            s["dataset"] = (settings.datasets_for(problem) or ("moons",))[0]
        if model is not None:
            s["hidden"], s["activation"], s["engine"] = _describe(model, s["hidden"], s["activation"])
        settings.check(s)
        names = settings.datasets_for(s["problem"]) + (("custom",) if data is not None else ())
        if s["dataset"] not in names:
            raise ValueError(
                f"TrainingDashboard: dataset must be one of {', '.join(names)} for a {s['problem']} problem, "
                f"got {s['dataset']!r}"
            )
        return s

    def _check_model(self, model) -> None:
        try:
            out = predict(model, self.data.inputs[:2])
        except (ValueError, TypeError) as e:
            raise ValueError(f"TrainingDashboard: model cannot read this data: {e}") from None
        k = self._outputs(self.controls.values())
        if out.shape != ((min(2, len(self.data.inputs)),) if k == 1 else (min(2, len(self.data.inputs)), k)):
            what = "one score per point (end it with one neuron)" if k == 1 else f"{k} scores per point, one a class"
            raise ValueError(
                f"TrainingDashboard: model must give {what}, got {out.shape[-1] if out.ndim > 1 else 1} outputs"
            )

    def _load_data(self, s: dict):
        """The data of these settings (the same object while they stay the same: its cached inputs too)."""
        seed = s["seed"] if self._fixed["data_seed"] is None else self._fixed["data_seed"]
        key = (s["dataset"], s["classes"], s["noise"], seed, s["test_ratio"], tuple(s["features"]))
        if self._data_key == key:
            return self.data
        if s["dataset"] == "drawn":  # the drawing, with its own split until the slider moves
            data, key = self._drawn, None  # it changes under the same settings
            if s["test_ratio"] != self._drawn_ratio:
                data = data.split(s["test_ratio"], seed=seed)
        elif s["dataset"] == "custom":
            data = self._custom_data
            if s["test_ratio"] != _test_ratio(data):
                data = data.split(s["test_ratio"], seed=seed)
        else:
            k = {"classes": s["classes"]} if s["dataset"] in settings.multiclass_datasets() else {}
            data = datasets.load(
                s["dataset"], n=self._fixed["n"], noise=s["noise"], seed=seed, test_ratio=s["test_ratio"], **k
            )
        if data.X.shape[1] == 2 and tuple(s["features"]) != data.feature_names:
            data = data.with_features(*s["features"])
        self._data_key = key
        return data

    def _build_model(self, s: dict):
        return build_model(
            self.data.n_features,
            s["hidden"],
            s["activation"],
            engine=s["engine"],
            seed=s["seed"],
            outputs=self._outputs(s),
        )

    def _outputs(self, s: dict) -> int:
        """The model's outputs: one score for two classes or a regression, one per class for k > 2."""
        return s["classes"] if s["problem"] == "classification" and s["classes"] > 2 else 1

    def _new_trainer(self, s: dict) -> None:
        batch = s["batch_size"]
        self.trainer = Trainer(
            self.model,
            loss=self._losses.setdefault(_loss_key(s), settings.default_loss(s["problem"], s["classes"])),
            optimizer=self._fixed["optimizer"],
            data=self.data,
            lr=s["lr"],
            batch_size=None if batch == "all" or batch >= len(self.data.X) else batch,
            seed=s["seed"],
            **_regularization(s),
        )
        self.trainer.subscribe(self._on_event)
        self.error = None
        self.status.value = "" if len(self.data.X) else f"<span style='color:#b00020'>{escape(EMPTY)}</span>"

    def _rebuild(self) -> None:
        """Data, features, architecture, engine or seed changed: new data and model, from step 0; Play goes on."""
        playing = self._runner.playing
        s = self._classes_for_dataset()
        try:
            s["features"] = settings.check_features(s["features"])
            with self._idle():
                data = self._load_data(s)
                self.data = data
                self.boundary.set_data(data, keep_extent=s["dataset"] == "drawn")
                self.boundary.problem = s["problem"]
                self.controls.set_draw_classes(self._draw_classes(), graph=self.graph is not None)
                self._network_data(data)
                self.model = self._build_model(s)
                self._initial_state = self.model.state_dict()
                self._new_trainer(s)
                if self.graph is not None and len(data.X):
                    self.graph.set_model(self.model, self.data)
                    self.boundary.select(self.graph.sample.value)
                self._redraw()
        except (ValueError, TypeError) as e:  # e.g. blobs with noise 0: say why, keep what runs
            self.status.value = f"<span style='color:#b00020'>{escape(str(e))}</span>"
            return
        if playing:
            self.play()

    def _classes_for_dataset(self) -> dict:
        """The settings, with the classes control showing the data's k: its own for custom or drawn data, 2 for
        a dataset that only makes two (and for regression)."""
        s = self.controls.values()
        if s["dataset"] in ("custom", "drawn"):
            k = _n_classes(self._custom_data if s["dataset"] == "custom" else self._drawn)
        elif s["problem"] == "regression" or s["dataset"] not in settings.multiclass_datasets():
            k = 2
        else:
            k = s["classes"]
        if k != s["classes"]:
            with self.controls.quiet():
                self.controls.classes.value = k
            s["classes"] = k
        self.controls.classes.disabled = s["dataset"] not in settings.multiclass_datasets()
        return s

    def _set_hyper(self) -> None:
        """Learning rate, batch size and regularization apply from the next step on, without a reset."""
        s = self.controls.values()
        with self._lock, self.trainer.lock:  # the trainer's lock is held during a step: this lands between two
            trainer = self.trainer
            trainer.optimizer.lr = s["lr"]
            batch = s["batch_size"]
            trainer.batch_size = None if batch == "all" or batch >= len(self.data.X) else batch
            trainer.set_regularization(s["regularization"], s["reg_rate"])

    def _network_data(self, data) -> None:
        """The network view draws each neuron over the plane of 2-D data; other data only names the inputs."""
        with self.network.hold_sync():
            self.network.hovered = self.network.selected = None  # a new model: those neurons are gone
        self.boundary.neuron = None
        if data.X.shape[1] == 2:
            self.network.inputs = None  # the data's feature names
            if len(data.X) + len(data.X_test):  # an empty plane keeps the thumbnails' grid
                self.network.set_data(data)
        else:
            self.network.inputs = list(data.feature_names)

    def _show_neuron(self, change=None) -> None:
        """A neuron hovered or clicked in the network view: its output, large, in the output panel."""
        with self._between_steps():
            focus, layers = self.network.focus, dense_layers(self.model) or ()
            self.boundary.neuron = None if focus is None or focus[0] > len(layers) else focus  # a stale report
            self._throttle.force()

    def _set_view(self) -> None:
        """Show test data, Discretize output: the picture changes at once, training does not."""
        s = self.controls.values()
        with self._between_steps():
            self.boundary.show_test_data = s["show_test_data"]
            self.boundary.discretize = self.network.discretize = s["discretize"]
            self._throttle.force()

    def _set_speed(self) -> None:
        if self._runner.playing:
            self.trainer.pace = self.controls.values()["speed"]

    def _problem_changed(self) -> None:
        problem = self.controls.problem.value
        self.controls.set_datasets(problem)
        self._rebuild()

    def _wire(self) -> None:
        c = self.controls
        c.on("rebuild", self._rebuild)
        c.on("hyper", self._set_hyper)
        c.on("speed", self._set_speed)
        c.on("view", self._set_view)
        c.on("draw", lambda: c.show_draw_hint(self.graph is not None))
        c.clear_button.on_click(lambda _: self._from_a_click(self.clear_points))
        self.boundary.on_plane_click(self._plane_clicked)
        self.network.observe(self._show_neuron, names=["hovered", "selected"])
        c.problem.observe(lambda change: self._problem_changed(), "value")
        c.play_button.on_click(lambda _: self.pause() if self._runner.playing else self.play())
        c.step_button.on_click(lambda _: self.step())
        c.reset_button.on_click(lambda _: self.reset())
        c.regenerate.on_click(lambda _: self.regenerate())
        c.add_layer.on_click(lambda _: self._change_layers(+1))
        c.remove_layer.on_click(lambda _: self._change_layers(-1))

    def _change_layers(self, delta: int) -> None:
        sizes = self.controls.values()["hidden"]
        self.set_hidden(sizes + [sizes[-1] if sizes else 4] if delta > 0 else sizes[:-1])

    def _make_graph(self):
        from .graph_widget import GraphWidget

        graph = GraphWidget(model=self.model, data=self.data, loss=self.trainer_loss)
        graph.guard = self._between_steps  # a run may be on while the graph is traced or replayed
        graph.sample.observe(lambda change: self.boundary.select(change["new"]), "value")
        self.boundary.select(graph.sample.value)  # a click picks a sample while drawing is "off"
        return graph

    def _views(self) -> dict:
        return {
            "boundary": self.boundary,
            "network": self.network,
            "curves": self.curves,
            "graph": None if self.graph is None else self.graph.widget,
        }

    # ---- the view -------------------------------------------------------------------------------------

    def _redraw(self) -> None:
        """A frame now, whatever the rate (a control changed), between two steps if a run is on."""
        with self._between_steps():
            self._throttle.force()

    def _draw(self) -> None:
        """One frame, between two steps: render the model as it is and send it in one batch per widget."""
        with self._between_steps():  # the trainer's lock is free between steps: never half a step
            model, history = self.model, self.history
            self.boundary.update(model, self.trainer.threshold)
            with contextlib.ExitStack() as stack:
                for w in (self.network, self.curves, self.step_label, self.stats):
                    stack.enter_context(w.hold_sync())
                self.network.update(model, threshold=self.trainer.threshold)
                self.curves.update(history)
                self.step_label.value = f"step {len(history)}"
                self.stats.value = self._stats(history)
            if self.graph is not None:  # cheap and layout-stable: only numbers and colours change
                self.graph.update()

    def _stats(self, history) -> str:
        """Train and test loss (over the whole sets) and the accuracies, as the Playground shows them."""
        last = history[-1] if len(history) else {}
        parts = [f"{name} {value:.3f}" for name, value in zip(("train loss", "test loss"), self._losses_now())]
        if self.controls.problem.value == "classification":
            parts += [
                f"{name} {last[key]:.3f}"
                for key, name in (("train_acc", "train acc"), ("test_acc", "test acc"))
                if isinstance(last.get(key), float)
            ]
        return " &nbsp; ".join(parts)

    def _losses_now(self) -> list[float]:
        """The loss on the training set and on the test set (if any), for the current weights."""
        from microgradx.tensor import Tensor

        loss = self.trainer.loss_fn
        data = coded_for(self.data, self.trainer_loss)  # the labels as the Trainer codes them
        out = []
        with np.errstate(all="ignore"):
            for X, y in ((data.inputs, data.y), (data.inputs_test, data.y_test)):
                if len(X):
                    out.append(float(loss(Tensor(predict(self.model, X)), np.asarray(y, dtype=np.float64)).item()))
        return out

    @contextlib.contextmanager
    def _between_steps(self):
        """Hold off training (and other frames, and rebuilds) while the model is read: a frame, the graph panel."""
        with self._lock, self.trainer.lock:
            yield


_DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(TrainingDashboard.__init__).parameters.items()
    if p.default is not inspect.Parameter.empty
}
_ORDER = {name: i for i, name in enumerate(_DEFAULTS)}


EMPTY = "No training points: choose a class under the plane and click to add some, or choose a dataset."


def _loss_key(s: dict) -> str:
    """Which loss a setting trains with: each kind of problem keeps its own (the user's or the default)."""
    if s["problem"] == "regression":
        return "regression"
    return "k classes" if s["classes"] > 2 else "two classes"


def _n_classes(data) -> int:
    """The classes of a dataset (2 for continuous targets: the setting then means nothing)."""
    return data.n_classes or 2


def _without(data, kind: str, i: int):
    """`data` without its training point i (kind "train") or its test point i ("test")."""
    if kind == "train":
        return dataclasses.replace(data, X=np.delete(data.X, i, axis=0), y=np.delete(data.y, i))
    return dataclasses.replace(data, X_test=np.delete(data.X_test, i, axis=0), y_test=np.delete(data.y_test, i))


def _code(data, label, where: str) -> int:
    """The label code of class `label` (a name of `data.classes`) in the data's coding."""
    names = list(data.classes)
    if isinstance(label, bool) or label not in names:
        shown = ", ".join(map(repr, names))
        raise ValueError(f"{where}: {label!r} is not a class of this data; its classes are {shown}")
    i = names.index(label)
    return (-1, 1)[i] if data.labels == "pm1" else i


def _regularization(s: dict) -> dict:
    """The Trainer's keywords for the regularization settings."""
    return {"regularization": s["regularization"], "reg_rate": s["reg_rate"]}


def _describe(model, hidden, activation) -> tuple[list[int], str, str]:
    """Hidden sizes, activation and engine of a user's model, for the controls (the defaults if unknown)."""
    layers = dense_layers(model)
    if layers is None:
        return list(hidden), activation, "tensor"
    layers = layers[:-1]  # the hidden ones
    sizes, acts = [W.shape[0] for W, _, _ in layers], [act for _, _, act in layers]
    engine = "scalar" if hasattr(model, "layers") and hasattr(model.layers[0], "neurons") else "tensor"
    if len(sizes) <= MAX_LAYERS and all(1 <= s <= MAX_NEURONS for s in sizes):
        hidden = sizes
    if acts and acts[0] in ACTIVATIONS:
        activation = acts[0]
    return hidden, activation, engine


def _test_ratio(data) -> float:
    total = len(data.X) + len(data.X_test)
    return round(len(data.X_test) / total, 6) if total else 0.0
