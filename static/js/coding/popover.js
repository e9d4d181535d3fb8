/* The popover listing the codes at a highlight (change, memo, adjust, remove), and the
 * tooltip of a margin stripe.
 */
import { snippet } from "./offsets.js";
import { byId, fmt, page, setMessage, transcriptEl, user } from "./page.js";
import { startAdjust } from "./adjust.js";
import { closePicker, openPicker } from "./picker.js";
import { post, urlFor } from "./requests.js";
import { getIndex, marksOf, position, textBetween } from "./transcript.js";

const pop = byId("seg-pop");
let popState = null;

export function segWords(id, seg) {
  return interpolate(gettext("%(code)s, by %(coder)s"), { code: seg.n, coder: seg.l }, true);
}

export function openPopover(ids, anchorEl, returnFocus) {
  const idx = getIndex();
  const segs = ids.map((id) => [id, idx.segs[String(id)]]).filter(([, s]) => s);
  if (!segs.length) return;
  closePicker(false);
  popState = { ids, returnFocus: returnFocus || transcriptEl() };
  const heading = document.createElement("h3");
  heading.textContent = interpolate(ngettext("%(count)s code here", "%(count)s codes here", segs.length), { count: segs.length }, true);
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
    name.setAttribute("translate", "no");
    // Bilingual codebooks: the code's name in the study's other language beside it.
    const other = document.createElement("span");
    other.className = "seg-other";
    if (seg.o) { other.textContent = seg.o; other.lang = seg.ol; other.setAttribute("translate", "no"); }
    const meta = document.createElement("span");
    meta.className = "seg-meta";
    const metaParts = fmt(gettext("%(path)s · by %(coder)s"), { path: user(seg.p), coder: user(seg.l) });
    if (seg.v) metaParts.push(" · " + seg.v);
    if (seg.r) metaParts.push(gettext(" · changed since coding: needs review"));
    setMessage(meta, metaParts);
    head.append(sw, name, other, meta);
    const quote = document.createElement("div");
    quote.className = "seg-meta";
    const words = user("“" + snippet(textBetween(seg.s, seg.e), 90) + "”");
    setMessage(quote, seg.m ? fmt(gettext("%(quote)s · Memo: %(memo)s"), { quote: words, memo: user(snippet(seg.m, 80)) }) : fmt("%(quote)s", { quote: words }));
    li.append(head, quote);
    const actions = document.createElement("div");
    actions.className = "seg-actions";
    if (seg.w) {
      for (const [act, label] of [["change", pgettext("verb", "Change")], ["memo", gettext("Memo")], ["adjust", gettext("Adjust span")], ["remove", gettext("Remove")]]) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "button small secondary";
        b.dataset.act = act;
        b.textContent = label;
        b.setAttribute("aria-label", interpolate(gettext("%(action)s: %(segment)s"), { action: label, segment: segWords(id, seg) }, true));
        actions.appendChild(b);
      }
    }
    // Any highlight one may see can be marked as an exemplar (a link: the form is a page).
    if (page.urls.exemplar) {
      const a = document.createElement("a");
      a.className = "button small secondary";
      a.href = page.urls.exemplar + "?" + new URLSearchParams({ segment: id, next: location.pathname + location.search });
      a.textContent = gettext("Exemplar…");
      a.setAttribute("aria-label", interpolate(gettext("Mark as exemplar: %(segment)s"), { segment: segWords(id, seg) }, true));
      actions.appendChild(a);
    }
    if (actions.childElementCount) li.appendChild(actions);
    ul.appendChild(li);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.className = "link-button";
  close.dataset.act = "close";
  close.textContent = gettext("Close");
  pop.replaceChildren(heading, ul, close);
  const first = segs[0][1];
  position(pop, anchorEl ? null : { start: first.s, end: first.e }, anchorEl);
  (pop.querySelector("button") || close).focus({ preventScroll: true });
}

export function closePopover(restore) {
  if (!popState) return;
  const state = popState;
  popState = null;
  pop.hidden = true;
  pop.replaceChildren();
  if (restore) (document.contains(state.returnFocus) ? state.returnFocus : transcriptEl()).focus({ preventScroll: true });
}


// Hovering a stripe tints its span and shows path, coder and date in a tooltip that
// stays while hovered and closes with Esc (WCAG 1.4.13).
const tip = byId("stripe-tip");
let tipTimer = null;
function showTip(stripe) {
  const id = stripe.dataset.seg;
  const seg = getIndex().segs[id];
  transcriptEl().querySelectorAll("mark.is-hover").forEach((m) => m.classList.remove("is-hover"));
  for (const m of marksOf(id)) m.classList.add("is-hover");
  if (!seg || !tip) return;
  window.clearTimeout(tipTimer);
  const parts = fmt(gettext("%(path)s · by %(coder)s"), { path: user(seg.p + (seg.o ? " (" + seg.o + ")" : "")), coder: user(seg.l) });
  if (seg.d) parts.push(" · " + seg.d);
  if (seg.m) parts.push(...fmt(gettext(" · Memo: %(memo)s"), { memo: user(snippet(seg.m, 60)) }));
  setMessage(tip, parts);
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
/** The popover's buttons, Escape, and the tooltip staying while hovered. */
export function initPopover() {
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
      area.setAttribute("aria-label", interpolate(gettext("Memo for %(segment)s"), { segment: segWords(id, seg) }, true));
      const save = document.createElement("button");
      save.type = "button";
      save.className = "button small";
      save.textContent = gettext("Save memo");
      save.addEventListener("click", () => { closePopover(true); post(urlFor("update", id), { memo: area.value }); });
      li.querySelector(".seg-actions").replaceWith(area, save);
      // Placed again now that it is taller, then focused where it stands (no page jump).
      position(pop, ...(pop._placeArgs || []));
      area.focus({ preventScroll: true });
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
  if (tip) tip.addEventListener("mouseleave", () => hideTip(false));
}

/** A press outside the popover closes it. */
export function popoverMouseDown(event) {
  if (popState && !pop.contains(event.target)) closePopover(false);
}

/** Hovering a stripe or its label shows its tooltip; leaving it hides the tooltip. */
export function stripeOver(event) {
  const stripe = event.target.closest(".stripe, .stripe-label");
  if (stripe) showTip(stripe);
}
export function stripeOut(event) {
  if (event.target.closest(".stripe, .stripe-label")) hideTip(false);
}

/** Escape closes the stripe tooltip. */
export function tipKeyDown(event) {
  if (event.key === "Escape" && tip && !tip.hidden) hideTip(true);
}
