"""`TrainingDashboard`: watch a network learn, live. TensorFlow Playground in a notebook, on microgradx.

Two threads, each with one job:

- the kernel's thread runs the controls (button clicks only flip flags) and `fit(n)` from code;
- while Play is on, a training thread calls `trainer.step()` until paused (the kernel stays free).

Whichever thread trains also draws, between two steps, at most `max_fps` times a second (a `Throttle`),
and once more when the steps stop, so the view always ends on the last state.
"""

from __future__ import annotations

import contextlib
import threading
from html import escape

import ipywidgets as widgets
import numpy as np

from microgradx import data as datasets
from microgradx.train import Divergence, Trainer

from ._throttle import Throttle
from .boundary_view import BoundaryView
from .curves_view import CurvesView
from .network_view import NetworkView, dense_layers, layer_weights

__all__ = ["TrainingDashboard", "build_model"]

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # the Playground's
L2_RATES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (("all", None), ("1", 1), ("5", 5), ("10", 10), ("20", 20), ("50", 50), ("100", 100))
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
ENGINES = ("tensor", "scalar")
MAX_LAYERS, MAX_NEURONS = 6, 32


def build_model(n_inputs: int, hidden, activation: str = "tanh", *, engine: str = "tensor", seed: int = 0):
    """A 1-output network `n_inputs -> hidden... -> 1`: Tensor layers (fast) or a scalar `MLP` (the lesson's).

    >>> build_model(2, [4], "relu", engine="scalar", seed=0).sizes
    [2, 4, 1]
    """
    hidden = [int(h) for h in hidden]
    if engine == "scalar":
        from microgradx.nn import MLP

        return MLP(n_inputs, [*hidden, 1], activation=activation, output_activation="linear", seed=seed)
    if engine != "tensor":
        raise ValueError(f"build_model: engine must be 'tensor' or 'scalar', got {engine!r}")
    from microgradx import nn

    acts = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "linear": None}
    if activation not in acts:
        raise ValueError(f"build_model: unknown activation {activation!r}; choose one of {', '.join(acts)}")
    rng = np.random.default_rng(seed)  # one generator for all layers, as PyTorch's under manual_seed
    sizes, modules = [n_inputs, *hidden, 1], []
    for i in range(len(sizes) - 1):
        modules.append(nn.Linear(sizes[i], sizes[i + 1], seed=rng))
        if i < len(sizes) - 2 and acts[activation] is not None:
            modules.append(acts[activation]())
    return nn.Sequential(*modules)


