"""`Throttle`: redraw at most `max_fps` times a second, however fast the steps come; always end on the last state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Throttle"]


class Throttle:
    """Coalesce many "the state changed" calls into at most `max_fps` calls of `draw()`, in a drawing thread.

    `request()` is cheap and never waits for a frame: it marks the view stale and wakes the drawing
    thread, which draws at once if the last frame is old enough, else when it is. Requests that come
    while a frame is owed are merged into it, and a request is always followed by a frame drawn after
    it (the trailing redraw), so the view ends on the last state. `flush()` waits for that frame.

    Watching must not cost much training: besides `max_fps`, frames are spaced so that drawing uses at
    most `budget` of a CPU (a frame that took 20 ms of CPU time, with budget 0.25, waits 80 ms for the
    next), so on a slow machine the view gets choppier rather than the training slower.

    `draw` must read a consistent state by itself (the dashboard copies the weights under the trainer's
    lock). `max_fps=None` draws synchronously in the caller's thread on every request (to measure the
    cost of a redraw per step).

    >>> frames = []
    >>> t = Throttle(lambda: frames.append(len(frames)), max_fps=10)
    >>> for _ in range(1000):
    ...     t.request()
    >>> t.flush()
    >>> 1 <= len(frames) <= 3   # the first request draws at once, the rest are merged into one more frame
    True
    """

    def __init__(self, draw: Callable[[], object], max_fps: float | None = 20.0, *, budget: float = 0.25):
        if max_fps is not None and not (isinstance(max_fps, (int, float)) and max_fps > 0):
            raise ValueError(f"Throttle: max_fps must be a positive number or None, got {max_fps!r}")
        if not (isinstance(budget, (int, float)) and 0 < budget <= 1):
            raise ValueError(f"Throttle: budget must be a fraction in (0, 1], got {budget!r}")
        self.draw = draw
        self.max_fps, self.budget = max_fps, budget
        self.frames = 0  # frames drawn so far
        self.error: BaseException | None = None  # the last exception `draw` raised in the drawing thread
        self._cond = threading.Condition()
        self._pending = False  # a request came after the last frame started
        self._urgent = False  # flush() is waiting: draw now, never mind the spacing
        self._worker: threading.Thread | None = None
        self._last = -float("inf")  # when the last frame started (perf_counter)
        self._cost = 0.0  # the CPU time it took (the drawing thread's)

    @property
    def interval(self) -> float:
        """Seconds from the start of a frame to the start of the next (at least)."""
        if self.max_fps is None:
            return 0.0
        return max(1.0 / self.max_fps, self._cost / self.budget)

    def request(self) -> None:
        """The state changed: a frame showing it (or a later state) will be drawn."""
        if self.max_fps is None:
            self._draw_now()
            return
        with self._cond:
            self._pending = True
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="microgradx-redraw", daemon=True)
                self._worker.start()

    def flush(self, timeout: float = 60.0) -> None:
        """Draw what is owed now and wait for it (re-raising an error `draw` raised meanwhile)."""
        with self._cond:
            self._urgent = True
            self._cond.notify_all()
            done = self._cond.wait_for(lambda: self._worker is None, timeout)
            self._urgent = False
            error, self.error = self.error, None
        if not done:
            raise TimeoutError(f"Throttle.flush: the view was not redrawn within {timeout} s")
        if error is not None:
            raise error

    def force(self) -> None:
        """Redraw now and wait for it."""
        self.request()
        self.flush()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._pending:
                        self._worker, self._urgent = None, False  # idle: the next request starts a new thread
                        self._cond.notify_all()
                        return
                    wait = self._last + self.interval - time.perf_counter()
                    if wait <= 0 or self._urgent:
                        break
                    self._cond.wait(wait)  # requests arriving meanwhile join this frame
                self._pending = self._urgent = False
                self._last = time.perf_counter()
            cpu = time.thread_time()
            try:
                self._draw_now()
            except BaseException as e:  # keep the thread alive; flush() reports it
                self.error = e
            self._cost = time.thread_time() - cpu

    def _draw_now(self) -> None:
        self.draw()
        self.frames += 1

    def __repr__(self) -> str:
        return f"Throttle(max_fps={self.max_fps!r}, budget={self.budget}, frames={self.frames})"
