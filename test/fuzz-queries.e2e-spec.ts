import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { CODE_BY_STATUS } from '../src/common/errors/camara-error';
import { erasureBody, keyBody, policyIdSegment, queryString } from './support/fuzz-queries';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { CapturingLogger, startTestApp, TestApp } from './support/test-app';

/** Fixed, so a failure replays; fast-check prints it (and the shrunk case) when one fails. */
const SEED = 20261123;
const RUNS = 200;
const FUZZ_TIMEOUT_MS = 60_000;

/**
 * Generated query strings for the read endpoints and bodies for erasures and keys: only 2xx
 * or 4xx, every 4xx in the CAMARA shape. Cheaper than test/fuzz.e2e-spec.ts (a few hundred
 * cases each), it guards the validation of what these routes pass on to the database: a time
 * past year 9999 once reached Prisma and came back as a 500.
 */
describe('read endpoints, erasures and keys under generated hostile input (fuzz, e2e)', () => {
  let t: TestApp;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW, logger });
    // Something to list and count: decisions over the last day, some with a subjectId.
    for (const [hoursAgo, phoneNumber, subjectId] of [[30, LINE.established, 'customer-1'], [5, LINE.newLine, undefined], [0, LINE.simSwapped5h, 'customer-2']] as const) {
      t.clock.set(new Date(NOW.getTime() - hoursAgo * 3_600_000));
      await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber, subjectId }).expect(201);
    }
    t.clock.set(NOW);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Sends one case: a 2xx, or a 4xx with the CAMARA body; anything else fails with the request shown. */
  async function check(options: InjectOptions, tally: Map<number, number>): Promise<void> {
    const response = await t.app.getHttpAdapter().getInstance().inject({ ...options, headers: { authorization: `Bearer ${t.key}`, ...options.headers } });
    const status = response.statusCode;
    tally.set(status, (tally.get(status) ?? 0) + 1);
    if (status >= 200 && status < 300) return;
    if (status < 400 || status >= 500) throw new Error(`${options.method} ${options.url}: status ${status}: ${response.body}`);
    expect(response.headers['content-type']).toMatch(/^application\/json\b/);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect({ keys: Object.keys(body).sort(), status: body.status, code: body.code }).toEqual({ keys: ['code', 'message', 'status'], status, code: CODE_BY_STATUS[status] });
    expect(typeof body.message).toBe('string');
  }

  /** Runs a property, prints one line (cases, statuses, time), and checks that both 2xx and 4xx were reached. */
  async function fuzz<T>(name: string, arbitrary: fc.Arbitrary<T>, toRequest: (value: T) => InjectOptions): Promise<void> {
    const tally = new Map<number, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(arbitrary, (value) => check(toRequest(value), tally)),
      { seed: SEED, numRuns: RUNS },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const statuses = [...tally.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}x${count}`).join(' ');
    process.stdout.write(`fuzz ${name}: ${RUNS} cases passed in ${seconds} s (seed ${SEED}; ${statuses})\n`);
    // A generator that only ever produced refusals (or only valid requests) would test little.
    const count = (low: number) => [...tally.entries()].filter(([status]) => status >= low && status < low + 100).reduce((sum, [, n]) => sum + n, 0);
    expect({ accepted: count(200) > 0, refused: count(400) > 0 }).toEqual({ accepted: true, refused: true });
  }

  const query = (path: string) => (text: string): InjectOptions => ({ method: 'GET', url: text === '' ? path : `${path}?${text}` });
  const json = (url: string) => (payload: string): InjectOptions => ({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });

  it('GET /v1/decisions query strings', async () => {
    const names = ['useCase', 'outcome', 'subjectId', 'phoneNumber', 'from', 'to', 'limit', 'cursor'] as const;
    await fuzz('GET /v1/decisions', queryString(names), query('/v1/decisions'));
  }, FUZZ_TIMEOUT_MS);

  it('GET /v1/decisions/stats query strings', async () => {
    const names = ['useCase', 'from', 'to', 'bucket'] as const;
    await fuzz('GET /v1/decisions/stats', queryString(names), query('/v1/decisions/stats'));
  }, FUZZ_TIMEOUT_MS);

  it('GET /v1/policies/{id}/shadow query strings and ids', async () => {
    const names = ['from', 'to'] as const;
    await fuzz('GET /v1/policies/{id}/shadow', fc.tuple(policyIdSegment, queryString(names)), ([id, text]) => query(`/v1/policies/${id}/shadow`)(text));
  }, FUZZ_TIMEOUT_MS);

  it('POST /v1/erasures bodies', async () => {
    await fuzz('POST /v1/erasures', erasureBody, json('/v1/erasures'));
  }, FUZZ_TIMEOUT_MS);

  it('POST /v1/keys bodies', async () => {
    await fuzz('POST /v1/keys', keyBody, json('/v1/keys'));
  }, FUZZ_TIMEOUT_MS);

  it('logged no unexpected error', () => {
    expect(logger.lines.filter((line) => line.includes('unexpected error'))).toEqual([]);
  });
});
