// The sidebar's room link (explorer/classroom/room_panel.py), rendered for everyone in a room:
// - "teacher": keeps the teacher's secret in this browser, as a cookie of this site (never in the
//   address or on the page), so that a new session (a reload, a replica that went away) takes the
//   room back at once (explorer/classroom/membership.py reads it); shows whether the room's
//   channel is live.
// - "student": shows the channel's state; a follower's page is asked for a rerun when the
//   teacher's page or model is not the one this page shows (everything on a map, the canvas
//   applies by itself).
// - "forget": a closed room's secret is dropped.
// Every role keeps the browser's member id as a cookie too: a reload is the same student.
// Message contract: ../README.md.

import { RoomChannel, STATUS_WORDS, statusSentence } from "../explorer.canvas.latent_canvas/classroom/channel.js";

const status = document.getElementById("status");
const TOKEN_COOKIE = (code) => `vae_explorer_room_${code}`;
const MEMBER_COOKIE = "vae_explorer_member";
const ROOM_SECONDS = 4 * 3600; // a room nobody uses for this long is closed (rooms.IDLE_SECONDS)
const MEMBER_SECONDS = 365 * 24 * 3600;
let args = null;
let channel = null;
let asked = -1; // the view version a rerun was asked for (once each)

function post(type, data = {}) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}

function send(value) {
  post("streamlit:setComponentValue", { value, dataType: "json" });
}

/** Set (or, with ``value`` null, drop) a cookie of this site: strict, so no other site's page
 * makes the browser send it. */
function cookie(name, value, seconds) {
  const secure = window.location.protocol === "https:" ? "; secure" : "";
  document.cookie = `${name}=${value === null ? "" : encodeURIComponent(value)}; path=/; max-age=${value === null ? 0 : seconds}; samesite=strict${secure}`;
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
  status.textContent =
    state === "live"
      ? teacher
        ? "Live: your room is open"
        : STATUS_WORDS.live
      : statusSentence(state, reason, teacher);
  if (state === "closed" && !teacher) send({ kind: "follow", version: -1 });
  fitHeight();
}

function render(next) {
  const restart = !args || ["code", "member", "role", "token", "follow"].some((key) => next[key] !== args[key]);
  args = next;
  if (args.forget) cookie(TOKEN_COOKIE(args.forget), null);
  if (args.member) cookie(MEMBER_COOKIE, args.member, MEMBER_SECONDS);
  if (!restart) return;
  if (channel) channel.stop();
  channel = null;
  if (args.role === "teacher") cookie(TOKEN_COOKIE(args.code), args.token, ROOM_SECONDS);
  if (args.role === "teacher" || args.follow) {
    channel = new RoomChannel({
      code: args.code,
      member: args.member,
      token: args.token || null,
      onView,
      onStatus,
    }).start();
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
