// The score distribution and the rule hits over time (GET /v1/decisions/stats/breakdown), drawn
// as inline SVG like the outcome chart: colours come from CSS classes, values are text nodes.

import { breakable, el, svg } from './dom.js';

const WIDTH = 360;
const HEIGHT = 170;
const MARGIN = { top: 10, right: 6, bottom: 28, left: 34 };
/** Rules shown in the hits chart: the most frequent; the others are counted in a line below. */
const MAX_RULES = 10;

function histogram(scores) {
  const top = Math.max(1, ...scores.map((band) => band.count));
  const total = scores.reduce((sum, band) => sum + band.count, 0);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = plotWidth / scores.length;
  const y = (count) => MARGIN.top + plotHeight - (count / top) * plotHeight;
  const label = `Score distribution of ${total} decisions: ` + scores.map((band) => `${band.min}-${band.max}: ${band.count}`).join(', ');
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label, class: 'chart-svg scores-svg' });
  for (const tick of [0, top]) {
    chart.append(
      svg('line', { class: 'grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(tick), y2: y(tick) }),
      svg('text', { class: 'axis', x: MARGIN.left - 5, y: y(tick) + 4, 'text-anchor': 'end' }, String(tick)),
    );
  }
  scores.forEach((band, index) => {
    const x = MARGIN.left + index * step + step * 0.1;
    if (band.count > 0) {
      chart.append(
        svg(
          'rect',
          { class: 'bar bar-score', 'data-min': band.min, 'data-count': band.count, x, width: step * 0.8, y: y(band.count), height: y(0) - y(band.count) },
          svg('title', {}, `score ${band.min}-${band.max}: ${band.count}`),
        ),
      );
    }
    chart.append(svg('text', { class: 'axis', x: x + step * 0.4, y: HEIGHT - 12, 'text-anchor': 'middle' }, String(band.min)));
  });
  chart.append(svg('text', { class: 'axis', x: WIDTH - MARGIN.right, y: HEIGHT - 1, 'text-anchor': 'end' }, 'score'));
  return chart;
}

/** One rule's hits per bucket as a row of small bars, scaled to the busiest bucket of all rules. */
function sparkline(rule, starts, top, bucket) {
  const width = 200;
  const height = 26;
  const step = width / Math.max(1, starts.length);
  const label = `${rule.rule}: ${rule.total} hits per ${bucket}: ` + rule.counts.map((count, i) => (count ? `${new Date(starts[i]).toLocaleString()} ${count}` : null)).filter(Boolean).join(', ');
  const line = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'spark', preserveAspectRatio: 'none' });
  line.append(svg('line', { class: 'grid', x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5 }));
  rule.counts.forEach((count, index) => {
    if (count === 0) return;
    const barHeight = Math.max(2, (count / top) * (height - 2));
    line.append(svg('rect', { class: 'bar bar-rule', 'data-count': count, x: index * step + step * 0.1, width: Math.max(1, step * 0.8), y: height - barHeight, height: barHeight }, svg('title', {}, `${new Date(starts[index]).toLocaleString()}: ${count}`)));
  });
  return line;
}

function ruleHits(breakdown) {
  const { rules, starts, bucket } = breakdown;
  if (rules.length === 0) return el('p', { class: 'note' }, 'No rule fired in this range.');
  const shown = rules.slice(0, MAX_RULES);
  const top = Math.max(1, ...shown.flatMap((rule) => rule.counts));
  const severalUseCases = new Set(rules.map((rule) => rule.useCase)).size > 1;
  const rows = shown.map((rule) =>
    el(
      'tr',
      { 'data-rule': rule.rule },
      el('th', { scope: 'row' }, breakable(rule.rule), severalUseCases ? el('span', { class: 'hint' }, ` ${rule.useCase}`) : null),
      el('td', { class: 'num' }, String(rule.total)),
      el('td', { class: 'spark-cell' }, sparkline(rule, starts, top, bucket)),
    ),
  );
  return el(
    'div',
    { class: 'scroll-x' },
    el(
      'table',
      { class: 'rule-hits' },
      el('caption', {}, `Rule hits per ${bucket}, most frequent first`),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Rule'), el('th', { scope: 'col' }, 'Hits'), el('th', { scope: 'col' }, 'Over time'))),
      el('tbody', {}, rows),
    ),
  );
}

/** Fills the two chart slots from one breakdown answer. */
export function renderBreakdown(scoresSlot, rulesSlot, breakdown) {
  scoresSlot.replaceChildren(histogram(breakdown.scores));
  const notes = [];
  if (breakdown.rules.length > MAX_RULES) notes.push(`${breakdown.rules.length - MAX_RULES} less frequent rules not shown.`);
  if (!breakdown.complete) notes.push(`Rule hits of the newest ${breakdown.scanned} decisions of the range only.`);
  rulesSlot.replaceChildren(ruleHits(breakdown), ...notes.map((text) => el('p', { class: 'note' }, text)));
}
