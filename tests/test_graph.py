"""microgradx.graph: DOT structure, byte-stable output, exact collapsed views, the replay, rendering and its errors."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradx import MLP, Neuron, Value
from microgradx import drawing as drawing_module
from microgradx import graph as G
from microgradx import scene as S
from microgradx.collapse import groups as collapse_groups
from microgradx.engine import CONSTANT, topological_order
from microgradx.losses import l2_penalty

NODE = re.compile(r'^\t(\w+) \[label=("(?:[^"\\]|\\.)*"|[^ \]]+)(.*)\]$')
EDGE = re.compile(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$")


def parse(source: str):
    """{dot id: (label, attributes)} and [(tail, head, attributes)] of a DOT source."""
    nodes, edges = {}, []
    for line in source.splitlines():
        if m := EDGE.match(line):
            edges.append((m[1], m[2], m[3] or ""))
        elif m := NODE.match(line):
            nodes[m[1]] = (m[2].strip('"'), m[3])
    return nodes, edges


def attr(attrs: str, name: str) -> str | None:
    m = re.search(rf'\b{name}=("[^"]*"|\S+)', attrs)
    return m[1].strip('"') if m else None


def expression():
    """e = tanh((a*b + a) * 0.1): gradients by hand, de/dc = 0.1 (1 - tanh^2), dc/da = b + 1, dc/db = a."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    c.label = "c"
    e = (c * 0.1).tanh()
    e.label = "e"
    e.backward()
    return a, b, c, e


def program(seed=3, samples=1):
    """The same program every time: an MLP, a loss over `samples` points, backward."""
    model = MLP(2, [4, 4, 1], activation="tanh", seed=seed)
    rng = np.random.default_rng(seed)
    loss = Value(0.0, label="zero")
    for _ in range(samples):
        x, y = rng.uniform(-1, 1, 2).tolist(), 1.0
        loss = loss + (model(x) - y) ** 2
    loss.label = "loss"
    loss.backward()
    return model, loss


# ---- trace and the DOT structure -----------------------------------------------------------------


def test_trace_nodes_in_topological_order_and_one_edge_per_operand():
    a = Value(3.0, label="a")
    b = a * a
    c = b + a
    nodes, edges = G.trace(c)
    assert nodes == [a, b, c]
    assert edges == [(a, b), (a, b), (b, c), (a, c)]  # a * a has two operand edges


def test_draw_dot_records_op_nodes_and_edges_of_a_known_expression():
    a, b, c, e = expression()
    nodes, edges = parse(G.draw_dot(e).source)
    graph_nodes = topological_order(e)  # a, b, a*b, c, 0.1, c*0.1, e
    computed = [n for n in graph_nodes if n._prev]
    records = {k: v for k, v in nodes.items() if not k.endswith("op")}
    ops = {k: v for k, v in nodes.items() if k.endswith("op")}
    assert len(records) == len(graph_nodes) == 7
    assert sorted(label for label, _ in ops.values()) == sorted(["*", "+", "*", "tanh"])
    assert len(edges) == sum(len(n._prev) for n in graph_nodes) + len(computed)  # operands + op -> result
    t = math.tanh(-0.4)
    dc = 0.1 * (1 - t * t)
    assert records["n0"][0] == f"{{ a | data 2.0000 | grad {dc * (-3.0 + 1):.4f} }}"
    assert records["n1"][0] == f"{{ b | data -3.0000 | grad {dc * 2.0:.4f} }}"
    assert f"{{ c | data -4.0000 | grad {dc:.4f} }}" in [label for label, _ in records.values()]
    assert f"{{ e | data {t:.4f} | grad 1.0000 }}" in [label for label, _ in records.values()]
    for i, node in enumerate(graph_nodes):  # every op sits between its operands and its result
        if node._prev:
            assert (f"n{i}op", f"n{i}") in [(s, d) for s, d, _ in edges]
            sources = [s for s, d, _ in edges if d == f"n{i}op"]
            assert sources == [f"n{graph_nodes.index(p)}" for p in node._prev]


