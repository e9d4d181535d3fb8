// "Copy" buttons: <button data-copy="#element-id"> copies that input's value or that element's
// text; the result is said in a sibling [data-copy-status] (polite live region). The message
// on success is the button's data-copied (default "Copied to the clipboard."). Buttons marked
// `hidden` appear only where the Clipboard API exists (elsewhere people select and copy).
// Delegated on document, so buttons in fragments swapped in by htmx work too.
const sourceOf = (button) => {
  const ref = button.dataset.copy;
  return ref.startsWith("#") ? document.querySelector(ref) : document.getElementById(ref);
};

if (navigator.clipboard) {
  for (const button of document.querySelectorAll("button[data-copy][hidden]")) button.hidden = false;
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = sourceOf(button);
  if (!source) return;
  const status = button.parentElement.querySelector("[data-copy-status]");
  const isField = "value" in source && source.tagName !== "BUTTON";
  const text = isField ? source.value : source.innerText.trim();
  if (isField) source.select();
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch {
    copied = isField && document.execCommand && document.execCommand("copy");
  }
  if (status) {
    status.textContent = copied
      ? button.dataset.copied || gettext("Copied to the clipboard.")
      : gettext("Could not copy: select the text and copy it (Ctrl+C).");
  }
});
