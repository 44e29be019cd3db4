// The browser's inference against torch: every model in $CANVAS_FIXTURES (written by
// tests/test_canvas_js.py) decodes and encodes as torch does, within 2/255 per pixel, with the
// JavaScript loops and again with the WebAssembly kernel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import {
  Network,
  imageShape,
  loadKernel,
  parseModel,
  toBytes,
  usingKernel,
} from "../../explorer/frontend/decoder/decoder.js";

const root = process.env.CANVAS_FIXTURES;
const models = readdirSync(join(root, "models"));

function checkModel(name, engine) {
  const folder = join(root, "models", name);
  const bytes = readFileSync(join(folder, "model.safetensors"));
  const network = new Network(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const cases = JSON.parse(readFileSync(join(folder, "cases.json"), "utf8"));
  let worst = 0;
  for (const { z, label, image } of cases.decode) {
    const ours = toBytes(network.decode(z, label));
    assert.equal(ours.length, image.length, `${name}: ${ours.length} values where torch gives ${image.length}`);
    for (let i = 0; i < ours.length; i += 1) worst = Math.max(worst, Math.abs(ours[i] - image[i]));
  }
  assert.ok(worst <= 2, `${name} (${engine}): a pixel differs by ${worst}/255`);
  for (const { pixels, label, mu, logvar } of cases.encode) {
    const ours = network.encode(pixels, label);
    ours.mu.forEach((v, i) => assert.ok(Math.abs(v - mu[i]) < 2e-2, `${name}: mu[${i}] ${v} vs ${mu[i]}`));
    if (logvar === null) assert.equal(ours.logvar, null);
    else
      ours.logvar.forEach((v, i) =>
        assert.ok(Math.abs(v - logvar[i]) < 5e-2, `${name}: logvar[${i}] ${v} vs ${logvar[i]}`),
      );
  }
}

for (const name of models) {
  test(`decodes like torch: ${name}`, () => checkModel(name, "loops"));
}

test("the WebAssembly kernel decodes every model like torch too", async () => {
  const wasm = readFileSync(new URL("../../explorer/frontend/decoder/dense.wasm", import.meta.url));
  assert.equal(await loadKernel(wasm), true);
  assert.ok(usingKernel());
  for (const name of models) checkModel(name, "WebAssembly");
});

test("an image's shape follows from its number of values", () => {
  assert.deepEqual(imageShape(784), { channels: 1, side: 28 });
  assert.deepEqual(imageShape(3 * 64 * 64), { channels: 3, side: 64 });
  assert.throws(() => imageShape(785), /not a square image/);
});

test("a damaged file is refused with a message", () => {
  assert.throws(() => parseModel(new ArrayBuffer(4)), /empty or cut short/);
  const header = new TextEncoder().encode(JSON.stringify({ __metadata__: { spec: JSON.stringify({ format: 99 }) } }));
  const buffer = new ArrayBuffer(8 + header.length);
  new DataView(buffer).setBigUint64(0, BigInt(header.length), true);
  new Uint8Array(buffer).set(header, 8);
  assert.throws(() => parseModel(buffer), /another version/);
});

test("conditional models need a class in range", () => {
  const name = models.find((m) => m.includes("cvae"));
  const bytes = readFileSync(join(root, "models", name, "model.safetensors"));
  const network = new Network(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  assert.throws(() => network.decode([0, 0], 12), /class label in 0..9/);
});
