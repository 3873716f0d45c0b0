"""Graph drawing: `draw_dot` plus rendering to SVG, for the sizes a lesson shows.

Each case times building the DOT *and* rendering it to SVG with Graphviz's `dot` (what a notebook does
to display the drawing), after the model's forward and backward (not timed). The peer column renders
the same DOT with graphviz-pure, the pip-installable port microgradx falls back to without `dot`.
MLP(2,[16,16,1]) has 1649 nodes in full, over `max_nodes`, so `draw_dot` collapses it (one node per
neuron); the issue asks for that to render in well under a second.

The live rows time one frame of `GraphWidget.update()` between two training steps (re-trace, replay,
repaint: no `dot`), beside what each frame would cost the old way (`draw_dot` and `dot`), and the bytes a
frame sends to the browser beside the whole SVG; the last row is Tensor training with the graph panel
repainted at the dashboard's default throttle, against the same steps headless.
"""

from __future__ import annotations

import shutil
import subprocess

from microgradx import MLP, Neuron, Value
from microgradx.drawing import fallback_exe
from microgradx.graph import draw_dot

try:
    from ._timing import median_time
except ImportError:  # run as a script, or before bench/_timing.py existed
    import statistics
    import time

    def median_time(fn, repeat=7, warmup=2):
        for _ in range(warmup):
            fn()
        out = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
        return statistics.median(out)


def _neuron():
    model = Neuron(2, activation="tanh", seed=0)
    out = model([Value(0.5, label="x0"), Value(-1.0, label="x1")])
    out.label = "out"
    return model, out


def _mlp(sizes):
    model = MLP(2, sizes, seed=1337)
    return model, model([0.5, -1.0])


CASES = [
    ("single neuron, full graph", _neuron, {}),
    ("MLP(2,[4,4,1]), full graph", lambda: _mlp([4, 4, 1]), {}),
    ("MLP(2,[16,16,1]), collapsed by neuron", lambda: _mlp([16, 16, 1]), {}),
    ("MLP(2,[16,16,1]), collapsed by layer", lambda: _mlp([16, 16, 1]), {"collapse": "layer"}),
]


def run(quick: bool = False) -> list[dict]:
    """One row per case: seconds to draw and render to SVG (median), beside graphviz-pure's rendering."""
    if shutil.which("dot") is None:
        raise RuntimeError("bench_graph needs Graphviz's `dot` (apt-get install graphviz)")
    pure = fallback_exe()
    repeat, warmup = (3, 1) if quick else (7, 2)
    rows = []
    for case, build, kwargs in CASES:
        model, out = build()
        out.backward()
        rows.append(_row(case, out, model, kwargs, pure, repeat, warmup))
    rows += live_rows(repeat, warmup)
    rows.append(panel_row(100 if quick else 400))
    return rows


def _row(case, out, model, kwargs, pure, repeat, warmup) -> dict:
    def draw():
        return draw_dot(out, model=model, **kwargs)

    source = draw().source
    build_s = median_time(draw, repeat, warmup)
    ours = median_time(lambda: draw().pipe(format="svg"), repeat, warmup)
    peer_s = None
    if pure is not None:

        def pure_render():
            subprocess.run([pure, "-Tsvg"], input=draw().source.encode(), capture_output=True, check=True)

        peer_s = median_time(pure_render, repeat, warmup)
    return {
        "group": "graph",
        "case": case + ": draw_dot + render SVG",
        "ours_s": ours,
        "peer": "same DOT, graphviz-pure" if pure else None,
        "peer_s": peer_s,
        "note": f"{source.count('[label=')} nodes drawn; DOT built in {build_s * 1e3:.1f} ms, rendered by `dot`",
    }


# ---- the live graph: one frame between two training steps ------------------------------------------


def _live(engine, hidden, collapse):
    from microgradx.data import moons
    from microgradx.train import Trainer
    from microgradx.widgets import GraphWidget
    from microgradx.widgets.dashboard import build_model

    data = moons(100, noise=0.1, seed=0)
    model = build_model(2, hidden, engine=engine, seed=0)
    graph = GraphWidget(model=model, data=data, sample=3, collapse=collapse)
    return graph, Trainer(model, "hinge", "sgd", data, lr=0.05, seed=0)


LIVE_CASES = [
    ("MLP(2,[4,4,1]) drawn in full", "scalar", (4, 4), "none"),
    ("MLP(2,[16,16,1]) collapsed by neuron", "scalar", (16, 16), None),
    ("Tensor 2-8-8-1", "tensor", (8, 8), None),
]


def live_rows(repeat: int, warmup: int) -> list[dict]:
    """One live frame (`GraphWidget.update()`: re-trace, replay, frame, message; CPU time) beside the old way
    of showing a step, `draw_dot` + `dot` to SVG; bytes sent per frame beside the whole SVG."""
    import json
    import time

    rows = []
    for case, engine, hidden, collapse in LIVE_CASES:
        graph, trainer = _live(engine, hidden, collapse)
        trainer.fit(1)
        ours = median_time(graph.update, repeat * 3, warmup, clock=time.process_time)  # CPU: steadier when busy
        peer = median_time(
            lambda g=graph: draw_dot(g.root, model=g.model, collapse=g.collapse).pipe(format="svg"), repeat, warmup
        )
        frame_bytes = len(json.dumps(graph.view.frame))
        svg_bytes = len(graph.svg.value)
        rows.append(
            {
                "group": "graph",
                "case": f"live frame, {case} ({graph.plan.drawn} drawn nodes)",
                "ours_s": ours,
                "peer": "draw_dot + dot, per frame",
                "peer_s": peer,
                "note": f"{frame_bytes / 1e3:.1f} kB sent per frame, against {svg_bytes / 1e3:.0f} kB for the SVG",
            }
        )
    return rows


def panel_row(steps: int) -> dict:
    """Tensor training with the graph panel repainted at the dashboard's default throttle, against headless."""
    import time

    from microgradx.widgets import Throttle

    def run(with_graph: bool) -> float:
        graph, trainer = _live("tensor", (8, 8), None)
        if with_graph:
            throttle = Throttle(graph.update)  # the dashboard's default: 20 frames/s, at most 10% of the time
            trainer.subscribe(lambda event: throttle.request())
        trainer.fit(5)
        t0 = time.perf_counter()
        trainer.fit(steps)
        return time.perf_counter() - t0

    headless = min(run(False) for _ in range(3))
    panel = min(run(True) for _ in range(3))
    return {
        "group": "graph",
        "case": f"Tensor 2-8-8-1, {steps} steps with the graph panel at 20 frames/s",
        "ours_s": panel,
        "peer": "same steps headless",
        "peer_s": headless,
        "note": f"training slows {panel / headless:.2f}x with the live graph on",
    }


if __name__ == "__main__":
    for row in run(quick=True):
        print(row)
