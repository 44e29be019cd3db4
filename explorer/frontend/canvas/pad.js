// Draw your own: a pad whose drawing is prepared like the data, encoded in the browser and
// placed on the map as you draw (sent to Python when the stroke ends); and the sheet of
// samples decoded beside the map.

import { emit, root, state } from "./canvas-state.js";
import { toBytes } from "../decoder/decoder.js";
import { drawTiles, element, fmt } from "./draw.js";
import { redrawAll, showDecoded } from "./interaction.js";
import { prepareDrawing } from "./paths.js";
import { toPlane } from "../planes/planes.js";

export function buildPad(parent) {
  const panel = element("div", { class: "panel" }, parent);
  element("h4", { text: "Draw your own" }, panel);
  element(
    "div",
    { class: "hint", text: "Draw a digit or garment: its posterior moves on the map as you draw." },
    panel,
  );
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
  const network = state.panels[0].network;
  const prepared = prepareDrawing(ink, 280, 280, state.args.maps[0].image_shape[1]);
  if (!prepared) return;
  if (network && network.hasEncoder) {
    const { mu, logvar } = network.encode(prepared, state.label);
    const sigma = logvar ? logvar.map((v) => Math.exp(0.5 * v)) : [0, 0];
    const at = toPlane(state.panels[0].spec.plane, mu); // on a plane: the code's projection (its σ along the first two axes)
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

export function drawSamples() {
  const overlay = state.args.overlay;
  const points = overlay.samples || [];
  state.side.samples.hidden = points.length === 0;
  if (!points.length) return;
  state.side.samplesTitle.textContent = overlay.samples_title || "Samples";
  const network = state.panels[0].network;
  if (!network) {
    state.side.sheet.hidden = true;
    return;
  }
  state.side.sheet.hidden = false;
  drawTiles(
    state.side.sheet,
    points.map((p) => network.decode(state.panels[0].code(p), state.label)),
    Math.min(8, points.length),
  );
  state.side.sheet.dataset.count = String(points.length);
}
