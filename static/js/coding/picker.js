/* The code picker: a combobox over the codebook with ticks for several codes, recent codes
 * on 1–9, creating a code from "Parent > Name", and Apply (which submits the picker form).
 */
import { snippet } from "./offsets.js";
import { byId, codes, editable, fmt, page, plain, say, sayReadOnly, setMessage, transcriptEl, user } from "./page.js";
import { adjusting, endAdjust } from "./adjust.js";
import { cursor, focusSegment } from "./cursor.js";
import { closePopover } from "./popover.js";
import { post, submitCoding, urlFor } from "./requests.js";
import { mark, position, rangeFor } from "./transcript.js";

const recentKey = "wb-recent-" + page.study;
function recents() {
  try { return JSON.parse(localStorage.getItem(recentKey) || "[]"); } catch (e) { return []; }
}
export function remember(ids) {
  const list = [...ids, ...recents().filter((id) => !ids.includes(id))].slice(0, 9);
  try { localStorage.setItem(recentKey, JSON.stringify(list)); } catch (e) { /* private mode */ }
}

const picker = byId("picker");
const input = byId("picker-input");
const list = byId("picker-list");
export let pickerState = null; // {span, ticked:Set, active, options, mode, segment, returnFocus, lastNav}

export function openPicker(span, options) {
  if (!picker || !editable()) { sayReadOnly(); return; }
  closePopover(false);
  if (adjusting()) endAdjust();
  const opts = options || {};
  pickerState = {
    span,
    ticked: new Set(opts.ticked || []),
    active: 0,
    options: [],
    mode: opts.mode || "create",
    segment: opts.segment || null,
    returnFocus: opts.returnFocus || transcriptEl(),
    lastNav: false,
  };
  const sel = window.getSelection();
  if (sel) sel.removeAllRanges();
  mark("pending", span);
  // Changing a highlight's code: the text shows that highlight (not another one over the same
  // words) and the picker names it, "Change ‘Hope’ to…".
  const title = byId("picker-title");
  const changing = pickerState.mode === "change" && pickerState.segment;
  if (changing) focusSegment(pickerState.segment.id, { quiet: true });
  const heading = changing ? fmt(gettext("Change %(name)s to…"), { name: quoted(pickerState.segment.n) }) : "";
  if (title) { setMessage(title, heading); title.hidden = !changing; }
  byId("picker-quote").textContent = "“" + snippet(span.quote, 120) + "”"; // translate="no" in the page
  byId("picker-memo").value = opts.memo || "";
  byId("picker-memo-field").hidden = pickerState.mode === "change";
  picker.setAttribute("aria-label", changing ? plain(heading) : pickerState.mode === "change" ? gettext("Change the code") : gettext("Apply codes to the selection"));
  input.value = "";
  pickerMessage("");
  renderOptions();
  position(picker, span);
  input.focus({ preventScroll: true });
}

export function closePicker(restore) {
  if (!pickerState) return;
  const state = pickerState;
  pickerState = null;
  picker.hidden = true;
  mark("pending", null);
  if (restore) {
    const focusTarget = state.returnFocus && document.contains(state.returnFocus) ? state.returnFocus : transcriptEl();
    focusTarget.focus({ preventScroll: true });
    if (state.mode === "create" && state.restoreSelection !== false) {
      const range = rangeFor(state.span.start, state.span.end);
      if (range && transcriptEl().contains(range.startContainer)) {
        mark("cursor", state.span);
        cursor.range = { start: state.span.start, end: state.span.end };
      }
    }
  }
}

function parseCreate(query) {
  const parts = query.split(/\s*(?:>|›|\/)\s*/u).filter(Boolean);
  if (!parts.length) return null;
  const name = parts.pop();
  let parent = null;
  if (parts.length) {
    const wanted = parts.join(" › ").toLowerCase();
    parent = codes().find((c) => c.p.toLowerCase() === wanted) ||
      codes().find((c) => c.n.toLowerCase() === parts[parts.length - 1].toLowerCase()) || null;
    if (!parent) return null;
  }
  return { name, parent: parent ? parent.id : null, parentPath: parent ? parent.p : null };
}

