// NetworkView's front end (an anywidget ES module, no build step). Python sends `geometry` once per
// architecture and three binary arrays a frame (weights, biases, thumbnails); this turns them into pixels.
// Hovering a neuron sets the synced trait `hovered` to [layer, unit] (null on leaving), a click toggles
// `selected`; hovering a link or a bias shows its value in a card, as TensorFlow Playground does.

const LEVELS = 16; // shades of |weight| / max |weight| per sign: a path each, a few strokes a frame
const ORANGE = "#f59322", BLUE = "#0877bd";

function bytes(model, name) {
  const v = model.get(name);
  if (!v) return new Uint8Array(0);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function floats(model, name) {
  const b = bytes(model, name).slice(); // a copy starts at offset 0: aligned for Float32Array
  return new Float32Array(b.buffer, 0, Math.floor(b.byteLength / 4));
}

function element(tag, className, style, parent) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  Object.assign(e.style, style);
  if (parent) parent.appendChild(e);
  return e;
}

// The nodes of a layout: centre, layer and unit of each, inputs first; and the links' end points.
function geometry(layout) {
  const nodes = [], links = [], half = layout.box / 2;
  let start = 0;
  const starts = layout.sizes.map((n) => ((start += n), start - n));
  layout.sizes.forEach((n, layer) => {
    for (let unit = 0; unit < n; unit++) {
      const [x, y] = layout.nodes[starts[layer] + unit];
      nodes.push({ x, y, layer, unit });
    }
  });
  for (let layer = 1; layer < layout.sizes.length; layer++) {
    for (let k = 0; k < layout.sizes[layer]; k++) {
      for (let j = 0; j < layout.sizes[layer - 1]; j++) {
        const a = nodes[starts[layer - 1] + j], b = nodes[starts[layer] + k];
        links.push([a.x + half, a.y, b.x - half, b.y]);
      }
    }
  }
  return { nodes, links };
}

function labels(layout, root) {
  const w = layout.label_width;
  for (const c of layout.columns) {
    const box = element("div", "mgx-net-label", {
      position: "absolute", left: `${c.left}px`, top: "0px", width: `${w}px`,
    }, root);
    for (const text of [String(c.count), c.label]) {
      const line = element("div", "", {}, box);
      line.innerHTML = text; // escaped by Python
      line.title = line.textContent;
    }
  }
  const half = layout.box / 2, x = layout.columns[0].x - half - 4;
  layout.names.forEach((name, j) => {
    const [, y] = layout.nodes[j];
    const e = element("div", "mgx-net-name", { position: "absolute", right: `${layout.width - x}px`, top: `${y - 6}px` }, root);
    e.innerHTML = name;
  });
}

function neuron(model, state, node, root) {
  const half = state.layout.box / 2;
  const box = element("div", "mgx-node", {
    position: "absolute", left: `${node.x - half}px`, top: `${node.y - half}px`,
    width: `${2 * half}px`, height: `${2 * half}px`,
  }, root);
  box.dataset.layer = node.layer;
  box.dataset.unit = node.unit;
  const canvas = element("canvas", "", { width: "100%", height: "100%", display: "block" }, box);
  canvas.width = canvas.height = model.get("thumbnail");
  node.canvas = canvas;
  node.box = box;
  box.addEventListener("mouseenter", () => hover(model, [node.layer, node.unit]));
  box.addEventListener("mouseleave", () => hover(model, null));
  box.addEventListener("click", () => {
    const s = model.get("selected");
    const same = s && s[0] === node.layer && s[1] === node.unit;
    model.set("selected", same ? null : [node.layer, node.unit]);
    model.save_changes();
  });
  const output = state.layout.outputs && node.layer === state.layout.sizes.length - 1 && state.layout.outputs[node.unit];
  if (output) { // k classes: a strip of its class's colour beside each output neuron, its name on hover
    box.classList.add("mgx-class-output");
    box.title = `class ${output.name}`; // plain text: a title is never parsed as HTML
    element("div", "mgx-class-mark", { position: "absolute", left: "calc(100% + 2px)", top: "-1px",
      width: "5px", height: "calc(100% + 2px)", background: output.colour }, box);
  }
  if (node.layer > 0) {
    node.bias = element("div", "mgx-bias", { position: "absolute", left: "-7px", bottom: "-3px" }, box);
    node.bias.addEventListener("mouseenter", (e) => card(state, e, `bias ${fmt(state.biases[node.index])}`));
    node.bias.addEventListener("mouseleave", () => card(state, null));
  }
}

