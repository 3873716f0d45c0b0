"""`Runner`: the dashboard's run loop. One background thread runs `Trainer.fit`; one lock guards its state.

The loop is the Trainer's own (`fit(steps=None)` with a pace, `stop()`); the runner only decides which fit
runs: at most one at a time, in its one thread. Every call is safe from any thread (a button, a cell, a
timer): a new run first stops the one before and waits for it (outside the lock, so the run can finish its
frame); a stop is never lost (the Trainer keeps it until a fit honours it); the training thread never waits
for itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["Runner"]


class Runner:
    """Runs `trainer.fit(steps)` in a background thread, one run at a time.

    `on_end(error)` is called in the training thread, under `lock`, when a run ends: `error` is what ended it
    (an exception, a KeyboardInterrupt too) or None after a stop or the last step.

    >>> import threading
    >>> from microgradx.data import moons
    >>> from microgradx.nn import MLP
    >>> from microgradx.train import Trainer
    >>> trainer = Trainer(MLP(2, [4, 1], seed=0), data=moons(30, seed=0))
    >>> runner = Runner(threading.RLock(), lambda error: None)
    >>> runner.run(lambda: trainer, 5)
    >>> len(trainer.history), runner.running
    (5, False)
    """

    def __init__(self, lock: threading.RLock, on_end: Callable[[BaseException | None], None]):
        self.lock = lock
        self.on_end = on_end
        self._thread: threading.Thread | None = None
        self._trainer = None
        self._steps: int | None = None  # of the current run; None: until stopped (Play)
        self._stopping = False  # the current run was asked to stop

    @property
    def running(self) -> bool:
        """A run is on and nobody has asked it to stop."""
        with self.lock:
            return self._thread is not None and not self._stopping

    @property
    def playing(self) -> bool:
        """A run until stopped (Play) is on, and nobody has asked it to stop."""
        with self.lock:
            return self.running and self._steps is None

    @property
    def idle(self) -> bool:
        """No training thread at all (hold `lock` to keep it so)."""
        return self._thread is None

    @property
    def in_training_thread(self) -> bool:
        return self._thread is threading.current_thread()

    def start(self, source: Callable, steps: int | None = None, pace=None) -> threading.Thread | None:
        """Run `trainer.fit(steps, pace=pace)` in the background, after stopping (and waiting for) any run
        before it; `source()` gives the trainer, under the lock, once the runner is idle (None: start nothing).
        A Play (steps None) while a Play is on keeps that one."""
        while True:
            with self.lock:
                if steps is None and self.playing:
                    return self._thread
                if self._thread is None:
                    trainer = source()
                    if trainer is None:
                        return None
                    self._trainer, self._steps, self._stopping = trainer, steps, False
                    self._thread = threading.Thread(
                        target=self._body, args=(trainer, steps, pace), name="microgradx-train", daemon=True
                    )
                    self._thread.start()  # started before anyone can see it: joinable at once
                    return self._thread
            self.stop()

    def stop(self) -> None:
        """Stop the current run after its current step and wait until its thread has ended (not from itself)."""
        with self.lock:
            thread = self._thread
            if thread is None:
                return
            self._stopping = True
            self._trainer.stop()
        if thread is not threading.current_thread():
            thread.join()

    def run(self, source: Callable, steps: int) -> None:
        """`steps` steps in the training thread at full speed; returns when they are done. Ctrl-C here
        stops the run."""
        if self.in_training_thread:
            raise RuntimeError("the training thread cannot wait for its own run (call pause() there instead)")
        thread = self.start(source, steps)
        if thread is None:
            return
        try:
            thread.join()
        except KeyboardInterrupt:
            self.stop()
            raise

    def _body(self, trainer, steps, pace) -> None:
        error = None
        try:
            trainer.fit(steps, pace=pace)
        except BaseException as e:  # noqa: BLE001 - a thread has nobody to raise to: on_end shows it
            error = e
        finally:
            with self.lock:
                if self._stopping:  # a stop that came after fit's last check: it must not stop the next fit
                    trainer.fit(0)  # takes no step; clears the stop
                if self._thread is threading.current_thread():
                    self._thread, self._trainer = None, None
                self.on_end(error)
