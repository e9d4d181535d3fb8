/* The recording of a transcript on the coding page (issue 15): the player above the
 * transcript, a time button on each turn that has a time, the turn being played
 * highlighted and followed, keyboard shortcuts, and "Play passage" in a highlight's popover.
 *
 * Loaded by its own <script type="module"> from coding/segments/_player.html, only when the
 * transcript has a recording; it shares transcript.js with main.js (one module instance).
 * Times are sync points [[code-point offset, seconds], ...] (page JSON "media.times"), with a
 * third item, the turn's end in seconds, when captions gave it ([offset, start, end]); a
 * passage's times are interpolated between them (a turn's end counting at the end of its
 * text; from 0 s at offset 0 to the end of the recording at the end of the text). "Play
 * passage" stops at the end of the last turn the passage covers when that end is known, and
 * between one turn's end and the next one's start no turn is highlighted (nobody speaks).
 *
 * Keys (not the coding ones: C, J, K, S, E, arrows, Enter, Delete, Ctrl+Z, ?): Alt+P or F4
 * play/pause (F4 as in NVivo, MAXQDA and f4transkript), Alt+R back 5 seconds, Alt+T play
 * from the current turn, Alt+, slower, Alt+. faster. They work anywhere on the page but in
 * text fields.
 */
import { byId, page, say, transcriptEl } from "./page.js";
import { getIndex } from "./transcript.js";

const STRINGS = {
  play: gettext("Play"), pause: gettext("Pause"),
  playFrom: (t, n) => interpolate(gettext("Play from %(time)s (turn %(turn)s)"), { time: t, turn: n }, true),
  passage: gettext("Play passage"),
  passageLabel: (a, b) => interpolate(gettext("Play passage, %(start)s to %(end)s"), { start: a, end: b }, true),
  speed: (r) => interpolate(gettext("Speed %(rate)s×"), { rate: r }, true), back: gettext("Back 5 s"),
  playing: (t) => interpolate(gettext("Playing from %(time)s."), { time: t }, true),
  paused: (t) => interpolate(gettext("Paused at %(time)s."), { time: t }, true), follow: gettext("Back to the playing turn"),
  noTime: gettext("This turn has no time: playing from the nearest time before it."),
};
const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

const media = byId("player-media");
const data = page.media || { times: [] };
const times = (data.times || [])
  .map(([o, s, e]) => [Number(o), Number(s), e === undefined || e === null ? null : Number(e)])
  .sort((a, b) => a[0] - b[0]);
let passageEnd = null;
let playingTurn = null;
let followPaused = false;

export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s % 60);
}

/** The turn holding code-point ``offset``, or null. */
function turnOf(offset) {
  return getIndex().turns.find((t) => offset >= t.start && offset < Math.max(t.end, t.start + 1)) || null;
}

/** [offset, seconds] to interpolate between: each turn's start and, when it is known, its
 * end at the end of the turn's text. */
function syncPoints() {
  const points = [];
  for (const [o, s, e] of times) {
    points.push([o, s]);
    const turn = e === null ? null : turnOf(o);
    if (turn && turn.end > o) points.push([turn.end, e]);
  }
  return points.sort((a, b) => a[0] - b[0]);
}

/** Seconds at code-point ``offset``, linear between the sync points. */
export function timeAt(offset) {
  const length = Number(transcriptEl().dataset.length) || 0;
  const points = [[0, 0], ...syncPoints()];
  const duration = Number.isFinite(media.duration) ? media.duration : null;
  if (duration !== null && length > points[points.length - 1][0]) points.push([length, Math.max(duration, points[points.length - 1][1])]);
  let i = 0;
  while (i + 1 < points.length && points[i + 1][0] <= offset) i++;
  const [o0, t0] = points[i];
  const next = points[i + 1];
  if (!next || next[0] === o0) return t0;
  return t0 + ((offset - o0) / (next[0] - o0)) * (next[1] - t0);
}

/** The sync point of a turn: the first whose offset lies in the turn. */
function turnTime(turn) {
  return times.find(([o]) => o >= turn.start && o < Math.max(turn.end, turn.start + 1));
}

/** Where "Play passage" stops: the end of the last turn the passage covers when captions
 * gave it, else the time interpolated at the passage's end. */
export function passageStop(start, end) {
  const last = turnOf(Math.max(start, end - 1));
  const point = last ? turnTime(last) : null;
  return point && point[2] !== null && point[2] > timeAt(start) ? point[2] : timeAt(end);
}

