import { Injectable } from '@nestjs/common';
import { Backtest, BacktestReport } from '../scoring/backtest';
import { CompiledPolicy } from '../scoring/compiled-policy';
import { loadPolicyFile } from '../scoring/policy-loader';
import { DecisionRepository } from './decision.repository';

const PAGE = 2000;

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
    const total = await this.decisions.count(candidate.id, range.from, range.to);
    let done = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.decisions.replayPage(candidate.id, range.from, range.to, after, PAGE);
      if (page.length === 0) break;
      for (const decision of page) await backtest.add(decision);
      done += page.length;
      after = page[page.length - 1].id;
      onProgress?.(done, total);
    }
    return backtest.report();
  }
}
