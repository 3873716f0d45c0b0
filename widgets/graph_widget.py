"""`GraphWidget`: the computation graph of an expression, or of a model's loss on one sample, live.

The graph is laid out once per structure (model, sample, collapse level) and then only repainted: a
training step changes its numbers, colours and shading, never where its boxes are. A backward replay
shows the gradient arriving at one node after another, as on a whiteboard, and ends on the full state."""

from __future__ import annotations

import contextlib
from html import escape

import ipywidgets as widgets
import numpy as np

from microgradx import losses
from microgradx.engine import CONSTANT, Value, topological_order
from microgradx.graph import MAX_NODES, backward_steps
from microgradx.layout import live_layout
from microgradx.pictures import with_png
from microgradx.scene import op_name, plan

from . import snapshot
from .graph_view import GraphView

__all__ = ["GraphWidget", "sample_loss"]

REPLAY_SECONDS = 6.0  # a whole replay takes about this long in the browser (each node at least 60 ms)


def sample_loss(model, data, i: int, loss: str = "hinge"):
    """The loss of `model` on sample `i` of `data`, as a graph (inputs labelled by feature name).

    The model's output is labelled "score"; a model with k outputs (one logit per class, for the loss
    'cross_entropy') gives "score[0]" ... "score[k-1]", and the graph ends in the k-class cross-entropy
    (the scalar engine: its own Value ops, exp, sum and log, so the replay visits each).

    >>> from microgradx.data import moons
    >>> from microgradx.nn import MLP
    >>> root = sample_loss(MLP(2, [2, 1], seed=0), moons(10, seed=0), 3)
    >>> root.label, root._op
    ('loss', '*')
    """
    return SampleLoss(model, data, loss)(i)


