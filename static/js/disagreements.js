// Disagreement review keys: J/K next/previous unit, A/B/U/I/N decide on the current unit.
// Everything also works without this file (buttons and links); keys act only while the
// unit list or one of its units has focus, never while typing in a field (WCAG 2.1.4).
//
// Correcting a span: a selection in a unit's passage (mouse, or S/E and arrows while the
// passage has focus) becomes the consensus span. Offsets are code points: every run in a
// passage carries its code-point data-start/data-end and the conversion goes through
// Array.from / codePointAt, never a JS string's .length (UTF-16 units: "𠝹".length == 2).
(function () {
  "use strict";
  var current = null;
  var picks = {}; // unit number -> {start, end}
  var boundary = {}; // unit number -> "start" | "end" (which one the arrow keys move)

  // --- code points ------------------------------------------------------------------

  /** Code points in s[0:units]; a boundary inside a surrogate pair rounds down or up. */
  function unitsToCp(s, units, roundUp) {
    var cp = 0;
    var i = 0;
    while (i < units && i < s.length) {
      var width = s.codePointAt(i) > 0xffff ? 2 : 1;
      if (i + width > units) { return roundUp ? cp + 1 : cp; }
      i += width;
      cp += 1;
    }
    return cp;
  }

  /** UTF-16 index of code point number cp in s. */
  function cpToUnits(s, cp) {
    var i = 0;
    for (var k = 0; k < cp && i < s.length; k++) { i += s.codePointAt(i) > 0xffff ? 2 : 1; }
    return i;
  }

  function runsOf(passage) {
    return Array.prototype.map.call(passage.querySelectorAll(".r"), function (el) {
      return { el: el, start: Number(el.dataset.start), end: Number(el.dataset.end), cps: Array.from(el.textContent) };
    });
  }

  function textBetween(runs, start, end) {
    var out = "";
    runs.forEach(function (r) {
      if (r.end <= start || r.start >= end) { return; }
      out += r.cps.slice(Math.max(start, r.start) - r.start, Math.min(end, r.end) - r.start).join("");
    });
    return out;
  }

  /** A DOM boundary point -> code-point offset, snapped into the passage's runs. */
  function pointToCp(passage, runs, node, offset, isEnd) {
    var el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    var runEl = el && el.closest(".r");
    if (runEl && passage.contains(runEl)) {
      var start = Number(runEl.dataset.start);
      if (node.nodeType === Node.TEXT_NODE) { return start + unitsToCp(node.data, offset, isEnd); }
      var before = "";
      for (var i = 0; i < offset && i < node.childNodes.length; i++) { before += node.childNodes[i].textContent; }
      return start + Array.from(before).length;
    }
    // Outside a run (an ellipsis, or beyond the passage): the nearest run in the
    // direction that keeps the selection inside the passage.
    var probe = document.createRange();
    probe.setStart(node, offset);
    var after = runs.filter(function (r) { return probe.comparePoint(r.el, 0) >= 0; });
    var beforeRuns = runs.filter(function (r) { return probe.comparePoint(r.el, 0) < 0; });
    if (!isEnd) { return after.length ? after[0].start : runs[runs.length - 1].end; }
    return beforeRuns.length ? beforeRuns[beforeRuns.length - 1].end : runs[0].start;
  }

  function snippet(text, n) {
    var cps = Array.from(text.replace(/\s+/gu, " "));
    return cps.length > n ? cps.slice(0, n).join("") + "…" : cps.join("");
  }

  // --- the picked span of a unit ------------------------------------------------------

  function unitOf(passage) { return passage.closest(".unit-list > li.unit"); }

  function field(li, name) { return li.querySelector('.unit-actions [name="' + name + '"]'); }

  function setPick(li, start, end, announce) {
    var passage = li.querySelector(".passage");
    var runs = runsOf(passage);
    var quote = textBetween(runs, start, end);
    picks[li.dataset.unit] = { start: start, end: end };
    field(li, "edit_start").value = start;
    field(li, "edit_end").value = end;
    field(li, "edit_quote").value = quote;
    var status = li.querySelector(".selection-status");
    status.hidden = false;
    var count = Array.from(quote).length;
    var words = interpolate(ngettext(
      "Selected %(count)s character (%(start)s–%(end)s): “%(quote)s”. Use selection saves it as the consensus span.",
      "Selected %(count)s characters (%(start)s–%(end)s): “%(quote)s”. Use selection saves it as the consensus span.",
      count), { count: count, start: start, end: end, quote: "\u0000" }, true).split("\u0000");
    var words_ = document.createElement("span");
    words_.setAttribute("translate", "no"); // the transcript's words
    words_.textContent = snippet(quote, 80);
    status.replaceChildren(words[0], words_, words[1] || "");
    if (announce) { status.setAttribute("aria-live", "polite"); }
    paintPicks();
  }

  // The picked span stays visible when the native selection goes (a click on a button).
  function paintPicks() {
    if (typeof Highlight === "undefined" || !window.CSS || !CSS.highlights) { return; }
    var ranges = [];
    Object.keys(picks).forEach(function (n) {
      var li = document.getElementById("unit-" + n);
      if (!li) { return; }
      var r = rangeFor(li.querySelector(".passage"), picks[n].start, picks[n].end);
      if (r) { ranges.push(r); }
    });
    CSS.highlights.set("review-pick", new (Function.prototype.bind.apply(Highlight, [null].concat(ranges)))());
  }

  function locate(runs, cp, isEnd) {
    for (var i = 0; i < runs.length; i++) {
      var r = runs[i];
      if ((isEnd ? cp > r.start && cp <= r.end : cp >= r.start && cp < r.end) && r.el.firstChild) {
        return [r.el.firstChild, cpToUnits(r.el.firstChild.data, cp - r.start)];
      }
    }
    return null;
  }

  function rangeFor(passage, start, end) {
    var runs = runsOf(passage);
    var a = locate(runs, start, false);
    var b = locate(runs, end, true);
    if (!a || !b) { return null; }
    var range = document.createRange();
    range.setStart(a[0], a[1]);
    range.setEnd(b[0], b[1]);
    return range;
  }

  function onSelectionChange() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return; }
    var range = sel.getRangeAt(0);
    var passage = null;
    [range.startContainer, range.endContainer, range.commonAncestorContainer].some(function (n) {
      var el = n.nodeType === Node.ELEMENT_NODE ? n : n.parentElement;
      passage = el && el.closest(".passage");
      return Boolean(passage);
    });
    if (!passage || !unitOf(passage) || !field(unitOf(passage), "edit_start")) { return; }
    var runs = runsOf(passage);
    if (!runs.length) { return; }
    var inStart = passage.contains(range.startContainer);
    var inEnd = passage.contains(range.endContainer);
    var start = inStart ? pointToCp(passage, runs, range.startContainer, range.startOffset, false) : runs[0].start;
    var end = inEnd ? pointToCp(passage, runs, range.endContainer, range.endOffset, true) : runs[runs.length - 1].end;
    if (start < end) { setPick(unitOf(passage), start, end, false); }
  }

  var pending = false;
  document.addEventListener("selectionchange", function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; onSelectionChange(); });
  });

  function isSpace(ch) { return /\s/u.test(ch); }

  /** Move a boundary by one code point, or with ctrl by a word: a start lands on the
   * start of a word, an end on the end of one, so the span never begins or ends in a
   * space (text without spaces, like Chinese, moves to the passage's edge). */
  function moveBy(runs, cp, dir, word, isStart) {
    var lo = runs[0].start;
    var hi = runs[runs.length - 1].end;
    var text = Array.from(textBetween(runs, lo, hi));
    var i = cp - lo;
    if (!word) { return lo + Math.min(text.length, Math.max(0, i + dir)); }
    var space = function (k) { return isSpace(text[k]); };
    var word_ = function (k) { return !isSpace(text[k]); };
    function skipFwd(test) { while (i < text.length && test(i)) { i++; } }
    function skipBack(test) { while (i > 0 && test(i - 1)) { i--; } }
    if (isStart && dir > 0) { skipFwd(word_); skipFwd(space); }
    else if (isStart) { skipBack(space); skipBack(word_); }
    else if (dir > 0) { skipFwd(space); skipFwd(word_); }
    else { skipBack(word_); skipBack(space); }
    return lo + i;
  }

  function passageKey(event, passage) {
    var li = unitOf(passage);
    var n = li.dataset.unit;
    var key = event.key;
    var pick = picks[n] || { start: Number(field(li, "start").value), end: Number(field(li, "end").value) };
    var status = li.querySelector(".selection-status");
    if (key === "s" || key === "e") {
      boundary[n] = key === "s" ? "start" : "end";
      status.hidden = false;
      setPick(li, pick.start, pick.end, true);
      status.prepend(key === "s" ? gettext("Moving the start. ") : gettext("Moving the end. "));
      return true;
    }
    if (key === "Enter") {
      li.querySelector(".use-selection").click();
      return true;
    }
    if (key !== "ArrowLeft" && key !== "ArrowRight") { return false; }
    var runs = runsOf(passage);
    var which = boundary[n] || "end";
    var dir = key === "ArrowRight" ? 1 : -1;
    var start = pick.start;
    var end = pick.end;
    if (which === "start") { start = Math.min(end - 1, moveBy(runs, start, dir, event.ctrlKey, true)); }
    else { end = Math.max(start + 1, moveBy(runs, end, dir, event.ctrlKey, false)); }
    setPick(li, start, end, true);
    var range = rangeFor(passage, start, end);
    if (range) {
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    return true;
  }

  function units() { return Array.prototype.slice.call(document.querySelectorAll(".unit-list > li.unit")); }

  function select(li, scroll) {
    units().forEach(function (u) { u.classList.toggle("current", u === li); });
    document.querySelectorAll(".side-by-side .diff.current").forEach(function (el) { el.classList.remove("current"); });
    if (!li) { return; }
    current = li.dataset.unit;
    document.querySelectorAll('.side-by-side .diff[data-unit="' + current + '"]').forEach(function (el) { el.classList.add("current"); });
    if (scroll) {
      li.scrollIntoView({ block: "nearest" });
      var anchor = document.getElementById("t-unit-" + current);
      if (anchor) { anchor.scrollIntoView({ block: "center" }); }
    }
  }

  function restore() {
    var review = document.getElementById("review");
    if (!review) { return; }
    var wanted = review.dataset.current || current;
    var li = wanted ? document.getElementById("unit-" + wanted) : units()[0];
    select(li || units()[0], true);
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("passage") && !event.metaKey && !event.altKey) {
      if (passageKey(event, target)) { event.preventDefault(); return; }
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target.closest("input, textarea, select, [contenteditable]")) { return; }
    if (!target.closest(".unit-list")) { return; }
    var key = event.key.toLowerCase();
    var list = units();
    var li = current ? document.getElementById("unit-" + current) : null;
    var i = list.indexOf(li);
    if (key === "j" || key === "k") {
      event.preventDefault();
      var next = list[Math.min(list.length - 1, Math.max(0, i + (key === "j" ? 1 : -1)))];
      select(next, true);
      return;
    }
    if (!li) { return; }
    if (key === "e" && li.querySelector(".passage[tabindex]")) {
      // E: correct the span; the passage takes the arrow keys (S/E choose the boundary).
      event.preventDefault();
      li.querySelector(".passage").focus();
      return;
    }
    var button = li.querySelector('button[data-key="' + key + '"]');
    if (button && "abuin".indexOf(key) >= 0) {
      event.preventDefault();
      button.click();
    }
  });

  document.addEventListener("click", function (event) {
    var use = event.target.closest(".use-selection");
    if (use) {
      var owner = use.closest(".unit-list > li.unit");
      if (!picks[owner.dataset.unit]) {
        event.preventDefault();
        var status = owner.querySelector(".selection-status");
        status.hidden = false;
        status.textContent = gettext("Select words in the passage first (mouse, or focus it and use the arrow keys).");
      }
      return;
    }
    var li = event.target.closest(".unit-list > li.unit");
    // A click in a passage selects text: pick the unit without scrolling away from it.
    if (li && !event.target.closest("button, a, input, summary")) { select(li, !event.target.closest(".passage")); }
  });

  document.addEventListener("focusin", function (event) {
    var passage = event.target.classList && event.target.classList.contains("passage") ? event.target : null;
    if (passage && unitOf(passage)) { select(unitOf(passage), false); }
  });

  // Typed offsets carry no quote to check (the server still checks the bounds).
  document.addEventListener("input", function (event) {
    var name = event.target.name;
    if (name !== "edit_start" && name !== "edit_end") { return; }
    var li = event.target.closest(".unit-list > li.unit");
    if (li) { field(li, "edit_quote").value = ""; delete picks[li.dataset.unit]; paintPicks(); }
  });

  function enhance() {
    document.querySelectorAll(".use-selection, .passage-help").forEach(function (el) { el.hidden = false; });
  }

  document.body.addEventListener("htmx:afterSwap", function () {
    picks = {};
    boundary = {};
    paintPicks();
    enhance();
    restore();
    var list = document.querySelector(".unit-list");
    if (list) { list.focus({ preventScroll: true }); }
  });
  document.addEventListener("DOMContentLoaded", function () { enhance(); restore(); });
})();
