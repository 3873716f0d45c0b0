"""Training and drawing speed: micrograd's demo preset per engine, grid evaluation, BoundaryPlot frames.

- Steps per second of the preset (MLP(2, [16, 16, 1]), 100 moons, SVM loss + 1e-4 L2, full batch) through
  `Trainer.step()`, with the scalar engine (one Value per number, inside `gc_paused()`) and the Tensor engine
  (the same weights as `Sequential.from_mlp`). The peer of the scalar step is micrograd 0.1.0's own demo
  step on the same weights, when micrograd is installed (`make bench` installs it).
- `predict` on a 200 x 200 grid (NumPy forward of the scalar MLP's weights).
- A `BoundaryPlot` frame: `update(model, history)` + `to_png()` at 100 x 100 and 200 x 200 cells.

Times are CPU seconds of this process (`time.process_time`), medians after warm-up: the work is
single-threaded and other load on the machine then adds little noise. BLAS is limited to one thread
while timing, for the same reason.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import numpy as np

from microgradx.nn import predict
from microgradx.train import Trainer, micrograd_demo

CLOCK = time.process_time


def _median(fn: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = CLOCK()
        fn()
        samples.append(CLOCK() - t0)
    return statistics.median(samples)


def _micrograd_step(trainer: Trainer) -> Callable[[], object] | None:
    """micrograd's demo loop body on a copy of the trainer's weights, or None without micrograd."""
    try:
        from micrograd import nn as mnn
        from micrograd.engine import Value as MValue
    except ImportError:
        return None
    state = random.getstate()
    try:
        model = mnn.MLP(2, [16, 16, 1])
    finally:
        random.setstate(state)
    for p, q in zip(model.parameters(), trainer.params):
        p.data = q.data
    X, y = trainer.data.X.tolist(), trainer.data.y.tolist()

    def step():
        inputs = [list(map(MValue, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.01 * p.grad  # a small lr: timing many steps must not wander off

    return step


def run(quick: bool = False) -> list[dict]:
    from threadpoolctl import threadpool_limits

    from microgradx.nn import Sequential
    from microgradx.plot import BoundaryPlot

    rows = []
    with threadpool_limits(1):
        steps = 3 if quick else 10
        scalar = micrograd_demo()
        scalar.lr_schedule = lambda k: 0.01  # keep the weights where they are while timing
        tensor_model = Sequential.from_mlp(scalar.model)
        tensor = Trainer(tensor_model, "hinge", "sgd", scalar.data, lr=0.01, l2=1e-4, seed=0)
        peer_step = _micrograd_step(scalar)
        scalar_s = _median(scalar.step, steps)
        peer_s = _median(peer_step, steps) if peer_step else None
        rows.append(
            {
                "group": "train",
                "case": "preset step, scalar engine (Trainer.step)",
                "ours_s": scalar_s,
                "peer": "micrograd 0.1.0 demo step (GC on)" if peer_step else None,
                "peer_s": peer_s,
                "note": f"{1 / scalar_s:.1f} steps/s; full micrograd demo = 100 steps",
            }
        )
        tensor_s = _median(tensor.step, 20 if quick else 200, warmup=5)
        rows.append(
            {
                "group": "train",
                "case": "preset step, Tensor engine (Trainer.step)",
                "ours_s": tensor_s,
                "peer": None,
                "peer_s": None,
                "note": f"{1 / tensor_s:.0f} steps/s; same weights via Sequential.from_mlp",
            }
        )
        trained = micrograd_demo()
        trained.fit(3 if quick else 30, progress=False)
        grid = np.random.default_rng(0).uniform(-2, 2, size=(200 * 200, 2))
        grid_s = _median(lambda: predict(trained.model, grid), 5 if quick else 30, warmup=2)
        rows.append(
            {
                "group": "train",
                "case": "predict, scalar MLP(2,16,16,1) on a 200x200 grid",
                "ours_s": grid_s,
                "peer": None,
                "peer_s": None,
                "note": "NumPy forward of the stacked weights",
            }
        )
        for resolution in (100, 200):
            plot = BoundaryPlot(trained.data, resolution=resolution)

            def frame(plot=plot):
                plot.update(trained.model, trained.history)
                return plot.to_png()

            frame_s = _median(frame, 5 if quick else 30, warmup=3)
            rows.append(
                {
                    "group": "train",
                    "case": f"BoundaryPlot frame {resolution}x{resolution} (update + PNG)",
                    "ours_s": frame_s,
                    "peer": None,
                    "peer_s": None,
                    "note": f"{1 / frame_s:.0f} frames/s, 860x400 px, with loss panel",
                }
            )
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick=True):
        print(f"{row['case']:<55} {row['ours_s'] * 1e3:9.2f} ms  {row['note']}")
