// A map drawn on a plain canvas from its plotly.js figure: the codes, the prior's circles, the
// axes and the legends. The app shows it while plotly.js compiles; a published page keeps it as
// its map (no plotly.js to load). Coordinates: ``sketchAxes`` answers as plotly's axes do.

import { element, numbers } from "./draw.js";

const DASHES = { dot: [2, 3], dash: [6, 4], dashdot: [6, 3, 2, 3], solid: [] };
const INK = "#31333f";

/** Axis-like objects for a square plotting area at (left, top) showing ``[x0, x1, y0, y1]``,
 * with the members of plotly.js's axes that this canvas uses (y grows upwards). */
export function sketchAxes(left, top, square, [x0, x1, y0, y1]) {
  return [
    {
      _offset: left,
      _length: square,
      d2p: (x) => ((x - x0) / (x1 - x0)) * square,
      p2d: (p) => x0 + (p / square) * (x1 - x0),
    },
    {
      _offset: top,
      _length: square,
      d2p: (y) => ((y1 - y) / (y1 - y0)) * square,
      p2d: (p) => y1 - (p / square) * (y1 - y0),
    },
  ];
}

/** Tick values over [low, high]: a step of 1, 2 or 5 times a power of ten, about six ticks. */
export function ticks(low, high, about = 6) {
  const raw = (high - low) / about;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const values = [];
  for (let v = Math.ceil(low / step) * step; v <= high + 1e-9; v += step) values.push(Math.round(v / step) * step);
  return values;
}

const title = (axis) => (axis && axis.title && (axis.title.text ?? axis.title)) || "";

/** Draw ``figure`` on a new canvas of ``width`` x ``height`` px with ``margin`` around the
 * plotting square; ``grey`` draws every code grey (a quiz hides the classes). Returns
 * { canvas, axes, area: [left, top, square] }. */
export function drawSketch(figure, extent, width, height, margin, grey = false) {
  const canvas = element("canvas", { class: "sketch", width, height, "data-testid": "map-sketch" });
  const context = canvas.getContext("2d");
  const inner = [width - margin.left - margin.right, height - margin.top - margin.bottom];
  const square = Math.min(...inner);
  const left = margin.left + (inner[0] - square) / 2;
  const top = margin.top + (inner[1] - square) / 2;
  const axes = sketchAxes(left, top, square, extent);
  const at = ([x, y]) => [left + axes[0].d2p(x), top + axes[1].d2p(y)];
  drawAxes(context, axes, extent, figure.layout, [left, top, square]);
  context.save();
  context.beginPath();
  context.rect(left, top, square, square);
  context.clip();
  drawCodes(context, figure.data, at, grey);
  drawCircles(context, figure.layout.shapes || [], at, axes);
  context.restore();
  const keys = figure.data.filter((trace) => trace.name && trace.showlegend !== false);
  drawLegend(
    context,
    keys.filter((trace) => trace.legend !== "legend2"),
    left,
    34,
    width - left,
    grey,
  );
  drawLegend(
    context,
    keys.filter((trace) => trace.legend === "legend2"),
    left,
    height - 14,
    width - left,
    false,
  );
  canvas.dataset.area = `${left},${top},${square}`; // the plotting square, for tests and drills
  return { canvas, axes, area: [left, top, square] };
}

function drawAxes(context, [xa, ya], [x0, x1, y0, y1], layout, [left, top, square]) {
  context.strokeStyle = "#e6e6e6";
  context.fillStyle = INK;
  context.font = "12px sans-serif";
  context.lineWidth = 1;
  context.textAlign = "center";
  for (const x of ticks(x0, x1)) {
    const px = left + xa.d2p(x);
    context.beginPath();
    context.moveTo(px, top);
    context.lineTo(px, top + square);
    context.stroke();
    context.fillText(String(x), px, top + square + 14);
  }
  context.textAlign = "right";
  for (const y of ticks(y0, y1)) {
    const py = top + ya.d2p(y);
    context.beginPath();
    context.moveTo(left, py);
    context.lineTo(left + square, py);
    context.stroke();
    context.fillText(String(y), left - 5, py + 4);
  }
  context.strokeStyle = "#bbbbbb";
  context.strokeRect(left, top, square, square);
  context.textAlign = "center";
  context.fillText(title(layout.xaxis), left + square / 2, top + square + 32);
  context.save();
  context.translate(12, top + square / 2);
  context.rotate(-Math.PI / 2);
  context.fillText(title(layout.yaxis), 0, 0);
  context.restore();
}

function drawCodes(context, traces, at, grey) {
  for (const trace of traces) {
    if (!trace.customdata || !trace.marker) continue;
    const xs = numbers(trace.x);
    const ys = numbers(trace.y);
    const opacity = trace.marker.opacity ?? 0.85;
    const each = typeof opacity === "number" ? null : numbers(opacity);
    const radius = Math.max(1.5, (trace.marker.size || 5) / 2);
    const colours = Array.isArray(trace.marker.color) ? trace.marker.color : null; // a factor's scale
    context.fillStyle = grey ? "#9e9e9e" : colours ? "#888" : trace.marker.color || "#888";
    for (let i = 0; i < xs.length; i += 1) {
      const [px, py] = at([xs[i], ys[i]]);
      if (colours && !grey) context.fillStyle = colours[i];
      context.globalAlpha = each ? each[i] : opacity;
      context.beginPath();
      context.arc(px, py, radius, 0, 2 * Math.PI);
      context.fill();
    }
  }
  context.globalAlpha = 1;
}

function drawCircles(context, shapes, at, [xa, ya]) {
  for (const shape of shapes) {
    if (shape.type !== "circle" || shape.xref === "paper") continue;
    const [cx, cy] = at([(shape.x0 + shape.x1) / 2, (shape.y0 + shape.y1) / 2]);
    const rx = Math.abs(xa.d2p(shape.x1) - xa.d2p(shape.x0)) / 2;
    const ry = Math.abs(ya.d2p(shape.y1) - ya.d2p(shape.y0)) / 2;
    const line = shape.line || {};
    context.strokeStyle = line.color || INK;
    context.lineWidth = line.width ?? 1;
    context.setLineDash(DASHES[line.dash] || []);
    context.beginPath();
    context.ellipse(cx, cy, rx, ry, 0, 0, 2 * Math.PI);
    context.stroke();
  }
  context.setLineDash([]);
}

/** One row of legend entries from (x, y), wrapping at ``width``: a dot for codes, a stroke for
 * a line's key. */
function drawLegend(context, traces, x, y, width, grey) {
  context.font = "12px sans-serif";
  context.textAlign = "left";
  let [px, py] = [x, y];
  for (const trace of traces) {
    const words = String(trace.name);
    const wide = 22 + context.measureText(words).width + 12;
    if (px + wide > x + width && px > x) [px, py] = [x, py + 17];
    if (trace.mode === "lines" && trace.line) {
      context.strokeStyle = trace.line.color || INK;
      context.lineWidth = trace.line.width ?? 1;
      context.setLineDash(DASHES[trace.line.dash] || []);
      context.beginPath();
      context.moveTo(px, py - 4);
      context.lineTo(px + 16, py - 4);
      context.stroke();
      context.setLineDash([]);
    } else {
      context.fillStyle = grey ? "#9e9e9e" : (trace.marker && trace.marker.color) || "#888";
      context.beginPath();
      context.arc(px + 8, py - 4, 5, 0, 2 * Math.PI);
      context.fill();
    }
    context.fillStyle = INK;
    context.fillText(words, px + 22, py);
    px += wide;
  }
}
