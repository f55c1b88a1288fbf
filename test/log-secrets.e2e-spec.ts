import { generateKey, parseKey } from '../src/auth/api-key-secret';
import { LogFormat, StructuredLogger } from '../src/common/logging/structured-logger';
import { DecisionService } from '../src/decisions/decision.service';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { startTestApp, TestApp } from './support/test-app';

/** Every form a number can take on its way in: E.164, bare digits, URL-encoded, national part. */
function formsOf(phoneNumber: string): string[] {
  const digits = phoneNumber.slice(1);
  return [phoneNumber, digits, `%2B${digits}`, `%2b${digits}`, digits.slice(2)];
}

/**
 * Issue 5: a realistic run of requests, good and bad, at the most verbose level, and not one
 * phone number or API key in what the service wrote. Both output formats: the redaction is
 * on the line, before it is rendered for people.
 */
describe.each<LogFormat>(['json', 'pretty'])('no phone number or API key in the logs (%s, e2e)', (format) => {
  let t: TestApp;
  const output: string[] = [];
  const numbers = [LINE.established, LINE.newLine, LINE.simSwapped48h, LINE.recycled, LINE.notSubscriber];
  const keys: string[] = [];

  beforeAll(async () => {
    const logger = new StructuredLogger({ level: 'trace', format, sink: { write: (line: string) => output.push(line) } });
    t = await startTestApp({ lines: TEST_LINES, now: NOW, logger });
    keys.push(t.key);
    await runRequests();
  });
  afterAll(async () => {
    await t.close();
  });

  async function runRequests(): Promise<void> {
    const decide = (body: object, correlator: string) => t.http().post('/v1/decisions').set('x-correlator', correlator).send(body);

    // Decisions for several lines, one of them unknown to the operator.
    for (const [i, phoneNumber] of numbers.entries()) {
      await decide({ useCase: 'onboarding', phoneNumber, subjectId: `customer-${i}` }, `batch-${i}`).expect(201);
    }
    await decide({ useCase: 'account_recovery', phoneNumber: LINE.recycled, trustedSince: '2025-01-01' }, 'recovery').expect(201);

    // Invalid bodies that carry numbers where they do not belong.
    await decide({ useCase: 'no_such_policy', phoneNumber: LINE.established }, 'bad-use-case').expect((r) => expect(r.status).toBeGreaterThanOrEqual(400));
    await decide({ useCase: 'onboarding', phoneNumber: LINE.newLine, callerNumber: LINE.established }, 'unknown-field').expect(400);
    await decide({ useCase: 'onboarding', phoneNumber: LINE.established.slice(1) }, 'no-plus').expect(400);
    await decide({ useCase: 'onboarding', phoneNumber: LINE.newLine, context: { beneficiary: LINE.simSwapped48h } }, 'number-in-context').expect(400);
    await decide({ useCase: 'onboarding', phoneNumber: LINE.newLine, subjectId: LINE.recycled }, 'number-as-subject').expect((r) => expect(r.status).toBeLessThan(500));

    // Numbers in query strings and paths, encoded or not.
    await t.http().get(`/v1/decisions?phoneNumber=%2B${LINE.established.slice(1)}`).set('x-correlator', 'query-encoded').expect(200);
    await t.http().get(`/v1/decisions?phoneNumber=${LINE.newLine.slice(1)}`).set('x-correlator', 'query-bare').expect(400);
    await t.http().get(`/v1/decisions/${encodeURIComponent(LINE.recycled)}`).set('x-correlator', 'path-number').expect(404);
    await t.http().get(`/v1/lines/${LINE.simSwapped48h.slice(1)}`).set('x-correlator', 'unknown-route').expect(404);

    // Keys: one created through the API (its answer holds the key), used, revoked, used again;
    // a well-formed key that does not exist; and a key pasted into a body and a query string.
    const created = await t.http().post('/v1/keys').set('x-correlator', 'create-key').send({ label: 'reader', scopes: ['decisions:read'] }).expect(201);
    const readerKey = created.body.key as string;
    keys.push(readerKey);
    const asReader = { authorization: `Bearer ${readerKey}` };
    await t.http().get('/v1/decisions').set(asReader).set('x-correlator', 'reader-ok').expect(200);
    await t.http().delete(`/v1/keys/${parseKey(readerKey)?.id}`).set('x-correlator', 'revoke-key').expect(200);
    await t.http().get('/v1/decisions').set(asReader).set('x-correlator', 'revoked-key').expect(401);
    const unknownKey = generateKey().key;
    keys.push(unknownKey);
    await t.http().get('/v1/decisions').set({ authorization: `Bearer ${unknownKey}` }).set('x-correlator', 'unknown-key').expect(401);
    await decide({ useCase: 'onboarding', phoneNumber: LINE.newLine, apiKey: unknownKey }, 'key-in-body').expect(400);
    await t.http().get(`/v1/decisions?key=${unknownKey}`).set('x-correlator', 'key-in-query').expect(400);

    // An unexpected error whose message echoes the input (as a driver error might).
    const spy = jest.spyOn(t.app.get(DecisionService), 'decide').mockRejectedValueOnce(new Error(`insert failed for ${LINE.newLine} (${t.key})`));
    try {
      await decide({ useCase: 'onboarding', phoneNumber: LINE.newLine }, 'unexpected').expect(500);
    } finally {
      spy.mockRestore();
    }
  }

  it('wrote the run: lines of every request, with their correlators', () => {
    const text = output.join('');
    for (const correlator of ['batch-0', 'bad-use-case', 'query-encoded', 'unknown-route', 'create-key', 'revoked-key', 'unexpected']) {
      expect(text).toContain(correlator);
    }
    // The decision lines (debug) and the unexpected error's stack were written, masked.
    expect(text).toContain('+34******001');
    expect(text).toContain('insert failed for +34******002');
  });

  it.each(numbers)('holds %s in no form', (phoneNumber) => {
    const text = output.join('');
    for (const form of formsOf(phoneNumber)) expect(text).not.toContain(form);
  });

  it('holds no API key, nor any key secret', () => {
    const text = output.join('');
    expect(keys).toHaveLength(3);
    for (const key of keys) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(parseKey(key)?.secret);
    }
  });
});
