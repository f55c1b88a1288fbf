import { Module } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { registerCommitMetrics } from '../metrics/commit.metrics';
import { PrismaService } from '../prisma/prisma.service';
import { PoliciesModule } from '../policies/policies.module';
import { SignalsModule } from '../signals/signals.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { BacktestController } from './backtest.controller';
import { BacktestService } from './backtest.service';
import { CandidateBacktestService } from './candidate-backtest.service';
import { DecisionAttachments } from './decision-attachments';
import { DecisionRepository } from './decision.repository';
import { DecisionStatsController } from './decision-stats.controller';
import { DecisionStatsService } from './decision-stats.service';
import { DecisionService } from './decision.service';
import { DecisionsController } from './decisions.controller';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotentDecisionService } from './idempotent-decision.service';
import { ShadowReportController } from './shadow-report.controller';
import { ShadowReportService } from './shadow-report.service';
import { commitListenersFor } from './row-writer';

/** The commit-time histogram, fed by the decision path's writer (one per database client). */
const COMMIT_METRICS = Symbol('COMMIT_METRICS');

@Module({
  imports: [PoliciesModule, SignalsModule, WebhooksModule],
  controllers: [DecisionsController, DecisionStatsController, ShadowReportController, BacktestController],
  providers: [
    DecisionService,
    DecisionAttachments,
    DecisionRepository,
    IdempotencyRepository,
    IdempotentDecisionService,
    ShadowReportService,
    BacktestService,
    DecisionStatsService,
    CandidateBacktestService,
    {
      provide: COMMIT_METRICS,
      inject: [MetricsService, PrismaService],
      useFactory: (metrics: MetricsService, prisma: PrismaService) => registerCommitMetrics(metrics.registry, commitListenersFor(prisma)),
    },
  ],
  exports: [BacktestService, DecisionService],
})
export class DecisionsModule {}
