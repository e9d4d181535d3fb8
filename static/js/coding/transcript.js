/* The rendered transcript: the run index (rebuilt lazily after every swap), DOM points and
 * selections ↔ code-point offsets, ranges and CSS highlights, and keeping the reader's
 * place across a swap of the transcript.
 */
import { cpCount, cpToUnits, unitsToCp } from "./offsets.js";
import { byId, codes, highlights, transcriptEl } from "./page.js";
import { runAfter as runAfterIn, textBetween as textIn, trimmed as trimmedIn } from "./runs.js";

let index = null;

/** Forget the index: the transcript or its segments changed. */
export function resetIndex() {
  index = null;
}

/** Merge a write's changed segments into #segments-data (the #segments-delta element of a
 * partial answer: {"layers": [[words, writable]], "set": [table rows], "del": [id]}): rows of those ids are removed, the
 * set rows added, the table kept in reading order (start, longer first, id) as the server
 * writes it; and forget the index. */
export function mergeSegments(deltaEl) {
  const data = byId("segments-data");
  index = null;
  if (!data || !deltaEl) return;
  let delta;
  try { delta = JSON.parse(deltaEl.textContent || "{}"); } catch (e) { return; }
  const table = JSON.parse(data.textContent || "{}");
  const set = delta.set || [];
  // A write's rows carry no codebook period (9th column): an edited segment keeps its
  // own (its creation time does not change), a new one is coded under the current codebook.
  const before = new Map((table.segs || []).map((row) => [row[0], row[8]]));
  const latest = Math.max(0, (table.periods || []).length - 1);
  for (const row of set) if (row[8] === undefined) row[8] = before.has(row[0]) ? before.get(row[0]) : latest;
  const gone = new Set((delta.del || []).concat(set.map((row) => row[0])));
  const segs = (table.segs || []).filter((row) => !gone.has(row[0])).concat(set);
  segs.sort((a, b) => a[1] - b[1] || b[2] - a[2] || a[0] - b[0]);
  table.segs = segs;
  if (delta.layers) table.layers = delta.layers;  // the write may have made the layer
  if (delta.strokes) table.strokes = Object.assign(table.strokes || {}, delta.strokes);
  data.textContent = JSON.stringify(table);
}

/** Labels sit right of the stripe lanes in use (--lanes-shown, which the server sets for
 * the page; at most --block-lanes); a partial answer may add or free a lane, so count them
 * again from the stripes (each stripe's --lane is its lane within its block). */
export function fitLanes() {
  const root = transcriptEl();
  if (!root) return;
  let used = 0;
  for (const stripe of root.querySelectorAll(".stripe")) {
    const lane = parseInt(stripe.style.getPropertyValue("--lane"), 10);
    if (lane + 1 > used) used = lane + 1;
  }
  const most = parseInt(root.style.getPropertyValue("--block-lanes"), 10) || 6;
  root.style.setProperty("--lanes-shown", String(Math.max(1, Math.min(used, most))));
}

export function getIndex() {
  const root = transcriptEl();
  if (index && index.root === root) return index;
  const turns = Array.from(root.querySelectorAll(".turn"), (el) => ({
    el, start: Number(el.dataset.start), end: Number(el.dataset.end), n: Number(el.dataset.n),
  }));
  // The segment table, once per segment ({layers: [[words, writable]], segs: [[id, s, e,
  // code, layer, memo, review, date, codebook period]]}, periods: ["coded under v1"...] in
  // reading order): runs carry only offsets, so the
  // segments at a run are looked up here (segmentsAt).
  const data = byId("segments-data");
  const table = data ? JSON.parse(data.textContent) : { layers: [], segs: [] };
  // Segments carry their code's id; names, paths and colours come from the codebook.
  const codeMap = new Map(codes().map((c) => [c.id, c]));
  const segs = {};
  const order = [];
  const periods = table.periods || [];
  for (const [id, s, e, c, li, m, r, d, v] of table.segs) {
    const code = codeMap.get(c);
    const layer = table.layers[li] || ["", 0];
    segs[String(id)] = {
      s, e, c, li, l: layer[0], w: Boolean(layer[1]), m, r: Boolean(r), d, v: periods[v] || "",
      n: code ? code.n : "?", p: code ? code.p : "", col: code ? code.col : "#4d4d4d",
      o: code ? code.o || "" : "", ol: code ? code.ol || "" : "",
    };
    order.push(id);
  }
  // What the margin's script needs besides the rows (margin.js): strokes per code, in "All"
  // each layer's block and initials, the stripe lanes of a block.
  const margin = {
    strokes: table.strokes || {}, blocks: table.blocks || null, ini: table.ini || null,
    blockLanes: parseInt(root.style.getPropertyValue("--block-lanes"), 10) || 6,
  };
  // The runs (offsets of every .r), read on their first use: drawing the margin on a page's
  // load needs only the turns and the table.
  let runs = null;
  index = {
    root, turns, segs, order, margin, byTurn: null, length: Number(root.dataset.length) || 0,
    get runs() {
      if (!runs) {
        runs = Array.from(root.querySelectorAll(".r"), (el) => ({
          el, start: Number(el.dataset.start), end: Number(el.dataset.end), cps: null,
          get text() { return this.el.textContent; },
        }));
      }
      return runs;
    },
  };
  return index;
}

