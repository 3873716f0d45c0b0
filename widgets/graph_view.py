"""`GraphView`: the live picture of a computation graph in the browser (anywidget, a plain ES module).

Python lays the graph out once per structure and sends its SVG (`svg`); every frame after that sends
only what changed (`frame`: texts, picture cells, edge shading, the highlighted box), and the browser
patches the SVG it already shows, so nothing moves. ``fit`` scales the drawing to the width of its
column; off, it is drawn 1:1 in a scrolling box that keeps the highlighted box in view.
"""

from __future__ import annotations

import anywidget
import traitlets

from microgradx.layout import Layout
from microgradx.scene import Frame, palette

__all__ = ["GraphView", "frame_message"]

_ESM = r"""
function render({ model, el }) {
  el.classList.add("mgx-graph-view");
  const box = document.createElement("div");
  box.className = "mgx-graph-box";
  box.style.maxWidth = "100%";
  el.appendChild(box);
  let hot = -1;
  const palette = () => model.get("palette");

  function outline(b) {
    return box.querySelector(`[data-b="${b}"]`);
  }
  function setHot(h) {
    if (h === hot) return;
    const old = outline(hot);
    if (old) { old.setAttribute("stroke", "#000000"); old.setAttribute("stroke-width", "1"); }
    hot = h;
    const now = outline(h);
    if (now) { now.setAttribute("stroke", "#c0392b"); now.setAttribute("stroke-width", "3"); }
    keepInView();
  }
  function keepInView() {
    const now = outline(hot);
    if (!now || model.get("fit")) return;
    const r = now.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (r.left < b.left || r.right > b.right) box.scrollLeft += (r.left + r.right - b.left - b.right) / 2;
    if (r.top < b.top || r.bottom > b.bottom) box.scrollTop += (r.top + r.bottom - b.top - b.bottom) / 2;
  }
  function apply() {
    const f = model.get("frame");
    if (!f || !f.t) return;
    for (const node of box.querySelectorAll("[data-t]")) {
      const v = f.t[+node.dataset.t];
      if (v !== undefined && node.textContent !== v) node.textContent = v;
    }
    const colours = palette();
    for (const g of box.querySelectorAll("g[data-p]")) {
      const letters = f.p[+g.dataset.p] || "";
      const cells = g.children;
      for (let k = 0; k < cells.length - 1; k++) {
        const c = letters.length === cells.length - 1 ? letters.charCodeAt(k) - 97 : (colours.length - 1) / 2;
        cells[k].setAttribute("fill", colours[c]);
      }
    }
    for (const e of box.querySelectorAll("[data-e]")) {
      const s = f.e[+e.dataset.e];
      if (!s) continue;
      e.setAttribute("stroke", s[0]);
      if (e.tagName === "path") e.setAttribute("stroke-width", s[1]); else e.setAttribute("fill", s[0]);
    }
    setHot(f.h);
  }
  function fit() {
    const svg = box.querySelector("svg");
    const on = model.get("fit");
    box.style.overflow = on ? "hidden" : "auto";
    box.style.maxHeight = on ? "" : "70vh";
    if (svg) { svg.style.maxWidth = on ? "100%" : "none"; svg.style.height = "auto"; }
    keepInView();
  }
  function paint() {
    box.innerHTML = model.get("svg");
    hot = -1;
    const svg = box.querySelector("svg");
    const h = svg ? svg.querySelector('[stroke-width="3"][data-b]') : null;
    if (h) hot = +h.dataset.b;
    fit();
    apply();
  }
  model.on("change:svg", paint);
  model.on("change:frame", apply);
  model.on("change:fit", fit);
  paint();
}
export default { render };
"""


class GraphView(anywidget.AnyWidget):
    """The SVG of a `Layout` and its latest `Frame`; ``value`` is the SVG as it is shown now."""

    _esm = _ESM
    svg = traitlets.Unicode("").tag(sync=True)
    frame = traitlets.Dict().tag(sync=True)
    fit = traitlets.Bool(True).tag(sync=True)
    palette = traitlets.List(palette()).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.shown, self.current = None, None  # the Layout and Frame on screen

    def show(self, layout: Layout, frame: Frame) -> None:
        """Show `frame` on `layout`: the whole SVG when the layout is new, else only the frame."""
        self.current = frame
        if layout is not self.shown:
            self.shown = layout
            with self.hold_sync():
                self.svg = layout.svg(frame)
                self.frame = frame_message(frame)
        else:
            self.frame = frame_message(frame)

    @property
    def value(self) -> str:
        """The SVG with the current frame painted in (what the browser shows)."""
        return self.shown.svg(self.current) if self.shown is not None else ""


def frame_message(frame: Frame) -> dict:
    """A frame as the front end reads it: texts, picture letters, edge (colour, width), hot box."""
    edges = [e or ("#000000", 1.0) for e in frame.edges]
    return {"t": frame.texts, "p": [p[2] for p in frame.pics], "e": edges, "h": frame.hot}
