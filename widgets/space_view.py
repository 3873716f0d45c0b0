"""`SpaceView`: the plane as one layer of the network sees it, redrawn live while it trains (ConvNetJS's view).

Pick a layer and two of its neurons: every data point is drawn at those two activations, with the input
plane's grid lines carried through the same layers (`microgradx.space.hidden_space`), so one watches the
layers fold and stretch the plane until a straight line separates the classes. A frame is one small SVG in an
`ipywidgets.HTML`, drawn between two steps in the training thread and kept to `max_fps` (and to a `budget`
of the time) by a `Throttle`. A frame still owed when the steps stop is drawn by a short-lived thread once
no step has come for a frame's interval, so the view always ends on the last state.
"""

from __future__ import annotations

import contextlib
import textwrap
import threading
import time
from html import escape

import ipywidgets as widgets
import numpy as np

from microgradx.nn import dense_layers
from microgradx.pictures import figure_png, with_png
from microgradx.plot import point_colours
from microgradx.space import Space, check_choice, hidden_space, layer_sizes
from microgradx.train import Trainer

from ._svg import hex_colours
from ._throttle import Throttle

__all__ = ["SpaceView", "space_svg", "space_png", "class_colours", "fit_bounds", "pixel_map", "nice_ticks"]

LINE_COLOUR = "#6b7b8c"
MARGIN = {"left": 44, "right": 10, "top": 10, "bottom": 34}  # pixels around the plot: ticks and axis names


def class_colours(data, y) -> list[str]:
    """Each point's colour: its class's, as the boundary draws them (`microgradx.plot.point_colours`); for
    a regression its target's colour on the Playground's ramp."""
    if data.labels == "real":
        return hex_colours(np.asarray(y, dtype=np.float64).reshape(-1))
    return [str(c) for c in point_colours(data, y)]


