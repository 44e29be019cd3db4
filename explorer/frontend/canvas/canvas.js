// The latent canvas: Streamlit component (v1 protocol, no build step). Draws the maps the
// server publishes with plotly.js, runs the models in the browser (decoder.js) and sends
// back what the user does. Message contract: README.md beside this file.
//
// This module lays the page out and handles each render message; the rest is in modules
// beside it: canvas-state.js (what they share), map-panel.js (one map), overlay.js and
// mosaic.js (drawn over and under it), interaction.js (hover, click, drag, the side
// column), pad.js (draw your own, samples), teaching.js and room-view.js (classroom rooms).

import { fitHeight, post, root, state, stats } from "./canvas-state.js";
import { element, fmt, same } from "./draw.js";
import { listenForClicks, redrawAll, restingPoint, showDecoded, showPinnedImages } from "./interaction.js";
import { kernelReady } from "./loading.js";
import { buildPad, drawSamples } from "./pad.js";
import { MapPanel } from "./map-panel.js";
import { applyQuiz, applyRoomView, applySelection, joinRoom } from "../classroom/room-view.js";
import { following, roomStatus } from "../classroom/teaching.js";

function resized() {
  state.panels.forEach((p) => p.resize());
  fitHeight();
}

try {
  window.top.addEventListener("resize", resized); // a taller or shorter window: the map follows
} catch {
  // a frame of another site: its own size changes reach the observer
}

function buildLayout(args) {
  root.replaceChildren();
  root.className = args.mode;
  state.banner = element("div", { class: "banner", "data-testid": "room-banner", hidden: "" }, root);
  state.roomStatus = element(
    "div",
    { class: "banner room-status", "data-testid": "room-status", role: "status", hidden: "" },
    root,
  );
  const maps = element("div", { class: "maps" }, root);
  state.panels = args.maps.map((_, index) => new MapPanel(index, maps));
  const column = element("div", { class: "side" }, root);
  const decoded = element("div", { class: "decoded" }, column);
  state.side = { images: [], captions: [], predictions: [] };
  args.maps.forEach((map, index) => {
    const figure = element("figure", {}, decoded);
    state.side.images.push(
      element(
        "canvas",
        { width: 28, height: 28, "data-testid": "decoded-image", "data-map": index, "data-z": "" },
        figure,
      ),
    );
    state.side.captions.push(element("figcaption", { text: map.label }, figure));
    state.side.predictions.push(
      element("div", { class: "prediction", "data-testid": "prediction", "data-map": index }, figure),
    );
  });
  state.side.coords = element("div", { class: "coords", text: "Move over the map to decode any point." }, column);
  state.side.status = element("div", { class: "status" }, column);
  if (args.mode === "interpolate") {
    const panel = element("div", { class: "panel" }, column);
    element("h4", { text: "The path, decoded" }, panel);
    state.side.strip = element("canvas", { class: "strip", "data-testid": "path-strip" }, panel);
    element("div", { class: "hint", text: "Click twice to set A and B, or drag them." }, panel);
  }
  state.side.samples = element("div", { class: "panel", hidden: "" }, column);
  state.side.samplesTitle = element("h4", {}, state.side.samples);
  state.side.sheet = element("canvas", { class: "sheet", "data-testid": "sample-sheet" }, state.side.samples);
  state.side.column = column;
  new ResizeObserver(resized).observe(root);
}

/** A teacher's pin that has not reached the room yet (made while it was away) is newer than any
 * point the server sends back: the canvas keeps it, and sends it when the room answers. */
const keptPin = () => Boolean(state.room && state.room.token && "point" in state.room.unsent);

