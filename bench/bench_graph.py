"""Graph drawing: `draw_dot` plus rendering to SVG, for the sizes a lesson shows.

Each case times building the DOT *and* rendering it to SVG with Graphviz's `dot` (what a notebook does
to display the drawing), after the model's forward and backward (not timed). The peer column renders
the same DOT with graphviz-pure, the pip-installable port microgradx falls back to without `dot`.
MLP(2,[16,16,1]) has 1649 nodes in full, over `max_nodes`, so `draw_dot` collapses it (one node per
neuron); the issue asks for that to render in well under a second.
"""

from __future__ import annotations

import shutil
import subprocess

from microgradx import MLP, Neuron, Value
from microgradx.drawing import _fallback_exe
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
    pure = _fallback_exe()
    repeat, warmup = (3, 1) if quick else (7, 2)
    rows = []
    for case, build, kwargs in CASES:
        model, out = build()
        out.backward()
        rows.append(_row(case, out, model, kwargs, pure, repeat, warmup))
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


if __name__ == "__main__":
    for row in run(quick=True):
        print(row)
