// Outcome counts over time as stacked bars, drawn as inline SVG (no chart library: a few
// rectangles do not pay for one). Colours come from CSS classes: the CSP allows no inline style.

import { el, OUTCOMES, svg } from './dom.js';

const WIDTH = 720;
const HEIGHT = 210;
const MARGIN = { top: 12, right: 8, bottom: 30, left: 40 };
const MAX_LABELS = 8;

const pad = (n) => String(n).padStart(2, '0');

/** A round upper bound for the axis: 1, 2, 5, 10, 20, 50, ... */
function niceMax(value) {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((n) => n >= value);
}

function bucketLabel(iso, bucket, withDate) {
  const d = new Date(iso);
  const day = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  if (bucket === 'day') return day;
  const hour = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withDate ? `${day} ${hour}` : hour;
}

const total = (counts) => OUTCOMES.reduce((sum, o) => sum + (counts[o] ?? 0), 0);

/** Replaces the content of `container` with the chart of `stats` (GET /v1/decisions/stats). */
export function renderChart(container, stats) {
  const buckets = stats.buckets;
  const sums = Object.fromEntries(OUTCOMES.map((o) => [o, buckets.reduce((s, b) => s + (b.counts[o] ?? 0), 0)]));
  const all = total(sums);
  const top = niceMax(Math.max(1, ...buckets.map((b) => total(b.counts))));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = plotWidth / Math.max(1, buckets.length);
  const barWidth = Math.max(1, step * 0.75);
  const y = (count) => MARGIN.top + plotHeight - (count / top) * plotHeight;

  const summary = `${all} decisions per ${stats.bucket} from ${new Date(stats.from).toLocaleString()} to ${new Date(stats.to).toLocaleString()}: ` +
    OUTCOMES.map((o) => `${sums[o]} ${o}`).join(', ');
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': summary, class: 'chart-svg' });

  for (const tick of [0, top / 2, top]) {
    chart.append(
      svg('line', { class: 'grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(tick), y2: y(tick) }),
      svg('text', { class: 'axis', x: MARGIN.left - 6, y: y(tick) + 4, 'text-anchor': 'end' }, Number.isInteger(tick) ? String(tick) : tick.toFixed(1)),
    );
  }

  const every = Math.ceil(buckets.length / MAX_LABELS);
  buckets.forEach((bucket, index) => {
    const x = MARGIN.left + index * step + (step - barWidth) / 2;
    const group = svg('g', { class: 'bucket', 'data-start': bucket.start });
    let base = 0;
    for (const outcome of OUTCOMES) {
      const count = bucket.counts[outcome] ?? 0;
      if (count === 0) continue;
      group.append(
        svg(
          'rect',
          { class: `bar bar-${outcome}`, 'data-outcome': outcome, 'data-count': count, x, width: barWidth, y: y(base + count), height: y(base) - y(base + count) },
          svg('title', {}, `${bucketLabel(bucket.start, stats.bucket, true)}: ${count} ${outcome}`),
        ),
      );
      base += count;
    }
    chart.append(group);
    if (index % every === 0) {
      const withDate = index === 0 || new Date(bucket.start).getHours() === 0;
      chart.append(svg('text', { class: 'axis', x: x + barWidth / 2, y: HEIGHT - 10, 'text-anchor': 'middle' }, bucketLabel(bucket.start, stats.bucket, withDate)));
    }
  });

  const legend = el(
    'ul',
    { class: 'legend', 'aria-label': 'Totals by outcome' },
    OUTCOMES.map((o) => el('li', {}, el('span', { class: `swatch swatch-${o}`, 'aria-hidden': 'true' }), `${o} ${sums[o]}`)),
    el('li', { class: 'legend-total' }, `total ${all}`),
  );
  container.replaceChildren(chart, legend);
}
