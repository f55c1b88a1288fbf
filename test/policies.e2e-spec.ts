import { LINE, NOW, TEST_LINES } from './support/lines';
import { startTestApp, TestApp } from './support/test-app';

/** The starter policies' promised behaviours, through HTTP, on a pinned clock and dataset. */
describe('starter policies (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  const decide = async (body: Record<string, unknown>) => {
    const response = await t.http().post('/v1/decisions').send(body).expect(201);
    return response.body as { outcome: string; score: number; reasons: { code: string; rule: string }[]; signals: { signal: string; query: object; status: string }[] };
  };
  const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);
  /** A payment p2p_recipient's inputs accept: 25.00 EUR in minor units. */
  const PAYMENT = { amount: 2500, currency: 'EUR' };

  describe('onboarding', () => {
    it('flags a line under 30 days old for REVIEW', async () => {
      const d = await decide({ useCase: 'onboarding', phoneNumber: LINE.newLine });
      expect(d.outcome).toBe('REVIEW');
      expect(codes(d)).toContain('LINE_TENURE_UNDER_30_DAYS');
    });

    it('ALLOWs a long-held postpaid line with no recent swaps, with a reason', async () => {
      const d = await decide({ useCase: 'onboarding', phoneNumber: LINE.established });
      expect(d.outcome).toBe('ALLOW');
      expect(codes(d)).toEqual(['ESTABLISHED_POSTPAID_LINE']);
    });

    it('steps up a line whose SIM changed in the last 72 h', async () => {
      const d = await decide({ useCase: 'onboarding', phoneNumber: LINE.simSwapped5h });
      expect(d.outcome).toBe('CHALLENGE');
      expect(codes(d)).toContain('SIM_SWAPPED_LAST_72H');
    });

    it('does not treat a number the operator does not know as no risk', async () => {
      const d = await decide({ useCase: 'onboarding', phoneNumber: LINE.notSubscriber });
      expect(d.outcome).not.toBe('ALLOW');
      expect(codes(d)).toContain('TENURE_UNVERIFIED');
      expect(d.signals.find((s) => s.signal === 'tenure')?.status).toBe('NOT_SUBSCRIBER');
    });

    it('queries only the signals the policy references, each distinct query once', async () => {
      const d = await decide({ useCase: 'onboarding', phoneNumber: LINE.established });
      expect(d.signals.map((s) => s.signal).sort()).toEqual(['simSwap', 'tenure', 'tenure']);
      expect(d.signals).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ signal: 'tenure', query: { tenureDate: '2026-05-16' } }),
          expect.objectContaining({ signal: 'tenure', query: { tenureDate: '2025-06-15' } }),
          expect.objectContaining({ signal: 'simSwap', query: { maxAge: 72 } }),
        ]),
      );
    });
  });

  describe('p2p_recipient', () => {
    it.each([
      ['a recipient line under 30 days old', LINE.newLine, 'RECIPIENT_LINE_UNDER_30_DAYS'],
      ['a recipient whose SIM changed in the last 72 h', LINE.simSwapped48h, 'RECIPIENT_SIM_SWAPPED_LAST_72H'],
    ])('puts %s at least in REVIEW', async (_label, phoneNumber, code) => {
      const d = await decide({ useCase: 'p2p_recipient', phoneNumber, context: PAYMENT });
      expect(['REVIEW', 'BLOCK']).toContain(d.outcome);
      expect(codes(d)).toContain(code);
    });

    it('ALLOWs an established line', async () => {
      const d = await decide({ useCase: 'p2p_recipient', phoneNumber: LINE.established, context: PAYMENT });
      expect(d.outcome).toBe('ALLOW');
      expect(codes(d)).toEqual(['ESTABLISHED_RECIPIENT_LINE']);
    });

    it('asks tenure over 90 days only when the amount is large enough to matter', async () => {
      const small = await decide({ useCase: 'p2p_recipient', phoneNumber: LINE.newLine, context: { amount: 2000, currency: 'EUR' } });
      expect(small.signals.map((s) => s.query)).not.toContainEqual({ tenureDate: '2026-03-17' });
      const large = await decide({ useCase: 'p2p_recipient', phoneNumber: LINE.newLine, context: { amount: 500000, currency: 'EUR' } });
      expect(large.signals.map((s) => s.query)).toContainEqual({ tenureDate: '2026-03-17' });
    });

    it('BLOCKs a large payment (context.amount) to a young line', async () => {
      const d = await decide({ useCase: 'p2p_recipient', phoneNumber: LINE.newLine, context: { amount: 500000, currency: 'EUR' } });
      expect(d.outcome).toBe('BLOCK');
      expect(codes(d)).toContain('LARGE_PAYMENT_TO_YOUNG_LINE');
    });
  });

  describe('p2p_recipient inputs fail closed', () => {
    const stored = async () => (await t.http().get(`/v1/decisions?phoneNumber=${encodeURIComponent(LINE.newLine)}&limit=100`).expect(200)).body.items.length as number;

    it.each<[string, Record<string, unknown> | undefined, RegExp]>([
      ['a formatted amount', { amount: '5,000', currency: 'EUR' }, /context\.amount must be integer \(got "5,000"\)/],
      ['an amount that is not a number', { amount: 'abc', currency: 'EUR' }, /context\.amount must be integer \(got "abc"\)/],
      ['a numeric string, once coerced by the engine', { amount: '500000', currency: 'EUR' }, /context\.amount must be integer \(got "500000"\)/],
      ['an empty context', {}, /context\.amount is required: integer in minor units of the currency \(got nothing\)/],
      ['no context', undefined, /context\.amount is required/],
      ['a misspelt field', { amout: 500000, currency: 'EUR' }, /context\.amout is not an input of this use case \(got 500000; its inputs are amount, currency\)/],
    ])('refuses %s with 400 naming the field, and stores nothing', async (_label, context, message) => {
      const before = await stored();
      const response = await t.http().post('/v1/decisions').send({ useCase: 'p2p_recipient', phoneNumber: LINE.newLine, ...(context ? { context } : {}) }).expect(400);
      expect(response.body).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
      expect(response.body.message).toMatch(/^context does not fit the inputs of use case p2p_recipient: /);
      expect(await stored()).toBe(before);
    });

    it('refuses any context field for a use case whose policy reads none', async () => {
      const response = await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.established, context: { amount: 5000 } }).expect(400);
      expect(response.body.message).toBe('context does not fit the inputs of use case onboarding: context.amount is not an input of this use case (got 5000; it reads no context field)');
    });

    it('publishes the declaration: GET /v1/policies/{id} returns it as inputs.context', async () => {
      const detail = (await t.http().get('/v1/policies/p2p_recipient').expect(200)).body;
      expect(detail.inputs.context).toEqual({
        type: 'object',
        description: 'The payment about to be made to the recipient.',
        properties: {
          amount: expect.objectContaining({ type: 'integer', minimum: 1, 'x-unit': 'minor units of the currency' }),
          currency: expect.objectContaining({ type: 'string', enum: ['EUR', 'GBP', 'USD'] }),
        },
        required: ['amount', 'currency'],
        additionalProperties: false,
      });
      expect((await t.http().get('/v1/policies/onboarding').expect(200)).body.inputs.context).toMatchObject({ properties: {}, additionalProperties: false });
    });

    it('stores the context as sent when it fits', async () => {
      const d = await t.http().post('/v1/decisions').send({ useCase: 'p2p_recipient', phoneNumber: LINE.newLine, context: { amount: 500000, currency: 'GBP' } }).expect(201);
      expect(d.body.context).toEqual({ amount: 500000, currency: 'GBP' });
      expect(d.body.outcome).toBe('BLOCK');
    });
  });

  describe('account_recovery', () => {
    it('BLOCKs a number recycled since trustedSince', async () => {
      const d = await decide({ useCase: 'account_recovery', phoneNumber: LINE.recycled, trustedSince: '2025-01-01' });
      expect(d.outcome).toBe('BLOCK');
      expect(codes(d)[0]).toBe('NUMBER_RECYCLED_SINCE_TRUSTED');
      expect(d.signals).toContainEqual(expect.objectContaining({ signal: 'numberRecycling', query: { specifiedDate: '2025-01-01' } }));
    });

    it('asks no further paid signal once the number is BLOCKed as recycled', async () => {
      const d = await decide({ useCase: 'account_recovery', phoneNumber: LINE.recycled, trustedSince: '2025-01-01' });
      expect(d.signals.map((s) => s.signal)).toEqual(['numberRecycling']);
    });

    it('does not block the same number when it was trusted after the new holder arrived', async () => {
      const d = await decide({ useCase: 'account_recovery', phoneNumber: LINE.recycled, trustedSince: '2026-04-01' });
      expect(d.outcome).toBe('ALLOW');
    });

    it('is at least CHALLENGE after a SIM swap in the last 24 h', async () => {
      const d = await decide({ useCase: 'account_recovery', phoneNumber: LINE.simSwapped5h, trustedSince: '2024-01-01' });
      expect(['CHALLENGE', 'REVIEW', 'BLOCK']).toContain(d.outcome);
      expect(codes(d)).toContain('SIM_SWAPPED_LAST_24H');
    });

    it('ALLOWs a stable line whose holder has not changed', async () => {
      const d = await decide({ useCase: 'account_recovery', phoneNumber: LINE.established, trustedSince: '2024-01-01' });
      expect(d.outcome).toBe('ALLOW');
      expect(codes(d)).toEqual(['STABLE_LINE_SAME_HOLDER']);
    });

    it.each([
      ['without trustedSince', { phoneNumber: LINE.established }, 'HOLDER_CHANGE_UNVERIFIED'],
      ['for a number the operator does not know', { phoneNumber: LINE.notSubscriber, trustedSince: '2024-01-01' }, 'HOLDER_CHANGE_UNVERIFIED'],
      ['when the operator has no device data', { phoneNumber: LINE.noSwapData, trustedSince: '2024-01-01' }, 'DEVICE_SWAP_UNVERIFIED'],
    ])('fails closed %s', async (_label, body, code) => {
      const d = await decide({ useCase: 'account_recovery', ...body });
      expect(d.outcome).not.toBe('ALLOW');
      expect(codes(d)).toContain(code);
    });

    it('records why a signal was unknown', async () => {
      const d = await decide({ useCase: 'account_recovery', phoneNumber: LINE.established });
      expect(d.signals).toContainEqual(
        expect.objectContaining({ signal: 'numberRecycling', status: 'MISSING_INPUT', reason: expect.stringContaining('trustedSince') }),
      );
    });
  });
});
