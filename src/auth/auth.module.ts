import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { ApiKeysController } from './api-keys.controller';
import { AuthGuard } from './auth.guard';
import { RateLimiter } from './rate-limiter';

/** API keys, their scopes and rate limits; the guard protects every route of the application. */
@Module({
  controllers: [ApiKeysController],
  providers: [
    ApiKeyRepository,
    ApiKeyService,
    {
      provide: RateLimiter,
      useFactory: (clock: Clock, config: AppConfig) => new RateLimiter(clock, config.RATE_LIMIT_BURST_SECONDS),
      inject: [Clock, AppConfig],
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ApiKeyService],
})
export class AuthModule {}
