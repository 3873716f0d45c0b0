"""TrainingDashboard driven from code without a browser: every control (also while playing), the run loop,
settings in and out (config, code, hide), bad input, errors shown in the status line, the memory a step costs."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from PIL import Image

from microgradx.data import FEATURES, Dataset, moons
from microgradx.nn import MLP, Linear, Sequential, Tanh
from microgradx.train import Trainer
from microgradx.widgets import Throttle, TrainingDashboard, build_model
from microgradx.widgets.network_view import layer_weights
from microgradx.widgets.settings import CONTROLS

SMALL = {"resolution": 24, "size": 72, "n": 60}  # a cheap view for tests that look at state, not pixels
JOIN = 120  # seconds: only a deadlock waits this long


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def weights_equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def widths(dash) -> list[int]:
    return [w.shape[0] for w, _ in layer_weights(dash.model)]


def dom_classes(widget) -> list[str]:
    """Every CSS class in a widget tree."""
    out = list(getattr(widget, "_dom_classes", ()))
    for child in getattr(widget, "children", ()):
        out += dom_classes(child)
    return out


def all_widgets(widget) -> list:
    out = [widget]
    for child in getattr(widget, "children", ()):
        out += all_widgets(child)
    return out


# ---- Throttle (a fake clock: behaviour, not timing) -------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_throttle_coalesces_and_ends_on_the_last_state():
    clock, state, shown = Clock(), {"v": 0}, []
    throttle = Throttle(lambda: shown.append(state["v"]), max_fps=5, clock=clock, cpu_clock=clock)
    for v in range(1, 501):  # 500 requests within one instant
        state["v"] = v
        throttle.request()
    assert shown == [1] and throttle.pending  # the first request draws; the rest owe one frame
    throttle.flush()
    assert shown == [1, 500] and not throttle.pending  # the trailing frame shows the last state
    throttle.flush()  # nothing owed: nothing drawn
    assert throttle.frames == 2


def test_throttle_draws_again_once_the_interval_has_passed():
    clock, shown = Clock(), []
    throttle = Throttle(lambda: shown.append(clock.now), max_fps=50, clock=clock, cpu_clock=Clock())
    for ms in range(300):  # a request every millisecond for 0.3 s
        clock.now = ms / 1000
        throttle.request()
    assert len(shown) == 15 and np.allclose(np.diff(shown), 0.02, atol=0.0011)  # every 20 ms, never more often


def test_throttle_spaces_expensive_frames_to_stay_within_its_cpu_budget():
    cpu = Clock()

    def draw():  # 10 ms of CPU time per frame
        cpu.now += 0.01

    throttle = Throttle(draw, max_fps=1000, budget=0.25, clock=Clock(), cpu_clock=cpu)
    throttle.force()
    assert throttle.interval == pytest.approx(0.04)  # 10 ms of drawing at most every 40 ms


def test_throttle_without_a_rate_draws_every_request_in_the_callers_thread():
    threads = []
    throttle = Throttle(lambda: threads.append(threading.current_thread()), max_fps=None)
    for _ in range(4):
        throttle.request()
    assert threads == [threading.current_thread()] * 4


def test_throttle_raises_a_failed_frame_to_the_caller_and_keeps_working():
    calls = []

    def draw():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("frame 1 failed")

    throttle = Throttle(draw, max_fps=1000)
    with pytest.raises(RuntimeError, match="frame 1 failed"):
        throttle.request()
    assert throttle.frames == 0
    throttle.force()
    assert len(calls) == 2 and throttle.frames == 1


@pytest.mark.parametrize("bad", [0, -5, "fast"])
def test_throttle_rejects_a_bad_rate(bad):
    with pytest.raises(ValueError, match="max_fps"):
        Throttle(lambda: None, max_fps=bad)


# ---- the Trainer's loop (C4) ------------------------------------------------------------------------


def test_trainer_fit_until_stop_at_a_pace_and_a_stop_before_fit_begins():
    trainer = Trainer(MLP(2, [3, 1], seed=0), data=moons(20, seed=0))
    trainer.subscribe(lambda e: trainer.stop() if e.kind == "step" and e.step == 4 else None)
    assert len(trainer.fit(None)) == 5  # until stop()
    trainer.stop()  # before fit begins (a thread just launched): that fit ends before its first step
    assert len(trainer.fit(None)) == 5
    assert len(trainer.fit(2)) == 7  # the stop was used up
    trainer.stop()
    trainer.fit(0)  # takes no step, clears the stop
    assert len(trainer.fit(1)) == 8
    with pytest.raises(ValueError, match="pace"):
        trainer.pace = 0
    with pytest.raises(ValueError, match="steps must be an integer >= 0 or None"):
        trainer.fit(-1)


def test_one_failing_subscriber_does_not_hide_the_event_from_the_others():
    trainer = Trainer(MLP(2, [3, 1], seed=0), data=moons(20, seed=0))
    seen = []
    trainer.subscribe(lambda e: (_ for _ in ()).throw(RuntimeError("observer failed")))
    trainer.subscribe(lambda e: seen.append(e.kind))
    with pytest.raises(RuntimeError, match="observer failed"):
        trainer.fit(3)
    assert seen == ["step"] and len(trainer.history) == 1  # the step itself is complete


def test_trainer_set_data_trains_new_points_from_the_next_step_and_refuses_what_cannot_train():
    data = moons(40, seed=0, test_ratio=0.25)
    trainer = Trainer(MLP(2, [4, 1], seed=0), data=data, batch_size=10)
    trainer.fit(2)
    more = moons(60, seed=1, test_ratio=0.5)
    trainer.set_data(more)
    trainer.fit(1)
    assert trainer.data is more and trainer.history.n_train == 30
    assert trainer.history[1]["train_acc"] * 30 % 1 == 0 and trainer.history[2]["train_acc"] * 30 % 1 == 0
    acc = trainer.history.column("train_acc")
    assert acc[0] * 30 % 1 == 0 and acc[2] * 30 % 1 == 0 and acc[0] == trainer.history[0]["train_acc"]
    few = moons(8, seed=2)
    with pytest.raises(ValueError, match="batch_size 10 is more than the 8 training points"):
        trainer.set_data(few)
    with pytest.raises(ValueError, match="reads 2 inputs but the data has 3 features"):
        trainer.set_data(more.with_features("x1", "x2", "x1*x2"))
    with pytest.raises(ValueError, match="no training points"):
        trainer.set_data(Dataset(more.X[:0], more.y[:0], more.X_test, more.y_test))
    assert trainer.data is more and trainer._X is more.inputs  # each refusal left it as it was
    trainer.fit(1)
    assert len(trainer.history) == 4


# ---- training from code and from the buttons ----------------------------------------------------------


def test_fit_trains_exactly_like_the_trainer_and_shows_the_last_step():
    dash = TrainingDashboard(hidden=(5,), seed=3, **SMALL)
    first = dash.boundary.value
    history = dash.fit(15)
    assert dash.step_label.value == "step 15" and len(history) == 15 == dash.step_count
    assert dash.boundary.value != first and pixels(dash.boundary.value).shape == (24, 24, 3)
    twin = build_model(2, [5], "tanh", seed=3)
    trainer = Trainer(twin, "hinge", "sgd", dash.data, lr=dash.lr.value, batch_size=10, seed=3)
    trainer.fit(15)
    assert [r["loss"] for r in trainer.history] == [r["loss"] for r in history]
    assert weights_equal(twin.state_dict(), dash.model.state_dict())
    assert "train loss" in dash.stats.value and "test loss" in dash.stats.value and "test acc" in dash.stats.value


def test_the_same_settings_give_the_same_widget_state():
    a, b = (TrainingDashboard(hidden=(6,), seed=1, **SMALL) for _ in range(2))
    a.fit(12)
    b.fit(12)
    assert a.boundary.value == b.boundary.value
    assert (a.network.weights, a.curves.value, a.stats.value) == (b.network.weights, b.curves.value, b.stats.value)


def test_play_trains_in_one_background_thread_and_pause_stops_it():
    dash = TrainingDashboard(hidden=(4,), seed=0, speed=None, **SMALL)
    dash.play_button.click()  # what a click on Play does
    assert dash.playing and dash.play_button.description == "Pause"
    assert dash.wait_for_step(20, timeout=JOIN)
    names = {t.name for t in threading.enumerate()}
    assert sum(t.name == "microgradx-train" for t in threading.enumerate()) == 1, names
    dash.play_button.click()  # Pause: returns after the run has stopped
    assert not dash.playing and dash._runner.idle and dash.play_button.description == "Play"
    stopped = dash.step_count
    assert not dash._throttle.pending and dash.step_label.value == f"step {stopped}"  # the view shows the last step
    dash.fit(2)  # fit after a background run continues from where it stopped
    assert dash.step_count == stopped + 2 and [r["step"] for r in dash.history] == list(range(stopped + 2))


def test_frames_come_from_the_trainers_step_events_in_the_training_thread():
    dash = TrainingDashboard(hidden=(2,), max_fps=None, **SMALL)
    drawn_in = []
    draw = dash._throttle.draw
    dash._throttle.draw = lambda: (drawn_in.append(threading.current_thread().name), draw())[1]
    dash.fit(3)
    assert drawn_in[:3] == ["microgradx-train"] * 3  # one frame after each step, between two steps
    dash.trainer.step()  # a step made on the trainer directly is drawn too: the view follows its events
    assert dash.step_label.value == "step 4"


def test_speed_sets_the_trainers_pace_while_playing():
    dash = TrainingDashboard(hidden=(2,), speed=5, **SMALL)
    assert dash.speed.value == "5" and dash.config["speed"] == 5
    dash.play()
    assert dash.trainer.pace == 5
    dash.speed.value = "full"
    assert dash.trainer.pace is None and dash.config["speed"] is None
    dash.speed.value = "1"
    assert dash.trainer.pace == 1
    dash.pause()
    dash.fit(3)  # code trains at full speed whatever the control says
    assert dash.trainer.pace is None and dash.step_count >= 3


def test_step_and_reset_buttons():
    dash = TrainingDashboard(hidden=(4,), seed=7, **SMALL)
    initial = dash.model.state_dict()
    dash.step_button.click()
    dash.step_button.click()
    assert dash.step_count == 2 and not weights_equal(initial, dash.model.state_dict())
    dash.reset_button.click()
    assert dash.step_count == 0 and dash.step_label.value == "step 0"
    assert weights_equal(initial, dash.model.state_dict())
    assert weights_equal(build_model(2, [4], "tanh", seed=7).state_dict(), dash.model.state_dict())


def test_divergence_stops_with_a_message_and_keeps_the_last_good_weights():
    dash = TrainingDashboard(hidden=(8, 8), activation="linear", loss="mse", lr=3.0, batch_size=None, seed=0, **SMALL)
    for _ in range(50):
        before = dash.model.state_dict()
        if dash.step() is None:
            break
    else:
        pytest.fail("a linear net with mse and lr=3 did not diverge in 50 steps")
    assert weights_equal(before, dash.model.state_dict())
    assert all(np.isfinite(v).all() for v in dash.model.state_dict().values())
    assert "diverged" in dash.status.value and "Lower the learning rate" in dash.status.value
    stopped = dash.step_count
    dash.play()  # a stopped run does not restart until Reset
    assert not dash.playing and dash.step_count == stopped and dash.play_button.description == "Play"
    dash.reset()
    assert dash.error is None and dash.status.value == "" and dash.step_count == 0


def test_divergence_in_the_background_run_stops_it():
    dash = TrainingDashboard(hidden=(8, 8), activation="linear", loss="mse", lr=3.0, batch_size=None, seed=0, **SMALL)
    dash.play()
    dash.wait_for_step(10_000, timeout=JOIN)  # returns when the run stops by itself
    assert dash._runner.idle and dash.error is not None and not dash.playing and "diverged" in dash.status.value
    assert dash.play_button.description == "Play"
    assert not dash._throttle.pending and dash.step_label.value == f"step {dash.step_count}"  # the last good step


@pytest.mark.parametrize(
    "error, shown", [(KeyboardInterrupt, "KeyboardInterrupt"), (RuntimeError("boom"), "RuntimeError: boom")]
)
def test_an_error_in_a_trainer_subscriber_is_shown_in_the_status_line(error, shown):
    dash = TrainingDashboard(hidden=(2,), speed=None, **SMALL)

    def subscriber(event):
        if event.step == 3:
            raise error

    dash.trainer.subscribe(subscriber)
    dash.play()
    dash.wait_for_step(10_000, timeout=JOIN)
    assert dash._runner.idle and not dash.playing and dash.step_count == 4
    assert shown in dash.status.value and "Stopped" in dash.status.value and dash.error is not None
    assert [r["step"] for r in dash.history] == [0, 1, 2, 3]


def test_pause_from_a_subscriber_in_the_training_thread():
    dash = TrainingDashboard(hidden=(2,), speed=None, **SMALL)
    dash.trainer.subscribe(lambda e: dash.pause() if e.step == 5 else None)
    dash.play()
    dash.wait_for_step(10_000, timeout=JOIN)
    assert dash._runner.idle and dash.step_count == 6 and dash.error is None


def test_a_rebuild_from_the_training_thread_is_refused_not_a_deadlock():
    dash = TrainingDashboard(hidden=(2,), speed=None, **SMALL)
    dash.trainer.subscribe(lambda e: dash.reset() if e.step == 2 else None)
    dash.play()
    dash.wait_for_step(10_000, timeout=JOIN)
    assert dash._runner.idle and dash.step_count == 3 and "training thread" in dash.status.value


# ---- controls -------------------------------------------------------------------------------------------


def test_architecture_and_data_controls_rebuild_cleanly():
    dash = TrainingDashboard(hidden=(4,), seed=0, **SMALL)
    dash.fit(3)
    boxes = list(dash.layer_boxes)
    dash.add_layer.click()
    assert widths(dash) == [4, 4, 1] and dash.step_count == 0
    assert list(dash.layer_boxes) == boxes  # the boxes are made once, not again for every layer
    dash.layers_box.children[1].value = 6  # more neurons in the second hidden layer
    assert widths(dash) == [4, 6, 1]
    dash.remove_layer.click()
    assert widths(dash) == [4, 1]
    dash.activation.value = "relu"
    assert dash.network.geometry["columns"][1]["label"] == "relu"
    dash.dataset.value = "circles"
    dash.fit(2)
    assert dash.data.name == "circles" and dash.step_count == 2
    dash.train_ratio.value = 0.8
    assert len(dash.data.X) == 48 and len(dash.data.X_test) == 12
    dash.engine.value = "scalar"
    assert isinstance(dash.model, MLP) and dash.model.sizes == [2, 4, 1]
    dash.fit(2)
    assert dash.step_label.value == "step 2"


def test_play_goes_on_after_a_rebuild():
    dash = TrainingDashboard(hidden=(3,), speed=None, **SMALL)
    dash.play()
    for change in (
        lambda: setattr(dash.dataset, "value", "xor"),
        lambda: setattr(dash.features["x1*x2"], "value", True),
        lambda: setattr(dash.activation, "value", "relu"),
        dash.add_layer.click,
        lambda: setattr(dash.layers_box.children[0], "value", 5),
        lambda: setattr(dash.engine, "value", "scalar"),
    ):
        model = dash.model
        change()
        assert dash.model is not model and dash.playing  # a new model, from step 0, still playing
        assert dash.wait_for_step(2, timeout=JOIN)
    dash.pause()
    assert dash.data.name == "xor" and dash.data.feature_names == ("x1", "x2", "x1*x2")
    assert isinstance(dash.model, MLP) and dash.model.sizes == [3, 5, 3, 1]
    dash.reset()  # Reset pauses
    dash.play()
    dash.reset()
    assert not dash.playing and dash.step_count == 0


def test_hyperparameters_change_from_the_next_step_while_playing():
    dash = TrainingDashboard(hidden=(4,), speed=None, **SMALL)
    dash.play()
    assert dash.wait_for_step(3, timeout=JOIN)
    dash.lr.value, dash.batch_size.value, dash.regularization.value, dash.reg_rate.value = 0.3, "all", "l2", 0.01
    assert (dash.trainer.optimizer.lr, dash.trainer.batch_size, dash.trainer.l2) == (0.3, None, 0.01)
    at = dash.step_count
    assert dash.wait_for_step(at + 2, timeout=JOIN) and dash.playing  # no reset
    dash.pause()
    assert dash.history[-1]["lr"] == 0.3 and dash.history[0]["lr"] == 0.1


def test_regression_problem_with_the_playgrounds_data():
    dash = TrainingDashboard(problem="regression", hidden=(6,), **SMALL)
    assert dash.data.name == "plane" and dash.trainer_loss == "mse" and dash.boundary.problem == "regression"
    assert dash.dataset.options == ("plane", "multigauss")
    history = dash.fit(30)
    assert history[-1]["train_acc"] is None and "train loss" in dash.stats.value and "acc" not in dash.stats.value
    assert dash.boundary.line.value == ""  # a continuous output: no boundary line
    dash.dataset.value = "multigauss"
    assert dash.data.name == "multigauss" and dash.step_count == 0
    dash.problem.value = "classification"  # back: the classification data and the hinge loss
    assert dash.data.name == "moons" and dash.trainer_loss == "hinge" and dash.boundary.problem == "classification"
    twin = TrainingDashboard(**{**dash.config, "problem": "regression", "dataset": "multigauss", "loss": None})
    assert twin.data.name == "multigauss"
    with pytest.raises(ValueError, match="dataset must be one of plane, multigauss for a regression problem"):
        TrainingDashboard(problem="regression", dataset="moons")
    with pytest.raises(ValueError, match="loss must be 'mse' for a regression problem"):
        TrainingDashboard(problem="regression", loss="hinge")


def test_l1_regularization_from_the_controls_while_playing():
    dash = TrainingDashboard(hidden=(4,), regularization="l1", reg_rate=0.01, speed=None, **SMALL)
    assert (dash.trainer.regularization, dash.trainer.reg_rate) == ("l1", 0.01)
    dash.play()
    assert dash.wait_for_step(3, timeout=JOIN)
    dash.regularization.value = "l2"
    dash.reg_rate.value = 0.003
    assert (dash.trainer.regularization, dash.trainer.reg_rate) == ("l2", 0.003) and dash.playing
    dash.regularization.value = "none"
    assert dash.trainer.regularization is None and dash.config["regularization"] is None
    dash.pause()
    assert TrainingDashboard(l2=0.01, **SMALL).config["regularization"] == "l2"


def test_batch_size_all_is_a_real_choice():
    dash = TrainingDashboard(hidden=(2,), batch_size=None, **SMALL)
    assert dash.batch_size.value == "all" and dash.batch_size.label == "all"  # not blank
    assert dash.trainer.batch_size is None and dash.config["batch_size"] == "all"
    dash.batch_size.value = 5
    assert dash.trainer.batch_size == 5


def test_feature_toggles_change_the_networks_inputs():
    dash = TrainingDashboard(hidden=(3,), **SMALL)
    assert list(dash.features) == list(FEATURES)
    assert [t.description for t in dash.features.values()] == ["X1", "X2", "X1²", "X2²", "X1X2", "sin(X1)", "sin(X2)"]
    dash.features["x1^2"].value = True
    dash.features["sin(x2)"].value = True
    assert dash.data.feature_names == ("x1", "x2", "x1^2", "sin(x2)") and widths(dash)[0] == 3
    assert layer_weights(dash.model)[0][0].shape == (3, 4) and "X1²" in dash.network.geometry["names"]
    dash.features["x1"].value = False
    assert dash.data.feature_names == ("x2", "x1^2", "sin(x2)")
    np.testing.assert_allclose(dash.data.inputs[:, 1], dash.data.X[:, 0] ** 2)
    for name in ("x2", "x1^2", "sin(x2)"):  # no feature at all: said, and the last model stays
        dash.features[name].value = False
    assert "features" in dash.status.value and dash.model.parameters()
    made = TrainingDashboard(features=("x1", "x2", "x1*x2"), hidden=(), **SMALL)
    assert made.features["x1*x2"].value and layer_weights(made.model)[0][0].shape == (1, 3)


def test_seed_and_regenerate():
    dash = TrainingDashboard(hidden=(4,), seed=0, **SMALL)
    w0, X0 = dash.model.state_dict(), dash.data.X
    dash.seed.value = 1
    assert not weights_equal(w0, dash.model.state_dict())
    dash.seed.value = 0
    assert weights_equal(w0, dash.model.state_dict()) and np.array_equal(dash.data.X, X0)
    dash.controls.regenerate.click()
    assert not np.array_equal(dash.data.X, X0) and weights_equal(w0, dash.model.state_dict())  # new data only
    assert dash.config["data_seed"] == 1
    twin = TrainingDashboard(**dash.config)
    np.testing.assert_array_equal(twin.data.X, dash.data.X)


def test_view_toggles_redraw_at_once():
    dash = TrainingDashboard(hidden=(2,), **SMALL)
    dash.fit(5)
    frames, points, picture = dash.frames, dash.boundary.points.value, dash.boundary.value
    dash.show_test_data.value = False
    assert dash.boundary.points.value.count("<circle") == len(dash.data.X) < points.count("<circle")
    dash.discretize.value = True
    assert dash.boundary.discretize and dash.network.discretize and dash.boundary.value != picture
    assert len(np.unique(pixels(dash.boundary.value).reshape(-1, 3), axis=0)) <= 3  # two flat colours (+ grey)
    assert dash.frames == frames + 2 and dash.step_count == 5
    assert dash.config["show_test_data"] is False and dash.config["discretize"] is True


def test_hovering_a_neuron_shows_its_output_large():
    dash = TrainingDashboard(hidden=(3, 2), **SMALL)
    dash.fit(5)
    output = dash.boundary.value
    dash.network.hovered = (1, 0)  # what the browser reports when the mouse is over that neuron
    assert dash.boundary.neuron == (1, 0) and dash.boundary.value != output
    first = dash.boundary.value
    dash.network.hovered = (2, 1)
    assert dash.boundary.value not in (output, first)
    dash.network.hovered = None
    assert dash.boundary.neuron is None and dash.boundary.value == output
    dash.network.selected = (1, 2)  # a click keeps it shown
    assert dash.boundary.neuron == (1, 2)
    dash.add_layer.click()  # a new model: the old neuron is gone
    assert dash.boundary.neuron is None and dash.network.selected is None


def test_an_impossible_dataset_setting_is_reported_and_changes_nothing():
    dash = TrainingDashboard(dataset="blobs", noise=1.0, hidden=(3,), **SMALL)
    model = dash.model
    dash.noise.value = 0.0  # blobs need a standard deviation > 0
    assert "noise" in dash.status.value and dash.model is model


def test_your_own_model_and_data():
    data = moons(50, seed=2, test_ratio=0.2)
    model = MLP(2, [3, 2, 1], activation="relu", seed=5)
    dash = TrainingDashboard(model, data, resolution=24, size=72)
    assert dash.model is model and dash.engine.value == "scalar" and dash.activation.value == "relu"
    assert [b.value for b in dash.layers_box.children] == [3, 2] and dash.dataset.value == "custom"
    assert dash.data is data  # its own train/test split is kept
    start = model.state_dict()
    dash.fit(3)
    config = dash.config
    assert config["data"] is data and weights_equal(config["model"].state_dict(), start)
    assert dash.code().startswith("TrainingDashboard(model, data, ")
    assert dash.step_count == 3
    dash.train_ratio.value = 0.5  # a new split of the same 50 points
    assert (len(dash.data.X), len(dash.data.X_test)) == (25, 25) and dash.step_count == 0


# ---- settings in and out ----------------------------------------------------------------------------------


def test_config_rebuilds_the_same_dashboard_and_code_is_its_line():
    dash = TrainingDashboard(
        dataset="xor", features=("x1", "x2", "x1*x2"), hidden=(5, 3), activation="relu", lr=0.03,
        batch_size=20, l2=0.001, seed=4, speed=50, hide=("engine",), show_test_data=False, **SMALL,
    )  # fmt: skip
    dash.fit(5)
    config = dash.config
    assert all(isinstance(k, str) for k in config) and config["regularization"] == "l2"
    assert config["reg_rate"] == 0.001 and "l2" not in config and config["hidden"] == (5, 3)
    twin = TrainingDashboard(**config)
    assert twin.config == config and twin.step_count == 0
    np.testing.assert_array_equal(twin.data.X, dash.data.X)
    dash.reset()
    assert weights_equal(twin.model.state_dict(), dash.model.state_dict())
    line = dash.code()
    assert line.startswith("TrainingDashboard(") and "dataset='xor'" in line and "speed=50" in line
    assert "lr=0.1" not in line and "n=60" in line  # only what differs from the defaults
    from microgradx.widgets import TrainingDashboard as made_by  # noqa: F401 (the line's own name)

    again = eval(line, {"TrainingDashboard": made_by})
    assert again.config == config


def test_hide_leaves_controls_out_of_the_page():
    dash = TrainingDashboard(hidden=(2,), hide=("engine", "l2", "features", "speed", "draw", "classes"), **SMALL)
    on_page = {id(w) for w in all_widgets(dash.widget)}
    for name in ("engine", "l2", "features", "speed", "draw", "classes"):
        assert all(id(w) not in on_page for w in dash.controls.widgets_of(name))
    assert id(dash.activation) in on_page and id(dash.lr) in on_page
    with pytest.raises(ValueError, match=r"hide='engines' is not a control; the controls are play, step"):
        TrainingDashboard(hide=("engines",))
    assert set(CONTROLS) >= {"engine", "l2", "regularization", "reg_rate", "features", "speed"}


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"engine": "jax"}, ValueError, "engine must be one of 'tensor', 'scalar'"),
        ({"hidden": (0,)}, ValueError, r"hidden must be a sequence of up to 6 ints in \[1, 32\]"),
        ({"hidden": 5}, TypeError, "hidden must be a sequence"),
        ({"dataset": "mnist"}, ValueError, "dataset must be one of moons"),
        ({"seed": -1}, ValueError, r"seed must be an int in \[0, 2147483647\]"),
        ({"seed": 2**40}, ValueError, r"seed must be an int in \[0, 2147483647\], got 1099511627776"),
        ({"noise": -1.0}, ValueError, r"noise must be a number in \[0.0, 1.0\], got -1.0"),
        ({"test_ratio": 1.0}, ValueError, r"test_ratio must be a number in \[0.0, 0.9\], got 1.0"),
        ({"lr": float("nan")}, ValueError, "lr must be a number in"),
        ({"lr": -0.1}, ValueError, "lr must be a number in"),
        ({"lr": "fast"}, TypeError, "lr must be a number"),
        ({"features": ("x1", "x3")}, ValueError, r"features must be one or more distinct names from x1, x2, x1\^2"),
        ({"features": ()}, ValueError, "features must be one or more"),
        ({"regularization": "l3"}, ValueError, "regularization must be one of None, 'l1', 'l2'"),
        ({"reg_rate": -0.001}, ValueError, r"reg_rate must be a number in \[0.0, inf\]"),
        ({"speed": 0}, ValueError, "speed must be"),
        ({"problem": "ranking"}, ValueError, "problem must be one of 'classification', 'regression'"),
        ({"batch_size": 0}, ValueError, "batch_size must be an int in"),
        ({"model": "abc"}, TypeError, "model must be a microgradx Module"),
        ({"discretize": "yes"}, TypeError, "discretize must be True or False"),
    ],
)
def test_bad_settings_are_refused_naming_what_is_allowed(kwargs, error, match):
    with pytest.raises(error, match=match):
        TrainingDashboard(**kwargs)


def test_a_model_that_does_not_fit_the_problem_is_refused():
    two_outputs = Sequential(Linear(2, 4, seed=0), Tanh(), Linear(4, 2, seed=1))
    with pytest.raises(ValueError, match="model must give one score per point .* got 2 outputs"):
        TrainingDashboard(two_outputs, **SMALL)
    with pytest.raises(ValueError, match="model cannot read this data.*reads 3 inputs"):
        TrainingDashboard(MLP(3, [2, 1], seed=0), **SMALL)
    with pytest.raises(TypeError, match="Dataset"):
        TrainingDashboard(data=[[0, 1]])


def test_dom_hooks_for_the_browser_test():
    dash = TrainingDashboard(hidden=(2,), **SMALL)
    assert "mgx-dashboard" in dash.widget._dom_classes
    classes = dom_classes(dash.widget)
    for hook in (
        "mgx-boundary", "mgx-boundary-line", "mgx-boundary-points", "mgx-step-counter", "mgx-play", "mgx-step",
        "mgx-reset", "mgx-speed", "mgx-feature", "mgx-regenerate", "mgx-network", "mgx-curves", "mgx-status",
        "mgx-stats", "mgx-draw", "mgx-draw-hint", "mgx-clear",
    ):  # fmt: skip
        assert hook in classes, hook
    assert "application/vnd.jupyter.widget-view+json" in dash._repr_mimebundle_()


# ---- the graph panel ------------------------------------------------------------------------------------


def isolated_point(view) -> tuple[int, np.ndarray]:
    """A training point (index > 0) at least 10 pixels from every other, and where it is drawn."""
    at = view._to_pixels(view.data.X)
    gaps = np.hypot(*(at[:, None] - at[None]).transpose(2, 0, 1)) + np.eye(len(at)) * 1e9
    i = next(i for i in range(1, len(at)) if gaps[i].min() > 10)
    return i, at[i]


def test_a_click_on_a_training_point_shows_its_graph(dot_program):
    dash = TrainingDashboard(hidden=(2,), engine="scalar", graph=True, **SMALL)
    assert dash.boundary.selected == 0 and dash.graph.sample.value == 0
    before = dash.graph.svg.value
    i, (px, py) = isolated_point(dash.boundary)
    click = {"event": "click", "relativeX": round(px), "relativeY": round(py)}  # as ipyevents sends it
    dash.boundary._clicks._handle_mouse_msg(None, click, None)
    assert dash.graph.sample.value == i == dash.boundary.selected and dash.graph.svg.value != before
    dash.graph.sample.value = 3  # typing a number moves the ring too
    assert dash.boundary.selected == 3
    dash.dataset.value = "xor"  # a new dataset: the ring follows the sample box
    assert dash.boundary.selected == dash.graph.sample.value
    with pytest.raises(ValueError, match="no training point 1000"):
        dash.pick_sample(1000)
    blocked = []  # the graph reads the model between two steps: a step waits while the graph is traced
    with dash.graph.guard():
        probe = threading.Thread(target=lambda: blocked.append(not dash.trainer.lock.acquire(timeout=0.05)))
        probe.start()
        probe.join()
    assert blocked == [True]
    with pytest.raises(ValueError, match="graph=True"):
        TrainingDashboard(hidden=(2,), **SMALL).pick_sample(0)


def test_dashboard_graph_panel_redraws_after_a_step(dot_program):
    dash = TrainingDashboard(hidden=(2,), engine="scalar", graph=True, **SMALL)
    before = dash.graph.svg.value
    dash.graph.all_button.click()
    with_grads = dash.graph.svg.value
    dash.step()
    assert dash.graph.svg.value not in (before, with_grads)
    assert dash.graph.player.playing  # after Step, that step's backward pass replays node by node
    dash.graph.replay_toggle.value = False  # the toggle turns the replay off
    dash.graph.player.playing = False
    dash.step()
    assert not dash.graph.player.playing and dash.graph.position == len(dash.graph.stops) - 1


def test_the_graph_panel_is_redrawn_on_every_frame_between_steps(dot_program):
    dash = TrainingDashboard(hidden=(2,), graph=True, max_fps=None, **SMALL)
    seen, update = [], dash.graph.update

    def counted():
        seen.append((dash.step_count, threading.current_thread().name, dash.trainer.lock._is_owned()))
        update()

    dash.graph.update = counted
    dash.fit(3)
    assert seen[-3:] == [(1, "microgradx-train", True), (2, "microgradx-train", True), (3, "microgradx-train", True)]



# ---- memory -------------------------------------------------------------------------------------------------


def test_a_step_of_play_costs_little_memory():
    """What a step leaves behind, counted without a clock: no Python objects (pymalloc blocks, which a dict
    per record or every curve point kept would grow by several a step), and one compact History record.
    At full speed (a few hundred to ~1,500 steps a second with frames) an hour is at most ~5 million steps:
    5e6 * 16 bytes = 80 MB, under the 100 MB of issue 15."""
    import gc
    import sys

    dash = TrainingDashboard(hidden=(4,), batch_size=5, **SMALL)
    dash.fit(700)  # warm: caches, first frames, the curves' bounded copy full
    rows = len(dash.curves.curves.rows())
    gc.collect()
    before = sys.getallocatedblocks()
    dash.fit(1500)
    gc.collect()
    curve_rows = len(dash.curves.curves.rows()) - rows  # bounded, but its size goes up and down: 7 blocks a row
    grown = sys.getallocatedblocks() - before - 7 * curve_rows
    assert dash.step_count == 2200 and grown < 0.1 * 1500, f"{grown} Python blocks kept over 1500 steps"
    assert dash.history.record_bytes <= 16
    assert len(dash.curves.curves.rows()) <= 2 * dash.curves.curves.max_points + 1  # the curves' copy is bounded


# ---- points you draw --------------------------------------------------------------------------------------


def click(dash, px: float, py: float, **keys) -> None:
    """A click on the output plane at pixel (px, py), as ipyevents sends it from the browser."""
    event = {"event": "click", "relativeX": round(px), "relativeY": round(py), "shiftKey": False, **keys}
    dash.boundary._clicks._handle_mouse_msg(None, event, None)


def circles(view) -> np.ndarray:
    """(cx, cy) of every point's circle in the points layer, in drawing order (train, then test)."""
    import re

    found = re.findall(r'<circle cx="([-\d.]+)" cy="([-\d.]+)" r="[\d.]+" fill', view.points.value)
    return np.array(found, dtype=float).reshape(-1, 2)


