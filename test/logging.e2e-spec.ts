import { parseKey } from '../src/auth/api-key-secret';
import { requestContext } from '../src/common/http/request-context';
import { LogSink, StructuredLogger } from '../src/common/logging/structured-logger';
import { validateConfig } from '../src/config/app-config';
import { DecisionService } from '../src/decisions/decision.service';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { startTestApp, TestApp } from './support/test-app';

/** Keeps what the logger writes, one entry per line. */
class LineSink implements LogSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  json(): Record<string, any>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, any>);
  }
}

/** What operators read: every line of a request names its correlator, no number in clear. */
describe('logs (e2e)', () => {
  describe('JSON lines (production)', () => {
    let t: TestApp;
    const sink = new LineSink();

    beforeAll(async () => {
      t = await startTestApp({ lines: TEST_LINES, now: NOW, logger: new StructuredLogger({ level: 'debug', format: 'json', sink }) });
    });
    afterAll(async () => {
      await t.close();
    });
    beforeEach(() => {
      sink.lines.length = 0;
    });

    it('writes the decision line with the request correlator as a field and the masked number only', async () => {
      await t.http().post('/v1/decisions').set('x-correlator', 'log-test-1').send({ useCase: 'onboarding', phoneNumber: LINE.newLine }).expect(201);
      const lines = sink.json().filter((line) => line.context === 'DecisionService');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'debug', correlator: 'log-test-1' });
      expect(lines[0].msg).toContain('+34******002');
      expect(sink.lines.join('')).not.toContain(LINE.newLine.slice(1));
    });

    it('writes one access line per request: route pattern, status, duration, key id and correlator', async () => {
      await t.http().get('/v1/decisions').query({ phoneNumber: LINE.established }).set('x-correlator', 'log-test-2').expect(200);
      const access = sink.json().filter((line) => line.context === 'AccessLog');
      expect(access).toEqual([
        expect.objectContaining({
          level: 'info',
          correlator: 'log-test-2',
          http: { method: 'GET', route: '/v1/decisions', status: 200, durationMs: expect.any(Number), keyId: parseKey(t.key)?.id },
        }),
      ]);
      expect(sink.lines.join('')).not.toContain(LINE.established.slice(1));
    });

    it('logs requests refused before any route runs, with the correlator they were answered with', async () => {
      const bad = await t.http().get('/v1/decisions').set('x-correlator', 'not a valid correlator!').expect(400);
      const unknown = await t.http().get('/v1/lines/34611000001').expect(404);
      const malformed = await t.http().get('/v1/decisions/%ZZ34611000001').expect(400);
      const access = sink.json().filter((line) => line.context === 'AccessLog');
      expect(access.map((line) => [line.correlator, line.http.status, line.http.route])).toEqual([
        [bad.headers['x-correlator'], 400, '/v1/decisions'],
        [unknown.headers['x-correlator'], 404, '/v1/lines/***********'],
        [malformed.headers['x-correlator'], 400, '/v1/decisions/%ZZ***********'],
      ]);
    });

    it('logs an unexpected error with its stack, redacted, and its access line at error level', async () => {
      const spy = jest
        .spyOn(t.app.get(DecisionService), 'decide')
        .mockRejectedValueOnce(new Error(`store failed for ${LINE.recycled} with key ${t.key}`));
      try {
        await t.http().post('/v1/decisions').set('x-correlator', 'log-test-3').send({ useCase: 'onboarding', phoneNumber: LINE.recycled }).expect(500);
      } finally {
        spy.mockRestore();
      }
      const lines = sink.json().filter((line) => line.correlator === 'log-test-3');
      expect(lines.map((line) => [line.context, line.level])).toEqual([
        ['Errors', 'error'],
        ['AccessLog', 'error'],
      ]);
      expect(lines[0].err.stack).toContain(`store failed for +34******005 with key lt_${parseKey(t.key)?.id}_[redacted]`);
      expect(sink.lines.join('')).not.toContain(LINE.recycled.slice(1));
      expect(sink.lines.join('')).not.toContain(parseKey(t.key)?.secret);
    });
  });

  describe('readable lines (development)', () => {
    it('writes one line per entry: time, level, context, correlator, message, numbers masked', () => {
      const sink = new LineSink();
      const logger = new StructuredLogger({ level: 'info', format: 'pretty', sink });
      requestContext.run({ correlator: 'abc-123' }, () => logger.log(`lookup of ${LINE.established} failed`, 'Test'));
      logger.warn('outside any request', 'Boot');
      expect(sink.lines).toEqual([
        expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[Test\] \[x-correlator=abc-123\] lookup of \+34\*{6}001 failed\n$/),
        expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[Boot\] outside any request\n$/),
      ]);
    });
  });

  it.each([
    ['trace', ['trace', 'debug', 'info', 'warn', 'error', 'fatal']],
    ['debug', ['debug', 'info', 'warn', 'error', 'fatal']],
    ['info', ['info', 'warn', 'error', 'fatal']],
    ['warn', ['warn', 'error', 'fatal']],
    ['error', ['error', 'fatal']],
    ['fatal', ['fatal']],
    ['silent', []],
    // Nest's names, which LOG_LEVEL took before.
    ['verbose', ['trace', 'debug', 'info', 'warn', 'error', 'fatal']],
    ['log', ['info', 'warn', 'error', 'fatal']],
  ])('LOG_LEVEL=%s writes the levels %j', (level, written) => {
    const sink = new LineSink();
    const logger = new StructuredLogger({ level: validateConfig({ LOG_LEVEL: level }).LOG_LEVEL, format: 'json', sink });
    logger.verbose('v');
    logger.debug('d');
    logger.log('l');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(sink.json().map((line) => line.level)).toEqual(written);
  });

  it.each([
    [{ NODE_ENV: 'production', PHONE_NUMBER_HASH_KEY: 'k'.repeat(32) }, 'json'],
    [{ NODE_ENV: 'development' }, 'pretty'],
    [{ NODE_ENV: 'production', PHONE_NUMBER_HASH_KEY: 'k'.repeat(32), LOG_FORMAT: 'pretty' }, 'pretty'],
    [{ NODE_ENV: 'development', LOG_FORMAT: 'json' }, 'json'],
  ])('LOG_FORMAT defaults to JSON in production only: %j', (env, format) => {
    expect(validateConfig(env).logFormat).toBe(format);
  });

  it('refuses an unknown LOG_FORMAT, naming it', () => {
    expect(() => validateConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });
});