function hover(model, value) {
  model.set("hovered", value);
  model.save_changes();
}

function fmt(v) {
  return v === undefined ? "?" : Number.isFinite(v) ? v.toPrecision(3) : String(v);
}

function card(state, event, text) {
  const c = state.card;
  if (!event) return void (c.style.display = "none");
  const r = state.root.getBoundingClientRect();
  const x = event.clientX - r.left, y = event.clientY - r.top;
  c.textContent = text;
  c.style.display = "block";
  c.style.left = `${Math.min(x + 12, state.layout.width - 70)}px`;
  c.style.top = `${Math.max(y - 22, 0)}px`;
}

function build(model, el, state) {
  const layout = model.get("geometry");
  el.replaceChildren();
  state.layout = null;
  if (!layout || !layout.sizes) return;
  const root = element("div", "mgx-net-root", { position: "relative", width: `${layout.width}px`, height: `${layout.height}px` }, el);
  const canvas = element("canvas", "mgx-net-links", { position: "absolute", left: "0", top: "0", width: `${layout.width}px`, height: `${layout.height}px` }, root);
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(layout.width * dpr);
  canvas.height = Math.round(layout.height * dpr);
  Object.assign(state, { layout, root, canvas, dpr, ...geometry(layout), biases: new Float32Array(0), weights: new Float32Array(0) });
  labels(layout, root);
  let index = 0;
  for (const node of state.nodes) {
    node.index = node.layer > 0 ? index++ : -1; // position in the biases
    neuron(model, state, node, root);
  }
  state.card = element("div", "mgx-net-card", { position: "absolute", display: "none", pointerEvents: "none" }, root);
  root.addEventListener("mousemove", (e) => linkCard(state, e));
  root.addEventListener("mouseleave", () => card(state, null));
  marks(model, state);
}

// The link under the mouse (within 4 pixels), if the mouse is not over a neuron: its weight in the card.
function linkCard(state, event) {
  if (event.target !== state.canvas) return;
  const r = state.root.getBoundingClientRect();
  const px = event.clientX - r.left, py = event.clientY - r.top;
  let best = -1, bestD = 16;
  state.links.forEach(([x0, y0, x1, y1], i) => {
    const dx = x1 - x0, dy = y1 - y0;
    const t = Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy || 1)));
    const d = (x0 + t * dx - px) ** 2 + (y0 + t * dy - py) ** 2;
    if (d < bestD) [best, bestD] = [i, d];
  });
  card(state, best < 0 ? null : event, `weight ${fmt(state.weights[best])}`);
}

function drawLinks(state) {
  const ctx = state.canvas.getContext("2d"), w = state.weights;
  ctx.setTransform(state.dpr, 0, 0, state.dpr, 0, 0);
  ctx.clearRect(0, 0, state.layout.width, state.layout.height);
  if (w.length !== state.links.length) return;
  let scale = 1e-12;
  for (const v of w) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  // bucket 2 * level + sign: weak links first, strong ones on top whatever their sign
  const buckets = Array.from({ length: 2 * (LEVELS + 1) }, () => []);
  w.forEach((v, i) => {
    const a = Number.isFinite(v) ? Math.min(Math.abs(v) / scale, 1) : 1;
    buckets[2 * Math.round(a * LEVELS) + (v >= 0 ? 1 : 0)].push(i);
  });
  const thin = Math.min(1, state.layout.box / 24); // dense layers: thinner lines, or they hide each other
  buckets.forEach((links, b) => {
    if (!links.length) return;
    const a = Math.floor(b / 2) / LEVELS;
    ctx.beginPath();
    for (const i of links) {
      const [x0, y0, x1, y1] = state.links[i];
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
    }
    ctx.strokeStyle = b % 2 ? BLUE : ORANGE;
    ctx.lineWidth = (0.4 + 3.2 * a) * thin;
    ctx.globalAlpha = 0.15 + 0.85 * a;
    ctx.stroke();
  });
  ctx.globalAlpha = 1;
}

