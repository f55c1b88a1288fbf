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
      const d = await decide({ useCase: 'p2p_recipient', phoneNumber });
      expect(['REVIEW', 'BLOCK']).toContain(d.outcome);
      expect(codes(d)).toContain(code);
    });

    it('ALLOWs an established line', async () => {
      const d = await decide({ useCase: 'p2p_recipient', phoneNumber: LINE.established });
      expect(d.outcome).toBe('ALLOW');
      expect(codes(d)).toEqual(['ESTABLISHED_RECIPIENT_LINE']);
    });

    it('asks tenure over 90 days only when the amount is large enough to matter', async () => {
      const small = await decide({ useCase: 'p2p_recipient', phoneNumber: LINE.newLine, context: { amount: 20 } });
      expect(small.signals.map((s) => s.query)).not.toContainEqual({ tenureDate: '2026-03-17' });
      const large = await decide({ useCase: 'p2p_recipient', phoneNumber: LINE.newLine, context: { amount: 5000 } });
      expect(large.signals.map((s) => s.query)).toContainEqual({ tenureDate: '2026-03-17' });
    });

    it('BLOCKs a large payment (context.amount) to a young line', async () => {
      const d = await decide({ useCase: 'p2p_recipient', phoneNumber: LINE.newLine, context: { amount: 5000 } });
      expect(d.outcome).toBe('BLOCK');
      expect(codes(d)).toContain('LARGE_PAYMENT_TO_YOUNG_LINE');
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
