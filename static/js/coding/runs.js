/* The runs of the rendered transcript, as plain data. The server (coding/render.py) splits
 * the canonical text at every segment boundary and line break; each run carries its
 * code-point start and end and its text. Here: reading text back from the runs, trimming a
 * span, the reading order of overlapping highlights and the sentences of a turn.
 * Pure: no DOM, importable by tests. A run is {start, end, text}; its code points are
 * cached on it (run.cps) the first time they are needed.
 */

export const SPACE = /\s/u;
const SENTENCE_END = /[.?!。？！]/u;
const CLOSERS = /[.?!。？！"'”’)）」』]/u;
const CJK_END = /[。？！]/u;

function runCps(run) {
  if (!run.cps) run.cps = Array.from(run.text);
  return run.cps;
}

/** Index of the first run whose end is greater than offset (binary search). */
export function runAfter(runs, offset) {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs[mid].end <= offset) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** The canonical text between two offsets, from the runs; gaps between runs are "\n". */
export function textBetween(runs, start, end) {
  let out = "";
  let pos = start;
  for (let i = runAfter(runs, start); i < runs.length && pos < end; i++) {
    const run = runs[i];
    if (run.start > pos) {
      out += "\n".repeat(Math.min(run.start, end) - pos);
      pos = Math.min(run.start, end);
      if (pos >= end) break;
    }
    const cps = runCps(run);
    out += cps.slice(pos - run.start, Math.min(end, run.end) - run.start).join("");
    pos = Math.min(end, run.end);
  }
  if (pos < end) out += "\n".repeat(end - pos);
  return out;
}

/** {start, end, quote} of the span without its leading and trailing white space, or null. */
export function trimmed(runs, start, end) {
  const cps = Array.from(textBetween(runs, start, end));
  let a = 0;
  let b = cps.length;
  while (a < b && SPACE.test(cps[a])) a++;
  while (b > a && SPACE.test(cps[b - 1])) b--;
  if (a >= b) return null;
  return { start: start + a, end: start + b, quote: cps.slice(a, b).join("") };
}

/** Segment ids ({id: {s, e}}) in reading order: by start, longer first, then id. */
export function segmentOrder(segs) {
  return Object.keys(segs).map(Number).sort((a, b) => segs[a].s - segs[b].s || segs[b].e - segs[a].e || a - b);
}

/** The sentences of text (which starts at offset start) as [{start, end}], trimmed. */
export function sentenceSpans(text, start) {
  const cps = Array.from(text);
  const out = [];
  let i = 0;
  const skip = () => { while (i < cps.length && SPACE.test(cps[i])) i++; };
  skip();
  let s = i;
  while (i < cps.length) {
    if (SENTENCE_END.test(cps[i])) {
      let j = i + 1;
      while (j < cps.length && CLOSERS.test(cps[j])) j++;
      if (j >= cps.length || SPACE.test(cps[j]) || CJK_END.test(cps[i])) {
        out.push({ start: start + s, end: start + j });
        i = j;
        skip();
        s = i;
        continue;
      }
    }
    i++;
  }
  let e = cps.length;
  while (e > s && SPACE.test(cps[e - 1])) e--;
  if (e > s) out.push({ start: start + s, end: start + e });
  return out;
}