def test_a_click_adds_a_training_point_of_the_chosen_class_where_it_lands():
    dash = TrainingDashboard(hidden=(4,), seed=0, test_ratio=0.5, resolution=50, size=200, n=60)
    before, extent = dash.data, dash.boundary.extent
    assert [v for _, v in dash.draw.options] == ["off", -1, 1, "erase"] and dash.draw.value == "off"
    click(dash, 40, 50)  # drawing is off: nothing changes
    assert dash.data is before
    dash.draw.value = 1
    assert "class 1" in dash.draw_hint.value and "Drawn points are training points" in dash.draw_hint.value
    click(dash, 40, 50)
    dash.draw.value = -1
    click(dash, 150, 160)
    data = dash.data
    assert (len(data.X), len(data.X_test)) == (32, 30) and data.name == "drawn" == dash.dataset.value
    np.testing.assert_array_equal(data.X[:30], before.X)  # the points before stay, in order
    np.testing.assert_array_equal(data.X_test, before.X_test)  # drawn points are training points
    assert data.y[-2:].tolist() == [1, -1] and data.classes == before.classes and data.labels == "pm1"
    assert dash.boundary.extent == extent  # the plane does not move under the pointer
    np.testing.assert_allclose(circles(dash.boundary)[30:32], [[40, 50], [150, 160]], atol=0.051)  # .1f in the SVG
    np.testing.assert_allclose(dash.boundary._to_pixels(data.X[-2:]), [[40, 50], [150, 160]], atol=1e-9)
    assert dash.trainer.data is data and dash.step_count == 0


