// What the user does on the maps and what the side column shows for it: hovering decodes
// (at most once per frame), a click pins a point (or sets A and B on Interpolate), the
// pin, the ends and a plane's anchors are dragged; the decoded images, the classifier's
// word on them, and the interpolation strip.

import { emit, root, state, stats } from "./canvas-state.js";
import { drawImage, drawTiles, fmt, same } from "./draw.js";
import { classifiers } from "./loading.js";
import { predictionWords } from "./lens.js";
import { interpolate } from "./paths.js";
import { banner, publish, publishSoon, quizHidden } from "../classroom/teaching.js";

/** A click is a press and release within 5 px and 800 ms (plotly.js pans on drags). It
 * covers the page while a button is down, so the release is heard on the window. */
export function listenForClicks() {
  window.addEventListener(
    "pointerup",
    (event) => {
      const down = state.pressed;
      state.pressed = null;
      const far = Math.hypot(event.clientX - down?.x, event.clientY - down?.y) > 5;
      if (!down || state.dragging || far || event.timeStamp - down.time > 800) return;
      const point = down.panel.toData(event.clientX, event.clientY);
      if (point) onClick(down.panel, point, event);
    },
    true,
  );
}

// --- decoding to the side panel ------------------------------------------------------

export function showDecoded(point, source, started = null) {
  state.panels.forEach((panel, index) => {
    const canvas = state.side.images[index];
    if (!canvas) return;
    if (panel.network) {
      const begin = performance.now();
      const values = panel.network.decode(panel.code(point), state.label);
      stats.decode.push(performance.now() - begin);
      drawImage(canvas, values);
      canvas.dataset.z = `${fmt(point[0])},${fmt(point[1])}`;
      showPrediction(index, values);
    }
  });
  state.side.coords.innerHTML = `<b>z = (${point[0].toFixed(3)}, ${point[1].toFixed(3)})</b> · ${source}`;
  if (started !== null) stats[source === "hover" ? "hover" : "pin"].push(performance.now() - started);
}

/** The classifier lens's answer for the image beside the map. */
export function showPrediction(index, values) {
  const lens = state.args.overlay.lens;
  const line = state.side.predictions[index];
  if (!line) return;
  if (!lens || quizHidden()) {
    line.textContent = "";
    delete line.dataset.prediction;
    return;
  }
  const classifier = classifiers.get(lens.classifier);
  if (!classifier) return;
  classifier
    .then((network) => {
      const p = network.probabilities(values);
      line.textContent = `The classifier sees ${predictionWords(p, lens.names)}`;
      line.dataset.prediction = String(p.indexOf(Math.max(...p)));
    })
    .catch(() => {});
}

export function showPinnedImages() {
  const images = state.args.overlay.pinned_images || [];
  images.forEach((uri, index) => {
    const canvas = state.side.images[index];
    if (!uri || !canvas || state.panels[index].network) return;
    const picture = new Image();
    picture.onload = () => {
      canvas.width = picture.naturalWidth;
      canvas.height = picture.naturalHeight;
      canvas.getContext("2d").drawImage(picture, 0, 0);
      canvas.dataset.z = `${fmt(state.pinned[0])},${fmt(state.pinned[1])}`;
    };
    picture.src = uri;
  });
}

let decodedThisFrame = false; // hovering decodes at most once per frame
let latestHover = null; // the newest position this frame, decoded at the next

export function onHover(panel, event) {
  if (state.dragging) return;
  const point = panel.toData(event.clientX, event.clientY);
  if (!point) return onLeave();
  if (decodedThisFrame) {
    latestHover = { point, time: event.timeStamp }; // drawn at the next frame unless newer input comes
    return;
  }
  decodedThisFrame = true;
  requestAnimationFrame(() => {
    decodedThisFrame = false;
    if (latestHover) {
      const { point: last, time } = latestHover;
      latestHover = null;
      hoverAt(last, time);
    }
  });
  hoverAt(point, event.timeStamp);
}

export function hoverAt(point, time) {
  if (same(point, state.hover)) return;
  state.hover = point;
  state.panels.forEach((p) => p.moveCursor());
  showDecoded(point, "hover", time);
}

export function onLeave() {
  if (state.dragging) return;
  state.hover = null;
  state.panels.forEach((p) => p.moveCursor());
  const rest = restingPoint();
  if (rest) showDecoded(...rest);
}

