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

from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple

from .drawing import GraphvizNotFound, drawing_class
from .engine import Value, topological_order
from .scene import EDGE_HOT, MAX_NODES, MAX_WIDTH, NUMBER, OP, Frame, Scene, hex_colour
from .scene import plan as make_plan

__all__ = ["trace", "draw_dot", "emit_dot", "backward_steps", "Step", "GraphvizNotFound", "MAX_NODES", "MAX_WIDTH"]


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
    if isinstance(root, Value):  # the engine's own backward loop, `Value.backprop` (what `backward()` runs)
        for i, (node, g) in enumerate(root.backprop(1.0 if gradient is None else gradient)):
            yield Step(i, node, g)
        return
    yield from _tensor_steps(root, topological_order(root), gradient)


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
    plan: Scene | None = None,
):
    """The computation graph of `root` as a `graphviz.Digraph` (shown as SVG in Jupyter, fit to the page).

    - `rankdir`: 'LR' (left to right, as micrograd) or 'TB'; `format`: 'svg' or 'png' for display and save.
    - `show_grad`: show each grad and shade edges by |grad| (log scale, relative to the largest).
    - `model`: colours its parameters and allows `collapse` = 'neuron' or 'layer': one node per neuron
      or layer (see `microgradx.collapse` for how nodes are assigned, exactly). A graph over `max_nodes`,
      or too wide to read on a page, is collapsed by neuron (then by layer) when a model is given; over
      `max_nodes` without one it is refused. `collapse='none'` draws every node.
    - `params`: other Values to colour as parameters; leaf Tensors with ``requires_grad`` always are.
    - `grads`: gradients to show instead of `.grad` ({node: grad}, e.g. from `backward_steps`; nodes
      missing from it show "grad ?"); `highlight`: a node to outline.
    - `plan`: a `microgradx.scene.Scene` made earlier for the same structure (`draw_dot(...).plan`), so
      the collapse decision is not made again.

    `drawing.save("g.svg")` or `("g.png")` renders to a file; `drawing.source` is the DOT text.

    >>> from microgradx import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> print(draw_dot(a * b).source.count("->"))  # a -> *, b -> *, * -> output
    3
    """
    _check_arguments(root, rankdir, format, model, collapse, max_nodes, grads, params)
    nodes = topological_order(root)
    if plan is None or not plan.matches(nodes):
        plan = make_plan(
            nodes, model, collapse, params=params or (), show_grad=show_grad, max_nodes=max_nodes, rankdir=rankdir
        )
    position = {id(n): i for i, n in enumerate(nodes)}
    frame = plan.frame(nodes, _grad_reader(nodes, grads) if show_grad else None, position.get(id(highlight), -1))
    drawing = new_drawing(format, rankdir, _title(plan, max_nodes))
    emit_dot(drawing, plan, frame)
    drawing.plan, drawing.frame = plan, frame
    drawing.picture = lambda: _picture(drawing, plan, nodes, frame)
    return drawing


def _picture(drawing, plan: Scene, nodes: list, frame: Frame) -> str:
    from .layout import Layout  # painted from `dot`'s layout of this very drawing

    return Layout.of(drawing, plan, nodes).svg(frame)


def _check_arguments(root, rankdir, format, model, collapse, max_nodes, grads, params) -> None:
    _check_node(root, "draw_dot")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot(rankdir={rankdir!r}): use 'LR' (left to right) or 'TB' (top to bottom)")
    if format not in ("svg", "png"):
        raise ValueError(f"draw_dot(format={format!r}): use 'svg' or 'png'")
    if collapse not in (None, "none", "neuron", "layer"):
        raise ValueError(f"draw_dot(collapse={collapse!r}): use None, 'none', 'neuron' or 'layer'")
    if collapse in ("neuron", "layer") and model is None:
        raise ValueError(
            f"draw_dot(collapse={collapse!r}) needs the model that owns the parameters: "
            f"draw_dot(loss, model=mlp, collapse={collapse!r})"
        )
    if model is not None and not callable(getattr(model, "parameters", None)):
        raise TypeError(f"draw_dot(model=...) expects a microgradx model (a Module), got {type(model).__name__}")
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"draw_dot(max_nodes={max_nodes!r}): must be a positive integer")
    if grads is not None and not isinstance(grads, Mapping):
        raise TypeError(f"draw_dot(grads=...) expects a mapping {{node: gradient}}, got {type(grads).__name__}")
    if params is not None and not isinstance(params, Iterable):
        raise TypeError(f"draw_dot(params=...) expects Values to colour, got {type(params).__name__}")