/** A query as the codes' match keys are written (coding/segments/page.py _match_key): case
 * folded, and Han characters in their Simplified forms (page.fold), so "peer", 朋輩 and 朋辈
 * find a code named in either codebook language. */
function foldQuery(text) {
  const fold = page.fold || {};
  let out = "";
  for (const ch of text.toLowerCase()) out += fold[ch] || ch;
  return out;
}
const matchKey = (c) => c.k || c.p.toLowerCase();

function renderOptions() {
  const state = pickerState;
  // Archived codes and categories (not applied to text) are not offered.
  const all = codes().filter((c) => !c.ar && !c.ca);
  const query = input.value.trim().toLowerCase();
  let items;
  if (!query) {
    const recent = recents().map((id) => all.find((c) => c.id === id)).filter(Boolean);
    const rest = all.filter((c) => !recent.includes(c));
    items = [...recent.map((c, i) => ({ code: c, num: i + 1 })), ...rest.map((c) => ({ code: c }))];
  } else {
    const tokens = foldQuery(query).split(/\s+/u);
    items = all
      .filter((c) => tokens.every((t) => matchKey(c).includes(t)))
      .map((c) => {
        const leaf = foldQuery(c.n) + "\n" + foldQuery(c.o || "");
        const rank = leaf.startsWith(tokens[0]) ? 0 : leaf.includes(tokens[0]) ? 1 : 2;
        return { code: c, rank };
      })
      .sort((a, b) => a.rank - b.rank);
  }
  // Changing a code: the highlight's current code is listed (first while nothing is typed),
  // ticked and marked "current"; it is not applied to itself.
  const currentId = state.mode === "change" && state.segment ? state.segment.c : null;
  if (currentId !== null && !query) {
    const at = items.findIndex((it) => it.code.id === currentId);
    if (at > 0) items.unshift(...items.splice(at, 1));
  }
  const options = items.map((it) => ({ kind: "code", code: it.code, num: it.num, current: it.code.id === currentId }));
  if (query && page.canCreateCodes && state.mode === "create") {
    const create = parseCreate(input.value.trim());
    if (create && !all.some((c) => c.n.toLowerCase() === create.name.toLowerCase() && c.pa === create.parent)) {
      options.push({ kind: "create", create });
    }
  }
  state.options = options;
  state.active = Math.min(state.active, Math.max(0, options.length - 1));
  if (!state.lastNav && options[state.active] && options[state.active].current) {
    const other = options.findIndex((o) => !o.current);
    if (other >= 0) state.active = other;
  }
  const fragment = document.createDocumentFragment();
  options.forEach((opt, i) => {
    const li = document.createElement("li");
    li.setAttribute("role", "option");
    li.id = "picker-opt-" + i;
    li.dataset.index = i;
    if (opt.kind === "code") {
      const ticked = state.ticked.has(opt.code.id) || opt.current;
      li.setAttribute("aria-selected", ticked ? "true" : "false");
      if (opt.current) li.classList.add("is-current");
      const tick = document.createElement("span");
      tick.className = "tick";
      tick.setAttribute("aria-hidden", "true");
      tick.textContent = ticked ? "✓" : "";
      if (state.mode !== "change") {
        tick.classList.add("tick-box");
        tick.title = ticked ? gettext("Untick") : gettext("Tick (to apply several codes)");
      }
      const num = document.createElement("span");
      num.className = "num";
      num.textContent = opt.num ? String(opt.num) : "";
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = opt.code.col;
      sw.setAttribute("aria-hidden", "true");
      const leaf = document.createElement("span");
      leaf.className = "leaf";
      leaf.textContent = opt.code.n;
      leaf.translate = false;
      // Bilingual codebooks: the other language's name, on hover (title) and shown beside
      // the active option (keyboard), see updateActive.
      const other = document.createElement("span");
      other.className = "other";
      if (opt.code.o) {
        other.textContent = opt.code.o;
        other.lang = opt.code.ol || "";
        other.translate = false;
        li.title = opt.code.o;
      }
      const path = document.createElement("span");
      path.className = "path";
      const parentPath = opt.code.p.slice(0, Math.max(0, opt.code.p.length - opt.code.n.length)).replace(/\s*›\s*$/u, "");
      path.textContent = parentPath;
      li.append(tick, num, sw, leaf, other, path);
      if (opt.current) {
        const badge = document.createElement("span");
        badge.className = "badge current";
        badge.textContent = gettext("current");
        badge.setAttribute("translate", "yes");
        li.append(badge);
      }
      li.setAttribute("translate", "no"); // the code's own name and path
      let label = opt.code.p + (opt.code.o ? " (" + opt.code.o + ")" : "");
      if (opt.current) label = interpolate(gettext("%(path)s, the current code"), { path: label }, true);
      li.setAttribute("aria-label", opt.num ? interpolate(gettext("%(path)s, recent %(num)s"), { path: label, num: opt.num }, true) : label);
    } else {
      li.className = "create";
      li.setAttribute("aria-selected", "false");
      const words = document.createElement("span"); // one flex item: the words run on
      setMessage(words, createWords(opt.create));
      li.append(words);
    }
    if (i === state.active) li.classList.add("is-active");
    fragment.appendChild(li);
  });
  list.replaceChildren(fragment);
  if (!options.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = all.length ? gettext("No code matches.") : page.canCreateCodes ? gettext("No codes yet: type a name to create one.") : gettext("No codes yet: ask the PI.");
    list.appendChild(li);
  }
  updateActive();
}

