import { UnavailableError } from './domain.error';

/**
 * Driver codes that mean "the database refused or gave up on the statement now; it did nothing":
 * SQLite's lock held by another process (its busy timeout ran out), PostgreSQL's statement or
 * lock timeout, too many connections, a server starting up. A retry shortly after may work.
 * A connection lost mid-statement is not here: whether a COMMIT sent then took effect is
 * unknown, and "retry later" could make a second decision.
 */
const TRANSIENT_DRIVER_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', '57014', '55P03', '53300', '57P03']);
/** Prisma's own: the operation timed out (P1008), the server could not be reached (P1001), no pooled connection in time (P2024). */
const TRANSIENT_PRISMA_CODES = new Set(['P1008', 'P1001', 'P2024']);

interface PrismaLikeError {
  code?: unknown;
  meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
}

/**
 * The error as a 503 UNAVAILABLE with Retry-After when the database was momentarily unable to
 * run a statement (see above); undefined for any other error. Read by shape, not by class:
 * common code does not import the database client, and both generated clients' errors match.
 */
export function asDatabaseUnavailable(error: unknown): UnavailableError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, meta } = error as PrismaLikeError;
  const driverCode = meta?.driverAdapterError?.cause?.originalCode;
  // A driver's own error (the decision path's prepared statements) carries its code directly.
  const transient =
    (typeof driverCode === 'string' && TRANSIENT_DRIVER_CODES.has(driverCode)) ||
    (typeof code === 'string' && (TRANSIENT_PRISMA_CODES.has(code) || TRANSIENT_DRIVER_CODES.has(code)));
  return transient ? new UnavailableError('The database is busy and did not run this request; nothing was changed. Retry later.', 1) : undefined;
}

/** The driver's code of a database error, for a log line (never its message: it quotes the query). */
export function databaseErrorCode(error: unknown): string {
  const { code, meta } = (error ?? {}) as PrismaLikeError;
  const driverCode = meta?.driverAdapterError?.cause?.originalCode;
  return [code, driverCode].filter((part) => typeof part === 'string').join('/');
}
