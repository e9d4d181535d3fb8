// Disagreement review keys: J/K next/previous unit, A/B/U/I/N decide on the current unit.
// Everything also works without this file (buttons and links); keys act only while the
// unit list or one of its units has focus, never while typing in a field (WCAG 2.1.4).
(function () {
  "use strict";
  var current = null;

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
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
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
    var button = li.querySelector('button[data-key="' + key + '"]');
    if (button && "abuin".indexOf(key) >= 0) {
      event.preventDefault();
      button.click();
    }
  });

  document.addEventListener("click", function (event) {
    var li = event.target.closest(".unit-list > li.unit");
    if (li && !event.target.closest("button, a, input, summary")) { select(li, true); }
  });

  document.body.addEventListener("htmx:afterSwap", function () {
    restore();
    var list = document.querySelector(".unit-list");
    if (list) { list.focus({ preventScroll: true }); }
  });
  document.addEventListener("DOMContentLoaded", restore);
})();
