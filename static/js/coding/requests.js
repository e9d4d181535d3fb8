/* Requests to the server (htmx), and a coding request from "Saving…" to saved, failed
 * (retry, discard) or stale (the picker opens again on the moved passage).
 */
import { app, byId, page, say, transcriptEl } from "./page.js";
import { openPicker, remember } from "./picker.js";
import { mark, resetIndex } from "./transcript.js";

function csrfHeaders() {
  try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) { return {}; }
}

export function urlFor(kind, id) {
  return page.urls[kind].replace(/\/0\/(delete\/)?$/, (m, del) => "/" + id + "/" + (del || ""));
}

function setStatus(text, cls) {
  const status = byId("save-status");
  if (!status) return;
  status.textContent = text;
  status.className = "save-status" + (cls ? " " + cls : "");
}

export function post(url, values) {
  setStatus(gettext("Saving…"), "is-saving");
  // The source must outlive the swap: response events are dispatched on it.
  return htmx.ajax("POST", url, {
    source: app,
    target: "#transcript",
    swap: "outerHTML",
    headers: csrfHeaders(),
    // partial: the answer holds only the turns, codebook rows and segment entries that changed.
    values: Object.assign({ view: page.view, code_filter: page.codeFilter || "", partial: "1" }, values),
  });
}

// --- pending coding: saving, failed, retry, discard ------------------------------------

let requestStarted = false;
let pendingRequest = null; // {span, codeIds, newCode, memo}
const pendingBar = byId("pending-bar");

function showFailure(message, canRetry) {
  if (!pendingRequest) return;
  mark("saving", null);
  mark("failed", pendingRequest.span);
  byId("pending-text").textContent = message ? interpolate(gettext("Not saved: %(reason)s"), { reason: message }, true) : gettext("Not saved");
  pendingBar.querySelector("[data-retry]").hidden = !canRetry;
  pendingBar.hidden = false;
  setStatus(gettext("Not saved"), "is-failed");
}

function clearPending() {
  pendingRequest = null;
  pendingBar.hidden = true;
  mark("saving", null);
  mark("failed", null);
}

export function submitCoding(request) {
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
  setStatus(gettext("Saving…"), "is-saving");
  // htmx starts the request inside the submit event; if it did not (a submit the browser
  // ignored, a request still in flight), say so instead of "Saving…" for ever.
  requestStarted = false;
  form.requestSubmit();
  if (!requestStarted) showFailure(gettext("the request could not be sent"), true);
}

let toastTimer = null;
/** What the toast says, for the live region: its text's nodes (a code's name stays in its
 * translate="no" span), or null without a toast. */
function toastWords(toast) {
  const text = toast && toast.querySelector(".toast-text");
  return text && text.textContent.trim() ? Array.from(text.childNodes) : null;
}

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

export function undo() {
  const form = byId("undo-form");
  if (form) form.requestSubmit();
}


/** The pending bar's buttons and the answers to coding requests (htmx events, the
 * segment-* events the server triggers). */
export function initRequests() {
  pendingBar.querySelector("[data-retry]").addEventListener("click", () => {
    if (!pendingRequest) return;
    pendingBar.hidden = true;
    mark("failed", null);
    submitCoding(pendingRequest);
  });
  pendingBar.querySelector("[data-discard]").addEventListener("click", () => {
    clearPending();
    setStatus("", "");
    say(gettext("Discarded."));
    transcriptEl().focus();
  });

  document.body.addEventListener("htmx:beforeSend", (event) => {
    if (event.target === byId("picker")) requestStarted = true;
  });

  document.body.addEventListener("htmx:afterRequest", (event) => {
    const detail = event.detail;
    if (detail.successful) return;
    if (pendingRequest && event.target === byId("picker")) {
      const status = detail.xhr ? detail.xhr.status : 0;
      const message = status === 403 ? gettext("you cannot code in this layer")
        : status === 404 ? gettext("the transcript is no longer available")
        : status ? interpolate(gettext("the server answered %(status)s"), { status }, true) : gettext("no connection");
      showFailure(message, status === 0 || status >= 500);
    } else {
      setStatus(gettext("Not saved"), "is-failed");
      say(gettext("Not saved."));
    }
  });

  document.body.addEventListener("segment-created", (event) => {
    const span = pendingRequest && pendingRequest.span;
    if (pendingRequest) remember(pendingRequest.codeIds);
    clearPending();
    const toast = byId("toast");
    say(toastWords(toast) || gettext("Saved."));
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
    resetIndex();
    mark("saving", null);
    if (pendingRequest && d.start !== undefined && d.quote) {
      const again = pendingRequest;
      pendingRequest = null;
      pendingBar.hidden = true;
      const span = { start: d.start, end: d.end, quote: d.quote };
      openPicker(span, { ticked: again.codeIds, memo: again.memo });
    } else {
      showFailure(gettext("the transcript changed and the passage is gone"), false);
    }
  });
  for (const name of ["segment-deleted", "segment-updated", "segment-undone"]) {
    document.body.addEventListener(name, () => {
      const toast = byId("toast");
      say(toastWords(toast) || gettext("Saved."));
      showToast();
      // The confirmation's button went with the old toast: back to the transcript.
      if (!document.activeElement || document.activeElement === document.body) {
        const root = transcriptEl();
        if (root) root.focus({ preventScroll: true });
      }
    });
  }

  // Undo would remove an auto-coding batch from other transcripts too: the toast asks
  // ("Undo auto-coding 'x': 37 passages in 12 transcripts?"); its button posts the undo
  // again with the batch's id, Keep or Esc leave everything as it is.
  document.body.addEventListener("segment-undo-confirm", () => {
    const toast = byId("toast");
    const button = toast && toast.querySelector("[data-undo-confirm] button[type=submit]");
    if (!button) return;
    setStatus("", "");
    showToast();
    button.focus();
    say(toast.querySelector(".toast-text").textContent + " Enter undoes the batch, Escape keeps it.");
  });
  const keep = () => {
    const toast = byId("toast");
    if (toast) toast.replaceChildren();
    say(gettext("Kept: nothing was undone."));
    const root = transcriptEl();
    if (root) root.focus({ preventScroll: true });
  };
  document.addEventListener("click", (event) => {
    if (event.target.closest("#toast [data-undo-keep]")) keep();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && event.target.closest && event.target.closest("#toast [data-undo-confirm]")) {
      event.preventDefault();
      keep();
    }
  });
}
