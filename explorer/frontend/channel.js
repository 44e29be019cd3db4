// A classroom room's live channel (explorer/classroom/live.py, contract in README.md): says hello,
// hands every newer view to onView, reconnects with backoff and then gets the current view
// (never a replay), and pings so the student counts as present. No DOM: tests run it in node.

export const PING_MS = 10000;

/** ws(s)://host<base>/api/rooms/<code>, from the address of a component's page
 * (<base>/component/<name>/index.html) or of the app itself. */
export function roomUrl(code, where) {
  const at = where.pathname.indexOf("/component/");
  const base = at >= 0 ? where.pathname.slice(0, at) : where.pathname.replace(/\/[^/]*$/, "");
  return `${where.protocol === "https:" ? "wss" : "ws"}://${where.host}${base}/api/rooms/${encodeURIComponent(code)}`;
}

/** Milliseconds before the attempt-th reconnection: 250 ms doubling to 4 s, plus up to 25 % jitter
 * (``random`` in [0, 1)) so that a class whose replica went away does not come back at one instant. */
export function backoff(attempt, random = Math.random) {
  const base = Math.min(4000, 250 * 2 ** Math.max(0, attempt));
  return Math.round(base * (1 + 0.25 * random()));
}

export class RoomChannel {
  constructor({ code, member, token = null, onView, onMessage = () => {}, onStatus = () => {}, where, WebSocketImpl }) {
    Object.assign(this, { code, member, token, onView, onMessage, onStatus });
    this.url = roomUrl(code, where || globalThis.location);
    this.WebSocketImpl = WebSocketImpl || globalThis.WebSocket;
    this.version = -1;
    this.attempt = 0;
    this.seq = 0;
    this.stopped = false;
    this.socket = null;
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  connect() {
    if (this.stopped) return;
    const socket = new this.WebSocketImpl(this.url);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify(this.token ? { type: "hello", member: this.member, token: this.token }
        : { type: "hello", member: this.member }));
      this.attempt = 0;
      this.version = -1; // the view the server sends first is the current one: apply it
      this.onStatus("live");
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ type: "ping" }), PING_MS);
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = () => {
      clearInterval(this.pinger);
      if (this.socket !== socket || this.stopped) return;
      this.onStatus("reconnecting");
      this.timer = setTimeout(() => this.connect(), backoff(this.attempt));
      this.attempt += 1;
    };
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.type === "view") {
      if (message.version > this.version) {
        this.version = message.version;
        this.onView(message.view, message.version);
      }
    } else if (message.type === "closed" || message.type === "error") {
      this.stop();
      this.onStatus(message.type, message.reason);
    } else {
      this.onMessage(message);
    }
  }

  /** Send a message; false when the channel is not open (the caller's change waits for the next one). */
  send(message) {
    if (!this.socket || this.socket.readyState !== 1) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** A teacher's change of part of the view, numbered so that the server can refuse a replay. */
  patch(view) {
    this.seq += 1;
    return this.send({ type: "patch", seq: this.seq, view });
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    if (this.socket) this.socket.close();
    this.socket = null;
  }
}