function updateActive() {
  const state = pickerState;
  const items = list.querySelectorAll("[role=option]");
  items.forEach((li, i) => li.classList.toggle("is-active", i === state.active));
  const active = items[state.active];
  if (active) {
    input.setAttribute("aria-activedescendant", active.id);
    active.scrollIntoView({ block: "nearest" });
  } else {
    input.removeAttribute("aria-activedescendant");
  }
  const opt = state.options[state.active];
  byId("picker-def").textContent = opt && opt.kind === "code" ? opt.code.d || "" : "";
  updateSummary();
}

/** Space ticks the active row while the box is empty or after ↑↓; otherwise it types
 * (multi-word filter). Ctrl+Space always ticks. */
function spaceTicks(state) {
  return !input.value || state.lastNav;
}

/** A code name quoted as the reader's language quotes it (‘Hope’, 「希望」); the name stays user content. */
const quoted = (s) => fmt(gettext("‘%(name)s’"), { name: user(s) });
const createWords = (c) => (c.parentPath
  ? fmt(gettext("Create %(name)s under %(parent)s"), { name: quoted(c.name), parent: user(c.parentPath) })
  : fmt(gettext("Create %(name)s at the top level"), { name: quoted(c.name) }));

/** What Enter or Apply would do now: {codeIds, newCode} or {why}. */
function planApply(state, option) {
  const opt = option || state.options[state.active];
  if (state.mode === "change") {
    if (opt && opt.current) return { why: fmt(gettext("%(name)s is already this highlight's code: choose another."), { name: quoted(opt.code.n) }) };
    return opt && opt.kind === "code" ? { codeIds: [opt.code.id], newCode: null } : { why: nothingWhy(state) };
  }
  const ticked = [...state.ticked];
  if (option) {
    // A row clicked or picked by number: that row, with any ticked codes.
    if (option.kind === "create") return { codeIds: ticked, newCode: option.create };
    return { codeIds: [...new Set([...ticked, option.code.id])], newCode: null };
  }
  // Plain Enter never creates a code (↓ past the last match lands on the Create row too
  // easily): the Create row has its own key, Ctrl+Enter, or a click.
  if (opt && opt.kind === "create") return { why: state.lastNav ? createWhy(opt.create) : nothingWhy(state) };
  if (ticked.length) return { codeIds: ticked, newCode: null };
  if (opt && opt.kind === "code") return { codeIds: [opt.code.id], newCode: null };
  return { why: nothingWhy(state) };
}

const createWhy = (c) => (c.parentPath
  ? fmt(gettext("Enter does not create a code: Ctrl+Enter creates %(name)s under %(parent)s (or click the row); ↑ goes back to the codes."), { name: quoted(c.name), parent: user(c.parentPath) })
  : fmt(gettext("Enter does not create a code: Ctrl+Enter creates %(name)s at the top level (or click the row); ↑ goes back to the codes."), { name: quoted(c.name) }));

