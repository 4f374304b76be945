// Charts drawn as inline SVG: horizontal bars, a radar, and a line over time. Scores are on the 1-10 scale.
// Every chart is an image with a title and a description; the numbers are also printed next to the marks.

import { s } from "./dom.js";

const MAX = 10;

/** The colour class of a score: weak, fair or strong (the number is always printed too). */
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

function describe(rows) {
  return rows.map((r) => `${r.label}: ${r.value.toFixed(1)} out of ${MAX}`).join("; ");
}

/** Horizontal bars, one per {label, value} (value 0-10), labels on the left and the value at the bar's end. */
export function barChart(rows, { title, labelWidth = 140 } = {}) {
  const width = 420;
  const rowHeight = 30;
  const top = 8;
  const height = top + rows.length * rowHeight + 22;
  const plot = width - labelWidth - 44;
  const svg = frame(width, height, title, describe(rows), "bar-chart");
  for (const tick of [0, 5, 10]) {
    const x = labelWidth + (plot * tick) / MAX;
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
      s("text", { x: labelWidth - 8, y: y + 19, class: "label", "text-anchor": "end" }, row.label),
      s("rect", {
        x: labelWidth,
        y: y + 5,
        width: w.toFixed(1),
        height: rowHeight - 10,
        rx: 3,
        class: `bar ${band(value)}`,
        "data-label": row.label,
        "data-value": value.toFixed(2),
      }),
      s("text", { x: labelWidth + w + 6, y: y + 19, class: "value" }, value.toFixed(1)),
    );
  });
  return svg;
}

/** A radar of 3 or more {label, value} axes (0-10), with rings at 2, 4, 6, 8 and 10. */
export function radarChart(rows, { title } = {}) {
  const width = 560;
  const height = 330;
  const cx = width / 2;
  const cy = height / 2 + 2;
  const radius = 105;
  const svg = frame(width, height, title, describe(rows), "radar-chart");
  const point = (i, value) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / rows.length;
    const r = (radius * value) / MAX;
    return [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
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
  rows.forEach((row, i) => {
    const [x, y] = point(i, MAX);
    const [lx, ly] = point(i, MAX + 1.6);
    const anchor = Math.abs(lx - cx) < 8 ? "middle" : lx > cx ? "start" : "end";
    svg.append(
      s("line", { x1: cx, y1: cy, x2: x.toFixed(1), y2: y.toFixed(1), class: "axis" }),
      s("text", { x: lx.toFixed(1), y: (ly + 4).toFixed(1), class: "label", "text-anchor": anchor }, row.label),
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

/** Score over time: one point per {label, value, href?} in order, joined by a line. */
export function lineChart(points, { title } = {}) {
  const width = 720;
  const height = 260;
  const left = 34;
  const right = 16;
  const top = 14;
  const bottom = 36;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
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
  const every = Math.max(1, Math.ceil(points.length / 6));
  points.forEach((p, i) => {
    const [x, y] = xy[i];
    svg.append(
      s(
        "circle",
        { cx: x.toFixed(1), cy: y.toFixed(1), r: 5, class: `dot ${band(p.value)}`, "data-value": p.value.toFixed(2) },
        s("title", null, `${p.label}: ${p.value.toFixed(1)}`),
      ),
    );
    if (i % every === 0 || i === points.length - 1) {
      svg.append(s("text", { x, y: height - 12, class: "tick", "text-anchor": "middle" }, p.short || p.label));
    }
  });
  return svg;
}
