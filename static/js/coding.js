/* Coding page: selection → code-point offsets, code picker, highlight popovers,
 * keyboard-only coding. No framework, no build. Offsets are Unicode code points of the
 * canonical text (Python's text[start:end]); JS strings count UTF-16 units, so nothing
 * here uses a string's .length as an offset: every run carries its code-point data-start
 * and the conversion goes through codePointAt.
 */
(function () {
  "use strict";

  const app = document.getElementById("coding-app");
  if (!app) return;
  const page = JSON.parse(document.getElementById("coding-page").textContent);
  const live = document.getElementById("coding-live");
  const highlights = typeof Highlight !== "undefined" && window.CSS && CSS.highlights ? CSS.highlights : null;
  const SENTENCE_END = /[.?!。？！]/u;
  const CLOSERS = /[.?!。？！"'”’)）」』]/u;
  const CJK_END = /[。？！]/u;
  const SPACE = /\s/u;

  const byId = (id) => document.getElementById(id);
  const transcriptEl = () => byId("transcript");
  const editable = () => Boolean(transcriptEl() && transcriptEl().dataset.edit);
  // Why selecting does not code on this layer view ("All" is a reading view), from the server.
  const readNote = () => (transcriptEl() && transcriptEl().dataset.readNote) || "This layer is read-only: switch to Mine to code.";
  /** Say why selecting does not code here, and point sighted users to the toolbar's links. */
  function sayReadOnly() {
    say(readNote());
    const note = byId("edit-state");
    if (!note) return;
    note.classList.remove("is-flash"); void note.offsetWidth; note.classList.add("is-flash");
    window.setTimeout(() => note.classList.remove("is-flash"), 1600);
  }

  function say(message) {
    live.textContent = "";
    window.setTimeout(() => { live.textContent = message; }, 40);
  }

  function shortcutsOff() {
    try { return localStorage.getItem("wb-shortcuts-off") === "1"; } catch (e) { return false; }
  }

  // --- code points ----------------------------------------------------------------------

  /** Code points in s[0:units]; a boundary inside a surrogate pair rounds down or up. */
  function unitsToCp(s, units, roundUp) {
    let cp = 0;
    let i = 0;
    while (i < units && i < s.length) {
      const width = s.codePointAt(i) > 0xffff ? 2 : 1;
      if (i + width > units) return roundUp ? cp + 1 : cp;
      i += width;
      cp += 1;
    }
    return cp;
  }

  /** UTF-16 index of code point number cp in s. */
  function cpToUnits(s, cp) {
    let i = 0;
    for (let k = 0; k < cp && i < s.length; k++) i += s.codePointAt(i) > 0xffff ? 2 : 1;
    return i;
  }

  const cpCount = (s) => unitsToCp(s, s.length, true);

  // --- the run index, rebuilt lazily after every swap -------------------------------------

  let index = null;

  function getIndex() {
    const root = transcriptEl();
    if (index && index.root === root) return index;
    const runs = Array.from(root.querySelectorAll(".r"), (el) => ({
      el, start: Number(el.dataset.start), end: Number(el.dataset.end), cps: null,
    }));
    const turns = Array.from(root.querySelectorAll(".turn"), (el) => ({
      el, start: Number(el.dataset.start), end: Number(el.dataset.end), n: Number(el.dataset.n),
    }));
    const data = byId("segments-data");
    const segs = data ? JSON.parse(data.textContent) : {};
    // Segments carry their code's id; names, paths and colours come from the codebook.
    const codeMap = new Map(codes().map((c) => [c.id, c]));
    for (const seg of Object.values(segs)) {
      const code = codeMap.get(seg.c);
      seg.n = code ? code.n : "?";
      seg.p = code ? code.p : "";
      seg.col = code ? code.col : "#4d4d4d";
    }
    const order = Object.keys(segs).map(Number).sort((a, b) => segs[a].s - segs[b].s || segs[b].e - segs[a].e || a - b);
    index = { root, runs, turns, segs, order, length: Number(root.dataset.length) || 0 };
    return index;
  }

  function runCps(run) {
    if (!run.cps) run.cps = Array.from(run.el.textContent);
    return run.cps;
  }

  /** First run whose end is greater than offset (binary search). */
  function runAfter(offset) {
    const runs = getIndex().runs;
    let lo = 0;
    let hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (runs[mid].end <= offset) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** The canonical text between two offsets, from the runs; gaps between runs are "\n". */
  function textBetween(start, end) {
    const runs = getIndex().runs;
    let out = "";
    let pos = start;
    for (let i = runAfter(start); i < runs.length && pos < end; i++) {
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

  /** A DOM boundary point → code-point offset, or null when outside the transcript. */
  function pointToOffset(node, offset, isEnd) {
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
  function selectionOffsets() {
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

  function trimmed(start, end) {
    const cps = Array.from(textBetween(start, end));
    let a = 0;
    let b = cps.length;
    while (a < b && SPACE.test(cps[a])) a++;
    while (b > a && SPACE.test(cps[b - 1])) b--;
    if (a >= b) return null;
    return { start: start + a, end: start + b, quote: cps.slice(a, b).join("") };
  }

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

  function rangeFor(start, end) {
    const a = offsetToPoint(start, false);
    const b = offsetToPoint(end, true);
    if (!a || !b) return null;
    const range = document.createRange();
    range.setStart(a.node, a.offset);
    range.setEnd(b.node, b.offset);
    return range;
  }

  function mark(name, span) {
    if (!highlights) return;
    if (!span) { highlights.delete(name); return; }
    const range = rangeFor(span.start, span.end);
    if (range) highlights.set(name, new Highlight(range)); else highlights.delete(name);
  }

  function snippet(text, n) {
    const cps = Array.from(text.replace(/\s+/gu, " "));
    return cps.length > n ? cps.slice(0, n).join("") + "…" : cps.join("");
  }

  // --- requests -------------------------------------------------------------------------

  function csrfHeaders() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) { return {}; }
  }

  function urlFor(kind, id) {
    return page.urls[kind].replace(/\/0\/(delete\/)?$/, (m, del) => "/" + id + "/" + (del || ""));
  }

  function setStatus(text, cls) {
    const status = byId("save-status");
    if (!status) return;
    status.textContent = text;
    status.className = "save-status" + (cls ? " " + cls : "");
  }

  function post(url, values) {
    setStatus("Saving…", "is-saving");
    // The source must outlive the swap: response events are dispatched on it.
    return htmx.ajax("POST", url, {
      source: app,
      target: "#transcript",
      swap: "outerHTML",
      headers: csrfHeaders(),
      values: Object.assign({ view: page.view, code_filter: page.codeFilter || "" }, values),
    });
  }

  // --- pending coding: saving, failed, retry, discard ------------------------------------

  let pendingRequest = null; // {span, codeIds, newCode, memo}
  const pendingBar = byId("pending-bar");

  function showFailure(message, canRetry) {
    if (!pendingRequest) return;
    mark("saving", null);
    mark("failed", pendingRequest.span);
    byId("pending-text").textContent = message ? "Not saved: " + message : "Not saved";
    pendingBar.querySelector("[data-retry]").hidden = !canRetry;
    pendingBar.hidden = false;
    setStatus("Not saved", "is-failed");
  }

  function clearPending() {
    pendingRequest = null;
    pendingBar.hidden = true;
    mark("saving", null);
    mark("failed", null);
  }

  pendingBar.querySelector("[data-retry]").addEventListener("click", () => {
    if (!pendingRequest) return;
    pendingBar.hidden = true;
    mark("failed", null);
    submitCoding(pendingRequest);
  });
  pendingBar.querySelector("[data-discard]").addEventListener("click", () => {
    clearPending();
    setStatus("", "");
    say("Discarded.");
    transcriptEl().focus();
  });

  function submitCoding(request) {
    const form = byId("picker");
    if (!form) return;
    pendingRequest = request;
    form.elements.start.value = request.span.start;
    form.elements.end.value = request.span.end;
    form.elements.quote.value = request.span.quote;
    form.elements.version.value = transcriptEl().dataset.version;
    form.elements.memo.value = request.memo || "";
    form.elements.new_code_name.value = request.newCode ? request.newCode.name : "";
    form.elements.new_code_parent.value = request.newCode && request.newCode.parent ? request.newCode.parent : "";
    const box = byId("picker-codes");
    box.replaceChildren(...request.codeIds.map((id) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "code_ids";
      input.value = id;
      return input;
    }));
    mark("pending", null);
    mark("saving", request.span);
    setStatus("Saving…", "is-saving");
    // htmx starts the request inside the submit event; if it did not (a submit the browser
    // ignored, a request still in flight), say so instead of "Saving…" for ever.
    requestStarted = false;
    form.requestSubmit();
    if (!requestStarted) showFailure("the request could not be sent", true);
  }

  let requestStarted = false;
  document.body.addEventListener("htmx:beforeSend", (event) => {
    if (event.target === byId("picker")) requestStarted = true;
  });

  document.body.addEventListener("htmx:afterRequest", (event) => {
    const detail = event.detail;
    if (detail.successful) return;
    if (pendingRequest && event.target === byId("picker")) {
      const status = detail.xhr ? detail.xhr.status : 0;
      const message = status === 403 ? "you cannot code in this layer"
        : status === 404 ? "the transcript is no longer available"
        : status ? "the server answered " + status : "no connection";
      showFailure(message, status === 0 || status >= 500);
    } else {
      setStatus("Not saved", "is-failed");
      say("Not saved.");
    }
  });

  document.body.addEventListener("segment-created", (event) => {
    const span = pendingRequest && pendingRequest.span;
    if (pendingRequest) remember(pendingRequest.codeIds);
    clearPending();
    const toast = byId("toast");
    say(toast ? toast.textContent.replace(/\s+/g, " ").trim() : "Saved.");
    if (span) mark("cursor", null);
    showToast();
    void event;
  });
  document.body.addEventListener("segment-error", (event) => {
    const message = (event.detail && event.detail.message) || "";
    showFailure(message, false);
  });
  document.body.addEventListener("segment-stale", (event) => {
    const d = event.detail || {};
    index = null;
    mark("saving", null);
    if (pendingRequest && d.start !== undefined && d.quote) {
      const again = pendingRequest;
      pendingRequest = null;
      pendingBar.hidden = true;
      const span = { start: d.start, end: d.end, quote: d.quote };
      openPicker(span, { ticked: again.codeIds, memo: again.memo });
    } else {
      showFailure("the transcript changed and the passage is gone", false);
    }
  });
  for (const name of ["segment-deleted", "segment-updated", "segment-undone"]) {
    document.body.addEventListener(name, () => {
      const toast = byId("toast");
      say(toast ? toast.textContent.replace(/\s+/g, " ").trim() : "Saved.");
      showToast();
    });
  }

  let toastTimer = null;
  function showToast() {
    const toast = byId("toast");
    if (!toast) return;
    window.clearTimeout(toastTimer);
    const hide = () => {
      if (toast.matches(":hover") || toast.contains(document.activeElement)) {
        toastTimer = window.setTimeout(hide, 2000);
      } else {
        toast.replaceChildren();
      }
    };
    toastTimer = window.setTimeout(hide, 10000);
  }

  function undo() {
    const form = byId("undo-form");
    if (form) form.requestSubmit();
  }

  app.addEventListener("click", (event) => {
    if (event.target.closest("[data-undo]")) { event.preventDefault(); undo(); }
  });

  // An outerHTML swap inserts the new transcript before removing the old one; scroll
  // anchoring would keep the old one in view and throw the page to the end. Keep the first
  // visible turn where it was. The new turns have not been laid out (content-visibility)
  // and would take the estimated height: they get the old turns' heights instead, so the
  // text does not move under the reader.
  let placeBeforeSwap = null;
  const isTranscriptSwap = (event) => event.target.id === "transcript" || Boolean(event.detail && event.detail.target && event.detail.target.id === "transcript");
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (!isTranscriptSwap(event) || !transcriptEl()) return;
    const turns = getIndex().turns;
    const heights = new Map(turns.map((t) => [String(t.start), t.el.getBoundingClientRect().height]));
    let lo = 0;
    let hi = turns.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (turns[mid].el.getBoundingClientRect().bottom <= 0) lo = mid + 1; else hi = mid;
    }
    placeBeforeSwap = { heights, start: turns[lo] ? turns[lo].start : null, top: turns[lo] ? turns[lo].el.getBoundingClientRect().top : 0 };
  });

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (!isTranscriptSwap(event)) return;
    const place = placeBeforeSwap;
    placeBeforeSwap = null;
    if (place) {
      for (const el of transcriptEl().querySelectorAll(".turn")) {
        const h = place.heights.get(el.dataset.start);
        if (h) el.style.containIntrinsicSize = "auto " + h + "px";
      }
      const anchor = place.start !== null && transcriptEl().querySelector('.turn[data-start="' + place.start + '"]');
      if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - place.top);
    }
    index = null;
    if (highlights) { highlights.delete("cursor"); highlights.delete("saving"); }
    restoreCursor();
    filterCodebook();
    refreshAdjust();
    refreshFind();
  });

  // --- recent codes ---------------------------------------------------------------------

  const recentKey = "wb-recent-" + page.study;
  function recents() {
    try { return JSON.parse(localStorage.getItem(recentKey) || "[]"); } catch (e) { return []; }
  }
  function remember(ids) {
    const list = [...ids, ...recents().filter((id) => !ids.includes(id))].slice(0, 9);
    try { localStorage.setItem(recentKey, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }

  // --- the code picker (combobox + listbox) -------------------------------------------

  const picker = byId("picker");
  const input = byId("picker-input");
  const list = byId("picker-list");
  let pickerState = null; // {span, ticked:Set, active, options, mode, segment, returnFocus, lastNav}

  function codes() {
    const data = byId("codes-data");
    return data ? JSON.parse(data.textContent) : [];
  }

  function position(el, span) {
    const range = span && rangeFor(span.start, span.end);
    const rects = range ? range.getClientRects() : [];
    const rect = rects.length ? rects[rects.length - 1] : transcriptEl().getBoundingClientRect();
    el.style.visibility = "hidden";
    el.hidden = false;
    const height = el.offsetHeight;
    const width = el.offsetWidth;
    let top = rect.bottom + window.scrollY + 6;
    if (rect.bottom + height + 12 > window.innerHeight && rect.top - height - 6 > 0) {
      top = rect.top + window.scrollY - height - 6;
    }
    const left = Math.max(8, Math.min(rect.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8));
    el.style.top = top + "px";
    el.style.left = left + "px";
    el.style.visibility = "";
  }

  function openPicker(span, options) {
    if (!picker || !editable()) { sayReadOnly(); return; }
    closePopover(false);
    if (adjust) endAdjust();
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
    byId("picker-quote").textContent = "“" + snippet(span.quote, 120) + "”";
    byId("picker-memo").value = opts.memo || "";
    byId("picker-memo-field").hidden = pickerState.mode === "change";
    picker.setAttribute("aria-label", pickerState.mode === "change" ? "Change the code" : "Apply codes to the selection");
    input.value = "";
    pickerMessage("");
    renderOptions();
    position(picker, span);
    input.focus({ preventScroll: true });
  }

  function closePicker(restore) {
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
      const tokens = query.split(/\s+/u);
      items = all
        .filter((c) => tokens.every((t) => c.p.toLowerCase().includes(t)))
        .map((c) => {
          const leaf = c.n.toLowerCase();
          const rank = leaf.startsWith(tokens[0]) ? 0 : leaf.includes(tokens[0]) ? 1 : 2;
          return { code: c, rank };
        })
        .sort((a, b) => a.rank - b.rank);
    }
    if (state.mode === "change" && state.segment) items = items.filter((it) => it.code.id !== state.segment.c);
    const options = items.map((it) => ({ kind: "code", code: it.code, num: it.num }));
    if (query && page.canCreateCodes && state.mode === "create") {
      const create = parseCreate(input.value.trim());
      if (create && !all.some((c) => c.n.toLowerCase() === create.name.toLowerCase() && c.pa === create.parent)) {
        options.push({ kind: "create", create });
      }
    }
    state.options = options;
    state.active = Math.min(state.active, Math.max(0, options.length - 1));
    const fragment = document.createDocumentFragment();
    options.forEach((opt, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "picker-opt-" + i;
      li.dataset.index = i;
      if (opt.kind === "code") {
        const ticked = state.ticked.has(opt.code.id);
        li.setAttribute("aria-selected", ticked ? "true" : "false");
        const tick = document.createElement("span");
        tick.className = "tick";
        tick.setAttribute("aria-hidden", "true");
        tick.textContent = state.mode === "change" ? "" : ticked ? "✓" : "";
        if (state.mode !== "change") {
          tick.classList.add("tick-box");
          tick.title = ticked ? "Untick" : "Tick (to apply several codes)";
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
        const path = document.createElement("span");
        path.className = "path";
        const parentPath = opt.code.p.slice(0, Math.max(0, opt.code.p.length - opt.code.n.length)).replace(/\s*›\s*$/u, "");
        path.textContent = parentPath;
        li.append(tick, num, sw, leaf, path);
        li.setAttribute("aria-label", opt.code.p + (opt.num ? ", recent " + opt.num : ""));
      } else {
        li.className = "create";
        li.setAttribute("aria-selected", "false");
        li.textContent = createWords(opt.create);
      }
      if (i === state.active) li.classList.add("is-active");
      fragment.appendChild(li);
    });
    list.replaceChildren(fragment);
    if (!options.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = all.length ? "No code matches." : "No codes yet" + (page.canCreateCodes ? ": type a name to create one." : ": ask the PI.");
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

  const quoted = (s) => "‘" + s + "’";
  const createWords = (c) => "Create " + quoted(c.name) + " " + (c.parentPath ? "under " + c.parentPath : "at the top level");

  /** What Enter or Apply would do now: {codeIds, newCode} or {why}. */
  function planApply(state, option) {
    const opt = option || state.options[state.active];
    if (state.mode === "change") {
      return opt && opt.kind === "code" ? { codeIds: [opt.code.id], newCode: null } : { why: nothingWhy(state) };
    }
    const ticked = [...state.ticked];
    if (option) {
      // A row clicked or picked by number: that row, with any ticked codes.
      if (option.kind === "create") return { codeIds: ticked, newCode: option.create };
      return { codeIds: [...new Set([...ticked, option.code.id])], newCode: null };
    }
    // The Create row counts only when the user moved to it on purpose (↑↓).
    if (opt && opt.kind === "create" && state.lastNav) return { codeIds: ticked, newCode: opt.create };
    if (ticked.length) return { codeIds: ticked, newCode: null };
    if (opt && opt.kind === "code") return { codeIds: [opt.code.id], newCode: null };
    return { why: nothingWhy(state) };
  }

  function nothingWhy(state) {
    const query = input.value.trim();
    const create = state.options.find((o) => o.kind === "create");
    if (!codes().some((c) => !c.ar)) {
      return create ? "No codes yet; choose " + quoted(createWords(create.create)) + " (↓ then Enter, or click it) to add it."
        : "No codes yet: ask the PI to add some.";
    }
    if (query && create) {
      return "No code matches " + quoted(query) + "; choose " + quoted(createWords(create.create)) + " (↓ then Enter, or click it) to add it.";
    }
    if (query) return "No code matches " + quoted(query) + ": change the filter or tick a code.";
    return "Nothing to apply: tick a code or move to one with ↓.";
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
    if (plan.why) words = state.mode === "change" ? "Nothing to change to yet." : "Nothing to apply yet.";
    else if (state.mode === "change") words = "Apply changes the code to " + quoted(codeName(plan.codeIds[0])) + ".";
    else {
      const names = plan.codeIds.map((id) => quoted(codeName(id)));
      if (plan.newCode) names.push("a new code " + quoted(plan.newCode.name));
      const what = state.ticked.size ? " (ticked)" : plan.newCode ? "" : " (highlighted)";
      words = "Apply codes the selection with " + names.join(", ") + what + ".";
    }
    box.textContent = words;
    if (!keys) return;
    const opt = state.options[state.active];
    const parts = [];
    if (state.mode !== "change" && opt && opt.kind === "code") {
      const verb = state.ticked.has(opt.code.id) ? "unticks " : "ticks ";
      parts.push(spaceTicks(state) ? "Space " + verb + quoted(opt.code.n) : "Space types a space · Ctrl+Space " + verb + quoted(opt.code.n));
    } else if (opt && opt.kind === "create" && !state.lastNav) {
      parts.push("↓ to the Create row, then Enter, creates the code");
    }
    parts.push(plan.why ? "Enter: nothing to apply" : "Enter applies");
    keys.textContent = parts.join(" · ");
  }

  function pickerMessage(text) {
    const box = byId("picker-msg");
    if (box) box.textContent = text || "";
  }

  function toggleTick(i) {
    const opt = pickerState.options[i];
    if (!opt || pickerState.mode === "change") return;
    if (opt.kind !== "code") { say("Only codes can be ticked; Enter on this row creates the code."); return; }
    const id = opt.code.id;
    if (pickerState.ticked.has(id)) pickerState.ticked.delete(id); else pickerState.ticked.add(id);
    pickerMessage("");
    renderOptions();
    say((pickerState.ticked.has(id) ? "Ticked " : "Unticked ") + opt.code.n + ". " + pickerState.ticked.size + " ticked.");
  }

  /** Apply the ticked codes, else the active one; ``option``: a row the user clicked. */
  function applyPicker(option) {
    const state = pickerState;
    if (!state) return;
    const plan = planApply(state, option || null);
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

  if (picker) {
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
          return;
        case "ArrowUp":
          event.preventDefault();
          state.active = count ? (state.active - 1 + count) % count : 0;
          state.lastNav = true;
          updateActive();
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
            if (opt) applyPicker(opt); else pickerMessage("No recent code " + event.key + ".");
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
    document.addEventListener("mousedown", (event) => {
      if (pickerState && !picker.contains(event.target) && !event.target.closest("#codebook-panel")) closePicker(false);
    });
  }

  // --- codebook column: an ARIA tree, one tab stop (roving tabindex), arrows inside -----------
  // Collapsed groups and the item holding the tab stop are kept here, so they survive the
  // out-of-band swaps of the codebook after every save.

  const tree = { collapsed: new Set(), current: null };

  const treeEl = () => byId("codebook-tree");
  const treeItems = () => (treeEl() ? Array.from(treeEl().querySelectorAll("[role=treeitem]")) : []);
  const visibleItems = () => treeItems().filter((li) => !li.hidden);

  function filterCodebook() {
    const box = byId("codebook-filter");
    const tokens = box ? box.value.trim().toLowerCase().split(/\s+/u).filter(Boolean) : [];
    const items = treeItems();
    const byCode = new Map(items.map((li) => [li.dataset.code, li]));
    const underCollapsed = (li) => {
      for (let p = byCode.get(li.dataset.parent); p; p = byCode.get(p.dataset.parent)) {
        if (tree.collapsed.has(p.dataset.code)) return true;
      }
      return false;
    };
    for (const li of items) {
      if (li.hasAttribute("aria-expanded")) li.setAttribute("aria-expanded", tree.collapsed.has(li.dataset.code) ? "false" : "true");
      // While filtering, every match shows, even inside a collapsed group.
      li.hidden = tokens.length ? !tokens.every((t) => li.dataset.path.includes(t)) : underCollapsed(li);
    }
    rovingTo(null);
  }

  /** Give the tab stop to ``li`` (or keep it on the current item, or the first shown). */
  function rovingTo(li) {
    const shown = visibleItems();
    if (!li) li = shown.find((x) => x.dataset.code === tree.current) || shown.find((x) => x.tabIndex === 0) || shown[0];
    if (!li) return null;
    for (const x of treeItems()) x.tabIndex = x === li ? 0 : -1;
    tree.current = li.dataset.code;
    return li;
  }

  function focusItem(li) {
    if (!li) return;
    rovingTo(li);
    li.focus();
  }

  function setExpanded(li, open) {
    if (!li.hasAttribute("aria-expanded")) return;
    if (open) tree.collapsed.delete(li.dataset.code); else tree.collapsed.add(li.dataset.code);
    filterCodebook();
    say((open ? "Expanded " : "Collapsed ") + li.querySelector(".code-name").textContent + ".");
  }

  function chooseItem(li) {
    const id = Number(li.dataset.code);
    if (pickerState && pickerState.mode === "create") {
      const code = codes().find((c) => c.id === id);
      if (code) applyPicker({ kind: "code", code });
      return;
    }
    li.querySelector(".code-name").click(); // show only this code (a link)
  }

  app.addEventListener("input", (event) => { if (event.target.id === "codebook-filter") filterCodebook(); });
  app.addEventListener("focusin", (event) => {
    const li = event.target.closest && event.target.closest("#codebook-tree [role=treeitem]");
    if (li) rovingTo(li);
  });
  app.addEventListener("keydown", (event) => {
    const li = event.target.closest && event.target.closest("#codebook-tree [role=treeitem]");
    if (!li || event.target !== li || event.altKey || event.ctrlKey || event.metaKey) return;
    const shown = visibleItems();
    const i = shown.indexOf(li);
    const expandable = li.hasAttribute("aria-expanded");
    const open = li.getAttribute("aria-expanded") === "true";
    let handled = true;
    switch (event.key) {
      case "ArrowDown": focusItem(shown[Math.min(shown.length - 1, i + 1)]); break;
      case "ArrowUp": focusItem(shown[Math.max(0, i - 1)]); break;
      case "Home": focusItem(shown[0]); break;
      case "End": focusItem(shown[shown.length - 1]); break;
      case "ArrowRight":
        if (expandable && !open) setExpanded(li, true);
        else if (expandable && shown[i + 1] && shown[i + 1].dataset.parent === li.dataset.code) focusItem(shown[i + 1]);
        break;
      case "ArrowLeft":
        if (expandable && open) setExpanded(li, false);
        else {
          const parent = treeItems().find((x) => x.dataset.code === li.dataset.parent);
          if (parent && !parent.hidden) focusItem(parent);
        }
        break;
      case "Enter":
      case " ":
        chooseItem(li);
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  });
  app.addEventListener("click", (event) => {
    const twisty = event.target.closest("#codebook-tree .twisty");
    if (twisty) {
      const li = twisty.closest("[role=treeitem]");
      setExpanded(li, li.getAttribute("aria-expanded") === "false");
      return;
    }
    const link = event.target.closest("#codebook-panel .code-name");
    if (!link || !pickerState || pickerState.mode !== "create") return;
    // Click a code to apply it to the pending selection (MAXQDA).
    event.preventDefault();
    chooseItem(link.closest(".code-row"));
  });
  // The codebook comes back out of band after saves: reapply collapse, filter and tab stop.
  document.body.addEventListener("htmx:afterSettle", filterCodebook);
  filterCodebook();

  // The skip link lands on the transcript itself (focus, not only scroll).
  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-skip-transcript]") || !transcriptEl()) return;
    event.preventDefault();
    transcriptEl().focus({ preventScroll: true });
    transcriptEl().scrollIntoView({ block: "start" });
    say("Transcript. Enter selects the first sentence of a turn; press question mark for shortcuts.");
  });

  // --- popover listing the codes at a highlight -------------------------------------------

  const pop = byId("seg-pop");
  let popState = null;

  function segWords(id, seg) {
    return seg.n + ", by " + seg.l;
  }

  function openPopover(ids, anchorEl, returnFocus) {
    const idx = getIndex();
    const segs = ids.map((id) => [id, idx.segs[String(id)]]).filter(([, s]) => s);
    if (!segs.length) return;
    closePicker(false);
    popState = { ids, returnFocus: returnFocus || transcriptEl() };
    const heading = document.createElement("h3");
    heading.textContent = segs.length === 1 ? "Code here" : segs.length + " codes here";
    heading.className = "sr-only";
    const ul = document.createElement("ul");
    for (const [id, seg] of segs) {
      const li = document.createElement("li");
      li.dataset.seg = id;
      const head = document.createElement("div");
      head.className = "seg-head";
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = seg.col;
      sw.setAttribute("aria-hidden", "true");
      const name = document.createElement("strong");
      name.textContent = seg.n;
      const meta = document.createElement("span");
      meta.className = "seg-meta";
      meta.textContent = seg.p + " · by " + seg.l + (seg.r ? " · changed since coding: needs review" : "");
      head.append(sw, name, meta);
      const quote = document.createElement("div");
      quote.className = "seg-meta";
      quote.textContent = "“" + snippet(textBetween(seg.s, seg.e), 90) + "”" + (seg.m ? " · Memo: " + snippet(seg.m, 80) : "");
      li.append(head, quote);
      if (seg.w) {
        const actions = document.createElement("div");
        actions.className = "seg-actions";
        for (const [act, label] of [["change", "Change"], ["memo", "Memo"], ["adjust", "Adjust span"], ["remove", "Remove"]]) {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "button small secondary";
          b.dataset.act = act;
          b.textContent = label;
          b.setAttribute("aria-label", label + ": " + segWords(id, seg));
          actions.appendChild(b);
        }
        li.appendChild(actions);
      }
      ul.appendChild(li);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.className = "link-button";
    close.dataset.act = "close";
    close.textContent = "Close";
    pop.replaceChildren(heading, ul, close);
    const first = segs[0][1];
    position(pop, anchorEl ? null : { start: first.s, end: first.e });
    if (anchorEl) {
      const rect = anchorEl.getBoundingClientRect();
      pop.style.top = rect.bottom + window.scrollY + 4 + "px";
      pop.style.left = Math.max(8, Math.min(rect.left + window.scrollX, document.documentElement.clientWidth - pop.offsetWidth - 8)) + "px";
    }
    (pop.querySelector("button") || close).focus({ preventScroll: true });
  }

  function closePopover(restore) {
    if (!popState) return;
    const state = popState;
    popState = null;
    pop.hidden = true;
    pop.replaceChildren();
    if (restore) (document.contains(state.returnFocus) ? state.returnFocus : transcriptEl()).focus({ preventScroll: true });
  }

  pop.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); closePopover(true); }
  });
  pop.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    if (!button) return;
    const act = button.dataset.act;
    if (act === "close") { closePopover(true); return; }
    const li = button.closest("li[data-seg]");
    const id = Number(li.dataset.seg);
    const seg = getIndex().segs[String(id)];
    if (act === "remove") {
      closePopover(true);
      post(urlFor("delete", id), {});
    } else if (act === "memo") {
      const area = document.createElement("textarea");
      area.value = seg.m || "";
      area.rows = 3;
      area.setAttribute("aria-label", "Memo for " + segWords(id, seg));
      const save = document.createElement("button");
      save.type = "button";
      save.className = "button small";
      save.textContent = "Save memo";
      save.addEventListener("click", () => { closePopover(true); post(urlFor("update", id), { memo: area.value }); });
      li.querySelector(".seg-actions").replaceWith(area, save);
      area.focus();
    } else if (act === "change") {
      const returnFocus = popState.returnFocus;
      closePopover(false);
      openPicker({ start: seg.s, end: seg.e, quote: textBetween(seg.s, seg.e) }, {
        mode: "change", segment: Object.assign({ id }, seg), returnFocus,
      });
    } else if (act === "adjust") {
      closePopover(false);
      startAdjust(id, seg);
    }
  });
  document.addEventListener("mousedown", (event) => {
    if (popState && !pop.contains(event.target)) closePopover(false);
  });

  // --- adjusting a span: keyboard (S/E, arrows) and mouse handles -------------------------

  let adjust = null; // {id, start, end, edge, name}
  let adjustUi = null; // {start, end: handle buttons; bar: Save/Cancel}
  let drag = null; // {edge, handle}
  let dragJustEnded = false;

  function startAdjust(id, seg) {
    endAdjust();
    adjust = { id, start: seg.s, end: seg.e, edge: "end", name: seg.n };
    transcriptEl().focus({ preventScroll: true });
    mark("pending", adjust);
    showHandles();
    say("Adjusting " + seg.n + ". Drag the handles, or: S or E chooses the start or end; left and right arrows move it; Enter saves; Escape cancels. Moving the end.");
  }

  /** Leave adjust mode: no pending mark, no handles. */
  function endAdjust() {
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
    say("Adjust cancelled.");
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
    if (!span) { say("The span would be empty."); return; }
    post(urlFor("update", id), {
      start: span.start, end: span.end, quote: span.quote, version: transcriptEl().dataset.version,
    });
  }

  function adjustChanged() {
    mark("pending", adjust);
    placeHandles();
    const text = textBetween(adjust.start, adjust.end);
    say(Array.from(text).length + " characters: " + snippet(text, 40));
  }

  function adjustKey(event) {
    const k = event.key;
    if (k === "Escape") { cancelAdjust(true); return true; }
    if (k === "s" || k === "S") { adjust.edge = "start"; say("Moving the start."); return true; }
    if (k === "e" || k === "E") { adjust.edge = "end"; say("Moving the end."); return true; }
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
    b.setAttribute("aria-label", (edge === "start" ? "Start" : "End") + " of the span: drag it, or use the left and right arrow keys; Enter saves");
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
        say(other === "start" ? "Moving the start." : "Moving the end.");
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
    bar.setAttribute("aria-label", "Adjust span");
    const text = document.createElement("span");
    text.textContent = "Adjusting ‘" + adjust.name + "’: drag the handles (or S/E and arrows).";
    const save = document.createElement("button");
    save.type = "button";
    save.className = "button small";
    save.textContent = "Save span";
    save.addEventListener("click", saveAdjust);
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button small secondary";
    cancel.textContent = "Cancel";
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

  function placeHandles() {
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
  function refreshAdjust() {
    if (!adjust) return;
    if (!getIndex().segs[String(adjust.id)]) { endAdjust(); return; }
    mark("pending", adjust);
    placeHandles();
  }

  window.addEventListener("resize", placeHandles);
  document.addEventListener("mousedown", (event) => {
    if (adjust && !event.target.closest(".adjust-handle, .adjust-bar, #seg-pop")) cancelAdjust(false);
  });

  // --- keyboard cursor: turns, sentences, highlights ----------------------------------------

  const cursor = { turn: -1, range: null, seg: null };

  function bodyStart(turn) {
    const spk = turn.el.querySelectorAll(".r.spk");
    return spk.length ? Number(spk[spk.length - 1].dataset.end) : turn.start;
  }

  function sentences(turn) {
    const start = bodyStart(turn);
    const cps = Array.from(textBetween(start, turn.end));
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

  function allSentences() {
    const idx = getIndex();
    if (!idx.sentences) idx.sentences = idx.turns.map((t) => sentences(t));
    return idx.sentences;
  }

  function setTurn(i) {
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
    say("Turn " + turn.n + ": " + snippet(textBetween(turn.start, turn.end), 80));
  }

  function announceRange() {
    const r = cursor.range;
    if (!r) return;
    const text = textBetween(r.start, r.end);
    say("Selected " + Array.from(text).length + " characters: " + snippet(text, 60));
  }

  function setRange(range) {
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

  function turnIndexAt(offset) {
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
        const next = flat.find((s) => s.end > r.end);
        if (next) setRange({ start: r.start, end: next.end });
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
    const length = getIndex().length;
    const end = Math.max(r.start + 1, Math.min(length, r.end + dir));
    setRange({ start: r.start, end });
  }

  function focusSegment(id) {
    const root = transcriptEl();
    root.querySelectorAll(".is-focus").forEach((el) => el.classList.remove("is-focus"));
    cursor.seg = id;
    if (id === null) return;
    let firstEl = null;
    root.querySelectorAll("[data-seg]").forEach((el) => {
      if (el.dataset.seg.split(" ").includes(String(id))) {
        el.classList.add("is-focus");
        if (!firstEl && el.tagName === "MARK") firstEl = el;
      }
    });
    if (firstEl) firstEl.scrollIntoView({ block: "nearest" });
    const seg = getIndex().segs[String(id)];
    if (seg) {
      say(segWords(id, seg) + ": " + snippet(textBetween(seg.s, seg.e), 60) + (seg.w ? ". Enter for actions, Delete removes." : ". Enter lists codes."));
    }
  }

  function stepSegment(dir) {
    const idx = getIndex();
    if (!idx.order.length) { say("No highlights."); return; }
    let pos = cursor.seg === null ? -1 : idx.order.indexOf(cursor.seg);
    if (pos === -1) {
      const from = cursor.range ? cursor.range.start : cursor.turn >= 0 ? idx.turns[cursor.turn].start : -1;
      pos = dir > 0 ? idx.order.findIndex((id) => idx.segs[id].s > from) - 1 : idx.order.length;
      if (dir > 0 && pos < -1) pos = idx.order.length - 1;
    }
    const next = Math.max(0, Math.min(idx.order.length - 1, pos + dir));
    focusSegment(idx.order[next]);
  }

  function restoreCursor() {
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
    say("Select text first: Enter selects the first sentence of a turn.");
  }

  document.addEventListener("keydown", (event) => {
    const root = transcriptEl();
    const inField = event.target.closest("input, textarea, select, [contenteditable]");
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z" && !inField && editable()) {
      event.preventDefault();
      undo();
      return;
    }
    if (!root || !root.contains(document.activeElement) || inField) return;
    if (adjust && adjustKey(event)) { event.preventDefault(); return; }
    if (event.ctrlKey || event.metaKey) return;
    // With single-key shortcuts turned off (WCAG 2.1.4), letters need Alt.
    if (shortcutsOff() && !event.altKey && /^[a-zA-Z?]$/.test(event.key)) return;
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
        if (event.target.closest("mark[data-seg], .stripe, .stripe-label, .stripe-more")) return;
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
          say("Selection cleared.");
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
            say("You cannot remove this highlight: it is not in your layer.");
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
    else if (key === "?") { event.preventDefault(); openShortcuts(); }
  });

  // Keyboard selections (Shift+arrows with caret browsing): open the picker when Shift is released.
  document.addEventListener("keyup", (event) => {
    if (event.key !== "Shift" || pickerState) return;
    const root = transcriptEl();
    if (!root || !root.contains(document.activeElement) && !root.contains(window.getSelection().anchorNode)) return;
    const span = selectionOffsets();
    if (span && editable()) openPicker(span, { returnFocus: root });
  });

  let selectionTimer = null;
  document.addEventListener("selectionchange", () => {
    window.clearTimeout(selectionTimer);
    selectionTimer = window.setTimeout(() => {
      if (pickerState) return;
      const span = selectionOffsets();
      if (span) say("Selected " + Array.from(span.quote).length + " characters: " + snippet(span.quote, 40) + (editable() ? ". Press C to code." : ". " + readNote()));
    }, 500);
  });

  // --- mouse ------------------------------------------------------------------------------

  app.addEventListener("mouseup", (event) => {
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
      const hit = event.target.closest("mark[data-seg], .stripe, .stripe-label, .stripe-more");
      if (hit) {
        const ids = hit.dataset.seg.split(" ").map(Number);
        focusSegment(ids[0]);
        openPopover(ids, hit, root);
      }
    }, 0);
  });

  // Hovering a stripe tints its span and shows path, coder and date in a tooltip that
  // stays while hovered and closes with Esc (WCAG 1.4.13).
  const tip = byId("stripe-tip");
  let tipTimer = null;
  function showTip(stripe) {
    const id = stripe.dataset.seg;
    const seg = getIndex().segs[id];
    transcriptEl().querySelectorAll("mark[data-seg]").forEach((m) => {
      m.classList.toggle("is-hover", m.dataset.seg.split(" ").includes(id));
    });
    if (!seg || !tip) return;
    window.clearTimeout(tipTimer);
    tip.textContent = seg.p + " · by " + seg.l + (seg.d ? " · " + seg.d : "") + (seg.m ? " · Memo: " + snippet(seg.m, 60) : "");
    const rect = stripe.getBoundingClientRect();
    tip.hidden = false;
    tip.style.top = rect.top + window.scrollY + "px";
    tip.style.left = Math.max(8, rect.left + window.scrollX - tip.offsetWidth - 6) + "px";
  }
  function hideTip(now) {
    window.clearTimeout(tipTimer);
    const hide = () => {
      if (tip && tip.matches(":hover")) return;
      if (tip) tip.hidden = true;
      transcriptEl().querySelectorAll("mark.is-hover").forEach((m) => m.classList.remove("is-hover"));
    };
    if (now) hide(); else tipTimer = window.setTimeout(hide, 300);
  }
  app.addEventListener("mouseover", (event) => {
    const stripe = event.target.closest(".stripe, .stripe-label");
    if (stripe) showTip(stripe);
  });
  app.addEventListener("mouseout", (event) => {
    if (event.target.closest(".stripe, .stripe-label")) hideTip(false);
  });
  if (tip) tip.addEventListener("mouseleave", () => hideTip(false));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && tip && !tip.hidden) hideTip(true);
  });

  // --- find-and-code ----------------------------------------------------------------------
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
    else if (!n) box.textContent = "No matches";
    else if (finder.current >= 0) box.textContent = (finder.current + 1) + " of " + n + (n >= FIND_LIMIT ? "+" : "");
    else box.textContent = n + (n >= FIND_LIMIT ? "+" : "") + (n === 1 ? " match" : " matches");
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
    if (!n) { say(finder.query && finder.query.trim() ? "No matches." : "Type something to find."); return; }
    finder.current = finder.current < 0 ? (dir > 0 ? 0 : n - 1) : (finder.current + dir + n) % n;
    const m = finder.matches[finder.current];
    focusSegment(null);
    setRange({ start: m.start, end: m.end });
    setTurn(turnIndexAt(m.start));
    findCount();
    const turn = getIndex().turns[cursor.turn];
    say("Match " + (finder.current + 1) + " of " + n + (turn ? ", turn " + turn.n : "") + (editable() ? ". Enter codes it." : "."));
  }

  function codeMatch() {
    const m = selectedMatch();
    if (!m) return;
    const span = trimmed(m.start, m.end);
    if (!span) { say("The match is only white space."); return; }
    openPicker(span, { returnFocus: findInput });
  }

  function clearFind() {
    const hadSelection = Boolean(selectedMatch());
    findInput.value = "";
    runFind();
    if (hadSelection) setRange(null);
    say("Search cleared.");
  }

  function refreshFind() {
    if (!findInput || !findInput.value) return;
    const current = finder.current;
    runFind();
    if (current < finder.matches.length) finder.current = current;
    findCount();
  }

  if (findInput) {
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

  // --- shortcuts dialog -----------------------------------------------------------------------

  const dialog = byId("shortcuts");
  function openShortcuts() {
    if (dialog && !dialog.open) dialog.showModal();
  }
  const shortcutsButton = byId("shortcuts-button");
  if (shortcutsButton) shortcutsButton.addEventListener("click", openShortcuts);
  const off = byId("shortcuts-off");
  if (off) {
    off.checked = shortcutsOff();
    off.addEventListener("change", () => {
      try { localStorage.setItem("wb-shortcuts-off", off.checked ? "1" : "0"); } catch (e) { /* ignore */ }
    });
  }
  if (dialog) dialog.addEventListener("close", () => transcriptEl() && transcriptEl().focus({ preventScroll: true }));

  // Links from retrieval, the agreement report and the matrices open the page on one
  // highlight: ?focus=<segment id> (or #seg-<id>).
  const focusParam = new URLSearchParams(window.location.search).get("focus")
    || (window.location.hash.match(/^#seg-(\d+)$/) || [])[1];
  if (focusParam && getIndex().segs[String(focusParam)]) {
    focusSegment(Number(focusParam));
    const first = transcriptEl().querySelector("mark.is-focus");
    if (first) first.scrollIntoView({ block: "center" });
  }

  // For tests and the benchmark: the conversion functions, without touching the DOM.
  window.codingPage = { selectionOffsets, textBetween, unitsToCp, cpToUnits, rangeFor, openPicker };
})();