def test_shift_click_and_the_eraser_remove_the_point_under_the_pointer_and_clear_empties_the_plane():
    dash = TrainingDashboard(hidden=(4,), seed=0, test_ratio=0.5, resolution=50, size=200, n=60)
    at = dash.boundary._to_pixels(np.concatenate([dash.data.X, dash.data.X_test]))
    gaps = np.hypot(*(at[:, None] - at[None]).transpose(2, 0, 1)) + np.eye(len(at)) * 1e9
    lone = [i for i in range(len(at)) if gaps[i].min() > 12]
    train, test = next(i for i in lone if i < 30), next(i for i in lone if i >= 30)
    kept_train, kept_test = np.delete(dash.data.X, train, 0), np.delete(dash.data.X_test, test - 30, 0)
    dash.draw.value = 1
    click(dash, *at[train] + 2, shiftKey=True)  # shift-click: the point under the pointer goes
    assert len(dash.data.X) == 29 and len(dash.data.X_test) == 30
    click(dash, 1, 1, shiftKey=True)  # nothing there: nothing goes (and nothing is added)
    assert len(dash.data.X) == 29
    dash.draw.value = "erase"
    click(dash, *at[test])
    np.testing.assert_array_equal(dash.data.X, kept_train)
    np.testing.assert_array_equal(dash.data.X_test, kept_test)
    assert circles(dash.boundary).shape == (58, 2)
    dash.remove_point(*dash.data.X[0])  # from code: the nearest point
    assert len(dash.data.X) == 28
    dash.clear_button.click()
    assert len(dash.data.X) == len(dash.data.X_test) == 0 and circles(dash.boundary).shape == (0, 2)
    assert "No training points" in dash.status.value
    assert dash.step() is None and dash.step_count == 0  # nothing to train on: a message, no crash
    bundle = dash._repr_mimebundle_()  # shown in a notebook: the live view and the text, no picture of nothing
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" not in bundle
    dash.play_button.click()
    assert not dash.playing and dash.play_button.description == "Play"
    dash.activation.value = "relu"  # a rebuild on the empty plane: a new model, the same message
    assert "No training points" in dash.status.value and len(dash.data.X) == 0
    dash.draw.value = -1
    click(dash, 30, 30)
    dash.add_points([[0.0, 0.0], [0.5, 0.5]], 1)
    assert dash.status.value == "" and dash.data.y.tolist() == [-1, 1, 1]
    assert dash.step() is not None and dash.history[-1]["train_acc"] in (0.0, 1 / 3, 2 / 3, 1.0)


