"""`GraphWidget`: the computation graph of an expression, or of a model's loss on one sample, with a
backward replay: forward first, then the gradient arriving at one node after another, as on a whiteboard."""

from __future__ import annotations

import contextlib
import re

import ipywidgets as widgets
import numpy as np

from microgradx import losses
from microgradx.engine import Value
from microgradx.graph import MAX_NODES, backward_steps, draw_dot

__all__ = ["GraphWidget", "sample_loss"]


def sample_loss(model, data, i: int, loss: str = "hinge"):
    """The loss of `model` on sample `i` of `data`, as a graph (inputs labelled by feature name).

    >>> from microgradx.data import moons
    >>> from microgradx.nn import MLP
    >>> root = sample_loss(MLP(2, [2, 1], seed=0), moons(10, seed=0), 3)
    >>> root.label, root._op
    ('loss', '*')
    """
    from microgradx.train import LOSSES

    if loss not in LOSSES:
        raise ValueError(f"sample_loss: unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    name, coding = LOSSES[loss]
    data = data.with_labels(coding) if coding else data
    if not (isinstance(i, (int, np.integer)) and 0 <= i < len(data.X)):
        raise ValueError(f"sample_loss: sample {i!r} is out of range for {len(data.X)} training points")
    x, y = data.inputs[i], float(data.y[i])
    params = model.parameters()
    if params and all(isinstance(p, Value) for p in params):  # scalar: one node per add and mul
        score = model([Value(float(v), label=f) for v, f in zip(x, data.feature_names)])
        targets = [y]
    else:
        from microgradx.tensor import Tensor

        score = model(Tensor(x[None, :], label="x")).reshape(-1)
        targets = Tensor(np.array([y]))
    score.label = "score"
    root = getattr(losses, name)([score] if isinstance(score, Value) else score, targets)
    root.label = "loss"
    return root


class GraphWidget:
    """The graph of `root` (a Value or a scalar Tensor), or of `model`'s loss on sample `sample` of `data`.

    Buttons replay the backward pass: "forward" shows data only, "backward step" lets the next node
    receive its gradient (outlined in red), "all" shows every gradient. Graphs over `max_nodes` are
    collapsed to one node per neuron (or layer), and the replay then steps over what is drawn. In model
    mode, `update()` re-traces with the current weights (the dashboard calls it after a step).

    >>> from microgradx import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> g = GraphWidget(a * b + a)
    >>> g.backward_step(); g.position, g.current.label
    (0, '')
    """

    def __init__(
        self,
        root=None,
        *,
        model=None,
        data=None,
        sample: int = 0,
        loss: str = "hinge",
        collapse: str | None = None,
        rankdir: str = "LR",
        max_nodes: int = MAX_NODES,
    ):
        if (root is None) == (model is None or data is None):
            raise ValueError("GraphWidget: give either an expression `root`, or both `model` and `data`")
        if collapse is not None and model is None:
            raise ValueError(f"GraphWidget(collapse={collapse!r}) needs the model that owns the parameters")
        self.model, self.data, self.loss = model, data, loss
        self.collapse, self.rankdir, self.max_nodes = collapse, rankdir, max_nodes
        # held while the model's numbers are read (traced, drawn); a dashboard sets it to "between two steps"
        self.guard = contextlib.nullcontext
        self.svg = widgets.HTML(layout=widgets.Layout(overflow="auto", max_width="100%"))
        self.svg.add_class("mgx-graph")
        self.caption = widgets.HTML()
        self.caption.add_class("mgx-graph-caption")
        self.forward_button = widgets.Button(description="forward", icon="fast-backward", tooltip="Data only")
        self.back_button = widgets.Button(description="", icon="step-backward", tooltip="One node back")
        self.step_button = widgets.Button(description="backward step", icon="step-forward", tooltip="Next gradient")
        self.all_button = widgets.Button(description="all", icon="fast-forward", tooltip="Every gradient")
        self.slider = widgets.IntSlider(min=-1, max=0, value=-1, description="replay", continuous_update=False)
        self.player = widgets.Play(min=-1, max=0, value=-1, interval=400, description="play the replay")
        widgets.jslink((self.player, "value"), (self.slider, "value"))
        self.step_button.add_class("mgx-graph-step")
        self.forward_button.on_click(lambda _: self.show(-1))
        self.back_button.on_click(lambda _: self.show(self.position - 1))
        self.step_button.on_click(lambda _: self.backward_step())
        self.all_button.on_click(lambda _: self.show(len(self.stops) - 1))
        self.slider.observe(lambda change: self.show(change["new"]), "value")
        rows = [
            widgets.HBox([self.forward_button, self.back_button, self.step_button, self.all_button]),
            widgets.HBox([self.player, self.slider]),
        ]
        if model is not None:
            self.sample = widgets.BoundedIntText(value=sample, min=0, max=len(data.X) - 1, description="sample")
            self.sample.add_class("mgx-graph-sample")
            self.sample.observe(lambda _: self.update(), "value")
            rows.insert(0, self.sample)
        self.widget = widgets.VBox([*rows, self.caption, self.svg])
        self.widget.add_class("mgx-graph-widget")
        self.position = -1
        self.set_root(root) if root is not None else self.update()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)  # deterministic, for notebooks kept as tests (nbval)
        return bundle

    def __repr__(self) -> str:
        where = "forward" if self.position < 0 else f"backward {self.position + 1}/{len(self.stops)}"
        mode = f", collapsed by {self.mode}" if self.mode else ""
        return f"GraphWidget({len(self.steps)} nodes{mode}, {where})"

    # ---- what is drawn ------------------------------------------------------------------------------

    def update(self) -> None:
        """Model mode: trace the loss on the chosen sample again with the current weights, keep the replay position."""
        if self.model is None:
            raise ValueError("GraphWidget.update() re-traces a model; for an expression call set_root(new_root)")
        with self.guard():
            self.set_root(sample_loss(self.model, self.data, self.sample.value, self.loss), keep_position=True)

    def set_model(self, model, data) -> None:
        """Model mode: follow a new model and dataset (the dashboard calls this after a rebuild)."""
        if self.model is None:
            raise ValueError("GraphWidget.set_model(): this widget shows an expression, not a model")
        self.model, self.data = model, data
        with self.sample.hold_trait_notifications():
            self.sample.max = len(data.X) - 1
        self.update()

    def set_root(self, root, *, keep_position: bool = False) -> None:
        """Draw a new graph (the replay starts again at "forward" unless `keep_position`)."""
        self.root = root
        self.steps = list(backward_steps(root))
        self.mode = self._mode(root)
        self.stops = self._stops()  # indices into steps where something drawn gets its gradient
        position = min(self.position, len(self.stops) - 1) if keep_position else -1
        with self.slider.hold_trait_notifications():
            self.slider.max = self.player.max = len(self.stops) - 1
        self.position = None  # force the redraw
        self.show(position)

    @property
    def current(self):
        """The node that received its gradient last in the replay (None before the first backward step)."""
        return self.steps[self.stops[self.position]].node if self.position >= 0 else None

    def backward_step(self) -> None:
        """Let the next node receive its gradient."""
        self.show(min(self.position + 1, len(self.stops) - 1))

    def show(self, position: int) -> None:
        """Show the replay at `position`: -1 is the forward pass, k the k-th drawn node's gradient arrived."""
        position = max(-1, min(int(position), len(self.stops) - 1))
        if position == self.position:
            return
        self.position = position
        done = self.stops[position] + 1 if position >= 0 else 0
        grads = {step.node: step.grad for step in self.steps[:done]}
        with self.guard():  # the drawing reads the parameters' data; `dot` renders after
            drawing = draw_dot(
                self.root,
                rankdir=self.rankdir,
                model=self.model,
                collapse=self.mode,
                grads=grads,
                highlight=self.current,
                max_nodes=self.max_nodes,
            )
        svg = drawing.pipe(format="svg").decode()
        with self.svg.hold_sync(), self.caption.hold_sync(), self.slider.hold_sync():
            self.svg.value = _inline(svg)
            self.caption.value = self._caption(position, len(grads))
            self.slider.value = position

    # ---- helpers --------------------------------------------------------------------------------------

    def _mode(self, root) -> str | None:
        """The collapse mode draw_dot will use: the one asked for, else none if the graph is small enough."""
        if self.collapse is not None or self.model is None:
            return self.collapse
        from microgradx.collapse import groups
        from microgradx.graph import trace

        nodes, _ = trace(root)
        if len(nodes) + sum(1 for n in nodes if n._prev) <= self.max_nodes:
            return None
        for mode in ("neuron", "layer"):
            found = groups(nodes, self.model, mode)
            inside = {id(m) for g in found for m in g.members}
            rest = [n for n in nodes if id(n) not in inside]
            if len(found) + len(rest) + sum(1 for n in rest if n._prev) <= self.max_nodes:
                return mode
        return "layer"  # draw_dot will say why it cannot draw this

    def _stops(self) -> list[int]:
        """Replay positions: every step, or with collapsed groups the step at which a group is complete."""
        if self.mode is None:
            return list(range(len(self.steps)))
        from microgradx.collapse import groups
        from microgradx.graph import trace

        nodes, _ = trace(self.root)
        group_of = {id(m): k for k, g in enumerate(groups(nodes, self.model, self.mode)) for m in g.members}
        last = {}  # group -> the last step that touches one of its members
        for i, step in enumerate(self.steps):
            k = group_of.get(id(step.node))
            if k is not None:
                last[k] = i
        return sorted({i for i, step in enumerate(self.steps) if id(step.node) not in group_of} | set(last.values()))

    def _caption(self, position: int, arrived: int) -> str:
        if position < 0:
            return f"<b>forward</b>: {len(self.steps)} nodes computed; press <i>backward step</i>"
        node = self.current
        name = node.label or node._op or "leaf"
        return (
            f"<b>backward</b> {position + 1}/{len(self.stops)}: gradient arrived at <code>{_html(name)}</code> "
            f"({arrived} of {len(self.steps)} nodes have their gradient)"
        )


_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)


def _inline(svg: str) -> str:
    """Graphviz's SVG without the XML prolog and doctype, to sit inside HTML."""
    return _PROLOG.sub("", svg, count=1)


def _html(text: str) -> str:
    from html import escape

    return escape(text)
