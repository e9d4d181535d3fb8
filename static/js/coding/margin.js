/* The coding page's margin, drawn here from the page's data: each turn's data-m (written
 * by coding/segments/runs.py: one token per segment on the turn, in reading order, its
 * stripe lane within its block, then "@<top>" when its label is placed on this turn at
 * <top> percent, or "!" when its label went to the "+N" chip) and the segment table
 * (offsets, code, layer; the codes' strokes; in "All" each layer's block and initials).
 * The server computes the lanes and the label places; here the stripes are placed by the
 * character fraction of the turn they cover and the buttons stacked (24 px targets never
 * closer than LABEL_STEP_PX), exactly as the server used to write them.
 */
import { transcriptEl } from "./page.js";
import { getIndex } from "./transcript.js";

const LABEL_STEP_PX = 30;
const STRIPE_CLASS = [["stripe", "stripe last"], ["stripe first", "stripe first last"]];
const drawn = new WeakSet();

const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => ESC[c]);
const pct = (fraction) => (fraction * 100).toFixed(2) + "%";

/** CSS tops of buttons stacked in one column wanted at ``tops`` (CSS lengths): each at its
 * own unless closer than the step to one above (max over the buttons above), and never so
 * low that the buttons below it would pass the turn's end (its text's height, or the room
 * the turn keeps for n buttons when that is more): at most that end less a step for it and
 * each button below. Both bounds keep the step between neighbours. */
function stackTops(tops) {
  const n = tops.length;
  const end = "calc(max(100%, " + n * LABEL_STEP_PX + "px) - ";
  return tops.map((own, i) => {
    let top = own;
    if (i) {
      const terms = [own];
      for (let j = 0; j < i; j++) terms.push("calc(" + tops[j] + " + " + (i - j) * LABEL_STEP_PX + "px)");
      top = "max(" + terms.join(", ") + ")";
    }
    return "min(" + top + ", " + end + (n - i) * LABEL_STEP_PX + "px))";
  });
}

/** Django's interpolate(format, values, true), without its look-ups per call. */
const fill = (format, values) => format.replace(/%\(\w+\)s/g, (match) => String(values[match.slice(2, -2)]));
let words = null;  // the label's translated words, looked up once (thousands of labels a page)

/** The words of a segment's label button: "Shame, by you, turn 12 (Feelings/Shame)". */
function labelName(seg, number) {
  if (!words) {
    words = { by: gettext("%(code)s, by %(coder)s"), turn: gettext(", turn %(number)s"), changed: gettext(", changed since coding"),
      flag: '<span class="review-flag" title="' + esc(gettext("The text changed since coding")) + '">' + esc(gettext("changed")) + "</span> " };
  }
  const code = seg.o ? seg.n + " (" + seg.o + ")" : seg.n;
  let name = fill(words.by, { code, coder: seg.l });
  name += fill(words.turn, { number });
  if (seg.p && seg.p !== seg.n) name += " (" + seg.p + ")";
  if (seg.r) name += words.changed;
  return name;
}

/** One turn's margin markup and the room (px) its buttons need, or null when its data does
 * not match the segments the table has on it. */
