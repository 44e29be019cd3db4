// The latent canvas: Streamlit component (v1 protocol, no build step). Draws the maps the
// server publishes with plotly.js, runs the models in the browser (decoder.js) and sends
// back what the user does. Message contract: README.md beside this file.

import { Classifier, Network, loadKernel, toBytes } from "./decoder.js";
import { lensCells, predictionWords } from "./lens.js";
import { interpolate, labelPlace, prepareDrawing } from "./paths.js";
import { RoomChannel } from "./channel.js";
import { followed, quizWords, selectedIndices } from "./follow.js";
import { onPlane, toPlane } from "./planes.js";

const root = document.getElementById("root");
// plotly.js loads in parallel (index.html): the figure and the model are fetched meanwhile.
const plotlyReady = new Promise((resolve, reject) => {
  if (window.Plotly) return resolve(window.Plotly);
  const script = document.querySelector('script[src*="plotly.min.js"]');
  script.addEventListener("load", () => resolve(window.Plotly));
  script.addEventListener("error", () => reject(new Error("plotly.js could not be loaded")));
});
let Plotly = window.Plotly;
const kernelReady = loadKernel(new URL("./dense.wasm", import.meta.url)); // dense layers in WebAssembly SIMD
const session = Math.random().toString(36).slice(2, 10);
let counter = 0;
const stats = (window.__latentCanvas = { hover: [], pin: [], decode: [], renders: 0, firstMap: null, interactive: null,
  modelBytes: {}, figureBytes: {}, followed: [], published: [] });

// --- Streamlit messages -----------------------------------------------------------

function post(type, data = {}) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}

function emit(event) {
  counter += 1;
  post("streamlit:setComponentValue", { value: { ...event, id: `${session}-${counter}` }, dataType: "json" });
}

let lastHeight = 0;
function fitHeight() {
  const height = Math.ceil(root.getBoundingClientRect().height) + 8;
  if (height !== lastHeight) {
    lastHeight = height;
    post("streamlit:setFrameHeight", { height });
  }
}

// --- fetched once per URL (names carry their content hash; the HTTP cache keeps them) --

const networks = new Map();
const figures = new Map();
const classifiers = new Map();

function fetchOnce(cache, url, read) {
  if (!cache.has(url)) {
    cache.set(url, fetch(url).then(async (response) => {
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      return read(await response.arrayBuffer());
    }));
  }
  return cache.get(url);
}

const loadNetwork = (url) => fetchOnce(networks, url, (buffer) => {
  stats.modelBytes[url] = buffer.byteLength;
  return new Network(buffer);
});
const loadClassifier = (url) => fetchOnce(classifiers, url, (buffer) => new Classifier(buffer));
const loadFigure = (url) => fetchOnce(figures, url, (buffer) => {
  stats.figureBytes[url] = buffer.byteLength;
  return JSON.parse(new TextDecoder().decode(buffer));
});

// --- small helpers ------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
const MARGIN = { left: 44, right: 10, bottom: 48 }; // px around a map's plotting square (its top: the figure's)
function element(tag, attributes = {}, parent = null, namespace = null) {
  const node = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  if (parent) parent.appendChild(node);
  return node;
}
const fmt = (v) => (Math.round(v * 10000) / 10000).toString();

