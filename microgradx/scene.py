"""What a drawing of a computation graph shows, decided once per structure: a `Scene`.

A scene is the one decision about a graph's drawing: collapsed or not (by neuron, by layer), which boxes,
op nodes and edges are drawn, and which rows each box has. It refers to nodes by their position in the
topological order, so it applies to every trace of the same program (the same model on another sample
of the same shape, or after a training step). Its `frame` is what changes from one moment to the next:
the numbers, the pictures of arrays, the edge shading and the highlighted box.

>>> from microgradx import Value
>>> from microgradx.engine import topological_order
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> scene = plan(topological_order(a * b))
>>> [box.name for box in scene.boxes], scene.mode
(['n0', 'n1', 'n2', 'n2op'], None)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np

from .collapse import IndexGroup, index_groups

__all__ = [
    "Scene",
    "Box",
    "Row",
    "Edge",
    "Frame",
    "plan",
    "op_name",
    "num",
    "picture",
    "palette",
    "picture_shape",
    "MAX_NODES",
]

MAX_NODES = 500  # more drawn nodes than this are not handed to `dot`: it gets slow and nobody can read it
MAX_WIDTH = 3600  # points (1/72 in): a wider drawing is collapsed when it can be (unreadable scaled to a page)
DECADES = 4  # edge shading spans |grad| from the largest down to 10^-DECADES of it (log scale)

PARAM, INPUT, OUTPUT, OTHER, GROUP, OP = "#cfe2ff", "#d3f0d8", "#ffe08a", "#ffffff", "#e6dcf7", "#eeeeee"
EDGE_COLD, EDGE_HOT = (0xC8, 0xC8, 0xC8), (0xC0, 0x39, 0x2B)
# arrays are drawn as heatmaps with TensorFlow Playground's colours: orange negative, white 0, blue positive
NEGATIVE, POSITIVE = (0xF5, 0x93, 0x22), (0x08, 0x77, 0xBD)
LEVELS = 10  # shades on each side of 0
PIC_CELLS = 16  # a picture shows at most this many cells along each side (larger arrays are sampled)
NUMBER = "-0.0000e+00"  # the widest number `_num` writes: what a live layout reserves for every number


class Row(NamedTuple):
    """One field of a box: fixed `text`, or a `kind` of the node at `node` ('data', 'grad', 'pic', 'gpic')."""

    kind: str  # 'text', 'data', 'grad' (a number, or an array's largest |entry|), 'pic', 'gpic' (heatmaps)
    node: int = -1
    text: str = ""
    stack: int = 0  # consecutive rows with the same non-zero stack are drawn one above the other


class Box(NamedTuple):
    """A drawn node: a value's record, an op's ellipse, or a group's record."""

    name: str  # its DOT id: n<i>, n<i>op, g<j>
    kind: str  # 'value', 'op' or 'group'
    rows: tuple  # Rows (a value or a group), or the op's text
    members: frozenset  # positions of the nodes it stands for (what a highlight of one of them outlines)
    fill: str


class Edge(NamedTuple):
    source: int  # box positions
    target: int
    carrier: int  # the node whose gradient the edge carries back


class Frame(NamedTuple):
    """What changes between two moments: texts, pictures (one letter per cell), edge shading, the hot box."""

    texts: list
    pics: list  # per picture: (rows, cols, letters 'a'..'u', LEVELS = white)
    edges: list  # per edge: (colour, width), or None without gradients
    hot: int  # the highlighted box, -1 for none


