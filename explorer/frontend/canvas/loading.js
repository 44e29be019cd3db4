// What the canvas fetches, once per URL (names carry their content hash; the HTTP cache
// keeps them): networks, classifiers, figures, and the WebAssembly kernel.

import { Classifier, Network, loadKernel } from "../decoder/decoder.js";
import { host, stats } from "./canvas-state.js";

let kernel = null;

/** The dense layers in WebAssembly SIMD, loaded on the first call (from the host's source). */
export function kernelReady() {
  kernel = kernel || loadKernel(host.kernel());
  return kernel;
}

/** ``read(arrayBuffer)`` of ``url``, fetched at most once per ``cache``; a failed answer rejects. */
export function fetchOnce(cache, url, read) {
  if (!cache.has(url)) {
    cache.set(
      url,
      host.fetch(url).then(async (response) => {
        if (!response.ok) throw new Error(`${url} answered ${response.status}`);
        return read(await response.arrayBuffer());
      }),
    );
  }
  return cache.get(url);
}

const networks = new Map();
const figures = new Map();
export const classifiers = new Map();

export const loadNetwork = (url) =>
  fetchOnce(networks, url, (buffer) => {
    stats.modelBytes[url] = buffer.byteLength;
    return new Network(buffer);
  });
export const loadClassifier = (url) => fetchOnce(classifiers, url, (buffer) => new Classifier(buffer));
export const loadFigure = (url) =>
  fetchOnce(figures, url, (buffer) => {
    stats.figureBytes[url] = buffer.byteLength;
    return JSON.parse(new TextDecoder().decode(buffer));
  });

// plotly.js is fetched at once (index.html preloads it) but run only when asked: compiling it
// holds the page's only thread for a second or more on a slow machine, so the first map is
// sketched on a plain canvas, painted, and only then is plotly.js started.
const PLOTLY_URL = "../explorer.canvas.plotly_js/plotly.min.js";
let plotly = null;

/** plotly.js, started on the first call (after the page has painted what it has). */
export function plotlyReady() {
  if (!plotly) {
    plotly = !host.plotly
      ? Promise.resolve(null) // a published page keeps its sketches: they are its maps
      : window.Plotly
        ? Promise.resolve(window.Plotly)
        : afterPaint().then(
            () =>
              new Promise((resolve, reject) => {
                const script = document.createElement("script");
                script.src = PLOTLY_URL;
                script.addEventListener("load", () => resolve(window.Plotly));
                script.addEventListener("error", () => reject(new Error("plotly.js could not be loaded")));
                document.head.append(script);
              }),
          );
  }
  return plotly;
}

/** Resolves once the browser has painted the frame being drawn now. */
export const afterPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