function applyOverlay(overlay) {
  if (keptPin()) {
    state.appliedPin = overlay.pinned_by;
  } else if (overlay.pinned && overlay.pinned_by && overlay.pinned_by !== state.appliedPin) {
    state.appliedPin = overlay.pinned_by;
    state.pinned = overlay.pinned;
    root.dataset.pinned = `${fmt(overlay.pinned[0])},${fmt(overlay.pinned[1])}`;
  } else if (!overlay.pinned && overlay.pinned_by !== state.appliedPin) {
    state.appliedPin = overlay.pinned_by;
    state.pinCleared = state.pinned !== null; // Reset: the state.side panel must forget the point too
    state.pinned = null;
    delete root.dataset.pinned;
  }
  if (state.mode === "interpolate" && overlay.ends && !state.dragging && !same(overlay.ends, state.serverEnds)) {
    state.serverEnds = overlay.ends;
    state.ends = overlay.ends.map((e) => [...e]);
  }
}

function statusText() {
  const server = state.panels.filter((p) => !p.network);
  state.side.status.className = `status${server.length ? " server" : ""}`;
  if (!server.length) {
    const kb = state.panels.map((p) => stats.modelBytes[p.spec.model] || 0).reduce((a, b) => a + b, 0) / 1024;
    return `Decoded in your browser as you move (${Math.round(kb)} KB of weights, loaded once).`;
  }
  const reasons = server.map((p) => p.failure || p.spec.server_reason).filter(Boolean);
  return `Decoded on the server after each click: ${reasons.join("; ") || "this model does not run in the browser"}.`;
}

async function render(args) {
  stats.kernel = await kernelReady();
  stats.renders += 1;
  state.generation += 1;
  const token = state.generation;
  const layoutKey = JSON.stringify([args.mode, args.maps.length]);
  const fresh = layoutKey !== state.layoutKey;
  state.args = args;
  state.mode = args.mode;
  state.label = args.label ?? 0;
  if (fresh) {
    state.layoutKey = layoutKey;
    buildLayout(args);
  }
  state.side.captions.forEach((caption, index) => (caption.textContent = args.maps[index].label));
  if (args.draw && !state.side.pad) state.side.pad = buildPad(state.side.column);
  if (state.side.pad) state.side.pad.hidden = !args.draw;
  if (!args.draw && state.drawn) {
    state.drawn = null;
    delete root.dataset.drawn;
  }
  applyOverlay(args.overlay);
  joinRoom(args.room);
  if (fresh && state.room) roomStatus(state.room.status || "connecting");
  if (following() && state.roomView) applyRoomView(state.roomView);
  root.dataset.state = "loading";
  fitHeight();
  await Promise.all(state.panels.map((panel, index) => panel.show(args.maps[index], token)));
  if (token !== state.generation) return;
  state.side.status.textContent = statusText();
  root.dataset.state = state.panels.every((p) => p.network) ? "ready" : "server";
  const roomView = following() ? state.roomView : null; // newer than the run that drew this page
  applyQuiz(roomView ? roomView.quiz || null : args.overlay.quiz || null);
  if (args.overlay.selection !== undefined && args.overlay.selection !== null) applySelection(args.overlay.selection);
  drawSamples();
  redrawAll();
  showPinnedImages();
  const rest = state.hover ? [state.hover, "hover"] : restingPoint();
  const cleared = state.pinCleared;
  state.pinCleared = false;
  if (rest) showDecoded(...rest);
  else if (state.panels.some((p) => p.network) && (cleared || !state.side.images[0].dataset.z)) {
    const plane = state.panels[0] && state.panels[0].spec && state.panels[0].spec.plane;
    showDecoded([0, 0], plane ? "the plane's origin: move over the map" : "the prior's centre: move over the map");
  } else if (cleared) forgetDecoded();
  fitHeight();
}

/** The state.side panel with no point: blank images, and what to do. */
function forgetDecoded() {
  state.side.images.forEach((canvas) => {
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    delete canvas.dataset.z;
  });
  state.side.coords.textContent = "Click anywhere on the map to decode that point.";
}

window.addEventListener("message", (event) => {
  if (event.data && event.data.type === "streamlit:render") {
    render(event.data.args).catch((error) => {
      if (state.side) {
        state.side.status.className = "status error";
        state.side.status.textContent = `The canvas could not draw this map: ${error.message || error}`;
      }
      root.dataset.state = "error";
      fitHeight();
    });
  }
});
post("streamlit:componentReady", { apiVersion: 1 });
listenForClicks();