def _grad_reader(nodes: list, grads: Mapping | None):
    """grad_of(i) for a scene's frame: `.grad`, or the given mapping's (None where unknown)."""

    def grad_of(i):
        n = nodes[i]
        if getattr(n, "requires_grad", True) is False:
            return None  # a Tensor constant: no gradient (and reading .grad would allocate one)
        if grads is None:
            return n.grad
        return grads.get(n)

    return grad_of


def _title(plan: Scene, max_nodes: int) -> str:
    """The note above a collapsed drawing; it counts Values, as `len(topological_order(root))` does."""
    if plan.mode is None:
        return ""
    why = f"; {plan.reason}" if plan.reason else ""
    return f"collapsed: one node per {plan.mode} ({plan.size} values in the full graph{why})"


def new_drawing(format: str, rankdir: str, note: str):
    drawing = drawing_class()(
        name="microgradx",
        format=format,
        graph_attr={"rankdir": rankdir, **({"label": note, "labelloc": "t", "fontsize": "12"} if note else {})},
        node_attr={"fontsize": "11"},
        edge_attr={"arrowsize": "0.6"},
    )
    drawing._jupyter_mimetype = "image/svg+xml" if format == "svg" else "image/png"
    return drawing


# ---- building the DOT ------------------------------------------------------------------------


def emit_dot(dg, plan: Scene, frame: Frame, *, fixed: bool = False) -> None:
    """The scene's boxes and edges into `dg`, with `frame`'s numbers (`fixed`: every number as wide as the
    widest, so a live drawing keeps its layout while they change)."""
    texts = iter(frame.texts)
    for b, box in enumerate(plan.boxes):
        attrs = _highlight(b == frame.hot)
        if box.kind == "op":
            dg.node(box.name, _escape(box.rows[0]), **OP_STYLE, **attrs)
            continue
        label = _record(box.rows, texts, fixed, _vertical(box, dg))
        style = "filled,rounded" if box.kind == "group" else "filled"
        dg.node(box.name, label, shape="record", style=style, fillcolor=box.fill, **attrs)
    for e, edge in enumerate(plan.edges):
        dg.edge(plan.boxes[edge.source].name, plan.boxes[edge.target].name, **_shade(frame.edges[e]))


OP_STYLE = {"shape": "ellipse", "style": "filled", "fillcolor": OP, "fontsize": "10", "margin": "0.02,0.02"}
OP_STYLE["height"] = "0.3"
PIC_FIELD = "\\n".join(["________"] * 3)  # the room a picture of an array takes in its record


def _vertical(box, dg) -> bool:
    """A group's or an array's record stands upright (rows one above the other): narrow, to fit a page."""
    upright = box.kind == "group" or any(row.kind == "pic" for row in box.rows)
    return upright and dg.graph_attr.get("rankdir", "TB") in ("LR", "RL")


def _record(rows, texts, fixed: bool, vertical: bool = False) -> str:
    if vertical:  # in a left-to-right drawing, fields without braces are stacked top to bottom
        rows = [row._replace(stack=0) for row in rows]
    fields, stack, open_stack = [], 0, False
    for row in rows:
        if row.kind == "text":
            text = _escape(row.text)
        elif row.kind in ("pic", "gpic"):
            text = PIC_FIELD
        else:
            text = next(texts)
            text = row.kind + " " + ("+-" if row.stack else "") + NUMBER if fixed else _escape(text)
        if row.stack != stack and open_stack:
            fields[-1] += " }"
            open_stack = False
        if row.stack and row.stack != stack:
            text, open_stack = "{ " + text, True
        stack = row.stack
        fields.append(text)
    if open_stack:
        fields[-1] += " }"
    return " | ".join(fields) if vertical else "{ " + " | ".join(fields) + " }"


def _highlight(on: bool) -> dict:
    return {"color": hex_colour(EDGE_HOT), "penwidth": "3"} if on else {}


def _shade(style) -> dict:
    if style is None:
        return {}
    colour, width = style
    return {"color": colour, "penwidth": f"{width:.2f}"}


def _escape(text: str) -> str:
    """Text safe inside a record label (braces, bars and angle brackets are record syntax)."""
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _check_node(root, who: str) -> None:
    missing = [a for a in ("_prev", "_op", "data", "grad") if not hasattr(root, a)]
    if missing:
        raise TypeError(f"{who}() expects a Value or a Tensor, got {type(root).__name__} {root!r:.60}")
