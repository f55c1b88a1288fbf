import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/webhooks/webhook-signature';

/** One request a receiver got, with what its signature check said. */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  eventId: string;
  deliveryId: string;
  /** the status the receiver answered */
  answered: number;
  /** whether LineTrust-Signature verified with the path's secret (5 minutes' tolerance) */
  verified: boolean;
  json: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
}

/**
 * A webhook receiver as a customer writes one: it verifies each request's signature over the
 * raw body with the subscription's secret, answers what the test scripted for its path (200
 * unless told otherwise; a request with a bad signature gets 401), and keeps what it got.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly secrets = new Map<string, string>();
  private readonly scripts = new Map<string, number[]>();
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private server?: Server;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const secret = this.secrets.get(path);
        const header = String(request.headers['linetrust-signature'] ?? '');
        const verified = secret !== undefined && verifySignature(secret, header, body, 300, new Date()).valid;
        const answered = verified ? (this.scripts.get(path)?.shift() ?? 200) : 401;
        this.received.push({
          path,
          headers: request.headers,
          body,
          eventId: String(request.headers['linetrust-event-id']),
          deliveryId: String(request.headers['linetrust-delivery-id']),
          answered,
          verified,
          json: JSON.parse(body) as ReceivedWebhook['json'],
        });
        response.writeHead(answered).end();
        for (const waiter of this.waiters.filter((w) => this.received.length >= w.count)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The URL of `path` on this receiver, whose requests verify with `secret` (set later with `trust`). */
  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  trust(path: string, secret: string): void {
    this.secrets.set(path, secret);
  }

  /** The statuses to answer the next requests to `path`, in order (then 200). */
  script(path: string, statuses: number[]): void {
    this.scripts.set(path, [...statuses]);
  }

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((request) => request.path === path);
  }

  /** Resolves once `count` requests have come in (in all); the test's own timeout bounds the wait. */
  until(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    this.server = undefined;
  }
}