const TYPED = { f4: Float32Array, f8: Float64Array, i4: Int32Array, i2: Int16Array, i1: Int8Array, u1: Uint8Array };
/** A trace's numbers: a plain array, or plotly's typed array {dtype, bdata: base64}. */
function numbers(values) {
  if (!values || Array.isArray(values) || ArrayBuffer.isView(values)) return values || [];
  const bytes = Uint8Array.from(atob(values.bdata), (c) => c.charCodeAt(0));
  return new TYPED[values.dtype](bytes.buffer);
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function drawImage(canvas, values) {
  const bytes = toBytes(values);
  const image = new ImageData(28, 28);
  for (let i = 0; i < 784; i += 1) {
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = bytes[i];
    image.data[4 * i + 3] = 255;
  }
  canvas.getContext("2d").putImageData(image, 0, 0);
}

function drawTiles(canvas, images, columns) {
  const rows = Math.ceil(images.length / columns);
  canvas.width = columns * 28;
  canvas.height = rows * 28;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  images.forEach((values, index) => {
    const tile = document.createElement("canvas");
    tile.width = tile.height = 28;
    drawImage(tile, values);
    context.drawImage(tile, (index % columns) * 28, Math.floor(index / columns) * 28);
  });
}

// --- state --------------------------------------------------------------------------

const state = {
  args: null,
  mode: null,
  label: 0,
  pinned: null, // [x, y]
  appliedPin: null, // the server's pinned_by last applied
  pinCleared: false, // the server took the pinned point away (Reset) since the last render
  ends: null, // [[ax, ay], [bx, by] | null]
  drawn: null, // { mu, sigma } of the drawing
  hover: null,
  room: null, // the classroom's RoomChannel, when this canvas is in a room
  roomKey: null,
  quiz: null, // the room's quiz: { target, revealed }
};
let panels = [];
let side = null;
let generation = 0;

// --- one map ------------------------------------------------------------------------

class MapPanel {
  constructor(index, parent) {
    this.index = index;
    this.box = element("div", { class: "map", "data-map": index }, parent);
    this.title = element("div", { class: "map-title" }, this.box);
    const stage = element("div", { class: "stage" }, this.box); // the plot and, over it, the overlay
    this.plot = element("div", { class: "plot" }, stage);
    this.svg = element("svg", { class: "overlay" }, stage, SVG);
    this.clip = element("clipPath", { id: `clip-${index}` }, element("defs", {}, this.svg, SVG), SVG);
    this.clipRect = element("rect", {}, this.clip, SVG);
    this.shapes = element("g", { "clip-path": `url(#clip-${index})` }, this.svg, SVG);
    this.cursor = element("g", { "clip-path": `url(#clip-${index})`, visibility: "hidden" }, this.svg, SVG);
    element("circle", { r: 6, fill: "none", stroke: "#111", "stroke-width": 1.5 }, this.cursor, SVG);
    element("circle", { r: 1.5, fill: "#111" }, this.cursor, SVG);
    this.handles = element("g", {}, this.svg, SVG);
    this.network = null;
    this.spec = null;
    this.figureUrl = null;
    this.mosaicKey = null;
    this.listen();
  }

  axes() {
    const layout = this.plot._fullLayout;
    return layout && layout.xaxis && layout.yaxis ? [layout.xaxis, layout.yaxis] : null;
  }

  toData(clientX, clientY) {
    const axes = this.axes();
    if (!axes) return null;
    const [xa, ya] = axes;
    const rect = this.plot.getBoundingClientRect();
    const px = clientX - rect.left - xa._offset;
    const py = clientY - rect.top - ya._offset;
    if (px < 0 || py < 0 || px > xa._length || py > ya._length) return null;
    return [xa.p2d(px), ya.p2d(py)];
  }

  /** The code a point of this map names: on a plane through a wider space, origin + u·e₁ + v·e₂. */
  code(point) {
    return onPlane(this.spec && this.spec.plane, point);
  }

  toPixel([x, y]) {
    const [xa, ya] = this.axes();
    return [xa._offset + xa.d2p(x), ya._offset + ya.d2p(y)];
  }

  async show(spec, token) {
    this.spec = spec;
    this.title.textContent = state.mode === "compare" ? spec.label : "";
    if (spec.figure !== this.figureUrl) {
      if (spec.model) loadNetwork(spec.model).catch(() => {}); // start fetching the weights too
      const figure = await loadFigure(spec.figure);
      if (!window.Plotly && token === generation) this.sketch(figure, spec.extent);
      Plotly = await plotlyReady;
      if (token !== generation) return;
      // The toolbar sits in the top margin's first 30 px: the class legend goes below it.
      this.top = Math.max(state.mode === "compare" ? 84 : 70, (figure.layout.margin || {}).t ?? 0);
      this.bottom = MARGIN.bottom + (figure.data.some((trace) => trace.legend === "legend2") ? 30 : 0); // the overlay key
      const [width, height] = this.size();
      // Clicks pin points here, so plotly.js must not also select the point under them.
      const margin = { ...figure.layout.margin, l: MARGIN.left, r: MARGIN.right, b: this.bottom, t: this.top };
      const layout = { ...figure.layout, width, height, clickmode: "none", margin, images: this.currentImages(figure.layout.images) };
      if (state.mode === "compare") layout.legend = { ...layout.legend, title: { text: "" }, font: { size: 12 } };
      else layout.font = { ...figure.layout.font, size: width >= 680 ? 14 : 12 }; // readable from the back of a room, if it fits
      await Plotly.react(this.plot, figure.data, layout, { displaylogo: false, scrollZoom: true, responsive: false });
      this.figureUrl = spec.figure;
      this.colours = null; // a new figure has its colours back (applyQuiz hides them again in a quiz)
      this.serverImages = figure.layout.images || [];
      if (this.sketchCanvas) this.sketchCanvas.remove();
      this.sketchCanvas = null;
      if (stats.interactive === null) stats.interactive = performance.now();
      if (stats.firstMap === null) stats.firstMap = stats.interactive;
    }
    if (spec.model) {
      try {
        this.network = await loadNetwork(spec.model);
        if (state.args.draw && spec.encoder && !this.network.hasEncoder) {
          const response = await fetch(spec.encoder);
          if (!response.ok) throw new Error(`${spec.encoder} answered ${response.status}`);
          const buffer = await response.arrayBuffer();
          stats.modelBytes[spec.encoder] = buffer.byteLength;
          this.network.addEncoder(buffer);
        }
      } catch (error) {
        this.network = null;
        this.failure = String(error.message || error);
        emit({ kind: "fallback", map: this.index, reason: this.failure.slice(0, 180) });
      }
    } else {
      this.network = null;
    }
    if (token !== generation) return;
    this.drawMosaic();
    this.redraw();
  }

  /** The figure's points drawn on a plain canvas while plotly.js compiles (most of a
   * second on a slow machine): the map is on screen at once and becomes interactive when
   * plotly.js replaces it. */
  sketch(figure, [x0, x1, y0, y1]) {
    const [size, tall] = this.size();
    const margin = { left: MARGIN.left, right: MARGIN.right, top: this.top ?? 70, bottom: this.bottom ?? MARGIN.bottom };
    const canvas = element("canvas", { class: "sketch", width: size, height: tall, "data-testid": "map-sketch" });
    this.plot.replaceChildren(canvas);
    this.sketchCanvas = canvas;
    const context = canvas.getContext("2d");
    const width = size - margin.left - margin.right;
    const height = tall - margin.top - margin.bottom;
    const side = Math.min(width, height);
    const left = margin.left + (width - side) / 2;
    const top = margin.top + (height - side) / 2;
    context.strokeStyle = "#eeeeee";
    context.strokeRect(left, top, side, side);
    for (const trace of figure.data) {
      if (!trace.customdata || !trace.marker) continue;
      const xs = numbers(trace.x);
      const ys = numbers(trace.y);
      context.fillStyle = trace.marker.color || "#888";
      context.globalAlpha = 0.85;
      for (let i = 0; i < xs.length; i += 1) {
        const px = left + ((xs[i] - x0) / (x1 - x0)) * side;
        const py = top + ((y1 - ys[i]) / (y1 - y0)) * side;
        if (px < left || px > left + side || py < top || py > top + side) continue;
        context.beginPath();
        context.arc(px, py, 2.5, 0, 2 * Math.PI);
        context.fill();
      }
    }
    if (stats.firstMap === null) stats.firstMap = performance.now();
    fitHeight();
  }

  /** [width, height] of the figure: as wide as the box (up to args.height), and tall enough
   * that the square plotting area takes that whole width. */
  size() {
    const width = Math.max(280, Math.min(this.box.getBoundingClientRect().width || 560, state.args.height));
    return [width, width - MARGIN.left - MARGIN.right + (this.top ?? 70) + (this.bottom ?? MARGIN.bottom)];
  }

  resize() {
    if (!this.figureUrl) return;
    const [width, height] = this.size();
    if (Math.abs(width - (this.plot._fullLayout.width || 0)) > 2) Plotly.relayout(this.plot, { width, height });
  }

  currentImages(fromServer) {
    return this.mosaicImage ? [this.mosaicImage] : fromServer || [];
  }

  async drawMosaic() {
    const lens = state.args.overlay.lens;
    if (lens && this.network && !quizHidden()) return this.drawLens(lens);
    const n = quizHidden() ? 0 : this.spec.mosaic; // the decoded grid would give a quiz's class away
    if (!this.network || !n) {
      this.mosaicPending = null; // a grid still being decoded is dropped
      if (this.mosaicImage) {
        this.mosaicImage = this.mosaicKey = null;
        root.dataset.mosaic = "0";
        Plotly.relayout(this.plot, { images: this.serverImages });
      }
      return;
    }
    const key = JSON.stringify([this.spec.model, this.spec.extent, n, state.label, this.spec.plane]);
    if (key === this.mosaicKey || key === this.mosaicPending) return;
    this.mosaicPending = key;
    const [x0, x1, y0, y1] = this.spec.extent;
    const images = [];
    for (let row = 0; row < n; row += 1) {
      const y = y1 - ((row + 0.5) * (y1 - y0)) / n;
      for (let column = 0; column < n; column += 1) {
        const values = this.network.decode(this.code([x0 + ((column + 0.5) * (x1 - x0)) / n, y]), state.label);
        images.push(values.map((v) => 1 - v)); // dark ink on white keeps the coloured points readable
      }
      await new Promise((resolve) => setTimeout(resolve, 0)); // stay responsive while the grid fills
      if (this.mosaicPending !== key) return; // another grid was asked for meanwhile
    }
    const canvas = document.createElement("canvas");
    drawTiles(canvas, images, n);
    this.mosaicImage = { source: canvas.toDataURL(), xref: "x", yref: "y", x: x0, y: y1, sizex: x1 - x0, sizey: y1 - y0,
      sizing: "stretch", layer: "below", opacity: 0.6 };
    if (this.mosaicPending !== key) return; // a quiz began meanwhile, or another grid was asked for
    this.mosaicPending = null;
    this.mosaicKey = key;
    root.dataset.mosaic = String(n);
    await Plotly.relayout(this.plot, { images: [this.mosaicImage] });
  }

  /** The classifier lens: the decoded grid coloured by the class a classifier sees in each
   * cell, opacity its confidence, outlines where its answer changes or it is unsure. */
  async drawLens(lens) {
    const n = lens.n;
    const key = JSON.stringify(["lens", this.spec.model, this.spec.extent, n, state.label, this.spec.plane, lens.classifier]);
    if (key === this.mosaicKey || key === this.mosaicPending) return;
    this.mosaicPending = key;
    const classifier = await loadClassifier(lens.classifier);
    const began = performance.now();
    const [x0, x1, y0, y1] = this.spec.extent;
    const codes = [];
    for (let row = 0; row < n; row += 1) {
      const y = y1 - ((row + 0.5) * (y1 - y0)) / n;
      for (let column = 0; column < n; column += 1) codes.push(this.code([x0 + ((column + 0.5) * (x1 - x0)) / n, y]));
    }
    const probabilities = classifier.probabilitiesBatch(this.network.decodeBatch(codes, state.label));
    const { classes, confidence } = lensCells(probabilities, n);
    stats.lensMs = performance.now() - began;
    if (this.mosaicPending !== key) return;
    const cell = 8;
    const canvas = element("canvas", { width: n * cell, height: n * cell });
    const context = canvas.getContext("2d");
    classes.forEach((c, i) => {
      context.globalAlpha = 0.15 + 0.7 * confidence[i];
      context.fillStyle = lens.colours[c];
      context.fillRect((i % n) * cell, Math.floor(i / n) * cell, cell, cell);
    });
    context.globalAlpha = 0.9;
    context.fillStyle = "#222";
    classes.forEach((c, i) => { // an edge where the class changes; unsure cells outlined
      const [x, y] = [(i % n) * cell, Math.floor(i / n) * cell];
      if (i % n < n - 1 && classes[i + 1] !== c) context.fillRect(x + cell - 1, y, 2, cell);
      if (i + n < classes.length && classes[i + n] !== c) context.fillRect(x, y + cell - 1, cell, 2);
      if (confidence[i] < 0.5) context.strokeRect(x + 1.5, y + 1.5, cell - 3, cell - 3);
    });
    this.mosaicImage = { source: canvas.toDataURL(), xref: "x", yref: "y", x: x0, y: y1, sizex: x1 - x0, sizey: y1 - y0,
      sizing: "stretch", layer: "below", opacity: 0.85 };
    this.mosaicPending = null;
    this.mosaicKey = key;
    this.lensProbabilities = probabilities;
    root.dataset.lens = String(n);
    await Plotly.relayout(this.plot, { images: [this.mosaicImage] });
  }

  listen() {
    // pointerrawupdate (secure contexts) arrives as the mouse moves rather than at the next
    // frame; pointermove catches the rest. onHover decodes at most once per frame.
    if ("onpointerrawupdate" in window) this.box.addEventListener("pointerrawupdate", (event) => onHover(this, event));
    this.box.addEventListener("pointermove", (event) => onHover(this, event));
    this.box.addEventListener("pointerleave", () => onLeave());
    // A click is a press and release within 5 px: plotly.js pans on drags. It covers the
    // page while a button is down, so the release is heard on the window.
    this.box.addEventListener("pointerdown", (event) => {
      pressed = { panel: this, x: event.clientX, y: event.clientY, time: event.timeStamp };
    }, true);
  }

  attachPlotlyEvents() {
    if (this.attached || !this.plot.on) return;
    this.attached = true;
    this.plot.on("plotly_relayout", () => this.redraw());
    this.plot.on("plotly_afterplot", () => this.redraw());
    this.plot.on("plotly_selected", (event) => {
      if (!event || !event.points) return;
      const rows = [...new Set(event.points.map((p) => p.customdata).filter((r) => Number.isInteger(r)))];
      if (rows.length > 1) {
        publish({ selection: rows });
        emit({ kind: "select", map: this.index, rows });
      }
    });
    this.plot.on("plotly_deselect", () => {
      publish({ selection: null });
      emit({ kind: "select", map: this.index, rows: [] });
    });
  }

  /** Everything drawn over the figure, in pixels of the current zoom. */
  redraw() {
    if (!this.axes()) return;
    this.attachPlotlyEvents();
    const [xa, ya] = this.axes();
    this.svg.setAttribute("width", this.plot.clientWidth);
    this.svg.setAttribute("height", this.plot.clientHeight);
    Object.entries({ x: xa._offset, y: ya._offset, width: xa._length, height: ya._length })
      .forEach(([k, v]) => this.clipRect.setAttribute(k, v));
    this.shapes.replaceChildren();
    this.handles.replaceChildren();
    const overlay = state.args.overlay;
    const ellipse = (m, s, dash, colour) => {
      const [cx, cy] = this.toPixel(m);
      const [ex, ey] = this.toPixel([m[0] + s[0], m[1] + s[1]]);
      element("ellipse", { cx, cy, rx: Math.abs(ex - cx), ry: Math.abs(ey - cy), fill: "none", stroke: colour,
        "stroke-width": 2, "stroke-dasharray": dash }, this.shapes, SVG);
    };
    for (const [mx, my, sx, sy] of overlay.ellipses || []) {
      ellipse([mx, my], [sx, sy], "", "#D62728");
      ellipse([mx, my], [2 * sx, 2 * sy], "3 3", "#D62728");
    }
    for (const point of overlay.samples || []) {
      const [px, py] = this.toPixel(point);
      element("circle", { cx: px, cy: py, r: 4, fill: "#fff", stroke: "#111", "stroke-width": 1.5 }, this.shapes, SVG);
    }
    const labels = []; // boxes of the arrow labels drawn so far: the next one keeps clear of them
    for (const arrow of overlay.arrows || []) this.drawArrow(arrow, labels);
    if (state.drawn) {
      ellipse(state.drawn.mu, state.drawn.sigma, "", "#6f2dbd");
      ellipse(state.drawn.mu, state.drawn.sigma.map((v) => 2 * v), "3 3", "#6f2dbd");
      const [px, py] = this.toPixel(state.drawn.mu);
      element("path", { d: `M${px} ${py - 9}L${px + 9} ${py}L${px} ${py + 9}L${px - 9} ${py}Z`, fill: "#6f2dbd",
        stroke: "#fff", "stroke-width": 1.5 }, this.shapes, SVG);
    }
    if (state.mode === "interpolate") this.drawPath();
    (this.spec.anchors || []).forEach((anchor, index) => this.drawAnchor(anchor, index));
    if (state.pinned) this.drawPin(state.mode !== "interpolate");
    this.moveCursor();
  }

  /** An arrow from (x0, y0) to (x1, y1) in data units, its label beside the middle, on
   * whichever side and at whatever distance keeps it clear of the labels in ``placed``. */
  drawArrow([x0, y0, x1, y1, label], placed = []) {
    const [ax, ay] = this.toPixel([x0, y0]);
    const [bx, by] = this.toPixel([x1, y1]);
    const length = Math.hypot(bx - ax, by - ay);
    const group = element("g", { "data-testid": "arrow", "data-label": label }, this.shapes, SVG);
    element("line", { x1: ax, y1: ay, x2: bx, y2: by, stroke: "#111", "stroke-width": 2.5 }, group, SVG);
    if (length > 1) {
      const [ux, uy] = [(bx - ax) / length, (by - ay) / length];
      const head = [[bx, by], [bx - 12 * ux + 6 * uy, by - 12 * uy - 6 * ux], [bx - 12 * ux - 6 * uy, by - 12 * uy + 6 * ux]];
      element("polygon", { points: head.map((p) => p.join(",")).join(" "), fill: "#111" }, group, SVG);
    }
    if (label) {
      const [x, y] = labelPlace((ax + bx) / 2, (ay + by) / 2, length > 1 ? [(ay - by) / length, (bx - ax) / length] : [0, -1],
        label, placed);
      element("text", { x, y, "font-size": 13, "font-weight": 700, fill: "#111", "text-anchor": "middle",
        "dominant-baseline": "middle", stroke: "#fff", "stroke-width": 3, "paint-order": "stroke", text: label }, group, SVG);
    }
  }

  drawPin(draggable) {
    const [px, py] = this.toPixel(state.pinned);
    const star = [];
    for (let i = 0; i < 10; i += 1) {
      const r = i % 2 ? 5 : 12;
      const a = -Math.PI / 2 + (i * Math.PI) / 5;
      star.push(`${px + r * Math.cos(a)},${py + r * Math.sin(a)}`);
    }
    const handle = element("polygon", { points: star.join(" "), fill: "#FFD400", stroke: "#000", "stroke-width": 2,
      class: draggable ? "handle" : "", "data-testid": "pinned-point" }, draggable ? this.handles : this.shapes, SVG);
    if (draggable) handle.addEventListener("pointerdown", (event) => startDrag(this, event, "pin"));
  }

  /** One of the three codes a plane passes through: drag it and the plane follows. */
  drawAnchor(point, index) {
    const [px, py] = this.toPixel(point);
    const group = element("g", { class: "handle", "data-testid": `anchor-${index}`, "data-uv": `${fmt(point[0])},${fmt(point[1])}` },
      this.handles, SVG);
    element("rect", { x: px - 10, y: py - 10, width: 20, height: 20, rx: 4, fill: "#fff", stroke: "#6f2dbd", "stroke-width": 2.5 },
      group, SVG);
    element("text", { x: px, y: py + 5, "text-anchor": "middle", "font-size": 13, "font-weight": 700, fill: "#6f2dbd",
      text: String(index + 1) }, group, SVG);
    group.addEventListener("pointerdown", (event) => startDrag(this, event, `anchor-${index}`));
  }

  drawPath() {
    const ends = state.ends;
    if (!ends || !ends[0]) return;
    const path = pathPoints();
    if (path) {
      const points = path.map((p) => this.toPixel(p).join(",")).join(" ");
      element("polyline", { points, fill: "none", stroke: "#111", "stroke-width": 2 }, this.shapes, SVG);
      for (const p of path) {
        const [px, py] = this.toPixel(p);
        element("circle", { cx: px, cy: py, r: 3, fill: "#111" }, this.shapes, SVG);
      }
    }
    ends.forEach((end, which) => {
      if (!end) return;
      const [px, py] = this.toPixel(end);
      const group = element("g", { class: "handle", "data-testid": `end-${which ? "b" : "a"}` }, this.handles, SVG);
      element("circle", { cx: px, cy: py, r: 11, fill: "#fff", stroke: "#111", "stroke-width": 2.5 }, group, SVG);
      element("text", { x: px, y: py + 5, "text-anchor": "middle", "font-size": 13, "font-weight": 700, text: which ? "B" : "A" },
        group, SVG);
      group.addEventListener("pointerdown", (event) => startDrag(this, event, which ? "b" : "a"));
    });
  }

  moveCursor() {
    if (!state.hover) {
      this.cursor.setAttribute("visibility", "hidden");
      return;
    }
    const [px, py] = this.toPixel(state.hover);
    this.cursor.setAttribute("transform", `translate(${px},${py})`);
    this.cursor.setAttribute("visibility", "visible");
  }
}

let pressed = null;
window.addEventListener("pointerup", (event) => {
  const down = pressed;
  pressed = null;
  if (!down || dragging || Math.hypot(event.clientX - down.x, event.clientY - down.y) > 5 || event.timeStamp - down.time > 800) return;
  const point = down.panel.toData(event.clientX, event.clientY);
  if (point) onClick(down.panel, point, event);
}, true);

// --- decoding to the side panel ------------------------------------------------------

function showDecoded(point, source, started = null) {
  panels.forEach((panel, index) => {
    const canvas = side.images[index];
    if (!canvas) return;
    if (panel.network) {
      const begin = performance.now();
      const values = panel.network.decode(panel.code(point), state.label);
      stats.decode.push(performance.now() - begin);
      drawImage(canvas, values);
      canvas.dataset.z = `${fmt(point[0])},${fmt(point[1])}`;
      showPrediction(index, values);
    }
  });
  side.coords.innerHTML = `<b>z = (${point[0].toFixed(3)}, ${point[1].toFixed(3)})</b> · ${source}`;
  if (started !== null) stats[source === "hover" ? "hover" : "pin"].push(performance.now() - started);
}

/** The classifier lens's answer for the image beside the map. */
function showPrediction(index, values) {
  const lens = state.args.overlay.lens;
  const line = side.predictions[index];
  if (!line) return;
  if (!lens || quizHidden()) {
    line.textContent = "";
    delete line.dataset.prediction;
    return;
  }
  const classifier = classifiers.get(lens.classifier);
  if (!classifier) return;
  classifier.then((network) => {
    const p = network.probabilities(values);
    line.textContent = `The classifier sees ${predictionWords(p, lens.names)}`;
    line.dataset.prediction = String(p.indexOf(Math.max(...p)));
  }).catch(() => {});
}

function showPinnedImages() {
  const images = state.args.overlay.pinned_images || [];
  images.forEach((uri, index) => {
    const canvas = side.images[index];
    if (!uri || !canvas || panels[index].network) return;
    const picture = new Image();
    picture.onload = () => {
      canvas.getContext("2d").drawImage(picture, 0, 0, 28, 28);
      canvas.dataset.z = `${fmt(state.pinned[0])},${fmt(state.pinned[1])}`;
    };
    picture.src = uri;
  });
}

let decodedThisFrame = false;
let latestHover = null;

function onHover(panel, event) {
  if (dragging) return;
  const point = panel.toData(event.clientX, event.clientY);
  if (!point) return onLeave();
  if (decodedThisFrame) {
    latestHover = { point, time: event.timeStamp }; // drawn at the next frame unless newer input comes
    return;
  }
  decodedThisFrame = true;
  requestAnimationFrame(() => {
    decodedThisFrame = false;
    if (latestHover) {
      const { point: last, time } = latestHover;
      latestHover = null;
      hoverAt(last, time);
    }
  });
  hoverAt(point, event.timeStamp);
}

function hoverAt(point, time) {
  if (same(point, state.hover)) return;
  state.hover = point;
  panels.forEach((p) => p.moveCursor());
  showDecoded(point, "hover", time);
}

function onLeave() {
  if (dragging) return;
  state.hover = null;
  panels.forEach((p) => p.moveCursor());
  const rest = restingPoint();
  if (rest) showDecoded(...rest);
}

/** What the side panel shows when the mouse is not over a map: [point, words] or null. */
function restingPoint() {
  if (state.pinned) return [state.pinned, state.mode === "interpolate" ? "the frame at α" : "pinned"];
  if (state.mode === "interpolate" && state.ends && state.ends[0]) return [state.ends[0], "point A"];
  return null;
}

function onClick(panel, point, event) {
  if (state.mode === "interpolate") {
    state.ends = !state.ends || state.ends[1] ? [point, null] : [state.ends[0], point];
    redrawAll();
    if (state.ends[1]) {
      publish({ ends: state.ends });
      emit({ kind: "ends", a: state.ends[0], b: state.ends[1] });
    }
    return;
  }
  state.pinned = point;
  showDecoded(point, "pinned", event.timeStamp);
  root.dataset.pinned = `${fmt(point[0])},${fmt(point[1])}`;
  redrawAll();
  if (quizHidden() && state.room) { // a student's quiz answer goes to the room alone: no run on the server
    banner(state.room.send({ type: "answer", z: point }) ? "Sending your answer…" : "Not connected to the room: click again in a moment.");
    return;
  }
  publish({ point, point_source: "click" });
  emit({ kind: "pin", map: panel.index, z: point });
}

// --- dragging the pinned point or an end of the path ----------------------------------

let dragging = null;

function startDrag(panel, event, what) {
  event.preventDefault();
  event.stopPropagation();
  dragging = { panel, what };
  const start = { x: event.clientX, y: event.clientY };
  let moved = false;
  const move = (e) => {
    moved = moved || Math.hypot(e.clientX - start.x, e.clientY - start.y) > 3;
    const point = panel.toData(e.clientX, e.clientY);
    if (!moved || !point) return;
    if (what === "pin") state.pinned = point;
    else if (what.startsWith("anchor")) panel.spec.anchors[Number(what.slice(7))] = point;
    else state.ends[what === "a" ? 0 : 1] = point;
    showDecoded(point, what === "pin" ? "pinned" : what.startsWith("anchor") ? `anchor ${Number(what.slice(7)) + 1}`
      : `point ${what.toUpperCase()}`, e.timeStamp);
    redrawAll();
    publishSoon(what === "pin" ? { point } : state.mode === "interpolate" && state.ends[0] && state.ends[1] ? { ends: state.ends } : null);
  };
  const end = (e) => {
    window.removeEventListener("pointermove", move, true);
    window.removeEventListener("pointerup", end, true);
    dragging = null;
    state.hover = null;
    panels.forEach((p) => p.moveCursor());
    if (!moved) {  // a click on the star pins where it lands; a click on A or B changes nothing
      const point = what === "pin" && panel.toData(e.clientX, e.clientY);
      if (point) onClick(panel, point, e);
      return;
    }
    if (what.startsWith("anchor")) {
      const index = Number(what.slice(7));
      emit({ kind: "anchor", index, z: panel.spec.anchors[index] }); // the server moves the plane through it
    } else if (what === "pin") {
      root.dataset.pinned = `${fmt(state.pinned[0])},${fmt(state.pinned[1])}`;
      publish({ point: state.pinned, point_source: "click" });
      emit({ kind: "pin", map: panel.index, z: state.pinned });
    } else if (state.ends[0] && state.ends[1]) {
      publish({ ends: state.ends });
      emit({ kind: "ends", a: state.ends[0], b: state.ends[1] });
    }
  };
  window.addEventListener("pointermove", move, true);
  window.addEventListener("pointerup", end, true);
}

// --- the interpolation path ----------------------------------------------------------

function pathPoints() {
  const ends = state.ends;
  if (!ends || !ends[0] || !ends[1]) return null;
  const overlay = state.args.overlay;
  return interpolate(ends[0], ends[1], overlay.steps || 12, overlay.method || "linear");
}

function drawStrip() {
  if (!side.strip) return;
  const path = pathPoints();
  const network = panels[0] && panels[0].network;
  if (!path || !network) return;
  drawTiles(side.strip, path.map((p) => network.decode(p, state.label)), path.length);
  side.strip.dataset.steps = String(path.length);
  side.strip.dataset.ends = state.ends.map((e) => `${fmt(e[0])},${fmt(e[1])}`).join(";");
  side.strip.dataset.method = state.args.overlay.method || "linear";
}

function redrawAll() {
  panels.forEach((p) => p.redraw());
  if (state.mode === "interpolate") drawStrip();
}

// --- draw your own ---------------------------------------------------------------------

function buildPad(parent) {
  const panel = element("div", { class: "panel" }, parent);
  element("h4", { text: "Draw your own" }, panel);
  element("div", { class: "hint", text: "Draw a digit or garment: its posterior moves on the map as you draw." }, panel);
  const pad = element("canvas", { class: "pad", width: 280, height: 280, "data-testid": "draw-pad" }, panel);
  const context = pad.getContext("2d");
  const clear = () => {
    context.fillStyle = "#fff";
    context.fillRect(0, 0, 280, 280);
    state.drawn = null;
    delete root.dataset.drawn;
    redrawAll();
  };
  clear();
  const buttons = element("div", { class: "row" }, panel);
  element("button", { type: "button", text: "Clear" }, buttons).addEventListener("click", clear);
  let last = null;
  let pending = false;
  const at = (event) => {
    const rect = pad.getBoundingClientRect();
    return [((event.clientX - rect.left) * 280) / rect.width, ((event.clientY - rect.top) * 280) / rect.height];
  };
  const stroke = (to) => {
    context.strokeStyle = "#000";
    context.lineWidth = 22;
    context.lineCap = context.lineJoin = "round";
    context.beginPath();
    context.moveTo(...(last || to));
    context.lineTo(...to);
    context.stroke();
    last = to;
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        placeDrawing(pad, false);
      });
    }
  };
  pad.addEventListener("pointerdown", (event) => {
    pad.setPointerCapture(event.pointerId);
    last = null;
    stroke(at(event));
  });
  pad.addEventListener("pointermove", (event) => {
    if (event.buttons) stroke(at(event));
  });
  pad.addEventListener("pointerup", () => {
    last = null;
    placeDrawing(pad, true);
  });
  return panel;
}

