// Charts drawn as inline SVG: horizontal bars, a radar, and a line over time. Scores are on the 1-10 scale.
// Every chart is an image with a title and a description; the numbers are also printed next to the marks.

import { h, replace, s } from "./dom.js";

const MAX = 10;
const FONT = 13; // .chart's font size in app.css, in the chart's own units: the size text is fitted for
const LINE = 1.2 * FONT;
const BAR_PHONE_FONT = 17; // .bar-chart's font size on phones in app.css, the largest its labels are drawn at

/** The color class of a score: weak, fair or strong (the number is always printed too). */
export function band(value) {
  if (value >= 7) return "strong";
  if (value >= 5) return "fair";
  return "weak";
}

let counter = 0;

function frame(width, height, title, description, className) {
  counter += 1;
  const titleId = `chart-title-${counter}`;
  const descId = `chart-desc-${counter}`;
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: `chart ${className}`,
    role: "img",
    "aria-labelledby": `${titleId} ${descId}`,
    preserveAspectRatio: "xMidYMid meet",
  });
  svg.append(s("title", { id: titleId }, title), s("desc", { id: descId }, description));
  return svg;
}

let ruler = null;

/** How wide `text` is at `size` pixels in the page's font. */
function textWidth(text, size = FONT) {
  ruler = ruler || document.createElement("canvas").getContext("2d");
  ruler.font = `${size}px ${getComputedStyle(document.documentElement).fontFamily}`;
  return ruler.measureText(text).width;
}

/** A label as one line, or, when it is wider than `max` and has a space, as the two most even lines. */
function wrap(text, max = 6 * FONT) {
  const words = text.split(" ");
  if (words.length < 2 || textWidth(text) <= max) return [text];
  const splits = words
    .slice(1)
    .map((_, i) => [words.slice(0, i + 1).join(" "), words.slice(i + 1).join(" ")]);
  const widest = (lines) => Math.max(...lines.map((line) => textWidth(line)));
  return splits.reduce((best, lines) => (widest(lines) < widest(best) ? lines : best));
}

/** A box that draws `draw(width)` for its own width in CSS pixels, and again whenever that width changes. */
export function fitted(draw, attrs) {
  const box = h("div", attrs);
  let drawn = 0;
  new ResizeObserver(([entry]) => {
    const width = Math.floor(entry.contentRect.width);
    if (width > 0 && width !== drawn) {
      drawn = width;
      replace(box, draw(width));
    }
  }).observe(box);
  return box;
}

function describe(rows) {
  return rows.map((r) => `${r.label}: ${r.value.toFixed(1)} out of ${MAX}`).join("; ");
}

/** Horizontal bars, one per {label, value} (value 0-10), labels on the left and the value at the bar's end.
 * The label column is at least `labelWidth` and as wide as the widest label at the largest font size. */
export function barChart(rows, { title, labelWidth = 140 } = {}) {
  const width = 420;
  const column = Math.min(
    width / 2,
    Math.max(labelWidth, Math.ceil(Math.max(...rows.map((r) => textWidth(r.label, BAR_PHONE_FONT)))) + 12),
  );
  const rowHeight = 30;
  const top = 8;
  const height = top + rows.length * rowHeight + 22;
  const plot = width - column - 44;
  const svg = frame(width, height, title, describe(rows), "bar-chart");
  for (const tick of [0, 5, 10]) {
    const x = column + (plot * tick) / MAX;
    svg.append(
      s("line", { x1: x, x2: x, y1: top - 4, y2: height - 18, class: "grid" }),
      s("text", { x, y: height - 4, class: "tick", "text-anchor": "middle" }, String(tick)),
    );
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const value = Math.max(0, Math.min(MAX, row.value));
    const w = Math.max(2, (plot * value) / MAX);
    svg.append(
      s("text", { x: column - 8, y: y + 19, class: "label", "text-anchor": "end" }, row.label),
      s("rect", {
        x: column,
        y: y + 5,
        width: w.toFixed(1),
        height: rowHeight - 10,
        rx: 3,
        class: `bar ${band(value)}`,
        "data-label": row.label,
        "data-value": value.toFixed(2),
      }),
      s("text", { x: column + w + 6, y: y + 19, class: "value" }, value.toFixed(1)),
    );
  });
  return svg;
}

/** A radar of 3 or more {label, value} axes (0-10), with rings at 2, 4, 6, 8 and 10. The picture is as large as
 * its labels need (labels at the sides on two lines when long), so none is cut off and it can be drawn small. */
