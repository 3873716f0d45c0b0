"""The widgets, driven from code without a browser: state after steps, pause, divergence, reset, controls."""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from PIL import Image

from microgradx import Value
from microgradx.data import moons
from microgradx.nn import MLP, Linear, Sequential, Tanh
from microgradx.train import Trainer
from microgradx.widgets import (
    BoundaryView,
    GraphWidget,
    NetworkView,
    Throttle,
    TrainingDashboard,
    build_model,
)
from microgradx.widgets.curves_view import curves_svg
from microgradx.widgets.network_view import NEGATIVE, POSITIVE, layer_weights, network_svg

SMALL = {"resolution": 24, "size": 72, "n": 60}  # a cheap view for tests that look at state, not pixels


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def svg_text(graph) -> str:
    return html.unescape(graph.svg.value)  # Graphviz writes '-' as &#45;


def weights_equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# ---- the package boundary ---------------------------------------------------------------------------


def test_import_microgradx_does_not_import_ipywidgets():
    code = "import sys, microgradx; print([m for m in ('ipywidgets', 'PIL', 'threadpoolctl') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---- Throttle ----------------------------------------------------------------------------------------


def test_throttle_coalesces_and_ends_on_the_last_state():
    state, shown = {"v": 0}, []
    throttle = Throttle(lambda: shown.append(state["v"]), max_fps=5)  # 200 ms between frames
    for v in range(1, 501):
        state["v"] = v
        throttle.request()
    assert shown[0] == 1 and throttle.pending  # the first request draws; the rest owe one frame
    throttle.flush()
    assert shown[-1] == 500  # the trailing frame shows the last state
    assert len(shown) <= 3  # 500 requests in far less than a second: the first frame and one or two more
    assert throttle.frames == len(shown) and not throttle.pending
    throttle.flush()  # nothing owed: nothing drawn
    assert throttle.frames == len(shown)


def test_throttle_draws_again_once_the_interval_has_passed():
    shown = []
    throttle = Throttle(lambda: shown.append(time.perf_counter()), max_fps=50)  # 20 ms between frames
    deadline = time.perf_counter() + 0.3
    while time.perf_counter() < deadline:
        throttle.request()
    assert 3 <= len(shown) <= 16  # about 15 frames in 0.3 s, never more than the rate allows
    assert min(np.diff(shown)) > 0.019  # 20 ms from the start of one frame to the next (give or take a call)


def test_throttle_spaces_expensive_frames_to_stay_within_its_cpu_budget():
    def draw():  # 10 ms of CPU time per frame
        t0 = time.thread_time()
        while time.thread_time() - t0 < 0.01:
            pass

    throttle = Throttle(draw, max_fps=1000, budget=0.25)
    throttle.force()
    assert throttle.interval >= 0.04  # 10 ms of drawing at most every 40 ms


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


# ---- the pieces of the view ----------------------------------------------------------------------------


def test_layer_weights_reads_scalar_and_tensor_models_as_out_by_in():
    mlp = MLP(2, [3, 1], seed=0)
    (w1, b1), (w2, _) = layer_weights(mlp)
    assert w1.shape == (3, 2) and w2.shape == (1, 3)
    assert w1[2, 1] == mlp.layers[0].neurons[2].w[1].data and b1[0] == mlp.layers[0].neurons[0].b.data
    seq = Sequential(Linear(2, 5, seed=0), Tanh(), Linear(5, 1, seed=1))
    (v1, c1), (v2, c2) = layer_weights(seq)
    np.testing.assert_array_equal(v1, seq[0].weight.data)
    np.testing.assert_array_equal(c2, seq[2].bias.data)


