// DOM helpers. Every value that comes from the API reaches the page as a text node or an
// attribute value, never as HTML: a policy message or a context field cannot inject markup.

export const OUTCOMES = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'];

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(node, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** An HTML element: `el('td', { class: 'x' }, 'text', otherNode)`. */
export function el(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

/** An SVG element, for the chart. */
export function svg(tag, attributes = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attributes, children);
}

/**
 * A rule name or reason code (`RECIPIENT_SIM_SWAPPED_LAST_72H`) that may wrap after its - and _
 * only (a <wbr>, not a character: a copied code stays the code), never inside a word.
 */
export function breakable(text) {
  return el('code', {}, String(text).split(/(?<=[-_])/).flatMap((part, index) => (index === 0 ? [part] : [el('wbr'), part])));
}

/** An outcome as a coloured badge (the colour is a class; the word is always shown). */
export function badge(outcome) {
  const known = OUTCOMES.includes(outcome) ? outcome : 'UNKNOWN';
  return el('span', { class: `badge badge-${known}` }, outcome);
}

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** Local date and time, `2026-06-15 14:00:05`: sortable, and the same in every browser. */
export function formatTime(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The browser's time zone, to say which times the page shows (its offset changes with the season). */
export function zoneLabel() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'the browser time zone';
}

/** A short JSON rendering of a query or an answer, `maxAge: 24, swapped: false`. */
export function compact(value) {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return String(value);
  return Object.entries(value)
    .map(([key, v]) => `${key}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

/** A table with a header row; `rows` are arrays of cell contents (text or nodes). */
export function table(caption, headers, rows, className = 'grid-table') {
  return el(
    'table',
    { class: className },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c) => el('td', {}, c))))),
  );
}

/** Active outcome (rows) against candidate outcome (columns), as the API's `matrix`. */
export function matrixTable(caption, matrix) {
  const grid = el(
    'table',
    { class: 'matrix' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', class: 'corner' }, el('span', {}, 'active ↓'), ' ', el('span', {}, 'candidate →')), OUTCOMES.map((o) => el('th', { scope: 'col' }, o)))),
    el(
      'tbody',
      {},
      OUTCOMES.map((from) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, from),
          OUTCOMES.map((to) => {
            const count = matrix?.[from]?.[to] ?? 0;
            return el('td', { class: count > 0 ? (from === to ? 'same' : 'changed') : 'zero' }, String(count));
          }),
        ),
      ),
    ),
  );
  return el('div', { class: 'matrix-wrap' }, grid);
}
