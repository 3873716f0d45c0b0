"""The live view's cost: frames per second kernel-side, and how much watching slows training.

Model and data of the issue: the Tensor engine's MLP(2, [16, 16, 1]) (tanh) on 200 moons (half for
test), hinge loss, SGD, batch 10, a 100 x 100 boundary grid drawn at 300 x 300 pixels.

- *frame*: one full redraw (copy the weights, evaluate the grid, colour it, draw the points, encode the
  PNG, the network SVG, the curves SVG, the labels), as the drawing thread does it; fps = 1 / time.
  The peer is Matplotlib (`microgradx.plot.BoundaryPlot.update` + `to_png`, blitted), the obvious
  alternative for the boundary picture alone.
- *training*: seconds per step of `dashboard.fit(n)` (view on) against `Trainer.fit(n)` on the same
  model and data (no view): with a redraw per step (``max_fps=None``, drawn in the training thread) and
  with the default throttle (at most 20 fps and at most 25% of the time drawing, in its own thread).
  The slow-down and the frames actually shown per second are in the note. The scalar engine's step is
  slow enough that a redraw per step costs about as much as the step.

Times are wall-clock (the view runs in threads); other load on the machine adds noise.
"""

from __future__ import annotations

import statistics
import time

from ._timing import median_time, spread

HIDDEN, N, STEPS, QUICK_STEPS = (16, 16), 200, 400, 100


def _dashboard(max_fps):
    from microgradx.widgets import TrainingDashboard

    return TrainingDashboard(
        hidden=HIDDEN, n=N, test_ratio=0.5, batch_size=10, lr=0.1, seed=0, max_fps=max_fps, resolution=100, size=300
    )


def _per_step(fn, steps: int, repeat: int) -> tuple[float, float]:
    """Median seconds per step of `fn(steps)` over `repeat` runs, and the runs' spread."""
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(steps)
        samples.append((time.perf_counter() - t0) / steps)
    return statistics.median(samples), spread(samples)


def _cpu_time(fn, repeat: int, warmup: int = 3) -> float:
    """Median CPU seconds of this process per call: a frame runs in one thread (BLAS limited to one), so this
    is its cost without the noise of other load on the machine."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        samples.append(time.process_time() - t0)
    return statistics.median(samples)


def run(quick: bool = False) -> list[dict]:
    from microgradx.plot import BoundaryPlot
    from microgradx.train import Trainer
    from microgradx.widgets import build_model

    steps, repeat, frames = (QUICK_STEPS, 3, 10) if quick else (STEPS, 5, 30)
    group = "widgets: live view"
    rows = []

    dash = _dashboard(20.0)
    dash.fit(50)  # a trained-looking state
    frame_wall = median_time(dash._draw, repeat=frames, warmup=3)
    frame = _cpu_time(dash._draw, frames)
    plot = BoundaryPlot(dash.data, resolution=100, show_loss=False, size=3.0)

    def matplotlib_frame():
        plot.update(dash.model)
        plot.to_png()

    rows.append(
        {
            "group": group,
            "case": "dashboard frame (CPU time), MLP(2,[16,16,1]) Tensor, 100x100 grid",
            "ours_s": frame,
            "peer": "Matplotlib BoundaryPlot frame",
            "peer_s": _cpu_time(matplotlib_frame, frames),
            "note": f"{1 / frame:.0f} fps kernel-side (target >= 15); wall-clock: {1 / frame_wall:.0f} fps here",
        }
    )

    def slowdown(engine: str, max_fps, label: str, target: str, steps: int) -> dict:
        model = build_model(2, HIDDEN, "tanh", engine=engine, seed=0)
        trainer = Trainer(model, "hinge", "sgd", dash.data, lr=0.1, batch_size=10, seed=0)
        live_dash = _dashboard(max_fps)
        live_dash.engine.value = engine
        trainer.fit(5)  # warm-up both
        live_dash.fit(5)
        headless, live, shown, wall = [], [], 0, 0.0
        for _ in range(repeat):  # interleaved, so drifting load hits both alike
            headless.append(_per_step(trainer.fit, steps, 1)[0])
            frames0, t0 = live_dash.frames, time.perf_counter()
            live.append(_per_step(live_dash.fit, steps, 1)[0])
            shown, wall = shown + live_dash.frames - frames0, wall + time.perf_counter() - t0
        h, v = statistics.median(headless), statistics.median(live)
        return {
            "group": group,
            "case": f"training step with the view on, {label}",
            "ours_s": v,
            "peer": f"headless Trainer.step ({engine})",
            "peer_s": h,
            "note": f"slow-down {v / h:.2f}x ({target}); {shown / wall:.0f} frames/s shown while training; "
            f"spread {spread(live):.0%} / {spread(headless):.0%}",
        }

    rows.append(slowdown("tensor", None, "redraw every step, Tensor", "target <= 2x", steps // 8))
    rows.append(slowdown("tensor", 20.0, "default throttle (20 fps), Tensor", "target ~1x", steps * 5))
    rows.append(slowdown("scalar", None, "redraw every step, scalar", "target <= 2x", 3 if quick else 10))
    return rows


if __name__ == "__main__":
    for row in run(quick=True):
        print(row)
