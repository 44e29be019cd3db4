// Paths and the drawing pad's preparation against the Python side ($CANVAS_FIXTURES).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { interpolate, labelPlace, prepareDrawing } from "../../explorer/frontend/canvas/paths.js";

const root = process.env.CANVAS_FIXTURES;
const fixtures = JSON.parse(readFileSync(join(root, "paths.json"), "utf8"));

test("linear and slerp paths match vae_core.analysis.geometry.interpolate", () => {
  for (const { z0, z1, steps, method, path } of fixtures.interpolations) {
    const ours = interpolate(z0, z1, steps, method);
    assert.equal(ours.length, path.length);
    ours.forEach((point, i) =>
      point.forEach((v, j) => assert.ok(Math.abs(v - path[i][j]) < 1e-5, `${method} step ${i}`)),
    );
  }
  assert.throws(() => interpolate([0, 0], [1, 1], 1), /steps >= 2/);
});

/** Mean absolute difference of two 28x28 images after shifting the first by (dy, dx). */
function shiftedDifference(ours, theirs, dy, dx) {
  let total = 0;
  for (let y = 0; y < 28; y += 1) {
    for (let x = 0; x < 28; x += 1) {
      const sy = y - dy;
      const sx = x - dx;
      const value = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? ours[sy * 28 + sx] : 0;
      total += Math.abs(value - theirs[y * 28 + x]);
    }
  }
  return total / 784;
}

test("a drawing is prepared like an upload", () => {
  // The resampling filters differ (area average here, Lanczos in PIL), so the centre of
  // mass can round to the neighbouring pixel: allow a one-pixel shift, nothing more.
  for (const { ink, height, width, prepared } of fixtures.drawings) {
    const ours = prepareDrawing(Float32Array.from(ink), height, width, 28);
    let best = Infinity;
    for (const dy of [-1, 0, 1])
      for (const dx of [-1, 0, 1]) best = Math.min(best, shiftedDifference(ours, prepared, dy, dx));
    assert.ok(best < 0.01, `mean difference ${best} at the best one-pixel shift`);
    const ourMass = ours.reduce((a, b) => a + b, 0);
    const theirMass = prepared.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(ourMass - theirMass) / theirMass < 0.05, `ink ${ourMass} vs ${theirMass}`);
  }
  assert.equal(prepareDrawing(new Float32Array(100), 10, 10, 28), null);
});

test("arrow labels keep clear of each other", () => {
  const placed = [];
  // Two parallel arrows whose middles almost coincide (a class-mean arrow and the same arrow, scaled).
  const first = labelPlace(100, 100, [0, -1], "mean 0 → mean 6", placed);
  const second = labelPlace(104, 102, [0, -1], "1 × (mean 6 − mean 0)", placed);
  assert.deepEqual(first, [100, 86]); // beside the middle, along the normal
  assert.equal(placed.length, 2);
  const [a, b] = placed;
  const apart = Math.abs(a.x - b.x) * 2 >= a.width + b.width || Math.abs(a.y - b.y) * 2 >= a.height + b.height;
  assert.ok(apart, `labels overlap: ${JSON.stringify(placed)}`);
  assert.ok(Math.abs(second[0] - 104) < 1e-9); // moved along the normal only
});
