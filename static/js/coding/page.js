/* What every part of the coding page shares: its elements, its data (the JSON the server
 * put in the page), the live region, and whether this layer view can be coded.
 */

export const byId = (id) => document.getElementById(id);
export const app = byId("coding-app");
export const page = JSON.parse(byId("coding-page").textContent);
const live = byId("coding-live");
export const highlights = typeof Highlight !== "undefined" && window.CSS && CSS.highlights ? CSS.highlights : null;

export const transcriptEl = () => byId("transcript");
export const editable = () => Boolean(transcriptEl() && transcriptEl().dataset.edit);
// Why selecting does not code on this layer view ("All" is a reading view), from the server.
export const readNote = () => (transcriptEl() && transcriptEl().dataset.readNote) || gettext("This layer is read-only: switch to Mine to code.");

/** User content (a code's name, a quote) inside a translated message: shown in its own
 * <span translate="no"> so that it is never taken for an interface string. */
export const user = (text) => ({ user: String(text) });

/** The translated ``format`` (from gettext) with each %(key)s replaced by ``values[key]``:
 * a list of strings and nodes for replaceChildren (user(...) values in translate="no"). */
export function fmt(format, values = {}) {
  const parts = [];
  format.split(/%\((\w+)\)s/).forEach((piece, i) => {
    if (i % 2 === 0) { if (piece) parts.push(piece); return; }
    const value = values[piece];
    if (value && typeof value === "object" && "user" in value) {
      const span = document.createElement("span");
      span.setAttribute("translate", "no");
      span.textContent = value.user;
      parts.push(span);
    } else if (Array.isArray(value)) {
      parts.push(...value);
    } else {
      parts.push(String(value));
    }
  });
  return parts;
}

/** An element's text from a message: a string, or fmt()'s parts. */
export function setMessage(el, message) {
  if (Array.isArray(message)) el.replaceChildren(...message.map((p) => (typeof p === "string" ? p : p.cloneNode(true))));
  else el.textContent = message;
}

/** A message as plain text (for a title or aria-label attribute). */
export const plain = (message) => (Array.isArray(message) ? message.map((p) => (typeof p === "string" ? p : p.textContent)).join("") : message);

export function say(message) {
  live.textContent = "";
  window.setTimeout(() => { setMessage(live, message); }, 40);
}

let readToastTimer = null;
/** Say why selecting does not code here, in the toast (a live region) where the selection
 * was made visible to everyone, with a link to Mine when the reader may code; and point
 * sighted users to the toolbar's links. */
export function sayReadOnly() {
  const note = byId("edit-state");
  const toast = byId("toast");
  if (toast) {
    const body = document.createElement("p");
    body.className = "toast-body toast-read-only";
    const text = document.createElement("span");
    text.className = "toast-text";
    text.textContent = readNote();
    body.append(text);
    if (note && note.querySelector('a[href="?layer=mine"]')) {
      const link = document.createElement("a");
      link.href = "?layer=mine";
      link.textContent = gettext("Switch to Mine");
      body.append(" ", link);
    }
    toast.replaceChildren(body);
    window.clearTimeout(readToastTimer);
    readToastTimer = window.setTimeout(() => {
      if (toast.contains(body) && !toast.matches(":hover") && !toast.contains(document.activeElement)) toast.replaceChildren();
    }, 8000);
  } else {
    say(readNote());
  }
  if (!note) return;
  note.classList.remove("is-flash"); void note.offsetWidth; note.classList.add("is-flash");
  window.setTimeout(() => note.classList.remove("is-flash"), 1600);
}

export function shortcutsOff() {
  try { return localStorage.getItem("wb-shortcuts-off") === "1"; } catch (e) { return false; }
}

/** The codebook ({id, n: name, p: path, col, d, ar, pa}), from the page (swapped after saves). */
export function codes() {
  const data = byId("codes-data");
  return data ? JSON.parse(data.textContent) : [];
}
