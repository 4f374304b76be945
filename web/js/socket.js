// The interview's WebSocket (docs/websocket-protocol.md): join, reconnect with backoff, keep-alive.
// Server events are re-dispatched as DOM events named after their `type` ("ack", "transcript", ...).

import { wsUrl } from "./api.js";

const PING_EVERY_MS = 4 * 60 * 1000;
const MAX_DELAY_MS = 15000;

export class InterviewSocket extends EventTarget {
  /** @param {string} sessionId the session to join (created and started over REST). */
  constructor(sessionId, { url = wsUrl } = {}) {
    super();
    this.sessionId = sessionId;
    this.url = url;
    this.ws = null;
    this.joined = false;
    this.everJoined = false;
    this.attempt = 0;
    this.closedByUs = false;
    this.timer = null;
    this.pinger = null;
    /** The answer being streamed; sent with `join` after a reconnect so the server says what to resend. */
    this.resumeAnswerId = null;
  }

  connect() {
    this.closedByUs = false;
    clearTimeout(this.timer);
    this._status(this.attempt === 0 ? "connecting" : "reconnecting");
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this._retry();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      const join = { action: "join", session_id: this.sessionId };
      if (this.resumeAnswerId) join.answer_id = this.resumeAnswerId;
      ws.send(JSON.stringify(join));
    });
    ws.addEventListener("message", (event) => this._message(event.data));
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.joined = false;
      clearInterval(this.pinger);
      if (!this.closedByUs) this._retry();
    });
  }

  /** Send one message; false when not joined (the caller keeps what it could not send). */
  send(message) {
    if (!this.joined || !this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  close() {
    this.closedByUs = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.joined = false;
    if (this.ws) this.ws.close(1000, "done");
    this.ws = null;
    this._status("closed");
  }

  /** Resolves once joined, or with false after `ms` milliseconds. */
  waitJoined(ms) {
    if (this.joined) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value) => {
        clearTimeout(timeout);
        this.removeEventListener("joined", onJoined);
        resolve(value);
      };
      const onJoined = () => done(true);
      const timeout = setTimeout(() => done(false), ms);
      this.addEventListener("joined", onJoined);
    });
  }

  _message(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (!message || typeof message.type !== "string") return;
    if (message.type === "joined") {
      this.joined = true;
      this.everJoined = true;
      this.attempt = 0;
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ action: "ping" }), PING_EVERY_MS);
      this._status("connected");
    }
    this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
  }

  _retry() {
    this.attempt += 1;
    const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** (this.attempt - 1)) * (0.75 + Math.random() * 0.5);
    this._status("reconnecting");
    this.timer = setTimeout(() => this.connect(), delay);
  }

  _status(state) {
    this.dispatchEvent(new CustomEvent("status", { detail: { state, attempt: this.attempt } }));
  }
}
