// The canvas's own modules in node, with a stand-in page: the numbers plotly's typed arrays
// carry, values sent to Streamlit, files fetched once per URL, and a teacher's changes
// published at most once per frame, the newest, while a student's canvas publishes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";

const posted = [];
const frames = [];
globalThis.window = { parent: { postMessage: (message) => posted.push(message) }, Plotly: {} };
globalThis.document = {
  getElementById: () => ({ getBoundingClientRect: () => ({ height: 400 }), dataset: {} }),
  querySelector: () => null,
};
globalThis.requestAnimationFrame = (callback) => frames.push(callback);
const fetched = [];
globalThis.fetch = async (url) => {
  fetched.push(String(url));
  const body = String(url).endsWith("missing.json") ? null : new TextEncoder().encode('{"data": [1, 2]}');
  return { ok: body !== null, status: body ? 200 : 404, arrayBuffer: async () => body.buffer };
};

const { emit, fitHeight, state, stats } = await import("../../explorer/frontend/canvas/canvas-state.js");
const { fmt, numbers, same } = await import("../../explorer/frontend/canvas/draw.js");
const { fetchOnce, loadFigure } = await import("../../explorer/frontend/canvas/loading.js");
const { following, publish, publishSoon, quizHidden } = await import("../../explorer/frontend/classroom/teaching.js");

test("plotly's typed arrays decode to the numbers Python wrote", () => {
  const floats = new Float32Array([0.5, -1.25, 3]);
  const bdata = Buffer.from(floats.buffer).toString("base64");
  assert.deepEqual([...numbers({ dtype: "f4", bdata })], [0.5, -1.25, 3]);
  assert.deepEqual(
    [...numbers({ dtype: "i2", bdata: Buffer.from(new Int16Array([7, -9]).buffer).toString("base64") })],
    [7, -9],
  );
  assert.deepEqual(numbers([1, 2]), [1, 2]);
  assert.deepEqual(numbers(undefined), []);
  assert.equal(fmt(0.123456), "0.1235");
  assert.equal(fmt(-2), "-2");
  assert.ok(same([1, [2, 3]], [1, [2, 3]]) && !same([1, 2], [2, 1]));
});

test("every value sent to Streamlit has an id no other value of this page has", () => {
  posted.length = 0;
  emit({ kind: "pin", z: [1, 2] });
  emit({ kind: "pin", z: [1, 2] });
  const [first, second] = posted.map((m) => m.value);
  assert.equal(posted[0].type, "streamlit:setComponentValue");
  assert.deepEqual(first.z, [1, 2]);
  assert.notEqual(first.id, second.id);
  fitHeight();
  fitHeight();
  assert.equal(posted.filter((m) => m.type === "streamlit:setFrameHeight").length, 1); // the same height is asked for once
});

test("a file is fetched once per URL however often it is asked for, and a failure says which", async () => {
  const cache = new Map();
  const reads = [];
  const read = (buffer) => (reads.push(buffer.byteLength), "parsed");
  const [a, b] = await Promise.all([fetchOnce(cache, "/f/one.bin", read), fetchOnce(cache, "/f/one.bin", read)]);
  assert.equal(a, "parsed");
  assert.equal(b, "parsed");
  assert.equal(fetched.filter((url) => url === "/f/one.bin").length, 1);
  assert.equal(reads.length, 1);
  assert.deepEqual(await loadFigure("/f/figure.json"), { data: [1, 2] });
  assert.ok(stats.figureBytes["/f/figure.json"] > 0);
  await assert.rejects(loadFigure("/f/missing.json"), /missing.json answered 404/);
});

test("a teacher's drag publishes the newest change once per frame; a student publishes nothing", () => {
  const patches = [];
  state.room = { token: "secret", patch: (changes) => (patches.push(changes), true) };
  frames.length = 0;
  publishSoon({ point: [0, 0] });
  publishSoon({ point: [1, 1] });
  publishSoon({ point: [2, 2] });
  assert.equal(frames.length, 1);
  frames.shift()();
  assert.deepEqual(patches, [{ point: [2, 2] }]);
  publish({
    ends: [
      [0, 0],
      [1, 1],
    ],
  });
  assert.equal(patches.length, 2);
  assert.ok(!following());

  state.room = { token: null, patch: () => assert.fail("a student's canvas published") };
  publish({ point: [3, 3] });
  publishSoon({ point: [3, 3] });
  assert.equal(frames.length, 0);
  assert.ok(following());
});

test("only a student's map hides the classes while a quiz waits", () => {
  state.quiz = { target: 3, revealed: false };
  state.room = { token: null };
  assert.ok(quizHidden());
  state.room = { token: "secret" };
  assert.ok(!quizHidden()); // the teacher sees the answers' classes
  state.room = { token: null };
  state.quiz = { target: 3, revealed: true };
  assert.ok(!quizHidden());
  state.quiz = null;
  assert.ok(!quizHidden());
});

test("a map's ticks step by 1, 2 or 5 times a power of ten over its extent", async () => {
  const { ticks } = await import("../../explorer/frontend/canvas/sketch.js");
  assert.deepEqual(ticks(-4.3, 4.3), [-4, -2, 0, 2, 4]);
  assert.deepEqual(ticks(-1, 1), [-1, -0.5, 0, 0.5, 1]);
  assert.deepEqual(ticks(0, 30), [0, 5, 10, 15, 20, 25, 30]);
});

test("another host hears the canvas's messages and answers its fetches; Streamlit hears nothing", async () => {
  const { host, useHost } = await import("../../explorer/frontend/canvas/canvas-state.js");
  const before = { ...host };
  const heard = [];
  posted.length = 0;
  fetched.length = 0;
  const files = { "model-x": new Uint8Array([1, 2, 3]) };
  useHost({
    post: (message) => heard.push(message),
    fetch: async (url) => ({ ok: url in files, status: 200, arrayBuffer: async () => files[url].buffer }),
  });
  try {
    emit({ kind: "pin", z: [0.5, 0.5] });
    assert.equal(heard.length, 1);
    assert.deepEqual(heard[0].value.z, [0.5, 0.5]);
    assert.equal(posted.length, 0);
    assert.equal(await fetchOnce(new Map(), "model-x", (buffer) => buffer.byteLength), 3);
    assert.equal(fetched.length, 0); // nothing went to the network
  } finally {
    useHost(before);
  }
});