def fit_bounds(space: Space) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) around every finite point and grid-line vertex, 4% wider each way; a flat direction
    (a dead ReLU: every value 0) gets a width of 1 around its value."""
    xy = np.concatenate([space.points, space.test_points, space.lines.reshape(-1, 2)])
    out = []
    for column in xy.T:
        finite = column[np.isfinite(column)]
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (-1.0, 1.0)
        lo, hi = max(lo, -1e12), min(hi, 1e12)  # huge but finite: still a picture
        pad = (hi - lo) * 0.04 if hi - lo > 1e-9 else 0.5
        out += [lo - pad, hi + pad]
    return tuple(out)


def space_svg(space: Space, colours, test_colours=(), *, size: int = 320, names=("x", "y")) -> str:
    """The SVG of a `Space`: the grid lines, the test points (black-ringed), the training points
    (white-ringed) over them, the ends of both axes as numbers and the axes' `names`.

    >>> from microgradx.data import moons
    >>> from microgradx.nn import MLP
    >>> data = moons(20, seed=0)
    >>> svg = space_svg(hidden_space(MLP(2, [4, 1], seed=0), data), class_colours(data, data.y))
    >>> svg.count("<circle"), svg.count('class="mgx-space-lines"')
    (20, 2)
    """
    bounds = fit_bounds(space)
    to_pixels = pixel_map(bounds, size)
    left, top, right, bottom = MARGIN["left"], MARGIN["top"], size - MARGIN["right"], size - MARGIN["bottom"]
    half = len(space.lines) // 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mgx-space-svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" font-family="sans-serif" font-size="10" style="display:block">',
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="#ffffff" stroke="#cccccc"/>',
    ]
    parts.append('<g transform="scale(0.1)">')  # coordinates in tenths of a pixel
    for family in (space.lines[:half], space.lines[half:]):  # constant x2, then constant x1
        parts.append(
            f'<path class="mgx-space-lines" d="{_path(family, to_pixels)}" fill="none" stroke="{LINE_COLOUR}" '
            'stroke-width="8" stroke-opacity="0.6"/>'
        )
    for where, fills, ring, kind in ((space.test_points, test_colours, "#000000", "test"),
                                     (space.points, colours, "#ffffff", "train")):  # fmt: skip
        parts.append(_circles(to_pixels(where), fills, ring, kind))
    parts.append("</g>")
    parts.append(_axes(bounds, size, names))
    parts.append("</svg>")
    return "".join(parts)


def pixel_map(bounds, size: int):
    """The function from (n, 2) activations to (n, 2) pixels of a `size` picture with these `bounds`."""
    x0, x1, y0, y1 = bounds
    left, top = MARGIN["left"], MARGIN["top"]
    width, height = size - left - MARGIN["right"], size - top - MARGIN["bottom"]

    def to_pixels(xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return np.column_stack([left + (xy[:, 0] - x0) / (x1 - x0) * width, top + (y1 - xy[:, 1]) / (y1 - y0) * height])

    return to_pixels


def _tenths(xy: np.ndarray) -> list[int]:
    """Pixels as whole tenths of a pixel, flat: drawn in a ``scale(0.1)`` group, they format twice as fast
    as floats to 0.1 (a frame has thousands of vertices)."""
    return np.rint(np.clip(xy, -1e6, 1e6) * 10).astype(np.int64).ravel().tolist()


def _path(lines: np.ndarray, to_pixels) -> str:
    """SVG path data (in tenths of a pixel) of polylines, each broken where a vertex is NaN or infinite (a
    diverged model)."""
    xy = to_pixels(lines.reshape(-1, 2)).reshape(lines.shape)
    ok = np.isfinite(xy).all(axis=2)
    if ok.all():  # the usual case: one format for every line
        return ("M" + "%d,%d " * lines.shape[1]) * lines.shape[0] % tuple(_tenths(xy))
    out = []
    for line, good in zip(xy, ok):
        for run in np.split(np.arange(len(line)), np.flatnonzero(np.diff(good)) + 1):
            if good[run[0]] and len(run) > 1:
                out.append(("M" + "%d,%d " * len(run)) % tuple(_tenths(line[run])))
    return "".join(out)


def _circles(xy: np.ndarray, fills, ring: str, kind: str) -> str:
    """The points as circles, in tenths of a pixel, those that are finite."""
    ok = np.isfinite(xy).all(axis=1)
    at = _tenths(xy[ok])
    shown = [fill for fill, good in zip(fills, ok.tolist()) if good]
    return "".join(
        f'<circle cx="{at[2 * i]}" cy="{at[2 * i + 1]}" r="30" fill="{fill}"/>' for i, fill in enumerate(shown)
    ).join((f'<g class="mgx-space-{kind}" stroke="{ring}" stroke-width="8">', "</g>"))


def nice_ticks(lo: float, hi: float, most: int = 5) -> list[float]:
    """Round values between `lo` and `hi` to label an axis with: steps of 1, 2 or 5 times a power of ten.

    >>> nice_ticks(-1.08, 1.08), nice_ticks(0.0, 0.37)
    ([-1.0, -0.5, 0.0, 0.5, 1.0], [0.0, 0.1, 0.2, 0.3])
    """
    span = hi - lo
    if not (np.isfinite(span) and span > 0):
        return []
    power = 10.0 ** np.floor(np.log10(span / most))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if span / (m * power) <= most)
    first = np.ceil(lo / step - 1e-9)
    values = (first + np.arange(int(np.floor(hi / step + 1e-9) - first) + 1)) * step
    return [round(float(v), 12) + 0.0 for v in values]  # + 0.0: no "-0"


def _axes(bounds, size: int, names) -> str:
    """Ticks with round values on both axes, and the axes' names."""
    x0, x1, y0, y1 = bounds
    to_pixels = pixel_map(bounds, size)
    left, top, right, bottom = MARGIN["left"], MARGIN["top"], size - MARGIN["right"], size - MARGIN["bottom"]
    parts = ['<g fill="#555555" stroke-width="0">']
    for value in nice_ticks(x0, x1):
        ((px, _),) = to_pixels([[value, y0]])
        parts.append(f'<path d="M{px:.1f},{bottom}v4" stroke="#999999" stroke-width="1"/>'
                     f'<text x="{px:.1f}" y="{bottom + 14}" text-anchor="middle">{value:g}</text>')  # fmt: skip
    for value in nice_ticks(y0, y1):
        ((_, py),) = to_pixels([[x0, value]])
        parts.append(f'<path d="M{left},{py:.1f}h-4" stroke="#999999" stroke-width="1"/>'
                     f'<text x="{left - 6}" y="{py + 3.5:.1f}" text-anchor="end">{value:g}</text>')  # fmt: skip
    parts.append(
        f'<text class="mgx-space-xname" x="{(left + right) / 2:.1f}" y="{size - 5}" text-anchor="middle" '
        f'font-size="11">{escape(names[0])}</text>'
        f'<text class="mgx-space-yname" x="0" y="0" text-anchor="middle" font-size="11" '
        f'transform="translate(11 {(top + bottom) / 2:.1f}) rotate(-90)">{escape(names[1])}</text></g>'
    )
    return "".join(parts)


