// What the store holds after a load, against what the clients were told: every 201 must be a
// stored row, and no 503 ("not made; retry later") may be one. Read straight from PostgreSQL.
import { setTimeout as sleep } from 'node:timers/promises';
import { Report } from './fleet';
import { Answer, statusCounts } from './http';

export interface Sent {
  /** Unique per request: how its row, if any, is found again. */
  subjectId: string;
  answer: Answer;
}

/** 503 must carry Retry-After; a decision answers 201 or 503 and nothing else here. */
export function checkAnswers(report: Report, sent: Sent[], what: string): void {
  const bare503 = sent.filter(({ answer }) => answer.status === 503 && answer.retryAfter === null).length;
  if (bare503 > 0) report.problem(`${what}: ${bare503} answers 503 without Retry-After`);
  const other = sent.filter(({ answer }) => answer.status !== 201 && answer.status !== 503).map(({ answer }) => answer);
  if (other.length > 0) report.problem(`${what}: ${other.length} answers neither 201 nor 503 (${statusCounts(other)})`);
}

/** Rows with this subjectId prefix, once their count has not moved for a second (writes settled). */
async function settledRows(report: Report, schema: string, prefix: string): Promise<Map<string, string>> {
  const sql = `SELECT "subjectId", "id" FROM "${schema}"."Decision" WHERE "subjectId" LIKE $1`;
  let rows = await report.database.query<{ subjectId: string; id: string }>(sql, [`${prefix}%`]);
  for (let i = 0; i < 15; i++) {
    await sleep(1000);
    const again = await report.database.query<{ subjectId: string; id: string }>(sql, [`${prefix}%`]);
    if (again.length === rows.length) break;
    rows = again;
  }
  return new Map(rows.map((row) => [row.subjectId, row.id]));
}

export async function checkStored(report: Report, schema: string, prefix: string, sent: Sent[]): Promise<void> {
  const stored = await settledRows(report, schema, prefix);
  const acknowledged = sent.filter(({ answer }) => answer.status === 201);
  const lost = acknowledged.filter(({ subjectId, answer }) => stored.get(subjectId) !== answer.body?.id).length;
  const refused = sent.filter(({ answer }) => answer.status === 503);
  const refusedStored = refused.filter(({ subjectId }) => stored.has(subjectId)).length;
  const unanswered = sent.filter(({ answer }) => answer.status === 0);
  const unansweredStored = unanswered.filter(({ subjectId }) => stored.has(subjectId)).length;
  const equal = stored.size - unansweredStored === acknowledged.length;
  report.line(
    `store: ${stored.size} rows, ${acknowledged.length} acknowledged 201 -> ${equal ? 'stored equals acknowledged' : 'MISMATCH'}; ` +
      `acknowledged but missing ${lost}; answered 503 but stored ${refusedStored} of ${refused.length}` +
      (unanswered.length > 0 ? `; no answer ${unanswered.length} (${unansweredStored} stored)` : ''),
  );
  if (lost > 0) report.problem(`${prefix}: ${lost} decisions answered 201 are not in the store`);
  if (refusedStored > 0) report.problem(`${prefix}: ${refusedStored} decisions answered 503 (not made) are in the store`);
  if (!equal && lost === 0 && refusedStored === 0) report.problem(`${prefix}: ${stored.size} rows stored for ${acknowledged.length} acknowledged decisions`);
}
