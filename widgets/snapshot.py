"""PNG pictures of a widget's state, saved in the notebook beside the live view (contract C7).

A widget's live view needs a kernel. The notebook also keeps `image/png`, which is what GitHub, nbviewer,
VS Code's preview, nbconvert HTML and an untrusted JupyterLab show instead. The picture is of the state
when the output was made: the display at the end of a cell that trained shows the trained model. Each
class's `_repr_mimebundle_` adds it with one call (`microgradx.pictures.with_png(bundle, <render>, self)`).

The pictures are drawn by Matplotlib (Agg) and Graphviz and encoded by Pillow without metadata, so a
lesson re-executed gives the same bytes. nbval does not compare `image/png`.
"""

from __future__ import annotations

import io
import re
from html import unescape

import numpy as np

from microgradx.graph import draw_dot
from microgradx.nn import dense_layers
from microgradx.pictures import drawing_png, figure_png, png_bytes
from microgradx.plot import (
    NEGATIVE,
    POSITIVE,
    boundary_image,
    boundary_line,
    boundary_rgba,
    class_colours,
    draw_history,
    draw_points,
    grid_scores,
    n_classes,
)

__all__ = ["dashboard_png", "graph_widget_png", "network_axes"]

DPI = 80  # 1000 x 360 pixels for the dashboard: readable, and small in the notebook file


def dashboard_png(dash) -> bytes:
    """A `TrainingDashboard` as one picture: the status line, the network, the boundary and the curves.

    Reads the model between two steps (the caller holds the dashboard's guard while a run is on)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12.5, 4.5), dpi=DPI)
    grid = figure.add_gridspec(1, 3, width_ratios=(1.15, 1.0, 1.25), left=0.03, right=0.95, bottom=0.14, top=0.76)
    grid.update(wspace=0.3)
    net, boundary, curves = (figure.add_subplot(grid[0, i]) for i in range(3))
    classes = dash.data.classes if n_classes(dash.data) > 2 else ()
    network_axes(net, dash.model, list(dash.data.feature_names), classes=classes)
    _boundary_axes(boundary, dash)
    if dash.history:
        draw_history(curves, dash.history)
    else:
        curves.text(0.5, 0.5, "no steps yet: press Play", ha="center", va="center", color="#666666")
        curves.set_axis_off()
    figure.text(0.01, 0.95, _headline(dash), fontsize=13, va="top", weight="bold")
    figure.text(0.01, 0.885, _settings(dash), fontsize=10, va="top", color="#444444")
    if dash.error is not None:
        figure.text(0.01, 0.02, f"Stopped: {dash.error}", fontsize=10, color="#b00020")
    return figure_png(figure, colors=256, keep=class_colours(len(classes)) if classes else ())  # a class's few points


def graph_widget_png(widget) -> bytes:
    """A `GraphWidget` at its replay position, with its caption on top: `draw_dot` of its root with the
    gradients arrived so far and the last one outlined, as the widget shows it. A graph far wider than
    high (a whole network, left to right) is laid out top to bottom for the picture."""
    from PIL import Image, ImageDraw

    graph = Image.open(io.BytesIO(drawing_png(_replay_drawing(widget, widget.rankdir)))).convert("RGB")
    if widget.rankdir == "LR" and graph.width > max(1600, 3 * graph.height):  # unreadable once scaled to fit
        graph = Image.open(io.BytesIO(drawing_png(_replay_drawing(widget, "TB")))).convert("RGB")
    caption = _plain(widget.caption.value)
    picture = Image.new("RGB", (max(graph.width, 400), graph.height + 28), "white")
    picture.paste(graph, (0, 28))
    ImageDraw.Draw(picture).text((6, 8), caption, fill=(40, 40, 40), font=_font(14))
    return png_bytes(picture, colors=256)


def _replay_drawing(widget, rankdir: str):
    """The widget's graph as `draw_dot` draws it at the replay's position (its collapse plan, if it has one)."""
    done = widget.stops[widget.position] + 1 if widget.position >= 0 else 0
    grads = {step.node: step.grad for step in widget.steps[:done]}
    plan = {"plan": widget.plan} if getattr(widget, "plan", None) is not None else {"collapse": widget.mode}
    with widget.guard():  # the drawing reads the parameters' data: between two steps in a dashboard
        return draw_dot(widget.root, rankdir, model=widget.model, grads=grads, highlight=widget.current, **plan)


def network_axes(ax, model, inputs: list[str], classes=()) -> None:
    """The network as TensorFlow Playground draws it: a column of circles per layer, a line per weight
    (blue positive, orange negative, thicker and darker for larger), inputs named on the left; with the
    names of k `classes` and k outputs, each output filled with its class's colour and named on the right."""
    ax.set_axis_off()
    layers = dense_layers(model)
    if not layers:
        ax.text(0.5, 0.5, f"{type(model).__name__}\n(not a dense stack)", ha="center", va="center")
        return
    sizes = [layers[0][0].shape[1], *(W.shape[0] for W, _, _ in layers)]
    ys = [np.linspace(0.0, 1.0, n + 2)[1:-1][::-1] for n in sizes]
    top = max(float(np.abs(W).max()) for W, _, _ in layers) or 1.0
    for k, (W, _, _) in enumerate(layers):
        for i, j in np.ndindex(W.shape):
            w = float(W[i, j])
            ax.plot(
                [k, k + 1],
                [ys[k][j], ys[k + 1][i]],
                color=POSITIVE if w > 0 else NEGATIVE,
                lw=0.3 + 3.0 * abs(w) / top,
                alpha=0.25 + 0.75 * abs(w) / top,
                zorder=1,
            )
    for k, column in enumerate(ys):
        ax.scatter(np.full(len(column), k), column, s=160, c="white", edgecolors="#555555", linewidths=1.0, zorder=2)
    for name, y in zip(inputs, ys[0]):
        ax.text(-0.18, y, name, ha="right", va="center", fontsize=9)
    if classes and len(classes) == sizes[-1]:
        ax.scatter(np.full(sizes[-1], len(sizes) - 1), ys[-1], s=160, c=list(class_colours(len(classes))),
                   edgecolors="#555555", linewidths=1.0, zorder=3)  # fmt: skip
        for name, y in zip(classes, ys[-1]):
            ax.text(len(sizes) - 1 + 0.18, y, str(name), ha="left", va="center", fontsize=9)
    acts = [act for _, _, act in layers]
    ax.set_title(" · ".join(["-".join(map(str, sizes)), acts[0]]), fontsize=10)
    ax.set_xlim(-0.7, len(sizes) - 0.6)
    ax.set_ylim(-0.05, 1.05)