/** Index of the turn holding offset (or the first after it), by binary search. */
function turnAt(turns, offset) {
  let lo = 0;
  let hi = turns.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (turns[mid].end <= offset) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Ids of the segments covering offset, in reading order. Built once per index: each turn
 * lists the segments overlapping it (linear in segments x turns they span). */
export function segmentsAt(offset) {
  const idx = getIndex();
  if (!idx.byTurn) {
    idx.byTurn = idx.turns.map(() => []);
    for (const id of idx.order) {
      const seg = idx.segs[String(id)];
      for (let t = turnAt(idx.turns, seg.s); t < idx.turns.length && idx.turns[t].start < seg.e; t++) {
        idx.byTurn[t].push(id);
      }
    }
  }
  const t = turnAt(idx.turns, offset);
  if (t >= idx.turns.length || idx.turns[t].start > offset) return [];
  return idx.byTurn[t].filter((id) => { const seg = idx.segs[String(id)]; return seg.s <= offset && offset < seg.e; });
}

/** Ids of the segments drawn by a mark, a stripe, a label or a "+N" chip. */
export function segmentsOf(el) {
  if (el.classList.contains("r")) return segmentsAt(Number(el.dataset.start));
  return (el.dataset.seg || "").split(" ").filter(Boolean).map(Number);
}

/** The coded runs (marks) of a segment, in order. */
export function marksOf(id) {
  const idx = getIndex();
  const seg = idx.segs[String(id)];
  const out = [];
  if (!seg) return out;
  for (let i = runAfterIn(idx.runs, seg.s); i < idx.runs.length && idx.runs[i].start < seg.e; i++) {
    if (idx.runs[i].el.tagName === "MARK") out.push(idx.runs[i].el);
  }
  return out;
}

/** First run whose end is greater than offset. */
export const runAfter = (offset) => runAfterIn(getIndex().runs, offset);

/** The canonical text between two offsets, from the runs; gaps between runs are "\n". */
export const textBetween = (start, end) => textIn(getIndex().runs, start, end);

/** A DOM boundary point → code-point offset, or null when outside the transcript. */
export function pointToOffset(node, offset, isEnd) {
  const idx = getIndex();
  const root = idx.root;
  if (!root.contains(node)) return null;
  const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  const runEl = el && el.closest(".r");
  if (runEl && root.contains(runEl)) {
    const start = Number(runEl.dataset.start);
    if (node.nodeType === Node.TEXT_NODE) {
      let before = "";
      const walker = document.createTreeWalker(runEl, NodeFilter.SHOW_TEXT);
      for (let t = walker.nextNode(); t && t !== node; t = walker.nextNode()) before += t.data;
      return start + cpCount(before) + unitsToCp(node.data, offset, isEnd);
    }
    let before = "";
    for (let i = 0; i < offset && i < node.childNodes.length; i++) before += node.childNodes[i].textContent;
    return start + cpCount(before);
  }
  // Between runs (gutter, margin, hidden markers): snap to the nearest run in the
  // direction that shrinks the selection.
  const probe = document.createRange();
  probe.setStart(node, offset);
  const runs = idx.runs;
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (probe.comparePoint(runs[mid].el, 0) < 0) lo = mid + 1; else hi = mid;
  }
  if (isEnd) return lo > 0 ? runs[lo - 1].end : 0;
  return lo < runs.length ? runs[lo].start : idx.length;
}

/** The current DOM selection as {start, end, quote}, trimmed of white space, or null. */
export function selectionOffsets() {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0);
  const root = transcriptEl();
  if (!root || !range.intersectsNode(root)) return null;
  let start = root.contains(range.startContainer)
    ? pointToOffset(range.startContainer, range.startOffset, false)
    : 0;
  let end = root.contains(range.endContainer)
    ? pointToOffset(range.endContainer, range.endOffset, true)
    : getIndex().length;
  if (start === null || end === null || start >= end) return null;
  return trimmed(start, end);
}

export const trimmed = (start, end) => trimmedIn(getIndex().runs, start, end);

/** A code-point offset → DOM point inside a run's text node. */
function offsetToPoint(offset, isEnd) {
  const runs = getIndex().runs;
  if (!runs.length) return null;
  let i = runAfter(isEnd ? offset - 1 : offset);
  if (i >= runs.length) i = runs.length - 1;
  const run = runs[i];
  const node = run.el.firstChild;
  if (!node) return null;
  const local = Math.max(0, Math.min(run.end, offset) - run.start);
  return { node, offset: offset < run.start ? 0 : cpToUnits(node.data, local) };
}

export function rangeFor(start, end) {
  const a = offsetToPoint(start, false);
  const b = offsetToPoint(end, true);
  if (!a || !b) return null;
  const range = document.createRange();
  range.setStart(a.node, a.offset);
  range.setEnd(b.node, b.offset);
  return range;
}

