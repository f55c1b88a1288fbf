import { Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module';
import { SignalsModule } from '../signals/signals.module';
import { BacktestService } from './backtest.service';
import { DecisionRepository } from './decision.repository';
import { DecisionService } from './decision.service';
import { DecisionsController } from './decisions.controller';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotentDecisions } from './idempotent-decisions';
import { ShadowReportController } from './shadow-report.controller';
import { ShadowReportService } from './shadow-report.service';

@Module({
  imports: [PoliciesModule, SignalsModule],
  controllers: [DecisionsController, ShadowReportController],
  providers: [DecisionService, DecisionRepository, IdempotencyRepository, IdempotentDecisions, ShadowReportService, BacktestService],
  exports: [BacktestService],
})
export class DecisionsModule {}
