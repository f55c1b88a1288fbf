import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PoliciesModule } from '../policies/policies.module';
import { SignalsModule } from '../signals/signals.module';
import { DatabasePingRepository } from './database-ping.repository';
import { DatabaseHealthIndicator } from './database.health';
import { HealthController } from './health.controller';
import { PoliciesHealthIndicator } from './policies.health';
import { SignalsHealthIndicator } from './signals.health';

/** GET /health/live and /health/ready (@nestjs/terminus). */
@Module({
  imports: [TerminusModule.forRoot(), PoliciesModule, SignalsModule],
  controllers: [HealthController],
  providers: [DatabasePingRepository, DatabaseHealthIndicator, PoliciesHealthIndicator, SignalsHealthIndicator],
})
export class HealthModule {}