/** Ctrl+Enter in the filter box: the Create row's code, with any ticked codes. */
function planCreate(state) {
  const create = state.options.find((o) => o.kind === "create");
  return create ? { codeIds: [...state.ticked], newCode: create.create } : null;
}

function nothingWhy(state) {
  const query = input.value.trim();
  const create = state.options.find((o) => o.kind === "create");
  if (!codes().some((c) => !c.ar && !c.ca)) {
    return create ? fmt(gettext("No codes yet; choose ‘%(create)s’ (Ctrl+Enter, or click it) to add it."), { create: createWords(create.create) })
      : gettext("No codes yet: ask the PI to add some.");
  }
  if (query && create) {
    return fmt(gettext("No code matches %(query)s; choose ‘%(create)s’ (Ctrl+Enter, or click it) to add it."), { query: quoted(query), create: createWords(create.create) });
  }
  if (query) return fmt(gettext("No code matches %(query)s: change the filter or tick a code."), { query: quoted(query) });
  return gettext("Nothing to apply: tick a code or move to one with ↓.");
}

function codeName(id) {
  const c = codes().find((code) => code.id === id);
  return c ? c.n : "?";
}

function updateSummary() {
  const state = pickerState;
  const box = byId("picker-summary");
  const keys = byId("picker-keys");
  if (!state || !box) return;
  const plan = planApply(state, null);
  let words;
  if (plan.why) words = state.mode === "change" ? gettext("Nothing to change to yet.") : gettext("Nothing to apply yet.");
  else if (state.mode === "change") words = fmt(gettext("Apply changes the code to %(name)s."), { name: quoted(codeName(plan.codeIds[0])) });
  else {
    const names = [];
    plan.codeIds.forEach((id, i) => { if (i) names.push(gettext(", ")); names.push(...fmt("%(n)s", { n: quoted(codeName(id)) })); });
    if (plan.newCode) {
      if (names.length) names.push(gettext(", "));
      names.push(...fmt(gettext("a new code %(name)s"), { name: quoted(plan.newCode.name) }));
    }
    const format = state.ticked.size ? gettext("Apply codes the selection with %(names)s (ticked).")
      : plan.newCode ? gettext("Apply codes the selection with %(names)s.") : gettext("Apply codes the selection with %(names)s (highlighted).");
    words = fmt(format, { names });
  }
  setMessage(box, words);
  if (!keys) return;
  const opt = state.options[state.active];
  const parts = [];
  if (state.mode !== "change" && opt && opt.kind === "code") {
    const ticked = state.ticked.has(opt.code.id);
    const format = spaceTicks(state)
      ? (ticked ? gettext("Space unticks %(name)s") : gettext("Space ticks %(name)s"))
      : (ticked ? gettext("Space types a space · Ctrl+Space unticks %(name)s") : gettext("Space types a space · Ctrl+Space ticks %(name)s"));
    parts.push(fmt(format, { name: quoted(opt.code.n) }));
  }
  parts.push([plan.why ? gettext("Enter: nothing to apply") : gettext("Enter applies")]);
  const create = state.options.find((o) => o.kind === "create");
  if (create) parts.push(fmt(gettext("Ctrl+Enter creates %(name)s"), { name: quoted(create.create.name) }));
  const line = [];
  parts.forEach((p, i) => { if (i) line.push(" · "); line.push(...p); });
  setMessage(keys, line);
}

/** Landing on the Create row is said out loud, with the key that creates. */
function announceCreate(state) {
  const opt = state.options[state.active];
  if (opt && opt.kind === "create") say(fmt(gettext("%(create)s: a new code. Ctrl+Enter creates it; Enter does not."), { create: createWords(opt.create) }));
}

function pickerMessage(text) {
  const box = byId("picker-msg");
  if (box) setMessage(box, text || "");
}

function toggleTick(i) {
  const opt = pickerState.options[i];
  if (!opt || pickerState.mode === "change") return;
  if (opt.kind !== "code") { say(gettext("Only codes can be ticked; Enter on this row creates the code.")); return; }
  const id = opt.code.id;
  if (pickerState.ticked.has(id)) pickerState.ticked.delete(id); else pickerState.ticked.add(id);
  pickerMessage("");
  renderOptions();
  const format = pickerState.ticked.has(id)
    ? ngettext("Ticked %(name)s. %(count)s ticked.", "Ticked %(name)s. %(count)s ticked.", pickerState.ticked.size)
    : ngettext("Unticked %(name)s. %(count)s ticked.", "Unticked %(name)s. %(count)s ticked.", pickerState.ticked.size);
  say(fmt(format, { name: user(opt.code.n), count: pickerState.ticked.size }));
}