function colour(palette, v) {
  const i = Math.min(255, Math.max(0, Math.floor((Math.max(-1, Math.min(1, v || 0)) + 1) * 128))) * 3;
  return `rgb(${palette[i]},${palette[i + 1]},${palette[i + 2]})`;
}

function drawNodes(model, state) {
  const palette = bytes(model, "palette"), thumbs = bytes(model, "thumbnails");
  const t = model.get("thumbnail"), per = t * t, have = thumbs.length === per * state.nodes.length;
  state.nodes.forEach((node, n) => {
    if (node.bias) node.bias.style.background = colour(palette, state.biases[node.index]);
    const ctx = node.canvas.getContext("2d");
    if (!have) {
      ctx.fillStyle = node.layer > 0 ? colour(palette, state.biases[node.index]) : "#ffffff";
      return void ctx.fillRect(0, 0, t, t);
    }
    const image = ctx.createImageData(t, t);
    for (let p = 0; p < per; p++) {
      const c = thumbs[n * per + p] * 3;
      image.data.set([palette[c], palette[c + 1], palette[c + 2], 255], 4 * p);
    }
    ctx.putImageData(image, 0, 0);
  });
}

function marks(model, state) {
  if (!state.layout) return;
  const [h, s] = [model.get("hovered"), model.get("selected")];
  for (const node of state.nodes) {
    node.box.classList.toggle("mgx-hovered", !!h && h[0] === node.layer && h[1] === node.unit);
    node.box.classList.toggle("mgx-selected", !!s && s[0] === node.layer && s[1] === node.unit);
  }
}

function frame(model, state) {
  if (!state.layout) return;
  state.weights = floats(model, "weights");
  state.biases = floats(model, "biases");
  drawLinks(state);
  drawNodes(model, state);
}

const CSS = `
.mgx-net-root { font: 10px sans-serif; color: #333; user-select: none; }
.mgx-net-label { text-align: center; line-height: 12px; }
.mgx-net-label div { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.mgx-net-name { white-space: nowrap; line-height: 12px; }
.mgx-node { box-sizing: border-box; border: 1px solid #888; background: #fff; cursor: pointer; }
.mgx-node.mgx-hovered, .mgx-node.mgx-selected { outline: 2px solid #3c3c3c; }
.mgx-bias { width: 5px; height: 5px; border: 1px solid #888; box-sizing: border-box; }
.mgx-net-card { background: #fff; border: 1px solid #999; padding: 1px 4px; white-space: nowrap; z-index: 2; }
`;

function render({ model, el }) {
  const state = {};
  const style = element("style", "", {}, null);
  style.textContent = CSS;
  const redraw = () => { el.replaceChildren(); build(model, el, state); el.prepend(style); frame(model, state); };
  redraw();
  let pending = false; // one draw for the several traits of one frame
  const draw = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; frame(model, state); });
  };
  const mark = () => marks(model, state);
  model.on("change:geometry", redraw);
  model.on("change:weights change:biases change:thumbnails change:palette", draw);
  model.on("change:hovered change:selected", mark);
  return () => {
    model.off("change:geometry", redraw);
    model.off("change:weights change:biases change:thumbnails change:palette", draw);
    model.off("change:hovered change:selected", mark);
  };
}

export default { render };
