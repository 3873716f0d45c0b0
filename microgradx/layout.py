"""A drawing laid out once by Graphviz and painted many times: `Layout`.

`dot` places the boxes of a `microgradx.scene.Scene` and hands back its drawing operations (xdot, as
JSON). A `Layout` keeps those shapes and paints them as SVG with a `Frame`'s numbers, array pictures,
edge shading and highlight. A live view lays out with every number as wide as the widest
(`Layout.live`), so no box moves while the numbers change, and it never calls `dot` again for the same
structure. Every changing element carries a ``data-*`` index, so a front end can patch a frame into the
SVG it already shows: ``data-t`` texts, ``data-p`` pictures, ``data-e`` edges, ``data-b`` box outlines.

The SVG scales down to the width of its container (``max-width: 100%``) and never up past its size.
"""

from __future__ import annotations

import json
from html import escape
from typing import NamedTuple

from .scene import EDGE_HOT, LEVELS, Frame, Scene, hex_colour, palette, picture_shape

__all__ = ["Layout", "live_layout"]

PALETTE = palette()
HOT = hex_colour(EDGE_HOT)


class _Text(NamedTuple):
    x: float
    y: float
    size: float
    text: str
    slot: int  # index into frame.texts, or -1 for fixed text


class Layout:
    """Positions of a scene's boxes and edges (points, y down), and `svg(frame)` to paint them."""

    def __init__(self, scene: Scene, xdot: dict, shapes: dict):
        """`xdot`: `dot -Tjson` of the scene's DOT; `shapes`: node position -> its array's shape (pictures)."""
        self.scene = scene
        x0, y0, x1, y1 = (float(v) for v in xdot["bb"].split(","))
        self.width, self.height = x1 - x0, y1 - y0
        by_name = {box.name: b for b, box in enumerate(scene.boxes)}
        text_slot, pic_slot = _slot_numbers(scene)
        self.boxes: list = [None] * len(scene.boxes)  # per box: (outline, extra shapes, texts, pictures, bounds)
        for obj in xdot.get("objects", ()):
            b = by_name.get(obj.get("name"))
            if b is not None:
                self.boxes[b] = self._box(b, obj, text_slot, pic_slot, shapes)
        if any(box is None for box in self.boxes):
            raise RuntimeError("Layout: Graphviz dropped a node of the drawing")
        edges = [e for e in xdot.get("edges", ())]
        if len(edges) != len(scene.edges):
            raise RuntimeError(f"Layout: {len(edges)} edges laid out for {len(scene.edges)} drawn")
        self.edges = [(self._path(e.get("_draw_", ())), self._arrow(e.get("_hdraw_", ()))) for e in edges]
        self.title = [_Text(*self._xy(op["pt"]), 12.0, op["text"], -1) for op in _texts(xdot.get("_ldraw_", ()))]

    @classmethod
    def of(cls, drawing, scene: Scene, nodes: list) -> Layout:
        """The layout `dot` gives `drawing` (a `graph.draw_dot` or `emit_dot` result) of `scene` over `nodes`."""
        xdot = json.loads(drawing.pipe(format="json"))
        shapes = {r.node: getattr(nodes[r.node].data, "shape", ()) for _, r in scene.slots if r.kind == "pic"}
        return cls(scene, xdot, shapes)

    # ---- reading dot's output -------------------------------------------------------------------------

    def _xy(self, pt) -> tuple[float, float]:
        return round(pt[0], 2), round(self.height - pt[1], 2)

    def _points(self, pts) -> str:
        return " ".join("{},{}".format(*self._xy(p)) for p in pts)

    def _box(self, b: int, obj: dict, text_slot: dict, pic_slot: dict, shapes: dict):
        outline, extra = "", []
        for op in obj.get("_draw_", ()):
            kind = op["op"]
            if kind in ("P", "p"):
                shape = f'<polygon points="{self._points(op["points"])}"'
            elif kind in ("E", "e"):
                cx, cy = self._xy(op["rect"][:2])
                shape = f'<ellipse cx="{cx}" cy="{cy}" rx="{op["rect"][2]}" ry="{op["rect"][3]}"'
            elif kind in ("B", "b"):
                pts = [self._xy(p) for p in op["points"]]
                d = f"M{pts[0][0]},{pts[0][1]}C" + " ".join(f"{x},{y}" for x, y in pts[1:])
                shape = f'<path d="{d}"'
            elif kind == "L":
                extra.append(f'<polyline points="{self._points(op["points"])}" fill="none" stroke="#000000"/>')
                continue
            else:
                continue
            if not outline:
                outline = shape
        rects = [self._rect(r) for r in obj["rects"].split()] if "rects" in obj else []
        rows = self.scene.boxes[b].rows if self.scene.boxes[b].kind != "op" else ()
        texts, pics = [], []
        for op in _texts(obj.get("_ldraw_", ())):
            x, y = self._xy(op["pt"])
            k = _field_of(rects, x, y)
            row = rows[k] if k is not None and k < len(rows) else None
            if row is not None and row.kind in ("pic", "gpic"):
                continue  # the room kept for a picture
            slot = text_slot.get((b, k), -1) if row is not None else -1
            texts.append(_Text(x, y, float(op.get("size", 11.0)), op["text"], slot))
        for k, row in enumerate(rows):
            if row.kind in ("pic", "gpic") and k < len(rects):
                pics.append((pic_slot[(b, k)], rects[k], picture_shape(shapes.get(row.node, ()))))
        xs = [float(v) for v in obj["pos"].split(",")] if "pos" in obj else [0.0, 0.0]
        w, h = float(obj.get("width", 0)) * 72, float(obj.get("height", 0)) * 72
        cx, cy = self._xy(xs)
        return outline, extra, texts, pics, (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)

    def _rect(self, text: str) -> tuple[float, float, float, float]:
        llx, lly, urx, ury = (float(v) for v in text.split(","))
        return llx, self.height - ury, urx, self.height - lly

    def _path(self, ops) -> str:
        for op in ops:
            if op["op"] in ("b", "B"):
                pts = [self._xy(p) for p in op["points"]]
                return f"M{pts[0][0]},{pts[0][1]}C" + " ".join(f"{x},{y}" for x, y in pts[1:])
        return ""

    def _arrow(self, ops) -> str:
        for op in ops:
            if op["op"] in ("P", "p"):
                return self._points(op["points"])
        return ""

    # ---- painting ---------------------------------------------------------------------------------------

    def bounds(self, b: int) -> tuple[float, float, float, float]:
        """Box `b`'s rectangle (x0, y0, x1, y1) in the SVG's coordinates (points, y down)."""
        return self.boxes[b][4]

    def svg(self, frame: Frame) -> str:
        """The drawing with `frame`'s numbers, pictures, shading and highlight, as one SVG document."""
        w, h = round(self.width, 2), round(self.height, 2)
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="mgx-graph-svg" width="{w}pt" height="{h}pt" '
            f'viewBox="0 0 {w} {h}" style="max-width:100%;height:auto" font-family="Times,serif">',
            f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
        ]
        out += [_text(t) for t in self.title]
        for e, (path, arrow) in enumerate(self.edges):
            colour, width = frame.edges[e] or ("#000000", 1.0)
            out.append(
                f'<g class="edge"><path data-e="{e}" d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"/>'
                f'<polygon data-e="{e}" points="{arrow}" fill="{colour}" stroke="{colour}"/></g>'
            )
        for b, (outline, extra, texts, pics) in enumerate(box[:4] for box in self.boxes):
            out.append(self._paint_box(b, outline, extra, texts, pics, frame))
        out.append("</svg>")
        return "\n".join(out)

    def _paint_box(self, b: int, outline: str, extra: list, texts: list, pics: list, frame: Frame) -> str:
        stroke = f'stroke="{HOT}" stroke-width="3"' if b == frame.hot else 'stroke="#000000" stroke-width="1"'
        parts = [
            f'<g class="node" id="mgx-b{b}">',
            f'{outline} data-b="{b}" fill="{self.scene.boxes[b].fill}" {stroke}/>',
        ]
        parts += extra
        for t in texts:
            parts.append(_text(t if t.slot < 0 else t._replace(text=frame.texts[t.slot])))
        for slot, rect, shape in pics:
            parts.append(_picture(slot, rect, shape, frame.pics[slot]))
        parts.append("</g>")
        return "".join(parts)