class Scene:
    """The boxes, op nodes and edges of one graph structure; see the module docstring."""

    def __init__(self, nodes: list, groups: list[IndexGroup], mode: str | None, params=(), show_grad=True, fuse=None):
        self.mode, self.groups, self.show_grad = mode, groups, show_grad
        self.fuse = fuse  # (first, name): the nodes from `first` up to the root drawn as one op, e.g. "hinge"
        self.reason = ""  # why `plan` collapsed it, when it chose to
        self.size = len(nodes)
        self.signature = _signature(nodes)
        self.param_ids = {id(p) for p in params}
        self.where = [-1] * len(nodes)  # node position -> the box that stands for it
        self.boxes: list[Box] = []
        self.op_box: dict[int, int] = {}  # node position -> its op ellipse
        self._add_groups(nodes)
        self._add_values(nodes)
        self.edges = self._edges(nodes)
        self.carriers = sorted({e.carrier for e in self.edges})
        self.slots = [  # every row that changes between frames, in drawing order
            (b, r) for b, box in enumerate(self.boxes) if box.kind != "op" for r in box.rows if r.kind != "text"
        ]

    # ---- building -----------------------------------------------------------------------------------

    def _add_groups(self, nodes: list) -> None:
        root = len(nodes) - 1
        for j, group in enumerate(self.groups):
            size = f"{group.n_params} params, " if group.n_params else ""
            rows = [Row("text", text=group.name), Row("text", text=f"{size}{len(group.members)} nodes")]
            if len(group.outputs) == 1:
                rows += self._value_rows(nodes, group.outputs[0])
            else:
                rows.append(Row("text", text=f"{len(group.outputs)} outputs"))
            fill = OUTPUT if root in group.outputs else GROUP
            self.boxes.append(Box(f"g{j}", "group", tuple(rows), frozenset(group.members), fill))
            for m in group.members:
                if self.where[m] < 0:
                    self.where[m] = len(self.boxes) - 1

    def _add_values(self, nodes: list) -> None:
        root = len(nodes) - 1
        first, name = self.fuse or (root, "")
        fused = [i for i in range(first, root) if self.where[i] < 0]
        for i, n in enumerate(nodes):
            if self.where[i] >= 0 or first <= i < root:
                continue
            rows = ([Row("text", text=n.label)] if n.label else []) + self._value_rows(nodes, i)
            self.where[i] = len(self.boxes)
            self.boxes.append(Box(f"n{i}", "value", tuple(rows), frozenset((i,)), self._fill(nodes, i)))
            if n._prev:
                inside = (i, *fused) if i == root else (i,)
                self.op_box[i] = len(self.boxes)
                self.boxes.append(
                    Box(f"n{i}op", "op", (name if i == root and name else op_name(n),), frozenset(inside), OP)
                )
        for i in fused:  # the loss's own ops, drawn as one
            self.where[i] = self.op_box.get(root, self.where[root])

    def _value_rows(self, nodes: list, i: int) -> list[Row]:
        n = nodes[i]
        constant = getattr(n, "requires_grad", True) is False
        if isinstance(n.data, np.ndarray) and n.data.ndim > 0:
            rows = [Row("text", text="shape " + "x".join(map(str, n.data.shape))), Row("data", i, stack=1)]
            rows.append(Row("pic", i, stack=1))
            if self.show_grad:
                grad = [Row("grad", i, stack=2), Row("gpic", i, stack=2)]
                rows += [Row("text", text="no grad")] if constant else grad
            return rows
        rows = [Row("data", i)]
        if self.show_grad:
            rows.append(Row("text", text="no grad") if constant else Row("grad", i))
        return rows

    def _fill(self, nodes: list, i: int) -> str:
        n = nodes[i]
        if i == len(nodes) - 1:
            return OUTPUT
        if n._prev:
            return OTHER
        if id(n) in self.param_ids or getattr(n, "requires_grad", False) is True:
            return PARAM
        return INPUT

    def _edges(self, nodes: list) -> list[Edge]:
        """One edge per operand between values; between groups (or a group and a value) one edge per pair."""
        edges: dict = {(b, self.where[i], i): i for i, b in self.op_box.items()}  # an op to its value
        index = {id(n): j for j, n in enumerate(nodes)}
        for i, n in enumerate(nodes):
            box = self.where[i]
            target = self.op_box.get(i, box)
            for k, child in enumerate(n._prev):
                c = index[id(child)]
                source = self.where[c]
                if source in (box, target):
                    continue  # inside one group (a parameter is inside every instance of its unit)
                if self.boxes[target].kind == "group" and c in self.boxes[target].members:
                    continue
                grouped = "group" in (self.boxes[source].kind, self.boxes[target].kind)
                key = (source, target) if grouped else (source, target, i, k)
                edges.setdefault(key, self._carrier(c, source))
        return [Edge(s, t, carrier) for (s, t, *_), carrier in edges.items()]

    def _carrier(self, c: int, box: int) -> int:
        """The node whose gradient an edge out of `box` carries: the node itself, or its group's output."""
        if self.boxes[box].kind != "group":
            return c
        outputs = self.groups[int(self.boxes[box].name[1:])].outputs
        return c if c in outputs else outputs[-1]

    # ---- using ---------------------------------------------------------------------------------------

    def matches(self, nodes: list) -> bool:
        """True if `nodes` (a topological order) has this scene's structure: the scene draws it too."""
        return len(nodes) == self.size and _signature(nodes) == self.signature

    @property
    def drawn(self) -> int:
        return len(self.boxes)

    def frame(self, nodes: list, grad_of: Callable[[int], object] | None, highlight: int = -1) -> Frame:
        """The numbers of `nodes` (a trace of this structure): `grad_of(i)` is node i's gradient or None."""
        texts, pics = [], []
        for _, row in self.slots:
            value = nodes[row.node].data if row.kind in ("data", "pic") else (grad_of(row.node) if grad_of else None)
            if row.kind in ("pic", "gpic"):
                pics.append(picture(value))
            else:
                texts.append(row.kind + " " + ("?" if value is None else _number_text(value)))
        edges = [None] * len(self.edges)
        if self.show_grad and grad_of is not None:  # shaded relative to the largest |grad| an edge carries
            magnitudes = {c: _magnitude(grad_of(c)) for c in self.carriers}
            scale = _Scale(magnitudes.values())
            style = {c: _edge_style(scale(m)) for c, m in magnitudes.items()}
            edges = [style[e.carrier] for e in self.edges]
        hot = self.where[highlight] if highlight >= 0 else -1
        return Frame(texts, pics, edges, hot)

    def _order(self, b: int) -> float:
        box = self.boxes[b]
        if box.kind == "group":
            return min(self.groups[int(box.name[1:])].outputs)
        return int(box.name[1:].removesuffix("op")) - (0.5 if box.kind == "op" else 0)

    def width_estimate(self, rankdir: str = "LR") -> float:
        """The drawn width in points, roughly as `dot` lays it out (ranks of boxes, each as wide as its text)."""
        rank = [0] * len(self.boxes)
        out: dict[int, list[int]] = {}
        for e in self.edges:
            out.setdefault(e.source, []).append(e.target)
        for i, b in self.op_box.items():  # an op sits one rank before its value
            out.setdefault(b, []).append(self.where[i])
        for b in sorted(range(len(self.boxes)), key=self._order):  # longest path, in topological order
            for t in out.get(b, ()):
                rank[t] = max(rank[t], rank[b] + 1)
        widths = [_box_width(box, rankdir in ("LR", "RL")) for box in self.boxes]
        per_rank: dict[int, list[float]] = {}
        for r, w in zip(rank, widths):
            per_rank.setdefault(r, []).append(w)
        if rankdir in ("LR", "RL"):
            return sum(max(ws) for ws in per_rank.values()) + 36 * (len(per_rank) - 1)
        return max(sum(ws) + 18 * (len(ws) - 1) for ws in per_rank.values())