export function mark(name, span) {
  if (!highlights) return;
  if (!span) { highlights.delete(name); return; }
  const range = rangeFor(span.start, span.end);
  if (range) highlights.set(name, new Highlight(range)); else highlights.delete(name);
}


/** Show the floating el under (or above) the span, or under the transcript's top. */
/** Place a popup (picker, popover) under ``span``'s last line (or ``anchorEl``), above it
 * when it does not fit below, and always inside the window: when neither side holds it,
 * on the roomier side, pushed in (over the passage) and scrolling inside itself if it is
 * taller than the window. It is placed again whenever its size changes (typing filters
 * the list, the memo box opens), so Apply and Save memo never end up below the fold. */
export function position(el, span, anchorEl) {
  el._placeArgs = [span, anchorEl];
  let rect;
  if (anchorEl && document.contains(anchorEl)) {
    rect = anchorEl.getBoundingClientRect();
  } else {
    const range = span && rangeFor(span.start, span.end);
    const rects = range ? range.getClientRects() : [];
    rect = rects.length ? rects[rects.length - 1] : transcriptEl().getBoundingClientRect();
  }
  el.style.visibility = "hidden";
  el.hidden = false;
  el.style.maxHeight = "";
  const margin = 8;
  const gap = 6;
  const vh = window.innerHeight;
  if (el.offsetHeight > vh - 2 * margin) {
    el.style.maxHeight = vh - 2 * margin + "px";
    el.style.overflowY = "auto";
  }
  const height = el.offsetHeight;
  const width = el.offsetWidth;
  const below = vh - margin - (rect.bottom + gap);
  const above = rect.top - gap - margin;
  let top;
  if (height <= below) top = rect.bottom + gap;
  else if (height <= above) top = rect.top - gap - height;
  else if (below >= above) top = vh - margin - height;
  else top = margin;
  top = Math.max(margin, Math.min(top, vh - margin - height));
  const left = Math.max(8, Math.min(rect.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8));
  el.style.top = top + window.scrollY + "px";
  el.style.left = left + "px";
  el.style.visibility = "";
  el._placedHeight = height;
  if (!el._placeObserver && window.ResizeObserver) {
    el._placeObserver = new ResizeObserver(() => {
      if (el.hidden || !el._placeArgs || Math.abs(el.offsetHeight - el._placedHeight) < 1) return;
      position(el, ...el._placeArgs);
    });
    el._placeObserver.observe(el);
  }
}

// An outerHTML swap inserts the new transcript before removing the old one; scroll
// anchoring would keep the old one in view and throw the page to the end. Keep the first
// visible turn where it was. The new turns have not been laid out (content-visibility)
// and would take the estimated height: they get the old turns' heights instead, so the
// text does not move under the reader.
let placeBeforeSwap = null;

/** A write's partial answer (HX-Reswap: none): its turns, codebook rows and segment entries
 * come out of band, the transcript element itself stays. */
export const isPartialAnswer = (event) => {
  const xhr = event.detail && event.detail.xhr;
  return Boolean(xhr && xhr.getResponseHeader("HX-Reswap") === "none");
};

/** Before a turn is replaced out of band: its height goes to the new turn (which is not laid
 * out yet when off screen), so the text does not move under the reader. */
export function keepTurnHeight(event) {
  const old = event.detail && event.detail.target;
  if (!old || !old.classList || !old.classList.contains("turn")) return;
  const fresh = event.detail.fragment && event.detail.fragment.firstElementChild;
  const height = old.getBoundingClientRect().height;
  if (fresh && height) fresh.style.containIntrinsicSize = "auto " + height + "px";
}

export const isTranscriptSwap = (event) => event.target.id === "transcript" || Boolean(event.detail && event.detail.target && event.detail.target.id === "transcript");

/** Before a swap of the transcript: the first visible turn, its place and every turn's height. */
export function rememberPlace() {
  const turns = getIndex().turns;
  const heights = new Map(turns.map((t) => [String(t.start), t.el.getBoundingClientRect().height]));
  let lo = 0;
  let hi = turns.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (turns[mid].el.getBoundingClientRect().bottom <= 0) lo = mid + 1; else hi = mid;
  }
  placeBeforeSwap = { heights, start: turns[lo] ? turns[lo].start : null, top: turns[lo] ? turns[lo].el.getBoundingClientRect().top : 0 };
}

/** After the swap: the old heights on the new turns, and the first visible turn back in place. */
export function restorePlace() {
  const place = placeBeforeSwap;
  placeBeforeSwap = null;
  if (!place) return;
  for (const el of transcriptEl().querySelectorAll(".turn")) {
    const h = place.heights.get(el.dataset.start);
    if (h) el.style.containIntrinsicSize = "auto " + h + "px";
  }
  const anchor = place.start !== null && transcriptEl().querySelector('.turn[data-start="' + place.start + '"]');
  if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - place.top);
}
