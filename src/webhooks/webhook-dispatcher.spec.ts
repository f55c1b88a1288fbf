import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { FixedClock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { WebhookMetrics } from '../metrics/webhook.metrics';
import { SubscriptionWebhookRouter } from './subscription-webhook-router';
import { AttemptRecord, ClaimedDelivery, DisablePolicy, WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookDispatcher } from './webhook-dispatcher';
import { DeliveryRow } from './webhook-outbox';
import { SendResult, WebhookRequest, WebhookSender } from './webhook-sender';
import { verifySignature } from './webhook-signature';

const NOW = new Date('2026-12-01T10:00:00Z');
const SECRET = 'whsec_unit';
const CONFIG = {
  WEBHOOK_DELIVERY: 'off',
  WEBHOOK_POLL_MS: 1000,
  WEBHOOK_TIMEOUT_MS: 5000,
  WEBHOOK_MAX_ATTEMPTS: 3,
  WEBHOOK_BACKOFF_BASE_MS: 1000,
  WEBHOOK_BACKOFF_CAP_MS: 60_000,
  WEBHOOK_DISABLE_AFTER: 2,
  WEBHOOK_BATCH_SIZE: 2,
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: false,
} as AppConfig;

function row(id: string, attempts = 0): DeliveryRow {
  return {
    id,
    subscriptionId: 'sub',
    eventId: `event-${id}`,
    type: 'decision.created',
    payload: `{"id":"event-${id}"}`,
    createdAt: NOW,
    status: 'pending',
    attempts,
    nextAttemptAt: NOW,
    lockedUntil: null,
    deliveredAt: null,
    lastStatusCode: null,
    lastError: null,
  };
}

describe('WebhookDispatcher', () => {
  let queue: ClaimedDelivery[];
  let recorded: { attempt: AttemptRecord; disable: DisablePolicy }[];
  let sent: WebhookRequest[];
  let answers: SendResult[];
  let disables: boolean;
  let clock: FixedClock;
  let registry: Registry;
  let dispatcher: WebhookDispatcher;
  let repository: { claimDue: jest.Mock; recordAttempt: jest.Mock; deleteOrphan: jest.Mock };
  const router = { refresh: jest.fn(async () => undefined) };
  const claimDue = jest.fn();

  beforeEach(() => {
    queue = [];
    recorded = [];
    sent = [];
    answers = [];
    disables = false;
    clock = new FixedClock(NOW);
    registry = new Registry();
    claimDue.mockReset().mockImplementation(async (_now: Date, _lease: Date, limit: number) => queue.splice(0, limit));
    repository = {
      claimDue,
      recordAttempt: jest.fn(async (attempt: AttemptRecord, disable: DisablePolicy) => {
        recorded.push({ attempt, disable });
        return { disabled: disables && attempt.outcome.status === 'failed' };
      }),
      deleteOrphan: jest.fn(async () => undefined),
    };
    const sender = {
      send: jest.fn(async (request: WebhookRequest) => {
        sent.push(request);
        return answers.shift() ?? { statusCode: 200, error: null, durationMs: 3 };
      }),
    };
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    dispatcher = new WebhookDispatcher(
      repository as unknown as WebhookDeliveryRepository,
      sender as unknown as WebhookSender,
      router as unknown as SubscriptionWebhookRouter,
      CONFIG,
      clock,
      new WebhookMetrics(registry, async () => queue.length),
      () => 0.5,
    );
  });
  afterEach(() => jest.restoreAllMocks());

  const claimed = (delivery: DeliveryRow): ClaimedDelivery => ({ delivery, subscription: { id: 'sub', url: 'https://hooks.example.com/x', secret: SECRET } });
  const metric = async (name: string, labels: Record<string, string> = {}) =>
    (await registry.getSingleMetric(name)?.get())?.values.find((value) => Object.entries(labels).every(([k, v]) => value.labels[k] === v))?.value;

  it('sends the stored body, signed, with the event and delivery ids, and records it delivered', async () => {
    queue = [claimed(row('d1'))];
    await dispatcher.runOnce();
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request.body).toBe('{"id":"event-d1"}');
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'LineTrust-Event-Id': 'event-d1', 'LineTrust-Delivery-Id': 'd1' });
    expect(verifySignature(SECRET, request.headers['LineTrust-Signature'], request.body, 300, NOW).valid).toBe(true);
    expect(request).toMatchObject({ timeoutMs: 5000, allowPrivateNetworks: false });
    expect(recorded[0].attempt).toMatchObject({ statusCode: 200, error: null, outcome: { status: 'delivered' } });
    expect(await metric('linetrust_webhook_deliveries_total', { result: 'delivered' })).toBe(1);
  });

  it('claims with a lease beyond the send timeout, and keeps claiming while batches come back full', async () => {
    queue = ['a', 'b', 'c'].map((id) => claimed(row(id)));
    await dispatcher.runOnce();
    expect(claimDue).toHaveBeenCalledTimes(2);
    const [now, lease, limit] = claimDue.mock.calls[0] as [Date, Date, number];
    expect(now).toEqual(NOW);
    expect(lease.getTime() - NOW.getTime()).toBeGreaterThan(CONFIG.WEBHOOK_TIMEOUT_MS);
    expect(limit).toBe(2);
    expect(sent.map((request) => request.headers['LineTrust-Delivery-Id'])).toEqual(['a', 'b', 'c']);
  });

  it('schedules a failed send again after a jittered backoff, counting the attempt', async () => {
    queue = [claimed(row('d1', 1))];
    answers = [{ statusCode: 503, error: 'HTTP 503', durationMs: 8 }];
    await dispatcher.runOnce();
    // Second attempt failed: ceiling 1000 * 2 = 2000 ms, jitter 0.5 -> 1000 ms.
    expect(recorded[0].attempt).toMatchObject({ statusCode: 503, error: 'HTTP 503', outcome: { status: 'pending', nextAttemptAt: new Date(NOW.getTime() + 1000) } });
    expect(await metric('linetrust_webhook_retries_total')).toBe(1);
  });

  it('gives up after the last attempt, and reports a subscription disabled by it to the router', async () => {
    disables = true;
    queue = [claimed(row('d1', 2))];
    answers = [{ statusCode: null, error: 'connect ECONNREFUSED', durationMs: 1 }];
    await dispatcher.runOnce();
    expect(recorded[0].attempt.outcome).toEqual({ status: 'failed' });
    expect(recorded[0].disable).toEqual({ after: 2, reason: '2 deliveries in a row failed after 3 attempts each; the last: connect ECONNREFUSED' });
    expect(router.refresh).toHaveBeenCalled();
    expect(await metric('linetrust_webhook_deliveries_total', { result: 'failed' })).toBe(1);
  });

  it('drops a delivery whose subscription was deleted, without sending it', async () => {
    queue = [{ delivery: row('orphan') }];
    await dispatcher.runOnce();
    expect(sent).toEqual([]);
    expect(repository.deleteOrphan).toHaveBeenCalledWith('orphan');
  });

  it('runs passes one after another: a pass asked for during one starts after it', async () => {
    let release!: () => void;
    claimDue.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve([claimed(row('first'))]))));
    const first = dispatcher.runOnce();
    queue = [claimed(row('second'))];
    const second = dispatcher.runOnce();
    await Promise.resolve();
    expect(claimDue).toHaveBeenCalledTimes(1);
    release();
    await Promise.all([first, second]);
    expect(sent.map((request) => request.headers['LineTrust-Delivery-Id'])).toEqual(['first', 'second']);
  });

  it('never rejects: a database error is logged, and the next pass tries again', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    claimDue.mockRejectedValueOnce(new Error('database locked'));
    await expect(dispatcher.runOnce()).resolves.toBeUndefined();
    expect(error).toHaveBeenCalledWith(expect.stringContaining('database locked'), expect.anything());
  });

  it('reads the pending gauge from the outbox at scrape time', async () => {
    queue = [claimed(row('x')), claimed(row('y'))];
    expect(await metric('linetrust_webhook_deliveries_pending')).toBe(2);
  });
});
