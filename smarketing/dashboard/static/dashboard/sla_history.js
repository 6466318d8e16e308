// An SLA's history: one bar per period coloured by its result, the target as a dashed line.
// Data comes from the page's json_script block (no inline script: the CSP forbids them).
(function () {
  "use strict";
  var source = document.getElementById("sla-history");
  var canvas = document.getElementById("sla-history-chart");
  if (!source || !canvas || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var isRate = data.unit === "rate";
  var tick = function (value) {
    return isRate ? Math.round(value * 1000) / 10 + "%" : value.toLocaleString();
  };
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: data.kpi_label, data: data.values, backgroundColor: data.colours, order: 2 },
        {
          type: "line", label: "Target", data: data.targets, borderColor: "#1d2433", borderWidth: 2,
          borderDash: [6, 4], pointRadius: 0, stepped: "middle", fill: false, order: 1
        }
      ]
    },
    options: {
      responsive: true,
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + tick(item.parsed.y); } } }
      },
      scales: { y: { beginAtZero: true, ticks: { callback: tick } } }
    }
  });
})();