function placeDrawing(pad, send) {
  const pixels = pad.getContext("2d").getImageData(0, 0, 280, 280).data;
  const ink = new Float32Array(280 * 280);
  for (let i = 0; i < ink.length; i += 1) ink[i] = 1 - pixels[4 * i] / 255;
  const prepared = prepareDrawing(ink, 280, 280);
  if (!prepared) return;
  const network = panels[0].network;
  if (network && network.hasEncoder) {
    const { mu, logvar } = network.encode(prepared, state.label);
    const sigma = logvar ? logvar.map((v) => Math.exp(0.5 * v)) : [0, 0];
    const at = toPlane(panels[0].spec.plane, mu); // on a plane: the code's projection (its σ along the first two axes)
    state.drawn = { mu: at, sigma: sigma.slice(0, 2) };
    root.dataset.drawn = `${fmt(at[0])},${fmt(at[1])}`;
    showDecoded(state.drawn.mu, "your drawing's posterior mean");
    redrawAll();
  }
  if (send) {
    const bytes = toBytes(prepared);
    emit({ kind: "drawing", pixels: btoa(String.fromCharCode(...bytes)) });
  }
}

// --- samples -------------------------------------------------------------------------

function drawSamples() {
  const overlay = state.args.overlay;
  const points = overlay.samples || [];
  side.samples.hidden = points.length === 0;
  if (!points.length) return;
  side.samplesTitle.textContent = overlay.samples_title || "Samples";
  const network = panels[0].network;
  if (!network) {
    side.sheet.hidden = true;
    return;
  }
  side.sheet.hidden = false;
  drawTiles(side.sheet, points.map((p) => network.decode(panels[0].code(p), state.label)), Math.min(8, points.length));
  side.sheet.dataset.count = String(points.length);
}