class SampleLoss:
    """`sample_loss` of one model, dataset and loss: the labels coded and the engine found once, not per frame."""

    def __init__(self, model, data, loss: str = "hinge"):
        from microgradx.train import LOSSES, coded_for

        if loss not in LOSSES:
            raise ValueError(f"sample_loss: unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
        self.model, self.loss = model, getattr(losses, LOSSES[loss][0])
        data = coded_for(data, loss)  # the labels as the Trainer codes them
        self.inputs, self.y, self.names = data.inputs, data.y, data.feature_names
        params = model.parameters()
        self.scalar = bool(params) and all(isinstance(p, Value) for p in params)  # one node per add and mul

    def __call__(self, i: int):
        if not (isinstance(i, (int, np.integer)) and 0 <= i < len(self.inputs)):
            raise ValueError(f"sample_loss: sample {i!r} is out of range for {len(self.inputs)} training points")
        x, y = self.inputs[i], float(self.y[i])
        if self.scalar:
            score = self.model([Value(float(v), label=f) for v, f in zip(x, self.names)])
            if isinstance(score, list):  # k outputs: a logit per class, the class index as the target
                for c, logit in enumerate(score):
                    logit.label = f"score[{c}]"
                root = self.loss([score], [int(y)])
            else:
                score.label = "score"
                root = self.loss([score], [y])
        else:
            from microgradx.tensor import Tensor

            score = self.model(Tensor(x[None, :], label="x"))
            k = score.shape[-1]
            score = score if k > 1 else score.reshape(-1)  # k logits (1, k) and a class index, or one score
            score.label = "score"
            root = self.loss(score, [int(y)] if k > 1 else Tensor(np.array([y])))
        root.label = "loss"
        return root


class GraphWidget:
    """The graph of `root` (a Value or a Tensor), or of `model`'s loss on sample `sample` of `data`, live.

    What is drawn is decided once per structure: a graph too big or too wide for the page is collapsed
    to one node per neuron (or layer) when a model is given (`collapse` forces a level, 'none' draws every
    node), and laid out once by Graphviz. Frames then change only numbers, pictures and colours, in the
    browser (`view`, an anywidget); `dot` is not called again until the structure changes.

    The API a dashboard uses, from any thread, between two training steps:

    - ``update()``: re-trace the loss with the current weights and repaint (cheap, layout-stable). The
      replay keeps its position; outside a replay the drawing shows every gradient.
    - ``replay()``: when the "replay" toggle (``replay_toggle``) is on, play the last traced backward pass
      node by node in the browser (about REPLAY_SECONDS), ending on the full state; off, do nothing.
    - ``set_model(model, data)``: follow a rebuilt model and dataset.
    - ``guard``: a context manager held while the model is read (the dashboard's "between two steps").
    - ``widget``: the ipywidgets box to place in a layout.

    Buttons replay by hand: "forward" shows data only, "backward step" lets the next node receive its
    gradient (outlined in red), "all" shows every gradient; the slider counts arrived gradients, as the
    caption does. "1:1" shows the drawing at full size in a scrolling box that follows the highlight;
    otherwise it is scaled to the width of its column.

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
        _check_arguments(root, model, data, sample, collapse)
        self.model, self.data, self.loss = model, data, loss
        self.collapse, self.rankdir, self.max_nodes = collapse, rankdir, max_nodes
        # held while the model's numbers are read (traced, drawn); a dashboard sets it to "between two steps"
        self.guard = contextlib.nullcontext
        self.plan = self.layout = self._sampler = None
        self.position = -1
        self._make_controls()
        rows = [
            widgets.HBox([self.forward_button, self.back_button, self.step_button, self.all_button]),
            widgets.HBox([self.player, self.slider, self.replay_toggle, self.full_size]),
        ]
        if model is not None:
            self.sample = widgets.BoundedIntText(value=sample, min=0, max=len(data.X) - 1, description="sample")
            self.sample.add_class("mgx-graph-sample")
            self.sample.observe(lambda _: self.update(), "value")
            rows.insert(0, self.sample)
        self.widget = widgets.VBox([*rows, self.caption, self.view], layout=widgets.Layout(max_width="100%"))
        self.widget.add_class("mgx-graph-widget")
        self.set_root(root if root is not None else self._trace())

    def _make_controls(self) -> None:
        self.view = GraphView(layout=widgets.Layout(max_width="100%"))
        self.view.add_class("mgx-graph")
        self.svg = self.view  # `svg.value` is the SVG as shown
        self.caption = widgets.HTML()
        self.caption.add_class("mgx-graph-caption")
        self.forward_button = widgets.Button(description="forward", icon="fast-backward", tooltip="Data only")
        self.back_button = widgets.Button(description="", icon="step-backward", tooltip="One node back")
        self.step_button = widgets.Button(description="backward step", icon="step-forward", tooltip="Next gradient")
        self.all_button = widgets.Button(description="all", icon="fast-forward", tooltip="Every gradient")
        # the slider counts arrived gradients, as the caption does: 0 is the forward pass, k is "backward k/n"
        self.slider = widgets.IntSlider(min=0, max=0, value=0, description="replay", continuous_update=False)
        self.player = widgets.Play(min=0, max=0, value=0, interval=400, description="play the replay")
        widgets.jslink((self.player, "value"), (self.slider, "value"))
        self.replay_toggle = widgets.ToggleButton(
            value=True, description="replay each step", tooltip="After a training step, replay its backward pass"
        )
        self.full_size = widgets.ToggleButton(value=False, description="1:1", tooltip="Full size, scrolling")
        widgets.link((self.full_size, "value"), (self.view, "fit"), transform=(lambda v: not v, lambda v: not v))
        self.step_button.add_class("mgx-graph-step")
        self.replay_toggle.add_class("mgx-graph-replay")
        self.forward_button.on_click(lambda _: self.show(-1))
        self.back_button.on_click(lambda _: self.show(self.position - 1))
        self.step_button.on_click(lambda _: self.backward_step())
        self.all_button.on_click(lambda _: self.show(len(self.stops) - 1))
        self.slider.observe(lambda change: self.show(change["new"] - 1), "value")

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)  # deterministic, for notebooks kept as tests (nbval)
        return with_png(bundle, snapshot.graph_widget_png, self, kwargs.get("include"), kwargs.get("exclude"))

    def __repr__(self) -> str:
        where = "forward" if self.position < 0 else f"backward {self.position + 1}/{len(self.stops)}"
        mode = f", collapsed by {self.mode}" if self.mode else ""
        return f"GraphWidget({len(self.steps)} nodes{mode}, {where})"

    # ---- what is drawn ------------------------------------------------------------------------------

    def update(self) -> None:
        """Model mode: trace the loss on the chosen sample again with the current weights and repaint.

        Cheap when the structure is the same (no `dot`, no new layout). It shows every gradient of the new
        trace, unless a replay is playing: that one goes on, on the new numbers."""
        if self.model is None:
            raise ValueError("GraphWidget.update() re-traces a model; for an expression call set_root(new_root)")
        playing = self.player.playing
        self._retrace(self._trace())
        self._jump(self.position if playing else len(self.stops) - 1)

    def _trace(self):
        if self._sampler is None or self._sampler.model is not self.model:
            self._sampler = SampleLoss(self.model, self.data, self.loss)
        with self.guard(), np.errstate(all="ignore"):  # a diverging model: the dashboard says so, not NumPy
            return self._sampler(self.sample.value)

    def set_model(self, model, data) -> None:
        """Model mode: follow a new model and dataset (the dashboard calls this after a rebuild)."""
        if self.model is None:
            raise ValueError("GraphWidget.set_model(): this widget shows an expression, not a model")
        _check_arguments(None, model, data, 0, self.collapse)
        self.model, self.data, self._sampler = model, data, None
        with self.sample.hold_trait_notifications():
            self.sample.max = len(data.X) - 1
        self.update()

    def set_root(self, root, *, keep_position: bool = False) -> None:
        """Draw a new graph (the replay starts again at "forward" unless `keep_position`)."""
        self._retrace(root)
        self._jump(self.position if keep_position else -1)

    def _retrace(self, root) -> None:
        """A new trace: its replay steps, and a new plan and layout only if its structure is new."""
        with np.errstate(all="ignore"):
            self.steps = list(backward_steps(root))
        self.root = root
        if hasattr(root, "_local"):  # a Value graph: the replay visits every node, in reverse topological order
            self.nodes = [step.node for step in reversed(self.steps)]
            self.step_node = range(len(self.nodes) - 1, -1, -1)
        else:
            self.nodes = topological_order(root)
            index = {id(n): i for i, n in enumerate(self.nodes)}
            self.step_node = [index[id(step.node)] for step in self.steps]
        self.step_of = [len(self.steps)] * len(self.nodes)  # node position -> its step (len: never reached)
        for k, i in enumerate(self.step_node):
            self.step_of[i] = k
        if self.plan is None or not self.plan.matches(self.nodes):  # the one collapse decision, per structure
            self.plan = plan(
                self.nodes,
                self.model,
                self.collapse,
                max_nodes=self.max_nodes,
                rankdir=self.rankdir,
                fuse=self._fuse(self.nodes),
                who="GraphWidget",
            )
            if self.plan.mode is not None and self.plan.fuse is None:  # collapsed: the loss as one op too
                self.plan = plan(self.nodes, self.model, self.plan.mode, fuse=self._fuse(self.nodes, True))
            self.layout = live_layout(self.plan, self.nodes, self.rankdir, _title(self.plan))
        self.mode = self.plan.mode
        self.stops = self._stops()
        with self.slider.hold_trait_notifications():
            self.slider.max = self.player.max = len(self.stops)
            self.player.interval = max(60, min(400, round(1000 * REPLAY_SECONDS / max(1, len(self.stops)))))

    def _jump(self, position: int) -> None:
        self.position = None  # force the repaint
        self.show(min(position, len(self.stops) - 1))

    def replay(self) -> None:
        """Replay the last traced backward pass node by node in the browser, if the replay toggle is on."""
        if not self.replay_toggle.value or not self.stops:
            return
        self.show(-1)  # the forward pass first; the browser's Play widget then moves the slider on
        with self.player.hold_sync():
            self.player.playing = False
            self.player.value = 0
            self.player.playing = True

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
        steps, step_of = self.steps, self.step_of

        def grad_of(i):
            return steps[step_of[i]].grad if step_of[i] < done else None

        hot = self.step_node[self.stops[position]] if position >= 0 else -1
        with self.guard():  # the frame reads the parameters' data
            frame = self.plan.frame(self.nodes, grad_of, hot)
        with self.view.hold_sync(), self.caption.hold_sync(), self.slider.hold_sync():
            self.view.show(self.layout, frame)
            self.caption.value = self._caption(position, done, hot)
            self.slider.value = position + 1

    # ---- helpers --------------------------------------------------------------------------------------

    def _fuse(self, nodes: list, collapsed: bool = False):
        """A Tensor model's loss, or a collapsed one's, is drawn as one op ("hinge"): its relu is the loss's,
        not the network's activation. A scalar graph drawn in full keeps the loss's own ops."""
        if self.model is None or (hasattr(nodes[-1], "_local") and not collapsed):
            return None
        score = self._score(nodes)
        return None if score is None else (score + 1, self.loss)

    @staticmethod
    def _score(nodes: list) -> int | None:
        """Where the model's output is among `nodes`: the last of its k scores; what follows is the loss."""
        at = [i for i, n in enumerate(nodes) if n.label == "score" or n.label.startswith("score[")]
        return at[-1] if at else None

    def _stops(self) -> list[int]:
        """Replay positions: the step at which each drawn box gets its gradient. A collapsed group gets it with
        its output (what its box shows), not when its parameters do (they come last: they were made first)."""
        arrive = {}
        for k, i in enumerate(self.step_node):
            b = self.plan.where[i]
            if self.plan.boxes[b].kind != "group":
                arrive[b] = k  # a value's own step; the loss drawn as one op: its last
        never = len(self.steps)
        for j, group in enumerate(self.plan.groups):  # groups are the first boxes
            reached = [self.step_of[o] for o in group.outputs if self.step_of[o] < never]
            if reached:
                arrive[j] = max(reached)
        return sorted(set(arrive.values()))

    def _caption(self, position: int, arrived: int, hot: int) -> str:
        if position < 0:
            return f"<b>forward</b>: {len(self.steps)} nodes computed; press <i>backward step</i>"
        return (
            f"<b>backward</b> {position + 1}/{len(self.stops)}: gradient arrived at "
            f"<code>{escape(self._describe(hot))}</code> ({arrived} of {len(self.steps)} nodes have their gradient)"
        )

    def describe(self, node) -> str:
        """What the caption calls a node of the graph shown: its label, its group, or its op and where it is
        (the hinge loss's relu is the loss's, not the network's activation)."""
        i = next((i for i, n in enumerate(self.nodes) if n is node), None)
        if i is None:
            raise ValueError("GraphWidget.describe(): that node is not in the graph shown")
        return self._describe(i)

    def _describe(self, i: int) -> str:
        node, box = self.nodes[i], self.plan.boxes[self.plan.where[i]]
        if box.kind == "group":
            return box.rows[0].text
        if box.kind == "op":
            return f"the {self.loss} loss"
        if node.label:
            return node.label
        if not node._prev:
            return "a constant" if node._op == CONSTANT else "an input"
        score = self._score(self.nodes) if self.model is not None else None
        return op_name(node) + (f" in the {self.loss} loss" if score is not None and i > score else "")


def _title(scene) -> str:
    if scene.mode is None:
        return ""
    return f"one node per {scene.mode} ({scene.size} values in the full graph)"


def _check_arguments(root, model, data, sample, collapse) -> None:
    if (root is None) == (model is None or data is None):
        raise ValueError("GraphWidget: give either an expression `root`, or both `model` and `data`")
    if root is not None and not all(hasattr(root, a) for a in ("_prev", "_op", "data", "grad")):
        raise TypeError(f"GraphWidget(root=...) expects a Value or a Tensor, got {type(root).__name__} {root!r:.60}")
    if collapse is not None and model is None and collapse != "none":
        raise ValueError(f"GraphWidget(collapse={collapse!r}) needs the model that owns the parameters")
    if model is not None and not callable(getattr(model, "parameters", None)):
        raise TypeError(f"GraphWidget(model=...) expects a microgradx model (a Module), got {type(model).__name__}")
    if data is not None and not all(hasattr(data, a) for a in ("X", "y", "inputs", "feature_names")):
        raise TypeError(
            f"GraphWidget(data=...) expects a microgradx Dataset (e.g. microgradx.data.moons() or "
            f"data.from_arrays(X, y)), got {type(data).__name__}"
        )
    if data is not None:
        n = len(data.X)
        if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or not 0 <= sample < n:
            raise ValueError(
                f"GraphWidget(sample={sample!r}): must be an integer in [0, {n - 1}] for {n} training points"
            )
