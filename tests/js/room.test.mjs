// The classroom's browser side: the room channel (reconnection, versions, hello, patches)
// with a stand-in WebSocket, and what a follower's canvas takes from a View written by
// Python ($ROOM_FIXTURES: views and the α frames vae_core.analysis.geometry computes for them).
import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import {
  ROOM_WAIT_MS,
  RoomChannel,
  backoff,
  roomUrl,
  statusSentence,
} from "../../explorer/frontend/classroom/channel.js";
import { followed, quizWords, selectedIndices } from "../../explorer/frontend/classroom/follow.js";

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

const where = {
  protocol: "http:",
  host: "class.example:8501",
  pathname: "/component/explorer.canvas.latent_canvas/index.html",
};

test("the room's address comes from the component's page, secure when the page is", () => {
  assert.equal(roomUrl("K7M2Q", where), "ws://class.example:8501/api/rooms/K7M2Q");
  assert.equal(
    roomUrl("K7M2Q", { ...where, protocol: "https:", pathname: "/Latent_map" }),
    "wss://class.example:8501/api/rooms/K7M2Q",
  );
});

test("reconnections back off from 250 ms to 4 s, with jitter", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 9].map((n) => backoff(n, () => 0)),
    [250, 500, 1000, 2000, 4000, 4000],
  );
  assert.equal(
    backoff(0, () => 0.999),
    312,
  );
});

test("a follower says hello, applies newer views only, and catches up after reconnecting", () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  FakeSocket.made = [];
  const views = [];
  const statuses = [];
  const channel = new RoomChannel({
    code: "K7M2Q",
    member: "ada",
    where,
    WebSocketImpl: FakeSocket,
    onView: (view, version) => views.push([version, view.page]),
    onStatus: (s) => statuses.push(s),
  }).start();
  const first = FakeSocket.made[0];
  first.open();
  assert.deepEqual(first.sent[0], { type: "hello", member: "ada" });
  first.deliver({ type: "view", version: 3, view: { page: "Latent_map" } });
  first.deliver({ type: "view", version: 2, view: { page: "stale" } });
  first.deliver({ type: "view", version: 4, view: { page: "Interpolate" } });
  assert.deepEqual(views, [
    [3, "Latent_map"],
    [4, "Interpolate"],
  ]);
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

test("a teacher's changes are numbered, and those made before the room answers go when it does", () => {
  FakeSocket.made = [];
  const channel = new RoomChannel({
    code: "K7M2Q",
    member: "t",
    token: "secret",
    where,
    WebSocketImpl: FakeSocket,
    onView: () => {},
  }).start();
  const socket = FakeSocket.made[0];
  assert.equal(channel.patch({ point: [1, 2] }), false);
  socket.open();
  assert.deepEqual(socket.sent[0], { type: "hello", member: "t", token: "secret" });
  channel.patch({
    ends: [
      [0, 0],
      [1, 1],
    ],
  }); // connected, but the room has not answered yet: kept
  assert.equal(socket.sent.length, 1);
  socket.deliver({ type: "view", version: 0, view: {} });
  assert.deepEqual(socket.sent[1], {
    type: "patch",
    seq: 3,
    view: {
      point: [1, 2],
      ends: [
        [0, 0],
        [1, 1],
      ],
    },
  });
  channel.patch({ point: [2, 3] });
  assert.deepEqual(
    socket.sent.slice(1).map((m) => m.seq),
    [3, 4],
  );
  channel.stop();
});

test("a change the room refused for a moment is sent again, unless a newer one replaced it", () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  FakeSocket.made = [];
  const statuses = [];
  const channel = new RoomChannel({
    code: "K7M2Q",
    member: "t",
    token: "secret",
    where,
    WebSocketImpl: FakeSocket,
    onView: () => {},
    onStatus: (s) => statuses.push(s),
  }).start();
  const socket = FakeSocket.made[0];
  socket.open();
  socket.deliver({ type: "view", version: 1, view: {} });
  channel.patch({ point: [1, 1] }); // seq 1
  channel.patch({ alpha: 3 }); // seq 2
  channel.patch({ point: [2, 2] }); // seq 3 replaces seq 1's point
  socket.deliver({ type: "refused", reason: "The classroom server (Redis) does not answer", retry: true, seq: 1 });
  socket.deliver({ type: "refused", reason: "The classroom server (Redis) does not answer", retry: true, seq: 2 });
  assert.equal(statuses.at(-1), "degraded");
  mock.timers.tick(1000);
  assert.deepEqual(socket.sent.at(-1), { type: "patch", seq: 4, view: { alpha: 3 } });
  socket.deliver({ type: "status", state: "live" });
  assert.equal(statuses.at(-1), "live");
  assert.equal(socket.sent.length, 5, "nothing more was kept");
  channel.stop();
  mock.timers.reset();
});

