// The traversal component (explorer/maps/planes.py): the grid of grid.js for the code and model
// of each render message, its frame as tall as the grid. Contract: ../README.md.

import { Network, loadKernel } from "../explorer.canvas.latent_canvas/decoder/decoder.js";
import { drawTraversals } from "./grid.js";

const root = document.getElementById("root");
const stats = (window.__traversal = { gridMs: null, slider: [], kernel: null });
const kernelReady = loadKernel(new URL("../explorer.canvas.latent_canvas/decoder/dense.wasm", import.meta.url));
const networks = new Map();

function post(type, data = {}) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}

function load(url) {
  if (!networks.has(url)) {
    networks.set(
      url,
      fetch(url).then(async (response) => {
        if (!response.ok) throw new Error(`${url} answered ${response.status}`);
        return new Network(await response.arrayBuffer());
      }),
    );
  }
  return networks.get(url);
}

window.addEventListener("message", async (event) => {
  if (!event.data || event.data.type !== "streamlit:render") return;
  const args = event.data.args;
  try {
    stats.kernel = await kernelReady;
    drawTraversals(root, args, await load(args.model), stats);
    post("streamlit:setFrameHeight", { height: Math.ceil(root.getBoundingClientRect().height) + 8 });
  } catch (error) {
    root.dataset.state = "error";
    root.textContent = `The traversals could not be drawn: ${error.message || error}`;
    post("streamlit:setFrameHeight", { height: 40 });
  }
});
post("streamlit:componentReady", { apiVersion: 1 });
