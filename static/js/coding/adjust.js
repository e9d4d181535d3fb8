/* Adjusting a highlight's span: S/E and the arrow keys, or dragging the handles; Enter or
 * "Save span" posts it.
 */
import { snippet } from "./offsets.js";
import { app, fmt, say, setMessage, transcriptEl, user } from "./page.js";
import { post, urlFor } from "./requests.js";
import { getIndex, mark, pointToOffset, rangeFor, textBetween, trimmed } from "./transcript.js";

let adjust = null; // {id, start, end, edge, name}
let adjustUi = null; // {start, end: handle buttons; bar: Save/Cancel}
let drag = null; // {edge, handle}
export let dragJustEnded = false;

export function startAdjust(id, seg) {
  endAdjust();
  adjust = { id, start: seg.s, end: seg.e, edge: "end", name: seg.n };
  transcriptEl().focus({ preventScroll: true });
  mark("pending", adjust);
  showHandles();
  say(fmt(gettext("Adjusting %(code)s. Drag the handles, or: S or E chooses the start or end; left and right arrows move it; Enter saves; Escape cancels. Moving the end."), { code: user(seg.n) }));
}

/** Leave adjust mode: no pending mark, no handles. */
export function endAdjust() {
  adjust = null;
  stopDrag();
  mark("pending", null);
  if (adjustUi) {
    adjustUi.start.remove();
    adjustUi.end.remove();
    adjustUi.bar.remove();
    adjustUi = null;
  }
}

function cancelAdjust(refocus) {
  if (!adjust) return;
  endAdjust();
  say(gettext("Adjust cancelled."));
  if (refocus) transcriptEl().focus({ preventScroll: true });
}

function saveAdjust() {
  if (!adjust) return;
  const span = trimmed(adjust.start, adjust.end);
  const id = adjust.id;
  const refocus = adjustUi && (adjustUi.bar.contains(document.activeElement)
    || document.activeElement === adjustUi.start || document.activeElement === adjustUi.end);
  endAdjust();
  if (refocus) transcriptEl().focus({ preventScroll: true });
  if (!span) { say(gettext("The span would be empty.")); return; }
  post(urlFor("update", id), {
    start: span.start, end: span.end, quote: span.quote, version: transcriptEl().dataset.version,
  });
}

function adjustChanged() {
  mark("pending", adjust);
  placeHandles();
  const text = textBetween(adjust.start, adjust.end);
  const length = Array.from(text).length;
  say(fmt(ngettext("%(count)s character: %(text)s", "%(count)s characters: %(text)s", length), { count: length, text: user(snippet(text, 40)) }));
}

export function adjustKey(event) {
  const k = event.key;
  if (k === "Escape") { cancelAdjust(true); return true; }
  if (k === "s" || k === "S") { adjust.edge = "start"; say(gettext("Moving the start.")); return true; }
  if (k === "e" || k === "E") { adjust.edge = "end"; say(gettext("Moving the end.")); return true; }
  if (k === "ArrowLeft" || k === "ArrowRight") {
    const step = k === "ArrowRight" ? 1 : -1;
    const length = getIndex().length;
    if (adjust.edge === "start") adjust.start = Math.max(0, Math.min(adjust.end - 1, adjust.start + step));
    else adjust.end = Math.min(length, Math.max(adjust.start + 1, adjust.end + step));
    adjustChanged();
    return true;
  }
  if (k === "Enter") { saveAdjust(); return true; }
  return false;
}

function makeHandle(edge) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "adjust-handle adjust-" + edge;
  b.dataset.edge = edge;
  b.setAttribute("aria-label", edge === "start" ? gettext("Start of the span: drag it, or use the left and right arrow keys; Enter saves") : gettext("End of the span: drag it, or use the left and right arrow keys; Enter saves"));
  b.addEventListener("pointerdown", onHandleDown);
  b.addEventListener("focus", () => { if (adjust) adjust.edge = edge; });
  b.addEventListener("keydown", (event) => {
    if (!adjust) return;
    const other = /^[sSeE]$/.test(event.key) ? (event.key.toLowerCase() === "s" ? "start" : "end") : null;
    if (other && adjustUi) {
      // S/E on a handle: focus that boundary's handle (its arrows then move it).
      event.preventDefault();
      event.stopPropagation();
      adjustUi[other].focus({ preventScroll: true });
      say(other === "start" ? gettext("Moving the start.") : gettext("Moving the end."));
      return;
    }
    adjust.edge = edge;
    if (adjustKey(event)) { event.preventDefault(); event.stopPropagation(); }
  });
  app.appendChild(b);
  return b;
}