def _slot_numbers(scene: Scene) -> tuple[dict, dict]:
    """(box, row) -> its index in frame.texts, and (box, row) -> its index in frame.pics."""
    text_slot, pic_slot = {}, {}
    for b, row in scene.slots:
        k = scene.boxes[b].rows.index(row)
        if row.kind in ("pic", "gpic"):
            pic_slot[(b, k)] = len(pic_slot)
        else:
            text_slot[(b, k)] = len(text_slot)
    return text_slot, pic_slot


def _texts(ops):
    size = 11.0
    for op in ops:
        if op["op"] == "F":
            size = op["size"]
        elif op["op"] == "T":
            yield {**op, "size": size}


def _field_of(rects: list, x: float, y: float) -> int | None:
    for k, (x0, y0, x1, y1) in enumerate(rects):
        if x0 <= x <= x1 and y0 - 1 <= y <= y1 + 1:
            return k
    return None


def _text(t: _Text) -> str:
    slot = f' data-t="{t.slot}"' if t.slot >= 0 else ""
    return f'<text x="{t.x}" y="{t.y}" text-anchor="middle" font-size="{t.size}"{slot}>{escape(t.text)}</text>'


def _picture(slot: int, rect: tuple, shape: tuple[int, int], pic: tuple) -> str:
    """An array's heatmap in the field `rect`: `shape` (rows, cols) cells, coloured by `pic`'s letters."""
    rows, cols = shape
    x0, y0, x1, y1 = rect
    if rows == 0 or cols == 0:
        return f'<g data-p="{slot}"></g>'
    cell = min((x1 - x0 - 6) / cols, (y1 - y0 - 6) / rows, 10.0)
    left = (x0 + x1 - cell * cols) / 2
    top = (y0 + y1 - cell * rows) / 2
    letters = pic[2] if pic[2] and len(pic[2]) == rows * cols else chr(97 + LEVELS) * (rows * cols)
    cells = [
        f'<rect x="{left + c * cell:.2f}" y="{top + r * cell:.2f}" width="{cell:.2f}" height="{cell:.2f}" '
        f'fill="{PALETTE[ord(letters[r * cols + c]) - 97]}"/>'
        for r in range(rows)
        for c in range(cols)
    ]
    frame = (
        f'<rect x="{left:.2f}" y="{top:.2f}" width="{cell * cols:.2f}" height="{cell * rows:.2f}" '
        f'fill="none" stroke="#999999" stroke-width="0.5"/>'
    )
    return f'<g data-p="{slot}">' + "".join(cells) + frame + "</g>"


def live_layout(scene: Scene, nodes: list, rankdir: str = "LR", title: str = "") -> Layout:
    """A layout in which every number has the room of the widest, so frames change numbers, never positions."""
    from .graph import emit_dot, new_drawing

    drawing = new_drawing("svg", rankdir, title)
    emit_dot(drawing, scene, scene.frame(nodes, None), fixed=True)
    return Layout.of(drawing, scene, nodes)
