"""The dashboard's settings: their names, their allowed values, and one check for all of them.

Every setting a control can change is a keyword of `TrainingDashboard` under the same name, and
`dash.config` gives them back as a plain dict, so a lesson can set everything in code. Out-of-range
values are refused with the range, never clamped.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from microgradx import data as datasets
from microgradx import nn
from microgradx.train import LOSSES, OPTIMIZERS

__all__ = [
    "ACTIVATIONS",
    "BATCH_SIZES",
    "CONTROLS",
    "DEFAULT_SPEED",
    "ENGINES",
    "LEARNING_RATES",
    "MAX_CLASSES",
    "MAX_LAYERS",
    "MAX_NEURONS",
    "MAX_SEED",
    "PROBLEMS",
    "REGULARIZATIONS",
    "REG_RATES",
    "SPEEDS",
    "check",
    "code_line",
    "datasets_for",
    "multiclass_datasets",
]

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # the Playground's
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # the Playground's
BATCH_SIZES = ("all", 1, 5, 10, 20, 50, 100)  # "all" is a real option (None would read as "nothing chosen")
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, None)  # steps per second; None: as fast as it goes
DEFAULT_SPEED = 100  # circles takes 600-800 steps: 6-8 s to watch the boundary close around the centre
ACTIVATIONS = tuple(nn.ACTIVATIONS)  # the names of microgradx.nn's one activation table
ENGINES = ("tensor", "scalar")
PROBLEMS = ("classification", "regression")
REGULARIZATIONS = (None, "l1", "l2")
MAX_LAYERS, MAX_NEURONS = 6, 32
MAX_CLASSES = 6  # the class selector's buttons still fit under the output plane
MAX_SEED = 2**31 - 1

# The names `hide=` takes: each control, by the keyword it sets ("l2" stands for both regularization controls).
CONTROLS = (
    "play",
    "step",
    "reset",
    "speed",
    "lr",
    "batch_size",
    "regularization",
    "reg_rate",
    "l2",
    "problem",
    "dataset",
    "classes",
    "noise",
    "test_ratio",
    "seed",
    "regenerate",
    "features",
    "hidden",
    "activation",
    "engine",
    "show_test_data",
    "discretize",
    "draw",
)


def datasets_for(problem: str) -> tuple[str, ...]:
    """The built-in datasets of a problem type, in `microgradx.data.DATASETS` order."""
    regression = tuple(name for name in datasets.DATASETS if name in datasets.REGRESSION)
    if problem == "regression":
        return regression
    return tuple(name for name in datasets.DATASETS if name not in regression)


def multiclass_datasets() -> tuple[str, ...]:
    """The built-in classification datasets that make k classes (their generator takes `classes`)."""
    return tuple(
        name
        for name in datasets_for("classification")
        if "classes" in inspect.signature(datasets.DATASETS[name]).parameters
    )


def _fail(name: str, allowed: str, value, kind=ValueError):
    raise kind(f"TrainingDashboard: {name} must be {allowed}, got {value!r}")


def _number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _real_in(s: dict, name: str, lo: float, hi: float, *, hi_open: bool = False) -> None:
    value = s[name]
    if not _number(value):
        _fail(name, "a number", value, TypeError)
    ok = math.isfinite(value) and lo <= value and (value < hi if hi_open else value <= hi)
    if not ok:
        _fail(name, f"a number in [{lo}, {hi}{')' if hi_open else ']'}", value)
    s[name] = float(value)


def _choice(s: dict, name: str, choices) -> None:
    if s[name] not in choices:
        _fail(name, "one of " + ", ".join(map(repr, choices)), s[name])


def _int_in(s: dict, name: str, lo: int, hi: int) -> None:
    value = s[name]
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        _fail(name, f"an int in [{lo}, {hi}]", value, TypeError)
    if not lo <= value <= hi:
        _fail(name, f"an int in [{lo}, {hi}]", value)
    s[name] = int(value)


def check_hidden(hidden) -> list[int]:
    """Hidden layer sizes: up to MAX_LAYERS ints in [1, MAX_NEURONS]."""
    allowed = f"a sequence of up to {MAX_LAYERS} ints in [1, {MAX_NEURONS}], e.g. (8, 8)"
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
        _fail("hidden", allowed, hidden, TypeError)
    hidden = list(hidden)
    ok = len(hidden) <= MAX_LAYERS and all(
        isinstance(h, (int, np.integer)) and not isinstance(h, bool) and 1 <= h <= MAX_NEURONS for h in hidden
    )
    if not ok:
        _fail("hidden", allowed, hidden)
    return [int(h) for h in hidden]


def check_features(features) -> tuple[str, ...]:
    """Input features by `microgradx.data.FEATURES` names, at least one, each once."""
    names = tuple(datasets.FEATURES)
    if isinstance(features, str) or not hasattr(features, "__iter__"):
        _fail("features", f"a sequence of feature names from {', '.join(names)}", features, TypeError)
    features = tuple(features)
    unknown = [f for f in features if f not in names]
    if unknown or not features or len(set(features)) != len(features):
        _fail("features", f"one or more distinct names from {', '.join(names)}", features)
    return tuple(f for f in names if f in features)  # the toggles' order


def check(s: dict) -> dict:
    """Validate a settings dict in place (the keywords of `TrainingDashboard`); returns it, normalised."""
    _choice(s, "problem", PROBLEMS)
    _classes(s)
    if s["loss"] is None:
        s["loss"] = default_loss(s["problem"], s["classes"])
    _choice(s, "loss", tuple(LOSSES))
    if s["problem"] == "regression" and s["loss"] != "mse":
        _fail("loss", "'mse' for a regression problem", s["loss"])
    if s["problem"] == "classification" and (s["loss"] == "cross_entropy") != (s["classes"] > 2):
        allowed = "'cross_entropy' for k > 2 classes" if s["classes"] > 2 else "a two-class loss for 2 classes"
        _fail("loss", f"{allowed} (classes={s['classes']})", s["loss"])
    if isinstance(s["optimizer"], str):
        _choice(s, "optimizer", tuple(OPTIMIZERS))
    _int_in(s, "n", 2, 100_000)
    _real_in(s, "noise", 0.0, 1.0)
    _real_in(s, "test_ratio", 0.0, 0.9)
    _int_in(s, "seed", 0, MAX_SEED)
    if s["data_seed"] is not None:
        _int_in(s, "data_seed", 0, MAX_SEED)
    s["hidden"] = check_hidden(s["hidden"])
    s["features"] = check_features(s["features"])
    _choice(s, "activation", ACTIVATIONS)
    _choice(s, "engine", ENGINES)
    _real_in(s, "lr", 0.0, math.inf)
    if s["lr"] <= 0:
        _fail("lr", "a finite number > 0, e.g. one of " + ", ".join(map(str, LEARNING_RATES)), s["lr"])
    if s["batch_size"] is None:
        s["batch_size"] = "all"
    if s["batch_size"] != "all":
        _int_in(s, "batch_size", 1, 100_000)
    _regularization(s)
    if s["speed"] is not None:
        _real_in(s, "speed", 0.0, math.inf)
        if s["speed"] <= 0:
            _fail("speed", "steps per second > 0, or None for full speed", s["speed"])
    if s["max_fps"] is not None:
        _real_in(s, "max_fps", 0.0, math.inf)
        if s["max_fps"] <= 0:
            _fail("max_fps", "frames per second > 0, or None for a frame after every step", s["max_fps"])
    for flag in ("discretize", "show_test_data", "graph"):
        if not isinstance(s[flag], bool):
            _fail(flag, "True or False", s[flag], TypeError)
    s["hide"] = _check_hide(s["hide"])
    return s


def default_loss(problem: str, classes: int) -> str:
    """The loss a dashboard trains with unless told: squared error, hinge (two classes), cross-entropy (k)."""
    return "mse" if problem == "regression" else ("cross_entropy" if classes > 2 else "hinge")


def _classes(s: dict) -> None:
    """`classes`: k in [2, MAX_CLASSES]; k > 2 for a built-in dataset that makes k classes (spiral, blobs)."""
    _int_in(s, "classes", 2, MAX_CLASSES)
    if s["problem"] == "regression" and s["classes"] != 2:
        _fail("classes", "2 (the default) for a regression problem", s["classes"])
    if s["classes"] != 2 and s["dataset"] in datasets.DATASETS and s["dataset"] not in multiclass_datasets():
        names = ", ".join(multiclass_datasets()) or "none yet"
        _fail("classes", f"2 for dataset {s['dataset']!r} (k classes come with: {names})", s["classes"])


def _regularization(s: dict) -> None:
    if s["l2"] is not None:  # the shorthand: l2=x is regularization="l2", reg_rate=x
        if s["regularization"] not in (None, "l2") or s["reg_rate"] not in (0, 0.0, s["l2"]):
            raise ValueError("TrainingDashboard: give either l2= or regularization= and reg_rate=, not both")
        _real_in(s, "l2", 0.0, math.inf)
        s["regularization"], s["reg_rate"] = ("l2" if s["l2"] else None), s["l2"]
    s["l2"] = None
    if isinstance(s["regularization"], str):
        s["regularization"] = s["regularization"].lower()
    _choice(s, "regularization", REGULARIZATIONS)
    _real_in(s, "reg_rate", 0.0, math.inf)


def _check_hide(hide) -> tuple[str, ...]:
    if isinstance(hide, str):
        hide = (hide,)
    hide = tuple(hide)
    unknown = [name for name in hide if name not in CONTROLS]
    if unknown:
        raise ValueError(
            f"TrainingDashboard: hide={unknown[0]!r} is not a control; the controls are {', '.join(CONTROLS)}"
        )
    return hide


def code_line(config: dict, defaults: dict) -> str:
    """``TrainingDashboard(...)`` with every setting that differs from its default."""
    args = []
    for name in ("model", "data"):
        if config.get(name) is not None:
            args.append(name)  # the user's own objects, by the names the line expects
    for name, value in config.items():
        if name in ("model", "data") or defaults.get(name, object()) == value:
            continue
        args.append(f"{name}={value!r}")
    return f"TrainingDashboard({', '.join(args)})"