def test_parameters_inputs_and_output_have_their_own_colours():
    model = Neuron(2, activation="tanh", seed=0)
    x = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    out = model(x)
    nodes, _ = parse(G.draw_dot(out, model=model).source)
    order = topological_order(out)
    fill = {id(n): attr(nodes[f"n{i}"][1], "fillcolor") for i, n in enumerate(order)}
    assert {fill[id(p)] for p in model.parameters()} == {S.PARAM}
    assert {fill[id(v)] for v in x} == {S.INPUT}
    assert fill[id(out)] == S.OUTPUT
    assert {fill[id(n)] for n in order if n._prev and n is not out} == {S.OTHER}  # sums and products
    nodes, _ = parse(G.draw_dot(out, params=[x[0]]).source)  # no model: params= picks what is blue
    assert attr(nodes[f"n{order.index(x[0])}"][1], "fillcolor") == S.PARAM
    assert attr(nodes[f"n{order.index(x[1])}"][1], "fillcolor") == S.INPUT
    assert {attr(nodes[f"n{order.index(p)}"][1], "fillcolor") for p in model.parameters()} == {S.INPUT}


def test_show_grad_false_hides_gradients_and_shading():
    *_, e = expression()
    source = G.draw_dot(e, show_grad=False).source
    assert "| grad" not in source and "penwidth" not in source


def test_edges_are_shaded_by_grad_magnitude_on_a_log_scale():
    x = Value(1.0, label="x")
    y = Value(1.0, label="y")
    z = x * 1000.0 + y  # dz/dx = 1000, dz/dy = 1
    z.backward()
    nodes, edges = parse(G.draw_dot(z).source)
    width = {s: float(attr(a, "penwidth")) for s, d, a in edges}
    colour = {s: attr(a, "color") for s, d, a in edges}
    assert width["n0"] == 3.0 and colour["n0"] == S.hex_colour(S.EDGE_HOT)  # x: the largest |grad|
    assert width["n3"] == pytest.approx(1 + 2 * (1 - 3 / S.DECADES))  # y: 10^-3 of it
    assert S._Scale([1.0])(1e-9) == 0.0 and S._Scale([2.0])(math.nan) == 1.0


def test_tensor_nodes_show_shape_and_summary_not_every_number():
    from microgradx.tensor import Tensor

    w = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True, label="w")
    x = Tensor(np.ones((4, 2)), label="x")
    out = (w @ x).sum()
    out.backward()
    records, _ = parse(G.draw_dot(out).source)
    pic = G.PIC_FIELD.replace("\\\\", "\\")
    assert records["n0"][0] == f"w | shape 3x4 | data +-11.0000 | {pic} | grad +-2.0000 | {pic}"  # upright
    assert G.draw_dot(out, rankdir="TB").source.count("{ w | shape 3x4 |") == 1  # upright in TB too
    assert S.picture(w.data) == (3, 4, "klmnoppqrstu")  # 0..11 in eleven shades over white (k)
    assert S.picture(w.grad)[2] == "u" * 12
    assert "no grad" in records["n1"][0] and "shape 4x2" in records["n1"][0]  # a constant has no gradient
    assert records["n3"][0] == "{ data 132.0000 | grad 1.0000 }"
    assert "4.0000, 4.0000" not in G.draw_dot(out).source  # no array printed in full


def test_record_syntax_in_labels_is_escaped_and_small_numbers_stay_visible():
    v = Value(1e-7, label="{a|b}<c>")
    records, _ = parse(G.draw_dot(v, show_grad=False).source)
    assert records["n0"][0] == r"{ \{a\|b\}\<c\> | data 1.0000e-07 }"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rankdir": "XY"}, "rankdir"),
        ({"format": "pdf"}, "format"),
        ({"collapse": "block"}, "collapse"),
        ({"collapse": "neuron"}, "needs the model"),
        ({"max_nodes": 0}, "max_nodes"),
    ],
)
def test_bad_arguments_name_the_option(kwargs, message):
    *_, e = expression()
    with pytest.raises(ValueError, match=message):
        G.draw_dot(e, **kwargs)


def test_not_a_node_is_a_type_error():
    for fn in (G.trace, G.draw_dot, lambda r: list(G.backward_steps(r))):
        with pytest.raises(TypeError, match="expects a Value or a Tensor, got float"):
            fn(3.0)


OPS = {
    "+": lambda a, b: a + b,
    "*": lambda a, b: a * b,
    "-": lambda a, b: a - b,
    "tanh": lambda a, b: a.tanh(),
    "relu": lambda a, b: a.relu(),
    "**2": lambda a, b: a**2,
}


