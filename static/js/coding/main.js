/* Coding page: selection → code-point offsets, code picker, highlight popovers,
 * keyboard-only coding. Native ES modules, no framework, no build. Offsets are Unicode
 * code points of the canonical text (Python's text[start:end]); JS strings count UTF-16
 * units, so nothing uses a string's .length as an offset (offsets.js, runs.js).
 *
 * This module wires the page: the one keydown and the one mousedown listener on the
 * document dispatch to the parts, in the order they must see the event.
 *   page.js        elements, page data, the live region
 *   offsets.js     code points ↔ UTF-16 units (pure)
 *   runs.js        text, trimming, reading order and sentences from the runs (pure)
 *   transcript.js  the run index, DOM points ↔ offsets, highlights, place across swaps
 *   requests.js    htmx requests, a coding request from saving to saved or failed
 *   picker.js      the code picker
 *   popover.js     the popover at a highlight, the stripe tooltip
 *   adjust.js      adjusting a span (keys and handles)
 *   cursor.js      the keyboard cursor: turns, sentences, highlights
 *   find.js        find-and-code
 *   margin.js      the margin's stripes, labels and "+N" chips, drawn from the page's data
 *   tree.js        the codebook column
 */
import { adjustKey, adjusting, adjustMouseDown, dragJustEnded, placeHandles, refreshAdjust } from "./adjust.js";
import { cursorKey, focusSegment, restoreCursor, setRange, setTurn, turnIndexAt } from "./cursor.js";
import { initFind, refreshFind } from "./find.js";
import { cpToUnits, snippet, unitsToCp } from "./offsets.js";
import { app, byId, editable, fmt, highlights, readNote, say, sayReadOnly, shortcutsOff, transcriptEl, user } from "./page.js";
import { initPicker, openPicker, pickerMouseDown, pickerState } from "./picker.js";
import { initPopover, openPopover, popoverMouseDown, stripeOut, stripeOver, tipKeyDown } from "./popover.js";
import { initRequests, undo } from "./requests.js";
import {
  fitLanes, getIndex, isPartialAnswer, isTranscriptSwap, keepTurnHeight, mergeSegments, rangeFor, rememberPlace, resetIndex,
  restorePlace, segmentsAt, segmentsOf, selectionOffsets, textBetween,
} from "./transcript.js";
import { filterCodebook, initTree } from "./tree.js";
import { drawMargins } from "./margin.js";

// --- keys ------------------------------------------------------------------------------

/** Ctrl+Z undoes; in the transcript, adjusting takes the keys first, then the cursor. */
function transcriptKeyDown(event) {
  const root = transcriptEl();
  const inField = event.target.closest("input, textarea, select, [contenteditable]");
  if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z" && !inField && editable()) {
    event.preventDefault();
    undo();
    return;
  }
  // "?" lists the shortcuts from anywhere on the page but text fields and open dialogs.
  if (event.key === "?" && !inField && !event.ctrlKey && !event.metaKey && !(shortcutsOff() && !event.altKey)
      && !event.target.closest("dialog, [role=dialog]")) {
    event.preventDefault();
    openShortcuts();
    return;
  }
  if (!root || !root.contains(document.activeElement) || inField) return;
  if (adjusting() && adjustKey(event)) { event.preventDefault(); return; }
  if (event.ctrlKey || event.metaKey) return;
  // With single-key shortcuts turned off (WCAG 2.1.4), letters need Alt.
  if (shortcutsOff() && !event.altKey && /^[a-zA-Z?]$/.test(event.key)) return;
  cursorKey(event);
}

function onKeyDown(event) {
  transcriptKeyDown(event);
  tipKeyDown(event);
}

// Keyboard selections (Shift+arrows with caret browsing): open the picker when Shift is released.
function onKeyUp(event) {
  if (event.key !== "Shift" || pickerState) return;
  const root = transcriptEl();
  if (!root || !root.contains(document.activeElement) && !root.contains(window.getSelection().anchorNode)) return;
  const span = selectionOffsets();
  if (span && editable()) openPicker(span, { returnFocus: root });
}

let selectionTimer = null;
function onSelectionChange() {
  window.clearTimeout(selectionTimer);
  selectionTimer = window.setTimeout(() => {
    if (pickerState) return;
    const span = selectionOffsets();
    if (span) {
      const length = Array.from(span.quote).length;
      const format = editable()
        ? ngettext("Selected %(count)s character: %(text)s. Press C to code.", "Selected %(count)s characters: %(text)s. Press C to code.", length)
        : ngettext("Selected %(count)s character: %(text)s. %(note)s", "Selected %(count)s characters: %(text)s. %(note)s", length);
      say(fmt(format, { count: length, text: user(snippet(span.quote, 40)), note: readNote() }));
    }
  }, 500);
}

// --- mouse -----------------------------------------------------------------------------

/** A press outside the picker, the popover or the adjust handles closes them, in that order. */
function onMouseDown(event) {
  pickerMouseDown(event);
  popoverMouseDown(event);
  adjustMouseDown(event);
}

/** Releasing a selection in the transcript opens the picker; a click on a highlight, its popover. */
function onMouseUp(event) {
  const root = transcriptEl();
  if (!root || !root.contains(event.target) || event.button !== 0) return;
  if (dragJustEnded) return; // the end of a handle drag, not a click
  window.setTimeout(() => {
    const span = selectionOffsets();
    if (span) {
      if (editable()) openPicker(span, { returnFocus: root });
      else sayReadOnly();
      return;
    }
    const hit = event.target.closest("mark.r, .stripe, .stripe-label, .stripe-more");
    const ids = hit ? segmentsOf(hit) : [];
    if (ids.length) {
      focusSegment(ids[0]);
      openPopover(ids, hit, root);
    }
  }, 0);
}