// --- layout and the render message -----------------------------------------------------

function buildLayout(args) {
  root.replaceChildren();
  root.className = args.mode;
  state.banner = element("div", { class: "banner", "data-testid": "room-banner", hidden: "" }, root);
  const maps = element("div", { class: "maps" }, root);
  panels = args.maps.map((_, index) => new MapPanel(index, maps));
  const column = element("div", { class: "side" }, root);
  const decoded = element("div", { class: "decoded" }, column);
  side = { images: [], captions: [], predictions: [] };
  args.maps.forEach((map, index) => {
    const figure = element("figure", {}, decoded);
    side.images.push(element("canvas", { width: 28, height: 28, "data-testid": "decoded-image", "data-map": index, "data-z": "" },
      figure));
    side.captions.push(element("figcaption", { text: map.label }, figure));
    side.predictions.push(element("div", { class: "prediction", "data-testid": "prediction", "data-map": index }, figure));
  });
  side.coords = element("div", { class: "coords", text: "Move over the map to decode any point." }, column);
  side.status = element("div", { class: "status" }, column);
  if (args.mode === "interpolate") {
    const panel = element("div", { class: "panel" }, column);
    element("h4", { text: "The path, decoded" }, panel);
    side.strip = element("canvas", { class: "strip", "data-testid": "path-strip" }, panel);
    element("div", { class: "hint", text: "Click twice to set A and B, or drag them." }, panel);
  }
  side.samples = element("div", { class: "panel", hidden: "" }, column);
  side.samplesTitle = element("h4", {}, side.samples);
  side.sheet = element("canvas", { class: "sheet", "data-testid": "sample-sheet" }, side.samples);
  side.column = column;
  new ResizeObserver(() => {
    panels.forEach((p) => p.resize());
    fitHeight();
  }).observe(root);
}