function playFrom(seconds, end = null) {
  passageEnd = end;
  followPaused = false;
  media.currentTime = seconds;
  const started = media.play();
  if (started && started.catch) started.catch(() => {});
  markPlaying(false); // at once, not at the next timeupdate
  say(STRINGS.playing(clock(seconds)));
}

function toggle() {
  if (media.paused) {
    passageEnd = null;
    const started = media.play();
    if (started && started.catch) started.catch(() => {});
  } else {
    media.pause();
    say(STRINGS.paused(clock(media.currentTime)));
  }
}

function speed(step) {
  const i = SPEEDS.indexOf(media.playbackRate);
  const at = i < 0 ? SPEEDS.indexOf(1) : i;
  media.playbackRate = SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, at + step))];
}

// --- turn times ---------------------------------------------------------------------------

function decorate() {
  const root = transcriptEl();
  if (!root) return;
  for (const turn of getIndex().turns) {
    if (turn.el.querySelector(":scope > .turn-time")) continue;
    const point = turnTime(turn);
    if (!point) continue;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "turn-time";
    b.tabIndex = -1; // keyboard: Alt+T plays from the current turn (no tab stop per turn)
    b.dataset.seconds = String(point[1]);
    b.textContent = clock(point[1]);
    b.setAttribute("aria-label", STRINGS.playFrom(clock(point[1]), turn.n));
    turn.el.appendChild(b);
  }
  markPlaying(true);
}

/** Keep the playing turn in the reading band: once it nears the bottom (or is above the
 * top), it is brought to the middle, so the lines to come are in view too. */
function follow(el) {
  const r = el.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight * 0.85) el.scrollIntoView({ block: "center" });
}

/** The turn being said at ``seconds``: the last to start by then, unless it has ended (a gap
 * between two turns' cues: none). */
export function turnAtTime(seconds) {
  let best = null;
  for (const point of times) { if (point[1] <= seconds + 0.05) best = point; else break; }
  if (best === null || (best[2] !== null && seconds > best[2] + 0.05)) return null;
  return turnOf(best[0]);
}

function markPlaying(force) {
  // Nothing is "being played" before the first play.
  const turn = media.played.length || !media.paused ? turnAtTime(media.currentTime) : null;
  const el = turn ? turn.el : null;
  if (el === playingTurn && !force) return;
  transcriptEl().querySelectorAll(".turn.is-playing").forEach((t) => { if (t !== el) t.classList.remove("is-playing"); });
  const changed = !(el && playingTurn && el.id === playingTurn.id); // a swapped turn is the same turn
  playingTurn = el;
  if (!el) return;
  el.classList.add("is-playing");
  if (changed && !media.paused && !followPaused) follow(el);
  followButton.hidden = !followPaused || media.paused;
}

// --- controls -----------------------------------------------------------------------------

const toggleButton = byId("player-toggle");
const rateOut = byId("player-rate");
const followButton = byId("player-follow");
const timeOut = byId("player-time");

function refresh() {
  toggleButton.textContent = media.paused ? STRINGS.play : STRINGS.pause;
  toggleButton.setAttribute("aria-pressed", String(!media.paused));
  rateOut.textContent = media.playbackRate + "×";
  timeOut.textContent = clock(media.currentTime) + (Number.isFinite(media.duration) ? " / " + clock(media.duration) : "");
  followButton.hidden = !followPaused || media.paused;
}

function onTimeUpdate() {
  if (passageEnd !== null && media.currentTime >= passageEnd) {
    passageEnd = null;
    media.pause();
  }
  markPlaying(false);
  refresh();
}

/** The user scrolled the transcript themselves: stop following until they ask again. */
function userScrolled() {
  if (!media.paused) { followPaused = true; refresh(); }
}

