// Every call to the server goes through this module: sign-in, REST under /api and the WebSocket URL.
// Signed in, REST calls carry `Authorization: Bearer <ID token>` and the WebSocket URL `?token=<ID token>`.
// How to sign in comes from auth-config.json next to the page: the local stack serves {"mode": "local"} (a name is
// enough: it issues a development token); a deployment puts its stack's WebAuthConfig output there
// ({"mode": "cognito", "region", "clientId"}: email and password, Cognito's InitiateAuth).

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

// ---- sign-in

const AUTH_KEY = "interview-practice.auth";
const LOCAL_NAME = "candidate";
const EARLY_MS = 60 * 1000; // a token this close to expiry is renewed first
let configPromise = null;

/** How this site signs users in (auth-config.json), fetched once. */
export function authConfig() {
  if (!configPromise) {
    configPromise = fetch("auth-config.json", { cache: "no-store" })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .catch(() => {
        configPromise = null;
        throw new ApiError("Sign-in is not set up for this site: its auth-config.json is missing.", {
          code: "auth_config",
        });
      });
  }
  return configPromise;
}

function saved() {
  try {
    return JSON.parse(localStorage.getItem(AUTH_KEY) || "null");
  } catch {
    return null;
  }
}

function currentToken() {
  const auth = saved();
  return auth && auth.token && auth.expiresAt > Date.now() + EARLY_MS ? auth.token : null;
}

/** The name signed in with last (kept after sign-out, to fill the form), or null. */
export function lastUsername() {
  const auth = saved();
  return auth ? auth.username : null;
}

/** Forget the token (the name stays, to fill the form next time). */
export function signOut() {
  const auth = saved();
  if (auth) localStorage.setItem(AUTH_KEY, JSON.stringify({ username: auth.username }));
}

async function post(url, body, headers = {}) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(FALLBACK_MESSAGES[0]);
  }
  const data = await response.json().catch(() => ({}));
  return { response, data };
}

/** Sign in: locally with a name only; with Cognito with an email and a password. */
export async function signIn(username, password) {
  const config = await authConfig();
  let token;
  let expiresIn;
  if (config.mode === "local") {
    const { response, data } = await post(config.tokenUrl, { username });
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(error.message || "That name cannot be used.", { status: response.status, code: error.code });
    }
    token = data.id_token;
    expiresIn = data.expires_in;
  } else {
    const { response, data } = await post(
      `https://cognito-idp.${config.region}.amazonaws.com/`,
      {
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: config.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      },
      {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
      },
    );
    if (!response.ok) {
      const wrong = data.__type === "NotAuthorizedException" || data.__type === "UserNotFoundException";
      throw new ApiError(wrong ? "The email or password is not right." : data.message || "Sign-in failed.", {
        status: response.status,
        code: data.__type || "sign_in_failed",
      });
    }
    if (!data.AuthenticationResult) {
      throw new ApiError("This account must first set a new password or MFA; ask your administrator.", {
        code: data.ChallengeName || "challenge",
      });
    }
    token = data.AuthenticationResult.IdToken;
    expiresIn = data.AuthenticationResult.ExpiresIn;
  }
  localStorage.setItem(AUTH_KEY, JSON.stringify({ username, token, expiresAt: Date.now() + expiresIn * 1000 }));
}

/** True when signed in. On the local stack there is nothing to type: it signs in under the last name used. */
export async function ensureSignedIn() {
  if (currentToken()) return true;
  const config = await authConfig();
  if (config.mode !== "local") return false;
  await signIn(lastUsername() || LOCAL_NAME);
  return true;
}

/** Headers added to every REST call: the ID token, renewed first when it is about to expire (locally). */
async function authHeaders() {
  if (!currentToken()) await ensureSignedIn().catch(() => false);
  const token = currentToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** The WebSocket URL on the same host as the page, with the ID token (browsers cannot set its headers). */
export function wsUrl() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const token = currentToken();
  return `${scheme}://${window.location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ""}`;
}

const FALLBACK_MESSAGES = {
  0: "We could not reach the server. Check your connection and try again.",
  401: "Please sign in again.",
  404: "That was not found. It may have been deleted.",
  413: "That file is too large.",
  429: "Too many requests at once. Wait a few seconds and try again.",
  500: "Something went wrong on our side. Please try again.",
  502: "The service had a problem handling that. Please try again.",
  503: "The service is busy right now. Please try again shortly.",
  504: "The server took too long to answer. Please try again.",
};

async function request(method, path, body) {
  const init = { method, headers: { Accept: "application/json", ...(await authHeaders()) } };
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
  if (response.status === 401) {
    signOut();
    window.dispatchEvent(new CustomEvent("auth-required"));
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
  /** Move past question `fromIndex` (when given, a repeated request cannot skip two). */
  nextQuestion: (id, fromIndex) =>
    request("POST", `${session(id)}/next-question`, fromIndex === undefined ? undefined : { from_index: fromIndex }),
  /** Ask question `index` again (the current one or the one just answered), as a new attempt. */
  repeatQuestion: (id, index) => request("POST", `${session(id)}/repeat-question`, { index }),
  end: (id) => request("POST", `${session(id)}/end`),
  report: (id) => request("GET", `${session(id)}/report`),
  synthesize: (text) => request("POST", "/api/voice/synthesize", { text: text.slice(0, 3000) }),
};
