import { Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module';
import { SignalsModule } from '../signals/signals.module';
import { DecisionRepository } from './decision.repository';
import { DecisionService } from './decision.service';
import { DecisionsController } from './decisions.controller';

@Module({
  imports: [PoliciesModule, SignalsModule],
  controllers: [DecisionsController],
  providers: [DecisionService, DecisionRepository],
})
export class DecisionsModule {}
