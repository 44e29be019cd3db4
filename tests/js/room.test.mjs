// The classroom's browser side: the room channel (reconnection, versions, hello, patches)
// with a stand-in WebSocket, and what a follower's canvas takes from a View written by
// Python ($ROOM_FIXTURES: views and the α frames vae_core.analysis.geometry computes for them).
import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { RoomChannel, backoff, roomUrl } from "../../explorer/frontend/channel.js";
import { followed, quizWords, selectedIndices } from "../../explorer/frontend/follow.js";

class FakeSocket {
  static made = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.readyState = 0;
    FakeSocket.made.push(this);
  }
  open() {
    this.readyState = 1;
    this.onopen();
  }
  send(text) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.readyState = 3;
    if (this.onclose) this.onclose();
  }
  deliver(message) {
    this.onmessage({ data: JSON.stringify(message) });
  }
}

const where = { protocol: "http:", host: "class.example:8501", pathname: "/component/explorer.canvas.latent_canvas/index.html" };

test("the room's address comes from the component's page, secure when the page is", () => {
  assert.equal(roomUrl("K7M2Q", where), "ws://class.example:8501/api/rooms/K7M2Q");
  assert.equal(roomUrl("K7M2Q", { ...where, protocol: "https:", pathname: "/Latent_map" }), "wss://class.example:8501/api/rooms/K7M2Q");
});

test("reconnections back off from 250 ms to 4 s, with jitter", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 9].map((n) => backoff(n, () => 0)), [250, 500, 1000, 2000, 4000, 4000]);
  assert.equal(backoff(0, () => 0.999), 312);
});

test("a follower says hello, applies newer views only, and catches up after reconnecting", () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  FakeSocket.made = [];
  const views = [];
  const statuses = [];
  const channel = new RoomChannel({ code: "K7M2Q", member: "ada", where, WebSocketImpl: FakeSocket,
    onView: (view, version) => views.push([version, view.page]), onStatus: (s) => statuses.push(s) }).start();
  const first = FakeSocket.made[0];
  first.open();
  assert.deepEqual(first.sent[0], { type: "hello", member: "ada" });
  first.deliver({ type: "view", version: 3, view: { page: "Latent_map" } });
  first.deliver({ type: "view", version: 2, view: { page: "stale" } });
  first.deliver({ type: "view", version: 4, view: { page: "Interpolate" } });
  assert.deepEqual(views, [[3, "Latent_map"], [4, "Interpolate"]]);
  mock.timers.tick(10000);
  assert.deepEqual(first.sent.at(-1), { type: "ping" });
  first.close(); // the replica went away
  assert.equal(statuses.at(-1), "reconnecting");
  mock.timers.tick(400);
  const second = FakeSocket.made[1];
  assert.ok(second, "a new connection after the backoff");
  second.open();
  second.deliver({ type: "view", version: 4, view: { page: "Interpolate" } }); // the current view, applied again
  assert.equal(views.length, 3);
  second.deliver({ type: "closed", reason: "The teacher closed the room" });
  assert.equal(statuses.at(-1), "closed");
  mock.timers.tick(10000);
  assert.equal(FakeSocket.made.length, 2, "a closed room is not reconnected to");
  channel.stop();
  mock.timers.reset();
});

test("a teacher's changes are numbered and wait for an open channel", () => {
  FakeSocket.made = [];
  const channel = new RoomChannel({ code: "K7M2Q", member: "t", token: "secret", where, WebSocketImpl: FakeSocket, onView: () => {} }).start();
  const socket = FakeSocket.made[0];
  assert.equal(channel.patch({ point: [1, 2] }), false);
  socket.open();
  assert.deepEqual(socket.sent[0], { type: "hello", member: "t", token: "secret" });
  channel.patch({ point: [1, 2] });
  channel.patch({ point: [2, 3] });
  assert.deepEqual(socket.sent.slice(1).map((m) => m.seq), [2, 3]);
  channel.stop();
});

test("a follower's canvas takes what Python's View says", () => {
  const fixtures = JSON.parse(readFileSync(process.env.ROOM_FIXTURES, "utf8"));
  for (const { view, alphaPoint } of fixtures) {
    const shown = followed(view, "interpolate");
    shown.pinned.forEach((v, i) => assert.ok(Math.abs(v - alphaPoint[i]) < 1e-6, `${view.method} α=${view.alpha}`));
    const explore = followed(view, "explore");
    assert.deepEqual(explore.pinned, view.point.slice(0, 2));
    assert.deepEqual(explore.arrows, view.arrows);
  }
  assert.deepEqual(selectedIndices([5, 9, 2, 9], [9, 2]), [1, 2, 3]);
  assert.equal(selectedIndices([1, 2], null), null);
  assert.match(quizWords({ target: 4, revealed: false }, ["zero", "one", "two", "three", "four"]), /where you think four lives/);
  assert.match(quizWords({ target: 4, revealed: true }), /Quiz revealed/);
  assert.equal(quizWords(null), "");
});
