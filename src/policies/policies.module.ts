import { Module } from '@nestjs/common';
import { PoliciesController } from './policies.controller';
import { PolicyRegistry } from './policy.registry';

@Module({
  controllers: [PoliciesController],
  providers: [PolicyRegistry],
  exports: [PolicyRegistry],
})
export class PoliciesModule {}
