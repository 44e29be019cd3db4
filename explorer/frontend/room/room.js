// The sidebar's room link (explorer/classroom/panel.py): a following student's page subscribes to
// its room and asks Streamlit for a rerun when the teacher's page or model is not the one
// this page shows. Everything on a map (point, ends, path, selection, quiz, arrows) the
// latent canvas applies by itself. Message contract: ../README.md.

import { RoomChannel } from "../explorer.canvas.latent_canvas/channel.js";

const status = document.getElementById("status");
const WORDS = { live: "Live: following the teacher", reconnecting: "Reconnecting to the room…",
  closed: "The teacher closed the room", error: "The room cannot be reached" };
let args = null;
let channel = null;
let asked = -1; // the view version a rerun was asked for (once each)

function post(type, data = {}) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}

function elsewhere(view) {
  return view.page !== args.page || (view.model || "") !== args.model;
}

function onView(view, version) {
  status.dataset.version = String(version);
  if (elsewhere(view) && version !== asked) {
    asked = version;
    post("streamlit:setComponentValue", { value: { kind: "follow", version }, dataType: "json" });
  }
}

function onStatus(state, reason) {
  status.dataset.state = state;
  status.textContent = reason && state !== "live" ? `${WORDS[state]}: ${reason}` : WORDS[state] || state;
  if (state === "closed") post("streamlit:setComponentValue", { value: { kind: "follow", version: -1 }, dataType: "json" });
}

window.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "streamlit:render") return;
  const next = event.data.args;
  const restart = !args || next.code !== args.code || next.member !== args.member;
  args = next;
  if (restart) {
    if (channel) channel.stop();
    channel = new RoomChannel({ code: args.code, member: args.member, onView, onStatus }).start();
  }
  post("streamlit:setFrameHeight", { height: 22 });
});
post("streamlit:componentReady", { apiVersion: 1 });
