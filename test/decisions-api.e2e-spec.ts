import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { CapturingLogger, startTestApp, TestApp } from './support/test-app';

/** The API contract: shapes, storage, read-back, listing and every error case. */
describe('decisions API (e2e)', () => {
  let t: TestApp;
  const logger = new CapturingLogger();
  const server = () => t.http();
  const storedCount = async () => t.app.get(PrismaService).client.decision.count();

  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW, logger });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('POST /v1/decisions', () => {
    it('answers 201 with the decision, stored and readable back identical', async () => {
      const created = await server()
        .post('/v1/decisions')
        .send({ useCase: 'p2p_recipient', phoneNumber: LINE.established, subjectId: 'acct-42', context: { amount: 1250, currency: 'EUR' } })
        .expect(201);
      expect(created.body).toMatchObject({
        useCase: 'p2p_recipient',
        outcome: 'ALLOW',
        score: 0,
        phoneNumber: '+34******001',
        subjectId: 'acct-42',
        context: { amount: 1250, currency: 'EUR' },
        policy: { id: 'p2p_recipient', version: expect.stringMatching(/^[0-9a-f]{16}$/) },
        createdAt: NOW.toISOString(),
      });
      expect(created.body.reasons).toEqual([
        { rule: 'established-recipient', code: 'ESTABLISHED_RECIPIENT_LINE', action: 'ALLOW', message: expect.any(String) },
      ]);
      const read = await server().get(`/v1/decisions/${created.body.id}`).expect(200);
      expect(read.body).toEqual(created.body);
    });

    it('echoes x-correlator and stores it with the decision', async () => {
      const response = await server()
        .post('/v1/decisions')
        .set('x-correlator', 'req-123:abc')
        .send({ useCase: 'onboarding', phoneNumber: LINE.newLine })
        .expect(201);
      expect(response.headers['x-correlator']).toBe('req-123:abc');
      expect(response.body.correlator).toBe('req-123:abc');
    });

    it('generates an x-correlator when the caller sends none', async () => {
      const response = await server().get('/v1/policies').expect(200);
      expect(response.headers['x-correlator']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('never stores or logs the phone number in clear', async () => {
      await server().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.simSwapped48h }).expect(201);
      const rows = await t.app.get(PrismaService).client.decision.findMany();
      const dump = JSON.stringify(rows);
      for (const number of Object.values(LINE)) expect(dump).not.toContain(number);
      expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.phoneNumberHash))).toBe(true);
      for (const number of Object.values(LINE)) expect(logger.lines.join('\n')).not.toContain(number);
    });
  });

  describe('errors: CAMARA body, nothing stored', () => {
    const invalid: [string, unknown, RegExp][] = [
      ['a missing phoneNumber', { useCase: 'onboarding' }, /phoneNumber/],
      ['a phoneNumber that is not E.164', { useCase: 'onboarding', phoneNumber: '0034600000001' }, /phoneNumber must be E\.164/],
      ['an unknown use case', { useCase: 'lending', phoneNumber: LINE.established }, /useCase must be one of .*onboarding/],
      ['a missing useCase', { phoneNumber: LINE.established }, /useCase/],
      ['an unknown field', { useCase: 'onboarding', phoneNumber: LINE.established, amount: 3 }, /unknown field "amount"/],
      ['a malformed trustedSince', { useCase: 'account_recovery', phoneNumber: LINE.established, trustedSince: '2024-02-30' }, /trustedSince must be a date YYYY-MM-DD/],
      ['a future trustedSince', { useCase: 'account_recovery', phoneNumber: LINE.established, trustedSince: '2026-06-16' }, /trustedSince must not be in the future/],
      ['a context that is not an object', { useCase: 'onboarding', phoneNumber: LINE.established, context: [1] }, /context must be a JSON object/],
      ['a context nested too deep', { useCase: 'onboarding', phoneNumber: LINE.established, context: { a: { b: { c: { d: { e: 1 } } } } } }, /context must be a JSON object/],
      ['a subjectId too long', { useCase: 'onboarding', phoneNumber: LINE.established, subjectId: 'x'.repeat(129) }, /subjectId/],
      ['a body that is an array', [1, 2], /must be a JSON object/],
      ['a null optional field', { useCase: 'onboarding', phoneNumber: LINE.established, subjectId: null }, /subjectId must be a string/],
      ['a context nested thousands deep', { useCase: 'onboarding', phoneNumber: LINE.established, context: { a: JSON.parse('['.repeat(3000) + ']'.repeat(3000)) } }, /nested deeper than 16 levels/],
      ['a lone surrogate in a string', { useCase: 'onboarding', phoneNumber: LINE.established, subjectId: '\ud800' }, /well-formed Unicode/],
      ['a NUL character in a string', { useCase: 'onboarding', phoneNumber: LINE.established, subjectId: 'a\u0000b' }, /without NUL/],
      ['a "constructor" field', JSON.parse(`{"useCase":"onboarding","phoneNumber":"${LINE.established}","constructor":1}`), /unknown field "constructor"/],
    ];

    it.each(invalid)('400 INVALID_ARGUMENT for %s, naming the field', async (_label, body, message) => {
      const before = await storedCount();
      const response = await server().post('/v1/decisions').send(body as object).expect(400);
      expect(response.body).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
      expect(await storedCount()).toBe(before);
    });

    it('400 for malformed JSON, not a 500', async () => {
      const response = await server()
        .post('/v1/decisions')
        .set('content-type', 'application/json')
        .send('{"useCase": "onboarding",')
        .expect(400);
      expect(response.body).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    });

    // Strict JSON. Before it, all but the non-UTF-8 body were decided and stored.
    const start = `{"useCase":"onboarding","phoneNumber":"${LINE.established}"`;
    it.each([
      ['a duplicate field', `${start},"useCase":"p2p_recipient"}`, 'application/json', 400, /duplicate field "useCase"/],
      ['a number beyond the double range', `${start},"context":{"n":1e400}}`, 'application/json', 400, /numbers must be finite/],
      ['an unknown field named like an Object method', `${start},"hasOwnProperty":1}`, 'application/json', 400, /unknown field "hasOwnProperty"/],
      ['a body that is not UTF-8', Buffer.from(`${start},"subjectId":"caf\xe9"}`, 'latin1'), 'application/json', 400, /not valid UTF-8/],
      ['a charset other than UTF-8', `${start}}`, 'application/json; charset=latin1', 415, /^charset latin1 is not accepted: JSON is UTF-8\. Send Content-Type: application\/json/],
    ])('refuses %s, nothing stored', async (_label, payload, type, status, message) => {
      const before = await storedCount();
      // Sent as is: superagent would serialize a Buffer to JSON.
      const response = await server().post('/v1/decisions').set('content-type', type).serialize((body: unknown) => body as string).send(payload).expect(status);
      expect(response.body).toEqual({ status, code: status === 400 ? 'INVALID_ARGUMENT' : 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringMatching(message) });
      expect(await storedCount()).toBe(before);
    });

    it('413 for an oversized body', async () => {
      const response = await server()
        .post('/v1/decisions')
        .send({ useCase: 'onboarding', phoneNumber: LINE.established, subjectId: 'x'.repeat(20_000) })
        .expect(413);
      expect(response.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    it.each([
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', `useCase=onboarding&phoneNumber=${encodeURIComponent(LINE.established)}`],
    ])('415 for a %s body, saying to send application/json, nothing stored', async (type, body) => {
      const before = await storedCount();
      const response = await server().post('/v1/decisions').set('content-type', type).send(body).expect(415);
      expect(response.body).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: `Content-Type ${type} is not accepted. Send the body as JSON, with Content-Type: application/json.` });
      expect(await storedCount()).toBe(before);
    });

    it.each([
      ['a NUL in a query string', '/v1/decisions?subjectId=%00', 400],
      ['a malformed URL encoding', '/v1/decisions/%zz', 400],
      ['an over-long path parameter', `/v1/decisions/${'a'.repeat(200)}`, 414],
    ])('the CAMARA body with a correlator for %s', async (_label, path, status) => {
      const response = await server().get(path).expect(status);
      expect(response.body).toEqual({ status, code: expect.any(String), message: expect.any(String) });
      expect(response.headers['x-correlator']).toBeDefined();
    });

    it('404 for a POST to an unknown route, whatever its body', async () => {
      const response = await server().post('/v1/nothing-here').expect(404);
      expect(response.body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    });

    it('404 without echoing a malformed decision id', async () => {
      const response = await server().get('/v1/decisions/%00not-an-id').expect(404);
      expect(response.body).toEqual({ status: 404, code: 'NOT_FOUND', message: 'decision not found' });
    });

    it('400 for an x-correlator that breaks the CAMARA pattern', async () => {
      const response = await server().get('/v1/policies').set('x-correlator', 'has spaces').expect(400);
      expect(response.body).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringContaining('x-correlator') });
    });

    it('404 NOT_FOUND for an unknown decision id and an unknown route', async () => {
      const unknown = await server().get('/v1/decisions/01890000-0000-7000-8000-000000000000').expect(404);
      expect(unknown.body).toEqual({ status: 404, code: 'NOT_FOUND', message: expect.any(String) });
      const route = await server().get('/v1/nothing-here').expect(404);
      expect(route.body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    });
  });

  describe('GET /v1/decisions', () => {
    beforeAll(async () => {
      for (const [phoneNumber, subjectId] of [
        [LINE.newLine, 'list-a'],
        [LINE.established, 'list-a'],
        [LINE.simSwapped5h, 'list-b'],
      ]) {
        t.clock.set(new Date(t.clock.now().getTime() + 1000));
        await server().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber, subjectId }).expect(201);
      }
    });

    it('lists newest first and filters by subjectId, outcome and use case', async () => {
      const bySubject = await server().get('/v1/decisions?subjectId=list-a').expect(200);
      expect(bySubject.body.items.map((d: { phoneNumber: string }) => d.phoneNumber)).toEqual(['+34******001', '+34******002']);
      const reviews = await server().get('/v1/decisions?useCase=onboarding&outcome=REVIEW').expect(200);
      expect(reviews.body.items.length).toBeGreaterThan(0);
      expect(reviews.body.items.every((d: { outcome: string; useCase: string }) => d.outcome === 'REVIEW' && d.useCase === 'onboarding')).toBe(true);
    });

    it('finds a number\'s decisions by its keyed hash', async () => {
      const response = await server().get(`/v1/decisions?phoneNumber=${encodeURIComponent(LINE.simSwapped5h)}`).expect(200);
      expect(response.body.items.length).toBeGreaterThan(0);
      expect(response.body.items.every((d: { phoneNumber: string }) => d.phoneNumber === '+34******003')).toBe(true);
    });

    it('pages with nextCursor until the end', async () => {
      const total = await storedCount();
      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `limit=2&cursor=${cursor}` : 'limit=2';
        const page: request.Response = await server().get(`/v1/decisions?${query}`).expect(200);
        for (const item of page.body.items) seen.add(item.id);
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen.size).toBe(total);
    });

    it.each([['limit=0'], ['limit=101'], ['outcome=MAYBE'], ['cursor=abc'], ['phoneNumber=123'], ['other=1']])(
      '400 INVALID_ARGUMENT for %s',
      async (query) => {
        const response = await server().get(`/v1/decisions?${query}`).expect(400);
        expect(response.body).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
      },
    );
  });

  it('GET /v1/policies lists each policy with its version and rule names', async () => {
    const response = await server().get('/v1/policies').expect(200);
    expect(response.body.items.map((p: { id: string }) => p.id).sort()).toEqual(['account_recovery', 'onboarding', 'p2p_recipient']);
    const onboarding = response.body.items.find((p: { id: string }) => p.id === 'onboarding');
    expect(onboarding.rules).toContain('new-line');
    expect(onboarding.version).toMatch(/^[0-9a-f]{16}$/);
  });
});
