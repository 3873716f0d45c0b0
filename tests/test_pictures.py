"""Pictures that survive without a kernel (contract C7): every microgradx output a notebook saves carries a
PNG of its state as `image/png` beside its other representations, the same bytes on every run."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from microgradx import MLP, Value
from microgradx.data import moons
from microgradx.graph import draw_dot
from microgradx.pictures import PNG, png_bytes, with_png, write_atomic
from microgradx.plot import BoundaryPlot
from microgradx.train import Trainer

ROOT = Path(__file__).resolve().parents[1]
SVG = "image/svg+xml"


def _pixels(data: bytes) -> np.ndarray:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert not image.info, f"metadata in the PNG: {image.info}"  # no timestamp, no software name
    return np.asarray(image.convert("RGB"))


def _neuron():
    x1, w1, b = Value(2.0, label="x1"), Value(-3.0, label="w1"), Value(6.0, label="b")
    o = (x1 * w1 + b).tanh()
    o.label = "o"
    return o, [w1, b]


def test_a_drawing_carries_a_png_of_the_same_graph_beside_its_svg(dot_program):
    o, params = _neuron()
    drawing = draw_dot(o, params=params)
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == [SVG, PNG]
    pixels = _pixels(bundle[PNG])
    width_pt = float(re.search(r'<svg width="(\d+)pt"', drawing.pipe(format="svg").decode()).group(1))
    assert abs(pixels.shape[1] - width_pt * 96 / 72) <= 2  # dot's own PNG at 96 dpi: the same layout
    assert bundle[PNG] == draw_dot(o, params=params)._repr_mimebundle_()[PNG]  # byte-stable
    o.backward()
    assert draw_dot(o, params=params)._repr_mimebundle_()[PNG] != bundle[PNG]  # gradients drawn
    # what the display machinery asks for is respected
    assert list(drawing._repr_mimebundle_(include=[SVG])) == [SVG]
    assert list(drawing._repr_mimebundle_(exclude=[PNG])) == [SVG]


def test_without_dot_the_display_keeps_its_advice_and_no_png(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    import microgradx.drawing as drawing_module

    monkeypatch.setattr(drawing_module, "fallback_exe", lambda: None)
    bundle = draw_dot(_neuron()[0])._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "Install Graphviz" in bundle["text/plain"]


def test_with_png_leaves_the_bundle_alone_when_the_picture_cannot_be_made():
    def missing(_):
        raise ImportError("no Pillow")

    assert with_png({"text/plain": "x"}, missing, None) == {"text/plain": "x"}
    assert with_png({"text/plain": "x"}, lambda _: b"png", None) == {"text/plain": "x", PNG: b"png"}
    with pytest.raises(ZeroDivisionError):  # a bug in a renderer is not hidden
        with_png({}, lambda _: 1 / 0, None)


def test_png_bytes_are_deterministic_and_carry_no_metadata():
    image = Image.fromarray(np.arange(48, dtype=np.uint8).reshape(4, 4, 3))
    assert png_bytes(image) == png_bytes(image.copy())
    assert _pixels(png_bytes(image)).tolist() == np.asarray(image).tolist()


def test_smooth_boundary_is_a_contour_line_and_byte_stable():
    data = moons(n=60, seed=0)
    model = MLP(2, [8, 1], seed=0)
    Trainer(model, "hinge", "sgd", data, lr=0.3).fit(20)
    plot = BoundaryPlot(data, resolution=60, show_loss=False, smooth=True)
    plot.update(model)
    first = plot.to_png()
    assert plot._contour is not None and plot._contour in plot._dynamic
    paths = [p for p in plot._contour.get_paths() if len(p.vertices)]
    assert paths  # the zero level was found
    # the line lies where the score changes sign: the model's score at its vertices is ~0
    from microgradx.nn import predict

    vertices = np.concatenate([p.vertices for p in paths])
    assert np.abs(predict(model, data.transform(vertices))).max() < 0.1
    plot.update(model)
    assert plot.to_png() == first  # a second update replaces the line, it does not add one
    fresh = BoundaryPlot(data, resolution=60, show_loss=False, smooth=True)
    fresh.update(model)
    assert fresh.to_png() == first
    # no sign change, no line (and no matplotlib warning, which pytest turns into an error)
    plot.update(lambda X: X[:, 0] * 0 + 1.0)
    assert plot._contour is None


def test_boundary_plot_displays_as_png():
    plot = BoundaryPlot(moons(n=20, seed=0), resolution=10, show_loss=False)
    plot.update(lambda X: X[:, 0])
    assert _pixels(plot._repr_png_()).shape == (400, 400, 3)


def test_write_atomic_replaces_whole_or_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "boundary.png"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["boundary.png"]

    import os

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"half")
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["boundary.png"]


# ---- widgets -----------------------------------------------------------------------------------------

widgets = pytest.importorskip("microgradx.widgets")


def test_a_dashboard_carries_a_png_of_its_state(dot_program):
    dash = widgets.TrainingDashboard(hidden=(4,), seed=0, n=60)
    bundle = dash._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "application/vnd.jupyter.widget-view+json", PNG}
    before = _pixels(bundle[PNG])
    assert before.shape == (360, 1000, 3)
    assert bundle[PNG] == widgets.TrainingDashboard(hidden=(4,), seed=0, n=60)._repr_mimebundle_()[PNG]
    dash.fit(30)
    after = _pixels(dash._repr_mimebundle_()[PNG])
    assert after.shape == before.shape and (after != before).any()
    # the boundary panel is the model's: blue where the score is positive, orange where negative
    assert "image/png" not in dash._repr_mimebundle_(exclude=[PNG])


def test_a_stopped_dashboard_shows_why_in_red():
    wild = widgets.TrainingDashboard(loss="mse", lr=10.0, seed=0, n=60, hidden=(8, 8))
    wild.fit(200)
    assert wild.error is not None
    pixels = _pixels(wild._repr_mimebundle_()[PNG]).astype(int)
    red = (pixels[..., 0] > 150) & (pixels[..., 1] < 60) & (pixels[..., 2] < 80)  # #b00020
    assert red[-40:].sum() > 50 and red[:-40].sum() == 0  # the status line at the bottom, nowhere else


def test_a_graph_widget_carries_a_png_of_its_replay_position(dot_program):
    o, _ = _neuron()
    graph = widgets.GraphWidget(o)
    forward = graph._repr_mimebundle_()[PNG]
    graph.backward_step()
    step = graph._repr_mimebundle_()[PNG]
    assert forward != step and _pixels(step).shape[1] >= 400
    graph.show(-1)
    assert graph._repr_mimebundle_()[PNG] == forward


# ---- the lessons as saved --------------------------------------------------------------------------

OURS = re.compile(r"^(TrainingDashboard\(|GraphWidget\(|<Drawing |BoundaryPlot\()")


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_every_saved_microgradx_output_has_its_picture(path):
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        for out in cell.get("outputs", ()):
            text = "".join(out.get("data", {}).get("text/plain", ""))
            if OURS.match(text):
                assert PNG in out["data"], f"{path.name} cell {i}: {text} has no image/png"
                _pixels(base64.b64decode(out["data"][PNG]))


def test_a_regression_dashboard_has_its_picture_too():
    """No accuracy in a regression's records: the picture shows the loss alone."""
    dash = widgets.TrainingDashboard(problem="regression", dataset="multigauss", hidden=(4,), seed=0, n=60)
    dash.fit(3)
    assert dash.history[-1]["train_acc"] is None
    assert _pixels(dash._repr_mimebundle_()[PNG]).shape == (360, 1000, 3)
