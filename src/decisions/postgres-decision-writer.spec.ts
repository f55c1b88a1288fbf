import type { Pool, PoolClient } from 'pg';
import { Deadline, WriteAttempt } from '../common/batching/write-attempt';
import { toRow } from './decision-rows';
import { PostgresDecisionWriter } from './postgres-decision-writer';

/**
 * What each transaction of the PostgreSQL writer begins with, on a recording client: claims
 * commit without waiting for the WAL flush, decisions wait for it. The same statements run
 * against a real PostgreSQL in the suite's PostgreSQL run (test/idempotency.e2e-spec.ts).
 */
describe('PostgresDecisionWriter: how each transaction begins', () => {
  function recordingPool() {
    const sent: string[] = [];
    const client = {
      query: (query: string | { text: string }) => {
        sent.push(typeof query === 'string' ? query : query.text);
        return Promise.resolve({ rows: [] });
      },
      release: () => undefined,
    } as unknown as PoolClient;
    const pool = { connect: () => Promise.resolve(client) } as unknown as Pool;
    return { pool, sent };
  }
  const createdAt = new Date('2026-06-15T11:59:58.000Z');
  const claims = () => [{ claim: { apiKeyId: 'key-1', key: 'k1', requestHash: 'h', createdAt } }];
  const decisions = () => [
    {
      decision: toRow({
        id: 'd1',
        createdAt,
        useCase: 'onboarding',
        outcome: 'ALLOW',
        score: 0,
        reasons: [],
        signals: [],
        policyId: 'onboarding',
        policyVersion: '0123456789abcdef',
        phoneNumberHash: 'a'.repeat(64),
        phoneNumberMasked: '+34******001',
        correlator: 'corr-1',
        apiKeyId: 'key-1',
      }),
    },
  ];

  it('turns synchronous_commit off for a claims transaction only, with or without a deadline', async () => {
    const { pool, sent } = recordingPool();
    const writer = new PostgresDecisionWriter(pool);
    await writer.insertClaims(claims(), new WriteAttempt(Deadline.in(60_000)));
    await writer.insertMany(decisions(), new WriteAttempt(Deadline.in(60_000)));
    await writer.insertClaims(claims(), new WriteAttempt(Deadline.never()));
    await writer.insertMany(decisions(), new WriteAttempt(Deadline.never()));
    const begins = sent.filter((text) => text.startsWith('BEGIN'));
    expect(begins).toHaveLength(4);
    expect(begins[0]).toMatch(/^BEGIN; SET LOCAL statement_timeout = \d+; SET LOCAL synchronous_commit = off$/);
    expect(begins[1]).toMatch(/^BEGIN; SET LOCAL statement_timeout = \d+$/);
    expect(begins[2]).toBe('BEGIN; SET LOCAL synchronous_commit = off');
    expect(begins[3]).toBe('BEGIN');
    expect(sent.filter((text) => text === 'COMMIT')).toHaveLength(4);
  });
});