/** Apply the ticked codes, else the active one; ``option``: a row the user clicked. */
export function applyPicker(option, creating) {
  const state = pickerState;
  if (!state) return;
  const plan = (creating && planCreate(state)) || planApply(state, option || null);
  if (plan.why) {
    pickerMessage(plan.why);
    input.focus({ preventScroll: true });
    return;
  }
  const memo = byId("picker-memo").value;
  if (state.mode === "change") {
    closePicker(true);
    post(urlFor("update", state.segment.id), { code_id: plan.codeIds[0] });
    return;
  }
  state.restoreSelection = false;
  closePicker(true);
  submitCoding({ span: state.span, codeIds: plan.codeIds, newCode: plan.newCode, memo });
}

/** The picker's own keys, clicks and submit (the picker is absent on read-only views). */
export function initPicker() {
  if (!picker) return;
  input.addEventListener("input", () => {
    pickerState.active = 0;
    pickerState.lastNav = false;
    pickerMessage("");
    renderOptions();
  });
  input.addEventListener("keydown", (event) => {
    if (!pickerState) return;
    if (event.isComposing || event.keyCode === 229) return; // IME (Chinese input) is composing
    const state = pickerState;
    const count = state.options.length;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        state.active = count ? (state.active + 1) % count : 0;
        state.lastNav = true;
        updateActive();
        announceCreate(state);
        return;
      case "ArrowUp":
        event.preventDefault();
        state.active = count ? (state.active - 1 + count) % count : 0;
        state.lastNav = true;
        updateActive();
        announceCreate(state);
        return;
      case "Home":
      case "End":
        if (!input.value) {
          event.preventDefault();
          state.active = event.key === "Home" ? 0 : Math.max(0, count - 1);
          state.lastNav = true;
          updateActive();
        }
        return;
      case " ":
        if (event.ctrlKey || spaceTicks(state)) {
          event.preventDefault();
          toggleTick(state.active);
        }
        return;
      case "Enter":
        event.preventDefault();
        if ((event.ctrlKey || event.metaKey) && state.mode === "create" && planCreate(state)) {
          applyPicker(null, true);
          return;
        }
        applyPicker();
        return;
      case "Escape":
        event.preventDefault();
        closePicker(true);
        return;
      default:
        if (/^[1-9]$/.test(event.key) && !input.value && state.mode === "create") {
          const opt = state.options.find((o) => o.num === Number(event.key));
          event.preventDefault();
          if (opt) applyPicker(opt); else pickerMessage(interpolate(gettext("No recent code %(key)s."), { key: event.key }, true));
          return;
        }
        state.lastNav = false;
    }
  });
  list.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the box
  list.addEventListener("click", (event) => {
    const li = event.target.closest("[role=option]");
    if (!li || !pickerState) return;
    const i = Number(li.dataset.index);
    pickerState.active = i;
    if (event.target.closest(".tick")) { pickerState.lastNav = true; toggleTick(i); return; }
    applyPicker(pickerState.options[i]);
  });
  picker.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && pickerState) { event.preventDefault(); closePicker(true); }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.id === "picker-memo") {
      event.preventDefault();
      applyPicker();
    }
  });
  picker.addEventListener("submit", (event) => {
    // The Apply button (or any submit while the picker is open) goes through applyPicker,
    // which prepares the hidden fields and submits again. The browser ignores a submit
    // started inside a submit event, so that second submit waits for this event to end.
    if (!pickerState) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    window.setTimeout(() => applyPicker(), 0);
  }, true);
  picker.querySelector("[data-picker-close]").addEventListener("click", () => closePicker(true));
}

/** A press outside the picker (and outside the codebook, whose codes apply) closes it. */
export function pickerMouseDown(event) {
  if (pickerState && !picker.contains(event.target) && !event.target.closest("#codebook-panel")) closePicker(false);
}