def test_network_svg_draws_a_line_per_weight_coloured_by_sign_and_sized_by_magnitude():
    svg = network_svg([(np.array([[2.0, -0.5], [0.0, 1.0]]), np.zeros(2)), (np.array([[-1.0, 1.0]]), np.zeros(1))])
    lines = svg.split("<line")[1:]
    assert len(lines) == 2 * 2 + 2 * 1 and svg.count("<circle") == 2 + 2 + 1
    strongest = next(line for line in lines if "w=2<" in line)
    negative = next(line for line in lines if "w=-0.5<" in line)
    assert POSITIVE in strongest and NEGATIVE in negative
    width = lambda line: float(line.split('stroke-width="')[1].split('"')[0])  # noqa: E731
    assert width(strongest) > width(negative)


def test_network_svg_fills_each_architecture_and_survives_non_finite_weights():
    small = network_svg([(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))])
    big = network_svg([(np.ones((4, 2)), np.zeros(4)), (np.ones((1, 4)), np.zeros(1))], inputs=["a%", "b"])
    assert (small.count("<line"), big.count("<line")) == (9, 12)  # one cached layout per architecture
    assert "a%" in big and big.count("<circle") == 2 + 4 + 1
    w = np.array([[np.nan, 1.0], [np.inf, -1.0]])
    svg = network_svg([(w, np.array([np.nan, 0.5]))])
    assert "w=nan<" in svg and "w=inf<" in svg and "b=nan<" in svg and svg.count("<line") == 4


def test_network_view_follows_the_model():
    model = MLP(2, [4, 1], seed=0)
    view = NetworkView(model)
    before = view.value
    model.layers[0].neurons[0].w[0].data = -5.0
    view.update(model)
    assert view.value != before and "w=-5<" in view.value
    assert "mgx-network" in view._dom_classes


def test_boundary_view_colours_each_side_of_the_boundary():
    data = moons(40, seed=0, test_ratio=0.25)
    view = BoundaryView(data, resolution=50, size=150)
    x_mid = (view.extent[0] + view.extent[1]) / 2
    view.update(lambda X: X[:, 0] - x_mid)  # negative on the left half, positive on the right
    image = pixels(view.value)
    assert image.shape == (50, 50, 3)  # one pixel per grid point; the browser scales it to 150 px
    blue, orange = np.array([8, 119, 189]), np.array([245, 147, 34])
    left, right = image[:, :10].reshape(-1, 3), image[:, -10:].reshape(-1, 3)  # far from the boundary
    assert (np.abs(left.astype(int) - orange).sum(1) < 60).mean() > 0.8
    assert (np.abs(right.astype(int) - blue).sum(1) < 60).mean() > 0.8


def line_vertices(view) -> np.ndarray:
    path = re.search(r'<path d="([^"]*)"', view.line.value).group(1)
    return np.array([[float(v) for v in p.split(",")] for p in re.findall(r"[\d.]+,[\d.]+", path)])


def test_boundary_view_draws_the_line_where_the_score_crosses_the_threshold():
    data = moons(40, seed=0)
    view = BoundaryView(data, resolution=50, size=150)
    x_mid = (view.extent[0] + view.extent[1]) / 2
    view.update(lambda X: X[:, 0] - x_mid + 0.5, threshold=0.5)  # crosses 0.5 halfway across
    line = line_vertices(view)
    assert len(line) >= 2 and np.allclose(line[:, 0], 75.0)  # the middle of the 150 px picture, top to bottom
    assert line[:, 1].min() == 1.5 and line[:, 1].max() == 148.5  # from the first pixel centre to the last
    view.update(lambda X: np.full(len(X), 0.4), threshold=0.5)  # all on one side: no line
    assert len(np.unique(pixels(view.value).reshape(-1, 3), axis=0)) == 1 and "M" not in view.line.value
    view.update(lambda X: np.where(X[:, 0] < x_mid, np.nan, 1.0))  # NaN is grey and draws no line
    assert "M" not in view.line.value and pixels(view.value).shape == (50, 50, 3)


