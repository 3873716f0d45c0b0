"""One dashboard driven from two threads at once with random controls (issue 15): no error, no deadlock,
no lost pause, a contiguous history, finite weights, and an exact reset."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest

from microgradx.widgets import TrainingDashboard

SMALL = {"resolution": 16, "size": 48, "n": 40}
JOIN = 120  # seconds: only a deadlock takes this long; a slow machine finishes in a few


def _actions(dash):
    c = dash.controls
    return [
        dash.play,
        dash.play,
        dash.pause,
        dash.pause,
        dash.step,
        dash.reset,
        lambda: dash.fit(3),
        lambda: c.play_button.click(),
        lambda: setattr(c.lr, "value", random.choice([0.01, 0.1, 0.3])),
        lambda: setattr(c.batch_size, "value", random.choice(["all", 5, 10])),
        lambda: setattr(c.speed, "value", random.choice(["5", "50", "full"])),
        lambda: setattr(c.reg_rate, "value", random.choice([0.0, 0.001])),
        lambda: c.add_layer.click() if len(c.layers_box.children) < 3 else c.remove_layer.click(),
        lambda: setattr(c.dataset, "value", random.choice(["moons", "xor", "circles"])),
        lambda: setattr(c.features["x1*x2"], "value", not c.features["x1*x2"].value),
        lambda: setattr(c.show_test_data, "value", not c.show_test_data.value),
        dash.regenerate,
    ]


def _drive(dash, seed: int, n: int, errors: list) -> None:
    rng = random.Random(seed)
    actions = _actions(dash)
    try:
        for _ in range(n):
            rng.choice(actions)()
    except BaseException as e:  # noqa: BLE001 - reported by the test
        errors.append(e)


@pytest.mark.slow
def test_two_threads_driving_one_dashboard():
    random.seed(0)
    dash = TrainingDashboard(hidden=(4,), speed=None, **SMALL)
    errors: list = []
    threads = [threading.Thread(target=_drive, args=(dash, seed, 40, errors)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN)
    assert not any(t.is_alive() for t in threads), "a control deadlocked"
    assert errors == [] and dash.error is None, errors
    dash.play()
    assert dash.wait_for_step(dash.step_count + 3, timeout=JOIN)
    dash.pause()
    stopped = dash.step_count
    assert not dash.playing and dash._runner.idle and dash.play_button.description == "Play"
    assert dash.step_label.value == f"step {stopped}"  # the view ends on the last step
    dash.fit(0)  # a run after the pause: nothing moved in between
    assert dash.step_count == stopped
    assert [r["step"] for r in dash.history] == list(range(stopped))  # contiguous: no step lost or doubled
    assert all(np.isfinite(v).all() for v in dash.model.state_dict().values())
    dash.reset()
    twin = TrainingDashboard(**dash.config)  # the same settings: the same data and step-0 weights
    state, expected = dash.model.state_dict(), twin.model.state_dict()
    assert dash.step_count == 0 and state.keys() == expected.keys()
    assert all(np.array_equal(state[k], expected[k]) for k in state)
    np.testing.assert_array_equal(dash.data.X, twin.data.X)


def test_pause_ends_a_slow_pace_wait_at_once():
    dash = TrainingDashboard(hidden=(2,), speed=1e-6, **SMALL)  # one step, then a wait of 11 days
    dash.play()
    assert dash.wait_for_step(1, timeout=JOIN)
    pauser = threading.Thread(target=dash.pause)
    pauser.start()
    pauser.join(JOIN)  # returns at all only because the wait ends on stop()
    assert not pauser.is_alive() and dash.step_count == 1 and not dash.playing


def test_pause_right_after_play_is_never_lost():
    dash = TrainingDashboard(hidden=(2,), speed=None, **SMALL)
    fit, started = dash.trainer.fit, threading.Event()

    def late_fit(*args, **kwargs):  # the thread is slow to begin: pause() comes before fit does
        started.wait(0.01)
        return fit(*args, **kwargs)

    dash.trainer.fit = late_fit
    states = []

    def toggle():
        for _ in range(30):  # the stop may land before the thread's fit has begun: it must still end it
            dash.play()
            dash.pause()
            states.append((dash.playing, dash._runner.idle))

    worker = threading.Thread(target=toggle)
    worker.start()
    worker.join(JOIN)
    assert not worker.is_alive(), "a pause was lost: the run went on and pause() waited for it"
    assert states == [(False, True)] * 30
    before = dash.step_count
    dash.fit(2)  # no stop left over for the next run
    assert dash.step_count == before + 2


def test_play_and_pause_from_two_threads_end_paused_and_consistent():
    dash = TrainingDashboard(hidden=(2,), speed=None, **SMALL)
    barrier = threading.Barrier(2)

    def toggle(first):
        for _ in range(25):
            barrier.wait()
            (dash.play if first else dash.pause)()

    threads = [threading.Thread(target=toggle, args=(f,)) for f in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN)
    assert not any(t.is_alive() for t in threads)
    dash.pause()
    assert not dash.playing and dash.play_button.description == "Play"
    assert [r["step"] for r in dash.history] == list(range(dash.step_count))