function showHandles() {
  const bar = document.createElement("div");
  bar.className = "adjust-bar";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", gettext("Adjust span"));
  const text = document.createElement("span");
  setMessage(text, fmt(gettext("Adjusting %(code)s: drag the handles (or S/E and arrows)."), { code: fmt(gettext("‘%(name)s’"), { name: user(adjust.name) }) }));
  const save = document.createElement("button");
  save.type = "button";
  save.className = "button small";
  save.textContent = gettext("Save span");
  save.addEventListener("click", saveAdjust);
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "button small secondary";
  cancel.textContent = gettext("Cancel");
  cancel.addEventListener("click", () => cancelAdjust(true));
  bar.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); cancelAdjust(true); }
  });
  bar.append(text, save, cancel);
  app.appendChild(bar);
  adjustUi = { start: makeHandle("start"), end: makeHandle("end"), bar };
  placeHandles();
}

/** The client rect of the character after (start edge) or before (end edge) an offset. */
function edgeRect(offset, edge) {
  const a = edge === "start" ? offset : offset - 1;
  const range = rangeFor(a, a + 1);
  if (!range) return null;
  const rects = Array.from(range.getClientRects()).filter((r) => r.height > 0);
  if (rects.length) return rects[edge === "start" ? 0 : rects.length - 1];
  const rect = range.getBoundingClientRect();
  return rect.height > 0 ? rect : null;
}

function placeHandle(handle, offset, edge) {
  const rect = edgeRect(offset, edge);
  if (!rect) { handle.hidden = true; return; }
  handle.hidden = false;
  const height = Math.max(24, rect.height + 8);
  const x = edge === "start" ? rect.left : rect.right;
  handle.style.height = height + "px";
  handle.style.left = x + window.scrollX - 12 + "px";
  handle.style.top = rect.top + window.scrollY + rect.height / 2 - height / 2 + "px";
}

export function placeHandles() {
  if (!adjust || !adjustUi) return;
  placeHandle(adjustUi.start, adjust.start, "start");
  placeHandle(adjustUi.end, adjust.end, "end");
}

function caretAt(x, y) {
  if (document.caretPositionFromPoint) {
    const p = document.caretPositionFromPoint(x, y);
    return p && p.offsetNode ? { node: p.offsetNode, offset: p.offset } : null;
  }
  if (document.caretRangeFromPoint) {
    const r = document.caretRangeFromPoint(x, y);
    return r ? { node: r.startContainer, offset: r.startOffset } : null;
  }
  return null;
}

function onHandleDown(event) {
  if (!adjust || event.button !== 0) return;
  event.preventDefault(); // no text selection, no compatibility mouse events
  const handle = event.currentTarget;
  drag = { edge: handle.dataset.edge, handle };
  adjust.edge = drag.edge;
  app.classList.add("is-dragging-handle");
  window.addEventListener("pointermove", onHandleMove);
  window.addEventListener("pointerup", onHandleUp);
  window.addEventListener("pointercancel", onHandleUp);
}

function onHandleMove(event) {
  if (!drag || !adjust) return;
  event.preventDefault();
  const point = caretAt(event.clientX, event.clientY);
  if (!point) return;
  // pointToOffset counts code points (Array.from / codePointAt), never UTF-16 units.
  const offset = pointToOffset(point.node, point.offset, drag.edge === "end");
  if (offset === null) return;
  if (drag.edge === "start") adjust.start = Math.max(0, Math.min(adjust.end - 1, offset));
  else adjust.end = Math.min(getIndex().length, Math.max(adjust.start + 1, offset));
  mark("pending", adjust);
  placeHandles();
}

function stopDrag() {
  window.removeEventListener("pointermove", onHandleMove);
  window.removeEventListener("pointerup", onHandleUp);
  window.removeEventListener("pointercancel", onHandleUp);
  app.classList.remove("is-dragging-handle");
  const handle = drag && drag.handle;
  if (handle) {
    // A mouseup may follow the pointerup in the same task: it is not a click on the text.
    dragJustEnded = true;
    window.setTimeout(() => { dragJustEnded = false; }, 0);
  }
  drag = null;
  return handle;
}

function onHandleUp() {
  const handle = stopDrag();
  if (!adjust) return;
  adjustChanged(); // the pending mark previews the new span; Enter or "Save span" posts it
  if (handle && document.contains(handle)) handle.focus({ preventScroll: true });
}

/** After a swap of the transcript: redraw the preview on the new runs, or stop. */
export function refreshAdjust() {
  if (!adjust) return;
  if (!getIndex().segs[String(adjust.id)]) { endAdjust(); return; }
  mark("pending", adjust);
  placeHandles();
}

/** Adjusting a span now (the keys then move its edges). */
export const adjusting = () => adjust !== null;

/** A press outside the handles, the bar and the popover cancels adjusting. */
export function adjustMouseDown(event) {
  if (adjust && !event.target.closest(".adjust-handle, .adjust-bar, #seg-pop")) cancelAdjust(false);
}
