// Charts of the indicator dashboards (templates/indicators/). Each chart is a
// <div data-chart="KIND" data-source="JSON-SCRIPT-ID" data-key="PATH">; its numbers come from the
// json_script block named by data-source, and the page prints the same numbers in a table beside it.
// The words on the charts arrive translated in the block's "labels" (indicators.views._chart_labels).
/* global echarts */
(function () {
  "use strict";

  const charts = [];
  const GREY = "#6c757d";
  const FONT = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

  function lookup(data, path) {
    return path.split(".").reduce((value, key) => (value == null ? value : value[key]), data);
  }

  function short(name, length) {
    return name.length > length ? name.slice(0, length - 1) + "…" : name;
  }

  function percentText(value) {
    return value == null ? "—" : value + "%";
  }

  // Percent achieved of each indicator (bars in the state's colour) against the share expected by now (marks).
  function indicators(data, labels, el) {
    const items = data.items || data;
    el.style.setProperty("--rows", items.length);
    return {
      grid: { left: 8, right: 48, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0, data: [labels.percent, labels.expected] },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        // The tooltip is HTML: indicator names are data, so they are escaped.
        formatter: (params) =>
          echarts.format.encodeHTML(items[params[0].dataIndex].name) + "<br>" +
          params.map((p) => p.marker + echarts.format.encodeHTML(p.seriesName) + "：" + percentText(p.value)).join("<br>"),
      },
      xAxis: { type: "value", axisLabel: { formatter: "{value}%" }, max: (v) => Math.max(100, Math.ceil(v.max / 10) * 10) },
      yAxis: {
        type: "category",
        inverse: true,
        data: items.map((i) => i.name),
        axisLabel: { formatter: (name) => short(name, 14) },
      },
      series: [
        {
          name: labels.percent,
          type: "bar",
          barMaxWidth: 18,
          data: items.map((i) => ({ value: i.percent, itemStyle: { color: i.colour } })),
          label: { show: true, position: "right", formatter: (p) => percentText(p.value) },
          itemStyle: { color: GREY }, // the legend's swatch; each bar has its state's colour
        },
        {
          name: labels.expected,
          type: "scatter",
          symbol: "rect",
          symbolSize: [3, 22],
          itemStyle: { color: "#212529" },
          data: items.map((i) => i.expected),
          z: 3,
        },
      ],
    };
  }

  // Each indicator's value at the end of each quarter, as a percent of the target it is measured against.
  function trend(data) {
    // Room under the plot for a legend of long indicator names: about one line per four names.
    const legendLines = Math.ceil(data.series.length / 4);
    return {
      grid: { left: 8, right: 24, top: 16, bottom: 12 + 22 * legendLines, containLabel: true },
      legend: { type: "plain", bottom: 0, textStyle: { fontSize: 11 }, formatter: (name) => short(name, 12) },
      tooltip: {
        trigger: "axis",
        valueFormatter: percentText,
      },
      xAxis: { type: "category", data: data.periods, boundaryGap: false },
      yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      series: data.series.map((s) => ({ name: s.name, type: "line", data: s.values, symbolSize: 5 })),
    };
  }

  function statuses(data) {
    return {
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      series: [
        {
          type: "pie",
          radius: ["45%", "72%"],
          label: { formatter: "{b}\n{c}" },
          // Statuses no task has stay in the table but get no empty slice with an overlapping label.
          data: data.filter((s) => s.value).map((s) => ({ name: s.name, value: s.value, itemStyle: { color: s.colour } })),
        },
      ],
    };
  }

  // Specific tasks of each section, stacked by status.
  function sections(data) {
    return {
      grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.names, axisLabel: { formatter: (name) => short(name, 16) } },
      series: data.series.map((s) => ({
        name: s.name,
        type: "bar",
        stack: "tasks",
        barMaxWidth: 22,
        itemStyle: { color: s.colour },
        label: { show: true, formatter: (p) => (p.value ? p.value : "") },
        data: s.values,
      })),
    };
  }

  // One indicator by quarter: its actual value against the straight line to its targets.
  function indicatorTrend(data, labels) {
    return {
      grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.periods, boundaryGap: false },
      yAxis: { type: "value" },
      series: [
        { name: labels.actual, type: "line", data: data.actual, areaStyle: { opacity: 0.12 }, itemStyle: { color: "#0d6efd" } },
        { name: labels.expectedValue, type: "line", data: data.expected, lineStyle: { type: "dashed" }, itemStyle: { color: GREY } },
      ],
    };
  }

  function units(data) {
    const items = data.items;
    return {
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: items.map((i) => i.name), axisLabel: { formatter: (n) => short(n, 12) } },
      series: [{ type: "bar", barMaxWidth: 18, data: items.map((i) => i.value), label: { show: true, position: "right" }, itemStyle: { color: "#0d6efd" } }],
    };
  }

  const KINDS = { indicators, trend, statuses, sections, "indicator-trend": indicatorTrend, units };

  function draw(el) {
    const source = document.getElementById(el.dataset.source);
    const build = KINDS[el.dataset.chart];
    if (!source || !build || typeof echarts === "undefined") return;
    const blob = JSON.parse(source.textContent);
    const data = lookup(blob, el.dataset.key);
    if (data == null) return;
    const option = build(data, blob.labels || {}, el);
    const chart = echarts.init(el, null, { renderer: "svg", locale: "ZH" });
    chart.on("finished", () => scalable(el, chart));
    chart.setOption(Object.assign({ animation: false, textStyle: { fontFamily: FONT } }, option));
    charts.push(chart);
  }

  // A viewBox lets the drawn SVG scale to whatever width the print layout gives it (dashboard.css),
  // with no redraw: browsers take the print snapshot without waiting for scripts.
  function scalable(el, chart) {
    const svg = el.querySelector("svg");
    if (svg) svg.setAttribute("viewBox", `0 0 ${chart.getWidth()} ${chart.getHeight()}`);
  }

  function resizeAll() {
    // Chrome resizes the window while it lays out a print: the print CSS scales the screen drawing
    // instead, and redrawing into its auto-height boxes would draw nothing.
    if (window.matchMedia && window.matchMedia("print").matches) return;
    charts.forEach((chart) => chart.resize());
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-chart]").forEach(draw);
    window.addEventListener("resize", resizeAll);
  });
})();
