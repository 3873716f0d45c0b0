"""The widgets, driven from code without a browser: state after steps, pause, divergence, reset, controls."""

from __future__ import annotations

import html
import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from microgradx import Value
from microgradx.data import moons
from microgradx.nn import MLP
from microgradx.train import Trainer
from microgradx.widgets import (
    GraphWidget,
    build_model,
)

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


# The views' own tests are in test_views.py.


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
    graph.slider.value = 2  # the replay slider (driven by the Play widget in a browser) counts arrived gradients
    assert graph.current is seen[1] and "backward</b> 2/4" in graph.caption.value
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
    graph.sample.value = 5  # another sample, same structure: the replay stays at the end, the caption agrees
    n = len(graph.stops)
    assert graph.position == n - 1 and graph.slider.value == n and f"backward</b> {n}/{n}" in graph.caption.value
    tensor_graph = GraphWidget(model=build_model(2, [4], seed=0), data=data)  # a few array ops: not collapsed
    assert tensor_graph.mode is None and "@ + bias" in svg_text(tensor_graph) and "hinge" in svg_text(tensor_graph)
    tensor_graph.all_button.click()
    assert "grad ?" not in svg_text(tensor_graph)


@pytest.mark.parametrize(
    "name",
    ["_svg", "_throttle", "boundary_view", "curves_view", "dashboard", "graph_widget", "network_view", "runner"],
)
def test_docstring_examples(name, dot_program):
    import doctest
    import importlib

    module = importlib.import_module(f"microgradx.widgets.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