export function radarChart(rows, { title } = {}) {
  const radius = 72;
  const gap = 8; // from the outer ring to a label
  const pad = 4;
  const unit = rows.map((_, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / rows.length;
    return [Math.cos(angle), Math.sin(angle)];
  });
  // Each label's box around the center: above the axis at the top, below it at the bottom, centered on the sides.
  const labels = rows.map((row, i) => {
    const [cos, sin] = unit[i];
    const anchor = Math.abs(cos) < 0.2 ? "middle" : cos > 0 ? "start" : "end";
    const lines = anchor === "middle" ? [row.label] : wrap(row.label);
    const w = Math.max(...lines.map((line) => textWidth(line)));
    const x = (radius + gap) * cos;
    const top = (radius + gap) * sin - (lines.length * LINE * (1 - sin)) / 2;
    const left = anchor === "start" ? x : anchor === "end" ? x - w : x - w / 2;
    return { x, top, left, right: left + w, bottom: top + lines.length * LINE, anchor, lines };
  });
  const minX = Math.min(-radius, ...labels.map((l) => l.left)) - pad;
  const minY = Math.min(-radius, ...labels.map((l) => l.top)) - pad;
  const width = Math.ceil(Math.max(radius, ...labels.map((l) => l.right)) + pad - minX);
  const height = Math.ceil(Math.max(radius, ...labels.map((l) => l.bottom)) + pad - minY);
  const cx = -minX;
  const cy = -minY;
  const svg = frame(width, height, title, describe(rows), "radar-chart");
  const point = (i, value) => {
    const r = (radius * value) / MAX;
    return [cx + r * unit[i][0], cy + r * unit[i][1]];
  };
  for (const ring of [2, 4, 6, 8, 10]) {
    const pts = rows
      .map((_, i) =>
        point(i, ring)
          .map((n) => n.toFixed(1))
          .join(","),
      )
      .join(" ");
    svg.append(s("polygon", { points: pts, class: "ring" }));
  }
  labels.forEach((label, i) => {
    const [x, y] = point(i, MAX);
    const lx = (cx + label.x).toFixed(1);
    svg.append(
      s("line", { x1: cx, y1: cy, x2: x.toFixed(1), y2: y.toFixed(1), class: "axis" }),
      s(
        "text",
        { class: "label", "text-anchor": label.anchor },
        label.lines.map((line, k) =>
          s("tspan", { x: lx, y: (cy + label.top + k * LINE + 0.95 * FONT).toFixed(1) }, line),
        ),
      ),
    );
  });
  const values = rows.map((row, i) => point(i, Math.max(0, Math.min(MAX, row.value))));
  svg.append(
    s("polygon", { points: values.map((p) => p.map((n) => n.toFixed(1)).join(",")).join(" "), class: "area" }),
  );
  values.forEach(([x, y], i) =>
    svg.append(
      s(
        "circle",
        {
          cx: x.toFixed(1),
          cy: y.toFixed(1),
          r: 4,
          class: "dot",
          "data-label": rows[i].label,
          "data-value": rows[i].value.toFixed(2),
        },
        s("title", null, `${rows[i].label}: ${rows[i].value.toFixed(1)}`),
      ),
    ),
  );
  return svg;
}

/** Score over time: one point per {label, value, short?} in order, joined by a line, under the date (`short`)
 * where it changes and there is room. Drawn for `width` CSS pixels, to be shown unscaled (see `fitted`). */
export function lineChart(points, { title, width = 720 } = {}) {
  const height = 240;
  const ticks = points.map((p) => p.short || p.label);
  const left = Math.max(34, Math.ceil(textWidth(ticks[0]) / 2) + 2);
  const right = Math.max(16, Math.ceil(textWidth(ticks[ticks.length - 1]) / 2) + 2);
  const top = 14;
  const bottom = 36;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const room = Math.max(...ticks.map((t) => textWidth(t))) + 12; // between the centers of two dates
  const description = points.map((p) => `${p.label}: ${p.value.toFixed(1)}`).join("; ");
  const svg = frame(width, height, title, description, "line-chart");
  for (const tick of [0, 2, 4, 6, 8, 10]) {
    const y = top + plotH - (plotH * tick) / MAX;
    svg.append(
      s("line", { x1: left, x2: width - right, y1: y, y2: y, class: "grid" }),
      s("text", { x: left - 6, y: y + 4, class: "tick", "text-anchor": "end" }, String(tick)),
    );
  }
  const step = points.length > 1 ? plotW / (points.length - 1) : 0;
  const xy = points.map((p, i) => [
    left + (points.length > 1 ? i * step : plotW / 2),
    top + plotH - (plotH * p.value) / MAX,
  ]);
  if (xy.length > 1) {
    svg.append(s("polyline", { points: xy.map((p) => p.map((n) => n.toFixed(1)).join(",")).join(" "), class: "line" }));
  }
  const lastX = xy[xy.length - 1][0];
  let shown = { x: -Infinity, text: "" };
  points.forEach((p, i) => {
    const [x, y] = xy[i];
    svg.append(
      s(
        "circle",
        { cx: x.toFixed(1), cy: y.toFixed(1), r: 5, class: `dot ${band(p.value)}`, "data-value": p.value.toFixed(2) },
        s("title", null, `${p.label}: ${p.value.toFixed(1)}`),
      ),
    );
    const fits = x - shown.x >= room && (i === points.length - 1 || lastX - x >= room);
    if (fits && ticks[i] !== shown.text) {
      svg.append(s("text", { x: x.toFixed(1), y: height - 12, class: "tick", "text-anchor": "middle" }, ticks[i]));
      shown = { x, text: ticks[i] };
    }
  });
  return svg;
}