def plan(
    nodes: list,
    model=None,
    collapse: str | None = None,
    *,
    params: Iterable = (),
    show_grad: bool = True,
    max_nodes: int = MAX_NODES,
    max_width: float = MAX_WIDTH,
    rankdir: str = "LR",
    who: str = "draw_dot",
    fuse: tuple[int, str] | None = None,
) -> Scene:
    """The scene of `nodes`: collapsed as asked, or (`collapse=None`) only if it is too big to draw.

    Too big is over `max_nodes` drawn nodes, or wider than `max_width` points: each is tried in turn,
    the full graph, one node per neuron, one per layer. `collapse='none'` draws every node. `fuse`
    (first, name) draws the nodes from position `first` up to the root as one op called `name`."""
    params = [*(model.parameters() if model is not None else ()), *params]

    def scene(mode):
        found = index_groups(nodes, model, mode) if mode else []
        if mode and not found:
            raise ValueError(f"{who}(collapse={mode!r}): none of the model's parameters is in this graph")
        return Scene(nodes, found, mode, params, show_grad, fuse)

    if collapse is not None:
        chosen = scene(None if collapse == "none" else collapse)
        if chosen.drawn > max_nodes:
            hint = "; try collapse='layer'" if collapse == "neuron" else ""
            raise ValueError(f"{who}(collapse={collapse!r}): {chosen.drawn} nodes, over max_nodes={max_nodes}{hint}")
        return chosen
    full = scene(None)
    wide = model is not None and full.width_estimate(rankdir) > max_width
    if full.drawn <= max_nodes and not wide:
        return full
    if model is None:
        raise ValueError(
            f"{who}: the graph has {full.drawn} nodes, over max_nodes={max_nodes}; Graphviz would be slow and "
            f"the picture unreadable. Pass the model to collapse it, draw_dot(loss, model=mlp, "
            f"collapse='neuron') or collapse='layer', or raise max_nodes."
        )
    for mode in ("neuron", "layer"):
        chosen = scene(mode)
        if chosen.drawn <= max_nodes and (mode == "layer" or chosen.width_estimate(rankdir) <= max_width):
            over = f"over max_nodes={max_nodes}" if full.drawn > max_nodes else f"over {max_width} points wide"
            chosen.reason = f"{full.drawn} drawn in full, {over}"
            return chosen
    raise ValueError(f"{who}: even collapsed by layer the graph has {chosen.drawn} nodes, over max_nodes={max_nodes}")


def op_name(node) -> str:
    """What an op node says: the engine's name, with `linear` written as what it computes."""
    if node._op == "linear":
        return "@ + bias" if len(node._prev) == 3 else "@"
    return node._op or "?"


