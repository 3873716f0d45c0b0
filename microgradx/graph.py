"""Draw the computation graph, as in micrograd's trace notebook, and replay its backward pass.

One record per value (label, data, grad) and one small node per op between its inputs and its output.
Parameters, inputs and the output have their own colours, and with ``show_grad`` each edge is shaded by
the |grad| of the value it carries, so the gradient's flow is visible. Nodes are numbered in
`topological_order` (creation order), never by ``id()``: the same program gives the same DOT source
and the same SVG, byte for byte, in any process.

>>> from microgradx import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> c = a * b; c.label = "c"
>>> nodes, edges = trace(c)
>>> [n.label for n in nodes], len(edges)
(['a', 'b', 'c'], 2)

Graphviz is imported only when drawing (`pip install "microgradx[widgets]"`); rendering needs its
``dot`` program.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple

import numpy as np

from .drawing import GraphvizNotFound, drawing_class
from .engine import topological_order

__all__ = ["trace", "draw_dot", "backward_steps", "Step", "GraphvizNotFound", "MAX_NODES"]

MAX_NODES = 500  # more drawn nodes than this are not handed to `dot`: it gets slow and nobody can read it
DECADES = 4  # edge shading spans |grad| from the largest down to 10^-DECADES of it (log scale)

PARAM, INPUT, OUTPUT, OTHER, GROUP, OP = "#cfe2ff", "#d3f0d8", "#ffe08a", "#ffffff", "#e6dcf7", "#eeeeee"
EDGE_COLD, EDGE_HOT = (0xC8, 0xC8, 0xC8), (0xC0, 0x39, 0x2B)


def trace(root) -> tuple[list, list[tuple]]:
    """Every node reachable from `root` (a Value or a Tensor) and every edge ``(input, output)``.

    Nodes come in topological order (inputs first, a deterministic order); edges in that order too,
    one per operand: ``a * a`` has two edges from ``a``.
    """
    _check_node(root, "trace")
    nodes = topological_order(root)
    return nodes, [(child, node) for node in nodes for child in node._prev]


class Step(NamedTuple):
    """One step of the backward pass: `node` has just received all of its gradient, `grad`."""

    index: int  # 0 is the root
    node: object
    grad: object  # a float for a Value


def backward_steps(root, gradient=None) -> Iterator[Step]:
    """Replay `root.backward()`: yield each node, in the order the engine visits it, with its gradient.

    The order is the engine's (reverse topological) and so is the arithmetic, so each step's gradient
    equals what ``root.backward()`` returns for that node. Nothing is changed: `.grad` is left alone.
    For a Tensor graph, as in its engine, only nodes that receive a gradient are visited.

    >>> from microgradx import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x; y.label = "y"
    >>> [(s.node.label, s.grad) for s in backward_steps(y)]
    [('y', 1.0), ('x', 6.0)]
    """
    _check_node(root, "backward_steps")
    topo = topological_order(root)
    if hasattr(root, "_local"):  # Value: every node is visited, `child._g += local * g`
        g = {id(n): 0.0 for n in topo}
        g[id(root)] = 1.0 if gradient is None else float(gradient)
        for i, node in enumerate(reversed(topo)):
            gn = g[id(node)]
            yield Step(i, node, gn)
            for child, local in zip(node._prev, node._local):
                g[id(child)] += local * gn
        return
    yield from _tensor_steps(root, topo, gradient)


def _tensor_steps(root, topo: list, gradient) -> Iterator[Step]:
    """The Tensor engine's own backward loop, `Tensor.backprop` (what `backward()` runs): `.grad` untouched."""
    for i, (node, g) in enumerate(root.backprop(gradient)):  # it finds its own order: `topo` is not needed
        yield Step(i, node, g)


