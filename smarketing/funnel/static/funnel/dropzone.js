// Drag-and-drop upload with a size check before sending (a file: see the CSP).
(function () {
  const zone = document.getElementById("dropzone");
  if (!zone) return;
  const input = document.getElementById("id_file");
  const name = document.getElementById("dropzone-name");
  const error = document.getElementById("dropzone-error");
  const form = document.getElementById("import-form");
  const tooLarge = () => input.files.length > 0 && input.files[0].size > Number(form.dataset.maxBytes);
  const show = () => {
    name.textContent = input.files.length ? " — " + input.files[0].name : "";
    error.textContent = tooLarge() ? "This file is larger than the limit of " + form.dataset.maxSize + "." : "";
  };
  input.addEventListener("change", show);
  // The server refuses it too, but only after the browser has sent it: say so before.
  form.addEventListener("submit", (event) => { if (tooLarge()) { event.preventDefault(); show(); } });
  ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
    event.preventDefault(); zone.classList.add("dragging");
  }));
  ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("dragging")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) { input.files = event.dataTransfer.files; show(); }
  });
})();
