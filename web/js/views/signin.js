// Sign-in: on the local stack a name (it issues a development token); deployed, an email and a password (Cognito).

import { authConfig, lastUsername, signIn } from "../api.js";
import { h, replace } from "../dom.js";

function field(id, label, attrs) {
  const input = h("input", { id, name: id, required: true, ...attrs });
  return h("div", { class: "field" }, h("label", { for: id }, label), input);
}

/** Render the sign-in form; `done` runs once signed in. */
export function renderSignIn(main, done) {
  const heading = h("h1", { tabindex: -1 }, "Sign in");
  replace(main, heading, h("p", { class: "loading" }, "Loading…"));
  authConfig().then(
    (config) => {
      const local = config.mode === "local";
      const formError = h("div", { class: "form-error", role: "alert", "aria-live": "assertive" });
      const fields = local
        ? [field("username", "Your name", { autocomplete: "username", maxlength: 64, value: lastUsername() || "" })]
        : [
            field("username", "Email", { type: "email", autocomplete: "username", value: lastUsername() || "" }),
            field("password", "Password", { type: "password", autocomplete: "current-password" }),
          ];
      const submit = h("button", { type: "submit" }, local ? "Continue" : "Sign in");
      const form = h("form", { novalidate: true }, ...fields, formError, submit);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        replace(formError);
        const username = form.elements.username.value.trim();
        if (!username) {
          replace(formError, local ? "Type a name to practice under." : "Type your email.");
          return;
        }
        submit.disabled = true;
        try {
          await signIn(username, local ? undefined : form.elements.password.value);
          done();
        } catch (error) {
          replace(formError, error.message);
        } finally {
          submit.disabled = false;
        }
      });
      const intro = local
        ? "Locally, a name is all it takes: your sessions are kept under it while the local stack runs."
        : "Sign in with the account your administrator created for you.";
      replace(main, heading, h("p", null, intro), form);
      heading.focus();
    },
    (error) => replace(main, heading, h("p", { class: "error-text" }, error.message)),
  );
}
