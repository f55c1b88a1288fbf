import { ApiKeyService } from '../src/auth/api-key.service';
import { uuidv7 } from '../src/common/ids/uuid7';
import { PrismaService } from '../src/prisma/prisma.service';
import { WebhookDeliveryRepository } from '../src/webhooks/webhook-delivery.repository';
import { WebhookDispatcher } from '../src/webhooks/webhook-dispatcher';
import { WebhookEvent, WebhookRouter } from '../src/webhooks/webhook-outbox';
import { startTestApp, TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * Signed webhooks end to end: subscriptions through the API, outbox rows as a producer writes
 * them (the router's rows, inserted in the test's own statement), the dispatcher sending them to
 * a receiver that verifies every signature. The dispatcher's passes are run by the test
 * (runOnce), so it knows when everything due was sent and recorded without waiting; the clock
 * is the test's, moved past each backoff.
 */
describe('webhooks (e2e)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const BACKOFF_MS = 1000;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    t = await startTestApp({
      env: {
        // The receiver is http://127.0.0.1: both guards are opened for it, as a test must.
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        WEBHOOK_POLL_MS: '600000',
        WEBHOOK_BACKOFF_BASE_MS: String(BACKOFF_MS),
        WEBHOOK_BACKOFF_CAP_MS: String(BACKOFF_MS),
        WEBHOOK_MAX_ATTEMPTS: '3',
        WEBHOOK_DISABLE_AFTER: '2',
      },
    });
  });
  afterEach(async () => {
    // Each test's subscriptions go with it, and their deliveries: none is left for the next test to send.
    for (const subscription of (await t.http().get('/v1/webhooks').expect(200)).body.items) await t.http().delete(`/v1/webhooks/${subscription.id}`).expect(204);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  const send = () => t.app.get(WebhookDispatcher).runOnce();
  const later = (ms: number) => t.clock.set(new Date(t.clock.now().getTime() + ms));

  async function subscribe(path: string, body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
    const created = (await t.http().post('/v1/webhooks').send({ url: receiver.url(path), events: ['decision.created'], ...body }).expect(201)).body;
    receiver.trust(path, created.secret);
    return created;
  }

  /** Writes an event's outbox rows as a producer does: the router's rows, in one statement. */
  async function publish(fields: Partial<WebhookEvent> = {}): Promise<WebhookEvent> {
    const event: WebhookEvent = {
      id: uuidv7(),
      type: 'decision.created',
      occurredAt: t.clock.now(),
      useCase: 'onboarding',
      outcome: 'REVIEW',
      data: { id: uuidv7(), useCase: 'onboarding', outcome: 'REVIEW', phoneNumber: '+34******002' },
      ...fields,
    };
    const rows = t.app.get(WebhookRouter).deliveriesFor(event);
    await t.app.get(PrismaService).client.webhookDelivery.createMany({ data: rows });
    return event;
  }

  const deliveries = async (id: string) => (await t.http().get(`/v1/webhooks/${id}/deliveries`).expect(200)).body.items;

  describe('subscriptions', () => {
    it('creates one with its secret shown once, lists and reads it without, deletes it', async () => {
      const created = (await t.http().post('/v1/webhooks').send({ url: receiver.url('/crud'), events: ['decision.created', 'case.resolved'], outcomes: ['REVIEW', 'BLOCK'] }).expect(201)).body;
      expect(created).toMatchObject({ url: receiver.url('/crud'), events: ['decision.created', 'case.resolved'], useCases: null, outcomes: ['REVIEW', 'BLOCK'], enabled: true, consecutiveFailures: 0 });
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      const listed = (await t.http().get('/v1/webhooks').expect(200)).body.items;
      expect(listed).toEqual([{ ...created, secret: undefined }].map(({ secret: _s, ...rest }) => rest));
      expect(JSON.stringify(listed)).not.toContain(created.secret);
      const read = (await t.http().get(`/v1/webhooks/${created.id}`).expect(200)).body;
      expect(read.secret).toBeUndefined();
      await t.http().delete(`/v1/webhooks/${created.id}`).expect(204);
      expect((await t.http().get(`/v1/webhooks/${created.id}`).expect(404)).body).toEqual({ status: 404, code: 'NOT_FOUND', message: `webhook subscription ${created.id} not found` });
      expect((await t.http().get('/v1/webhooks/nope').expect(404)).body.message).toBe('webhook subscription not found');
      await t.http().delete(`/v1/webhooks/${created.id}`).expect(404);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['no events', { events: [] }, 'events must contain at least 1 elements'],
      ['an unknown event type', { events: ['decision.deleted'] }, 'events must be some of decision.created'],
      ['an unknown outcome', { outcomes: ['MAYBE'] }, 'outcomes must be some of ALLOW'],
      ['a use case without a policy', { useCases: ['onbaording'] }, 'useCases: no policy for onbaording'],
      ['an unknown field', { secret: 'mine' }, 'property secret should not exist'],
      ['not a URL', { url: 'hooks' }, 'url must be an absolute URL'],
      ['credentials in the URL', { url: 'https://u:p@hooks.example.com/' }, 'url must not contain credentials'],
    ])('refuses %s with 400 INVALID_ARGUMENT naming the field', async (_name, fields, message) => {
      const body = (await t.http().post('/v1/webhooks').send({ url: receiver.url('/bad'), events: ['decision.created'], ...fields }).expect(400)).body;
      expect(body).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringContaining(message) });
    });

    it('is for admin keys only', async () => {
      const { key } = await t.app.get(ApiKeyService).create({ label: 'reader', scopes: ['decisions:read', 'decisions:write'] });
      const body = (await t.http().get('/v1/webhooks').set('authorization', `Bearer ${key}`).expect(403)).body;
      expect(body).toEqual({ status: 403, code: 'PERMISSION_DENIED', message: expect.stringContaining('admin') });
    });

    it('routes an event only to the subscriptions that want its type, use case and outcome', async () => {
      const all = await subscribe('/route-all');
      const blocks = await subscribe('/route-blocks', { outcomes: ['BLOCK'] });
      const p2p = await subscribe('/route-p2p', { useCases: ['p2p_recipient'] });
      const router = t.app.get(WebhookRouter);
      const event = { id: uuidv7(), type: 'decision.created' as const, occurredAt: t.clock.now(), useCase: 'onboarding', outcome: 'BLOCK', data: {} };
      expect(router.deliveriesFor(event).map((row) => row.subscriptionId).sort()).toEqual([all.id, blocks.id].sort());
      expect(router.deliveriesFor({ ...event, useCase: 'p2p_recipient', outcome: 'ALLOW' }).map((row) => row.subscriptionId).sort()).toEqual([all.id, p2p.id].sort());
      expect(router.deliveriesFor({ ...event, type: 'case.opened' })).toEqual([]);
    });
  });

  describe('delivery', () => {
    it('sends an outbox row signed, once, and logs the attempt', async () => {
      const subscription = await subscribe('/signed');
      const event = await publish();
      await send();
      await send();
      const [got] = receiver.at('/signed');
      expect(receiver.at('/signed')).toHaveLength(1);
      expect(got).toMatchObject({ verified: true, answered: 200, eventId: event.id });
      expect(got.headers['content-type']).toBe('application/json');
      expect(got.headers['linetrust-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(got.json).toEqual({ id: event.id, type: 'decision.created', createdAt: event.occurredAt.toISOString(), data: event.data });
      const [logged] = await deliveries(subscription.id);
      expect(logged).toMatchObject({ id: got.deliveryId, eventId: event.id, status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
      expect(logged.attemptLog).toEqual([{ at: expect.any(String), statusCode: 200, error: null, durationMs: expect.any(Number) }]);
    });

    it('retries a failing receiver after a backoff, until it answers 2xx', async () => {
      const subscription = await subscribe('/flaky');
      receiver.script('/flaky', [500, 503]);
      const event = await publish();
      await send();
      let [logged] = await deliveries(subscription.id);
      expect(logged).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500' });
      expect(Date.parse(logged.nextAttemptAt) - t.clock.now().getTime()).toBeLessThan(BACKOFF_MS);
      later(BACKOFF_MS);
      await send();
      later(BACKOFF_MS);
      await send();
      [logged] = await deliveries(subscription.id);
      expect(logged).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200 });
      expect(logged.attemptLog.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([500, 503, 200]);
      expect(receiver.at('/flaky').map((request) => [request.eventId, request.answered])).toEqual([
        [event.id, 500],
        [event.id, 503],
        [event.id, 200],
      ]);
      expect(new Set(receiver.at('/flaky').map((request) => request.deliveryId)).size).toBe(1);
    });

    it('disables a subscription after repeated failed deliveries, holds its deliveries, and resumes them when enabled', async () => {
      const subscription = await subscribe('/down');
      receiver.script('/down', Array(6).fill(500));
      await publish();
      await publish();
      for (let attempt = 1; attempt <= 3; attempt++) {
        await send();
        later(BACKOFF_MS);
      }
      const disabled = (await t.http().get(`/v1/webhooks/${subscription.id}`).expect(200)).body;
      expect(disabled).toMatchObject({ enabled: false, consecutiveFailures: 2, disabledAt: expect.any(String) });
      expect(disabled.disabledReason).toBe('2 deliveries in a row failed after 3 attempts each; the last: HTTP 500');
      expect((await deliveries(subscription.id)).map((d: { status: string }) => d.status)).toEqual(['failed', 'failed']);
      // Not routed to while disabled; a row written just before it was disabled is held, not sent.
      expect(t.app.get(WebhookRouter).deliveriesFor({ id: uuidv7(), type: 'decision.created', occurredAt: t.clock.now(), useCase: 'onboarding', outcome: 'REVIEW', data: {} })).toEqual([]);
      await t.app.get(PrismaService).client.webhookDelivery.create({ data: { ...(await lastRow(subscription.id)), id: uuidv7(), eventId: uuidv7(), status: 'pending', attempts: 0, nextAttemptAt: t.clock.now(), lockedUntil: null, deliveredAt: null, lastStatusCode: null, lastError: null } });
      await send();
      expect(receiver.at('/down')).toHaveLength(6);

      const enabled = (await t.http().post(`/v1/webhooks/${subscription.id}/enable`).send({}).expect(200)).body;
      expect(enabled).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledAt: null, disabledReason: null });
      await send();
      expect(receiver.at('/down')).toHaveLength(7);
      expect(receiver.at('/down')[6].answered).toBe(200);
      expect(t.app.get(WebhookRouter).deliveriesFor({ id: uuidv7(), type: 'decision.created', occurredAt: t.clock.now(), useCase: 'onboarding', outcome: 'REVIEW', data: {} })).toHaveLength(1);
    });

    it('refuses to replay a pending delivery; replays a failed or delivered one as a new delivery of the same event id', async () => {
      const subscription = await subscribe('/replay');
      receiver.script('/replay', [500, 500, 500]);
      const event = await publish();
      await send();
      const [retrying] = await deliveries(subscription.id);
      expect((await t.http().post(`/v1/webhooks/deliveries/${retrying.id}/replay`).send({}).expect(409)).body).toEqual({
        status: 409,
        code: 'CONFLICT',
        message: `webhook delivery ${retrying.id} is still pending (next try at ${retrying.nextAttemptAt}): it will be sent without a replay`,
      });
      for (let attempt = 2; attempt <= 3; attempt++) {
        later(BACKOFF_MS);
        await send();
      }
      const [failed] = await deliveries(subscription.id);
      expect(failed).toMatchObject({ status: 'failed', attempts: 3 });

      const replay = (await t.http().post(`/v1/webhooks/deliveries/${failed.id}/replay`).send({}).expect(202)).body;
      expect(replay).toMatchObject({ eventId: event.id, subscriptionId: subscription.id, status: 'pending', attempts: 0, attemptLog: [] });
      expect(replay.id).not.toBe(failed.id);
      await send();
      const last = receiver.at('/replay').at(-1)!;
      expect(last).toMatchObject({ eventId: event.id, deliveryId: replay.id, answered: 200, verified: true });
      const [replayed, original] = await deliveries(subscription.id);
      expect(replayed).toMatchObject({ id: replay.id, status: 'delivered', attempts: 1 });
      expect(original).toMatchObject({ id: failed.id, status: 'failed', attempts: 3 });

      // A receiver that lost a delivered event asks for it again: same event id, its own delivery.
      await t.http().post(`/v1/webhooks/deliveries/${replay.id}/replay`).send({}).expect(202);
      await send();
      expect(receiver.at('/replay').filter((request) => request.answered === 200).map((request) => request.eventId)).toEqual([event.id, event.id]);
      expect((await t.http().post(`/v1/webhooks/deliveries/${uuidv7()}/replay`).send({}).expect(404)).body.code).toBe('NOT_FOUND');
    });

    it('claims each due delivery for one sender at a time, until its lease ends (fleet-safe)', async () => {
      const subscription = await subscribe('/claims');
      for (let i = 0; i < 6; i++) await publish();
      const repository = t.app.get(WebhookDeliveryRepository);
      const now = t.clock.now();
      const lease = new Date(now.getTime() + 60_000);
      const [first, second] = await Promise.all([repository.claimDue(now, lease, 4), repository.claimDue(now, lease, 4)]);
      const ids = [...first, ...second].map((claimed) => claimed.delivery.id);
      expect(ids).toHaveLength(6);
      expect(new Set(ids).size).toBe(6);
      expect(first.every((claimed) => claimed.subscription?.id === subscription.id)).toBe(true);
      expect(await repository.claimDue(now, lease, 10)).toEqual([]);
      // A sender that died holding them: after its lease, they are claimed again.
      expect(await repository.claimDue(lease, new Date(lease.getTime() + 60_000), 10)).toHaveLength(6);
    });

    it('drops the pending deliveries of a deleted subscription, unsent', async () => {
      const subscription = await subscribe('/deleted');
      await publish();
      await t.http().delete(`/v1/webhooks/${subscription.id}`).expect(204);
      await send();
      expect(receiver.at('/deleted')).toEqual([]);
      expect(await t.app.get(PrismaService).client.webhookDelivery.count({ where: { subscriptionId: subscription.id } })).toBe(0);
    });

    it('counts deliveries by result and the pending ones in /metrics', async () => {
      const subscription = await subscribe('/metrics');
      receiver.script('/metrics', [500]);
      await publish();
      await send();
      const text = (await t.http().get('/metrics').expect(200)).text;
      expect(text).toMatch(/^linetrust_webhook_deliveries_pending 1$/m);
      expect(text).toMatch(/^linetrust_webhook_retries_total [1-9]\d*$/m);
      expect(text).toMatch(/^linetrust_webhook_deliveries_total\{result="delivered"\} [1-9]\d*$/m);
      expect(text).toMatch(/^linetrust_webhook_deliveries_total\{result="failed"\} [1-9]\d*$/m);
      await t.http().delete(`/v1/webhooks/${subscription.id}`).expect(204);
    });
  });

  async function lastRow(subscriptionId: string) {
    return (await t.app.get(PrismaService).client.webhookDelivery.findFirst({ where: { subscriptionId }, orderBy: { id: 'desc' } }))!;
  }
});

