import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ResolvedAddress, WebhookRequest, WebhookSender } from './webhook-sender';

/** A sender whose DNS answers what the test says, and records the names it was asked. */
class FakeDnsSender extends WebhookSender {
  asked: string[] = [];
  constructor(private readonly answers: Record<string, ResolvedAddress[]>) {
    super();
  }
  protected override async resolve(hostname: string): Promise<ResolvedAddress[]> {
    this.asked.push(hostname);
    return this.answers[hostname] ?? [];
  }
}

describe('WebhookSender', () => {
  let server: Server;
  let port: number;
  let received: { request: IncomingMessage; body: string }[];
  let status: number;

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ request, body });
        if (status === 0) return; // never answers
        response.writeHead(status).end('ignored body');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received = [];
    status = 204;
  });

  const request = (url: string, fields: Partial<WebhookRequest> = {}): WebhookRequest => ({
    url,
    body: '{"id":"e1"}',
    headers: { 'content-type': 'application/json', 'LineTrust-Event-Id': 'e1' },
    timeoutMs: 2000,
    allowPrivateNetworks: true,
    ...fields,
  });

  it('POSTs the body with its headers to the address it checked, keeping the name as Host', async () => {
    const sender = new FakeDnsSender({ 'hooks.example.test': [{ address: '127.0.0.1', family: 4 }] });
    const result = await sender.send(request(`http://hooks.example.test:${port}/in?x=1`));
    expect(result).toEqual({ statusCode: 204, error: null, durationMs: expect.any(Number) });
    expect(received).toHaveLength(1);
    const [{ request: incoming, body }] = received;
    expect(incoming.method).toBe('POST');
    expect(incoming.url).toBe('/in?x=1');
    expect(incoming.headers.host).toBe(`hooks.example.test:${port}`);
    expect(incoming.headers['linetrust-event-id']).toBe('e1');
    expect(body).toBe('{"id":"e1"}');
    // Resolved once, by the check: the connection did not look the name up again.
    expect(sender.asked).toEqual(['hooks.example.test']);
  });

  it('tries the next checked address when one does not connect', async () => {
    const sender = new FakeDnsSender({ 'two.example.test': [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }] });
    expect(await sender.send(request(`http://two.example.test:${port}/`))).toMatchObject({ statusCode: 204, error: null });
  });

  it.each([
    ['a loopback address', [{ address: '127.0.0.1', family: 4 }], 'a loopback address'],
    ['the cloud metadata address', [{ address: '169.254.169.254', family: 4 }], 'a link-local address'],
    ['one private address among public ones', [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }], 'a private address'],
    ['an IPv4-mapped loopback', [{ address: '::ffff:127.0.0.1', family: 6 }], 'a loopback address'],
  ])('refuses a name that resolves to %s, without connecting', async (_name, addresses, kind) => {
    const sender = new FakeDnsSender({ 'rebind.example.test': addresses });
    const result = await sender.send(request(`http://rebind.example.test:${port}/`, { allowPrivateNetworks: false }));
    expect(result.statusCode).toBeNull();
    expect(result.error).toContain(`refused: rebind.example.test resolves to`);
    expect(result.error).toContain(kind);
    expect(received).toEqual([]);
  });

  it('reports a non-2xx answer, a name without addresses, a refused connection and a timeout as errors', async () => {
    const sender = new FakeDnsSender({ 'hooks.example.test': [{ address: '127.0.0.1', family: 4 }] });
    status = 503;
    expect(await sender.send(request(`http://hooks.example.test:${port}/`))).toMatchObject({ statusCode: 503, error: 'HTTP 503' });
    status = 301;
    expect(await sender.send(request(`http://hooks.example.test:${port}/`))).toMatchObject({ statusCode: 301, error: 'HTTP 301' });
    expect(await sender.send(request('http://nowhere.example.test/'))).toMatchObject({ statusCode: null, error: 'nowhere.example.test has no address' });
    const closed = new FakeDnsSender({ 'closed.example.test': [{ address: '127.0.0.1', family: 4 }] });
    expect((await closed.send(request('http://closed.example.test:1/'))).error).toContain('ECONNREFUSED');
    status = 0;
    expect(await sender.send(request(`http://hooks.example.test:${port}/`, { timeoutMs: 200 }))).toMatchObject({ statusCode: null, error: 'no answer within 200 ms' });
  });

  it('resolves real names with the system resolver (localhost is refused unless allowed)', async () => {
    const sender = new WebhookSender();
    expect((await sender.send(request(`http://localhost:${port}/`, { allowPrivateNetworks: false }))).error).toMatch(/^refused: localhost resolves to .*loopback/);
    expect(await sender.send(request(`http://localhost:${port}/`))).toMatchObject({ statusCode: 204, error: null });
  });
});