// --- swaps of the transcript -----------------------------------------------------------

function onBeforeSwap(event) {
  if (!isTranscriptSwap(event) || !transcriptEl() || isPartialAnswer(event)) return;
  rememberPlace();
}

// A partial answer swaps each of its out-of-band elements (every one fires afterSwap);
// the segment entries come last, so the page is refreshed once, when they are merged.
function onAfterSwap(event) {
  if (!isTranscriptSwap(event)) return;
  if (isPartialAnswer(event)) {
    if (event.target.id !== "segments-delta") return;
    mergeSegments(event.target);
    drawMargins();
    fitLanes();
  } else {
    drawMargins();
    restorePlace();
  }
  resetIndex();
  if (highlights) { highlights.delete("cursor"); highlights.delete("saving"); }
  restoreCursor();
  filterCodebook();
  refreshAdjust();
  refreshFind();
}

// --- shortcuts dialog ------------------------------------------------------------------

const dialog = byId("shortcuts");
let shortcutsReturn = null;
function openShortcuts() {
  if (!dialog || dialog.open) return;
  shortcutsReturn = document.activeElement;
  dialog.showModal();
}

function initShortcuts() {
  const shortcutsButton = byId("shortcuts-button");
  if (shortcutsButton) shortcutsButton.addEventListener("click", openShortcuts);
  const off = byId("shortcuts-off");
  if (off) {
    off.checked = shortcutsOff();
    off.addEventListener("change", () => {
      try { localStorage.setItem("wb-shortcuts-off", off.checked ? "1" : "0"); } catch (e) { /* ignore */ }
    });
  }
  // Closing returns focus where "?" was pressed (the transcript when it was the button).
  if (dialog) dialog.addEventListener("close", () => {
    const back = shortcutsReturn && document.contains(shortcutsReturn) && shortcutsReturn !== byId("shortcuts-button") ? shortcutsReturn : transcriptEl();
    if (back) back.focus({ preventScroll: true });
  });
}

// The skip link lands on the transcript itself (focus, not only scroll).
function onSkipClick(event) {
  if (!event.target.closest("[data-skip-transcript]") || !transcriptEl()) return;
  event.preventDefault();
  transcriptEl().focus({ preventScroll: true });
  transcriptEl().scrollIntoView({ block: "start" });
  say(gettext("Transcript. Enter selects the first sentence of a turn; press question mark for shortcuts."));
}

// Links from retrieval, the agreement report and the matrices open the page on one
// highlight: ?focus=<segment id> (or #seg-<id>).
function focusFromUrl() {
  const focusParam = new URLSearchParams(window.location.search).get("focus")
    || (window.location.hash.match(/^#seg-(\d+)$/) || [])[1];
  if (focusParam && getIndex().segs[String(focusParam)]) {
    focusSegment(Number(focusParam));
    const first = transcriptEl().querySelector("mark.is-focus");
    if (first) first.scrollIntoView({ block: "center" });
    return;
  }
  // Search hits open the page on a passage: ?at=<start>-<end> (or #at=), code points.
  const at = (new URLSearchParams(window.location.search).get("at") || "").match(/^(\d+)-(\d+)$/)
    || window.location.hash.match(/^#at=(\d+)-(\d+)$/);
  if (!at) return;
  const start = Number(at[1]);
  const end = Number(at[2]);
  if (!(start < end && end <= getIndex().length)) return;
  setRange({ start, end });
  setTurn(turnIndexAt(start));
  const range = rangeFor(start, end);
  if (range) range.startContainer.parentElement.scrollIntoView({ block: "center" });
}

// --- wiring ------------------------------------------------------------------------------

// Turns carry stable ids (ln-<index>) so a write can swap just the turns it touched. htmx
// "settles" elements whose id is in both the old and the new content: it copies the old
// class and style onto the new one and puts the new ones back a moment later, which would
// undo what afterSwap sets (the cursor's turn, the kept heights). Nothing here animates.
if (window.htmx) window.htmx.config.attributesToSettle = [];
initRequests();
app.addEventListener("click", (event) => {
  if (event.target.closest("[data-undo]")) { event.preventDefault(); undo(); }
});
document.body.addEventListener("htmx:beforeSwap", onBeforeSwap);
document.body.addEventListener("htmx:afterSwap", onAfterSwap);
document.body.addEventListener("htmx:oobBeforeSwap", keepTurnHeight);
initPicker();
initTree();
// The codebook comes back out of band after saves: reapply collapse, filter and tab stop.
document.body.addEventListener("htmx:afterSettle", filterCodebook);
filterCodebook();
document.addEventListener("click", onSkipClick);
initPopover();
window.addEventListener("resize", placeHandles);
document.addEventListener("mousedown", onMouseDown);
document.addEventListener("keydown", onKeyDown);
document.addEventListener("keyup", onKeyUp);
document.addEventListener("selectionchange", onSelectionChange);
app.addEventListener("mouseup", onMouseUp);
app.addEventListener("mouseover", stripeOver);
app.addEventListener("mouseout", stripeOut);
initFind();
initShortcuts();
// The margin is drawn once htmx has set the page up (its DOMContentLoaded handler walks every
// element and attribute of the page, which need not include the margin's thousands), in the
// same task, before the first frame after it; then the page opens where its link points.
document.addEventListener("DOMContentLoaded", () => { drawMargins(); focusFromUrl(); }, { once: true });

// For tests and the benchmark: the conversion functions, without touching the DOM.
window.codingPage = { selectionOffsets, textBetween, unitsToCp, cpToUnits, rangeFor, openPicker, segmentsAt };
