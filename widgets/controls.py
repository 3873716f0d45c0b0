"""`Controls`: the dashboard's knobs as ipywidgets, each under the name of the setting it changes.

The controls only turn clicks into calls: a change is reported to one of the callbacks the dashboard
gives (`rebuild`, `hyper`, `speed`, `view`), in the thread that made it (the kernel's, or a cell's). No
control is ever set from the training thread, so no observer runs training logic there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import ipywidgets as widgets
from traitlets import validate

from microgradx import data as datasets
from microgradx.plot import class_colours  # the boundary's and the points' colours, one place

from .settings import (
    ACTIVATIONS,
    BATCH_SIZES,
    ENGINES,
    LEARNING_RATES,
    MAX_CLASSES,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_SEED,
    PROBLEMS,
    REG_RATES,
    SPEEDS,
    datasets_for,
    multiclass_datasets,
)

__all__ = ["Controls", "ClassSelector", "FEATURE_LABELS"]

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
REBUILD = ("dataset", "classes", "noise", "test_ratio", "seed", "activation", "engine")
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


class ClassSelector(widgets.ToggleButtons):
    """What a click on the output plane does: "off" (with a graph panel: pick the sample whose graph is
    shown), add a training point of one class (the value is the class's name, one of `Dataset.classes`),
    or "erase" the point under the pointer. A value that is none of these is a ValueError naming them."""

    @validate("value")
    def _validate_value(self, proposal):
        value = proposal["value"]
        if isinstance(value, bool) or value not in self._options_values:
            classes = ", ".join(map(repr, self._options_values[1:-1])) or "none: drawing is for classification"
            raise ValueError(
                f"TrainingDashboard: draw must be 'off', 'erase' or a class of the data ({classes}), got {value!r}"
            )
        return super()._validate_value(proposal)


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
        self._drawing(s)
        self._observe()

    # ---- reading and writing ------------------------------------------------------------------------

    def on(self, kind: str, callback: Callable[[], None]) -> None:
        """Call `callback()` when a control of `kind` ('rebuild', 'hyper', 'speed', 'view', 'draw') changes."""
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
            "classes": int(self.classes.value),
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
            "draw": self.draw.value,
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
        """The dataset menu of a problem type (the user's own data and the drawn points stay choices)."""
        names = datasets_for(problem) + (("custom",) if self.custom is not None else ())
        names += ("drawn",) if self.drawn and problem == "classification" else ()
        with self.quiet():
            if tuple(self.dataset.options) != names:
                value = self.dataset.value
                self.dataset.options = names
                self.dataset.value = value if value in names else (names[0] if names else None)
        self.classes.disabled = self.dataset.value not in multiclass_datasets()

    def set_drawn(self) -> None:
        """Points were drawn: "drawn" is in the dataset menu and chosen (no rebuild: the caller swaps the data)."""
        self.drawn = True
        self.set_datasets(self.problem.value)
        with self.quiet():
            self.dataset.value = "drawn"
        self.classes.disabled = True

    def set_draw_classes(self, classes: tuple, *, graph: bool) -> None:
        """The class selector for data with these class names (() for regression: no drawing)."""
        off = "pick sample" if graph else "off"
        options = [(off, "off")] + [(str(c), c) for c in classes] + [("erase", "erase")] * bool(classes)
        with self.quiet():
            value = self.draw.value if self.draw.value in [v for _, v in options] else "off"
            if [v for _, v in options] != list(self.draw._options_values):
                self.draw.options = options
                self.draw.tooltips = [
                    "clicks pick the sample whose graph is shown" if graph else "clicks do nothing",
                    *(f"a click adds a training point of class {c}" for c in classes),
                    *(["a click removes the point under the pointer"] if classes else []),
                ]
            self.draw.value = value
        self._style_classes(len(classes))
        self.clear_button.disabled = not classes
        self.show_draw_hint(graph)

    def show_draw_hint(self, graph: bool) -> None:
        """The line under the class selector: what a click does now."""
        value, names = self.draw.value, list(self.draw._options_values[1:-1])
        if value == "off":
            what = "Clicks pick the sample whose graph is shown." if graph else "Clicks on the plane do nothing."
            text = what + (" Choose a class to draw points." if names else "")
        elif value == "erase":
            text = "Click a point to remove it."
        else:
            colour = class_colours(len(names))[names.index(value)]
            swatch = f"<span style='color:{colour};font-size:15px'>&#9679;</span>"
            text = f"{swatch} Click to add a point of class {value}; shift-click removes one."
        style = "font-size:11px;line-height:14px;color:#555;margin:2px 0 4px"
        self.draw_hint.value = f"<div style='{style}'>{text} Drawn points are training points.</div>"

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
        self.drawn = s["dataset"] == "drawn"
        self.dataset = widgets.Dropdown(description="data", style=WIDE)
        self.classes = widgets.Dropdown(
            options=tuple(range(2, MAX_CLASSES + 1)), value=s["classes"], description="classes", style=WIDE
        )
        self.set_datasets(s["problem"])
        self.dataset.value = s["dataset"]
        self.classes.disabled = s["dataset"] not in multiclass_datasets()
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
        for w in (self.dataset, self.classes, self.noise, self.train_ratio, self.seed):  # inside the Data column
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

    def _drawing(self, s: dict) -> None:
        """The class selector (what a click on the plane does), its hint, and Clear; their options come
        with the data (`set_draw_classes`)."""
        self.draw = ClassSelector(options=[("off", "off")], value="off", style={"button_width": "auto"})
        self.draw.add_class("mgx-draw")
        self.draw_hint = widgets.HTML("", layout=widgets.Layout(max_width="300px"))
        self.draw_hint.add_class("mgx-draw-hint")
        self.clear_button = widgets.Button(
            description="Clear", icon="trash", tooltip="Remove every point from the plane", layout={"width": "80px"}
        )
        self.clear_button.add_class("mgx-clear")
        self._draw_style = widgets.HTML("", layout={"display": "none"})  # the class buttons' colours

    def _style_classes(self, k: int) -> None:
        """A stripe of each class's colour under its button (the buttons after the first, "off")."""
        rules = "".join(
            f".mgx-draw button:nth-child({i + 2}){{box-shadow:inset 0 -4px 0 {colour}}}"
            for i, colour in enumerate(class_colours(k) if k else ())
        )
        self._draw_style.value = f"<style>{rules}</style>"

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
        self.draw.observe(fire("draw"), "value")

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
            "draw": [self.draw, self.draw_hint, self.clear_button, self._draw_style],
        }
        return table.get(name) or [getattr(self, name)]