class SpaceView(widgets.VBox):
    """Every data point at two neurons' activations of one layer, with the input plane's grid lines carried
    through the same layers: ConvNetJS's "hidden layer" view of a 2-D classification, live while it trains.

    `SpaceView(source, *, layer=1, neurons=(0, 1), size=320, lines=15, samples=100, max_fps=20.0,
    budget=0.1)`. `source` is a `Trainer` (the view subscribes to its steps) or a `TrainingDashboard` (the
    view follows its trainer, also when Reset or a new architecture or dataset replaces it). Layers are counted
    as `NetworkView` counts them (0 the input features, the last the outputs); the pickers above the picture
    choose the layer and the two neurons (picking the other axis's neuron swaps the two). Setting `layer`
    or `neurons` from code is validated (a layer with fewer than two neurons, a neuron out of range, the same
    neuron twice: ValueError naming what is allowed) and redraws.

    Headless: `update()` draws now; `value` is the picture's bytes (SVG), `space` what it shows (a
    `microgradx.space.Space`), `frames` how many frames were drawn.

    >>> from microgradx.data import moons
    >>> from microgradx.nn import MLP
    >>> trainer = Trainer(MLP(2, [8, 8, 1], activation="tanh", seed=0), "hinge", "sgd", moons(50, seed=0))
    >>> view = SpaceView(trainer, layer=2, neurons=(0, 5))
    >>> _ = trainer.fit(3)
    >>> view.update()
    >>> bytes(view.value[:4]), view.space.points.shape
    (b'<svg', (50, 2))
    """

    def __init__(self, source, *, layer: int = 1, neurons=(0, 1), size: int = 320, lines: int = 15,
                 samples: int = 100, max_fps: float | None = 20.0, budget: float = 0.1, **kw):  # fmt: skip
        if not (isinstance(size, int) and not isinstance(size, bool) and 160 <= size <= 4000):
            raise ValueError(f"SpaceView: size must be an int in [160, 4000], got {size!r}")
        self._trainer, self._dashboard = _trainer_of(source), None if isinstance(source, Trainer) else source
        self._size, self._lines, self._samples = size, lines, samples
        sizes = layer_sizes(self._trainer.model, where="SpaceView")
        self._layer, self._neurons = check_choice(sizes, layer, neurons, "SpaceView")
        try:  # the data and the grid's settings, checked before anything is made
            hidden_space(self._trainer.model, self._trainer.data, self._layer, self._neurons, lines=lines,
                         samples=samples)  # fmt: skip
        except (TypeError, ValueError) as e:
            raise type(e)(str(e).replace("hidden_space:", "SpaceView:")) from None
        self.space: Space | None = None  # what the last frame shows
        self._shown = None  # (space, colours, test colours, axis names) of the last frame
        self.error: Exception | None = None  # why the last frame could not be drawn (shown in its place)
        self._sizes: list[int] | None = None
        self._lock = threading.RLock()  # one frame at a time; taken before the trainer's lock, never after
        self._throttle = Throttle(self._draw, max_fps, budget=budget, lock=self._lock)
        self._settle_lock = threading.Lock()  # a leaf: held for a few attribute changes only
        self._last_request, self._settler, self._stale = 0.0, None, False
        self._picking = threading.local()  # this thread is setting the pickers: not a learner's choice
        self.layer_picker = widgets.Dropdown(description="layer", layout=widgets.Layout(width="200px"))
        self.x_picker = widgets.Dropdown(description="x", layout=widgets.Layout(width="140px"))
        self.y_picker = widgets.Dropdown(description="y", layout=widgets.Layout(width="140px"))
        for picker in (self.layer_picker, self.x_picker, self.y_picker):
            picker.style.description_width = "36px" if picker is self.layer_picker else "16px"
            picker.observe(self._picked, "value")
        self.image = widgets.HTML(layout=widgets.Layout(width=f"{size}px", height=f"{size}px", margin="0"))
        self.image.add_class("mgx-space-picture")
        super().__init__([widgets.HBox([self.layer_picker, self.x_picker, self.y_picker]), self.image], **kw)
        self.add_class("mgx-space")
        self._unsubscribe = self._trainer.subscribe(self._on_event)
        self._shown_data = None  # the dataset of the last frame
        for widget, name in self._signals():  # every dashboard frame: a new trainer, or new points?
            widget.observe(self._follow, name)
        self.update()

    # ---- what code reads and sets -------------------------------------------------------------------

    @property
    def value(self) -> bytes:
        """The last frame's picture: SVG bytes."""
        return self.image.value.encode()

    @property
    def frames(self) -> int:
        return self._throttle.frames

    @property
    def pending(self) -> bool:
        """True while a frame is owed: the view shows an older state (for a moment, after the last step)."""
        return self._throttle.pending or self._stale or self._settler is not None

    @property
    def trainer(self) -> Trainer:
        """The trainer followed now (a dashboard's current one)."""
        return self._trainer

    @property
    def layer(self) -> int:
        return self._layer

    @layer.setter
    def layer(self, value) -> None:
        """Show layer `value`, keeping the two neurons if it has them, else its neurons 0 and 1."""
        sizes = layer_sizes(self._trainer.model, where="SpaceView")
        keep = value in range(len(sizes)) and max(self._neurons) < sizes[value]
        self._choose(value, self._neurons if keep else (0, 1))

    @property
    def neurons(self) -> tuple[int, int]:
        return self._neurons

    @neurons.setter
    def neurons(self, value) -> None:
        self._choose(self._layer, value)

    def _choose(self, layer, neurons) -> None:
        with self._lock:  # never a frame with the new layer and the old neurons
            sizes = layer_sizes(self._trainer.model, where="SpaceView")
            self._layer, self._neurons = check_choice(sizes, layer, neurons, "SpaceView")
            self._throttle.force()

    def _repr_mimebundle_(self, **kwargs):
        """The live view, and beside it a PNG of the same picture for readers without a kernel."""
        bundle = super()._repr_mimebundle_(**kwargs)
        return with_png(bundle, space_png, self, kwargs.get("include"), kwargs.get("exclude"))

    def update(self) -> None:
        """Draw a frame now, whatever the rate (between two steps if a run is on)."""
        with self._lock:
            self._throttle.force()

    def close(self) -> None:
        """Stop following the trainer (and the dashboard), then close the widget."""
        if not hasattr(self, "_unsubscribe"):  # __init__ failed before it subscribed (ipywidgets' __del__)
            return super().close()
        self._unsubscribe()
        for widget, name in self._signals():
            widget.unobserve(self._follow, name)
        super().close()

    def _signals(self) -> list[tuple[widgets.Widget, str]]:
        """The dashboard's widgets whose changes mark its frames: the step counter, the boundary's picture
        (a new model or new weights) and its points (new data, drawn points)."""
        dash = self._dashboard
        if dash is None:
            return []
        return [(dash.step_label, "value"), (dash.boundary.image, "value"), (dash.boundary.points, "value")]

    # ---- frames ---------------------------------------------------------------------------------------

    def _on_event(self, event) -> None:
        """A Trainer event, in the training thread: a frame if it is time, else one owed for later."""
        if event.kind == "step":  # emitted outside the trainer's lock: taking ours, then the trainer's, is safe
            self._throttle.request()
            if not self._throttle.pending:
                return
        self._settle_later()  # 'diverged' comes inside the trainer's lock: its frame is drawn by the settler

    def _follow(self, change=None) -> None:
        """A dashboard frame, maybe under its locks: only swap subscriptions here; the settler draws."""
        trainer = self._dashboard.trainer
        if trainer is self._trainer and trainer.data is self._shown_data:
            return
        if trainer is not self._trainer:  # Reset, or a new dataset or architecture
            self._unsubscribe()
            self._trainer, self._unsubscribe = trainer, trainer.subscribe(self._on_event)
        self._stale = True  # also for points drawn, added or removed (Trainer.set_data)
        self._settle_later()

    def _settle_later(self) -> None:
        """Make sure an owed frame gets drawn once no step has come for one frame's interval."""
        with self._settle_lock:
            self._last_request = time.perf_counter()
            if self._settler is None:
                self._settler = threading.Thread(target=self._settle, name="microgradx-space-view", daemon=True)
                self._settler.start()

    def _settle(self) -> None:
        """The settler's loop: wait for a quiet interval, draw what is owed; again if more came meanwhile."""
        try:
            while True:
                with self._settle_lock:
                    wait = self._last_request + max(self._throttle.interval, 0.02) - time.perf_counter()
                    stale = wait <= 0 and self._stale
                    if wait <= 0:
                        self._stale = False
                if wait > 0:
                    time.sleep(wait)
                    continue
                with self._lock:
                    self._throttle.force() if stale else self._throttle.flush()
                with self._settle_lock:
                    if not (self._stale or self._throttle.pending):
                        return
        finally:
            with self._settle_lock:
                self._settler = None

    def _draw(self) -> None:
        """One frame, or in its place why it cannot be drawn (a training thread must not fail for a view)."""
        try:
            self._frame()
            self.error = None
        except (TypeError, ValueError) as e:
            self.error = e
            self.image.value = _message(str(e), self._size)

    def _frame(self) -> None:
        """The model read between two steps, mapped through its layers, drawn as SVG."""
        trainer = self._trainer
        with trainer.lock:  # held during a step: the weights are never half updated
            layers = dense_layers(trainer.model)
            if layers is None:
                raise TypeError(f"SpaceView: the model is no longer a dense network ({type(trainer.model).__name__})")
            sizes = [layers[0].W.shape[1], *(layer.W.shape[0] for layer in layers)]
            if sizes != self._sizes:
                self._new_architecture(sizes, ["input", *(layer.activation for layer in layers)])
            if self._layer is None:
                raise ValueError(f"SpaceView: no layer of this network ({sizes}) has two neurons to draw")
            space = hidden_space(trainer.model, trainer.data, self._layer, self._neurons, lines=self._lines,
                                 samples=self._samples)  # fmt: skip
            data = trainer.data
        activation = f" ({space.activation})" if space.activation != "input" else ""
        names = [f"layer {space.layer}{activation}: neuron {space.neurons[0]}", f"neuron {space.neurons[1]}"]
        if space.layer == 0:
            names = [data.feature_names[space.neurons[0]], data.feature_names[space.neurons[1]]]
        colours = class_colours(data, data.y), class_colours(data, data.y_test)
        self.space, self._shown_data, self._shown = space, data, (space, *colours, names)
        self.image.value = space_svg(space, *colours, size=self._size, names=names)
        self._show_choice()

    def _new_architecture(self, sizes: list[int], activations: list[str]) -> None:
        """The layer picker lists this network's layers that have two neurons or more; a choice that no
        longer fits becomes the first hidden layer that does (else the inputs), neurons 0 and 1."""
        self._sizes = sizes
        wide = [i for i, n in enumerate(sizes) if n >= 2]
        if self._layer not in wide or max(self._neurons) >= sizes[self._layer]:
            self._layer = next((i for i in wide if i > 0), wide[0] if wide else None)
            self._neurons = (0, 1)
        last = len(sizes) - 1
        names = {0: "inputs", last: "outputs"}
        with self._quiet_pickers():
            self.layer_picker.options = [
                (f"{i}: {names.get(i, 'hidden')}, {activations[i]} ({sizes[i]})" if i else f"0: inputs ({sizes[0]})", i)
                for i in wide
            ]

    def _show_choice(self) -> None:
        """The pickers say what is drawn."""
        with self._quiet_pickers():
            units = [(f"neuron {j}", j) for j in range(self._sizes[self._layer])]
            if list(self.x_picker.options) != units:
                self.x_picker.options, self.y_picker.options = units, units
            self.layer_picker.value = self._layer
            self.x_picker.value, self.y_picker.value = self._neurons

    @contextlib.contextmanager
    def _quiet_pickers(self):
        self._picking.on = True
        try:
            yield
        finally:
            self._picking.on = False

    def _picked(self, change) -> None:
        """A learner's choice in a picker (in the kernel's thread): draw it, between two steps."""
        if getattr(self._picking, "on", False) or change["new"] is None:
            return
        if change["owner"] is self.layer_picker:
            self.layer = change["new"]
            return
        x, y = self._neurons
        if change["owner"] is self.x_picker:
            x, y = change["new"], (x if change["new"] == y else y)  # the other axis's neuron: swap the two
        else:
            x, y = (y if change["new"] == x else x), change["new"]
        self.neurons = (x, y)


