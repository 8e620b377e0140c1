// Hand-written SVG charts. Each returns an <svg role="img"> with a title and a description;
// the page always puts a table with the same figures beside it (see app.js), so nothing is
// only in a picture. Colours come from CSS classes, never inline styles (the CSP forbids them).

const NS = "http://www.w3.org/2000/svg";
let chartCount = 0;

export function svg(tag, attributes = {}, children = []) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function frame(width, height, title, description) {
  chartCount += 1;
  const titleId = `chart-title-${chartCount}`;
  const descId = `chart-desc-${chartCount}`;
  return svg(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: "img",
      "aria-labelledby": `${titleId} ${descId}`,
      class: "chart",
    },
    [svg("title", { id: titleId }, [title]), svg("desc", { id: descId }, [description])],
  );
}

function scale(domainLow, domainHigh, rangeLow, rangeHigh) {
  const span = domainHigh - domainLow || 1;
  return (value) => rangeLow + ((value - domainLow) / span) * (rangeHigh - rangeLow);
}

function ticks(low, high, count) {
  const step = (high - low) / count;
  return Array.from({ length: count + 1 }, (_, i) => low + i * step);
}

/**
 * A line over time with its 95 % interval as a band. points: [{label, value, low, high}],
 * value null for an empty bucket (the line breaks there rather than inventing a zero).
 */
export function trendChart(points, { width, low, high, title, description, format }) {
  const height = 240;
  const margin = { top: 12, right: 12, bottom: 44, left: 44 };
  const chart = frame(width, height, title, description);
  const x = scale(0, Math.max(points.length - 1, 1), margin.left + 8, width - margin.right - 8);
  const y = scale(low, high, height - margin.bottom, margin.top);

  for (const tick of ticks(low, high, 4)) {
    chart.append(
      svg("line", { class: "grid", x1: margin.left, x2: width - margin.right, y1: y(tick), y2: y(tick) }),
      svg("text", { class: "axis", x: margin.left - 6, y: y(tick) + 4, "text-anchor": "end" }, [
        format(tick),
      ]),
    );
  }
  // Segments of consecutive buckets that have a value: a band and a line each.
  let run = [];
  const runs = [];
  points.forEach((point, index) => {
    if (point.value === null || point.value === undefined) {
      if (run.length) runs.push(run);
      run = [];
    } else {
      run.push({ ...point, index });
    }
  });
  if (run.length) runs.push(run);
  for (const segment of runs) {
    const banded = segment.filter((p) => p.low !== null && p.high !== null);
    if (banded.length > 1) {
      const upper = banded.map((p) => `${x(p.index)},${y(p.high)}`);
      const lower = banded.map((p) => `${x(p.index)},${y(p.low)}`).reverse();
      chart.append(svg("polygon", { class: "band", points: [...upper, ...lower].join(" ") }));
    }
    if (segment.length > 1) {
      const line = segment.map((p) => `${x(p.index)},${y(p.value)}`).join(" ");
      chart.append(svg("polyline", { class: "line", points: line }));
    }
  }
  points.forEach((point, index) => {
    if (point.value !== null && point.value !== undefined) {
      if (point.low !== null && point.high !== null) {
        chart.append(
          svg("line", { class: "whisker", x1: x(index), x2: x(index), y1: y(point.low), y2: y(point.high) }),
        );
      }
      chart.append(svg("circle", { class: "dot", cx: x(index), cy: y(point.value), r: 4 }));
    }
  });
  // Label every bucket when they fit, else every other one.
  const every = points.length * 48 > width - margin.left ? Math.ceil((points.length * 48) / width) : 1;
  points.forEach((point, index) => {
    if (index % every === 0) {
      chart.append(
        svg("text", { class: "axis", x: x(index), y: height - margin.bottom + 18, "text-anchor": "middle" }, [
          point.short || point.label,
        ]),
      );
    }
  });
  return chart;
}

/**
 * Dots with interval whiskers, one row each, against a reference line (0 for a difference):
 * rows: [{label, value, low, high, strong}]. Used to compare branches, countries, and a scope
 * with the rest of its parent.
 */
export function intervalChart(rows, { width, low, high, reference = null, title, description, format }) {
  const rowHeight = 34;
  const labelWidth = Math.min(170, Math.round(width * 0.38));
  const margin = { top: 8, right: 16, bottom: 30, left: labelWidth };
  const height = margin.top + rows.length * rowHeight + margin.bottom;
  const chart = frame(width, height, title, description);
  const x = scale(low, high, margin.left + 6, width - margin.right);
  const bottom = height - margin.bottom;

  for (const tick of ticks(low, high, 4)) {
    chart.append(
      svg("line", { class: "grid", x1: x(tick), x2: x(tick), y1: margin.top, y2: bottom }),
      svg("text", { class: "axis", x: x(tick), y: bottom + 18, "text-anchor": "middle" }, [format(tick)]),
    );
  }
  if (reference !== null) {
    chart.append(svg("line", { class: "reference", x1: x(reference), x2: x(reference), y1: margin.top, y2: bottom }));
  }
  rows.forEach((row, index) => {
    const middle = margin.top + index * rowHeight + rowHeight / 2;
    chart.append(
      svg("text", { class: "label", x: margin.left - 8, y: middle + 4, "text-anchor": "end" }, [row.label]),
    );
    if (row.value === null || row.value === undefined) {
      chart.append(svg("text", { class: "axis", x: margin.left + 10, y: middle + 4 }, ["no answers"]));
      return;
    }
    const clip = (v) => Math.min(high, Math.max(low, v));
    if (row.low !== null && row.high !== null) {
      chart.append(
        svg("line", {
          class: row.strong ? "whisker strong" : "whisker",
          x1: x(clip(row.low)),
          x2: x(clip(row.high)),
          y1: middle,
          y2: middle,
        }),
      );
    }
    chart.append(svg("circle", { class: row.strong ? "dot strong" : "dot", cx: x(clip(row.value)), cy: middle, r: 5 }));
  });
  return chart;
}

/** Horizontal bars of shares (0-1), the negative part of each bar drawn darker. */
export function shareBars(rows, { width, title, description }) {
  const rowHeight = 30;
  const labelWidth = Math.min(160, Math.round(width * 0.4));
  const margin = { top: 4, right: 48, bottom: 4, left: labelWidth };
  const height = margin.top + rows.length * rowHeight + margin.bottom;
  const chart = frame(width, height, title, description);
  const x = scale(0, 1, margin.left, width - margin.right);
  rows.forEach((row, index) => {
    const top = margin.top + index * rowHeight + 6;
    const whole = x(row.share) - x(0);
    const negative = x(row.share * row.negativeShare) - x(0);
    chart.append(
      svg("text", { class: "label", x: margin.left - 8, y: top + 13, "text-anchor": "end" }, [row.label]),
      svg("rect", { class: "bar", x: x(0), y: top, width: Math.max(whole, 1), height: 18, rx: 2 }),
      svg("rect", { class: "bar negative", x: x(0), y: top, width: Math.max(negative, 0), height: 18, rx: 2 }),
      svg("text", { class: "axis", x: x(0) + whole + 6, y: top + 13 }, [`${Math.round(row.share * 100)} %`]),
    );
  });
  return chart;
}
