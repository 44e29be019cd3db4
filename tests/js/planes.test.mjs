// Planes and traversals in the browser against vae_core.analysis.planes ($PLANE_FIXTURES).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { byInformation, onPlane, toPlane, traversalCodes } from "../../explorer/frontend/planes/planes.js";

const fixtures = JSON.parse(readFileSync(process.env.PLANE_FIXTURES, "utf8"));
const close = (ours, theirs, what) =>
  ours.forEach((v, i) => assert.ok(Math.abs(v - theirs[i]) < 1e-9, `${what}[${i}]`));

test("a plane's points and a code's place on it match Python's Plane", () => {
  for (const { plane, uv, codes, projected } of fixtures.planes) {
    uv.forEach((point, n) => close(onPlane(plane, point), codes[n], "code"));
    codes.forEach((code, n) => close(toPlane(plane, code), projected[n], "projection"));
  }
  assert.deepEqual(onPlane(null, [1, 2]), [1, 2]);
  assert.deepEqual(toPlane(null, [1, 2, 3]), [1, 2]);
});

test("traversals match traversal_codes, rows sorted by KL", () => {
  const { code, steps, grid, kl, order } = fixtures.traversal;
  const ours = traversalCodes(code, steps, 3);
  ours.forEach((row, dim) => row.forEach((z, k) => close(z, grid[dim][k], `row ${dim} step ${k}`)));
  assert.deepEqual(byInformation(kl, code.length), order);
  assert.deepEqual(byInformation(null, 3), [0, 1, 2]);
});

test("the classifier lens in the browser answers as the numpy classifier", async () => {
  const { Classifier } = await import("../../explorer/frontend/decoder/decoder.js");
  const { lensCells, predictionWords } = await import("../../explorer/frontend/canvas/lens.js");
  const bytes = readFileSync(fixtures.lens.file);
  const classifier = new Classifier(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const batch = classifier.probabilitiesBatch(fixtures.lens.images);
  fixtures.lens.images.forEach((image, n) => {
    const ours = classifier.probabilities(image);
    close(ours, batch[n], `batch ${n}`);
    ours.forEach((v, c) => assert.ok(Math.abs(v - fixtures.lens.probabilities[n][c]) < 2e-3, `image ${n} class ${c}`));
  });
  const cells = lensCells(batch, 4);
  assert.deepEqual(cells.classes, fixtures.lens.predicted);
  assert.equal(cells.border.length, 16);
  assert.match(predictionWords([0.1, 0.9], ["zero", "one"]), /^one \(90 %\)$/);
});

test("dense layers in WebAssembly SIMD give the JavaScript loops' numbers", async () => {
  const { Classifier, loadKernel, usingKernel } = await import("../../explorer/frontend/decoder/decoder.js");
  const bytes = readFileSync(fixtures.lens.file);
  const classifier = new Classifier(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const images = fixtures.lens.images.slice(0, 7); // not a multiple of four: the padded pass too
  const before = usingKernel() ? null : classifier.probabilitiesBatch(images);
  const wasm = readFileSync(new URL("../../explorer/frontend/decoder/dense.wasm", import.meta.url));
  assert.equal(await loadKernel(wasm), true);
  const batch = classifier.probabilitiesBatch(images);
  images.forEach((image, n) => {
    const one = classifier.probabilities(image);
    one.forEach((v, c) => {
      assert.ok(Math.abs(v - batch[n][c]) < 1e-5, `image ${n} class ${c}: one at a time and four at a time`);
      if (before) assert.ok(Math.abs(v - before[n][c]) < 1e-5, `image ${n} class ${c}: WebAssembly and JavaScript`);
      assert.ok(Math.abs(v - fixtures.lens.probabilities[n][c]) < 2e-3, `image ${n} class ${c}: against numpy`);
    });
  });
  assert.equal(await loadKernel(new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9])), false); // not a module: the loops stay
});
