// "Copy" buttons: <button data-copy="element-id" hidden> copies that element's text.
// The button stays hidden where the Clipboard API is missing (copy by selecting instead).
const status = (button) => button.parentElement.querySelector(".copy-status");

for (const button of document.querySelectorAll("button[data-copy]")) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.copy);
    const out = status(button);
    try {
      await navigator.clipboard.writeText(source.innerText.trim());
      if (out) out.textContent = "Copied to the clipboard.";
    } catch {
      if (out) out.textContent = "Could not copy: select the text and copy it instead.";
    }
  });
}
