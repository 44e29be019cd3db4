// A published view (explorer/standalone/page.py): the latent canvas of the app, hosted by the
// page itself (host.js), with the controls the app's server would otherwise give it: explore or
// interpolate, the plane of a wider model, the path's method, steps and frame, the traversal
// grid of the pinned point, and a link (#z=…) that restores the pinned point.

import { data, onMessage } from "./host.js";
import { root } from "../canvas/canvas-state.js";
import "../canvas/canvas.js";
import { loadNetwork } from "../canvas/loading.js";
import { interpolate } from "../canvas/paths.js";
import { onPlane } from "../planes/planes.js";
import { drawTraversals } from "../traversal/grid.js";

const LIMIT = 50; // the largest coordinate a link may name, as the app's events
const byId = (id) => document.getElementById(id);
const stats = (window.__published = { traversal: { gridMs: null, slider: [] }, renders: 0 });

/** What the page shows: the map's mode, plane and pinned point, the path's ends and frame. */
const view = {
  mode: "explore",
  plane: data.view.plane,
  pinned: data.view.pinned,
  ends: null,
  method: "linear",
  steps: 12,
  frame: 0,
  label: data.label, // the class a conditional model decodes as (null otherwise)
  moved: 0, // counts the page's own moves of the pinned point (the canvas applies each once)
};

/** Two finite coordinates within the limit, from "x,y", or null. */
export function readPoint(text) {
  const values = String(text || "")
    .split(",")
    .map(Number);
  const fine = values.length === 2 && values.every((v) => Number.isFinite(v) && Math.abs(v) <= LIMIT);
  return fine ? values : null;
}

const written = (point) => point.map((v) => Number(v.toFixed(4))).join(",");

/** The view's part of the address: #z=x,y[&plane=k][&a=x,y&b=x,y]. */
function fragment() {
  const parts = [];
  if (view.pinned && view.mode === "explore") parts.push(`z=${written(view.pinned)}`);
  if (view.plane !== data.view.plane) parts.push(`plane=${view.plane}`);
  if (view.ends) parts.push(`a=${written(view.ends[0])}`, `b=${written(view.ends[1])}`, `mode=interpolate`);
  return parts.length ? `#${parts.join("&")}` : "";
}