function applyOverlay(overlay) {
  if (overlay.pinned && overlay.pinned_by && overlay.pinned_by !== state.appliedPin) {
    state.appliedPin = overlay.pinned_by;
    state.pinned = overlay.pinned;
    root.dataset.pinned = `${fmt(overlay.pinned[0])},${fmt(overlay.pinned[1])}`;
  } else if (!overlay.pinned && overlay.pinned_by !== state.appliedPin) {
    state.appliedPin = overlay.pinned_by;
    state.pinCleared = state.pinned !== null; // Reset: the side panel must forget the point too
    state.pinned = null;
    delete root.dataset.pinned;
  }
  if (state.mode === "interpolate" && overlay.ends && !dragging && !same(overlay.ends, state.serverEnds)) {
    state.serverEnds = overlay.ends;
    state.ends = overlay.ends.map((e) => [...e]);
  }
}

function statusText() {
  const server = panels.filter((p) => !p.network);
  side.status.className = `status${server.length ? " server" : ""}`;
  if (!server.length) {
    const kb = panels.map((p) => stats.modelBytes[p.spec.model] || 0).reduce((a, b) => a + b, 0) / 1024;
    return `Decoded in your browser as you move (${Math.round(kb)} KB of weights, loaded once).`;
  }
  const reasons = server.map((p) => p.failure || p.spec.server_reason).filter(Boolean);
  return `Decoded on the server after each click: ${reasons.join("; ") || "this model does not run in the browser"}.`;
}

