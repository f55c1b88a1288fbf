import { Principal } from '../auth/scopes';
import { FixedClock } from '../common/time/clock';
import { DecisionRepository, ReasonRow } from './decision.repository';
import { DecisionStatsService, MAX_SCANNED } from './decision-stats.service';
import { DecisionStatsQuery } from './dto/decision-stats.query';

const ADMIN: Principal = { keyId: 'k', label: 'admin', scopes: ['admin'], useCases: null, rateLimitPerSecond: null };
const FROM = Date.parse('2026-06-15T10:00:00Z');

/** A repository whose range holds `total` decisions, each hitting one rule, served newest first in pages of 1000. */
function repositoryWith(total: number): { repository: DecisionRepository; read: () => number } {
  let read = 0;
  const row = (i: number): ReasonRow => ({ createdAt: new Date(FROM + (i % 2) * 3_600_000), useCase: 'onboarding', reasons: JSON.stringify([{ rule: 'r', code: 'C', action: 'ALLOW', message: 'm' }]) });
  const repository = {
    scoreCounts: async () => [{ score: 100, count: total }],
    async *reasonPages(_useCase: unknown, _from: Date, _to: Date, pageSize: number) {
      for (let start = 0; start < total; start += pageSize) {
        const page = Array.from({ length: Math.min(pageSize, total - start) }, (_, i) => row(start + i));
        read += page.length;
        yield page;
      }
    },
  } as unknown as DecisionRepository;
  return { repository, read: () => read };
}

const query = Object.assign(new DecisionStatsQuery(), { from: '2026-06-15T10:00:00Z', to: '2026-06-15T12:00:00Z' });

describe('DecisionStatsService.breakdown', () => {
  it.each([
    [MAX_SCANNED - 1, MAX_SCANNED - 1, true],
    [MAX_SCANNED, MAX_SCANNED, true],
    [MAX_SCANNED + 1, MAX_SCANNED, false],
  ])('with %i decisions in range, reads %i and says complete=%s', async (total, scanned, complete) => {
    const { repository, read } = repositoryWith(total);
    const result = await new DecisionStatsService(repository, new FixedClock(new Date(FROM))).breakdown(query, ADMIN);
    expect(result).toMatchObject({ scanned, complete });
    expect(result.rules).toEqual([{ useCase: 'onboarding', rule: 'r', total: scanned, counts: [Math.ceil(scanned / 2), Math.floor(scanned / 2)] }]);
    // It stops reading at the bound: at most one page beyond it.
    expect(read()).toBeLessThanOrEqual(MAX_SCANNED + 1000);
  });

  it('puts a score of 100 in the last band, 90 to 100', async () => {
    const { repository } = repositoryWith(3);
    const { scores } = await new DecisionStatsService(repository, new FixedClock(new Date(FROM))).breakdown(query, ADMIN);
    expect(scores[9]).toEqual({ min: 90, max: 100, count: 3 });
    expect(scores.slice(0, 9).every((band) => band.count === 0)).toBe(true);
  });
});
