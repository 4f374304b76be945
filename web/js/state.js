// What this tab remembers between views: the candidate's own recordings and the end-of-interview result
// (whose spoken summary audio only comes with `POST /end`).

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