def _boundary_axes(ax, dash) -> None:
    scores, extent = grid_scores(dash.model, dash.data, 100)
    if scores.ndim == 2:  # one score per point; k logits (rows, cols, k) are drawn by their argmax
        scores = scores - dash.trainer.threshold
    image, lut = boundary_image(ax, extent, scores.shape[0])
    image.set_data(boundary_rgba(scores, lut, edges=False))
    boundary_line(ax, scores, extent)
    draw_points(ax, dash.data, size=14)


def _headline(dash) -> str:
    last = dash.history[-1] if dash.history else None
    parts = [f"{dash.data.name}", f"step {dash.step_count}"]
    if last is not None:
        parts.append(f"loss {last['loss']:.4g}")
        if last.get("train_acc") is not None:  # None for a regression
            parts.append(f"train acc {last['train_acc']:.0%}")
        if last.get("test_acc") is not None:
            parts.append(f"test acc {last['test_acc']:.0%}")
    return "TrainingDashboard  ·  " + "  ·  ".join(parts)


def _settings(dash) -> str:
    c = dash.config
    parts = [f"learning rate {c['lr']:g}"]
    if c.get("regularization"):
        parts.append(f"{c['regularization'].upper()} {c['reg_rate']:g}")
    parts += [f"batch size {c['batch_size']}", c["activation"], f"{c['engine']} engine", f"loss {c['loss']}"]
    return " · ".join([*parts, c["optimizer"]])


def _plain(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def _font(size: int):
    from matplotlib import font_manager
    from PIL import ImageFont

    return ImageFont.truetype(font_manager.findfont("DejaVu Sans"), size)
