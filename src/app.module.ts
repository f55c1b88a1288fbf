import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { CasesModule } from './cases/cases.module';
import { CamaraErrorFilter } from './common/errors/camara-error.filter';
import { StrictValidationPipe } from './common/http/validation';
import { Clock } from './common/time/clock';
import { AppConfig } from './config/app-config';
import { DecisionsModule } from './decisions/decisions.module';
import { CreateDecisionDto, isPlainDecisionRequest } from './decisions/dto/create-decision.dto';
import { ExplorerModule } from './explorer/explorer.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { PoliciesModule } from './policies/policies.module';
import { PrismaModule } from './prisma/prisma.module';
import { PrivacyModule } from './privacy/privacy.module';
import { Tracing } from './tracing/tracing';
import { WebhooksModule } from './webhooks/webhooks.module';

/** One instance, so that e2e tests get exactly what main gets. */
export const validationPipe = new StrictValidationPipe().register(CreateDecisionDto, isPlainDecisionRequest);

@Module({})
export class AppModule {
  /** `configModule` is @nestjs/config's validated module; `config` the typed result; `tracing` from OTEL_* (src/tracing/). */
  static register(configModule: DynamicModule, config: AppConfig, clock: Clock, tracing: Tracing = Tracing.off()): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [configModule, PrismaModule, AuthModule, PoliciesModule, DecisionsModule, PrivacyModule, MetricsModule, HealthModule, ExplorerModule, WebhooksModule, CasesModule],
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock },
        { provide: Tracing, useValue: tracing },
        { provide: APP_PIPE, useValue: validationPipe },
        { provide: APP_FILTER, useClass: CamaraErrorFilter },
      ],
      exports: [AppConfig, Clock, Tracing],
    };
  }
}
