import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { PrismaService } from '../src/prisma/prisma.service';
import { arbitraryJsonBody, Expectation, FuzzBody, nearValidBody, OPEN_CONTEXT_POLICY, OPEN_CONTEXT_USE_CASE, rawBytesBody } from './support/fuzz-cases';
import { headerCase } from './support/fuzz-headers';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRulesDir } from './support/starter-rules';
import { CapturingLogger, startTestApp, TestApp } from './support/test-app';

/** Fixed, so a failure replays; fast-check prints it (and the shrunk case) when one fails. */
const SEED = 20261122;
const FUZZ_TIMEOUT_MS = 120_000;

/** The CAMARA code each 4xx may carry. */
const CAMARA_CODES: Record<number, string[]> = {
  400: ['INVALID_ARGUMENT'],
  401: ['UNAUTHENTICATED'],
  403: ['PERMISSION_DENIED'],
  404: ['NOT_FOUND'],
  409: ['CONFLICT'],
  413: ['PAYLOAD_TOO_LARGE'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
  429: ['TOO_MANY_REQUESTS'],
};

/**
 * Thousands of generated hostile requests to POST /v1/decisions: only 2xx or 4xx, every 4xx in
 * the CAMARA shape, nothing stored for a refused request, and the service still deciding after.
 */
describe('POST /v1/decisions under generated hostile input (fuzz, e2e)', () => {
  let t: TestApp;
  const logger = new CapturingLogger();
  let rules: string;
  /** Rows counted after the last case that passed; unknown after a failure (shrinking recounts). */
  let known: { decisions: number; claims: number } | undefined;

  beforeAll(async () => {
    // The starter policies and one that accepts any context (the body limits are fuzzed there).
    rules = mkdtempSync(join(tmpdir(), 'fuzz-rules-'));
    cpSync(starterRulesDir(), rules, { recursive: true });
    writeFileSync(join(rules, `${OPEN_CONTEXT_USE_CASE}.json`), JSON.stringify(OPEN_CONTEXT_POLICY));
    t = await startTestApp({ lines: TEST_LINES, now: NOW, logger, env: { RULES_DIR: rules } });
  });
  afterAll(async () => {
    await t.close();
    rmSync(rules, { recursive: true, force: true });
  });

  async function stored(): Promise<{ decisions: number; claims: number }> {
    const client = t.app.get(PrismaService).client;
    const [decisions, claims] = await Promise.all([client.decision.count(), client.idempotencyRecord.count()]);
    return { decisions, claims };
  }

  function inject(options: InjectOptions): Promise<LightMyRequestResponse> {
    return t.app.getHttpAdapter().getInstance().inject({ method: 'POST', url: '/v1/decisions', ...options });
  }

  /** Sends one case and checks every rule; `expect` adds what this case must get. */
  async function check(options: InjectOptions, expectation: Expectation, tally: Map<number, number>): Promise<LightMyRequestResponse> {
    const before = known ?? (await stored());
    known = undefined;
    const response = await inject(options);
    const status = response.statusCode;
    tally.set(status, (tally.get(status) ?? 0) + 1);
    const after = await stored();
    const refused = status >= 400 && status < 500;
    if (!refused && !(status >= 200 && status < 300)) throw new Error(`status ${status}: ${response.body}`);
    if (refused) {
      expect(response.headers['content-type']).toMatch(/^application\/json\b/);
      const body = JSON.parse(response.body) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['code', 'message', 'status']);
      expect(body.status).toBe(status);
      expect(CAMARA_CODES[status]).toContain(body.code);
      expect(typeof body.message).toBe('string');
      expect(after).toEqual(before);
    } else {
      expect(status).toBe(201);
      // A retry with a known Idempotency-Key answers the first decision and stores nothing new.
      const replayed = response.headers['idempotent-replayed'] === 'true';
      expect(after.decisions).toBe(before.decisions + (replayed ? 0 : 1));
    }
    if (expectation === 'reject') expect(refused).toBe(true);
    if (expectation === 'accept') expect(status).toBe(201);
    known = after;
    return response;
  }

  /** Runs a property, then prints one line: how many cases, their statuses, how long. */
  async function fuzz<T>(name: string, arbitrary: fc.Arbitrary<T>, numRuns: number, run: (value: T, tally: Map<number, number>) => Promise<void>): Promise<void> {
    const tally = new Map<number, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(arbitrary, (value) => run(value, tally)),
      { seed: SEED, numRuns },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const statuses = [...tally.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}x${count}`).join(' ');
    process.stdout.write(`fuzz ${name}: ${numRuns} cases passed in ${seconds} s (seed ${SEED}; ${statuses})\n`);
  }

  const sendBody = (kinds: Map<string, number>) => async (body: FuzzBody, tally: Map<number, number>) => {
    kinds.set(body.kind, (kinds.get(body.kind) ?? 0) + 1);
    const headers = { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' };
    await check({ headers, payload: body.payload }, body.expect, tally);
  };

  it('any JSON value as the body', async () => {
    await fuzz('any JSON value', arbitraryJsonBody, 500, sendBody(new Map()));
  }, FUZZ_TIMEOUT_MS);

  it('a valid body with one thing wrong, odd or at a limit', async () => {
    const kinds = new Map<string, number>();
    await fuzz('near-valid body', nearValidBody, 1300, sendBody(kinds));
    // Every family of mutation was tried: a generator change cannot silently drop one.
    const families = ['wrong type', 'unknown field', 'any name in context', 'long', 'unicode', 'raw number', 'duplicate', 'deep context', 'many context keys'];
    for (const family of families) expect([...kinds.keys()].some((kind) => kind.startsWith(family))).toBe(true);
  }, FUZZ_TIMEOUT_MS);

  it('raw bytes as a JSON body', async () => {
    await fuzz('raw bytes', rawBytesBody, 500, sendBody(new Map()));
  }, FUZZ_TIMEOUT_MS);

  it('generated headers: authorization, x-correlator, Idempotency-Key, content type and length', async () => {
    await fuzz('headers', headerCase(t.key), 700, async ({ headers, payload, wrong, unsure }, tally) => {
      const expectation: Expectation = unsure ? 'either' : wrong.length > 0 ? 'reject' : 'accept';
      const response = await check({ headers, payload }, expectation, tally);
      // A wrong key alone is 401, whatever else the request holds.
      if (!unsure && wrong.length === 1 && wrong[0] === 'authorization') expect(response.statusCode).toBe(401);
    });
  }, FUZZ_TIMEOUT_MS);

  it('still decides after the run, and logged no unexpected error', async () => {
    const response = await inject({
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ useCase: 'onboarding', phoneNumber: LINE.established }),
    });
    expect(response.statusCode).toBe(201);
    expect(logger.lines.filter((line) => line.includes('unexpected error'))).toEqual([]);
  });
});
