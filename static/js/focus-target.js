// A link to "#id" of an element made focusable with tabindex="-1" (the agreement report's
// per-code section heading) moves keyboard focus there when the page opens, so a keyboard
// user continues from that section (the browser only scrolls to it).
const id = decodeURIComponent(window.location.hash.slice(1));
const target = id && document.getElementById(id);
if (target && target.getAttribute("tabindex") === "-1") target.focus();
