// Every call to the server goes through this module: REST under /api and the WebSocket URL.
// Sign-in (a later issue) only has to change `authHeaders` and `wsUrl` here.

/** An error the server (or the network) reported, with a message a candidate can read. */
export class ApiError extends Error {
  constructor(message, { status = 0, code = "network_error", details = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Headers added to every REST call (an Authorization header once sign-in exists). */
function authHeaders() {
  return {};
}

/** The WebSocket URL on the same host as the page (a `?token=` is added here once sign-in exists). */
export function wsUrl() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}/ws`;
}

const FALLBACK_MESSAGES = {
  0: "We could not reach the server. Check your connection and try again.",
  404: "That was not found. It may have been deleted.",
  413: "That file is too large.",
  429: "Too many requests at once. Wait a few seconds and try again.",
  500: "Something went wrong on our side. Please try again.",
  502: "The service had a problem handling that. Please try again.",
  503: "The service is busy right now. Please try again shortly.",
  504: "The server took too long to answer. Please try again.",
};

async function request(method, path, body) {
  const init = { method, headers: { Accept: "application/json", ...authHeaders() } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(FALLBACK_MESSAGES[0]);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = data && typeof data.error === "object" ? data.error : {};
    const fallback = FALLBACK_MESSAGES[response.status] || FALLBACK_MESSAGES[500];
    throw new ApiError(error.message || fallback, {
      status: response.status,
      code: error.code || "http_error",
      details: error.details || null,
    });
  }
  return data;
}

const session = (id) => `/api/sessions/${encodeURIComponent(id)}`;

export const api = {
  createSession: (settings) => request("POST", "/api/sessions", settings),
  listSessions: () => request("GET", "/api/sessions"),
  getSession: (id) => request("GET", session(id)),
  deleteSession: (id) => request("DELETE", session(id)),
  start: (id) => request("POST", `${session(id)}/start`),
  submitAnswer: (id, answer) => request("POST", `${session(id)}/submit-answer`, answer),
  nextQuestion: (id) => request("POST", `${session(id)}/next-question`),
  end: (id) => request("POST", `${session(id)}/end`),
  report: (id) => request("GET", `${session(id)}/report`),
  synthesize: (text) => request("POST", "/api/voice/synthesize", { text: text.slice(0, 3000) }),
};
