"""Timing helpers shared by every `bench/bench_*.py`: warm up, repeat, take the median."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

__all__ = ["median_time", "times", "spread"]


def times(
    fn: Callable[[], object], repeat: int = 7, warmup: int = 2, *, collect: bool = True, clock=time.perf_counter
) -> list[float]:
    """Seconds of `repeat` calls of `fn()` after `warmup` untimed calls, by `clock` (wall-clock by default;
    `time.process_time` counts only this process's CPU time, steadier on a busy machine for one-thread code).

    With `collect` (the default) a `gc.collect()` runs before each timed call, outside the timing, so
    garbage left by earlier calls does not bias the next one. The collector's on/off state is left as
    the caller set it: time a step "as users run it" with GC on, or inside `gc_paused()` to exclude it.
    """
    if repeat < 1 or warmup < 0:
        raise ValueError(f"median_time needs repeat >= 1 and warmup >= 0, got repeat={repeat}, warmup={warmup}")
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        if collect:
            gc.collect()
        t0 = clock()
        fn()
        out.append(clock() - t0)
    return out


def median_time(
    fn: Callable[[], object], repeat: int = 7, warmup: int = 2, *, collect: bool = True, clock=time.perf_counter
) -> float:
    """Median seconds of one call of `fn()` (wall-clock unless `clock` says otherwise; see `times`).

    >>> median_time(lambda: sum(range(1000)), repeat=3, warmup=1) > 0
    True
    """
    return statistics.median(times(fn, repeat, warmup, collect=collect, clock=clock))


def spread(samples: list[float]) -> float:
    """Relative spread of timings, (max - min) / median: the noise to report beside a median."""
    m = statistics.median(samples)
    return (max(samples) - min(samples)) / m if m > 0 else 0.0
