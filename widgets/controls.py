"""`Controls`: the dashboard's knobs as ipywidgets, each under the name of the setting it changes.

The controls only turn clicks into calls: a change is reported to one of the callbacks the dashboard
gives (`rebuild`, `hyper`, `speed`, `view`), in the thread that made it (the kernel's, or a cell's). No
control is ever set from the training thread, so no observer runs training logic there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import ipywidgets as widgets

from microgradx import data as datasets

from .settings import (
    ACTIVATIONS,
    BATCH_SIZES,
    ENGINES,
    LEARNING_RATES,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_SEED,
    PROBLEMS,
    REG_RATES,
    SPEEDS,
    datasets_for,
)

__all__ = ["Controls", "FEATURE_LABELS"]

FEATURE_LABELS = {  # what the toggles say, as the Playground writes them
    "x1": "X1",
    "x2": "X2",
    "x1^2": "X1²",
    "x2^2": "X2²",
    "x1*x2": "X1X2",
    "sin(x1)": "sin(X1)",
    "sin(x2)": "sin(X2)",
}
WIDE = {"description_width": "initial"}
REBUILD = ("dataset", "noise", "test_ratio", "seed", "activation", "engine")
HYPER = ("lr", "batch_size", "regularization", "reg_rate")


def _with(options: tuple, value) -> tuple:
    """The options, with `value` added in order if it is not one of them."""
    if value in options:
        return options
    numbers = sorted(v for v in (*options, value) if isinstance(v, (int, float)) and v is not None)
    return (*(o for o in options if isinstance(o, str)), *numbers, *(o for o in options if o is None))


def _speed_label(speed) -> str:
    return "full" if speed is None else f"{speed:g}"


def _speed_value(label: str) -> float | int | None:
    if label == "full":
        return None
    value = float(label)
    return int(value) if value.is_integer() else value


class Controls:
    """Every control of the dashboard, made from a settings dict (see `settings.check`).

    `values()` reads back the settings the controls show; `quiet()` holds their callbacks while code sets
    several at once; `set_hidden(sizes)` shows that many layer boxes (made once, never rebuilt).
    """

    def __init__(self, s: dict, *, custom_data=None):
        self.custom = custom_data
        self._callbacks: dict[str, Callable[[], None]] = {}
        self._quiet = 0
        self._buttons()
        self._knobs(s)
        self._data(s)
        self._network(s)
        self._output(s)
        self._observe()

    # ---- reading and writing ------------------------------------------------------------------------

    def on(self, kind: str, callback: Callable[[], None]) -> None:
        """Call `callback()` when a control of `kind` ('rebuild', 'hyper', 'speed', 'view') changes."""
        self._callbacks[kind] = callback

    @contextlib.contextmanager
    def quiet(self):
        """Set controls without their callbacks firing (the caller acts once afterwards)."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def values(self) -> dict:
        """The settings the controls show."""
        return {
            "problem": self.problem.value,
            "dataset": self.dataset.value,
            "noise": float(self.noise.value),
            "test_ratio": round(1.0 - self.train_ratio.value, 6),
            "seed": int(self.seed.value),
            "features": tuple(name for name, t in self.features.items() if t.value),
            "hidden": [box.value for box in self.layers_box.children],
            "activation": self.activation.value,
            "engine": self.engine.value,
            "lr": float(self.lr.value),
            "batch_size": self.batch_size.value,
            "regularization": None if self.regularization.value == "none" else self.regularization.value,
            "reg_rate": float(self.reg_rate.value),
            "speed": _speed_value(self.speed.value),
            "discretize": self.discretize.value,
            "show_test_data": self.show_test_data.value,
        }

    def set_hidden(self, hidden: list[int]) -> None:
        """Show one box per hidden layer with its size (the boxes exist already: nothing new to send)."""
        with self.quiet():
            for box, size in zip(self.layer_boxes, hidden):
                box.value = size
            self.layers_box.children = tuple(self.layer_boxes[: len(hidden)])
        self.add_layer.disabled = len(hidden) >= MAX_LAYERS
        self.remove_layer.disabled = len(hidden) == 0

    def set_datasets(self, problem: str) -> None:
        """The dataset menu of a problem type (the user's own data stays a choice)."""
        names = datasets_for(problem) + (("custom",) if self.custom is not None else ())
        with self.quiet():
            self.dataset.options = names
            if self.dataset.value not in names:
                self.dataset.value = names[0] if names else None

    def set_features_enabled(self, enabled: bool) -> None:
        for toggle in self.features.values():
            toggle.disabled = not enabled

    # ---- making them ----------------------------------------------------------------------------------

    def _buttons(self) -> None:
        self.play_button = widgets.Button(description="Play", icon="play", tooltip="Play / pause")
        self.step_button = widgets.Button(description="Step", icon="step-forward", tooltip="One training step")
        self.reset_button = widgets.Button(description="Reset", icon="undo", tooltip="Back to the initial weights")
        self.regenerate = widgets.Button(description="Regenerate", icon="refresh", tooltip="New data (a new seed)")
        self.add_layer = widgets.Button(description="+ layer", tooltip="Add a hidden layer")
        self.remove_layer = widgets.Button(description="- layer", tooltip="Remove the last hidden layer")
        for w, hook in ((self.play_button, "play"), (self.step_button, "step"), (self.reset_button, "reset")):
            w.add_class(f"mgx-{hook}")
        self.regenerate.add_class("mgx-regenerate")
        for w in (self.play_button, self.step_button, self.reset_button, self.add_layer, self.remove_layer):
            w.layout.width = "86px"

    def _knobs(self, s: dict) -> None:
        speeds = [(_speed_label(v), _speed_label(v)) for v in _with(SPEEDS, s["speed"])]
        self.speed = widgets.SelectionSlider(
            options=speeds, value=_speed_label(s["speed"]), description="steps/s", style=WIDE
        )
        self.speed.add_class("mgx-speed")
        self.lr = widgets.Dropdown(
            options=_with(LEARNING_RATES, s["lr"]), value=s["lr"], description="learning rate", style=WIDE
        )
        batches = [(str(v), v) for v in _with(BATCH_SIZES, s["batch_size"])]
        self.batch_size = widgets.Dropdown(options=batches, value=s["batch_size"], description="batch size", style=WIDE)
        self.regularization = widgets.Dropdown(
            options=(("none", "none"), ("L1", "l1"), ("L2", "l2")),  # not None: it would read as "nothing chosen"
            value=s["regularization"] or "none",
            description="regularization",
            style=WIDE,
        )
        self.reg_rate = widgets.Dropdown(
            options=_with(REG_RATES, s["reg_rate"]), value=s["reg_rate"], description="rate", style=WIDE
        )
        self.problem = widgets.Dropdown(options=PROBLEMS, value=s["problem"], description="problem", style=WIDE)
        for w in (self.lr, self.batch_size, self.regularization, self.reg_rate, self.problem):
            w.layout.width = "190px"
        self.speed.layout.width = "260px"

    def _data(self, s: dict) -> None:
        self.dataset = widgets.Dropdown(description="data", style=WIDE)
        self.set_datasets(s["problem"])
        self.dataset.value = s["dataset"]
        self.noise = widgets.FloatSlider(value=s["noise"], min=0.0, max=1.0, step=0.05, description="noise", style=WIDE)
        self.train_ratio = widgets.FloatSlider(
            value=round(1 - s["test_ratio"], 6), min=0.1, max=1.0, step=0.1, description="train ratio", style=WIDE
        )
        self.seed = widgets.BoundedIntText(value=s["seed"], min=0, max=MAX_SEED, description="seed", style=WIDE)
        self.noise.disabled = self.custom is not None
        self.features = {
            name: widgets.ToggleButton(
                value=name in s["features"], description=FEATURE_LABELS.get(name, name), tooltip=f"feature {name}"
            )
            for name in datasets.FEATURES
        }
        for toggle in self.features.values():
            toggle.layout.width = "76px"
            toggle.add_class("mgx-feature")
        for w in (self.dataset, self.noise, self.train_ratio, self.seed):  # fit inside the Data column
            w.layout.width = "250px"

    def _network(self, s: dict) -> None:
        self.layer_boxes = [
            widgets.BoundedIntText(value=4, min=1, max=MAX_NEURONS, layout=widgets.Layout(width="46px"))
            for _ in range(MAX_LAYERS)
        ]
        self.layers_box = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap", max_width="300px"))
        self.layers_box.add_class("mgx-layer-sizes")
        self.set_hidden(s["hidden"])
        self.activation = widgets.Dropdown(
            options=ACTIVATIONS, value=s["activation"], description="activation", style=WIDE
        )
        self.engine = widgets.Dropdown(options=ENGINES, value=s["engine"], description="engine", style=WIDE)
        for w in (self.activation, self.engine):
            w.layout.width = "190px"

    def _output(self, s: dict) -> None:
        self.show_test_data = widgets.Checkbox(value=s["show_test_data"], description="Show test data", indent=False)
        self.discretize = widgets.Checkbox(value=s["discretize"], description="Discretize output", indent=False)
        self.show_test_data.add_class("mgx-show-test-data")
        self.discretize.add_class("mgx-discretize")
        self.step_label = widgets.Label("step 0", layout=widgets.Layout(min_width="80px"))
        self.step_label.add_class("mgx-step-counter")
        self.stats = widgets.HTML("")
        self.stats.add_class("mgx-stats")
        self.status = widgets.HTML("")
        self.status.add_class("mgx-status")

    def _observe(self) -> None:
        def fire(kind):
            def handler(change=None):
                if not self._quiet and kind in self._callbacks:
                    self._callbacks[kind]()

            return handler

        for name in REBUILD:
            getattr(self, name if name != "test_ratio" else "train_ratio").observe(fire("rebuild"), "value")
        for toggle in self.features.values():
            toggle.observe(fire("rebuild"), "value")
        for box in self.layer_boxes:
            box.observe(fire("rebuild"), "value")
        for name in HYPER:
            getattr(self, name).observe(fire("hyper"), "value")
        self.speed.observe(fire("speed"), "value")
        for w in (self.discretize, self.show_test_data):
            w.observe(fire("view"), "value")

    def widgets_of(self, name: str) -> list[widgets.Widget]:
        """The widgets of one control (a name of `settings.CONTROLS`)."""
        table = {
            "play": [self.play_button],
            "step": [self.step_button],
            "reset": [self.reset_button],
            "test_ratio": [self.train_ratio],
            "regenerate": [self.regenerate],
            "features": list(self.features.values()),
            "hidden": [self.add_layer, self.remove_layer, self.layers_box],
            "l2": [self.regularization, self.reg_rate],
        }
        return table.get(name) or [getattr(self, name)]