def test_boundary_view_draws_each_point_where_it_lies_on_the_field():
    data = moons(40, seed=0, test_ratio=0.25)
    view = BoundaryView(data, resolution=20, size=200)
    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"[^>]* fill="(#\w+)" stroke="(#\w+)"', view.points.value)
    assert len(circles) == len(data.X) + len(data.X_test) == 40
    train, test = circles[: len(data.X)], circles[len(data.X) :]
    assert {c[3] for c in train} == {"#ffffff"} and {c[3] for c in test} == {"#000000"}
    assert [c[2] == POSITIVE for c in train] == [bool(v > 0) for v in data.y]
    # a point on a grid point sits at the centre of that grid point's pixel, scaled to `size` (10 px a pixel)
    i, j = 7, 12
    x0, x1, y0, y1 = view.extent
    corner = np.array([[x0 + j * (x1 - x0) / 19, y1 - i * (y1 - y0) / 19]])
    np.testing.assert_allclose(view._to_pixels(corner), [[j * 10 + 5, i * 10 + 5]])
    np.testing.assert_allclose(view.grid[i * 20 + j], corner[0])  # and that grid point is PNG pixel (i, j)
    view.set_data(moons(10, seed=1, test_ratio=0.0))
    assert view.points.value.count("<circle") == 10


def isolated_point(view) -> tuple[int, np.ndarray]:
    """A training point (index > 0) at least 10 pixels from every other, and where it is drawn."""
    at = view._to_pixels(view.data.X)
    gaps = np.hypot(*(at[:, None] - at[None]).transpose(2, 0, 1)) + np.eye(len(at)) * 1e9
    i = next(i for i in range(1, len(at)) if gaps[i].min() > 10)
    return i, at[i]


def test_boundary_view_finds_the_training_point_under_a_click_and_rings_it():
    data = moons(40, seed=0, test_ratio=0.25)
    view = BoundaryView(data, resolution=20, size=200)
    i, (px, py) = isolated_point(view)
    assert view.nearest(px + 2, py - 2) == i
    assert view.nearest(-50, -50) is None  # far from every point
    clicked = []
    view.on_click(clicked.append)
    assert view._clicks.source is view and view._clicks.watched_events == ["click"]
    view._clicked({"type": "click", "relativeX": px, "relativeY": py}, clicked.append)  # as ipyevents reports it
    view._clicked({"type": "click", "relativeX": -50, "relativeY": -50}, clicked.append)
    assert clicked == [i]
    view.select(7)
    assert view.points.value.count('class="mgx-selected"') == 1 and "sample 7" in view.points.value
    view.select(None)
    assert "mgx-selected" not in view.points.value
    with pytest.raises(ValueError, match="no training point 30 among 30"):
        view.select(30)
    with pytest.raises(ValueError, match="no training point True"):
        view.select(True)


def test_boundary_view_draws_wild_scores_without_warnings():  # warnings are errors in this test suite
    view = BoundaryView(moons(30, seed=0), resolution=20, size=60)
    view.update(lambda X: 1e40 * X[:, 0])
    view.update(lambda X: np.where(X[:, 1] > 0, np.inf, -np.inf))
    assert pixels(view.value).shape == (20, 20, 3) and "M" in view.line.value


def test_curves_svg_draws_each_series_and_thins_long_histories():
    history = [{"step": k, "loss": 1 / (k + 1), "train_acc": 0.5, "test_acc": 0.6} for k in range(1000)]
    svg = curves_svg(history, max_points=100)
    assert svg.count("<polyline") == 3  # loss, train acc, test acc (no test_loss key)
    longest = max(len(p.split('points="')[1].split('"')[0].split()) for p in svg.split("<polyline")[1:])
    assert longest == 100
    assert "train 0.001" in svg  # the legend shows the last loss, 1/1000
    assert "train 0.001" in curves_svg(history, max_points=2)  # first and last
    for bad in (0, 1, -3, 2.5):
        with pytest.raises(ValueError, match="max_points must be an int >= 2"):
            curves_svg(history, max_points=bad)
    no_test = curves_svg([{"step": k, "loss": 1.0, "train_acc": 0.5, "test_acc": None} for k in range(5)])
    assert no_test.count("<polyline") == 2 and "test" not in no_test


# ---- TrainingDashboard ---------------------------------------------------------------------------------


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
    assert "test acc" in dash.stats.value


def test_the_same_settings_give_the_same_widget_state():
    a, b = (TrainingDashboard(hidden=(6,), seed=1, **SMALL) for _ in range(2))
    a.fit(12)
    b.fit(12)
    assert a.boundary.value == b.boundary.value
    assert (a.network.value, a.curves.value, a.stats.value) == (b.network.value, b.curves.value, b.stats.value)


def test_play_trains_in_the_background_and_pause_stops_it():
    dash = TrainingDashboard(hidden=(4,), seed=0, **SMALL)
    dash.play_button.value = True  # what a click on Play does
    assert dash.wait_for_step(20, timeout=60)
    assert dash.play_button.description == "Pause"
    dash.play_button.value = False  # Pause: returns after the thread has stopped
    assert not dash._thread.is_alive() and not dash.playing
    stopped = dash.step_count
    assert not dash._throttle.pending and dash.step_label.value == f"step {stopped}"  # the view shows the last step
    assert dash.step_count == stopped >= 20
    dash.fit(2)  # fit after a background run continues from where it stopped
    assert dash.step_count == stopped + 2


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
    dash.play_button.value = True  # a stopped run does not restart until Reset
    assert dash.play_button.value is False and dash.step_count == stopped
    dash.reset()
    assert dash.error is None and dash.status.value == "" and dash.step_count == 0


def test_divergence_in_the_background_run_stops_it():
    dash = TrainingDashboard(hidden=(8, 8), activation="linear", loss="mse", lr=3.0, batch_size=None, seed=0, **SMALL)
    dash.play()
    dash.wait_for_step(10_000, timeout=60)  # returns when the run stops by itself
    dash._thread.join(60)
    assert dash.error is not None and not dash.play_button.value and "diverged" in dash.status.value
    assert not dash._throttle.pending and dash.step_label.value == f"step {dash.step_count}"  # the last good step


def test_architecture_and_data_controls_rebuild_cleanly():
    dash = TrainingDashboard(hidden=(4,), seed=0, **SMALL)
    dash.fit(3)
    dash.add_layer.click()
    assert [w.shape for w, _ in layer_weights(dash.model)] == [(4, 2), (4, 4), (1, 4)] and dash.step_count == 0
    dash.layer_boxes[1].value = 6  # more neurons in the second hidden layer
    assert [w.shape[0] for w, _ in layer_weights(dash.model)] == [4, 6, 1]
    dash.remove_layer.click()
    assert [w.shape[0] for w, _ in layer_weights(dash.model)] == [4, 1]
    dash.activation.value = "relu"
    assert "relu" in dash.network.value
    dash.dataset.value = "circles"
    dash.fit(2)
    assert dash.data.name == "circles" and dash.step_count == 2
    dash.train_ratio.value = 0.8
    assert len(dash.data.X) == 48 and len(dash.data.X_test) == 12
    dash.engine.value = "scalar"
    assert isinstance(dash.model, MLP) and dash.model.sizes == [2, 4, 1]
    dash.fit(2)
    assert dash.step_label.value == "step 2"


def test_seed_and_hyperparameter_controls():
    dash = TrainingDashboard(hidden=(4,), seed=0, **SMALL)
    w0 = dash.model.state_dict()
    dash.seed.value = 1
    assert not weights_equal(w0, dash.model.state_dict())
    dash.seed.value = 0
    assert weights_equal(w0, dash.model.state_dict())
    dash.lr.value, dash.l2.value, dash.batch_size.value = 0.3, 0.01, None
    assert (dash.trainer.optimizer.lr, dash.trainer.l2, dash.trainer.batch_size) == (0.3, 0.01, None)
    dash.fit(1)
    assert dash.history[-1]["lr"] == 0.3


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
    assert [b.value for b in dash.layer_boxes] == [3, 2] and dash.dataset.value == "custom"
    assert dash.data is data  # its own train/test split is kept
    dash.fit(3)
    assert dash.step_count == 3
    dash.train_ratio.value = 0.5  # a new split of the same 50 points
    assert (len(dash.data.X), len(dash.data.X_test)) == (25, 25) and dash.step_count == 0
    with pytest.raises(TypeError, match="Dataset"):
        TrainingDashboard(data=[[0, 1]])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"engine": "jax"}, "engine"),
        ({"hidden": (0,)}, "hidden"),
        ({"dataset": "mnist"}, "dataset"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainingDashboard(**kwargs)


def test_dom_hooks_for_the_browser_test():
    dash = TrainingDashboard(hidden=(2,), **SMALL)
    assert "mgx-dashboard" in dash.widget._dom_classes
    for widget, hook in [
        (dash.boundary.image, "mgx-boundary"),  # the PNG (an img element)
        (dash.boundary.line, "mgx-boundary-line"),
        (dash.boundary.points, "mgx-boundary-points"),
        (dash.step_label, "mgx-step-counter"),
        (dash.play_button, "mgx-play"),
        (dash.network, "mgx-network"),
        (dash.status, "mgx-status"),
    ]:
        assert hook in widget._dom_classes
    assert "application/vnd.jupyter.widget-view+json" in dash._repr_mimebundle_()


# ---- GraphWidget ------------------------------------------------------------------------------------------


def test_graph_widget_replays_the_backward_pass_node_by_node(dot_program):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    root = a * b + a  # d/da = b + 1 = -2, d/db = a = 2
    graph = GraphWidget(root)
    assert "grad ?" in svg_text(graph) and "grad -2.0000" not in svg_text(graph)
    seen = []
    for _ in range(len(graph.stops)):
        graph.step_button.click()
        seen.append(graph.current)
    assert seen[0] is root and seen[-1] in (a, b) and len(set(map(id, seen))) == 4
    assert "grad -2.0000" in svg_text(graph) and "grad 2.0000" in svg_text(graph) and "grad ?" not in svg_text(graph)
    graph.forward_button.click()
    assert graph.position == -1 and "grad ?" in svg_text(graph)
    graph.slider.value = 1  # the replay slider (driven by the Play widget in a browser)
    assert graph.current is seen[1]
    assert root.grad == 0.0 and a.grad == 0.0  # replaying changes no .grad


def test_graph_widget_on_a_model_collapses_large_graphs_and_follows_training(dot_program):
    data = moons(30, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    graph = GraphWidget(model=model, data=data, sample=4)
    assert graph.mode == "neuron" and "Neuron" in graph.svg.value and "mgx-graph" in graph.svg._dom_classes
    assert len(graph.stops) < len(graph.steps)  # the replay steps over what is drawn
    graph.all_button.click()
    before = graph.svg.value
    Trainer(model, "hinge", "sgd", data, lr=0.5).fit(1)
    graph.update()
    assert graph.svg.value != before
    graph.sample.value = 5
    assert "loss" in graph.caption.value or "backward" in graph.caption.value
    tensor_graph = GraphWidget(model=build_model(2, [4], seed=0), data=data)  # a few array ops: not collapsed
    assert tensor_graph.mode is None and "linear" in tensor_graph.svg.value
    tensor_graph.all_button.click()
    assert "grad ?" not in svg_text(tensor_graph)


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
    assert dash.graph.position == len(dash.graph.stops) - 1  # the replay position is kept


@pytest.mark.parametrize(
    "name", ["_svg", "_throttle", "boundary_view", "curves_view", "dashboard", "graph_widget", "network_view"]
)
def test_docstring_examples(name, dot_program):
    import doctest
    import importlib

    module = importlib.import_module(f"microgradx.widgets.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
