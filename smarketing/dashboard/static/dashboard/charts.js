// Draws every chart of a page from the JSON the page carries (id "charts-data"), built by
// smarketing/dashboard/charts.py. A static file: no inline script (Content-Security-Policy).
(function () {
  "use strict";
  const source = document.getElementById("charts-data");
  if (!source || typeof Chart === "undefined") return;
  const charts = JSON.parse(source.textContent);
  const symbols = { USD: "$", EUR: "€", GBP: "£" };

  function formatter(unit, currency) {
    return function (value) {
      if (value === null || value === undefined) return "no data";
      const number = Number(value);
      switch (unit) {
        case "rate": return (Math.round(number * 1000) / 10).toLocaleString("en-US") + "%";
        case "money": {
          const text = number.toLocaleString("en-US", { maximumFractionDigits: 0 });
          return symbols[currency] ? symbols[currency] + text : text + " " + currency;
        }
        case "days": return number.toLocaleString("en-US", { maximumFractionDigits: 1 }) + " d";
        case "hours": return number.toLocaleString("en-US", { maximumFractionDigits: 1 }) + " h";
        case "index": case "score": return number.toLocaleString("en-US", { maximumFractionDigits: 1 });
        default: return number.toLocaleString("en-US", { maximumFractionDigits: 1 });
      }
    };
  }

  Chart.defaults.color = "#3f4757";
  Chart.defaults.borderColor = "#8a93a6";
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const spec = charts[canvas.dataset.chart];
    if (!spec) return;
    const format = formatter(spec.unit, spec.currency);
    const y = { ticks: { callback: format }, stacked: spec.stacked, grid: { color: "#e3e6ee" } };
    if (spec.unit === "index") { y.min = 0; y.max = 100; }
    if (spec.type === "bar" || spec.unit === "count" || spec.unit === "money") y.beginAtZero = true;
    new Chart(canvas, {
      type: spec.type,
      data: spec.data,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.type === "bar" ? "y" : "x",
        scales: spec.type === "bar"
          ? { x: Object.assign({}, y, { beginAtZero: true }), y: { stacked: spec.stacked, grid: { display: false } } }
          : { y: y, x: { grid: { display: false } } },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, boxWidth: 10 } },
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + format(item.raw); },
            },
          },
        },
      },
    });
  });
})();