test("a room store away or a room being put back is waited for; a wrong secret is not", () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"] });
  FakeSocket.made = [];
  const statuses = [];
  const channel = new RoomChannel({
    code: "K7M2Q",
    member: "ada",
    where,
    WebSocketImpl: FakeSocket,
    onView: () => {},
    onStatus: (s, reason) => statuses.push([s, reason]),
  }).start();
  FakeSocket.made[0].open();
  FakeSocket.made[0].deliver({ type: "status", state: "degraded", reason: "lost its store" });
  assert.equal(statuses.at(-1)[0], "degraded");
  FakeSocket.made[0].deliver({ type: "error", reason: "The classroom server (Redis) does not answer", retry: true });
  FakeSocket.made[0].close();
  mock.timers.tick(400);
  assert.equal(FakeSocket.made.length, 2, "tried again");
  FakeSocket.made[1].open();
  FakeSocket.made[1].deliver({ type: "error", reason: "No room K7M2Q on this server: check the code" });
  FakeSocket.made[1].close();
  assert.equal(statuses.at(-1)[0], "waiting");
  for (let step = 0; step < 40 && !channel.stopped; step += 1) {
    mock.timers.tick(5000);
    const socket = FakeSocket.made.at(-1);
    socket.open();
    socket.deliver({ type: "error", reason: "No room K7M2Q on this server: check the code" });
    socket.close();
  }
  assert.ok(channel.stopped && statuses.at(-1)[0] === "error", "gave up after ROOM_WAIT_MS");
  assert.ok(FakeSocket.made.length > 10 && FakeSocket.made.length < 3 + ROOM_WAIT_MS / 4000);
  FakeSocket.made = [];
  const teacher = new RoomChannel({
    code: "K7M2Q",
    member: "t",
    token: "wrong",
    where,
    WebSocketImpl: FakeSocket,
    onView: () => {},
    onStatus: (s) => statuses.push([s]),
  }).start();
  FakeSocket.made[0].open();
  FakeSocket.made[0].deliver({ type: "error", reason: "Only the teacher who opened this room can change it" });
  assert.ok(teacher.stopped && statuses.at(-1)[0] === "error");
  mock.timers.reset();
});

test("what a banner says: what happened and what to do, for a student or the teacher", () => {
  assert.equal(statusSentence("live"), "");
  assert.match(statusSentence("reconnecting"), /back without a click.*reload the page/);
  assert.match(statusSentence("reconnecting", "", true), /Your changes are kept/);
  assert.match(statusSentence("degraded"), /follows the teacher again by itself/);
  assert.match(
    statusSentence("error", "Only the teacher who opened this room can change it"),
    /\(Only the teacher.*\): leave the room/,
  );
  assert.match(statusSentence("closed"), /exploring on your own/);
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
  assert.match(
    quizWords({ target: 4, revealed: false }, ["zero", "one", "two", "three", "four"]),
    /where you think four lives/,
  );
  assert.match(quizWords({ target: 4, revealed: true }), /Quiz revealed/);
  assert.equal(quizWords(null), "");
});

test(
  "a browser sends only what the server declares (a toy message declared by the test included)",
  { skip: !process.env.MESSAGE_TABLE && "run by tests/test_messages.py with the server's table" },
  () => {
    const table = JSON.parse(readFileSync(process.env.MESSAGE_TABLE, "utf8"));
    FakeSocket.made = [];
    const student = new RoomChannel({
      code: "K7M2Q",
      member: "s",
      declared: table,
      where,
      WebSocketImpl: FakeSocket,
      onView: () => {},
    }).start();
    const socket = FakeSocket.made[0];
    socket.open();
    assert.equal(student.send({ type: "raise_hand" }), true);
    assert.equal(student.refusal({ type: "patch", seq: 1, view: {} }), "a patch is not ours to send");
    assert.equal(student.send({ type: "raise_hand", x: 1 }), false);
    assert.equal(student.send({ type: "shout" }), false);
    assert.equal(student.send({ type: "answer", z: [0, 1] }), true);
    assert.deepEqual(
      socket.sent.map((m) => m.type),
      ["hello", "raise_hand", "answer"],
    );
    student.stop();
  },
);
