// Dashboard charts: each <figure data-chart> carries its data in a <script type="application/json"> (data,
// not code, as the Content-Security-Policy wants) and is drawn here with the vendored uPlot. The server
// writes every figure the legend shows (formatMoney, in the viewer's locale); this file only draws.
// window.relanceCharts keeps each chart by its figure's id, for the browser tests and the console.
(function () {
  "use strict";
  var charts = window.relanceCharts = {};
  var colors = ["#1f6feb", "#d4761b", "#2da44e", "#8250df", "#cf222e", "#0f8b8d", "#9a6700", "#57606a"];
  var HEIGHT = 240;

  function xLabel(ts, data, long) {
    var opts = data.x_kind === "month" ? { month: long ? "long" : "short", year: "numeric", timeZone: "UTC" }
      : { day: "numeric", month: "short", timeZone: "UTC" };
    if (long && data.x_kind !== "month") { opts.year = "numeric"; opts.weekday = "short"; }
    return new Date(ts * 1000).toLocaleDateString(data.locale, opts);
  }

  function tick(data, unit) {
    var nf = new Intl.NumberFormat(data.locale, { notation: "compact", maximumFractionDigits: 1 });
    return function (u, splits) {
      return splits.map(function (v) { return v == null ? "" : nf.format(v) + (unit === "ratio" ? "×" : ""); });
    };
  }

  // lastIndex is the latest point any series has a value at: what the legend shows when no point is hovered.
  function lastIndex(data) {
    for (var i = data.x.length - 1; i >= 0; i--) {
      for (var s = 0; s < data.series.length; s++) {
        if (data.series[s].values[i] != null && data.series[s].values[i] !== 0) { return i; }
      }
    }
    return data.x.length - 1;
  }

  function draw(fig) {
    var src = fig.querySelector("script.chart-data");
    var box = fig.querySelector(".chart-canvas");
    if (!src || !box || typeof uPlot === "undefined") { return; }
    var data = JSON.parse(src.textContent);
    var rest = lastIndex(data);
    var at = function (idx) { return idx == null ? rest : idx; };
    var cols = [data.x];
    var series = [{
      label: data.x_kind === "month" ? "Month" : "Day",
      value: function (u, v, si, idx) { var i = at(idx); return i < 0 ? "" : xLabel(data.x[i], data, true); }
    }];
    var units = { left: null, right: null };
    var barPaths = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : null;
    data.series.forEach(function (s, n) {
      units[s.axis] = units[s.axis] || s.unit;
      cols.push(s.values);
      var bars = s.bars ? barPaths : null;
      series.push({
        label: s.label,
        scale: s.axis === "right" ? "right" : "left",
        stroke: colors[n % colors.length],
        fill: bars ? colors[n % colors.length] + "99" : undefined,
        width: 2,
        paths: bars || undefined,
        spanGaps: false,
        points: { show: !bars && data.x.length <= 31 },
        value: function (u, v, si, idx) { var i = at(idx); return i < 0 ? "" : (s.text[i] || "—"); }
      });
    });
    var axes = [{ values: function (u, splits) { return splits.map(function (v) { return xLabel(v, data, false); }); } }];
    axes.push({ scale: "left", values: tick(data, units.left), label: units.left === "money" ? data.currency : undefined, size: 60 });
    if (units.right) {
      axes.push({ scale: "right", side: 1, grid: { show: false }, values: tick(data, units.right), size: 50 });
    }
    var opts = {
      width: Math.max(box.clientWidth, 240),
      height: HEIGHT,
      series: series,
      axes: axes,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "UTC"); },
      scales: { x: { time: true }, left: { range: function (u, lo, hi) { return [Math.min(0, lo || 0), hi > 0 ? hi * 1.1 : 1]; } },
        right: { range: function (u, lo, hi) { return [Math.min(0, lo || 0), hi > 0 ? hi * 1.1 : 1]; } } },
      legend: { live: true }
    };
    var u = new uPlot(opts, cols, box);
    charts[fig.id] = u;
    fig.setAttribute("data-drawn", "true");
    var resize = function () { u.setSize({ width: Math.max(box.clientWidth, 240), height: HEIGHT }); };
    if (typeof ResizeObserver !== "undefined") {
      var last = box.clientWidth;
      new ResizeObserver(function () { if (box.clientWidth !== last) { last = box.clientWidth; resize(); } }).observe(box);
    } else {
      window.addEventListener("resize", resize);
    }
  }

  function drawAll() {
    document.querySelectorAll("figure[data-chart]:not([data-drawn])").forEach(function (fig) {
      try { draw(fig); } catch (e) { fig.setAttribute("data-error", String(e && e.message || e)); throw e; }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawAll); } else { drawAll(); }
  document.addEventListener("htmx:afterSwap", drawAll);
})();