function onKeyDown(event) {
  const target = event.target;
  // Enter/Space on a turn's time plays it (before the transcript's own Enter).
  if ((event.key === "Enter" || event.key === " ") && target.classList && target.classList.contains("turn-time")) {
    event.preventDefault();
    event.stopPropagation();
    playFrom(Number(target.dataset.seconds));
    return;
  }
  if (target.closest && target.closest("input:not([type=range]):not([type=checkbox]), textarea, select, [contenteditable]")) return;
  if (event.ctrlKey || event.metaKey) return;
  const key = event.altKey && /^Key[A-Z]$/.test(event.code) ? event.code.slice(3).toLowerCase() : event.key;
  let done = true;
  if (event.key === "F4" || (event.altKey && key === "p")) toggle();
  else if (event.altKey && key === "r") { media.currentTime = Math.max(0, media.currentTime - 5); say(clock(media.currentTime)); }
  else if (event.altKey && key === "t") playCurrentTurn();
  else if (event.altKey && (event.code === "Comma" || event.key === ",")) { speed(-1); say(STRINGS.speed(media.playbackRate)); }
  else if (event.altKey && (event.code === "Period" || event.key === ".")) { speed(1); say(STRINGS.speed(media.playbackRate)); }
  else done = false;
  if (done) { event.preventDefault(); event.stopPropagation(); }
}

function playCurrentTurn() {
  const el = transcriptEl().querySelector(".turn.is-current") || playingTurn;
  if (!el) { toggle(); return; }
  const start = Number(el.dataset.start);
  const turn = { start, end: Number(el.dataset.end) };
  const point = turnTime(turn);
  if (!point) say(STRINGS.noTime);
  playFrom(point ? point[1] : timeAt(start));
}

// --- "Play passage" in a highlight's popover ------------------------------------------------

function addPassageButtons(pop) {
  const segs = getIndex().segs;
  for (const li of pop.querySelectorAll("li[data-seg]")) {
    if (li.querySelector("[data-play]")) continue;
    const seg = segs[li.dataset.seg];
    if (!seg) continue;
    let actions = li.querySelector(".seg-actions");
    if (!actions) { actions = document.createElement("div"); actions.className = "seg-actions"; li.appendChild(actions); }
    const b = document.createElement("button");
    b.type = "button";
    b.className = "button small secondary";
    b.dataset.play = "";
    b.dataset.start = String(seg.s);
    b.dataset.end = String(seg.e);
    b.textContent = STRINGS.passage;
    b.setAttribute("aria-label", STRINGS.passageLabel(clock(timeAt(seg.s)), clock(passageStop(seg.s, seg.e))) + ": " + seg.n);
    actions.prepend(b);
  }
}

function init() {
  if (!media) return;
  document.addEventListener("keydown", onKeyDown, true);
  toggleButton.addEventListener("click", toggle);
  byId("player-back").addEventListener("click", () => { media.currentTime = Math.max(0, media.currentTime - 5); });
  byId("player-slower").addEventListener("click", () => speed(-1));
  byId("player-faster").addEventListener("click", () => speed(1));
  followButton.addEventListener("click", () => {
    followPaused = false;
    if (playingTurn) playingTurn.scrollIntoView({ block: "center" });
    refresh();
  });
  for (const name of ["play", "pause", "ratechange", "loadedmetadata", "seeked"]) media.addEventListener(name, refresh);
  media.addEventListener("timeupdate", onTimeUpdate);
  // With object storage the file comes from a presigned URL that expires: on an error, ask
  // the app again (a fresh URL after the access check), once, and go back to where it was.
  let retried = false;
  media.addEventListener("playing", () => { retried = false; });
  media.addEventListener("error", () => {
    if (retried || !data.url) return;
    retried = true;
    const at = media.currentTime;
    media.src = data.url;
    media.load();
    media.addEventListener("loadedmetadata", () => { media.currentTime = at; }, { once: true });
  });
  media.addEventListener("seeked", () => markPlaying(false));
  window.addEventListener("wheel", userScrolled, { passive: true });
  window.addEventListener("touchmove", userScrolled, { passive: true });
  document.addEventListener("click", (event) => {
    const b = event.target.closest(".turn-time");
    if (b) { event.preventDefault(); playFrom(Number(b.dataset.seconds)); return; }
    const p = event.target.closest("#seg-pop [data-play]");
    if (p) {
      const [s, e] = [Number(p.dataset.start), Number(p.dataset.end)];
      playFrom(timeAt(s), passageStop(s, e));
    }
  });
  const pop = byId("seg-pop");
  if (pop) new MutationObserver(() => addPassageButtons(pop)).observe(pop, { childList: true });
  // Writes swap turns (or the whole transcript): put the times back on the new ones.
  document.body.addEventListener("htmx:afterSettle", decorate);
  decorate();
  refresh();
}

init();

// For tests: the interpolation, without the DOM.
window.codingPlayer = { timeAt, clock, times, passageStop, turnAtTime: (s) => { const t = turnAtTime(s); return t ? t.n : null; } };
