import { Logger } from '@nestjs/common';
import { KEY_IN_TEXT } from '../src/auth/api-key-secret';
import { runKeysCli } from '../src/cli/keys-cli';
import { uuidv7 } from '../src/common/ids/uuid7';
import { validateConfig } from '../src/config/app-config';
import { PrismaService } from '../src/prisma/prisma.service';
import { DeliveryRow, eventBody } from '../src/webhooks/webhook-outbox';
import { freePort, Instance, startInstance, waitReady } from './support/fleet';
import { starterRulesDir } from './support/starter-rules';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { WebhookReceiver } from './support/webhook-receiver';

/** Polls a condition on the database (another process changes it); fails after `limitMs`. */
async function until(what: string, condition: () => Promise<boolean>, limitMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The outbox across crashes, with real service processes (SIGKILL: no shutdown hook runs):
 * an event written before the service died is delivered after it restarts, once, and one
 * whose receiver was down while the service crashed between its retries is delivered too.
 */
describe('webhook deliveries across a crash of the service (e2e)', () => {
  let database: TestDatabase;
  let prisma: PrismaService;
  let key: string;
  const up = new WebhookReceiver();
  const down = new WebhookReceiver();
  let downPort: number;
  const instances: Instance[] = [];
  const env = (poll: string) => ({
    DATABASE_URL: database.url,
    RETENTION_INTERVAL_MINUTES: '0',
    RATE_LIMIT_PER_SECOND: '0',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_POLL_MS: poll,
    WEBHOOK_BACKOFF_BASE_MS: '200',
    WEBHOOK_BACKOFF_CAP_MS: '200',
    WEBHOOK_MAX_ATTEMPTS: '50',
    WEBHOOK_DISABLE_AFTER: '50',
  });
  const start = async (poll: string) => {
    const instance = await startInstance(env(poll));
    instances.push(instance);
    await waitReady(instance);
    return instance;
  };

  beforeAll(async () => {
    // The test's own database client and the keys CLI say what they did: not needed here.
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    database = await createTestDatabase();
    const lines: string[] = [];
    const out = { line: (l: string) => lines.push(l), error: (l: string) => lines.push(l), colour: false };
    const code = await runKeysCli(['create', '--label', 'webhooks', '--scopes', 'admin'], out, { DATABASE_URL: database.url, LOG_LEVEL: 'warn', RULES_DIR: starterRulesDir() });
    key = lines.join('\n').match(KEY_IN_TEXT)?.[0] ?? '';
    if (code !== 0 || !key) throw new Error(lines.join('\n'));
    prisma = new PrismaService(validateConfig({ DATABASE_URL: database.url }));
    await prisma.onModuleInit();
    await up.start();
    downPort = await freePort();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.kill9()));
    await prisma?.onModuleDestroy();
    await up.stop();
    await down.stop();
    await database.drop();
  });

  async function subscribe(instance: Instance, url: string, events = ['decision.created']): Promise<{ id: string; secret: string }> {
    const response = await fetch(`${instance.url}/v1/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ url, events }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; secret: string };
  }

  /** An event's outbox row, as the decision's transaction writes it. */
  async function outbox(subscriptionId: string): Promise<DeliveryRow> {
    const now = new Date();
    const eventId = uuidv7();
    const payload = eventBody({ id: eventId, type: 'decision.created', occurredAt: now, useCase: 'onboarding', outcome: 'BLOCK', data: { id: uuidv7(), outcome: 'BLOCK' } });
    const row: DeliveryRow = { id: uuidv7(), subscriptionId, eventId, type: 'decision.created', payload, createdAt: now, status: 'pending', attempts: 0, nextAttemptAt: now, lockedUntil: null, deliveredAt: null, lastStatusCode: null, lastError: null };
    await prisma.client.webhookDelivery.create({ data: row });
    return row;
  }
  const row = async (id: string) => (await prisma.client.webhookDelivery.findUnique({ where: { id } }))!;

  it('delivers, exactly once, an event stored before the service was killed, and one whose receiver was down across a second crash', async () => {
    // 1. An instance that polls only at start: the events written after it are not sent before it dies.
    const first = await start('600000');
    const toUp = await subscribe(first, up.url('/hooks'));
    const toDown = await subscribe(first, `http://127.0.0.1:${downPort}/hooks`);
    up.trust('/hooks', toUp.secret);
    down.trust('/hooks', toDown.secret);
    const stored = await outbox(toUp.id);
    const waiting = await outbox(toDown.id);
    await first.kill9();
    expect(up.received).toEqual([]);
    expect(await row(stored.id)).toMatchObject({ status: 'pending', attempts: 0 });

    // 2. Restarted: the stored event goes out; the other receiver is down, so its event is retried until this instance is killed too.
    const second = await start('100');
    await up.until(1);
    await until('the stored event recorded delivered, the other tried', async () => (await row(stored.id)).status === 'delivered' && (await row(waiting.id)).attempts >= 1);
    await second.kill9();
    expect(await row(waiting.id)).toMatchObject({ status: 'pending', lastStatusCode: null, lastError: expect.stringContaining('ECONNREFUSED') });

    // 3. The receiver comes back, and so does the service: the retried event gets through.
    await down.start(downPort);
    const third = await start('100');
    await down.until(1);
    // A graceful stop waits for the pass in progress: the delivery is recorded when it exits.
    await third.stop();

    expect(up.received.map((request) => [request.eventId, request.verified, request.answered])).toEqual([[stored.eventId, true, 200]]);
    expect(down.received.map((request) => [request.eventId, request.verified, request.answered])).toEqual([[waiting.eventId, true, 200]]);
    expect(await row(stored.id)).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
    const retried = await row(waiting.id);
    expect(retried).toMatchObject({ status: 'delivered', lastStatusCode: 200, lastError: null });
    expect(await prisma.client.webhookAttempt.count({ where: { deliveryId: waiting.id } })).toBe(retried.attempts);
  }, 120_000);

  it('sends a REVIEW decision and its resolution, signed, exactly once each, when the service was killed right after the analyst resolved it', async () => {
    const api = (instance: Instance, path: string, body?: object) =>
      fetch(`${instance.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body ?? {}) });
    const receiver = new WebhookReceiver();
    await receiver.start();
    try {
      // An instance that sends nothing after its start: both events wait in the outbox when it dies.
      const first = await start('600000');
      const subscription = await subscribe(first, receiver.url('/fraud-ops'), ['decision.created', 'case.resolved']);
      receiver.trust('/fraud-ops', subscription.secret);
      // The demo dataset's +34600000002 is a 10-day-old prepaid line: onboarding reviews it.
      const decided = await api(first, '/v1/decisions', { useCase: 'onboarding', phoneNumber: '+34600000002' });
      expect(decided.status).toBe(201);
      const decision = (await decided.json()) as { id: string; outcome: string };
      expect(decision.outcome).toBe('REVIEW');
      const queue = (await (await fetch(`${first.url}/v1/cases?status=open`, { headers: { authorization: `Bearer ${key}` } })).json()) as { items: { id: string; decisionId: string }[] };
      const opened = queue.items.find((c) => c.decisionId === decision.id);
      expect(opened).toBeDefined();
      expect((await api(first, `/v1/cases/${opened!.id}/resolve`, { disposition: 'fraud' })).status).toBe(200);
      await first.kill9();
      expect(receiver.received).toEqual([]);

      const second = await start('100');
      await receiver.until(2);
      await second.stop();

      const got = receiver.received.map((r) => [r.json.type, r.verified, r.answered, (r.json.data as { id: string }).id]);
      expect(got.sort()).toEqual([
        ['case.resolved', true, 200, opened!.id],
        ['decision.created', true, 200, decision.id],
      ]);
      expect(new Set(receiver.received.map((r) => r.eventId)).size).toBe(2);
      expect(receiver.received.map((r) => r.body).join('\n')).not.toContain('34600000002');
      // The resolution reached the decision too: it is labelled for backtests.
      expect((await prisma.client.decision.findUniqueOrThrow({ where: { id: decision.id } })).label).toBe('fraud');
    } finally {
      await receiver.stop();
    }
  }, 120_000);
});
