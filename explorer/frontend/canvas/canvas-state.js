// What the canvas's modules share: the one mutable state of this page's canvas, the root
// element, the numbers the benchmarks read (window.__latentCanvas), and the two messages
// to Streamlit (a value, the frame's height). Message contract: README.md beside this file.

export const root = document.getElementById("root");

export const state = {
  args: null, // the last render message's args
  mode: null,
  label: 0,
  pinned: null, // [x, y]
  appliedPin: null, // the server's pinned_by last applied
  pinCleared: false, // the server took the pinned point away (Reset) since the last render
  ends: null, // [[ax, ay], [bx, by] | null]
  serverEnds: null, // the ends the server sent last
  drawn: null, // { mu, sigma } of the drawing
  hover: null,
  room: null, // the classroom's RoomChannel, when this canvas is in a room
  roomKey: null,
  roomView: null, // a follower's latest View from the room
  names: [], // class names, for a quiz's question
  quiz: null, // the room's quiz: { target, revealed }
  banner: null, // the element over the maps that speaks for the room
  roomStatus: null, // the element over the maps that says the room's channel is not live
  layoutKey: null,
  panels: [], // one MapPanel per map
  side: null, // the side column's elements
  generation: 0, // counts render messages: a slower, older render stops drawing
  pressed: null, // where a button went down: a click or the start of a pan
  dragging: null, // { panel, what } while the pin, an end or an anchor is dragged
  events: 0, // values sent to Streamlit
  height: 0, // the frame height last asked for
};

export const stats = (window.__latentCanvas = {
  hover: [],
  pin: [],
  decode: [],
  renders: 0,
  firstMap: null,
  interactive: null,
  modelBytes: {},
  figureBytes: {},
  followed: [],
  published: [],
});

const session = Math.random().toString(36).slice(2, 10);

/** What the canvas runs in: Streamlit around the component's frame (messages to the parent
 * window, files from the server, plotly.js), or a published page (../published/page.js) that
 * answers the messages itself, holds every file and draws its maps without plotly.js. */
export const host = {
  post: (message) => window.parent.postMessage(message, "*"),
  fetch: (url) => fetch(url),
  kernel: () => new URL("../decoder/dense.wasm", import.meta.url),
  plotly: true,
};

/** Run the canvas in another host: what it changes of ``host``, before the first render. */
export function useHost(changes) {
  Object.assign(host, changes);
}

export function post(type, data = {}) {
  host.post({ isStreamlitMessage: true, type, ...data });
}

/** Send a user's action to Python; ids are unique per page load, so a rerun cannot repeat one. */
export function emit(event) {
  state.events += 1;
  post("streamlit:setComponentValue", { value: { ...event, id: `${session}-${state.events}` }, dataType: "json" });
}

export function fitHeight() {
  const height = Math.ceil(root.getBoundingClientRect().height) + 8;
  if (height !== state.height) {
    state.height = height;
    post("streamlit:setFrameHeight", { height });
  }
}