class TrainingDashboard:
    """A live training view with the Playground's controls. Show it as the last expression of a cell.

    >>> dash = TrainingDashboard(hidden=(4,), seed=0)    # moons, Tensor engine, hinge loss
    >>> history = dash.fit(20)                           # trains in this thread; the view shows step 20
    >>> dash.step_label.value, len(dash.history)
    ('step 20', 20)

    Give your own `model` (a scalar `MLP` or a Tensor network) and/or `data` (a `Dataset`); changing the
    architecture, the engine or the dataset in the controls then builds a fresh model of that shape.
    On NaN/inf the trainer restores the last good weights; the dashboard stops, says so in its status
    line and keeps the error in `dashboard.error` until Reset. With ``graph=True`` a `GraphWidget` of
    the loss on one sample is shown too, redrawn whenever a run stops (after every Step); click a training
    point on the boundary (or type its number) to see its graph.

    DOM hooks (CSS classes): ``mgx-dashboard``, ``mgx-boundary`` (the PNG), ``mgx-boundary-line`` and
    ``mgx-boundary-points`` (the SVG layers over it), ``mgx-step-counter``, ``mgx-play``, ``mgx-step``,
    ``mgx-reset``, ``mgx-status``, ``mgx-stats``, ``mgx-network``, ``mgx-curves``, ``mgx-graph``.
    """

    def __init__(
        self,
        model=None,
        data=None,
        *,
        dataset: str = "moons",
        n: int = 200,
        noise: float = 0.1,
        test_ratio: float = 0.5,
        hidden=(8, 8),
        activation: str = "tanh",
        engine: str = "tensor",
        loss: str = "hinge",
        optimizer: str = "sgd",
        lr: float = 0.1,
        batch_size: int | None = 10,
        l2: float = 0.0,
        seed: int = 0,
        max_fps: float | None = 20.0,
        resolution: int = 100,
        size: int = 300,
        graph: bool = False,
    ):
        if data is not None and not isinstance(data, datasets.Dataset):
            raise TypeError(f"TrainingDashboard: data must be a microgradx.data.Dataset, got {type(data).__name__}")
        if model is not None:
            hidden, activation, engine = _describe(model, hidden, activation)
        if data is not None:
            test_ratio = _test_ratio(data)  # keep the user's own split until the slider moves
        self.n, self.loss, self.optimizer = n, loss, optimizer
        self.error: BaseException | None = None  # what stopped training (a Divergence), until Reset
        self._custom_data = data
        self._playing = threading.Event()
        self._thread: threading.Thread | None = None
        self._view_lock = threading.RLock()  # a frame and a rebuild never overlap
        self._stepped = threading.Condition()
        self._make_controls(dataset, noise, test_ratio, hidden, activation, engine, lr, batch_size, l2, seed)

        self.data = self._load_data()
        self.boundary = BoundaryView(self.data, resolution=resolution, size=size)
        self.network = NetworkView(inputs=list(self.data.feature_names))
        self.curves = CurvesView()
        self.model = model if model is not None else self._build_model()
        self._initial_state = self.model.state_dict()
        self._new_trainer()
        self.graph = None
        if graph:
            from .graph_widget import GraphWidget

            self.graph = GraphWidget(model=self.model, data=self.data, loss=loss)
            self.graph.guard = self._between_steps  # a run may be on while the graph is traced or replayed
            self.graph.sample.observe(lambda change: self.boundary.select(change["new"]), "value")
            self.boundary.select(self.graph.sample.value)
            self.boundary.on_click(self.pick_sample)
        self.widget = self._layout()
        self._throttle = Throttle(self._draw, max_fps)
        self._throttle.force()

    # ---- what code reads back ---------------------------------------------------------------------

    @property
    def history(self) -> list[dict]:
        """Training records since the last reset: step, loss, train_acc, test_acc, lr, seconds."""
        return self.trainer.history

    @property
    def step_count(self) -> int:
        """Steps taken since the last reset."""
        return len(self.trainer.history)

    @property
    def playing(self) -> bool:
        return self._playing.is_set()

    @property
    def frames(self) -> int:
        """Frames drawn so far."""
        return self._throttle.frames

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)  # deterministic, for notebooks kept as tests (nbval)
        return bundle

    def __repr__(self) -> str:
        sizes = "-".join(str(w.shape[1]) for w, _ in layer_weights(self.model)) + "-1"
        loss = f", loss {self.history[-1]['loss']:.4g}" if self.history else ""
        return (
            f"TrainingDashboard({self.data.name!r}, {type(self.model).__name__} {sizes} {self.activation.value}, "
            f"step {self.step_count}{loss})"
        )

    # ---- driving it from code ---------------------------------------------------------------------

    def fit(self, steps: int) -> list[dict]:
        """Train `steps` steps in this thread (pausing a background run first) and return the history once
        the view shows the last step. Stops early, with a message in the view, if training diverges."""
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
            raise ValueError(f"TrainingDashboard.fit: steps must be an integer >= 0, got {steps!r}")
        self.pause()
        try:
            for _ in range(steps):
                if not self._step_once():
                    break
        finally:
            self._throttle.flush()
            self._refresh_graph()
        return self.history

    def step(self) -> dict | None:
        """One training step (the Step button); its record, or None if training is stopped by an error."""
        before = self.step_count
        self.fit(1)
        return self.history[-1] if self.step_count > before else None

    def play(self) -> None:
        """Train in the background until `pause()` (the Play button)."""
        self.play_button.value = True

    def pause(self, timeout: float = 60.0) -> None:
        """Stop the background run after its current step, and wait until it has stopped (the Pause button)."""
        self.play_button.value = False
        self._join(timeout)

    def wait_for_step(self, step: int, timeout: float = 60.0) -> bool:
        """Block until the background run has taken `step` steps, or has stopped; True if it got there."""
        with self._stepped:
            self._stepped.wait_for(lambda: self.step_count >= step or not self.playing, timeout)
        return self.step_count >= step

    def reset(self) -> None:
        """Back to the initial weights of this model and seed, with an empty history (the Reset button)."""
        self.pause()
        with self._view_lock:
            self.model.load_state_dict(self._initial_state)
            self._new_trainer()
        self._throttle.force()
        self._refresh_graph()

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
        hidden = _check_hidden(hidden)
        self._building = True
        try:
            self._set_layer_boxes(hidden)
        finally:
            self._building = False
        self._rebuild()

    # ---- the training thread ----------------------------------------------------------------------

    def _step_once(self) -> bool:
        """One step, then a redraw request. False when training must stop."""
        if self.error is not None:
            return False
        try:
            with np.errstate(all="ignore"):  # overflow is divergence, which the trainer detects and undoes
                self.trainer.step()
        except Divergence as e:  # the trainer has restored the weights of before the step
            self._stop_with(e, f"{e}. Lower the learning rate, then press Reset.")
            return False
        with self._stepped:
            self._stepped.notify_all()
        self._throttle.request()
        return True

    def _stop_with(self, error: BaseException, message: str) -> None:
        self.error = error
        self.status.value = f"<span style='color:#b00020'><b>Stopped:</b> {escape(message)}</span>"
        self._playing.clear()

    def _run(self) -> None:
        try:
            while self._playing.is_set() and self._step_once():
                pass
            self._throttle.flush()  # the view ends on the last step
        except Exception as e:  # a bad setting or a bug: show it rather than die silently in a thread
            self._stop_with(e, f"{type(e).__name__}: {e}")
        finally:
            self._playing.clear()
            with self._stepped:
                self._stepped.notify_all()
            self.play_button.value = False  # the button follows a run that stopped by itself

    def _on_play(self, change) -> None:
        if change["new"]:
            if self.error is not None:  # a stopped run stays stopped until Reset
                self.play_button.value = False
                return
            self._join(60.0)
            self._playing.set()
            self.play_button.description, self.play_button.icon = "Pause", "pause"
            self._thread = threading.Thread(target=self._run, name="microgradx-train", daemon=True)
            self._thread.start()
        else:
            self._playing.clear()
            self.play_button.description, self.play_button.icon = "Play", "play"
            self._join(60.0)  # Pause returns once the run has stopped: nothing moves after it
            self._throttle.flush()
            self._refresh_graph()

    def _join(self, timeout: float) -> None:
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                raise TimeoutError(f"TrainingDashboard: the training thread did not stop within {timeout} s")

    # ---- building -----------------------------------------------------------------------------------

    def _load_data(self):
        test_ratio = round(1.0 - self.train_ratio.value, 6)
        if self.dataset.value == "custom":
            data = self._custom_data
            return data if test_ratio == _test_ratio(data) else data.split(test_ratio, seed=self.seed.value)
        return datasets.load(
            self.dataset.value, n=self.n, noise=self.noise.value, seed=self.seed.value, test_ratio=test_ratio
        )

    def _build_model(self):
        return build_model(
            self.data.n_features,
            [box.value for box in self.layer_boxes],
            self.activation.value,
            engine=self.engine.value,
            seed=self.seed.value,
        )

    def _batch_size(self) -> int | None:
        size = self.batch_size.value
        return None if size is None or size >= len(self.data.X) else size

    def _new_trainer(self) -> None:
        self.trainer = Trainer(
            self.model,
            loss=self.loss,
            optimizer=self.optimizer,
            data=self.data,
            lr=self.lr.value,
            batch_size=self._batch_size(),
            l2=self.l2.value,
            seed=self.seed.value,
        )
        self.error = None
        self.status.value = ""

    def _rebuild(self, change=None) -> None:
        """Architecture, engine, data or seed changed: stop, build new data and a new model, back to step 0."""
        if self._building:
            return
        self.pause()
        try:
            data = self._load_data()
        except (ValueError, TypeError) as e:  # e.g. blobs with noise 0: say why, keep what runs
            self.status.value = f"<span style='color:#b00020'>{escape(str(e))}</span>"
            return
        with self._view_lock:
            self.data = data
            self.boundary.set_data(data)
            self.network.inputs = list(data.feature_names)
            self.model = self._build_model()
            self._initial_state = self.model.state_dict()
            self._new_trainer()
        if self.graph is not None:
            self.graph.set_model(self.model, self.data)
            self.boundary.select(self.graph.sample.value)
        self._throttle.force()

    def _set_hyper(self, change) -> None:
        """Learning rate, L2 and batch size apply from the next step on, without a reset."""
        with self.trainer.lock:  # held during a step: the change lands between two steps
            self.trainer.optimizer.lr = self.lr.value
            self.trainer.l2 = float(self.l2.value)
            self.trainer.batch_size = self._batch_size()

    # ---- the view -------------------------------------------------------------------------------------

    def _draw(self) -> None:
        """One frame, between two steps: render the model as it is and send it in one batch per widget."""
        with self._between_steps():  # the trainer's lock is free between steps: never half a step
            model, history = self.model, self.trainer.history
            self.boundary.update(model, self.trainer.threshold)
            last = history[-1] if history else {}
            stats = " &nbsp; ".join(
                f"{name} {last[key]:.3f}"
                for key, name in (("loss", "loss"), ("train_acc", "train acc"), ("test_acc", "test acc"))
                if isinstance(last.get(key), float)
            )
            with contextlib.ExitStack() as stack:
                for w in (self.network, self.curves, self.step_label, self.stats):
                    stack.enter_context(w.hold_sync())
                self.network.update(model)
                self.curves.update(history)
                self.step_label.value = f"step {len(history)}"
                self.stats.value = stats

    def _refresh_graph(self) -> None:
        if self.graph is not None:
            self.graph.update()

    @contextlib.contextmanager
    def _between_steps(self):
        """Hold off training (and other frames, and rebuilds) while the model is read: a frame, the graph panel."""
        with self._view_lock, self.trainer.lock:
            yield

    def _make_controls(self, dataset, noise, test_ratio, hidden, activation, engine, lr, batch_size, l2, seed):
        names = list(datasets.DATASETS) + (["custom"] if self._custom_data is not None else [])
        if self._custom_data is not None:
            dataset = "custom"
        if dataset not in names:
            raise ValueError(f"TrainingDashboard: unknown dataset {dataset!r}; choose one of {', '.join(names)}")
        if engine not in ENGINES:
            raise ValueError(f"TrainingDashboard: engine must be one of {', '.join(ENGINES)}, got {engine!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"TrainingDashboard: activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}"
            )
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"TrainingDashboard: seed must be a non-negative int, got {seed!r}")
        hidden = _check_hidden(hidden)
        wide = {"description_width": "initial"}
        self.play_button = widgets.ToggleButton(value=False, description="Play", icon="play", tooltip="Play / pause")
        self.step_button = widgets.Button(description="Step", icon="step-forward", tooltip="One training step")
        self.reset_button = widgets.Button(description="Reset", icon="undo", tooltip="Back to the initial weights")
        self.step_label = widgets.Label("step 0")
        self.stats = widgets.HTML("")
        self.status = widgets.HTML("")
        self.lr = widgets.Dropdown(options=_with(LEARNING_RATES, lr), value=lr, description="learning rate", style=wide)
        self.l2 = widgets.Dropdown(options=_with(L2_RATES, l2), value=l2, description="L2", style=wide)
        batches = (
            BATCH_SIZES
            if any(v == batch_size for _, v in BATCH_SIZES)
            else (*BATCH_SIZES, (str(batch_size), batch_size))
        )
        self.batch_size = widgets.Dropdown(options=batches, value=batch_size, description="batch size", style=wide)
        self.activation = widgets.Dropdown(options=ACTIVATIONS, value=activation, description="activation", style=wide)
        self.engine = widgets.Dropdown(options=ENGINES, value=engine, description="engine", style=wide)
        self.dataset = widgets.Dropdown(options=names, value=dataset, description="data", style=wide)
        self.noise = widgets.FloatSlider(value=noise, min=0.0, max=1.0, step=0.05, description="noise", style=wide)
        self.train_ratio = widgets.FloatSlider(
            value=round(1 - test_ratio, 6), min=0.1, max=1.0, step=0.1, description="train ratio", style=wide
        )
        self.seed = widgets.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed", style=wide)
        self.noise.disabled = self._custom_data is not None
        for w in (self.dataset, self.noise, self.train_ratio, self.seed):  # fit inside the 270px Data column
            w.layout.width = "255px"
        self.add_layer = widgets.Button(description="+ layer", tooltip="Add a hidden layer")
        self.remove_layer = widgets.Button(description="- layer", tooltip="Remove the last hidden layer")
        self.layers_box = widgets.HBox()
        self._building = False
        self._set_layer_boxes(hidden)

        for w, name in (
            (self.play_button, "mgx-play"),
            (self.step_button, "mgx-step"),
            (self.reset_button, "mgx-reset"),
            (self.step_label, "mgx-step-counter"),
            (self.status, "mgx-status"),
            (self.stats, "mgx-stats"),
        ):
            w.add_class(name)
        self.play_button.observe(self._on_play, "value")
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.add_layer.on_click(lambda _: self._change_layers(+1))
        self.remove_layer.on_click(lambda _: self._change_layers(-1))
        for w in (self.lr, self.l2, self.batch_size):
            w.observe(self._set_hyper, "value")
        for w in (self.activation, self.engine, self.dataset, self.noise, self.train_ratio, self.seed):
            w.observe(self._rebuild, "value")

    def _set_layer_boxes(self, hidden) -> None:
        self.layer_boxes = [
            widgets.BoundedIntText(value=h, min=1, max=MAX_NEURONS, layout=widgets.Layout(width="60px")) for h in hidden
        ]
        for box in self.layer_boxes:
            box.observe(self._rebuild, "value")
        self.layers_box.children = self.layer_boxes
        self.add_layer.disabled = len(hidden) >= MAX_LAYERS
        self.remove_layer.disabled = len(hidden) == 0

    def _change_layers(self, delta: int) -> None:
        sizes = [box.value for box in self.layer_boxes]
        self.set_hidden(sizes + [sizes[-1] if sizes else 4] if delta > 0 else sizes[:-1])

    def _layout(self) -> widgets.Widget:
        bar = widgets.HBox([self.play_button, self.step_button, self.reset_button, self.step_label, self.stats])
        knobs = widgets.HBox([self.lr, self.l2, self.batch_size])
        data_box = widgets.VBox(
            [widgets.HTML("<b>Data</b>"), self.dataset, self.noise, self.train_ratio, self.seed],
            layout=widgets.Layout(width="270px"),
        )
        net_box = widgets.VBox(
            [
                widgets.HTML("<b>Network</b>"),
                widgets.HBox([self.add_layer, self.remove_layer]),
                self.layers_box,
                self.network,
                self.activation,
                self.engine,
            ]
        )
        out_box = widgets.VBox([widgets.HTML("<b>Output</b>"), self.boundary, self.curves])
        rows = [bar, knobs, widgets.HBox([data_box, net_box, out_box]), self.status]
        if self.graph is not None:
            rows.append(self.graph.widget)
        root = widgets.VBox(rows)
        root.add_class("mgx-dashboard")
        return root


