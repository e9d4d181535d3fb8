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
export const readNote = () => (transcriptEl() && transcriptEl().dataset.readNote) || "This layer is read-only: switch to Mine to code.";

export function say(message) {
  live.textContent = "";
  window.setTimeout(() => { live.textContent = message; }, 40);
}

/** Say why selecting does not code here, and point sighted users to the toolbar's links. */
export function sayReadOnly() {
  say(readNote());
  const note = byId("edit-state");
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
