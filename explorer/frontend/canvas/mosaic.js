// Under a map's codes: an n x n grid decoded in the browser (faded, dark ink on white), or
// the classifier lens (each cell coloured by the class the classifier sees, opacity its
// confidence, edges where its answer changes). A quiz hides both on a student's map.

import { root, state, stats } from "./canvas-state.js";
import { drawTiles, element } from "./draw.js";
import { lensCells } from "./lens.js";
import { loadClassifier } from "./loading.js";
import { quizHidden } from "../classroom/teaching.js";

/** ``canvas`` as a plotly.js layout image under the points, stretched over ``[x0, x1, y0, y1]``. */
function underlay(canvas, [x0, x1, y0, y1], opacity) {
  return {
    source: canvas.toDataURL(),
    xref: "x",
    yref: "y",
    x: x0,
    y: y1,
    sizex: x1 - x0,
    sizey: y1 - y0,
    sizing: "stretch",
    layer: "below",
    opacity,
  };
}

export async function drawMosaic(panel) {
  if (!panel.plotted()) return; // drawn under plotly.js's figure once it is there (show() asks again)
  const lens = state.args.overlay.lens;
  if (lens && panel.network && !quizHidden()) return drawLens(panel, lens);
  const n = quizHidden() ? 0 : panel.spec.mosaic; // the decoded grid would give a quiz's class away
  if (!panel.network || !n) {
    panel.mosaicPending = null; // a grid still being decoded is dropped
    if (panel.mosaicImage) {
      panel.mosaicImage = panel.mosaicKey = null;
      root.dataset.mosaic = "0";
      window.Plotly.relayout(panel.plot, { images: panel.serverImages });
    }
    return;
  }
  const key = JSON.stringify([panel.spec.model, panel.spec.extent, n, state.label, panel.spec.plane]);
  if (key === panel.mosaicKey || key === panel.mosaicPending) return;
  panel.mosaicPending = key;
  const [x0, x1, y0, y1] = panel.spec.extent;
  const images = [];
  for (let row = 0; row < n; row += 1) {
    const y = y1 - ((row + 0.5) * (y1 - y0)) / n;
    for (let column = 0; column < n; column += 1) {
      const values = panel.network.decode(panel.code([x0 + ((column + 0.5) * (x1 - x0)) / n, y]), state.label);
      // grey: dark ink on white keeps the coloured points readable; colour stays as it is
      images.push(panel.network.colour ? values : values.map((v) => 1 - v));
    }
    await new Promise((resolve) => setTimeout(resolve, 0)); // stay responsive while the grid fills
    if (panel.mosaicPending !== key) return; // another grid was asked for meanwhile
  }
  const canvas = document.createElement("canvas");
  drawTiles(canvas, images, n);
  panel.mosaicImage = underlay(canvas, panel.spec.extent, 0.6);
  if (panel.mosaicPending !== key) return; // a quiz began meanwhile, or another grid was asked for
  panel.mosaicPending = null;
  panel.mosaicKey = key;
  root.dataset.mosaic = String(n);
  await window.Plotly.relayout(panel.plot, { images: [panel.mosaicImage] });
}

/** The classifier lens: the decoded grid coloured by the class a classifier sees in each
 * cell, opacity its confidence, outlines where its answer changes or it is unsure. */
export async function drawLens(panel, lens) {
  const n = lens.n;
  const key = JSON.stringify([
    "lens",
    panel.spec.model,
    panel.spec.extent,
    n,
    state.label,
    panel.spec.plane,
    lens.classifier,
  ]);
  if (key === panel.mosaicKey || key === panel.mosaicPending) return;
  panel.mosaicPending = key;
  const classifier = await loadClassifier(lens.classifier);
  const began = performance.now();
  const [x0, x1, y0, y1] = panel.spec.extent;
  const codes = [];
  for (let row = 0; row < n; row += 1) {
    const y = y1 - ((row + 0.5) * (y1 - y0)) / n;
    for (let column = 0; column < n; column += 1) codes.push(panel.code([x0 + ((column + 0.5) * (x1 - x0)) / n, y]));
  }
  const probabilities = classifier.probabilitiesBatch(panel.network.decodeBatch(codes, state.label));
  const { classes, confidence } = lensCells(probabilities, n);
  stats.lensMs = performance.now() - began;
  if (panel.mosaicPending !== key) return;
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
  classes.forEach((c, i) => {
    // an edge where the class changes; unsure cells outlined
    const [x, y] = [(i % n) * cell, Math.floor(i / n) * cell];
    if (i % n < n - 1 && classes[i + 1] !== c) context.fillRect(x + cell - 1, y, 2, cell);
    if (i + n < classes.length && classes[i + n] !== c) context.fillRect(x, y + cell - 1, cell, 2);
    if (confidence[i] < 0.5) context.strokeRect(x + 1.5, y + 1.5, cell - 3, cell - 3);
  });
  panel.mosaicImage = underlay(canvas, panel.spec.extent, 0.85);
  panel.mosaicPending = null;
  panel.mosaicKey = key;
  panel.lensProbabilities = probabilities;
  root.dataset.lens = String(n);
  await window.Plotly.relayout(panel.plot, { images: [panel.mosaicImage] });
}
