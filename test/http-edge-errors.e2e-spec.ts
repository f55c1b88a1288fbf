import { connect } from 'node:net';
import { DecisionService } from '../src/decisions/decision.service';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { startTestApp, TestApp } from './support/test-app';

interface RawResponse {
  statusLine: string;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are on a new connection and reads the answer until the server closes it. */
function raw(port: number, bytes: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('the server neither answered nor closed the connection within 10 s')));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ statusLine, headers, body: rest.join('\r\n\r\n') });
    });
    // Not half-closed: a client's FIN may end the exchange before a slow answer. Every case here
    // has the server close the connection (a parse error, Connection: close).
    socket.write(bytes);
  });
}

const CAMARA = (status: number, code: string) => ({ status, code, message: expect.any(String) });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Errors raised before our code runs, in the CAMARA shape (e2e, raw sockets)', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW });
    await t.app.listen(0, '127.0.0.1');
    port = Number(new URL(await t.app.getUrl()).port);
  });
  afterAll(async () => {
    await t.close();
  });

  const json = '{"useCase":"onboarding","phoneNumber":"+34611000001"}';
  const post = (headers: string, body = json) => `POST /v1/decisions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${t.key}\r\nContent-Type: application/json\r\n${headers}\r\n${body}`;

  it.each([
    ['a malformed request line', () => 'GET /v1/decisions HTTP/1.1 EXTRA\r\nHost: localhost\r\n\r\n', 400, 'INVALID_ARGUMENT'],
    ['a request line that is not HTTP', () => 'HELLO THERE\r\n\r\n', 400, 'INVALID_ARGUMENT'],
    ['two Content-Length headers that disagree', () => post(`Content-Length: ${json.length}\r\nContent-Length: ${json.length + 1}\r\n`), 400, 'INVALID_ARGUMENT'],
    ['a Content-Length that is not a number', () => post('Content-Length: 5x\r\n'), 400, 'INVALID_ARGUMENT'],
    ['Transfer-Encoding together with Content-Length', () => post(`Content-Length: ${json.length}\r\nTransfer-Encoding: chunked\r\n`, `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`), 400, 'INVALID_ARGUMENT'],
    ['headers larger than the server accepts', () => post(`X-Padding: ${'a'.repeat(20_000)}\r\nContent-Length: ${json.length}\r\n`), 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE'],
  ])('answers %s with a CAMARA body, a correlator, and closes the connection', async (_case, bytes, status, code) => {
    const response = await raw(port, bytes());
    expect(response.statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers.connection).toBe('close');
    expect(response.headers['x-correlator']).toMatch(UUID);
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    const body = JSON.parse(response.body);
    expect(body).toEqual(CAMARA(status, code));
    expect(body.message).not.toMatch(/HPE_|Parse Error|llhttp/);
  });

  it('still serves a well-formed request on the same port (the handler only answers parse errors)', async () => {
    const response = await raw(port, post(`Content-Length: ${json.length}\r\nConnection: close\r\n`));
    expect(response.statusLine).toBe('HTTP/1.1 201 Created');
    expect(JSON.parse(response.body).useCase).toBe('onboarding');
  });

  // curl -d and most HTTP clients send a form type, or none, unless told: the 415 says what to send.
  const SEND_JSON = 'Send the body as JSON, with Content-Type: application/json.';
  it.each([
    ['no Content-Type', '', json, `The request has no Content-Type. ${SEND_JSON}`],
    ['no Content-Type and no body', '', '', `The request has no Content-Type. ${SEND_JSON}`],
    ['a form Content-Type', 'Content-Type: application/x-www-form-urlencoded\r\n', json, `Content-Type application/x-www-form-urlencoded is not accepted. ${SEND_JSON}`],
    ['a text Content-Type', 'Content-Type: text/plain; charset=utf-8\r\n', json, `Content-Type text/plain is not accepted. ${SEND_JSON}`],
    ['another charset', 'Content-Type: application/json; charset=iso-8859-1\r\n', json, 'charset iso-8859-1 is not accepted: JSON is UTF-8. Send Content-Type: application/json (or application/json; charset=utf-8).'],
  ])('answers a POST with %s 415, saying to send application/json', async (_case, contentType, body, message) => {
    const response = await raw(
      port,
      `POST /v1/decisions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${t.key}\r\n${contentType}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(response.statusLine).toMatch(/^HTTP\/1\.1 415 /);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['x-correlator']).toMatch(UUID);
    expect(JSON.parse(response.body)).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message });
  });

  it('takes the JSON media type in any case', async () => {
    const response = await raw(port, post(`Content-Length: ${json.length}\r\nConnection: close\r\n`).replace('Content-Type: application/json', 'Content-Type: Application/JSON; Charset="UTF-8"'));
    expect(response.statusLine).toBe('HTTP/1.1 201 Created');
  });

  it('answers a request arriving during shutdown 503 UNAVAILABLE with Connection: close', async () => {
    // Hold the shutdown in its first step (the destroy hooks run before the server stops accepting).
    let resume!: () => void;
    const held = new Promise<void>((resolve) => (resume = resolve));
    let entered!: () => void;
    const shuttingDown = new Promise<void>((resolve) => (entered = resolve));
    const service = t.app.get(DecisionService);
    const destroy = service.onModuleDestroy.bind(service);
    const spy = jest.spyOn(service, 'onModuleDestroy').mockImplementation(async () => {
      entered();
      await held;
      await destroy();
    });
    const closing = t.app.close();
    await shuttingDown;
    try {
      const response = await raw(port, post(`Content-Length: ${json.length}\r\n`, json.replace(LINE.established, LINE.newLine)));
      expect(response.statusLine).toMatch(/^HTTP\/1\.1 503 /);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers.connection).toBe('close');
      expect(response.headers['retry-after']).toBe('1');
      expect(response.headers['x-correlator']).toMatch(UUID);
      expect(JSON.parse(response.body)).toEqual(CAMARA(503, 'UNAVAILABLE'));
    } finally {
      resume();
      await closing;
      spy.mockRestore();
    }
  });
});