def _check_hidden(hidden) -> list[int]:
    hidden = list(hidden)
    ok = len(hidden) <= MAX_LAYERS and all(
        isinstance(h, (int, np.integer)) and not isinstance(h, bool) and 1 <= h <= MAX_NEURONS for h in hidden
    )
    if not ok:
        raise ValueError(
            f"TrainingDashboard: hidden must be up to {MAX_LAYERS} ints in [1, {MAX_NEURONS}], got {hidden!r}"
        )
    return [int(h) for h in hidden]


def _describe(model, hidden, activation) -> tuple[list[int], str, str]:
    """Hidden sizes, activation and engine of a user's model, for the controls (the defaults if unknown)."""
    try:
        layers = dense_layers(model)[:-1]  # the hidden ones
    except TypeError:
        return list(hidden), activation, "tensor"
    sizes, acts = [W.shape[0] for W, _, _ in layers], [act for _, _, act in layers]
    engine = "scalar" if hasattr(model, "layers") and hasattr(model.layers[0], "neurons") else "tensor"
    if len(sizes) <= MAX_LAYERS and all(1 <= s <= MAX_NEURONS for s in sizes):
        hidden = sizes
    if acts and acts[0] in ACTIVATIONS:
        activation = acts[0]
    return hidden, activation, engine


def _with(options: tuple, value) -> tuple:
    return options if value in options else tuple(sorted((*options, value)))


def _test_ratio(data) -> float:
    total = len(data.X) + len(data.X_test)
    return round(len(data.X_test) / total, 6) if total else 0.0