def space_png(view: SpaceView) -> bytes:
    """The view's last frame drawn by Matplotlib (Agg) as deterministic PNG bytes, at the view's size: what a
    saved notebook shows where there is no kernel."""
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    with view._lock:
        space, colours, test_colours, names = view._shown
    size, dpi = view._size, 100
    figure = Figure(figsize=(size / dpi, size / dpi), dpi=dpi)
    left, top, right, bottom = 50 / size, MARGIN["top"] / size, MARGIN["right"] / size, 36 / size
    ax = figure.add_axes((left, bottom, 1 - left - right, 1 - top - bottom))
    ax.add_collection(LineCollection(list(space.lines), colors=LINE_COLOUR, linewidths=0.6, alpha=0.6))
    for where, fills, ring in ((space.test_points, test_colours, "#000000"), (space.points, colours, "#ffffff")):
        ok = np.isfinite(where).all(axis=1)
        if ok.any():
            ax.scatter(*where[ok].T, c=[f for f, good in zip(fills, ok) if good], s=14, edgecolors=ring,
                       linewidths=0.6, zorder=2)  # fmt: skip
    x0, x1, y0, y1 = fit_bounds(space)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    for ticks, limits, ticks_at in ((ax.set_xticks, (x0, x1), ax.set_xticklabels),
                                    (ax.set_yticks, (y0, y1), ax.set_yticklabels)):  # fmt: skip
        values = nice_ticks(*limits)
        ticks(values)
        ticks_at([f"{v:g}" for v in values])
    ax.set_xlabel(names[0], fontsize=8, labelpad=1)
    ax.set_ylabel(names[1], fontsize=8, labelpad=1)
    ax.tick_params(labelsize=7, length=2, pad=1)
    for spine in ax.spines.values():
        spine.set_color("#cccccc")
    return figure_png(figure, colors=256)


def _trainer_of(source) -> Trainer:
    if isinstance(source, Trainer):
        return source
    trainer = getattr(source, "trainer", None)
    if isinstance(trainer, Trainer) and hasattr(source, "step_label") and hasattr(source, "boundary"):
        return trainer
    raise TypeError(
        f"SpaceView: source must be a microgradx Trainer or a TrainingDashboard, got {type(source).__name__}"
    )


def _message(text: str, size: int) -> str:
    """`text` in the picture's place, wrapped to its width."""
    rows = textwrap.wrap(text, width=max(size // 7, 20))
    spans = "".join(f'<tspan x="{size / 2}" dy="{15 if i else 0}">{escape(row)}</tspan>' for i, row in enumerate(rows))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mgx-space-svg mgx-space-error" width="{size}" height="{size}">'
        f'<text x="{size / 2}" y="{size / 2 - 7 * len(rows)}" text-anchor="middle" font-family="sans-serif" '
        f'font-size="12" fill="#b00020">{spans}</text></svg>'
    )
