/**
 * A DateTime as Prisma keeps it in PostgreSQL's `timestamp(3)` (UTC, no zone), for raw
 * statements: sent as text without an offset, never read in the client's time zone.
 */
export function pgTimestamp(date: Date): string {
  return date.toISOString().slice(0, -1);
}

/** The SQL that reads such a column back as epoch milliseconds (a float8: a JS number, whatever the session's zone). */
export function epochMsOf(column: string): string {
  return `(extract(epoch from "${column}") * 1000)::float8`;
}
