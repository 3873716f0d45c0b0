"""`Throttle`: redraw at most `max_fps` times a second, however fast the steps come; always end on the last state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Throttle"]


class Throttle:
    """Coalesce many "the state changed" calls into at most `max_fps` calls of `draw()`.

    `request()` is called after every step. It draws at once, in the caller's thread, if the last frame
    is old enough; otherwise it only marks the view stale, and that frame is owed: a later request draws
    it, or `flush()`, which the caller runs when the steps stop (the end of `fit`, Pause), so the view
    always ends on the last state. ``max_fps=None`` draws on every request. `lock` (the dashboard's one
    lock) is held while a frame is drawn.

    Frames are drawn between two steps, in the training thread, rather than by a drawing thread of their
    own: two threads would take turns on the GIL at every NumPy and Pillow call of a frame (each releases
    it), and each hand-over costs the training thread a wake-up. Measured on 2 cores at 20 frames a second,
    a drawing thread slowed training 1.25x; drawing between steps costs what the frames cost (5-10%),
    and a frame drawn between two steps sees a consistent state without copying it.

    Watching must not cost much training: besides `max_fps`, frames are spaced so that drawing takes at
    most `budget` of the time (a frame that took 20 ms of CPU time, with budget 0.1, waits 200 ms for the
    next), so with a big model or on a slow machine the view gets choppier rather than training slower.

    >>> frames = []
    >>> t = Throttle(lambda: frames.append(len(frames)), max_fps=1)
    >>> for _ in range(1000):
    ...     t.request()
    >>> t.flush()
    >>> len(frames)   # the first request draws at once, the rest are owed one frame, drawn by flush()
    2
    """

    def __init__(
        self,
        draw: Callable[[], object],
        max_fps: float | None = 20.0,
        *,
        budget: float = 0.2,
        lock=None,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = time.thread_time,
    ):
        if max_fps is not None and not (isinstance(max_fps, (int, float)) and max_fps > 0):
            raise ValueError(f"Throttle: max_fps must be a positive number or None, got {max_fps!r}")
        if not (isinstance(budget, (int, float)) and 0 < budget <= 1):
            raise ValueError(f"Throttle: budget must be a fraction in (0, 1], got {budget!r}")
        self.draw = draw
        self._clock, self._cpu_clock = clock, cpu_clock  # seconds; tests give their own
        self.max_fps, self.budget = max_fps, budget
        self.frames = 0  # frames drawn so far
        self._lock = lock or threading.RLock()  # one frame at a time, whichever thread asks (the dashboard's lock)
        self._pending = False  # the state changed since the last frame started
        self._last = -float("inf")  # when the last frame started (perf_counter)
        self._cost = 0.0  # the CPU time a frame takes (a moving average)

    @property
    def interval(self) -> float:
        """Seconds from the start of a frame to the start of the next (at least)."""
        if self.max_fps is None:
            return 0.0
        return max(1.0 / self.max_fps, self._cost / self.budget)

    @property
    def pending(self) -> bool:
        """True while a frame is owed (the view shows an older state)."""
        return self._pending

    def request(self) -> None:
        """The state changed: draw now if the last frame is old enough, else owe a frame."""
        self._pending = True
        if self._clock() - self._last >= self.interval:
            self.flush()

    def flush(self) -> None:
        """Draw the owed frame now, if any. An error of `draw` is raised here; the next request draws again."""
        with self._lock:
            if not self._pending:
                return
            self._pending = False
            self._last, cpu = self._clock(), self._cpu_clock()
            try:
                self.draw()
            finally:  # smoothed: one coarse reading of a coarse clock (Windows: 15.6 ms) must not stall the view
                cost = self._cpu_clock() - cpu
                self._cost = cost if self.frames == 0 else 0.7 * self._cost + 0.3 * cost
            self.frames += 1

    def force(self) -> None:
        """Redraw now, whatever the rate."""
        self._pending = True
        self.flush()

    def __repr__(self) -> str:
        return f"Throttle(max_fps={self.max_fps!r}, budget={self.budget}, frames={self.frames})"