def test_training_goes_on_with_the_drawn_points_from_the_next_step():
    from microgradx.losses import hinge_loss
    from microgradx.nn import predict
    from microgradx.tensor import Tensor

    dash = TrainingDashboard(hidden=(4,), seed=0, batch_size="all", **SMALL)
    dash.fit(5)
    weights = dash.model.state_dict()
    dash.add_points([[0.0, 2.0], [1.5, -1.0], [-1.0, 0.5]], [1, -1, 1])
    assert weights_equal(weights, dash.model.state_dict()) and dash.step_count == 5  # same weights, same history
    data = dash.data
    expected = hinge_loss(Tensor(predict(dash.model, data.inputs)), data.y.astype(float)).item()
    record = dash.step()
    assert record["step"] == 5 and record["loss"] == pytest.approx(expected, rel=1e-12)
    assert record["train_acc"] * len(data.X) == pytest.approx(round(record["train_acc"] * len(data.X)))
    assert dash.history.n_train == len(data.X) == 33 and dash.history[4]["train_acc"] * 30 % 1 == 0
    dash.fit(3)
    assert dash.step_count == 9


def test_drawing_while_playing_from_other_threads_loses_no_point_and_no_pause():
    dash = TrainingDashboard(hidden=(4,), seed=0, speed=None, batch_size=5, **SMALL)
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, size=(40, 2))
    dash.play()
    assert dash.wait_for_step(5, timeout=JOIN)
    errors = []

    def draw(part):
        try:
            for x in part:
                dash.add_point(*x, 1 if x[0] > 0 else -1)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def buttons():
        try:
            for _ in range(5):
                dash.play_button.click()  # pause ...
                dash.play_button.click()  # ... and play again
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=draw, args=(points[i::2],)) for i in range(2)]
    threads.append(threading.Thread(target=buttons))
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN)
    assert not errors and not any(t.is_alive() for t in threads)  # no deadlock
    assert dash.playing
    steps = dash.step_count
    assert dash.wait_for_step(steps + 5, timeout=JOIN)  # still training, on the new data
    dash.pause()
    assert not dash.playing and dash._runner.idle
    stopped = dash.step_count
    assert len(dash.data.X) == 70 and dash.trainer.data is dash.data
    drawn = {tuple(x) for x in dash.data.X[30:]}
    assert drawn == {tuple(x) for x in points}  # every point, once
    assert dash.history.n_train == 70 and dash.step_count == stopped  # the pause held
    dash.clear_points()  # while paused; then again while playing: the run stops and says why
    dash.add_point(0.0, 0.0, 1)
    dash.play()
    dash.clear_points()
    assert not dash.playing and "No training points" in dash.status.value


