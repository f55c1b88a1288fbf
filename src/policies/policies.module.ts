import { Module } from '@nestjs/common';
import { PoliciesController } from './policies.controller';
import { PolicyRegistry } from './policy.registry';
import { PolicyService } from './policy.service';
import { PolicyVersionRepository } from './policy-version.repository';

@Module({
  controllers: [PoliciesController],
  providers: [PolicyRegistry, PolicyService, PolicyVersionRepository],
  exports: [PolicyRegistry],
})
export class PoliciesModule {}
