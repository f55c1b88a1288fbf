import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { Backtest, BacktestReport, StoredDecision } from '../scoring/backtest';
import { CompiledPolicy } from '../scoring/compiled-policy';
import { loadPolicyFile } from '../scoring/policy-loader';
import { DecisionRepository } from './decision.repository';
import { ReplayRange } from './decision-replay-reader';

/**
 * Decisions read and replayed per page. Memory holds two pages at most (the one replaying, the
 * next one read meanwhile), whatever the range. Small, because a page's parsed decisions live
 * until it is replayed: at 1,000 or more they outlived V8's young generation and their
 * promotion cost a third more CPU per decision (bench:backtest, SQLite and PostgreSQL alike).
 * And a page is what runs between two turns of the event loop: a backtest in the service holds
 * live decisions back by one page's replay at most (a few milliseconds).
 */
export const REPLAY_PAGE = 250;

/** Replays a use case's stored decisions against a candidate policy file. */
@Injectable()
export class BacktestService {
  constructor(private readonly decisions: DecisionRepository) {}

  /**
   * `onProgress(done, total)` after each page. The candidate is a loaded policy, or a file
   * validated like any policy (a broken one throws PolicyInvalidError before anything is read).
   */
  async run(candidateFile: string | CompiledPolicy, range: { from?: Date; to?: Date } = {}, onProgress?: (done: number, total: number) => void): Promise<BacktestReport> {
    const candidate = typeof candidateFile === 'string' ? loadPolicyFile(candidateFile) : candidateFile;
    const backtest = new Backtest(candidate);
    const replay: ReplayRange = { useCase: candidate.id, from: range.from, to: range.to };
    const total = await this.decisions.count(candidate.id, range.from, range.to);
    let done = 0;
    let next = this.read(replay, '');
    for (;;) {
      const page = await next;
      if (page.length === 0) break;
      // The next page is read while this one replays: on PostgreSQL the query and the transfer
      // overlap the replay (on SQLite the read is synchronous, and this only orders it earlier).
      next = page.length < REPLAY_PAGE ? Promise.resolve([]) : this.read(replay, page[page.length - 1].id);
      for (const decision of page) await backtest.add(decision);
      done += page.length;
      onProgress?.(done, total);
      await yieldToEventLoop();
    }
    return backtest.report();
  }

  /** A page; its failure is handled where it is awaited (and not reported unhandled if the replay fails first). */
  private read(range: ReplayRange, after: string): Promise<StoredDecision[]> {
    const page = this.decisions.replayPage(range, after, REPLAY_PAGE);
    page.catch(() => undefined);
    return page;
  }
}