def test_drawing_refuses_what_does_not_exist_naming_it():
    dash = TrainingDashboard(hidden=(2,), **SMALL)
    with pytest.raises(ValueError, match=r"draw must be 'off', 'erase' or a class of the data \(-1, 1\), got 5"):
        dash.draw.value = 5
    with pytest.raises(ValueError, match="got True"):
        dash.draw.value = True
    with pytest.raises(ValueError, match=r"draw must be .* \(-1, 1\), got 'blue'"):
        TrainingDashboard(draw="blue", **SMALL)
    with pytest.raises(ValueError, match=r"add_points: 0 is not a class of this data; its classes are -1, 1"):
        dash.add_point(0.0, 0.0, 0)
    with pytest.raises(ValueError, match=r"add_points: points must be finite \(x1, x2\) pairs"):
        dash.add_points([[0.0, np.nan]], [1])
    with pytest.raises(ValueError, match="2 points but 1 labels"):
        dash.add_points([[0.0, 0.0], [1.0, 1.0]], [1])
    assert len(dash.data.X) == 30 and dash.data.name == "moons"  # nothing changed
    words = TrainingDashboard(data=moons(40, seed=1).with_labels("01"), **SMALL)
    assert [v for _, v in words.draw.options] == ["off", -1, 1, "erase"]  # class names, not codes
    words.add_point(0.0, 0.0, 1)
    assert words.data.y[-1] == 1 and words.data.labels == "01"
    regression = TrainingDashboard(problem="regression", **SMALL)
    assert [v for _, v in regression.draw.options] == ["off"] and regression.clear_button.disabled
    with pytest.raises(ValueError, match="drawing points is for classification"):
        regression.add_point(0.0, 0.0, 1)


