// The traversal grid (explorer/maps/planes.py): each latent dimension varied over ±reach prior σ
// around a code, one row per dimension sorted by its KL to the prior, decoded in the browser; a
// slider per dimension moves the code and redraws it at display rate. Drawn by the traversal
// component (traversal.js) and by a published page (../published/page.js).

import { imageShape, toPixels } from "../explorer.canvas.latent_canvas/decoder/decoder.js";
import { byInformation, traversalCodes } from "../explorer.canvas.latent_canvas/planes/planes.js";

function element(tag, attributes = {}, parent = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  if (parent) parent.appendChild(node);
  return node;
}

function paint(canvas, images) {
  const side = images.length ? imageShape(images[0].length).side : 1;
  canvas.width = side * images.length;
  canvas.height = side;
  const context = canvas.getContext("2d");
  images.forEach((values, index) => context.putImageData(toPixels(values), side * index, 0));
}

/** Draw the grid of ``args`` ({code, steps, reach, kl, label}) into ``root`` with ``network``;
 * ``stats`` gets the grid's time (gridMs) and each slider's redraw (slider). */
export function drawTraversals(root, args, network, stats) {
  const code = args.code.map(Number);
  let current = null;
  let pending = false;

  function drawCurrent() {
    paint(current, [network.decode(code, args.label)]);
    current.dataset.code = code.map((v) => v.toFixed(3)).join(",");
  }

  root.replaceChildren();
  const d = code.length;
  const rows = element("div", { class: "rows" }, root);
  const began = performance.now();
  const grid = traversalCodes(code, args.steps, args.reach);
  for (const dim of byInformation(args.kl, d)) {
    const kl = args.kl ? args.kl[dim] : null;
    const words = kl === null ? `z${dim}` : `z${dim} · KL ${kl.toFixed(2)}`;
    element("div", { class: `label${kl !== null && kl < 0.01 ? " quiet" : ""}`, text: words }, rows);
    const strip = element(
      "canvas",
      { class: "row", "data-testid": "traversal-row", "data-dim": dim, "data-kl": kl ?? "" },
      rows,
    );
    paint(strip, network.decodeBatch(grid[dim], args.label));
    strip.style.width = `${40 * args.steps}px`;
    const slider = element(
      "input",
      {
        type: "range",
        min: -args.reach,
        max: args.reach,
        step: 0.05,
        value: code[dim],
        "data-dim": dim,
        "aria-label": `dimension ${dim}`,
      },
      rows,
    );
    slider.addEventListener("input", (event) => {
      code[dim] = Number(slider.value);
      const started = event.timeStamp;
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        drawCurrent();
        stats.slider.push(performance.now() - started);
      });
    });
  }
  stats.gridMs = performance.now() - began;
  const side = element("div", { class: "held" }, root);
  current = element("canvas", { class: "current", "data-testid": "traversal-current" }, side);
  element(
    "div",
    {
      class: "note",
      text:
        `Rows: each dimension from −${args.reach} to +${args.reach} prior σ, the others held. ` +
        "Grey labels: dimensions with KL < 0.01 nats, which the model does not use. Sliders move the code.",
    },
    side,
  );
  drawCurrent();
  root.dataset.state = "ready";
  root.dataset.steps = String(args.steps);
}