def draw_dot(
    root,
    rankdir: str = "LR",
    format: str = "svg",
    show_grad: bool = True,
    *,
    model=None,
    collapse: str | None = None,
    params: Iterable | None = None,
    max_nodes: int = MAX_NODES,
    grads: Mapping | None = None,
    highlight=None,
):
    """The computation graph of `root` as a `graphviz.Digraph` (shown as SVG in Jupyter).

    - `rankdir`: 'LR' (left to right, as micrograd) or 'TB'; `format`: 'svg' or 'png' for display and save.
    - `show_grad`: show each grad and shade edges by |grad| (log scale, relative to the largest).
    - `model`: colours its parameters and allows `collapse` = 'neuron' or 'layer': one node per neuron
      or layer (see `microgradx.collapse` for how nodes are assigned, exactly). A graph over `max_nodes`
      is collapsed by neuron (then by layer) when a model is given, and refused otherwise.
    - `params`: other Values to colour as parameters; leaf Tensors with ``requires_grad`` always are.
    - `grads`: gradients to show instead of `.grad` ({node: grad}, e.g. from `backward_steps`; nodes
      missing from it show "grad ?"); `highlight`: a node to outline.

    `drawing.save("g.svg")` or `("g.png")` renders to a file; `drawing.source` is the DOT text.

    >>> from microgradx import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> print(draw_dot(a * b).source.count("->"))  # a -> *, b -> *, * -> output
    3
    """
    _check_node(root, "draw_dot")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot(rankdir={rankdir!r}): use 'LR' (left to right) or 'TB' (top to bottom)")
    if format not in ("svg", "png"):
        raise ValueError(f"draw_dot(format={format!r}): use 'svg' or 'png'")
    if collapse not in (None, "neuron", "layer"):
        raise ValueError(f"draw_dot(collapse={collapse!r}): use None, 'neuron' or 'layer'")
    if collapse is not None and model is None:
        raise ValueError(
            f"draw_dot(collapse={collapse!r}) needs the model that owns the parameters: "
            f"draw_dot(loss, model=mlp, collapse={collapse!r})"
        )
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"draw_dot(max_nodes={max_nodes!r}): must be a positive integer")

    nodes, _ = trace(root)
    full = len(nodes) + sum(1 for n in nodes if n._prev)  # value records + op nodes
    note = ""
    group_list = []
    if collapse is None and full > max_nodes:
        if model is None:
            raise ValueError(
                f"draw_dot: the graph has {full} nodes, over max_nodes={max_nodes}; Graphviz would be slow and "
                f"the picture unreadable. Pass the model to collapse it, draw_dot(loss, model=mlp, "
                f"collapse='neuron') or collapse='layer', or raise max_nodes."
            )
        for mode in ("neuron", "layer"):
            group_list, count = _collapse(nodes, model, mode)
            if count <= max_nodes:
                collapse = mode
                break
        else:
            raise ValueError(
                f"draw_dot: even collapsed by layer the graph has {count} nodes, over max_nodes={max_nodes}"
            )
        note = f", over max_nodes={max_nodes}"
    elif collapse is not None:
        group_list, count = _collapse(nodes, model, collapse)
        if not group_list:
            raise ValueError(f"draw_dot(collapse={collapse!r}): none of the model's parameters is in this graph")
        if count > max_nodes:
            raise ValueError(
                f"draw_dot(collapse={collapse!r}): {count} nodes even collapsed, over max_nodes={max_nodes}"
                + ("; try collapse='layer'" if collapse == "neuron" else "")
            )
    if collapse is not None:
        note = f"collapsed: one node per {collapse} ({full} nodes in the full graph{note})"

    param_ids = {id(p) for p in (model.parameters() if model is not None else ())}
    param_ids |= {id(p) for p in (params or ())}
    drawing = drawing_class()(
        name="microgradx",
        format=format,
        graph_attr={"rankdir": rankdir, **({"label": note, "labelloc": "t", "fontsize": "12"} if note else {})},
        node_attr={"fontsize": "11"},
        edge_attr={"arrowsize": "0.6"},
    )
    drawing._jupyter_mimetype = "image/svg+xml" if format == "svg" else "image/png"
    _emit(drawing, nodes, root, group_list, param_ids, show_grad, grads, highlight)
    return drawing


