// Polls the import's status and fills the card until it finishes (a file: see the CSP).
(function () {
  const card = document.getElementById("import");
  if (card.dataset.finished === "1") return;
  const set = (id, value) => { document.getElementById(id).textContent = value; };
  const poll = () => fetch(card.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => response.json())
    .then((job) => {
      document.getElementById("import-bar").style.width = job.percent + "%";
      document.querySelector("[role=progressbar]").setAttribute("aria-valuenow", job.percent);
      set("import-percent", job.percent + " %");
      set("import-status", job.status); set("rows-read", job.rows_read); set("rows-stored", job.rows_stored);
      set("rows-unchanged", job.rows_unchanged); set("rows-rejected", job.rows_rejected);
      set("error-count", job.error_count); set("warning-count", job.warning_count);
      if (["succeeded", "rejected", "failed"].includes(job.status)) { window.location.reload(); }
      else { setTimeout(poll, 1000); }
    })
    .catch(() => setTimeout(poll, 3000));
  setTimeout(poll, 500);
})();
