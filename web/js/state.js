// What this tab remembers between views: the candidate's own recordings and the end-of-interview result
// (whose spoken summary audio only comes with `POST /end`); and, in sessionStorage so that a reload or a phone
// discarding the tab keeps them, typed answers not yet sent and the answer whose result is on screen.

const recordings = new Map();
const endResults = new Map();

/** Keep the local recording of the answer to question `index` (follow-up `followUp`, 0 for the question). */
export function keepRecording(sessionId, index, followUp, blob) {
  if (!recordings.has(sessionId)) recordings.set(sessionId, new Map());
  const key = `${index}:${followUp}`;
  const old = recordings.get(sessionId).get(key);
  if (old) URL.revokeObjectURL(old);
  recordings.get(sessionId).set(key, URL.createObjectURL(blob));
}

/** An object URL of this tab's recording of that answer, if any. */
export function recordingUrl(sessionId, index, followUp = 0) {
  return (recordings.get(sessionId) && recordings.get(sessionId).get(`${index}:${followUp}`)) || null;
}

export function forgetSession(sessionId) {
  for (const url of (recordings.get(sessionId) || new Map()).values()) URL.revokeObjectURL(url);
  recordings.delete(sessionId);
  endResults.delete(sessionId);
}

export function keepEndResult(sessionId, result) {
  endResults.set(sessionId, result);
}

export function endResult(sessionId) {
  return endResults.get(sessionId) || null;
}

/** Keep `value` under `key` in sessionStorage (remove it when empty); storage full or disabled keeps nothing. */
function remember(key, value) {
  try {
    if (value) sessionStorage.setItem(key, value);
    else sessionStorage.removeItem(key);
  } catch {
    // the page still has it
  }
}

const draftKey = (sessionId, q) =>
  `draft:${sessionId}:${q.index}:${q.is_follow_up ? "follow-up" : "question"}:${q.attempt || 1}`;

/** Keep the typed answer to question `q` until it is sent (`text` empty: forget it). */
export function keepDraft(sessionId, q, text) {
  remember(draftKey(sessionId, q), text.trim() ? text : "");
}

export function draft(sessionId, q) {
  return sessionStorage.getItem(draftKey(sessionId, q)) || "";
}

/** Keep the id of the answer whose result is on screen (null: none is). */
export function keepShownResult(sessionId, answerId) {
  remember(`result:${sessionId}`, answerId);
}

export function shownResult(sessionId) {
  return sessionStorage.getItem(`result:${sessionId}`);
}