# ---- building the DOT ------------------------------------------------------------------------


def _collapse(nodes: list, model, mode: str) -> tuple[list, int]:
    from .collapse import groups

    found = groups(nodes, model, mode)
    inside = {id(m) for g in found for m in g.members}
    rest = [n for n in nodes if id(n) not in inside]
    return found, len(found) + len(rest) + sum(1 for n in rest if n._prev)


def _emit(dg, nodes, root, group_list, param_ids, show_grad, grads, highlight) -> None:
    index = {id(n): i for i, n in enumerate(nodes)}
    where = {}  # id(node) -> the DOT id that stands for it (its own record, or its (first) group's)
    inside = {}  # group's DOT id -> ids of its members (a parameter is inside every instance of its unit)
    for j, group in enumerate(group_list):
        inside[f"g{j}"] = {id(m) for m in group.members}
        for m in group.members:
            where.setdefault(id(m), f"g{j}")
    for n in nodes:
        where.setdefault(id(n), f"n{index[id(n)]}")

    def grad_of(n):
        if getattr(n, "requires_grad", True) is False:
            return None  # a Tensor constant: no gradient (and reading .grad would allocate one)
        if grads is None:
            return n.grad
        try:
            return grads[n]
        except KeyError:
            return None

    scale = _Scale(_magnitude(grad_of(n)) for n in nodes) if show_grad else None

    for j, group in enumerate(group_list):
        size = (
            f"{group.n_params} params, {len(group.members)} nodes" if group.n_params else f"{len(group.members)} nodes"
        )
        rows = [_escape(group.name), size]
        if len(group.outputs) == 1:
            rows += _value_rows(group.outputs[0], grad_of, show_grad)
        else:
            rows.append(f"{len(group.outputs)} outputs")
        attrs = {"shape": "record", "style": "filled,rounded"}
        attrs["fillcolor"] = OUTPUT if any(o is root for o in group.outputs) else GROUP
        if highlight is not None and id(highlight) in inside[f"g{j}"]:
            attrs.update(color=_hex(EDGE_HOT), penwidth="3")
        dg.node(f"g{j}", "{ " + " | ".join(rows) + " }", **attrs)

    for n in nodes:
        i = index[id(n)]
        if where[id(n)] != f"n{i}":
            continue
        rows = ([_escape(n.label)] if n.label else []) + _value_rows(n, grad_of, show_grad)
        attrs = {"shape": "record", "style": "filled", "fillcolor": _fill(n, root, param_ids)}
        if highlight is not None and n is highlight:
            attrs.update(color=_hex(EDGE_HOT), penwidth="3")
        dg.node(f"n{i}", "{ " + " | ".join(rows) + " }", **attrs)
        if n._prev:
            dg.node(
                f"n{i}op",
                _escape(n._op or "?"),
                shape="ellipse",
                style="filled",
                fillcolor=OP,
                fontsize="10",
                margin="0.02,0.02",
                height="0.3",
            )
            dg.edge(f"n{i}op", f"n{i}", **_edge_style(scale, grad_of(n)))

    edges: dict = {}  # (source, target[, k]) -> largest |grad| carried; parallel edges only between values
    for n in nodes:
        target = where[id(n)]
        if target[0] == "n":
            target += "op"
        for k, child in enumerate(n._prev):
            source = where[id(child)]
            if source == where[id(n)] or id(child) in inside.get(where[id(n)], ()):
                continue  # inside one group
            key = (source, target) if "g" in (source[0], target[0]) else (source, target, index[id(n)], k)
            g = _magnitude(grad_of(_carrier(child, group_list, where)))
            edges[key] = g if key not in edges else _max(edges[key], g)
    for (source, target, *_), g in edges.items():
        dg.edge(source, target, **_edge_style(scale, g))


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)


