// One spoken answer streamed as `audio_chunk` messages: numbered chunks of at most 20,000 bytes, kept until the
// answer is recorded so that any the server asks for again (`resume` after a reconnect, `resend`) can be resent.

import { newId, toBase64 } from "./dom.js";

export const MAX_CHUNK_BYTES = 20000;

export class AnswerStream {
  /** @param {import("./socket.js").InterviewSocket} socket @param {string} contentType e.g. "audio/webm" */
  constructor(socket, contentType) {
    this.socket = socket;
    this.contentType = contentType;
    this.id = newId();
    this.chunks = [];
    this.acked = new Set();
    this.ended = false;
  }

  /** Add recorded bytes: split into chunks of at most 20,000 bytes, each sent at once when connected. */
  push(bytes) {
    if (this.discarded) return;
    for (let at = 0; at < bytes.length; at += MAX_CHUNK_BYTES) {
      this.chunks.push(toBase64(bytes.subarray(at, at + MAX_CHUNK_BYTES)));
      this._send(this.chunks.length - 1);
    }
  }

  /** The server's `ack`: every seq below `next_seq` has arrived. The last one lets a waiting `end_answer` go. */
  ack({ seq, next_seq: nextSeq }) {
    if (Number.isInteger(seq)) this.acked.add(seq);
    for (let i = 0; i < (nextSeq || 0); i += 1) this.acked.add(i);
    if (this.ended && !this.endSent && !this.unacked().length) this._end();
  }

  get lastSeq() {
    return this.chunks.length - 1;
  }

  /** Seqs recorded but not acknowledged. */
  unacked() {
    return this.chunks.map((_, i) => i).filter((i) => !this.acked.has(i));
  }

  /** Send the chunks the server names (`resend`), then `end_answer` again. */
  resend(missing) {
    for (const seq of missing) if (seq >= 0 && seq < this.chunks.length) this._send(seq);
    if (this.ended) this._end();
  }

  /** After a reconnect: the `joined` event's `resume` (or none) says what the server lacks. */
  resume(resume) {
    const want = new Set(this.unacked());
    if (resume) {
      for (const seq of resume.missing || []) want.add(seq);
      for (let i = resume.next_seq || 0; i < this.chunks.length; i += 1) want.add(i);
    }
    for (const seq of [...want].sort((a, b) => a - b)) if (seq < this.chunks.length) this._send(seq);
    if (this.ended) this._end();
  }

  /**
   * The candidate stopped: send `end_answer` once every chunk is acknowledged (at most `wait` ms later; the
   * server asks with `resend` for anything still missing). False if nothing was recorded.
   */
  finish(wait = 2000) {
    if (!this.chunks.length) return false;
    this.ended = true;
    if (this.unacked().length) this.endTimer = setTimeout(() => this._end(), wait);
    else this._end();
    return true;
  }

  /**
   * The candidate starts over: nothing more is sent, and the server is told to drop what it has (if the connection
   * is down, what it has expires with the session's other stream data).
   */
  discard() {
    this.discarded = true;
    clearTimeout(this.endTimer);
    if (this.chunks.length) this.socket.send({ action: "discard_answer", answer_id: this.id });
  }

  _end() {
    clearTimeout(this.endTimer);
    this.endSent = true;
    this.socket.send({ action: "end_answer", answer_id: this.id, last_seq: this.lastSeq });
  }

  _send(seq) {
    const message = { action: "audio_chunk", answer_id: this.id, seq, data: this.chunks[seq] };
    if (seq === 0) message.content_type = this.contentType;
    return this.socket.send(message);
  }
}
