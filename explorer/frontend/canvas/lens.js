// The classifier lens: what a classifier sees in each cell of a decoded grid, as colours
// (its class), opacity (its confidence) and borders (where its answer changes, or it is
// unsure). Pure: node tests hold it to the numpy classifier's answers.

export const UNSURE = 0.5; // below this confidence a cell is outlined as unsure

/** probabilities [n·n][10] (row-major, top row first) -> { classes, confidence, border } per cell;
 * a cell is a border when its class differs from the cell to its right or below, or it is unsure. */
export function lensCells(probabilities, n) {
  const classes = probabilities.map((p) => p.indexOf(Math.max(...p)));
  const confidence = probabilities.map((p, i) => p[classes[i]]);
  const border = classes.map((c, i) => {
    const right = i % n < n - 1 ? classes[i + 1] : c;
    const below = i + n < classes.length ? classes[i + n] : c;
    return right !== c || below !== c || confidence[i] < UNSURE;
  });
  return { classes, confidence, border };
}

/** "4 (93 %)": a prediction in words, with the class names when given. */
export function predictionWords(p, names = []) {
  const best = p.indexOf(Math.max(...p));
  return `${names[best] ?? best} (${Math.round(100 * p[best])} %)`;
}
