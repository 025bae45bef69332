// Charts of /admin/reports and the dashboard's sparklines (ECharts 6.1.0,
// vendored). The CSP forbids inline script and style: each chart's data is a
// data-inline attribute {kind, labels, series:[{name, data}]}, sizes in
// reports.css. The table beside each chart carries the same figures.
(function () {
  "use strict";
  var colors = ["#ea580c", "#2563eb", "#dc2626", "#16a34a", "#9333ea", "#0891b2"];
  function draw(el, d) {
    if (!window.echarts || !d) return;
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var title = { text: el.getAttribute("data-title") || "", left: 0, textStyle: { fontSize: 14 } };
    var opt;
    if (d.kind === "pie") {
      opt = { title: title, color: colors, tooltip: { trigger: "item" }, legend: { bottom: 0 },
        series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b}: {c}" },
          data: (d.labels || []).map(function (l, i) { return { name: l, value: d.series[0].data[i] }; }) }] };
    } else if (d.kind === "spark") {
      opt = { color: colors, grid: { left: 2, right: 2, top: 4, bottom: 4 }, tooltip: { trigger: "axis" },
        xAxis: { type: "category", show: false, data: d.labels }, yAxis: { type: "value", show: false },
        series: [{ type: "line", data: d.series[0].data, name: d.series[0].name, symbol: "none", smooth: true, areaStyle: { opacity: 0.15 } }] };
    } else {
      opt = { title: title, color: colors, tooltip: { trigger: "axis" }, legend: { right: 0, top: 0 },
        grid: { left: 60, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: d.labels }, yAxis: { type: "value" },
        series: (d.series || []).map(function (s) {
          return { name: s.name, type: d.kind === "line" ? "line" : "bar", stack: d.kind === "stack" ? "all" : null, data: s.data, barMaxWidth: 40 };
        }) };
    }
    chart.setOption(opt);
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-drawn", "1");
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".report-chart, .spark"), function (el) {
      try { draw(el, JSON.parse(el.getAttribute("data-inline"))); } catch (e) { /* the table beside it stays */ }
    });
    // ?print=1 (the 打印 link) opens the print dialog once the charts are drawn.
    if (document.querySelector("[data-autoprint]") && window.print) {
      window.setTimeout(function () { window.print(); }, 300);
    }
  });
})();