# ---- numbers, pictures and shading -----------------------------------------------------------------


def _signature(nodes: list) -> tuple:
    if nodes and type(nodes[0].data) is float:  # Values: ops and arity say it all
        return tuple([n._op for n in nodes]), tuple([len(n._prev) for n in nodes])
    return tuple((n._op, len(n._prev), getattr(n.data, "shape", None)) for n in nodes)


def _number_text(value) -> str:
    """A number as micrograd writes it; for an array "+-" its largest |entry| (the picture's colour scale)."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return "+-" + num(_magnitude(value)) if value.size else "(empty)"
    return num(value)


def num(x) -> str:
    """Four decimals, as micrograd; tiny and huge numbers in scientific notation so they don't read as 0."""
    x = float(x)
    if x == 0:
        return "0.0000"  # also -0.0
    return f"{x:.4f}" if 1e-4 <= abs(x) < 1e6 or not math.isfinite(x) else f"{x:.4e}"


def picture_shape(shape: tuple) -> tuple[int, int]:
    """(rows, cols) of the picture of an array of `shape`: a vector is one row; at most PIC_CELLS a side."""
    size = math.prod(shape)
    rows = shape[0] if len(shape) >= 2 else 1
    cols = size // rows if rows else 0
    return min(rows, PIC_CELLS), min(cols, PIC_CELLS)


def picture(a) -> tuple[int, int, str]:
    """An array as a small heatmap: (rows, cols, one letter per cell), scaled by its largest |entry|."""
    if a is None:
        return (0, 0, "")
    a = np.asarray(a, dtype=float)
    a = a.reshape(1, -1) if a.ndim < 2 else a.reshape(a.shape[0], -1)
    rows, cols = picture_shape(a.shape)
    if (rows, cols) != a.shape:  # sample rows and columns evenly
        r = np.linspace(0, a.shape[0] - 1, rows).round().astype(int)
        c = np.linspace(0, a.shape[1] - 1, cols).round().astype(int)
        a = a[np.ix_(r, c)]
    with np.errstate(all="ignore"):
        finite = a if np.isfinite(a).all() else np.where(np.isfinite(a), a, np.sign(np.nan_to_num(a)))
        top = np.abs(finite).max() if finite.size else 0.0
        level = np.rint(finite / top * LEVELS) if top > 0 else np.zeros_like(finite)
    codes = (level.astype(np.int16) + (97 + LEVELS)).astype(np.uint8).ravel()  # "a" + LEVELS is white
    return (rows, cols, codes.tobytes().decode("ascii"))


def palette() -> list[str]:
    """The picture's colours, indexed by letter: 'a' most negative, LEVELS white, 'u' most positive."""
    out = []
    for k in range(-LEVELS, LEVELS + 1):
        end = NEGATIVE if k < 0 else POSITIVE
        t = abs(k) / LEVELS
        out.append(hex_colour(tuple(round(255 + (c - 255) * t) for c in end)))
    return out


def _magnitude(g) -> float | None:
    """|grad| of a node (largest entry for an array); None when unknown."""
    if g is None:
        return None
    if type(g) is float:
        return abs(g)
    with np.errstate(all="ignore"):
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
        return min(1.0, max(0.0, 1.0 + (math.log10(m) - math.log10(self.top)) / DECADES))  # m / top may underflow to 0


def _edge_style(t: float) -> tuple[str, float]:
    k = round(t * SHADES)
    if k not in _STYLES:
        rgb = tuple(round(c + (h - c) * k / SHADES) for c, h in zip(EDGE_COLD, EDGE_HOT))
        _STYLES[k] = hex_colour(rgb), round(1 + 2 * k / SHADES, 2)
    return _STYLES[k]


SHADES = 100  # edge shading steps: finer than the eye can tell
_STYLES: dict = {}


def hex_colour(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _box_width(box: Box, across: bool = True) -> float:
    """Points, as `dot` sizes a record at fontsize 11: about 5.5 per character and 16 of padding per field.

    Groups and arrays stand upright in a left-to-right drawing (`across`): as wide as their widest row."""
    if box.kind == "op":
        return max(54.0, 6 * len(box.rows[0]) + 16)
    upright = across and (box.kind == "group" or any(r.kind == "pic" for r in box.rows))
    stacks: dict = {}
    for k, r in enumerate(box.rows):
        chars = len(r.text) if r.kind == "text" else 8 if r.kind in ("pic", "gpic") else len("grad +-" + NUMBER)
        key = ("stack", r.stack) if r.stack and not upright else k
        stacks[key] = max(stacks.get(key, 0), 5.5 * chars + 16)
    if upright:
        return max(stacks.values())
    return sum(stacks.values())
