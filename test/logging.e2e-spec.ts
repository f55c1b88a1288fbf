import { AppLogger, levelsFrom } from '../src/common/logging/app-logger';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { startTestApp, TestApp } from './support/test-app';

/** What operators read: every line of a request names its correlator, no number in clear. */
describe('logs (e2e)', () => {
  let t: TestApp;
  let output: string[];
  let spy: jest.SpyInstance;

  beforeAll(async () => {
    output = [];
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
    const logger = new AppLogger({ logLevels: levelsFrom('debug'), colors: false });
    t = await startTestApp({ lines: TEST_LINES, now: NOW, logger });
  });
  afterAll(async () => {
    await t.close();
    spy.mockRestore();
  });

  it('writes the decision line with the request correlator and the masked number only', async () => {
    output.length = 0;
    await t.http()
      .post('/v1/decisions')
      .set('x-correlator', 'log-test-1')
      .send({ useCase: 'onboarding', phoneNumber: LINE.newLine })
      .expect(201);
    const lines = output.join('').split('\n').filter((line) => line.includes('DecisionService'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('[x-correlator=log-test-1]');
    expect(lines[0]).toContain('+34******002');
    expect(output.join('')).not.toContain(LINE.newLine);
  });

  it('masks a phone number that reaches a log line through any message', () => {
    output.length = 0;
    new AppLogger({ logLevels: levelsFrom('log'), colors: false }).log(`lookup of ${LINE.established} failed`, 'Test');
    expect(output.join('')).toContain('lookup of +34******001 failed');
  });
});