async function render(args) {
  stats.kernel = await kernelReady;
  stats.renders += 1;
  generation += 1;
  const token = generation;
  const layoutKey = JSON.stringify([args.mode, args.maps.length]);
  const fresh = layoutKey !== state.layoutKey;
  state.args = args;
  state.mode = args.mode;
  state.label = args.label ?? 0;
  if (fresh) {
    state.layoutKey = layoutKey;
    buildLayout(args);
  }
  side.captions.forEach((caption, index) => (caption.textContent = args.maps[index].label));
  if (args.draw && !side.pad) side.pad = buildPad(side.column);
  if (side.pad) side.pad.hidden = !args.draw;
  if (!args.draw && state.drawn) {
    state.drawn = null;
    delete root.dataset.drawn;
  }
  applyOverlay(args.overlay);
  joinRoom(args.room);
  if (following() && state.roomView) applyRoomView(state.roomView);
  root.dataset.state = "loading";
  fitHeight();
  await Promise.all(panels.map((panel, index) => panel.show(args.maps[index], token)));
  if (token !== generation) return;
  side.status.textContent = statusText();
  root.dataset.state = panels.every((p) => p.network) ? "ready" : "server";
  const roomView = following() ? state.roomView : null; // newer than the run that drew this page
  applyQuiz(roomView ? roomView.quiz || null : args.overlay.quiz || null);
  if (args.overlay.selection !== undefined && args.overlay.selection !== null) applySelection(args.overlay.selection);
  drawSamples();
  redrawAll();
  showPinnedImages();
  const rest = state.hover ? [state.hover, "hover"] : restingPoint();
  const cleared = state.pinCleared;
  state.pinCleared = false;
  if (rest) showDecoded(...rest);
  else if (panels.some((p) => p.network) && (cleared || !side.images[0].dataset.z)) {
    showDecoded([0, 0], "the prior's centre: move over the map");
  } else if (cleared) forgetDecoded();
  fitHeight();
}

