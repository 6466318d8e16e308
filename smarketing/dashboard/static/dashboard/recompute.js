// Shown while KPI snapshots are recomputed after a time-zone change: the page keeps the previous
// figures, polls the refresh jobs and reloads once the job it saw running has finished.
(function () {
  "use strict";
  const mark = document.getElementById("recomputing");
  if (!mark || !window.fetch) return;
  let sawBusy = false;
  const poll = function () {
    fetch(mark.dataset.jobs, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (jobs) {
        const list = Array.isArray(jobs) ? jobs : (jobs && jobs.results) || [];
        const busy = list.some(function (job) { return job.status === "queued" || job.status === "running"; });
        if (busy) { sawBusy = true; window.setTimeout(poll, 5000); }
        else if (sawBusy) { window.location.reload(); }
        // No job queued or running and none seen: nothing will change by waiting (no reload loop).
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  };
  poll();
})();