describe('webhooks with the default guards (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_DELIVERY: 'off' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each<[string, string]>([
    ['http://hooks.example.com/linetrust', 'url must be https:// (webhooks carry decisions; http:// only with WEBHOOK_ALLOW_HTTP=true)'],
    ['https://127.0.0.1:8443/hook', 'url must not point to a loopback address (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)'],
    ['https://[::1]/hook', 'url must not point to a loopback address (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)'],
    ['https://localhost/hook', 'url must not point to a loopback address (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)'],
    ['https://10.20.30.40/hook', 'url must not point to a private address (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)'],
    ['https://169.254.169.254/latest/meta-data/', 'url must not point to a link-local address (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)'],
    ['https://[::ffff:192.168.1.1]/hook', 'url must not point to a private address (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)'],
  ])('refuses %s', async (url, message) => {
    const body = (await t.http().post('/v1/webhooks').send({ url, events: ['decision.created'] }).expect(400)).body;
    expect(body).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message });
  });

  it('accepts a public https URL (its name is resolved and checked at each send)', async () => {
    const created = (await t.http().post('/v1/webhooks').send({ url: 'https://hooks.example.com/linetrust', events: ['case.resolved'] }).expect(201)).body;
    expect(created.url).toBe('https://hooks.example.com/linetrust');
  });
});
