import { Module } from '@nestjs/common';
import { SignalsModule } from '../signals/signals.module';
import { ErasuresController } from './erasures.controller';
import { PrivacyRepository } from './privacy.repository';
import { PrivacyService } from './privacy.service';
import { RetentionJob } from './retention.job';

/** Retention (the scheduled purge) and erasure (POST /v1/erasures). */
@Module({
  imports: [SignalsModule],
  controllers: [ErasuresController],
  providers: [PrivacyRepository, PrivacyService, RetentionJob],
})
export class PrivacyModule {}
