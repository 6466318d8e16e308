// The dashboard's Chart.js charts, drawn from the JSON the page embeds (#kpi-charts).
// A file, not an inline script: the Content-Security-Policy allows only our own scripts.
(function () {
  const source = document.getElementById("kpi-charts");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  // Rates are fractions: the third chart shows them as percentages.
  const asPercent = { ticks: { callback: function (v) { return Math.round(v * 1000) / 10 + "%"; } } };
  data.charts.forEach(function (datasets, index) {
    const canvas = document.getElementById("chart-" + index);
    if (!canvas) return;
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets.map(function (d) { return { label: d.label, data: d.data, spanGaps: true }; }) },
      options: { responsive: true, plugins: { legend: { position: "bottom" } }, scales: index === 2 ? { y: asPercent } : {} }
    });
  });
})();
