import { Module } from '@nestjs/common';
import { PoliciesController } from './policies.controller';
import { PolicyRegistry } from './policy.registry';
import { PolicyService } from './policy.service';
import { PolicyVersionRepository } from './policy-version.repository';
import { ActivePolicyRepository } from './active-policy.repository';
import { PolicyChangeFeed } from './policy-change.feed';
import { PolicyPublishService } from './policy-publish.service';

@Module({
  controllers: [PoliciesController],
  providers: [PolicyRegistry, PolicyService, PolicyVersionRepository, ActivePolicyRepository, PolicyChangeFeed, PolicyPublishService],
  exports: [PolicyRegistry],
})
export class PoliciesModule {}