def _carrier(child, group_list, where):
    """The node whose gradient an edge out of `child`'s record carries (a group's: its output)."""
    name = where[id(child)]
    if name.startswith("g"):
        outputs = group_list[int(name[1:])].outputs
        return child if any(o is child for o in outputs) else outputs[-1]
    return child


def _value_rows(n, grad_of, show_grad) -> list[str]:
    data = n.data
    if show_grad and getattr(n, "requires_grad", True) is False:
        return _value_rows(n, grad_of, False) + ["no grad"]
    if isinstance(data, np.ndarray) and data.ndim > 0:
        rows = ["shape " + "x".join(map(str, data.shape)), "data " + _summary(data)]
        if show_grad:
            g = grad_of(n)
            rows.append("grad " + ("?" if g is None else _summary(np.asarray(g))))
        return rows
    rows = [f"data {_num(data)}"]
    if show_grad:
        g = grad_of(n)
        rows.append("grad ?" if g is None else f"grad {_num(g)}")
    return rows


def _summary(a: np.ndarray) -> str:
    """A few numbers for an array: mean, std and range (the numbers themselves when there are at most 3).

    Labels stay ASCII, so every Graphviz build measures them alike."""
    if a.size == 0:
        return "(empty)"
    if a.size <= 3:
        return "[" + ", ".join(_num(x) for x in a.ravel()) + "]"
    return f"mean {_num(a.mean())} std {_num(a.std())}, range [{_num(a.min())}, {_num(a.max())}]"


def _num(x) -> str:
    """Four decimals, as micrograd; tiny and huge numbers in scientific notation so they don't read as 0."""
    x = float(x)
    if x == 0:
        return "0.0000"  # also -0.0
    return f"{x:.4f}" if 1e-4 <= abs(x) < 1e6 or not math.isfinite(x) else f"{x:.4e}"


def _fill(n, root, param_ids) -> str:
    if n is root:
        return OUTPUT
    if n._prev:
        return OTHER
    if id(n) in param_ids or getattr(n, "requires_grad", False) is True:
        return PARAM
    return INPUT


def _magnitude(g) -> float | None:
    """|grad| of a node (largest entry for an array); None when unknown."""
    if g is None:
        return None
    if type(g) is float:
        return abs(g)
    g = np.abs(np.asarray(g, dtype=float))
    return float(g.max()) if g.size else 0.0


class _Scale:
    """Maps |grad| to 0..1 on a log scale: 1 for the largest finite |grad|, 0 for 10^-DECADES of it or less."""

    def __init__(self, magnitudes: Iterable):
        finite = [m for m in magnitudes if m is not None and math.isfinite(m)]
        self.top = max(finite, default=0.0)

    def __call__(self, g) -> float:
        m = _magnitude(g)
        if m is None or m == 0 or self.top == 0:
            return 0.0
        if not math.isfinite(m):
            return 1.0  # inf or NaN: as hot as it gets, so it is seen
        return min(1.0, max(0.0, 1.0 + math.log10(m / self.top) / DECADES))


def _edge_style(scale, g) -> dict:
    if scale is None:
        return {}
    t = scale(g)
    rgb = tuple(round(c + (h - c) * t) for c, h in zip(EDGE_COLD, EDGE_HOT))
    return {"color": _hex(rgb), "penwidth": f"{1 + 2 * t:.2f}"}


def _hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _escape(text: str) -> str:
    """Text safe inside a record label (braces, bars and angle brackets are record syntax)."""
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _check_node(root, who: str) -> None:
    missing = [a for a in ("_prev", "_op", "data", "grad") if not hasattr(root, a)]
    if missing:
        raise TypeError(f"{who}() expects a Value or a Tensor, got {type(root).__name__} {root!r:.60}")
