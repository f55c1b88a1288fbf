import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { ApiKeysController } from './api-keys.controller';
import { AuthGuard } from './auth.guard';
import { CurrentKeyController } from './current-key.controller';
import { FleetRateLimiter } from './fleet-rate-limiter';
import { RateLimitRepository } from './rate-limit.repository';
import { KeyRateLimiter, RateLimiter } from './rate-limiter';

/** FLEET_STATE: one count for the fleet in the database, or a token bucket in this instance's memory. */
function createRateLimiter(clock: Clock, config: AppConfig, repository: RateLimitRepository): KeyRateLimiter {
  const local = new RateLimiter(clock, config.RATE_LIMIT_BURST_SECONDS);
  return config.sharedFleetState ? new FleetRateLimiter(clock, config.RATE_LIMIT_BURST_SECONDS, repository, local) : local;
}

/** API keys, their scopes and rate limits; the guard protects every route of the application. */
@Module({
  controllers: [ApiKeysController, CurrentKeyController],
  providers: [
    ApiKeyRepository,
    ApiKeyService,
    RateLimitRepository,
    { provide: KeyRateLimiter, useFactory: createRateLimiter, inject: [Clock, AppConfig, RateLimitRepository] },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ApiKeyService],
})
export class AuthModule {}
