// A canvas that follows a classroom room: it joins the room's channel (channel.js) and
// applies each View the teacher publishes, point, path, arrows, selection and quiz, with
// no run on the server (what it takes from a View: follow.js).

import { RoomChannel } from "./channel.js";
import { root, state, stats } from "../canvas/canvas-state.js";
import { fmt, numbers, same } from "../canvas/draw.js";
import { followed, quizWords, selectedIndices } from "./follow.js";
import { redrawAll, showDecoded } from "../canvas/interaction.js";
import { toPlane } from "../planes/planes.js";
import { banner, following, quizHidden, roomStatus } from "./teaching.js";

export function joinRoom(room) {
  const key = room ? JSON.stringify([room.code, room.member, room.token]) : null;
  if (key === state.roomKey) return;
  const before = state.room;
  if (before) before.stop();
  state.room = null;
  state.roomKey = key;
  state.names = room ? room.names || [] : [];
  state.roomView = null;
  delete root.dataset.room;
  if (state.roomStatus) state.roomStatus.hidden = true;
  if (!room) return;
  state.room = new RoomChannel({
    code: room.code,
    member: room.member,
    token: room.token || null,
    declared: room.messages || null,
    onView: room.token ? () => {} : onRoomView,
    onMessage: onRoomMessage,
    onStatus: roomStatus,
  });
  if (before && room.token && before.code === room.code && before.token === room.token) {
    state.room.unsent = before.unsent; // a teacher's changes the room has not taken go on waiting
  }
  state.room.start();
}

export function onRoomView(view, version) {
  state.roomView = view;
  applyRoomView(view);
  stats.followed.push({ version, z: state.pinned, at: Date.now() });
  redrawAll();
  if (!state.hover && state.pinned && state.panels.length) {
    showDecoded(state.pinned, state.mode === "interpolate" ? "the frame at α" : "the teacher's point");
  }
}

export function applyRoomView(view) {
  const shown = followed(view, state.mode);
  const plane = state.panels[0] && state.panels[0].spec && state.panels[0].spec.plane;
  if (plane && view.point && view.point.length === plane.origin.length && state.mode === "explore") {
    shown.pinned = toPlane(plane, view.point); // a wider model's point, where it lies on this map's plane
  }
  const overlay = state.args.overlay;
  overlay.arrows = shown.arrows;
  if (state.mode === "interpolate") {
    Object.assign(overlay, { method: shown.method, steps: shown.steps });
    state.ends = shown.ends;
  }
  if (!same(shown.pinned, state.pinned) && !(quizHidden() && state.mode === "explore")) {
    state.pinned = shown.pinned;
    if (shown.pinned) root.dataset.pinned = `${fmt(shown.pinned[0])},${fmt(shown.pinned[1])}`;
    else delete root.dataset.pinned;
  }
  if (state.mode === "compare") applySelection(shown.selection);
  applyQuiz(shown.quiz);
}

export function onRoomMessage(message) {
  if (message.type === "answered") {
    banner(`Your answer is in: (${message.z[0].toFixed(2)}, ${message.z[1].toFixed(2)}). Click again to change it.`);
  } else if (message.type === "refused" && !message.retry) {
    banner(message.reason); // a passing refusal is the room status's to tell
  }
}

const QUIZ_HOVER = "a test image<br>z = (%{x:.2f}, %{y:.2f})<extra></extra>"; // no class, no row

/** Hide the class colours (and the decoded grid) while a quiz waits; bring them back when
 * it is revealed or over. Only a student's map hides them. */
export function applyQuiz(quiz) {
  const before = quizHidden();
  const changed = !same(quiz, state.quiz);
  state.quiz = quiz;
  const hidden = quizHidden();
  root.dataset.quiz = quiz ? (quiz.revealed ? "revealed" : "hidden") : "";
  if (changed || !state.banner.textContent) banner(following() ? quizWords(quiz, state.names) : "");
  if (hidden === before && !hidden) return;
  for (const panel of state.panels) {
    if (!panel.plotted()) continue; // a sketch has no traces to restyle: show() applies them after
    const traces = panel.plot.data
      .map((trace, index) => [trace, index])
      .filter(([trace]) => trace.customdata && trace.marker);
    const indices = traces.map(([, i]) => i);
    if (hidden && !panel.colours) {
      // Colour, legend and hover text would all name the class: each is hidden while the quiz waits.
      panel.colours = traces.map(([trace]) => trace.marker.color);
      panel.hovers = traces.map(([trace]) => trace.hovertemplate);
      window.Plotly.restyle(
        panel.plot,
        { "marker.color": "#9e9e9e", showlegend: false, hovertemplate: QUIZ_HOVER },
        indices,
      );
    } else if (!hidden && panel.colours) {
      window.Plotly.restyle(
        panel.plot,
        { "marker.color": panel.colours, showlegend: true, hovertemplate: panel.hovers },
        indices,
      );
      panel.colours = panel.hovers = null;
    }
    panel.drawMosaic();
  }
}

export function applySelection(rows) {
  for (const panel of state.panels) {
    if (!panel.plotted()) continue; // a sketch has no traces to restyle: show() applies them after
    const traces = panel.plot.data.map((trace, index) => [trace, index]).filter(([trace]) => trace.customdata);
    const chosen = traces.map(([trace]) => selectedIndices(numbers(trace.customdata), rows));
    window.Plotly.restyle(
      panel.plot,
      { selectedpoints: chosen },
      traces.map(([, i]) => i),
    );
  }
  root.dataset.selection = rows ? String(rows.length) : "";
}
