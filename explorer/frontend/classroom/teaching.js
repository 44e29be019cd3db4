// A canvas in a classroom room: a teacher's canvas publishes its changes (at most one per
// frame during a drag), a student's follows; while a quiz waits, a student's map hides the
// classes and a banner over the maps speaks for the room.

import { fitHeight, root, state, stats } from "../canvas/canvas-state.js";
import { statusSentence } from "./channel.js";

/** This canvas follows a teacher: in a room without the teacher's token. */
export const following = () => Boolean(state.room && !state.room.token);

/** A student's map while a quiz waits for answers: class colours, legend and grid hidden. */
export const quizHidden = () => Boolean(state.quiz && !state.quiz.revealed && !(state.room && state.room.token));

/** A teacher's change, straight to the room (a student's canvas publishes nothing). */
export function publish(changes) {
  if (!state.room || !state.room.token || !changes) return;
  if (state.room.patch(changes)) stats.published.push({ ...changes, at: Date.now() });
}

let pending = null; // the newest change of this frame, while a drag publishes

/** During a drag: at most one change per frame, the newest. */
export function publishSoon(changes) {
  if (!changes || !state.room || !state.room.token) return;
  const first = pending === null;
  pending = changes;
  if (first) {
    requestAnimationFrame(() => {
      const latest = pending;
      pending = null;
      publish(latest);
    });
  }
}

export function banner(text) {
  if (!state.banner) return;
  state.banner.textContent = text;
  state.banner.hidden = !text;
  fitHeight();
}

const STATUS_DELAY_MS = { connecting: 2500, reconnecting: 600 }; // a blip shorter than this says nothing
let statusTimer = null;

/** The room channel's state on the root (data-room) and, unless it is live, in words over the
 * maps: what happened and what to do. */
export function roomStatus(status, reason = "") {
  root.dataset.room = status;
  const box = state.roomStatus;
  if (!box) return;
  clearTimeout(statusTimer);
  const words = statusSentence(status, reason, Boolean(state.room && state.room.token));
  const show = () => {
    box.textContent = words;
    box.dataset.state = status;
    box.hidden = !words;
    fitHeight();
  };
  if (!words || !STATUS_DELAY_MS[status]) show();
  else statusTimer = setTimeout(show, STATUS_DELAY_MS[status]);
}
