import { Module } from '@nestjs/common';
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

@Module({
  imports: [PoliciesModule, SignalsModule, WebhooksModule],
  controllers: [DecisionsController, DecisionStatsController, ShadowReportController, BacktestController],
  providers: [DecisionService, DecisionAttachments, DecisionRepository, IdempotencyRepository, IdempotentDecisionService, ShadowReportService, BacktestService, DecisionStatsService, CandidateBacktestService],
  exports: [BacktestService, DecisionService],
})
export class DecisionsModule {}
