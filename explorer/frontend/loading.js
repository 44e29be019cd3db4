// What the canvas fetches, once per URL (names carry their content hash; the HTTP cache
// keeps them): networks, classifiers, figures, and the WebAssembly kernel.

import { Classifier, Network, loadKernel } from "./decoder.js";
import { stats } from "./canvas-state.js";

export const kernelReady = loadKernel(new URL("./dense.wasm", import.meta.url)); // dense layers in WebAssembly SIMD

/** ``read(arrayBuffer)`` of ``url``, fetched at most once per ``cache``; a failed answer rejects. */
export function fetchOnce(cache, url, read) {
  if (!cache.has(url)) {
    cache.set(url, fetch(url).then(async (response) => {
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      return read(await response.arrayBuffer());
    }));
  }
  return cache.get(url);
}

const networks = new Map();
const figures = new Map();
export const classifiers = new Map();

export const loadNetwork = (url) => fetchOnce(networks, url, (buffer) => {
  stats.modelBytes[url] = buffer.byteLength;
  return new Network(buffer);
});
export const loadClassifier = (url) => fetchOnce(classifiers, url, (buffer) => new Classifier(buffer));
export const loadFigure = (url) => fetchOnce(figures, url, (buffer) => {
  stats.figureBytes[url] = buffer.byteLength;
  return JSON.parse(new TextDecoder().decode(buffer));
});

// plotly.js loads in parallel (index.html): the figure and the model are fetched meanwhile.
export const plotlyReady = new Promise((resolve, reject) => {
  if (window.Plotly) return resolve(window.Plotly);
  const script = document.querySelector('script[src*="plotly.min.js"]');
  script.addEventListener("load", () => resolve(window.Plotly));
  script.addEventListener("error", () => reject(new Error("plotly.js could not be loaded")));
});