def test_drawn_data_is_kept_in_the_menu_and_in_config():
    dash = TrainingDashboard(hidden=(3,), seed=0, draw=1, **SMALL)
    assert dash.draw.value == 1 and dash.config["draw"] == 1 and "draw=1" in dash.code()
    dash.add_point(0.2, 0.3, 1)
    drawn = dash.data
    dash.activation.value = "relu"  # a rebuild keeps the drawing (and its extent)
    assert dash.data is drawn and dash.step_count == 0
    dash.dataset.value = "circles"
    assert dash.data.name == "circles" and "drawn" in dash.dataset.options
    dash.dataset.value = "drawn"  # the drawing is still there
    np.testing.assert_array_equal(dash.data.X, drawn.X)
    twin = TrainingDashboard(**dash.config)
    np.testing.assert_array_equal(twin.data.X, drawn.X)
    np.testing.assert_array_equal(twin.data.X_test, drawn.X_test)
    dash.train_ratio.value = 0.5  # moving the slider splits all points again, seeded
    assert len(dash.data.X) + len(dash.data.X_test) == 61 and len(dash.data.X_test) == 30


def test_with_a_graph_panel_off_picks_a_sample_and_a_class_draws(dot_program):
    dash = TrainingDashboard(hidden=(2,), engine="scalar", graph=True, **SMALL)
    assert dash.draw.options[0] == ("pick sample", "off") and "graph" in dash.draw_hint.value
    i, (px, py) = isolated_point(dash.boundary)
    click(dash, px, py)
    assert dash.graph.sample.value == i and len(dash.data.X) == 30
    dash.draw.value = 1
    click(dash, px + 20, py)
    assert len(dash.data.X) == 31 and dash.graph.sample.value == i and dash.graph.sample.max == 30