def build(leaves, steps):
    """A random expression DAG: each step applies an op to two earlier nodes (by index, modulo)."""
    nodes = [Value(x, label=f"x{i}") for i, x in enumerate(leaves)]
    for op, i, j in steps:
        nodes.append(OPS[op](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    return nodes[-1]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=3),
    st.lists(st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 99), st.integers(0, 99)), min_size=1, max_size=12),
)
def test_any_expression_draws_one_record_per_value_one_op_node_per_op_and_replays_exactly(leaves, steps):
    root = build(leaves, steps)
    graph_nodes = topological_order(root)
    source = G.draw_dot(root).source
    nodes, edges = parse(source)
    computed = sum(1 for n in graph_nodes if n._prev)
    assert len(nodes) == len(graph_nodes) + computed
    assert sum(k.endswith("op") for k in nodes) == computed
    assert len(edges) == sum(len(n._prev) for n in graph_nodes) + computed
    replay = {s.node: s.grad for s in G.backward_steps(root)}
    grads = root.backward()
    assert replay == dict(grads)
    again = build(leaves, steps)
    again.backward()
    assert G.draw_dot(again).source == G.draw_dot(root).source


# ---- determinism ----------------------------------------------------------------------------------

SCRIPT = """
import numpy as np
from microgradx import MLP, Value
from microgradx.graph import draw_dot
{program}
model, loss = program()
print(draw_dot(loss).source, end="")
print(draw_dot(loss, model=model, collapse="neuron").source, end="")
"""


