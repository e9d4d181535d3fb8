// Codebook tree: drag and drop, and focus kept after htmx redraws the tree.
// Optional: every move also works with the arrow buttons (forms) and the "Move" form.
(function () {
  "use strict";

  var dragged = null;

  function zone(node, event) {
    var rect = node.querySelector(".cb-row").getBoundingClientRect();
    var y = event.clientY - rect.top;
    if (y < rect.height * 0.3) return "before";
    if (y > rect.height * 0.7) return "after";
    return "inside";
  }

  function clearMarks() {
    document.querySelectorAll(".cb-drop-before, .cb-drop-after, .cb-drop-inside").forEach(function (el) {
      el.classList.remove("cb-drop-before", "cb-drop-after", "cb-drop-inside");
    });
  }

  function nodeAt(event) {
    var node = event.target.closest && event.target.closest(".cb-node");
    if (!node || !dragged || dragged.contains(node)) return null; // never onto itself or a subcode
    return node;
  }

  document.addEventListener("dragstart", function (event) {
    var node = event.target.closest && event.target.closest(".cb-node[draggable=true]");
    if (!node) return;
    dragged = node;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", node.dataset.codeId);
    node.classList.add("is-dragging");
  });

  document.addEventListener("dragover", function (event) {
    var node = nodeAt(event);
    if (!node) return;
    event.preventDefault();
    clearMarks();
    node.classList.add("cb-drop-" + zone(node, event));
  });

  document.addEventListener("dragend", function () {
    clearMarks();
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
  });

  document.addEventListener("drop", function (event) {
    var node = nodeAt(event);
    if (!node) return;
    event.preventDefault();
    var where = zone(node, event);
    var parent = "";
    var position = "";
    if (where === "inside") {
      parent = node.dataset.codeId; // last among its subcodes
    } else {
      var parentNode = node.parentElement.closest(".cb-node");
      parent = parentNode ? parentNode.dataset.codeId : "";
      // data-index counts all siblings (the filter may hide some); the server counts them
      // without the dragged code.
      var index = Number(node.dataset.index) + (where === "after" ? 1 : 0);
      var sameParent = dragged.parentElement === node.parentElement;
      if (sameParent && Number(dragged.dataset.index) < index) index -= 1;
      position = String(index + 1);
    }
    var source = dragged;
    clearMarks();
    htmx.ajax("POST", source.dataset.moveUrl, {
      source: source,
      target: "#code-tree",
      swap: "outerHTML",
      values: { parent: parent, position: position },
    });
  });

  // A disabled button cannot keep focus (e.g. "up" once a code is first): fall back to the
  // code's name so keyboard users stay where they were.
  var lastFocus = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    var node = active && active.closest && active.closest("#code-tree .cb-node");
    lastFocus = node ? { id: active.id, code: node.dataset.codeId } : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!lastFocus) return;
    var wanted = lastFocus.id && document.getElementById(lastFocus.id);
    if (wanted && !wanted.disabled) {
      if (document.activeElement !== wanted) wanted.focus();
    } else {
      var link = document.getElementById("cb-link-" + lastFocus.code);
      if (link) link.focus();
    }
    lastFocus = null;
  });
})();
