import { PrismaService } from '../src/prisma/prisma.service';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { CapturingLogger, startTestApp, TestApp } from './support/test-app';

/** When the database fails, the caller gets a 500 without internals, never a decision that was not stored. */
describe('storage failure (e2e)', () => {
  let t: TestApp;
  const logger = new CapturingLogger();
  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW, logger });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 500 INTERNAL, revealing nothing, when the decision cannot be written', async () => {
    await t.app.get(PrismaService).client.$executeRawUnsafe('DROP TABLE "Decision"');
    const response = await t.http()
      .post('/v1/decisions')
      .send({ useCase: 'onboarding', phoneNumber: LINE.established })
      .expect(500);
    // A decision is only answered once it is stored: a write that fails is never a 201.
    expect(response.body).toEqual({ status: 500, code: 'INTERNAL', message: 'Internal server error.' });
    expect(JSON.stringify(response.body)).not.toMatch(/Decision|prisma|sqlite|postgres/i);
    expect(logger.lines.join('\n')).toMatch(/unexpected error/);
    expect(logger.lines.join('\n')).not.toContain(LINE.established);
  });
});
