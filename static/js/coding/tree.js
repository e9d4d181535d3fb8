/* The codebook column: an ARIA tree, one tab stop (roving tabindex), arrows inside.
 * Collapsed groups and the item holding the tab stop are kept here, so they survive the
 * out-of-band swaps of the codebook after every save.
 */
import { app, byId, codes, fmt, page, say, user } from "./page.js";
import { applyPicker, pickerState } from "./picker.js";

const tree = { collapsed: new Set(), current: null };

const treeEl = () => byId("codebook-tree");
const treeItems = () => (treeEl() ? Array.from(treeEl().querySelectorAll("[role=treeitem]")) : []);
const visibleItems = () => treeItems().filter((li) => !li.hidden);

export function filterCodebook() {
  const box = byId("codebook-filter");
  // data-path is both codebook languages' paths, folded (coding/segments/page.py _match_key).
  const fold = page.fold || {};
  const folded = box ? Array.from(box.value.trim().toLowerCase(), (ch) => fold[ch] || ch).join("") : "";
  const tokens = folded.split(/\s+/u).filter(Boolean);
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
  say(fmt(open ? gettext("Expanded %(code)s.") : gettext("Collapsed %(code)s."), { code: user(li.querySelector(".code-name").textContent) }));
}

function chooseItem(li) {
  const id = Number(li.dataset.code);
  if (pickerState && pickerState.mode === "create") {
    const code = codes().find((c) => c.id === id);
    if (code) applyPicker({ kind: "code", code });
    return;
  }
  // Show only this code (a link: the page reloads); the reloaded page puts focus back
  // on this item instead of leaving it on the body (restoreTreeFocus).
  try { sessionStorage.setItem(FOCUS_KEY, li.dataset.code); } catch (e) { /* ignore */ }
  li.querySelector(".code-name").click();
}

const FOCUS_KEY = "wb-codebook-focus";

/** After Enter on an item reloaded the page, focus that item again (once). */
function restoreTreeFocus() {
  let code = null;
  try {
    code = sessionStorage.getItem(FOCUS_KEY);
    sessionStorage.removeItem(FOCUS_KEY);
  } catch (e) { return; }
  const li = code && treeItems().find((x) => x.dataset.code === code && !x.hidden);
  if (li) focusItem(li);
}

/** Filter box, roving tab stop, arrow keys, twisties; a code clicked while the picker is
 * open applies it. */
export function initTree() {
  restoreTreeFocus();
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
}
