"""Rendering with Graphviz: `Drawing`, a `graphviz.Digraph` that explains a missing `dot` and saves pictures.

Importing this module imports no graphviz: the class is made on first use. Without Graphviz's `dot`
program, rendering falls back to graphviz-pure (a pip-installable port of `dot`, same layouts) if it
is installed, and otherwise raises `GraphvizNotFound`, which says how to install Graphviz and keeps
the DOT source.
"""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

__all__ = ["GraphvizNotFound", "drawing_class", "fallback_exe", "INSTALL_HINT"]

INSTALL_HINT = """\
Install Graphviz (the `dot` program), then restart the kernel:
    Debian/Ubuntu:  sudo apt-get install graphviz
    conda:          conda install -c conda-forge graphviz
    macOS:          brew install graphviz
    pip only:       pip install graphviz-pure   (a self-contained build microgradx falls back to)
The DOT source is available without it: `drawing.source` (or `error.source`)."""


class GraphvizNotFound(RuntimeError):
    """Graphviz's `dot` program is missing; `.source` still holds the DOT text of the drawing."""

    def __init__(self, source: str, what: str = "render the graph"):
        super().__init__(f"Graphviz's `dot` program is not on PATH, so microgradx cannot {what}.\n{INSTALL_HINT}")
        self.source = source


_CLASS = None


def drawing_class():
    """`Drawing`, a `graphviz.Digraph` subclass (made on first use: importing microgradx imports no graphviz)."""
    global _CLASS
    if _CLASS is None:
        try:
            import graphviz
        except ImportError:
            raise ImportError('drawing graphs needs the graphviz package: pip install "microgradx[widgets]"') from None
        _CLASS = type("Drawing", (_Drawing, graphviz.Digraph), {"__module__": __name__, "__doc__": _Drawing.__doc__})
    return _CLASS


class _Drawing:
    """A `graphviz.Digraph` whose rendering errors say how to install Graphviz, with `save(path)`.

    `picture`, when set, paints the SVG shown in a notebook and saved as .svg (from `dot`'s layout:
    scaled to fit its column, arrays drawn as pictures); `pipe()` is always Graphviz's own output.
    (The methods of `Drawing`; `drawing_class()` mixes them into `graphviz.Digraph` once graphviz is imported.)"""

    picture = None

    def pipe(self, format=None, *args, **kwargs):
        import graphviz

        try:
            return super().pipe(format, *args, **kwargs)
        except graphviz.ExecutableNotFound:
            out = _fallback_pipe(self.source, format or self.format)
            if out is None:
                raise GraphvizNotFound(self.source, f"render it as {format or self.format}") from None
            encoding = kwargs.get("encoding")
            return out.decode(encoding) if encoding else out

    def render(self, *args, **kwargs):
        import graphviz

        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound(self.source, "render it to a file") from None

    def save(self, filename=None, directory=None, *, skip_existing=False):
        """``save("g.svg")``/``("g.png")`` renders the picture; another suffix writes the DOT source."""
        suffix = Path(filename).suffix.lower() if filename is not None else ""
        if suffix in (".svg", ".png") and directory is None and skip_existing is False:
            if suffix == ".svg" and self.picture is not None:
                Path(filename).write_text(self.picture(), encoding="utf-8")
            else:
                Path(filename).write_bytes(self.pipe(format=suffix[1:]))
            return str(filename)
        return super().save(filename, directory=directory, skip_existing=skip_existing)

    def __repr__(self) -> str:  # Jupyter's text/plain beside the picture: no memory address, stable
        edges = sum("->" in line for line in self.body)
        return f"<Drawing {self.name!r}: {len(self.body) - edges} nodes, {edges} edges>"

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        from .pictures import drawing_png, with_png

        try:  # the SVG, and a PNG beside it for readers without a kernel (C7)
            if self.picture is not None and self._jupyter_mimetype == "image/svg+xml":
                bundle = {"image/svg+xml": self.picture()}
            else:
                bundle = super()._repr_mimebundle_(include, exclude, **kwargs)
        except GraphvizNotFound as e:  # a notebook shows the advice and the source, not a traceback
            return {"text/plain": f"{e}\n\n{self.source}"}
        return with_png(bundle, drawing_png, self, include, exclude)


def fallback_exe() -> str | None:
    """graphviz-pure (a pip-installable port of Graphviz's `dot`) on PATH or beside this Python, if installed."""
    return shutil.which("graphviz-pure") or shutil.which("graphviz-pure", path=sysconfig.get_path("scripts"))


def _fallback_pipe(source: str, fmt: str) -> bytes | None:
    """Render with graphviz-pure when `dot` is missing (None when it is not installed either).

    Its layouts match `dot`'s (same nodes, edges and ranks; checked in tests/test_graph.py)."""
    exe = fallback_exe()
    if exe is None:
        return None
    done = subprocess.run([exe, f"-T{fmt}"], input=source.encode(), capture_output=True, check=False)
    if done.returncode:
        raise RuntimeError(f"graphviz-pure failed to render the graph: {done.stderr.decode(errors='replace')}")
    return done.stdout