export function turnMargin(turn, ids, tokens, idx) {
  if (ids.length !== tokens.length) return null;
  const { strokes, blocks, ini, blockLanes } = idx.margin;
  const start = turn.start;
  const end = turn.end;
  const size = end - start;
  const parts = [];
  const columns = new Map();
  const over = new Map();
  const dropped = new Map();
  const push = (map, key, value) => { if (!map.has(key)) map.set(key, []); map.get(key).push(value); };
  let labelCount = 0;
  ids.forEach((id, i) => {
    const seg = idx.segs[String(id)];
    const token = tokens[i];
    const lane = parseInt(token, 10);
    const block = blocks ? Math.max(0, blocks[seg.li]) : 0;
    if (lane >= blockLanes) { push(over, block, id); return; }
    const lo = seg.s > start ? seg.s : start;
    const first = seg.s >= start;
    const hi = seg.e < end ? seg.e : end;
    const stroke = strokes[String(seg.c)] || "#4d4d4d";
    parts.push('<span class="' + STRIPE_CLASS[first ? 1 : 0][seg.e <= end + 1 ? 1 : 0] + '" aria-hidden="true" data-seg="' + id
      + '" style="--c:' + stroke + ";--lane:" + lane + ";--b:" + block + ";top:" + pct((lo - start) / size) + ";height:" + pct((hi - lo) / size) + '"></span>');
    const at = token.indexOf("@");
    if (at >= 0) { push(columns, block, [id, token.slice(at + 1) + "%"]); labelCount++; } else if (token.endsWith("!")) push(dropped, block, id);
  });
  const chips = new Map();
  for (const [block, list] of over) chips.set(block, list.slice());
  for (const [block, list] of dropped) { if (!chips.has(block)) chips.set(block, []); chips.get(block).push(...list); }
  let room = 0;
  if (!labelCount && !chips.size) return { html: parts.join(""), room };
  const label = (id, top, block) => {
    const seg = idx.segs[String(id)];
    const stroke = strokes[String(seg.c)] || "#4d4d4d";
    const name = esc(labelName(seg, turn.n));
    const flag = seg.r ? words.flag : "";
    const initials = ini && ini[seg.li] ? '<b class="who" translate="no">' + esc(ini[seg.li]) + "</b> " : "";
    return '<button type="button" tabindex="-1" class="stripe-label' + (seg.r ? " review" : "") + '" data-seg="' + id + '" style="--c:' + stroke
      + ";--b:" + block + ";top:" + top + '" aria-label="' + name + '"><span class="nm">' + flag + initials
      + '<span translate="no">' + esc(seg.n) + "</span></span></button>";
  };
  const order = [...new Set([...columns.keys(), ...chips.keys()])].sort((a, b) => a - b);
  for (const block of order) {
    const column = columns.get(block) || [];
    const stack = column.map(([, top]) => top);
    const chip = chips.get(block);
    if (chip) stack.push(stack.length ? stack[stack.length - 1] : "0.00%");
    const tops = stackTops(stack);
    if (stack.length > 1) room = Math.max(room, stack.length * LABEL_STEP_PX);
    column.forEach(([id], i) => parts.push(label(id, tops[i], block)));
    if (chip) {
      const more = interpolate(ngettext("%(count)s more code on turn %(number)s", "%(count)s more codes on turn %(number)s", chip.length), { count: chip.length, number: turn.n }, true);
      parts.push('<button type="button" tabindex="-1" class="stripe-more" data-seg="' + chip.join(" ") + '" style="--b:' + block + ";top:"
        + tops[tops.length - 1] + '" aria-label="' + esc(more) + '">+' + chip.length + "</button>");
    }
  }
  return { html: parts.join(""), room };
}

/** Draw the margin of every turn not drawn yet (all on a new page or transcript; after a
 * write, the turns it swapped in), from their data-m and the segment table. */
export function drawMargins() {
  const root = transcriptEl();
  if (!root) return;
  // Not drawn: a turn of the page or one a write swapped in (an empty margin; a turn with
  // data-m always gets a stripe or a chip; one restored from history is drawn already).
  const fresh = Array.from(root.querySelectorAll(".turn[data-m]")).filter((el) => !drawn.has(el) && !el.querySelector(".turn-margin > *"));
  if (!fresh.length) return;
  const idx = getIndex();
  const order = idx.order;
  // A sweep over the segments in reading order (as the server's): the segments overlapping
  // each turn, in that order.
  let k = 0;
  let carry = [];
  for (const el of fresh) {
    drawn.add(el);
    const turn = { start: Number(el.dataset.start), end: Number(el.dataset.end), n: Number(el.dataset.n) };
    carry = carry.filter((id) => idx.segs[String(id)].e > turn.start);
    while (k < order.length && idx.segs[String(order[k])].s < turn.end) {
      const seg = idx.segs[String(order[k])];
      if (seg.e > turn.start && seg.e > seg.s) carry.push(order[k]);
      k++;
    }
    const out = turnMargin(turn, carry, el.dataset.m.split(" "), idx);
    const marginEl = el.querySelector(".turn-margin");
    if (!out || !marginEl) continue;
    marginEl.innerHTML = out.html;
    if (out.room) marginEl.insertAdjacentHTML("afterend", '<span class="turn-room" style="--room:' + out.room + 'px"></span>');
  }
}
