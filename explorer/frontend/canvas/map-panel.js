// One map of the canvas: the figure plotly.js draws, the overlay over it (overlay.js), the
// decoded grid or classifier lens under it (mosaic.js), and the pointer events it hears
// (interaction.js). Coordinates: data units of the map, or pixels of the current zoom.

import { emit, fitHeight, host, state, stats } from "./canvas-state.js";
import { MARGIN, SVG, element } from "./draw.js";
import { onHover, onLeave } from "./interaction.js";
import { loadFigure, loadNetwork, plotlyReady } from "./loading.js";
import { drawMosaic } from "./mosaic.js";
import { drawOverlay, moveCursor } from "./overlay.js";
import { drawSketch } from "./sketch.js";
import { onPlane } from "../planes/planes.js";
import { publish, quizHidden } from "../classroom/teaching.js";

/** The height of the window the page is shown in (the app's, around this component's frame). */
export function windowHeight() {
  try {
    return window.top.innerHeight || window.innerHeight || 900;
  } catch {
    return window.innerHeight || 900; // a frame of another site: its own height
  }
}

export class MapPanel {
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

  /** Whether plotly.js has drawn this map (its traces can be restyled, its images laid out). */
  plotted() {
    const layout = this.plot._fullLayout;
    return Boolean(window.Plotly && layout && layout.xaxis && layout.yaxis);
  }

  /** plotly.js's x and y axes, or while the sketch stands in for it, the sketch's: the same
   * few members (_offset, _length, d2p, p2d), so hovering, pinning and the overlay work on the
   * sketch as they do on the plot. */
  axes() {
    const layout = this.plot._fullLayout;
    if (layout && layout.xaxis && layout.yaxis) return [layout.xaxis, layout.yaxis];
    return this.sketchAxes || null;
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
      // The toolbar sits in the top margin's first 30 px: the class legend goes below it.
      this.top = Math.max(state.mode === "compare" ? 84 : 70, (figure.layout.margin || {}).t ?? 0);
      this.bottom = MARGIN.bottom + (figure.data.some((trace) => trace.legend === "legend2") ? 30 : 0); // the overlay key
      if (!window.Plotly && token === state.generation) this.sketch(figure, spec.extent);
      if (!(await plotlyReady())) return this.keepSketch(spec, figure, token);
      if (token !== state.generation) return;
      const [width, height] = this.size();
      // Clicks pin points here, so plotly.js must not also select the point under them.
      const margin = { ...figure.layout.margin, l: MARGIN.left, r: MARGIN.right, b: this.bottom, t: this.top };
      const layout = {
        ...figure.layout,
        width,
        height,
        clickmode: "none",
        margin,
        images: this.currentImages(figure.layout.images),
      };
      if (state.mode === "compare") layout.legend = { ...layout.legend, title: { text: "" }, font: { size: 12 } };
      else layout.font = { ...figure.layout.font, size: width >= 680 ? 14 : 12 }; // readable from the back of a room, if it fits
      await window.Plotly.react(this.plot, figure.data, layout, {
        displaylogo: false,
        scrollZoom: true,
        responsive: false,
      });
      this.figureUrl = spec.figure;
      this.colours = null; // a new figure has its colours back (applyQuiz hides them again in a quiz)
      this.serverImages = figure.layout.images || [];
      if (this.sketchCanvas) this.sketchCanvas.remove();
      this.sketchCanvas = null;
      this.sketchAxes = null;
      if (stats.interactive === null) stats.interactive = performance.now();
      if (stats.firstMap === null) stats.firstMap = stats.interactive;
    }
    return this.showModel(spec, token);
  }

  /** The map's network (decoded in the browser), or why not; then what is drawn over it. */
  async showModel(spec, token) {
    if (spec.model) {
      try {
        this.network = await loadNetwork(spec.model);
        if (state.args.draw && spec.encoder && !this.network.hasEncoder) {
          const response = await host.fetch(spec.encoder);
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
    if (token !== state.generation) return;
    this.drawMosaic();
    this.redraw();
  }

  /** The figure's points drawn on a plain canvas (sketch.js) while plotly.js compiles (a second
   * or more on a slow machine): the map is on screen at once, answers hovers and clicks through
   * the sketch's axes, and gains zoom, pan and the legend when plotly.js replaces it. */
  sketch(figure, extent) {
    const [width, height] = this.size();
    const margin = { left: MARGIN.left, right: MARGIN.right, top: this.top, bottom: this.bottom };
    const { canvas, axes } = drawSketch(figure, extent, width, height, margin, quizHidden());
    this.plot.replaceChildren(canvas);
    this.sketchCanvas = canvas;
    this.sketchAxes = axes;
    this.sketched = [figure, extent];
    if (stats.firstMap === null) stats.firstMap = performance.now();
    fitHeight();
  }

  /** A host without plotly.js (a published page): the sketch is the map. */
  async keepSketch(spec, figure, token) {
    if (token !== state.generation) return;
    this.figureUrl = spec.figure;
    this.serverImages = [];
    if (stats.interactive === null) stats.interactive = performance.now();
    return this.showModel(spec, token);
  }

  /** [width, height] of the figure: as wide as the box (up to args.height), tall enough that the
   * square plotting area takes that whole width, and never taller than the browser's window (on a
   * projector's 720 rows the whole map fits on the screen at once). */
  size() {
    const frame = (this.top ?? 70) + (this.bottom ?? MARGIN.bottom) - MARGIN.left - MARGIN.right;
    const fits = windowHeight() - 16 - frame; // the widest map whose height fits the window
    const width = Math.max(280, Math.min(this.box.getBoundingClientRect().width || 560, state.args.height, fits));
    return [width, width + frame];
  }

  resize() {
    if (!this.figureUrl) return;
    const [width, height] = this.size();
    if (!host.plotly) {
      if (Math.abs(width - this.sketchCanvas.width) > 2) this.sketch(...this.sketched);
      this.redraw();
    } else if (Math.abs(width - (this.plot._fullLayout.width || 0)) > 2) {
      window.Plotly.relayout(this.plot, { width, height });
    }
  }

  /** Everything drawn over the figure, in pixels of the current zoom (overlay.js). */
  redraw() {
    drawOverlay(this);
  }

  moveCursor() {
    moveCursor(this);
  }

  /** The decoded grid under the codes, or the classifier lens (mosaic.js). */
  drawMosaic() {
    return drawMosaic(this);
  }

  currentImages(fromServer) {
    return this.mosaicImage ? [this.mosaicImage] : fromServer || [];
  }

  listen() {
    // pointerrawupdate (secure contexts) arrives as the mouse moves rather than at the next
    // frame; pointermove catches the rest. onHover decodes at most once per frame.
    if ("onpointerrawupdate" in window) this.box.addEventListener("pointerrawupdate", (event) => onHover(this, event));
    this.box.addEventListener("pointermove", (event) => onHover(this, event));
    this.box.addEventListener("pointerleave", () => onLeave());
    // A click is a press and release within 5 px: plotly.js pans on drags. It covers the
    // page while a button is down, so the release is heard on the window.
    this.box.addEventListener(
      "pointerdown",
      (event) => {
        state.pressed = { panel: this, x: event.clientX, y: event.clientY, time: event.timeStamp };
      },
      true,
    );
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
}
