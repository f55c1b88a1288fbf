// CSV export of the filtered decision list, built in the page from the API's pages (the
// filters, a phone number among them, travel in request bodies only).

import { formatTime } from './dom.js';

/** Enough for a day of review work; more is a job for the API (POST /v1/decisions/search, paged). */
export const MAX_EXPORT_ROWS = 10_000;
const PAGE = 100;

export const CSV_HEADER = ['time', 'id', 'use case', 'outcome', 'score', 'masked number', 'subjectId', 'reason codes', 'label'];

/**
 * One CSV cell. A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return)
 * as a formula: such a cell gets a leading ' (OWASP's CSV injection advice), so a subjectId
 * like `=HYPERLINK(...)` stays text. Cells with a comma, quote or line break are quoted.
 */
export function csvCell(value) {
  let text = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(decision) {
  return [
    decision.createdAt,
    decision.id,
    decision.useCase,
    decision.outcome,
    decision.score,
    decision.phoneNumber,
    decision.subjectId,
    decision.reasons.map((r) => r.code).join(' '),
    decision.label,
  ].map(csvCell).join(',');
}

/**
 * Every decision of `filters` (up to MAX_EXPORT_ROWS), newest first, as CSV text; `progress`
 * hears the count so far. Answers { text, rows, truncated }.
 */
export async function exportCsv(api, filters, progress = () => {}) {
  const lines = [CSV_HEADER.map(csvCell).join(',')];
  let cursor;
  let truncated = false;
  do {
    const page = await api('/v1/decisions/search', { method: 'POST', body: { ...filters, limit: PAGE, cursor } });
    for (const decision of page.items) {
      if (lines.length - 1 === MAX_EXPORT_ROWS) {
        truncated = true;
        break;
      }
      lines.push(csvRow(decision));
    }
    cursor = page.nextCursor ?? undefined;
    progress(lines.length - 1);
  } while (cursor && !truncated);
  return { text: `${lines.join('\r\n')}\r\n`, rows: lines.length - 1, truncated };
}

/** Hands `text` to the browser as a file download (a blob URL, revoked once used). */
export function download(text, name) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `linetrust-decisions-2026-06-15-1400.csv`, in the browser's time. */
export function exportName(now = new Date()) {
  return `linetrust-decisions-${formatTime(now.toISOString()).replace(' ', '-').replaceAll(':', '').slice(0, 15)}.csv`;
}
