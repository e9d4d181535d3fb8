/* Find-and-code: matches on the canonical text, stepped through with the keyboard and
 * coded with Enter.
 */
import { byId, editable, highlights, say, transcriptEl } from "./page.js";
import { cursor, focusSegment, setRange, setTurn, turnIndexAt } from "./cursor.js";
import { openPicker } from "./picker.js";
import { getIndex, rangeFor, textBetween, trimmed } from "./transcript.js";
// Matches are found on the canonical text as an array of code points, so every match is a
// pair of Python offsets (text[start:end]) whatever precedes it (𠝹 is one code point).

const findInput = byId("find-input");
const finder = { query: null, matches: [], current: -1 };
const FIND_LIMIT = 2000;

function findCps() {
  const idx = getIndex();
  // One entry per code point, lower-cased one by one so indexes stay offsets.
  if (!idx.findCps) idx.findCps = Array.from(textBetween(0, idx.length), (c) => c.toLowerCase());
  return idx.findCps;
}

function findCount() {
  const box = byId("find-count");
  if (!box) return;
  const n = finder.matches.length;
  if (!finder.query) box.textContent = "";
  else if (!n) box.textContent = gettext("No matches");
  else if (finder.current >= 0) box.textContent = interpolate(gettext("%(current)s of %(count)s"), { current: finder.current + 1, count: n + (n >= FIND_LIMIT ? "+" : "") }, true);
  else box.textContent = interpolate(ngettext("%(count)s match", "%(count)s matches", n), { count: n + (n >= FIND_LIMIT ? "+" : "") }, true);
}

function paintFind() {
  if (!highlights) return;
  if (!finder.matches.length) { highlights.delete("find"); return; }
  const ranges = finder.matches.map((m) => rangeFor(m.start, m.end)).filter(Boolean);
  const h = new Highlight(...ranges);
  h.priority = -1; // under the cursor (the selected match) and pending marks
  highlights.set("find", h);
}

function runFind() {
  const value = findInput.value;
  finder.query = value;
  finder.matches = [];
  finder.current = -1;
  const q = Array.from(value, (c) => c.toLowerCase());
  if (value.trim()) {
    const cps = findCps();
    const last = cps.length - q.length;
    outer: for (let i = 0; i <= last && finder.matches.length < FIND_LIMIT; i++) {
      for (let j = 0; j < q.length; j++) if (cps[i + j] !== q[j]) continue outer;
      finder.matches.push({ start: i, end: i + q.length });
    }
  }
  paintFind();
  findCount();
}

function selectedMatch() {
  const m = finder.matches[finder.current];
  const r = cursor.range;
  return m && r && r.start === m.start && r.end === m.end ? m : null;
}

function stepMatch(dir) {
  if (finder.query !== findInput.value) runFind();
  const n = finder.matches.length;
  if (!n) { say(finder.query && finder.query.trim() ? gettext("No matches.") : gettext("Type something to find.")); return; }
  finder.current = finder.current < 0 ? (dir > 0 ? 0 : n - 1) : (finder.current + dir + n) % n;
  const m = finder.matches[finder.current];
  focusSegment(null);
  setRange({ start: m.start, end: m.end });
  setTurn(turnIndexAt(m.start));
  findCount();
  const turn = getIndex().turns[cursor.turn];
  const where = { current: finder.current + 1, count: n, turn: turn ? turn.n : "" };
  const format = turn
    ? (editable() ? gettext("Match %(current)s of %(count)s, turn %(turn)s. Enter codes it.") : gettext("Match %(current)s of %(count)s, turn %(turn)s."))
    : (editable() ? gettext("Match %(current)s of %(count)s. Enter codes it.") : gettext("Match %(current)s of %(count)s."));
  say(interpolate(format, where, true));
}

function codeMatch() {
  const m = selectedMatch();
  if (!m) return;
  const span = trimmed(m.start, m.end);
  if (!span) { say(gettext("The match is only white space.")); return; }
  openPicker(span, { returnFocus: findInput });
}

function clearFind() {
  const hadSelection = Boolean(selectedMatch());
  findInput.value = "";
  runFind();
  if (hadSelection) setRange(null);
  say(gettext("Search cleared."));
}

export function refreshFind() {
  if (!findInput || !findInput.value) return;
  const current = finder.current;
  runFind();
  if (current < finder.matches.length) finder.current = current;
  findCount();
}

/** Typing finds (after a pause); ↑↓ and Enter step through matches, Enter on a selected
 * match codes it, Escape clears. */
export function initFind() {
  if (!findInput) return;
  let findTimer = null;
  findInput.addEventListener("input", () => {
    window.clearTimeout(findTimer);
    findTimer = window.setTimeout(runFind, 120);
  });
  findInput.addEventListener("keydown", (event) => {
    if (event.isComposing || event.keyCode === 229) return; // IME is composing
    const key = event.key;
    if (key === "ArrowDown" || key === "ArrowUp") {
      event.preventDefault();
      window.clearTimeout(findTimer);
      stepMatch(key === "ArrowDown" ? 1 : -1);
    } else if (key === "Enter") {
      event.preventDefault();
      window.clearTimeout(findTimer);
      if (event.shiftKey) stepMatch(-1);
      else if (finder.query === findInput.value && selectedMatch()) codeMatch();
      else stepMatch(1);
    } else if (key === "Escape") {
      event.preventDefault();
      window.clearTimeout(findTimer);
      if (findInput.value) clearFind(); else transcriptEl().focus({ preventScroll: true });
    }
  });
}

