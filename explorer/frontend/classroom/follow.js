// What a follower's canvas shows of the teacher's view (explorer/core/view.py's View as JSON):
// pure functions, so that node tests can check them against the Python side.

import { interpolate } from "../canvas/paths.js";

const plane = (point) => (point ? [Number(point[0]), Number(point.length > 1 ? point[1] : 0)] : null);

/** The parts of ``view`` a canvas in ``mode`` draws: pinned point (in interpolate mode the
 * frame at α), ends, path, arrows, selection and quiz. Points keep their first two
 * coordinates: a map shows those. */
export function followed(view, mode) {
  const ends = view.ends ? view.ends.map(plane) : null;
  const steps = view.steps || 12;
  const method = view.method || "linear";
  let pinned = plane(view.point);
  if (mode === "interpolate") {
    pinned = ends ? interpolate(ends[0], ends[1], steps, method)[Math.min(view.alpha || 0, steps - 1)] : null;
  }
  return {
    pinned,
    ends,
    method,
    steps,
    arrows: (view.arrows || []).map((arrow) => [...arrow]),
    selection: view.selection ? [...view.selection] : null,
    quiz: view.quiz || null,
  };
}

/** Indices of a trace's points whose row (customdata) is in ``rows``; null for no selection. */
export function selectedIndices(customdata, rows) {
  if (!rows) return null;
  const wanted = new Set(rows);
  const indices = [];
  for (let i = 0; i < customdata.length; i += 1) if (wanted.has(customdata[i])) indices.push(i);
  return indices;
}

/** What a quiz banner says to a student, or "" when no quiz runs. */
export function quizWords(quiz, names = []) {
  if (!quiz) return "";
  const name = names[quiz.target] ?? String(quiz.target);
  return quiz.revealed
    ? `Quiz revealed: the colours are back. Where does ${name} live?`
    : `Quiz: the colours are hidden. Click where you think ${name} lives (hover to decode and look around first).`;
}
