import { PrismaService } from '../../src/prisma/prisma.service';
import { LINE } from './lines';
import { TestApp } from './test-app';

/**
 * For the tests of a stalled database: `decide(subjectId, idempotencyKey?)` sends an onboarding
 * decision tagged with `subjectId`, and `stored(prefix)` counts the decisions whose subjectId
 * starts with `prefix`, so a test can tell what was answered from what was stored.
 */
export function stallProbes(app: () => TestApp) {
  const decide = (subjectId: string, idempotencyKey?: string) => {
    const call = app().http().post('/v1/decisions');
    if (idempotencyKey) void call.set('idempotency-key', idempotencyKey);
    return call.send({ useCase: 'onboarding', phoneNumber: LINE.newLine, subjectId });
  };
  const stored = (prefix: string) => app().app.get(PrismaService).client.decision.count({ where: { subjectId: { startsWith: prefix } } });
  return { decide, stored };
}
