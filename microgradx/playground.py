"""`microgradx playground`: the TrainingDashboard alone as a web page, for a class projector or for students
who do not write code. Voila runs the page's notebook (`microgradx/playground.ipynb`, shipped with the
package) on a kernel of this Python and shows only its output, on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from importlib import resources

from .data import DATASETS

__all__ = ["serve", "command", "PAGE"]

PAGE = "playground.ipynb"


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(notebook: str, port: int) -> list[str]:
    """The Voila command line that serves `notebook` on 127.0.0.1:`port`, without opening a browser."""
    return [
        sys.executable,  # Voila's kernel spec "python3" then resolves to this interpreter
        "-m",
        "voila",
        notebook,
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--no-browser",
        "--Voila.port_retries=0",
        "--theme=light",
    ]


def serve(port: int | None = None, dataset: str = "moons") -> int:
    """Serve the playground page until Ctrl-C (or until Voila exits); prints its URL; returns an exit code."""
    if port is not None and not (isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535):
        raise ValueError(f"serve: port must be an integer in [1, 65535], got {port!r}")
    if dataset not in DATASETS:
        raise ValueError(f"serve: unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    if shutil.which("voila") is None and not _importable("voila"):
        raise ImportError('the playground needs Voila: pip install "microgradx[widgets]"')
    port = free_port() if port is None else port
    with resources.as_file(resources.files("microgradx") / PAGE) as page:
        env = {**os.environ, "MICROGRADX_PLAYGROUND_DATASET": dataset}
        process = subprocess.Popen(command(str(page), port), env=env, cwd=str(page.parent))
        print(f"microgradx playground: http://127.0.0.1:{port}/  (Ctrl-C stops it)", flush=True)
        previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops Voila too, as Ctrl-C does
        try:
            return process.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)
            _stop(process)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
