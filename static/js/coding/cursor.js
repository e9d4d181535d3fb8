/* The keyboard cursor in the transcript: turns (↑↓), sentences (←→, Shift extends),
 * highlights (J/K, Enter, Delete) and C to code the current passage.
 */
import { snippet } from "./offsets.js";
import { fmt, say, transcriptEl, user } from "./page.js";
import { openPicker } from "./picker.js";
import { openPopover, segWords } from "./popover.js";
import { post, urlFor } from "./requests.js";
import { sentenceSpans } from "./runs.js";
import { getIndex, mark, marksOf, rangeFor, selectionOffsets, textBetween, trimmed } from "./transcript.js";

export const cursor = { turn: -1, range: null, seg: null };

function bodyStart(turn) {
  const spk = turn.el.querySelectorAll(".r.spk");
  return spk.length ? Number(spk[spk.length - 1].dataset.end) : turn.start;
}

function sentences(turn) {
  const start = bodyStart(turn);
  return sentenceSpans(textBetween(start, turn.end), start);
}

function allSentences() {
  const idx = getIndex();
  if (!idx.sentences) idx.sentences = idx.turns.map((t) => sentences(t));
  return idx.sentences;
}

export function setTurn(i) {
  const turns = getIndex().turns;
  if (!turns.length) return;
  i = Math.max(0, Math.min(turns.length - 1, i));
  turns.forEach((t, k) => t.el.classList.toggle("is-current", k === i));
  cursor.turn = i;
  const turn = turns[i];
  turn.el.scrollIntoView({ block: "nearest" });
  return turn;
}

function announceTurn(turn) {
  say(fmt(gettext("Turn %(number)s: %(text)s"), { number: turn.n, text: user(snippet(textBetween(turn.start, turn.end), 80)) }));
}

function announceRange() {
  const r = cursor.range;
  if (!r) return;
  const text = textBetween(r.start, r.end);
  const length = Array.from(text).length;
  say(fmt(ngettext("Selected %(count)s character: %(text)s", "Selected %(count)s characters: %(text)s", length), { count: length, text: user(snippet(text, 60)) }));
}

export function setRange(range) {
  cursor.range = range;
  mark("cursor", range);
  if (range) {
    const r = rangeFor(range.start, range.end);
    const rect = r && r.getBoundingClientRect();
    if (rect && (rect.top < 0 || rect.bottom > window.innerHeight)) {
      r.startContainer.parentElement.scrollIntoView({ block: "center" });
    }
    announceRange();
  }
}

export function turnIndexAt(offset) {
  const turns = getIndex().turns;
  let lo = 0;
  let hi = turns.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (turns[mid].end < offset) lo = mid + 1; else hi = mid;
  }
  return Math.min(lo, turns.length - 1);
}

function firstVisibleTurn() {
  const turns = getIndex().turns;
  for (let i = 0; i < turns.length; i++) {
    if (turns[i].el.getBoundingClientRect().bottom > 0) return i;
  }
  return 0;
}

function moveSentence(dir, extend) {
  const all = allSentences();
  const flat = all.flat();
  if (!flat.length) return;
  const r = cursor.range;
  if (!r) {
    const t = cursor.turn >= 0 ? cursor.turn : firstVisibleTurn();
    const list = all[t] && all[t].length ? all[t] : flat;
    setRange({ start: list[0].start, end: list[0].end });
    setTurn(turnIndexAt(list[0].start));
    return;
  }
  if (extend) {
    if (dir > 0) {
      // Within the turn the range starts in: never into the next speaker's label.
      const own = all[turnIndexAt(r.start)] || [];
      const next = own.find((s) => s.end > r.end);
      if (next) setRange({ start: r.start, end: next.end });
      else say(gettext("End of the turn."));
    } else {
      const prev = [...flat].reverse().find((s) => s.end < r.end && s.end > r.start);
      if (prev) setRange({ start: r.start, end: prev.end });
    }
  } else if (dir > 0) {
    const next = flat.find((s) => s.start >= r.end);
    if (next) setRange({ start: next.start, end: next.end });
  } else {
    const prev = [...flat].reverse().find((s) => s.end <= r.start);
    if (prev) setRange({ start: prev.start, end: prev.end });
  }
  if (cursor.range) setTurn(turnIndexAt(cursor.range.start));
}

function extendChar(dir) {
  const r = cursor.range;
  if (!r) return;
  // Stop at the end of the turn the range starts in.
  const turn = getIndex().turns[turnIndexAt(r.start)];
  const limit = turn ? turn.end : getIndex().length;
  const end = Math.max(r.start + 1, Math.min(limit, r.end + dir));
  if (dir > 0 && r.end >= limit) say(gettext("End of the turn."));
  setRange({ start: r.start, end });
}

