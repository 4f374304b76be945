// Small DOM helpers: elements are built with textContent only, so no server text is ever parsed as HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function apply(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h("p", {class: "x"}, "text", otherElement). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element, same form as `h`. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** Replace the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let focusBeforeAlert = null;

/** Whether `el` can take focus back: still on the page, shown and enabled. */
const focusable = (el) => el && el.isConnected && el !== document.body && !el.disabled && el.offsetParent !== null;

/** The page-wide alert: a message a candidate understands, or nothing. It stays in view (sticky at the top) and
 * takes the focus, which a failed request's disabled or hidden button would otherwise drop to the page; dismissing
 * it gives the focus back, or to the page's heading. */
export function showAlert(message) {
  const alert = document.getElementById("alert");
  if (!message) {
    const hadFocus = alert.contains(document.activeElement);
    alert.hidden = true;
    alert.replaceChildren();
    if (hadFocus) {
      const back = focusable(focusBeforeAlert) ? focusBeforeAlert : document.querySelector("main h1, main h2");
      (back || document.getElementById("main")).focus();
    }
    focusBeforeAlert = null;
    return;
  }
  if (!alert.contains(document.activeElement)) focusBeforeAlert = document.activeElement;
  const close = h("button", { type: "button", class: "link-button", onclick: () => showAlert(null) }, "Dismiss");
  replace(alert, h("span", null, message), " ", close);
  alert.hidden = false;
  alert.focus();
}

/** A new random id, valid as a protocol `answer_id` or REST `client_answer_id`. */
export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID().replaceAll("-", "");
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Base64 of bytes (chunked so large arrays do not overflow the call stack). */
export function toBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
