// @ts-check
/**
 * The storage page: the comparison table is static; below it, live figures
 * from `GET /api/stats` and a bar chart, drawn as inline SVG, of how many
 * sessions expire in each coming time bucket.
 */
/** @import { Stats } from "./api.js" */
import * as api from "./api.js";
import { initHeader, loadHeaderUser } from "./header.js";
import { formatDuration, formatNumber, onLanguageChange, setMessage, t } from "./i18n.js";
import { byId, clearStatus, isBusy, setBusy, showError, showStatus } from "./ui.js";

initHeader();
void loadHeaderUser();

const status = byId("stats-status", HTMLElement);
const live = byId("stats", HTMLElement);
const refresh = byId("stats-refresh", HTMLButtonElement);
const chart = byId("expiry-chart", HTMLElement);

/** @type {Stats | undefined} */
let stats;
/** @type {string | undefined} */
let updatedAt;

async function loadStats() {
  if (isBusy(refresh)) return;
  setBusy(refresh, "common.loading");
  if (!stats) showStatus(status, "info", { key: "common.loading" });
  try {
    stats = await api.getStats();
    updatedAt = new Date().toISOString();
    clearStatus(status);
    live.hidden = false;
    render();
  } catch (error) {
    showError(status, error);
  } finally {
    setBusy(refresh, undefined);
  }
}

function render() {
  if (!stats) return;
  byId("stat-active", HTMLElement).textContent = formatNumber(stats.activeSessions);
  byId("stat-idle", HTMLElement).textContent = formatDuration(stats.idleTimeoutSeconds);
  byId("stat-absolute", HTMLElement).textContent = formatDuration(stats.absoluteTimeoutSeconds);
  const ttl = byId("ttl-index", HTMLElement);
  ttl.hidden = stats.ttlIndex === null;
  byId("ttl-missing", HTMLElement).hidden = stats.ttlIndex !== null;
  if (stats.ttlIndex) ttl.textContent = describeIndex(stats.ttlIndex);
  setMessage(byId("chart-caption", HTMLElement), "storage.chart.caption", { bucket: { duration: stats.expiries.bucketSeconds } });
  if (updatedAt) setMessage(byId("stats-updated", HTMLElement), "common.updatedAt", { time: { time: updatedAt } });
  drawChart(stats.expiries);
}

/** The index as the mongo shell would show it in `getIndexes()`. */
/** @param {NonNullable<Stats["ttlIndex"]>} index */
function describeIndex(index) {
  const key = Object.entries(index.key).map(([field, order]) => `${field}: ${order}`).join(", ");
  return `{\n  name: "${index.name}",\n  key: { ${key} },\n  expireAfterSeconds: ${index.expireAfterSeconds}\n}`;
}

// ---- The chart ---------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 240;
const MARGIN = { top: 24, right: 16, bottom: 48, left: 40 };

/**
 * Creates an SVG element. Geometry goes in attributes, never `style`, which
 * the Content-Security-Policy (`style-src 'self'`) would block.
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number>} attributes
 * @returns {SVGElementTagNameMap[K]}
 */
function svg(tag, attributes) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** The unit the axis counts in: seconds for short buckets, hours for long ones. */
/** @param {number} bucketSeconds @returns {{ size: number, axis: "storage.chart.axis.second" | "storage.chart.axis.minute" | "storage.chart.axis.hour" }} */
function axisUnit(bucketSeconds) {
  if (bucketSeconds < 60) return { size: 1, axis: "storage.chart.axis.second" };
  if (bucketSeconds < 7200) return { size: 60, axis: "storage.chart.axis.minute" };
  return { size: 3600, axis: "storage.chart.axis.hour" };
}

/** Up to four round gridline values from 0 to at least `max`. */
/** @param {number} max */
function ticks(max) {
  if (max <= 0) return [0, 1];
  const rough = max / 3;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough) ?? power * 10);
  /** @type {number[]} */
  const values = [];
  for (let value = 0; value < max + step; value += step) values.push(value);
  return values;
}

/** Draws the chart at the container's current width, so text keeps its real size on a phone. */
/** @param {Stats["expiries"]} expiries */
function drawChart({ bucketSeconds, counts }) {
  const width = Math.max(240, Math.floor(chart.clientWidth));
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const scale = ticks(Math.max(0, ...counts));
  const top = scale.at(-1) ?? 1;
  const y = (/** @type {number} */ value) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const band = plotWidth / Math.max(1, counts.length);
  const unit = axisUnit(bucketSeconds);
  const edge = (/** @type {number} */ index) => formatNumber((index * bucketSeconds) / unit.size, { maximumFractionDigits: 1 });
  const range = (/** @type {number} */ index) => `${edge(index)}–${edge(index + 1)}`;
  // The axis is labelled at bucket edges (0, 5, 10 … minutes), as many as fit.
  const labelEvery = Math.max(1, Math.ceil(40 / band));

  const root = svg("svg", { viewBox: `0 0 ${width} ${HEIGHT}`, width, height: HEIGHT, class: "chart__svg", role: "img" });
  const bars = counts.map((count, index) => t("storage.chart.bar", { range: range(index), count }));
  root.setAttribute("aria-label", t("storage.chart.summary", { bars: `${bars.join("; ")}.` }));

  for (const value of scale) {
    root.append(
      svg("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(value), y2: y(value), class: value === 0 ? "chart__axis" : "chart__grid" }),
    );
    const label = svg("text", { x: MARGIN.left - 8, y: y(value) + 4, class: "chart__tick", "text-anchor": "end" });
    label.textContent = formatNumber(value);
    root.append(label);
  }

  counts.forEach((count, index) => {
    const barWidth = Math.max(2, band * 0.68);
    const x = MARGIN.left + index * band + (band - barWidth) / 2;
    const bar = svg("rect", { x, y: y(count), width: barWidth, height: Math.max(0, y(0) - y(count)), rx: 3, class: "chart__bar", "data-count": count });
    const title = svg("title", {});
    title.textContent = bars[index] ?? "";
    bar.append(title);
    root.append(bar);
    if (count > 0) {
      const value = svg("text", { x: x + barWidth / 2, y: y(count) - 6, class: "chart__value", "text-anchor": "middle" });
      value.textContent = formatNumber(count);
      root.append(value);
    }
  });
  for (let index = 0; index <= counts.length; index += labelEvery) {
    const x = MARGIN.left + index * band;
    root.append(svg("line", { x1: x, x2: x, y1: y(0), y2: y(0) + 5, class: "chart__axis" }));
    const label = svg("text", { x, y: y(0) + 19, class: "chart__tick", "text-anchor": "middle" });
    label.textContent = edge(index);
    root.append(label);
  }

  const axis = svg("text", { x: MARGIN.left + plotWidth / 2, y: HEIGHT - 6, class: "chart__axis-title", "text-anchor": "middle" });
  axis.textContent = t(unit.axis);
  root.append(axis);
  chart.replaceChildren(root);
  if (counts.every((count) => count === 0)) {
    const empty = document.createElement("p");
    empty.className = "chart__empty";
    setMessage(empty, "storage.chart.empty");
    chart.append(empty);
  }
}

// Redraw at the new width; the observer also fires once when the chart first shows.
new ResizeObserver(() => {
  if (stats) drawChart(stats.expiries);
}).observe(chart);
onLanguageChange(render);
refresh.addEventListener("click", () => void loadStats());
void loadStats();
