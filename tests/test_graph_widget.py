"""The live graph, kernel-side: layout once per structure, frames that change numbers and never positions,
the replay's highlight inside the drawing, collapse decided by drawn size, and clear errors."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from microgradx import MLP, Value
from microgradx import scene as S
from microgradx.data import moons
from microgradx.engine import topological_order
from microgradx.graph import draw_dot
from microgradx.train import Trainer
from microgradx.widgets import GraphWidget
from microgradx.widgets.dashboard import build_model
from microgradx.widgets.graph_view import frame_message

POSITION = re.compile(
    r'<(?:polygon|ellipse|path) (?:points="([^"]*)"|cx="([^"]*)" cy="([^"]*)"|d="([^"]*)")[^>]*data-b='
)


def positions(svg: str) -> list[str]:
    """The geometry of every box outline in a drawing, in order."""
    return ["|".join(g for g in m.groups() if g) for m in POSITION.finditer(svg)]


def numbers(svg: str) -> list[str]:
    return re.findall(r"data-t=\"\d+\">([^<]*)<", svg)


@pytest.mark.parametrize("engine, hidden", [("scalar", (4, 4)), ("scalar", (16, 16)), ("tensor", (8, 8))])
def test_node_positions_stay_put_while_numbers_change_after_steps(dot_program, engine, hidden, monkeypatch):
    data = moons(40, seed=0)
    model = build_model(2, hidden, engine=engine, seed=0)
    graph = GraphWidget(model=model, data=data, sample=2)
    layout = graph.layout
    graph.update()
    first, first_numbers = positions(graph.svg.value), numbers(graph.svg.value)
    calls = []
    monkeypatch.setattr(type(graph.layout), "of", classmethod(lambda *a: calls.append(a)))  # no new layout
    trainer = Trainer(model, "hinge", "sgd", data, lr=0.3, seed=0)
    seen = set()
    for _ in range(3):
        trainer.fit(1)
        graph.update()
        assert graph.layout is layout and positions(graph.svg.value) == first
        seen.add(tuple(numbers(graph.svg.value)))
    assert calls == [] and len(seen) == 3 and tuple(first_numbers) not in seen  # numbers moved every step
    assert len(first) == graph.plan.drawn and "grad ?" not in graph.svg.value  # live: every gradient shown


def test_a_frame_is_only_what_changed_and_the_front_end_gets_the_svg_once(dot_program):
    data = moons(40, seed=0)
    model = MLP(2, [4, 4, 1], seed=0)
    graph = GraphWidget(model=model, data=data, collapse="none")
    svg = graph.view.svg
    sent = []
    graph.view.observe(lambda change: sent.append(change["name"]), names=["svg", "frame"])
    Trainer(model, "hinge", "sgd", data, lr=0.3).fit(1)
    graph.update()
    assert graph.view.svg == svg and sent == ["frame"]
    message = graph.view.frame
    assert message == frame_message(graph.view.current) and len(message["t"]) == len(numbers(graph.svg.value))
    assert message["h"] == graph.plan.where[len(graph.nodes) - 1] or message["h"] >= 0
    graph.sample.value = 7  # same structure: still no new drawing
    assert graph.view.svg == svg


def test_replay_highlight_moves_and_lies_inside_the_drawing(dot_program):
    data = moons(30, seed=0)
    graph = GraphWidget(model=MLP(2, [16, 16, 1], seed=0), data=data, sample=4)
    assert graph.mode == "neuron"
    graph.show(-1)
    hot = []
    for _ in range(len(graph.stops)):
        graph.backward_step()
        b = graph.view.current.hot
        x0, y0, x1, y1 = graph.layout.bounds(b)
        assert 0 <= x0 < x1 <= graph.layout.width + 0.5 and 0 <= y0 < y1 <= graph.layout.height + 0.5
        assert f'data-b="{b}" fill="' in graph.svg.value and 'stroke="#c0392b" stroke-width="3"' in graph.svg.value
        hot.append(b)
    assert len(set(hot)) == len(hot) == len(graph.stops)  # one drawn box after another, each once
    assert graph.position == len(graph.stops) - 1 and graph.slider.value == len(graph.stops)


def test_replay_plays_from_the_first_node_when_on(dot_program):
    graph = GraphWidget(model=MLP(2, [3, 1], seed=0), data=moons(20, seed=0))
    graph.update()
    graph.replay()
    assert graph.player.playing and graph.player.value == 0 and graph.position == -1
    graph.player.playing = False
    graph.replay_toggle.value = False
    graph.update()
    graph.replay()
    assert not graph.player.playing and graph.position == len(graph.stops) - 1


def test_collapse_is_chosen_by_drawn_size_not_only_node_count():
    model = MLP(2, [3, 8, 1], seed=0)
    out = model([0.5, -1.0])
    nodes = topological_order(out)
    full = S.plan(nodes, model, "none")
    assert full.drawn <= S.MAX_NODES  # few enough nodes to draw
    assert full.width_estimate() > S.MAX_WIDTH  # but a mostly blank giant picture
    chosen = S.plan(nodes, model)
    assert chosen.mode == "neuron" and chosen.width_estimate() <= S.MAX_WIDTH and "points wide" in chosen.reason
    assert S.plan(nodes, model, max_width=1e9).mode is None  # the same graph on a page wide enough
    small = MLP(2, [2, 1], seed=0)
    assert S.plan(topological_order(small([0.5, -1.0])), small).mode is None


def test_width_estimate_follows_dot(dot_program):
    import json

    model = MLP(2, [3, 8, 1], seed=0)
    for collapse in ("none", "neuron"):
        drawing = draw_dot(model([0.5, -1.0]), model=model, collapse=collapse)
        width = float(json.loads(drawing.pipe(format="json"))["bb"].split(",")[2])
        assert drawing.plan.width_estimate() == pytest.approx(width, rel=0.35)


def test_tensor_graph_shows_pictures_and_names_its_ops(dot_program):
    graph = GraphWidget(model=build_model(2, [4], "tanh", seed=0), data=moons(20, seed=0))
    graph.show(len(graph.stops) - 1)
    svg = graph.svg.value
    assert svg.count("<g data-p=") == len(graph.view.current.pics) >= 8  # data and grad of W, b, ...
    ops = [box.rows[0] for box in graph.plan.boxes if box.kind == "op"]
    assert ops.count("@ + bias") == 2 and "tanh" in ops and "hinge" in ops and "relu" not in ops
    graph.show(1)  # the second stop: the hinge loss's own ops, drawn as one
    assert "the hinge loss" in graph.caption.value and "relu" not in graph.caption.value


def test_scalar_graph_collapsed_by_neuron_shows_each_neurons_output_and_gradient_live(dot_program):
    data = moons(20, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    graph = GraphWidget(model=model, data=data)
    graph.update()
    groups = [b for b in graph.plan.boxes if b.kind == "group"]
    assert len(groups) == 33 and all([r.kind for r in g.rows][-2:] == ["data", "grad"] for g in groups)
    before = numbers(graph.svg.value)
    Trainer(model, "hinge", "sgd", data, lr=0.5).fit(1)
    graph.update()
    after = numbers(graph.svg.value)
    assert len(before) == len(after) and before != after and not any("?" in t for t in after)


def test_diverging_tensor_model_draws_without_warnings(dot_program):
    model = build_model(2, [4], "sigmoid", seed=0)
    graph = GraphWidget(model=model, data=moons(20, seed=0))
    for p in model.parameters():
        p.data *= 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph.update()
        graph.replay()
    assert any("e+29" in t or "e+30" in t or "inf" in t for t in numbers(graph.svg.value))


def test_bad_input_is_refused_with_a_clear_error():
    data = moons(20, seed=0)
    model = MLP(2, [2, 1], seed=0)
    for sample in (-1, 10**6, 2.5, True):
        with pytest.raises(ValueError, match=r"GraphWidget\(sample=.*\[0, 19\]"):
            GraphWidget(model=model, data=data, sample=sample)
    with pytest.raises(TypeError, match=r"GraphWidget\(data=.*Dataset.*ndarray"):
        GraphWidget(model=model, data=np.zeros((4, 2)))
    with pytest.raises(TypeError, match=r"GraphWidget\(model=.*int"):
        GraphWidget(model=5, data=data)
    with pytest.raises(TypeError, match=r"GraphWidget\(root=.*str"):
        GraphWidget("x")
    e = Value(2.0) * 3
    with pytest.raises(TypeError, match=r"draw_dot\(grads=.*int"):
        draw_dot(e, grads=5)
    with pytest.raises(TypeError, match=r"draw_dot\(model=.*int"):
        draw_dot(e, model=5, collapse="neuron")
    with pytest.raises(TypeError, match=r"draw_dot\(\) expects a Value or a Tensor, got list"):
        draw_dot([e])


def test_draw_dot_picture_fits_its_column(dot_program):
    model = MLP(2, [3, 8, 1], seed=0)
    svg = draw_dot(model([0.5, -1.0]), model=model)._repr_mimebundle_()["image/svg+xml"]
    assert 'style="max-width:100%;height:auto"' in svg and "viewBox=" in svg


# ---- k classes: one sample's graph ends in the k-class cross-entropy -----------------------------------------


def three_classes(n: int = 30):
    from microgradx.data import Dataset

    rng = np.random.default_rng(0)
    y = np.arange(n) % 3
    X = np.column_stack([np.cos(2 * np.pi * y / 3), np.sin(2 * np.pi * y / 3)]) + rng.normal(scale=0.3, size=(n, 2))
    return Dataset(X, y, X[:0], y[:0], name="three", labels="index", classes=("cat", "dog", "bird"))


def softmax_cross_entropy(logits: np.ndarray, target: int) -> float:
    z = logits - logits.max()
    return float(np.log(np.exp(z).sum()) - z[target])


@pytest.mark.parametrize("engine", ["scalar", "tensor"])
def test_a_k_class_models_graph_ends_in_the_cross_entropy_and_replays(dot_program, engine):
    from microgradx.nn import predict

    data = three_classes()
    model = build_model(2, (3,), engine=engine, seed=0, outputs=3)
    graph = GraphWidget(model=model, data=data, sample=4, loss="cross_entropy", collapse="none")
    logits = predict(model, data.inputs[4:5])[0]
    assert graph.root.label == "loss" and abs(float(np.sum(graph.root.data)) - softmax_cross_entropy(logits, 1)) < 1e-12
    svg = graph.svg.value
    if engine == "scalar":  # the loss's own Value ops, each drawn and replayed: exp per class, then log
        assert [n.label for n in graph.nodes if n.label.startswith("score")] == ["score[0]", "score[1]", "score[2]"]
        ops = [n._op for n in graph.nodes]
        assert ops.count("exp") == 3 and ops.count("log") == 1 and len(graph.stops) == len(graph.nodes)
        assert "score[2]" in svg and ">exp<" in svg
    else:  # the Tensor loss as one op after the (1, 3) logits
        assert ">cross_entropy<" in svg and "shape 1x3" in svg
    layout, first = graph.layout, numbers(svg)
    trainer = Trainer(model, "cross_entropy", "sgd", data, lr=0.5, seed=0)
    trainer.fit(2)
    graph.update()
    assert graph.layout is layout and positions(graph.svg.value) == positions(svg) and numbers(graph.svg.value) != first
    graph.show(-1)
    for _ in range(len(graph.stops)):
        graph.backward_step()
    assert graph.position == len(graph.stops) - 1 and "grad ?" not in graph.svg.value
    graph.sample.value = 5  # class 2: the same structure, another target
    logits = predict(model, data.inputs[5:6])[0]
    assert abs(float(np.sum(graph.root.data)) - softmax_cross_entropy(logits, 2)) < 1e-12


def test_a_k_class_scalar_graph_collapses_by_neuron_and_draws_its_picture(dot_program):
    import io

    from PIL import Image

    from microgradx.widgets import snapshot

    graph = GraphWidget(model=build_model(2, (8, 8), engine="scalar", seed=0, outputs=3), data=three_classes(),
                        loss="cross_entropy")  # fmt: skip
    assert graph.mode == "neuron"
    boxes = [box.rows[0].text for box in graph.plan.boxes if box.kind == "group"]
    assert sum(b.startswith("Neuron 2.") for b in boxes) == 3  # the three output neurons
    assert ">cross_entropy<" in graph.svg.value  # collapsed: the loss as one op after the three output neurons
    graph.show(len(graph.stops) // 2)
    picture = Image.open(io.BytesIO(snapshot.graph_widget_png(graph)))
    assert picture.width > 400 and picture.height > 200
