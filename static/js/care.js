// Charts of the complaints statistics and survey results (ECharts 6.1.0,
// vendored). The CSP forbids inline script and style: the data come from a
// data-inline attribute or a JSON endpoint (data-src), sizes from care.css.
(function () {
  "use strict";
  var brand = "#ea580c";
  function draw(el, d) {
    if (!window.echarts || !d) return;
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var kind = el.getAttribute("data-kind") || "bar";
    var title = { text: el.getAttribute("data-title") || "", left: 0, textStyle: { fontSize: 14 } };
    var opt;
    if (kind === "trend") {
      opt = {
        title: title, tooltip: { trigger: "axis" }, legend: { right: 0, top: 0, data: d.names },
        grid: { left: 48, right: 48, top: 64, bottom: 30 },
        xAxis: { type: "category", data: d.labels },
        yAxis: [{ type: "value", min: -100, max: 100, name: "NPS" }, { type: "value", min: 0, max: 100, name: "%" }],
        series: [
          { name: d.names[0], type: "line", data: d.nps, connectNulls: true, itemStyle: { color: brand }, label: { show: true } },
          { name: d.names[1], type: "bar", yAxisIndex: 1, data: d.rate, barMaxWidth: 48, itemStyle: { color: "#fdba74" } }
        ]
      };
    } else {
      opt = {
        title: title, tooltip: {}, grid: { left: 110, right: 30, top: 36, bottom: 20 },
        xAxis: { type: "value", minInterval: 1, max: kind === "bar5" ? 5 : null, min: 0 },
        yAxis: { type: "category", data: (d.labels || []).slice().reverse() },
        series: [{ type: "bar", barMaxWidth: 36, data: (d.values || []).slice().reverse(), itemStyle: { color: brand },
          label: { show: true, position: "right" } }]
      };
    }
    chart.setOption(opt);
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-drawn", "1");
  }
  var cache = {};
  function load(src) {
    if (!cache[src]) {
      cache[src] = fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); });
    }
    return cache[src];
  }
  document.addEventListener("DOMContentLoaded", function () {
    var els = document.querySelectorAll(".care-chart");
    Array.prototype.forEach.call(els, function (el) {
      var inline = el.getAttribute("data-inline");
      if (inline) {
        try { draw(el, JSON.parse(inline)); } catch (e) { /* leave the table beside it */ }
        return;
      }
      var src = el.getAttribute("data-src");
      if (src) {
        load(src).then(function (all) { draw(el, all[el.getAttribute("data-key")]); });
      }
    });
  });
})();
