// The published page as the canvas's host (canvas/canvas-state.js useHost): the page's own
// data (a JSON script element written by explorer/standalone/page.py) answers every fetch, the
// WebAssembly kernel comes from it too, messages the canvas sends go to the page's listeners,
// and the maps stay sketches (no plotly.js). Imported before the canvas, so no message leaves
// the page, whatever frame it is shown in.

import { useHost } from "../canvas/canvas-state.js";

export const data = JSON.parse(document.getElementById("published-data").textContent);

const bytes = (base64) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
const files = new Map(Object.entries(data.files).map(([name, file]) => [name, file]));
const listeners = [];

/** Hear every message the canvas sends (its events, its height). */
export function onMessage(listener) {
  listeners.push(listener);
}

/** A file of the page as fetch answers it; anything else is missing (no network, ever). */
export async function answer(url) {
  const file = files.get(String(url));
  if (!file) return new Response(null, { status: 404, statusText: "not in this page" });
  return new Response(file.base64 !== undefined ? bytes(file.base64) : JSON.stringify(file.json));
}

useHost({
  post: (message) => listeners.forEach((listener) => listener(message)),
  fetch: answer,
  kernel: () => bytes(data.kernel),
  plotly: false,
});
