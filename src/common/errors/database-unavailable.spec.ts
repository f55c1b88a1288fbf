import { asDatabaseUnavailable, databaseErrorCode } from './database-unavailable';

/** The shape Prisma's driver adapters give a failed statement (seen on SQLite and PostgreSQL). */
const prismaError = (code: string, originalCode?: string) => ({
  code,
  meta: originalCode === undefined ? {} : { driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode, originalMessage: 'database is locked' } } },
  message: 'Invalid `prisma.decision.create()` invocation in /srv/app/src/x.ts: ...',
});

describe('asDatabaseUnavailable', () => {
  it.each([
    ['SQLite busy timeout', prismaError('P1008', 'SQLITE_BUSY')],
    ['SQLite table locked', prismaError('P2010', 'SQLITE_LOCKED')],
    ['PostgreSQL statement timeout', prismaError('P2010', '57014')],
    ['PostgreSQL lock timeout', prismaError('P2010', '55P03')],
    ['PostgreSQL too many connections', prismaError('P2010', '53300')],
    ['no pooled connection in time', prismaError('P2024')],
    ['server unreachable', prismaError('P1001')],
    // The drivers' own errors, from the decision path's prepared statements.
    ['better-sqlite3 busy', Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })],
    ['pg statement timeout', Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })],
  ])('answers 503 UNAVAILABLE with Retry-After for %s, quoting nothing of the query', (_, error) => {
    const unavailable = asDatabaseUnavailable(error);
    expect(unavailable).toMatchObject({ status: 503, code: 'UNAVAILABLE', headers: { 'retry-after': '1' } });
    expect(unavailable?.message).not.toMatch(/prisma|\/srv|invocation/i);
  });

  it.each([
    ['a unique constraint', prismaError('P2002', '23505')],
    ['a connection lost mid-statement (a COMMIT may have taken effect)', prismaError('P1017', '08006')],
    ['a plain Error', new Error('boom')],
    ['a driver constraint error', Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })],
    ['a string', 'boom'],
    ['null', null],
  ])('leaves %s alone', (_, error) => {
    expect(asDatabaseUnavailable(error)).toBeUndefined();
  });

  it('names the codes for a log line, not the message', () => {
    expect(databaseErrorCode(prismaError('P1008', 'SQLITE_BUSY'))).toBe('P1008/SQLITE_BUSY');
    expect(databaseErrorCode(undefined)).toBe('');
  });
});
