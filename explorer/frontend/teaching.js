// A canvas in a classroom room: a teacher's canvas publishes its changes (at most one per
// frame during a drag), a student's follows; while a quiz waits, a student's map hides the
// classes and a banner over the maps speaks for the room.

import { fitHeight, state, stats } from "./canvas-state.js";

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
