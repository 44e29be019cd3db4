// The sidebar's room link (explorer/classroom/panel.py), rendered for everyone in a room or whose
// address names one:
// - "claim": a new session whose address carries ?room=CODE (a reload, a replica that went away)
//   asks this browser what it holds: the teacher's secret for that room, if this browser opened
//   it, and the member id it used before. The answer goes back to Python, which takes the room
//   back for the teacher or joins the student again.
// - "teacher": keeps the teacher's secret in this browser (localStorage, never in the address or
//   the page), and shows whether the room's channel is live.
// - "student": shows the channel's state; a follower's page is asked for a rerun when the
//   teacher's page or model is not the one this page shows (everything on a map, the canvas
//   applies by itself).
// Message contract: ../README.md.

import { RoomChannel, STATUS_WORDS, statusSentence } from "../explorer.canvas.latent_canvas/channel.js";

const status = document.getElementById("status");
const TOKEN_KEY = (code) => `vae-explorer-room-token:${code}`;
const MEMBER_KEY = "vae-explorer-member";
let args = null;
let channel = null;
let asked = -1; // the view version a rerun was asked for (once each)

function post(type, data = {}) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}

function send(value) {
  post("streamlit:setComponentValue", { value, dataType: "json" });
}

function stored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage switched off: the browser cannot take a room back
  }
}

function store(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    // storage switched off: nothing kept
  }
}

let height = -1;

function fitHeight() {
  const next = args && args.role === "forget" ? 0 : Math.ceil(document.body.getBoundingClientRect().height) + 4;
  if (next !== height) post("streamlit:setFrameHeight", { height: (height = next) });
}

function elsewhere(view) {
  return view.page !== args.page || (view.model || "") !== args.model;
}

function onView(view, version) {
  status.dataset.version = String(version);
  if (args.follow && elsewhere(view) && version !== asked) {
    asked = version;
    send({ kind: "follow", version });
  }
}

function onStatus(state, reason) {
  status.dataset.state = state;
  const teacher = args.role === "teacher";
  status.textContent = state === "live" ? (teacher ? "Live: your room is open" : STATUS_WORDS.live)
    : statusSentence(state, reason, teacher);
  if (state === "closed" && !teacher) send({ kind: "follow", version: -1 });
  fitHeight();
}

function claim() {
  status.dataset.state = "claiming";
  status.textContent = `Rejoining room ${args.code}…`;
  fitHeight();
  send({ kind: "claim", code: args.code, token: stored(TOKEN_KEY(args.code)), member: stored(MEMBER_KEY) });
}

function render(next) {
  const restart = !args || ["code", "member", "role", "token"].some((key) => next[key] !== args[key]);
  args = next;
  if (args.forget) store(TOKEN_KEY(args.forget), null);
  if (args.member) store(MEMBER_KEY, args.member);
  if (!restart) return;
  if (channel) channel.stop();
  channel = null;
  if (args.role === "claim") return claim();
  if (args.role === "teacher") store(TOKEN_KEY(args.code), args.token);
  if (args.role === "teacher" || args.follow) {
    channel = new RoomChannel({ code: args.code, member: args.member, token: args.token || null, onView, onStatus }).start();
  } else if (args.role === "student") {
    status.dataset.state = "alone";
    status.textContent = "Exploring on your own (turn Follow back on to rejoin the teacher)";
  }
  fitHeight();
}

window.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "streamlit:render") return;
  render(event.data.args);
  fitHeight();
});
post("streamlit:componentReady", { apiVersion: 1 });