/** Focus highlight ``id`` (null: none); ``quiet``: without saying it (the picker says its own). */
export function focusSegment(id, { quiet = false } = {}) {
  const root = transcriptEl();
  root.querySelectorAll(".is-focus").forEach((el) => el.classList.remove("is-focus"));
  cursor.seg = id;
  if (id === null) return;
  // Its marks from the segment table (runs name no segment), its stripes and labels by id.
  const marks = marksOf(id);
  for (const el of marks) el.classList.add("is-focus");
  root.querySelectorAll('[data-seg~="' + Number(id) + '"]').forEach((el) => el.classList.add("is-focus"));
  if (marks.length) marks[0].scrollIntoView({ block: "nearest" });
  const seg = getIndex().segs[String(id)];
  if (seg && !quiet) {
    say(fmt(seg.w ? gettext("%(segment)s: %(text)s. Enter for actions, Delete removes.") : gettext("%(segment)s: %(text)s. Enter lists codes."), { segment: user(segWords(id, seg)), text: user(snippet(textBetween(seg.s, seg.e), 60)) }));
  }
}

function stepSegment(dir) {
  const idx = getIndex();
  if (!idx.order.length) { say(gettext("No highlights.")); return; }
  let pos = cursor.seg === null ? -1 : idx.order.indexOf(cursor.seg);
  if (pos === -1) {
    const from = cursor.range ? cursor.range.start : cursor.turn >= 0 ? idx.turns[cursor.turn].start : -1;
    pos = dir > 0 ? idx.order.findIndex((id) => idx.segs[id].s > from) - 1 : idx.order.length;
    if (dir > 0 && pos < -1) pos = idx.order.length - 1;
  }
  const next = Math.max(0, Math.min(idx.order.length - 1, pos + dir));
  focusSegment(idx.order[next]);
}

export function restoreCursor() {
  const idx = getIndex();
  if (cursor.turn >= 0 && idx.turns[cursor.turn]) idx.turns[cursor.turn].el.classList.add("is-current");
  if (cursor.seg !== null) {
    if (idx.segs[String(cursor.seg)]) focusSegment(cursor.seg); else cursor.seg = null;
  }
  if (cursor.range) mark("cursor", cursor.range);
}

function codeCurrent() {
  const native = selectionOffsets();
  if (native) { openPicker(native); return; }
  if (cursor.range) {
    const span = trimmed(cursor.range.start, cursor.range.end);
    if (span) openPicker(span);
    return;
  }
  if (cursor.turn >= 0) {
    const turn = getIndex().turns[cursor.turn];
    const span = trimmed(bodyStart(turn), turn.end);
    if (span) openPicker(span);
    return;
  }
  say(gettext("Select text first: Enter selects the first sentence of a turn."));
}

/** The transcript's own keys (main.js has checked focus, fields, adjusting and Ctrl). */
export function cursorKey(event) {
  const root = transcriptEl();
  const key = event.key;
  const nativeSelection = window.getSelection() && !window.getSelection().isCollapsed;
  switch (key) {
    case "ArrowDown":
    case "ArrowUp":
      if (event.shiftKey || nativeSelection) return;
      event.preventDefault();
      setRange(null);
      focusSegment(null);
      announceTurn(setTurn((cursor.turn < 0 ? firstVisibleTurn() - (key === "ArrowDown" ? 1 : 0) : cursor.turn) + (key === "ArrowDown" ? 1 : -1)));
      return;
    case "ArrowRight":
    case "ArrowLeft":
      if (nativeSelection) return;
      event.preventDefault();
      focusSegment(null);
      if (event.altKey && event.shiftKey) extendChar(key === "ArrowRight" ? 1 : -1);
      else moveSentence(key === "ArrowRight" ? 1 : -1, event.shiftKey);
      return;
    case "Enter":
      event.preventDefault();
      if (cursor.seg !== null) {
        const el = root.querySelector("mark.is-focus");
        openPopover([cursor.seg], null, root);
        void el;
        return;
      }
      if (event.target.closest("mark.r, .stripe, .stripe-label, .stripe-more")) return;
      if (cursor.turn < 0) setTurn(firstVisibleTurn());
      {
        const list = allSentences()[cursor.turn];
        if (list && list.length) setRange({ start: list[0].start, end: list[0].end });
      }
      return;
    case "Escape":
      if (cursor.range || cursor.seg !== null) {
        event.preventDefault();
        setRange(null);
        focusSegment(null);
        say(gettext("Selection cleared."));
      }
      return;
    case "Delete":
    case "Backspace":
      if (cursor.seg !== null) {
        event.preventDefault();
        const seg = getIndex().segs[String(cursor.seg)];
        if (seg && seg.w) {
          const id = cursor.seg;
          cursor.seg = null;
          post(urlFor("delete", id), {});
        } else {
          say(gettext("You cannot remove this highlight: it is not in your layer."));
        }
      }
      return;
    default:
      break;
  }
  // Alt+letter may produce another character (macOS): read the physical key then.
  const lower = event.altKey && /^Key[A-Z]$/.test(event.code) ? event.code.slice(3).toLowerCase() : key.toLowerCase();
  if (lower === "c" && !event.shiftKey) { event.preventDefault(); codeCurrent(); }
  else if (lower === "j") { event.preventDefault(); stepSegment(1); }
  else if (lower === "k") { event.preventDefault(); stepSegment(-1); }
}