def test_dot_source_is_byte_identical_in_the_same_and_in_another_process():
    def both():
        model, loss = program()
        return G.draw_dot(loss).source + G.draw_dot(loss, model=model, collapse="neuron").source

    first = both()
    Value(0.0), Value(1.0)  # shift the creation counter: ids must not leak into the output
    assert both() == first
    code = SCRIPT.format(program=textwrap.dedent(_source(program)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == first


def _source(fn) -> str:
    import inspect

    return inspect.getsource(fn)


def test_svg_is_byte_identical_across_builds(dot_program):
    svgs = {G.draw_dot(program()[1]).pipe(format="svg") for _ in range(2)}
    assert len(svgs) == 1 and next(iter(svgs)).lstrip().startswith(b"<?xml")


# ---- collapsed views -------------------------------------------------------------------------------


def _record_forwards(model):
    """Wrap every neuron's forward (`_forward`, what a Layer calls) to record the nodes each call makes."""
    made = {}
    for li, layer in enumerate(model.layers):
        for ni, neuron in enumerate(layer.neurons):

            def forward(x, _orig=neuron._forward, _key=f"Neuron {li}.{ni}"):
                start = Value(0.0)._id
                out = _orig(x)
                made.setdefault(_key, []).append((start, Value(0.0)._id))
                return out

            neuron._forward = forward
    return made


@pytest.mark.parametrize("samples", [1, 3])
def test_neuron_groups_are_exactly_the_nodes_each_forward_call_made(samples):
    model = MLP(2, [3, 3, 1], activation="tanh", seed=5)
    made = _record_forwards(model)
    rng = np.random.default_rng(0)
    loss = sum(((model(rng.uniform(-1, 1, 2).tolist()) - 1.0) ** 2 for _ in range(samples)), Value(0.0))
    start = Value(0.0)._id
    penalty = l2_penalty(model.parameters(), 1e-4)  # covers every neuron's parameters, but is no forward
    made["parameter terms"] = [(start, Value(0.0)._id)]
    loss = loss + penalty
    loss.backward()
    nodes = topological_order(loss)
    groups = collapse_groups(nodes, model, "neuron")
    assert len(groups) == 7 * samples + 1
    units = {f"Neuron {li}.{ni}": n for li, layer in enumerate(model.layers) for ni, n in enumerate(layer.neurons)}
    for group in groups:
        name, _, k = group.name.partition(" [")
        k = int(k.rstrip("]")) if k else 0
        start, end = made[name][k]
        made_here = {id(n) for n in nodes if start < n._id < end}
        params = {id(p) for p in units[name].parameters()} if name in units else set()
        assert {id(m) for m in group.members} == made_here | params, group.name
        assert group.n_params == len(params)
    assert groups[-1].outputs == (penalty,)
    inside = {id(m) for g in groups for m in g.members}
    outside = [n for n in nodes if id(n) not in inside]
    assert loss in outside and all(n._op in ("", CONSTANT, "+", "**2") for n in outside)  # the loss's own nodes
    assert len(outside) == 1 + 4 * samples + 1  # zero; per sample the constant -1, + (-1), **2, + to the sum; loss


def test_mlp_collapsed_by_neuron_and_by_layer():
    model, loss = program()
    nodes, edges = parse(G.draw_dot(loss, model=model, collapse="neuron").source)
    groups = {k: v for k, v in nodes.items() if k.startswith("g")}
    assert sorted(label.split(" |")[0].strip("{ ") for label, _ in groups.values()) == sorted(
        f"Neuron {li}.{ni}" for li, width in enumerate([4, 4, 1]) for ni in range(width)
    )
    between = [(s, d) for s, d, _ in edges if s.startswith("g") and d.startswith("g")]
    assert len(between) == len(set(between)) == 4 * 4 + 4  # layer 0 -> 1 and layer 1 -> 2, one edge each
    assert "collapsed: one node per neuron" in G.draw_dot(loss, model=model, collapse="neuron").source
    nodes, edges = parse(G.draw_dot(loss, model=model, collapse="layer").source)
    layers = sorted(label.split(" |")[0].strip("{ ") for k, (label, _) in nodes.items() if k.startswith("g"))
    assert layers == ["Layer 0", "Layer 1", "Layer 2"]
    assert [(s, d) for s, d, _ in edges if s.startswith("g") and d.startswith("g")] == [("g0", "g1"), ("g1", "g2")]
    w = model.layers[1].neurons[2].w[0]  # a node inside layer 1: its group is outlined
    nodes, _ = parse(G.draw_dot(loss, model=model, collapse="layer", highlight=w).source)
    assert [k for k, (_, a) in nodes.items() if attr(a, "penwidth") == "3"] == ["g1"]


def test_large_graph_is_refused_without_a_model_and_collapsed_with_one():
    model = MLP(2, [16, 16, 1], seed=1)
    out = model([0.5, -1.0])
    out.backward()
    with pytest.raises(ValueError, match=r"over max_nodes=500.*collapse='neuron'"):
        G.draw_dot(out)
    source = G.draw_dot(out, model=model).source
    assert "collapsed: one node per neuron (1009 values in the full graph" in source and "over max_nodes=500" in source
    assert len(re.findall(r"^\tg\d+ \[", source, flags=re.M)) == 33
    assert "collapsed: one node per layer" in G.draw_dot(out, model=model, max_nodes=10).source
    with pytest.raises(ValueError, match="try collapse='layer'"):
        G.draw_dot(out, model=model, collapse="neuron", max_nodes=10)
    with pytest.raises(ValueError, match="none of the model's parameters"):
        G.draw_dot(Value(1.0) * 2, model=model, collapse="neuron")


def test_tensor_model_collapses_one_node_per_layer_with_parameters():
    from microgradx.nn import Linear, ReLU, Sequential
    from microgradx.tensor import Tensor

    model = Sequential(Linear(3, 4, seed=0), ReLU(), Linear(4, 1, seed=1))
    x = Tensor(np.ones((2, 3)), label="x")
    loss = (model(x) ** 2).mean()
    loss.backward()
    nodes, edges = parse(G.draw_dot(loss, model=model, collapse="neuron").source)
    names = [label.split(" |")[0].strip("{ ") for k, (label, _) in nodes.items() if k.startswith("g")]
    assert names == ["Linear 0", "Linear 2"]
    x_id = next(k for k, (label, _) in nodes.items() if label.startswith("x |"))  # x stays an input (upright)
    assert (x_id, "g0") in [(s, d) for s, d, _ in edges]


# ---- the backward replay ----------------------------------------------------------------------------


def test_backward_steps_follow_the_engine_order_and_end_on_its_gradients():
    model, loss = program(samples=2)
    before = {id(n): n.grad for n in topological_order(loss)}
    steps = list(G.backward_steps(loss))
    assert [s.node for s in steps] == topological_order(loss)[::-1]
    assert [s.index for s in steps] == list(range(len(steps)))
    assert {id(n): n.grad for n in topological_order(loss)} == before  # the replay changes nothing
    grads = loss.backward()
    assert all(s.grad == grads[s.node] for s in steps)  # exactly: same order, same arithmetic


def test_backward_steps_match_pytorch():
    torch = pytest.importorskip("torch")
    a, b, c, e = expression()
    got = {s.node.label: s.grad for s in G.backward_steps(e) if s.node.label}
    ta = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-3.0, dtype=torch.float64, requires_grad=True)
    torch.tanh((ta * tb + ta) * 0.1).backward()
    np.testing.assert_allclose([got["a"], got["b"]], [ta.grad.item(), tb.grad.item()], rtol=1e-12)


def test_backward_steps_on_tensors_match_backward():
    from microgradx.tensor import Tensor

    w = Tensor(np.arange(6.0).reshape(2, 3) / 7, requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    x = Tensor(np.linspace(-1, 1, 8).reshape(4, 2))
    loss = ((x @ w + b).tanh() ** 2).mean()
    steps = list(G.backward_steps(loss))
    grads = loss.backward()
    assert [s.node for s in steps] == list(grads)[::-1]
    assert all(np.array_equal(s.grad, grads[s.node]) for s in steps)


def test_replayed_gradients_fill_in_the_drawing_step_by_step():
    *_, e = expression()
    known = {}
    unknown = []
    for step in G.backward_steps(e):
        known[step.node] = step.grad
        drawing = G.draw_dot(e, grads=known, highlight=step.node)
        unknown.append(drawing.source.count("grad ?"))
        records, _ = parse(drawing.source)
        outlined = [k for k, (_, attrs) in records.items() if attr(attrs, "penwidth") == "3"]
        assert outlined == [f"n{topological_order(e).index(step.node)}"]
    assert unknown == list(range(6, -1, -1))  # one more gradient known at every step
    assert G.draw_dot(e, grads=known).source == G.draw_dot(e).source  # and in the end, backward()'s


# ---- rendering, display and a missing `dot` ---------------------------------------------------------


def test_svg_display_and_save(dot_program, tmp_path):
    *_, e = expression()
    drawing = G.draw_dot(e)
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml", "image/png"] and bundle["image/svg+xml"].count('class="node"') == 11
    drawing.save(tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_text().count('class="edge"') == len(parse(drawing.source)[1]) == 11
    drawing.save(tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    drawing.save(tmp_path / "g.gv")
    assert (tmp_path / "g.gv").read_text() == drawing.source
    assert list(G.draw_dot(e, format="png")._repr_mimebundle_()) == ["image/png"]


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """No `dot` on PATH (an empty PATH), as on a machine without Graphviz."""
    monkeypatch.setenv("PATH", str(tmp_path))


def test_missing_dot_gives_install_advice_and_keeps_the_source(no_dot, monkeypatch, tmp_path):
    monkeypatch.setattr(drawing_module, "fallback_exe", lambda: None)
    *_, e = expression()
    drawing = G.draw_dot(e)
    for render in (
        lambda: drawing.pipe(format="svg"),
        lambda: drawing.save(tmp_path / "g.svg"),
        lambda: drawing.render(directory=tmp_path),
    ):
        with pytest.raises(G.GraphvizNotFound, match="apt-get install graphviz") as info:
            render()
        assert info.value.source == drawing.source and "brew install graphviz" in str(info.value)
        assert info.value.__cause__ is None and info.value.__suppress_context__
    shown = drawing._repr_mimebundle_()
    assert list(shown) == ["text/plain"] and "conda install" in shown["text/plain"] and "n0 ->" in shown["text/plain"]


def test_graphviz_pure_renders_the_same_picture_when_dot_is_missing(no_dot):
    if drawing_module.fallback_exe() is None:
        pytest.skip("graphviz-pure is not installed (pip install graphviz-pure)")
    model, loss = program()
    svg = G.draw_dot(loss, model=model, collapse="neuron").pipe(format="svg", encoding="utf-8")
    nodes, edges = parse(G.draw_dot(loss, model=model, collapse="neuron").source)
    # 9 neurons; the loss's records zero, -1, out - 1, squared, loss and its 3 op nodes
    assert svg.count('class="node"') == len(nodes) == 9 + 5 + 3
    assert svg.count('class="edge"') == len(edges) == 20 + 8
    assert "Neuron 2.0" in svg


def test_missing_graphviz_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    monkeypatch.setattr(drawing_module, "_CLASS", None)
    with pytest.raises(ImportError, match=r'pip install "microgradx\[widgets\]"'):
        G.draw_dot(Value(1.0))


def test_importing_the_graph_module_does_not_import_graphviz():
    code = "import sys, microgradx.graph; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_edge_shading_of_a_gradient_far_below_the_largest_is_cold_not_an_error():
    """|grad| / largest underflows to 0 for 5e-324 beside 1e300 (hypothesis found leaves like these)."""
    scale = S._Scale([1e300, 5e-324, 1.0])
    assert scale(5e-324) == 0.0 and scale(1e300) == 1.0
    assert scale(1e300 * 10.0 ** -S.DECADES / 2) == 0.0 < scale(1e300 * 10.0 ** (1 - S.DECADES))