/** The side panel with no point: blank images, and what to do. */
function forgetDecoded() {
  side.images.forEach((canvas) => {
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    delete canvas.dataset.z;
  });
  side.coords.textContent = "Click anywhere on the map to decode that point.";
}

// --- the classroom: a teacher's canvas publishes, a follower's applies ---------------------

function joinRoom(room) {
  const key = room ? JSON.stringify([room.code, room.member, room.token]) : null;
  if (key === state.roomKey) return;
  if (state.room) state.room.stop();
  state.room = null;
  state.roomKey = key;
  state.names = room ? room.names || [] : [];
  state.roomView = null;
  delete root.dataset.room;
  if (!room) return;
  state.room = new RoomChannel({ code: room.code, member: room.member, token: room.token || null,
    onView: room.token ? () => {} : onRoomView, onMessage: onRoomMessage,
    onStatus: (status) => (root.dataset.room = status) }).start();
}

/** A teacher's change, straight to the room (a student's canvas publishes nothing). */
function publish(changes) {
  if (!state.room || !state.room.token || !changes) return;
  if (state.room.patch(changes)) stats.published.push({ ...changes, at: Date.now() });
}

let publishPending = null;
/** During a drag: at most one change per frame, the newest. */
function publishSoon(changes) {
  if (!changes || !state.room || !state.room.token) return;
  const first = publishPending === null;
  publishPending = changes;
  if (first) {
    requestAnimationFrame(() => {
      const latest = publishPending;
      publishPending = null;
      publish(latest);
    });
  }
}

