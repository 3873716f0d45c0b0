"""Pictures as PNG bytes that are the same on every run, and files written whole.

A saved notebook keeps each display's `image/png` beside its live representations (a widget view, an
SVG). Readers without a kernel show that picture: GitHub, nbviewer, VS Code's preview, nbconvert HTML,
and JupyterLab before the notebook is trusted (it shows no SVG then). nbval does not compare `image/png`
(only `text/plain`, SVG, HTML), but the lessons are also checked byte for byte on re-execution, so the
PNGs here carry no metadata (no timestamp, no software name): Pillow writes only the image chunks.

>>> from PIL import Image
>>> png_bytes(Image.new("RGB", (2, 2))) == png_bytes(Image.new("RGB", (2, 2)))
True
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["PNG", "png_bytes", "figure_image", "figure_png", "drawing_png", "with_png", "write_atomic"]

PNG = "image/png"


def png_bytes(image, *, compress_level: int = 6, colors: int | None = None, keep=()) -> bytes:
    """`image` (a Pillow image) as PNG bytes without metadata chunks: the same pixels give the same bytes.

    `colors`: a palette of at most that many colours (median cut, no dithering: deterministic), about a
    third of the bytes for the diagrams a notebook keeps. `keep`: colours ('#rrggbb') the palette holds
    exactly whatever their share of the pixels; median cut alone merges a colour that covers few pixels (a
    class's points and legend dot) into a big neighbour."""
    if colors is not None:
        from PIL import Image

        image = image.convert("RGB")
        kept = [int(c[i : i + 2], 16) for c in keep for i in (1, 3, 5)]
        palette = image.quantize(colors - len(keep), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        if kept:  # the median-cut colours plus the kept ones, each pixel mapped to the nearest
            palette.putpalette(palette.getpalette()[: 3 * (colors - len(keep))] + kept)
            palette = image.quantize(palette=palette, dither=Image.Dither.NONE)
        image = palette
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=compress_level)
    return out.getvalue()


def figure_image(figure):
    """A Matplotlib `Figure` drawn with Agg, as a Pillow RGB image (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")


def figure_png(figure, *, compress_level: int = 6, colors: int | None = None, keep=()) -> bytes:
    """A Matplotlib `Figure` as deterministic PNG bytes (`colors`, `keep`: see `png_bytes`)."""
    return png_bytes(figure_image(figure), compress_level=compress_level, colors=colors, keep=keep)


def drawing_png(drawing, *, max_width: int = 4000) -> bytes:
    """A graphviz drawing (`draw_dot`'s `Drawing`) rendered by `dot` as PNG, re-encoded without metadata and
    scaled down only past `max_width` pixels (readers scale a wide picture to fit; it keeps its detail)."""
    from PIL import Image

    image = Image.open(io.BytesIO(drawing.pipe(format="png"))).convert("RGB")
    if image.width > max_width:
        image = image.resize((max_width, max(1, round(image.height * max_width / image.width))), Image.LANCZOS)
    return png_bytes(image, colors=256)


def with_png(
    bundle: dict,
    render: Callable[[object], bytes],
    obj,
    include: Iterable | None = None,
    exclude: Iterable | None = None,
) -> dict:
    """`bundle` (`obj`'s `_repr_mimebundle_`) with `image/png` = `render(obj)` added beside what it has.

    Left out when the caller's `include`/`exclude` leave it out, or when the picture cannot be made here
    (no Graphviz `dot`, no Pillow): the live representation and the text stay, so a display never fails
    for want of its static copy.
    """
    if (include is not None and PNG not in include) or (exclude is not None and PNG in exclude):
        return bundle
    try:
        png = render(obj)
    except (RuntimeError, OSError, ImportError):  # GraphvizNotFound, graphviz-pure failing, no Pillow
        return bundle
    return {**bundle, PNG: png}


def write_atomic(path, data: bytes | str) -> Path:
    """Write `data` to `path` whole: into a temporary file in the same folder, then renamed over `path`, so a
    failure (or an interrupt) leaves either the old file or the new one, never half of one."""
    path = Path(path)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