/** Apply an address's fragment; a malformed part is ignored (the page keeps its view). */
function readFragment(hash) {
  const fields = new URLSearchParams(String(hash).replace(/^#/, ""));
  const plane = Number(fields.get("plane"));
  if (Number.isInteger(plane) && plane >= 0 && plane < data.maps.length) view.plane = plane;
  const pinned = readPoint(fields.get("z"));
  if (pinned) view.pinned = pinned;
  const ends = [readPoint(fields.get("a")), readPoint(fields.get("b"))];
  if (ends[0] && ends[1]) view.ends = ends;
  if (fields.get("mode") === "interpolate" && view.ends) view.mode = "interpolate";
}

function showLink() {
  const hash = fragment();
  if (location.hash !== hash) history.replaceState(null, "", hash || location.pathname + location.search);
  byId("link").value = location.href;
}

/** The point the canvas pins: the user's in explore mode, the path's frame in interpolate. */
function pinnedPoint() {
  if (view.mode === "explore") return view.pinned;
  if (!view.ends) return null;
  return interpolate(view.ends[0], view.ends[1], view.steps, view.method)[Math.min(view.frame, view.steps - 1)];
}

function args() {
  const map = data.maps[view.plane];
  const spec = {
    figure: map.figure,
    extent: map.extent,
    model: "model",
    encoder: null,
    label: data.model,
    server_reason: null,
    mosaic: 0,
    plane: map.plane,
    anchors: [],
  };
  const pinned = pinnedPoint();
  const overlay = {
    pinned,
    pinned_by: `page-${view.moved}`,
    pinned_images: null,
    ellipses: [],
    samples: [],
    samples_title: "",
    ends: view.mode === "interpolate" ? view.ends : null,
    method: view.method,
    steps: view.steps,
    arrows: [],
    selection: null,
    quiz: null,
    lens: null,
  };
  return { mode: view.mode, maps: [spec], label: view.label, draw: false, height: 760, overlay, room: null };
}

function render() {
  stats.renders += 1;
  window.dispatchEvent(new MessageEvent("message", { data: { type: "streamlit:render", args: args() } }));
  showControls();
  showLink();
  showTraversals();
}

/** The page moved the pinned point (a link, a plane, the path's frame): the canvas takes it. */
function moved() {
  view.moved += 1;
  render();
}

function showControls() {
  byId("path-controls").hidden = view.mode !== "interpolate";
  byId("frame").max = String(view.steps - 1);
  byId("frame").value = String(Math.min(view.frame, view.steps - 1));
  byId("frame").disabled = !view.ends;
  byId("frame-words").textContent = view.ends ? `frame ${view.frame + 1} of ${view.steps}` : "click A and B first";
  byId("steps-words").textContent = String(view.steps);
  for (const input of document.querySelectorAll("input[name=mode]")) input.checked = input.value === view.mode;
}

async function showTraversals() {
  const section = byId("traversals");
  if (data.latent_dim <= 2) return;
  section.hidden = false;
  const plane = data.maps[view.plane].plane;
  const point = pinnedPoint() || [0, 0];
  const code = onPlane(plane, point);
  const where = pinnedPoint()
    ? `the ${view.mode === "explore" ? "pinned point" : "path's frame"}`
    : "the plane's origin";
  byId("traversal-words").textContent =
    `Around ${where}: (${point.map((v) => v.toFixed(2)).join(", ")}) on this plane.`;
  const network = await loadNetwork("model");
  drawTraversals(
    byId("traversal"),
    { code, steps: 9, reach: 3, kl: data.kl, label: view.label },
    network,
    stats.traversal,
  );
}

onMessage((message) => {
  if (message.type !== "streamlit:setComponentValue") return;
  const event = message.value;
  if (event.kind === "pin" && readPoint(event.z)) {
    view.pinned = event.z;
    showLink();
    showTraversals();
  } else if (event.kind === "ends" && readPoint(event.a) && readPoint(event.b)) {
    view.ends = [event.a, event.b];
    moved();
  } else if (event.kind === "fallback") {
    byId("trouble").hidden = false;
    byId("trouble").textContent = `This browser could not run the model: ${event.reason}`;
  }
});

function header() {
  document.title = data.title;
  byId("title").textContent = data.title;
  byId("note").textContent = data.note;
  byId("note").hidden = !data.note;
  const numbers = byId("numbers");
  for (const [label, value] of data.numbers) {
    const item = document.createElement("div");
    item.append(Object.assign(document.createElement("dt"), { textContent: label }));
    item.append(Object.assign(document.createElement("dd"), { textContent: value }));
    numbers.append(item);
  }
  const planes = byId("plane");
  data.maps.forEach((map, index) => planes.append(new Option(map.name, String(index))));
  byId("plane-row").hidden = data.maps.length < 2;
  (data.classes || []).forEach((name, index) => byId("class").append(new Option(name, String(index))));
  byId("class-row").hidden = !data.classes;
}

function listen() {
  for (const input of document.querySelectorAll("input[name=mode]")) {
    input.addEventListener("change", () => {
      view.mode = input.value;
      moved();
    });
  }
  byId("plane").addEventListener("change", (event) => {
    view.plane = Number(event.target.value);
    view.pinned = null; // a point of another plane names another code
    view.ends = null;
    moved();
  });
  byId("class").addEventListener("change", (event) => {
    view.label = Number(event.target.value);
    render();
  });
  byId("method").addEventListener("change", (event) => {
    view.method = event.target.value === "slerp" ? "slerp" : "linear";
    moved();
  });
  byId("steps").addEventListener("input", (event) => {
    view.steps = Math.max(3, Math.min(24, Number(event.target.value) || 12));
    view.frame = Math.min(view.frame, view.steps - 1);
    moved();
  });
  byId("frame").addEventListener("input", (event) => {
    view.frame = Math.max(0, Math.min(view.steps - 1, Number(event.target.value) || 0));
    moved();
  });
  byId("copy").addEventListener("click", async () => {
    const link = byId("link");
    link.select();
    try {
      await navigator.clipboard.writeText(link.value);
      byId("copy").textContent = "Copied";
    } catch {
      byId("copy").textContent = "Selected: copy it";
    }
  });
  window.addEventListener("hashchange", () => {
    readFragment(location.hash);
    byId("plane").value = String(view.plane);
    moved();
  });
}

header();
readFragment(location.hash);
byId("plane").value = String(view.plane);
listen();
root.dataset.published = "true";
render();