const following = () => Boolean(state.room && !state.room.token);

function onRoomView(view, version) {
  state.roomView = view;
  applyRoomView(view);
  stats.followed.push({ version, z: state.pinned, at: Date.now() });
  redrawAll();
  if (!state.hover && state.pinned && panels.length) {
    showDecoded(state.pinned, state.mode === "interpolate" ? "the frame at α" : "the teacher's point");
  }
}

function applyRoomView(view) {
  const shown = followed(view, state.mode);
  const plane = panels[0] && panels[0].spec && panels[0].spec.plane;
  if (plane && view.point && view.point.length === plane.origin.length && state.mode === "explore") {
    shown.pinned = toPlane(plane, view.point); // a wider model's point, where it lies on this map's plane
  }
  const overlay = state.args.overlay;
  overlay.arrows = shown.arrows;
  if (state.mode === "interpolate") {
    Object.assign(overlay, { method: shown.method, steps: shown.steps });
    state.ends = shown.ends;
  }
  if (!same(shown.pinned, state.pinned) && !(quizHidden() && state.mode === "explore")) {
    state.pinned = shown.pinned;
    if (shown.pinned) root.dataset.pinned = `${fmt(shown.pinned[0])},${fmt(shown.pinned[1])}`;
    else delete root.dataset.pinned;
  }
  if (state.mode === "compare") applySelection(shown.selection);
  applyQuiz(shown.quiz);
}

function onRoomMessage(message) {
  if (message.type === "answered") {
    banner(`Your answer is in: (${message.z[0].toFixed(2)}, ${message.z[1].toFixed(2)}). Click again to change it.`);
  } else if (message.type === "refused") {
    banner(message.reason);
  }
}

function banner(text) {
  if (!state.banner) return;
  state.banner.textContent = text;
  state.banner.hidden = !text;
  fitHeight();
}

const quizHidden = () => Boolean(state.quiz && !state.quiz.revealed && !(state.room && state.room.token));

/** Hide the class colours (and the decoded grid) while a quiz waits; bring them back when
 * it is revealed or over. Only a student's map hides them. */
function applyQuiz(quiz) {
  const before = quizHidden();
  const changed = !same(quiz, state.quiz);
  state.quiz = quiz;
  const hidden = quizHidden();
  root.dataset.quiz = quiz ? (quiz.revealed ? "revealed" : "hidden") : "";
  if (changed || !state.banner.textContent) banner(following() ? quizWords(quiz, state.names) : "");
  if (hidden === before && !hidden) return;
  for (const panel of panels) {
    if (!panel.axes()) continue;
    const traces = panel.plot.data.map((trace, index) => [trace, index]).filter(([trace]) => trace.customdata && trace.marker);
    if (hidden && !panel.colours) {
      panel.colours = traces.map(([trace]) => trace.marker.color);
      Plotly.restyle(panel.plot, { "marker.color": "#9e9e9e", showlegend: false }, traces.map(([, i]) => i));
    } else if (!hidden && panel.colours) {
      Plotly.restyle(panel.plot, { "marker.color": panel.colours, showlegend: true }, traces.map(([, i]) => i));
      panel.colours = null;
    }
    panel.drawMosaic();
  }
}

function applySelection(rows) {
  for (const panel of panels) {
    if (!panel.axes()) continue;
    const traces = panel.plot.data.map((trace, index) => [trace, index]).filter(([trace]) => trace.customdata);
    const chosen = traces.map(([trace]) => selectedIndices(numbers(trace.customdata), rows));
    Plotly.restyle(panel.plot, { selectedpoints: chosen }, traces.map(([, i]) => i));
  }
  root.dataset.selection = rows ? String(rows.length) : "";
}

window.addEventListener("message", (event) => {
  if (event.data && event.data.type === "streamlit:render") {
    render(event.data.args).catch((error) => {
      if (side) {
        side.status.className = "status error";
        side.status.textContent = `The canvas could not draw this map: ${error.message || error}`;
      }
      root.dataset.state = "error";
      fitHeight();
    });
  }
});
post("streamlit:componentReady", { apiVersion: 1 });
