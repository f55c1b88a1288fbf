import { Logger } from '@nestjs/common';
import { FixedClock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { SubscriptionWebhookRouter, wants } from './subscription-webhook-router';
import { eventBody, WebhookEvent } from './webhook-outbox';
import { SubscriptionRecord, WebhookSubscriptionRepository } from './webhook-subscription.repository';

const NOW = new Date('2026-12-01T10:00:00Z');

function subscription(id: string, fields: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    id,
    url: 'https://hooks.example.com/',
    secret: 'whsec_x',
    events: ['decision.created'],
    useCases: null,
    outcomes: null,
    enabled: true,
    disabledAt: null,
    disabledReason: null,
    consecutiveFailures: 0,
    createdAt: NOW,
    createdBy: null,
    ...fields,
  };
}

const event = (fields: Partial<WebhookEvent> = {}): WebhookEvent => ({
  id: '01a20149-7354-70d1-94a1-d52bc3b0c889',
  type: 'decision.created',
  occurredAt: NOW,
  useCase: 'onboarding',
  outcome: 'REVIEW',
  data: { id: 'd1', outcome: 'REVIEW' },
  ...fields,
});

describe('webhook routing', () => {
  it.each<[string, Partial<SubscriptionRecord>, Partial<WebhookEvent>, boolean]>([
    ['every use case and outcome', {}, {}, true],
    ['another event type', { events: ['case.resolved'] }, {}, false],
    ['one of its event types', { events: ['case.opened', 'case.resolved'] }, { type: 'case.resolved' }, true],
    ['its use case', { useCases: ['onboarding', 'p2p_recipient'] }, {}, true],
    ['another use case', { useCases: ['p2p_recipient'] }, {}, false],
    ['its outcome', { outcomes: ['REVIEW', 'BLOCK'] }, {}, true],
    ['another outcome', { outcomes: ['BLOCK'] }, {}, false],
    ['a case event by the outcome that opened the case', { events: ['case.opened'], outcomes: ['REVIEW'] }, { type: 'case.opened' }, true],
    ['use case and outcome both', { useCases: ['onboarding'], outcomes: ['BLOCK'] }, {}, false],
  ])('%s', (_name, fields, eventFields, expected) => {
    expect(wants(subscription('s', fields), event(eventFields))).toBe(expected);
  });

  describe('SubscriptionWebhookRouter', () => {
    let rows: SubscriptionRecord[];
    let router: SubscriptionWebhookRouter;
    const repository = { listEnabled: jest.fn(async () => rows) };

    beforeEach(async () => {
      rows = [subscription('s1'), subscription('s2', { outcomes: ['BLOCK'] }), subscription('s3', { useCases: ['onboarding'] })];
      router = new SubscriptionWebhookRouter(repository as unknown as WebhookSubscriptionRepository, { WEBHOOK_REFRESH_MS: 60_000 } as AppConfig, new FixedClock(NOW));
      await router.onApplicationBootstrap();
    });
    afterEach(() => router.onModuleDestroy());

    it('answers one pending outbox row per matching subscription, from memory', () => {
      const calls = repository.listEnabled.mock.calls.length;
      const rowsOut = router.deliveriesFor(event());
      expect(repository.listEnabled.mock.calls.length).toBe(calls);
      expect(rowsOut.map((row) => row.subscriptionId)).toEqual(['s1', 's3']);
      expect(rowsOut[0]).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        subscriptionId: 's1',
        eventId: event().id,
        type: 'decision.created',
        payload: eventBody(event()),
        createdAt: NOW,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: NOW,
        lockedUntil: null,
        deliveredAt: null,
        lastStatusCode: null,
        lastError: null,
      });
      expect(new Set(rowsOut.map((row) => row.id)).size).toBe(2);
    });

    it('answers nothing when nobody subscribes', () => {
      expect(router.deliveriesFor(event({ type: 'case.noted' }))).toEqual([]);
    });

    it('routes by the list read last: a refresh picks up a new or a disabled subscription', async () => {
      rows = [subscription('s2', { outcomes: ['BLOCK'] })];
      await router.refresh();
      expect(router.deliveriesFor(event({ outcome: 'BLOCK' })).map((row) => row.subscriptionId)).toEqual(['s2']);
    });

    it('keeps the list it has when a refresh fails', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      repository.listEnabled.mockRejectedValueOnce(new Error('database gone'));
      await router.refresh();
      expect(router.deliveriesFor(event()).map((row) => row.subscriptionId)).toEqual(['s1', 's3']);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('database gone'));
      warn.mockRestore();
    });

    it('never lets a slow, older read overwrite a newer one', async () => {
      let releaseSlow!: (value: SubscriptionRecord[]) => void;
      repository.listEnabled.mockImplementationOnce(() => new Promise((resolve) => (releaseSlow = resolve)));
      const slow = router.refresh();
      rows = [];
      await router.refresh();
      releaseSlow([subscription('stale')]);
      await slow;
      expect(router.deliveriesFor(event())).toEqual([]);
    });
  });
});
