import { Module } from '@nestjs/common';
import { DecisionsModule } from '../decisions/decisions.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { CaseRepository } from './case.repository';
import { CaseService } from './case.service';
import { CasesController } from './cases.controller';

/** The review queue: cases opened with REVIEW decisions, and what analysts do with them. */
@Module({
  imports: [DecisionsModule, WebhooksModule],
  controllers: [CasesController],
  providers: [CaseService, CaseRepository],
})
export class CasesModule {}
