import { Global, Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module';
import { SignalsModule } from '../signals/signals.module';
import { MetricsController } from './metrics.controller';
import { Metrics } from './metrics.service';

/** Prometheus metrics at GET /metrics. Global: the decision service records into `Metrics`. */
@Global()
@Module({
  imports: [PoliciesModule, SignalsModule],
  controllers: [MetricsController],
  providers: [Metrics],
  exports: [Metrics],
})
export class MetricsModule {}
