/**
 * SQLite's "another connection holds the lock" codes, after which the statement did nothing and
 * may run again. SQLITE_BUSY_SNAPSHOT is not one: the transaction read a snapshot another writer
 * has since replaced, and only starting it again can help.
 */
const RETRYABLE = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_TIMEOUT']);

/** Whether a failed statement only found the lock taken: better-sqlite3's error, or Prisma's adapter wrapping it. */
export function isSqliteBusy(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, cause } = error as { code?: unknown; name?: unknown; cause?: { originalCode?: unknown } };
  const driverCode = name === 'DriverAdapterError' ? cause?.originalCode : code;
  return typeof driverCode === 'string' && RETRYABLE.has(driverCode);
}
