// "Copy link" buttons: <button data-copy="#input-id">, status in a sibling [data-copy-status].
// Delegated on document so that buttons in fragments swapped in by htmx work too.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const input = document.querySelector(button.dataset.copy);
  const status = button.parentElement.querySelector("[data-copy-status]");
  if (!input) return;
  input.select();
  let copied = false;
  try {
    await navigator.clipboard.writeText(input.value);
    copied = true;
  } catch {
    copied = document.execCommand && document.execCommand("copy");
  }
  if (status) status.textContent = copied ? "Link copied." : "Select the link and copy it (Ctrl+C).";
});
