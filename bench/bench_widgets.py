"""The live view's cost: frames per second kernel-side, and how much watching slows training.

Model and data of the issue: the Tensor engine's MLP(2, [16, 16, 1]) (tanh) on 200 moons (half for
test), hinge loss, SGD, batch 10, a 100 x 100 boundary grid drawn at 300 x 300 pixels.

- *frame*: one full redraw (evaluate the grid, colour it, encode the PNG, the network SVG, the curves SVG,
  the labels, and serialise the widgets' messages as a kernel does); fps = 1 / time.
  The peer is Matplotlib (`microgradx.plot.BoundaryPlot.update` + `to_png`, blitted), the obvious
  alternative for the boundary picture alone.
- *training*: seconds per step of `dashboard.fit(n)` (view on) against `Trainer.fit(n)` on the same
  model and data (no view), both at full speed: with a redraw per step (``max_fps=None``) and with the
  default throttle (at most 20 frames a second, at most 10% of the time drawing). The dashboard trains and
  draws in its one training thread, between two steps, so the process's CPU time is the whole cost, and
  steadier than wall-clock on a shared machine. Runs alternate (headless, live, headless, ...); the
  slow-down is the median of the pairs' ratios, with their range, and the frames actually shown per
  second are in the note.
  A redraw per step can only stay within 2x when a step costs about as much as a frame: so it does for
  the scalar engine; a Tensor step on 10 points is far cheaper than evaluating 10,000 grid points.
"""

from __future__ import annotations

import contextlib
import statistics
import time

HIDDEN, N, STEPS, QUICK_STEPS = (16, 16), 200, 400, 100


def _dashboard(max_fps):
    from microgradx.widgets import TrainingDashboard

    return TrainingDashboard(
        hidden=HIDDEN, n=N, test_ratio=0.5, batch_size=10, lr=0.1, seed=0, max_fps=max_fps, resolution=100, size=300
    )


@contextlib.contextmanager
def _kernel_comms():
    """Widgets made inside serialise their messages as an IPython kernel does (JSON-cleaned, HMAC-signed), so a
    frame's cost includes its messages; outside a kernel, ipywidgets would drop them unserialised."""
    import comm
    from comm.base_comm import BaseComm
    from ipykernel.jsonutil import json_clean
    from jupyter_client.session import Session

    session = Session(key=b"microgradx-bench")

    class KernelLikeComm(BaseComm):
        def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
            content = json_clean(dict(data=data or {}, comm_id=self.comm_id, **keys))
            session.serialize(session.msg(msg_type, content, metadata=json_clean(metadata or {})))

    create = comm.create_comm
    comm.create_comm = KernelLikeComm
    try:
        yield
    finally:
        comm.create_comm = create


def _frame_after_step(dash, clock) -> float:
    """Seconds of one frame drawn after one step (every trait changes, every message is sent)."""
    dash.trainer.step()
    t0 = clock()
    dash._draw()
    return clock() - t0


def _per_step(fn, steps: int) -> float:
    """CPU seconds of this process per step of `fn(steps)` (a dashboard trains and draws in its training
    thread while the caller waits; the headless trainer in the caller's thread)."""
    t0 = time.process_time()
    fn(steps)
    return (time.process_time() - t0) / steps


def run(quick: bool = False) -> list[dict]:
    with _kernel_comms():
        return _run(quick)


def _run(quick: bool) -> list[dict]:
    from microgradx.plot import BoundaryPlot
    from microgradx.train import Trainer
    from microgradx.widgets import TrainingDashboard, build_model

    steps, repeat, frames = (QUICK_STEPS, 3, 10) if quick else (STEPS, 9, 30)
    group = "widgets: live view"
    rows = []

    dash = _dashboard(20.0)
    dash.fit(50)  # a trained-looking state

    def step_then(draw, clock):  # a frame after a step: every trait changes, every message is sent
        def timed() -> float:
            dash.trainer.step()
            t0 = clock()
            draw()
            return clock() - t0

        return statistics.median([timed() for _ in range(frames)])


    frame, frame_wall = step_then(dash._draw, time.thread_time), step_then(dash._draw, time.perf_counter)
    plot = BoundaryPlot(dash.data, resolution=100, show_loss=False, size=3.0)

    def matplotlib_frame():
        plot.update(dash.model)
        plot.to_png()

    full = TrainingDashboard(hidden=(8,) * 6, n=N, seed=0, resolution=100, size=300)  # every view on
    full.fit(50)
    full_frame = statistics.median([_frame_after_step(full, time.thread_time) for _ in range(frames)])
    rows.append(
        {
            "group": group,
            "case": "dashboard frame, everything on: boundary, network with per-neuron views, curves, 6 layers of 8",
            "ours_s": full_frame,
            "note": f"target <= 8 ms kernel-side (CPU time); {1 / full_frame:.0f} frames/s",
        }
    )
    rows.append(
        {
            "group": group,
            "case": "dashboard frame (CPU time), MLP(2,[16,16,1]) Tensor, 100x100 grid",
            "ours_s": frame,
            "peer": "Matplotlib BoundaryPlot frame",
            "peer_s": step_then(matplotlib_frame, time.thread_time),
            "note": f"{1 / frame:.0f} fps kernel-side (target >= 15); wall-clock: {1 / frame_wall:.0f} fps here",
        }
    )

    def slowdown(engine: str, max_fps, label: str, target: str, steps: int, repeat: int) -> dict:
        model = build_model(2, HIDDEN, "tanh", engine=engine, seed=0)
        trainer = Trainer(model, "hinge", "sgd", dash.data, lr=0.1, batch_size=10, seed=0)
        live_dash = _dashboard(max_fps)
        live_dash.engine.value = engine
        trainer.fit(5)  # warm-up both
        live_dash.fit(5)
        headless, live, ratios, shown, wall = [], [], [], 0, 0.0
        for _ in range(repeat):  # alternating, so drifting load hits both alike
            headless.append(_per_step(trainer.fit, steps))
            frames0, t0 = live_dash.frames, time.perf_counter()
            live.append(_per_step(live_dash.fit, steps))
            shown, wall = shown + live_dash.frames - frames0, wall + time.perf_counter() - t0
            ratios.append(live[-1] / headless[-1])
        return {
            "group": group,
            "case": f"training step with the view on, {label}",
            "ours_s": statistics.median(live),
            "peer": f"headless Trainer.step ({engine})",
            "peer_s": statistics.median(headless),
            "note": f"slow-down {statistics.median(ratios):.2f}x ({target}), pairs {min(ratios):.2f}x-"
            f"{max(ratios):.2f}x; {shown / wall:.0f} frames/s shown while training",
        }

    rows.append(slowdown("tensor", None, "redraw every step, Tensor", "target <= 2x", steps // 2, repeat))
    rows.append(slowdown("tensor", 20.0, "default throttle (20 fps), Tensor", "target ~1x", steps * 3, 2 * repeat + 3))
    rows.append(slowdown("scalar", None, "redraw every step, scalar", "target <= 2x", 3 if quick else 10, repeat))
    return rows


if __name__ == "__main__":
    for row in run(quick=True):
        print(row)
