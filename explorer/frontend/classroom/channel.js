// A classroom room's live channel (explorer/classroom/websocket.py, contract in README.md): says hello,
// hands every newer view to onView, reconnects with backoff and then gets the current view
// (never a replay), and pings to keep proxies from closing it. A teacher's changes that could not
// reach the room (a lost connection, a room store that did not answer) are kept, merged, and sent
// again as soon as the room answers. No DOM: tests run it in node.

export const PING_MS = 10000;
export const ROOM_WAIT_MS = 90000; // how long a room that is not there (yet) is waited for
const RETRY_MS = 1000; // a refused change is tried again after this
const REMEMBERED = 64; // a teacher's recent changes, by sequence number, to send again if refused

/** What a status means to a person in the room, for the sidebar's line. */
export const STATUS_WORDS = {
  connecting: "Connecting to the room…",
  live: "Live: following the teacher",
  reconnecting: "Lost the connection to the room: reconnecting…",
  degraded: "The classroom server lost its room store for a moment…",
  waiting: "The room is not open on this server right now: waiting for it…",
  closed: "The teacher closed the room",
  error: "The room cannot be reached",
};

/** A full sentence for a banner: what happened and what to do (nothing for a live room). Only an
 * error's own reason is added: the others say what the reason would. */
export function statusSentence(status, reason = "", teacher = false) {
  if (status === "live" || !STATUS_WORDS[status]) return "";
  const then = {
    connecting: ".",
    reconnecting: teacher
      ? ". Your changes are kept and reach the room when it is back; if this lasts over a minute, reload the page."
      : ". You are back without a click when it returns; if this lasts over a minute, reload the page.",
    degraded: teacher
      ? ": your changes are kept and reach the room when it is back."
      : ": the map follows the teacher again by itself when it is back.",
    waiting: teacher
      ? "."
      : ". It comes back with the teacher's page; or leave the room in the sidebar to explore on your own.",
    closed: ": you are exploring on your own.",
    error: `${reason ? ` (${reason})` : ""}: leave the room in the sidebar, or check the code with the teacher.`,
  }[status];
  return STATUS_WORDS[status].replace(/…$/, "") + then;
}

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
  constructor({
    code,
    member,
    token = null,
    declared = null,
    onView,
    onMessage = () => {},
    onStatus = () => {},
    where,
    WebSocketImpl,
    now,
  }) {
    Object.assign(this, { code, member, token, declared, onView, onMessage, onStatus });
    this.url = roomUrl(code, where || globalThis.location);
    this.WebSocketImpl = WebSocketImpl || globalThis.WebSocket;
    this.now = now || (() => Date.now());
    this.version = -1;
    this.attempt = 0;
    this.seq = 0;
    this.sent = new Map(); // seq -> the change it carried (the newest REMEMBERED)
    this.unsent = {}; // a teacher's changes the room has not taken yet, merged
    this.missingSince = null; // when the room was first found missing
    this.stopped = false;
    this.socket = null;
    this.status = null;
  }

  start() {
    this.stopped = false;
    this.setStatus("connecting");
    this.connect();
    return this;
  }

  setStatus(status, reason) {
    this.status = status;
    this.onStatus(status, reason);
  }

  connect() {
    if (this.stopped) return;
    const socket = new this.WebSocketImpl(this.url);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(
        JSON.stringify(
          this.token
            ? { type: "hello", member: this.member, token: this.token }
            : { type: "hello", member: this.member },
        ),
      );
      this.version = -1; // the view the server sends first is the current one: apply it
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ type: "ping" }), PING_MS);
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = () => {
      clearInterval(this.pinger);
      if (this.socket !== socket || this.stopped) return;
      if (this.status !== "waiting") this.setStatus("reconnecting");
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
      this.arrived();
      if (message.version > this.version) {
        this.version = message.version;
        this.onView(message.view, message.version);
      }
    } else if (message.type === "status") {
      if (message.state === "live") this.arrived();
      else this.setStatus(message.state, message.reason);
    } else if (message.type === "closed") {
      this.stop();
      this.setStatus("closed", message.reason);
    } else if (message.type === "error") {
      this.refusedAtHello(message);
    } else {
      if (message.type === "refused" && message.retry) this.keep(message.seq);
      this.onMessage(message);
    }
  }

  /** The room answered: live again, and a teacher's kept changes go out. */
  arrived() {
    this.attempt = 0;
    this.missingSince = null;
    if (this.status !== "live") this.setStatus("live");
    if (this.token) this.flush();
  }

  /** An error instead of a welcome: try again for what passes (a room store away, a room being
   * put back after a restart), give up on what does not (a wrong token, a room long gone). */
  refusedAtHello(message) {
    const missing = /^No room/.test(message.reason || "");
    if (missing && this.missingSince === null) this.missingSince = this.now();
    const waited = missing ? this.now() - this.missingSince : 0;
    if (message.retry || (missing && waited < ROOM_WAIT_MS)) {
      this.setStatus(missing ? "waiting" : "degraded", message.reason);
      return; // the server closes this socket; onclose reconnects
    }
    this.stop();
    this.setStatus("error", message.reason);
  }

  /** Send a message; false when the channel is not open (the caller's change waits for the next one)
   * or when the server's declarations (explorer/classroom/messages.py) say this browser may not send it. */
  send(message) {
    if (!this.socket || this.socket.readyState !== 1) return false;
    if (this.refusal(message)) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Why the server would refuse ``message`` by its declaration (its type, its sender, its fields),
   * or null. ``declared`` is the server's table (explorer/classroom/messages.py), handed to the
   * canvas with the room; without one only the server checks. */
  refusal(message) {
    if (!this.declared || message.type === "hello") return null;
    const declared = this.declared[message.type];
    if (!declared) return `unknown message type ${message.type}`;
    if (!declared.senders.includes(this.token ? "teacher" : "student")) return `a ${message.type} is not ours to send`;
    const fields = Object.keys(message).filter((name) => name !== "type");
    const missing = declared.fields.find((name) => !fields.includes(name));
    const extra = fields.find((name) => !declared.fields.includes(name));
    return missing || extra ? `a ${message.type} message ${missing ? "needs" : "has no"} ${missing || extra}` : null;
  }

  /** A teacher's change of part of the view, numbered so that the server can refuse a replay. A
   * change that cannot go now is kept and sent when the room answers again. */
  patch(view) {
    for (const key of Object.keys(view)) delete this.unsent[key]; // superseded by this change
    this.seq += 1;
    this.sent.set(this.seq, view);
    if (this.sent.size > REMEMBERED) this.sent.delete(this.sent.keys().next().value);
    const went =
      (this.status === "live" || this.status === "degraded") && this.send({ type: "patch", seq: this.seq, view });
    if (!went) this.unsent = { ...this.unsent, ...view };
    return went;
  }

  /** The room refused change ``seq`` for a passing reason: keep it for later, unless newer changes
   * of the same parts went since. */
  keep(seq) {
    const change = this.sent.get(seq);
    if (!change) return;
    const newer = [...this.sent.entries()].filter(([s]) => s > seq).map(([, c]) => c);
    for (const [key, value] of Object.entries(change)) {
      if (!newer.some((c) => key in c)) this.unsent[key] = value;
    }
    if (this.status === "live") this.setStatus("degraded");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.flush(), RETRY_MS);
  }

  /** Try the kept changes again (a refusal for a passing reason keeps them anew). */
  flush() {
    if (this.stopped || !Object.keys(this.unsent).length) return;
    const changes = this.unsent;
    this.unsent = {};
    this.patch(changes);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    clearInterval(this.pinger);
    if (this.socket) this.socket.close();
    this.socket = null;
  }
}