/** What the state.side panel shows when the mouse is not over a map: [point, words] or null. */
export function restingPoint() {
  if (state.pinned) return [state.pinned, state.mode === "interpolate" ? "the frame at α" : "pinned"];
  if (state.mode === "interpolate" && state.ends && state.ends[0]) return [state.ends[0], "point A"];
  return null;
}

export function onClick(panel, point, event) {
  if (state.mode === "interpolate") {
    state.ends = !state.ends || state.ends[1] ? [point, null] : [state.ends[0], point];
    redrawAll();
    if (state.ends[1]) {
      publish({ ends: state.ends });
      emit({ kind: "ends", a: state.ends[0], b: state.ends[1] });
    }
    return;
  }
  state.pinned = point;
  showDecoded(point, "pinned", event.timeStamp);
  root.dataset.pinned = `${fmt(point[0])},${fmt(point[1])}`;
  redrawAll();
  if (quizHidden() && state.room) {
    // a student's quiz answer goes to the room alone: no run on the server
    banner(
      state.room.send({ type: "answer", z: point })
        ? "Sending your answer…"
        : "Not connected to the room: click again in a moment.",
    );
    return;
  }
  publish({ point, point_source: "click" });
  emit({ kind: "pin", map: panel.index, z: point });
}

// --- dragging the pinned point or an end of the path ----------------------------------

export function startDrag(panel, event, what) {
  event.preventDefault();
  event.stopPropagation();
  state.dragging = { panel, what };
  const start = { x: event.clientX, y: event.clientY };
  let moved = false;
  const move = (e) => {
    moved = moved || Math.hypot(e.clientX - start.x, e.clientY - start.y) > 3;
    const point = panel.toData(e.clientX, e.clientY);
    if (!moved || !point) return;
    if (what === "pin") state.pinned = point;
    else if (what.startsWith("anchor")) panel.spec.anchors[Number(what.slice(7))] = point;
    else state.ends[what === "a" ? 0 : 1] = point;
    showDecoded(
      point,
      what === "pin"
        ? "pinned"
        : what.startsWith("anchor")
          ? `anchor ${Number(what.slice(7)) + 1}`
          : `point ${what.toUpperCase()}`,
      e.timeStamp,
    );
    redrawAll();
    publishSoon(
      what === "pin"
        ? { point }
        : state.mode === "interpolate" && state.ends[0] && state.ends[1]
          ? { ends: state.ends }
          : null,
    );
  };
  const end = (e) => {
    window.removeEventListener("pointermove", move, true);
    window.removeEventListener("pointerup", end, true);
    state.dragging = null;
    state.hover = null;
    state.panels.forEach((p) => p.moveCursor());
    if (!moved) {
      // a click on the star pins where it lands; a click on A or B changes nothing
      const point = what === "pin" && panel.toData(e.clientX, e.clientY);
      if (point) onClick(panel, point, e);
      return;
    }
    if (what.startsWith("anchor")) {
      const index = Number(what.slice(7));
      emit({ kind: "anchor", index, z: panel.spec.anchors[index] }); // the server moves the plane through it
    } else if (what === "pin") {
      root.dataset.pinned = `${fmt(state.pinned[0])},${fmt(state.pinned[1])}`;
      publish({ point: state.pinned, point_source: "click" });
      emit({ kind: "pin", map: panel.index, z: state.pinned });
    } else if (state.ends[0] && state.ends[1]) {
      publish({ ends: state.ends });
      emit({ kind: "ends", a: state.ends[0], b: state.ends[1] });
    }
  };
  window.addEventListener("pointermove", move, true);
  window.addEventListener("pointerup", end, true);
}

// --- the interpolation path ----------------------------------------------------------

export function pathPoints() {
  const ends = state.ends;
  if (!ends || !ends[0] || !ends[1]) return null;
  const overlay = state.args.overlay;
  return interpolate(ends[0], ends[1], overlay.steps || 12, overlay.method || "linear");
}

export function drawStrip() {
  if (!state.side.strip) return;
  const path = pathPoints();
  const network = state.panels[0] && state.panels[0].network;
  if (!path || !network) return;
  drawTiles(
    state.side.strip,
    path.map((p) => network.decode(p, state.label)),
    path.length,
  );
  state.side.strip.dataset.steps = String(path.length);
  state.side.strip.dataset.ends = state.ends.map((e) => `${fmt(e[0])},${fmt(e[1])}`).join(";");
  state.side.strip.dataset.method = state.args.overlay.method || "linear";
}

export function redrawAll() {
  state.panels.forEach((p) => p.redraw());
  if (state.mode === "interpolate") drawStrip();
}