# ---- k classes ------------------------------------------------------------------------------------------


def test_k_classes_train_a_network_with_k_outputs_and_cross_entropy():
    dash = TrainingDashboard(dataset="spiral", classes=3, hidden=(8,), seed=0, **SMALL)
    assert dash.data.labels == "index" and dash.data.n_classes == 3 and dash.classes.value == 3
    assert widths(dash) == [8, 3] and dash.trainer_loss == "cross_entropy" and not dash.classes.disabled
    assert [v for _, v in dash.draw.options] == ["off", 0, 1, 2, "erase"]
    dash.fit(3)
    assert dash.step_count == 3 and "train acc" in dash.stats.value
    assert dash.config["classes"] == 3 and "classes=3" in dash.code() and "loss=" not in dash.code()
    twin = TrainingDashboard(**dash.config)
    dash.reset()
    assert weights_equal(twin.model.state_dict(), dash.model.state_dict())
    dash.classes.value = 4  # the control: new data and a 4-output model, from step 0
    assert dash.data.n_classes == 4 and widths(dash) == [8, 4] and dash.step_count == 0
    assert [v for _, v in dash.draw.options] == ["off", 0, 1, 2, 3, "erase"]
    dash.dataset.value = "moons"  # two classes only: one output and the hinge loss again
    assert dash.classes.value == 2 and dash.classes.disabled and widths(dash) == [8, 1]
    assert dash.trainer_loss == "hinge" and dash.data.labels == "pm1"
    dash.dataset.value = "blobs"
    dash.classes.value = 3
    dash.engine.value = "scalar"  # the scalar engine trains k classes too (Value ops end to end)
    assert isinstance(dash.model, MLP) and dash.model.sizes == [2, 8, 3]
    dash.fit(2)
    assert dash.step_count == 2 and np.isfinite(dash.history[-1]["loss"])


