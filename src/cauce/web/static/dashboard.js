// Charts of the supervisor dashboard (chart.js from npm), drawn from the JSON the server embeds in
// <script type="application/json" id="dashboard-data"> (the CSP allows no inline scripts).
// Also the print button of the management report.
(function () {
  "use strict";

  const PALETTE = ["#0b5f66", "#d98a00", "#a3161a", "#2f6f9f", "#7b5ea7", "#176c3a", "#8a4b00", "#56606e"];
  const SPIKE = "#a3161a";

  function readData() {
    const node = document.getElementById("dashboard-data");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent || "{}");
    } catch (err) {
      return null;
    }
  }

  function dayLabel(iso) {
    const parts = String(iso).split("-");
    return parts.length === 3 ? parts[2] + "/" + parts[1] : String(iso);
  }

  function chart(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas || typeof window.Chart === "undefined") return null;
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    return new window.Chart(canvas, config);
  }

  function empty(id, items) {
    if (items && items.length) return false;
    const canvas = document.getElementById(id);
    if (canvas) {
      const note = document.createElement("p");
      note.className = "muted";
      note.textContent = document.documentElement.lang === "en" ? "No data in this period." : "Sin datos en este periodo.";
      canvas.replaceWith(note);
    }
    return true;
  }

  function draw(data) {
    const spikes = new Set(data.spike_days || []);
    const volumeSets = (data.by_type || []).map(function (s, i) {
      return { type: "bar", label: s.label, data: s.data, backgroundColor: PALETTE[i % PALETTE.length], stack: "pqr" };
    });
    if (data.spike_threshold !== null && data.spike_threshold !== undefined) {
      volumeSets.push({
        type: "line", label: document.documentElement.lang === "en" ? "Spike threshold (mean + 2σ)" : "Umbral de pico (media + 2σ)",
        data: data.days.map(function () { return data.spike_threshold; }), borderColor: SPIKE, borderDash: [6, 4],
        pointRadius: 0, borderWidth: 1.5, fill: false,
      });
    }
    if (!empty("chart-volume", data.totals && data.totals.some(function (n) { return n > 0; }) ? data.totals : [])) {
      chart("chart-volume", {
        data: { labels: data.days.map(function (d) { return (spikes.has(d) ? "▲ " : "") + dayLabel(d); }), datasets: volumeSets },
        options: { scales: { x: { stacked: true, ticks: { color: function (ctx) { return spikes.has(data.days[ctx.index]) ? SPIKE : "#56606e"; } } },
                             y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
                   plugins: { legend: { position: "bottom" } } },
      });
    }
    if (!empty("chart-categories", data.categories)) {
      chart("chart-categories", {
        type: "bar",
        data: { labels: data.categories.map(function (c) { return c.label; }),
                datasets: [{ label: "Casos", data: data.categories.map(function (c) { return c.value; }), backgroundColor: "#2f6f9f" }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
      });
    }
    if (!empty("chart-brands", data.brands)) {
      chart("chart-brands", {
        data: { labels: data.brands.map(function (b) { return b.label; }), datasets: [
          { type: "bar", label: "Mediana", data: data.brands.map(function (b) { return b.median; }), backgroundColor: "#0b5f66" },
          { type: "bar", label: "p90", data: data.brands.map(function (b) { return b.p90; }), backgroundColor: "#9ccfd3" },
          { type: "line", label: "Meta", data: data.brands.map(function (b) { return b.target; }), borderColor: SPIKE,
            backgroundColor: SPIKE, showLine: false, pointStyle: "line", pointRadius: 14, pointBorderWidth: 3 },
        ] },
        options: { scales: { y: { beginAtZero: true } }, plugins: { legend: { position: "bottom" } } },
      });
    }
    if (!empty("chart-satisfaction", (data.satisfaction || []).some(function (s) { return s.value > 0; }) ? data.satisfaction : [])) {
      chart("chart-satisfaction", {
        type: "bar",
        data: { labels: data.satisfaction.map(function (s) { return s.label; }),
                datasets: [{ label: "Respuestas", data: data.satisfaction.map(function (s) { return s.value; }),
                             backgroundColor: ["#a3161a", "#d9622b", "#d98a00", "#5f9f4f", "#176c3a"] }] },
        options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      });
    }
    if (!empty("chart-backlog", data.backlog)) {
      chart("chart-backlog", {
        type: "doughnut",
        data: { labels: data.backlog.map(function (b) { return b.label; }),
                datasets: [{ data: data.backlog.map(function (b) { return b.value; }), backgroundColor: PALETTE }] },
        options: { plugins: { legend: { position: "right" } } },
      });
    }
  }

  function init() {
    const printButton = document.querySelector("[data-print]");
    if (printButton) printButton.addEventListener("click", function () { window.print(); });
    const data = readData();
    if (data) draw(data);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
