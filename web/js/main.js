// The app: a hash router over four views (set-up, interview, report, history).

import { ensureSignedIn } from "./api.js";
import { showAlert } from "./dom.js";
import { renderHistory } from "./views/history.js";
import { renderInterview } from "./views/interview.js";
import { renderReport } from "./views/report.js";
import { renderSetup } from "./views/setup.js";
import { renderSignIn } from "./views/signin.js";

const SESSION = "([a-f0-9]{32})";
const ROUTES = [
  [new RegExp(`^#/interview/${SESSION}$`), "interview", (main, id) => renderInterview(main, id), "Interview"],
  [new RegExp(`^#/report/${SESSION}$`), "history", (main, id) => renderReport(main, id), "Report"],
  [/^#\/history$/, "history", (main) => renderHistory(main), "History"],
  [/^(#\/?)?$/, "setup", (main) => renderSetup(main), "New interview"],
  [/^#\/sign-in$/, "sign-in", (main) => renderSignIn(main, () => window.location.replace("#/")), "Sign in"],
];

let cleanup = null;

function route() {
  const main = document.getElementById("main");
  const hash = window.location.hash;
  const match = ROUTES.find(([pattern]) => pattern.test(hash));
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  showAlert(null);
  if (!match) {
    window.location.replace("#/");
    return;
  }
  const [pattern, nav, render, title] = match;
  document.title = `${title} · Interview Practice`;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const id = (hash.match(pattern) || [])[1];
  cleanup = render(main, id);
  const heading = main.querySelector("h1");
  if (heading) heading.focus();
}

/** Sign in first (nothing to type on the local stack), then show the page asked for. */
async function start() {
  try {
    if (!(await ensureSignedIn()) && window.location.hash !== "#/sign-in") {
      window.location.replace("#/sign-in");
      return; // the hash change routes
    }
  } catch (error) {
    showAlert(error.message);
  }
  route();
}

window.addEventListener("hashchange", route);
window.addEventListener("auth-required", () => {
  ensureSignedIn().then(
    (signedIn) => signedIn || window.location.replace("#/sign-in"),
    () => window.location.replace("#/sign-in"),
  );
});
window.addEventListener("unhandledrejection", (event) => {
  const message =
    event.reason && event.reason.name === "ApiError" ? event.reason.message : "Something went wrong. Please try again.";
  showAlert(message);
});
start();