def test_drawing_k_classes_while_playing_and_the_csv_round_trip(tmp_path):
    from microgradx.data import from_csv

    dash = TrainingDashboard(dataset="spiral", classes=3, hidden=(8,), seed=0, speed=None, **SMALL)
    dash.play()
    dash.draw.value = 2
    click(dash, 10, 12)
    dash.add_points([[0.5, -0.5], [1.0, 1.0]], [0, 1])
    assert dash.wait_for_step(dash.step_count + 3, timeout=JOIN) and dash.playing
    dash.pause()
    data = dash.data
    assert data.y[-3:].tolist() == [2, 0, 1] and data.n_classes == 3 and len(data.X) == 33
    again = from_csv(data.to_csv(tmp_path / "drawn.csv"))
    for name in ("X", "y", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(again, name), getattr(data, name))
    assert (again.labels, again.classes, again.name) == (data.labels, data.classes, "drawn")
    mine = TrainingDashboard(data=again, hidden=(8,), **SMALL)  # a dashboard on the file: 3 classes
    assert mine.classes.value == 3 and widths(mine) == [8, 3] and mine.trainer_loss == "cross_entropy"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"dataset": "moons", "classes": 3}, r"classes must be 2 for dataset 'moons' \(k classes come with: .*spiral"),
        ({"dataset": "spiral", "classes": 1}, r"classes must be an int in \[2, 6\], got 1"),
        ({"dataset": "spiral", "classes": 3, "loss": "hinge"}, r"loss must be 'cross_entropy' for k > 2 classes"),
        ({"dataset": "spiral", "loss": "cross_entropy"}, r"loss must be a two-class loss for 2 classes"),
        ({"problem": "regression", "classes": 3}, r"classes must be 2 \(the default\) for a regression problem"),
    ],
)
def test_bad_class_settings_are_refused_naming_the_fix(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainingDashboard(**kwargs, **SMALL)


def test_your_own_k_class_data_and_model():
    from microgradx.data import spiral

    data = spiral(60, classes=3, seed=1, test_ratio=0.2)
    with pytest.raises(ValueError, match="classes=4, but the data has 3 classes"):
        TrainingDashboard(data=data, classes=4, **SMALL)
    with pytest.raises(ValueError, match=r"model must give 3 scores per point, one a class, got 1 outputs"):
        TrainingDashboard(MLP(2, [4, 1], seed=0), data, **SMALL)
    model = MLP(2, [4, 3], seed=0)
    dash = TrainingDashboard(model, data, **SMALL)
    assert dash.model is model and dash.classes.value == 3 and dash.classes.disabled
    dash.fit(2)
    assert dash.step_count == 2 and dash.trainer_loss == "cross_entropy"


def test_the_saved_picture_keeps_every_class_colour_of_a_few_drawn_points():
    """A notebook's PNG of a drawn 3-class dashboard: class 2's few points and legend dot keep their colour
    (a median-cut palette merged them into blue)."""
    from microgradx.plot import CLASS_COLOURS

    dash = TrainingDashboard(dataset="spiral", classes=3, hidden=(8,), seed=0)
    dash.clear_points()
    angles = np.linspace(0, 2 * np.pi, 20, endpoint=False)
    dash.add_points(np.column_stack([3 * np.cos(angles), 3 * np.sin(angles)]).tolist(), 0)
    dash.add_points(np.random.default_rng(0).normal(0, 0.3, (15, 2)).tolist(), 1)
    dash.add_points([[x, -5.0] for x in np.linspace(-4, 4, 17)], 2)
    dash.fit(200)
    png = dash._repr_mimebundle_()["image/png"]
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    for colour in CLASS_COLOURS[:3]:
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(pixels - rgb).sum(axis=-1) < 30).sum() > 50, f"class colour {colour} lost in the PNG"
