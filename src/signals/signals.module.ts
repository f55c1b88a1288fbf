import { Module } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { SIGNAL_PROVIDERS } from '../scoring/signal-providers.token';
import { SignalProviders } from '../scoring/signal-collector';
import { DeviceSwapSandboxProvider } from './device-swap/device-swap.sandbox-provider';
import { DeviceSwapSignal } from './device-swap/device-swap.signal';
import { NumberRecyclingSandboxProvider } from './number-recycling/number-recycling.sandbox-provider';
import { NumberRecyclingSignal } from './number-recycling/number-recycling.signal';
import { loadLineDataset } from './sandbox/line-dataset';
import { SandboxOperator } from './sandbox/sandbox-operator';
import { InMemorySignalCache, SignalCacheStore } from './cache/signal-cache';
import { SignalGateway } from './signal-gateway';
import { SimSwapSandboxProvider } from './sim-swap/sim-swap.sandbox-provider';
import { SimSwapSignal } from './sim-swap/sim-swap.signal';
import { TenureSandboxProvider } from './tenure/tenure.sandbox-provider';
import { TenureSignal } from './tenure/tenure.signal';

/**
 * Binds each signal's interface to its provider. Today every signal is answered by the built-in
 * sandbox operator, from the dataset in SANDBOX_LINES_FILE (refused at start-up if invalid).
 */
@Module({
  providers: [
    {
      provide: SandboxOperator,
      inject: [AppConfig, Clock],
      useFactory: (config: AppConfig, clock: Clock) =>
        new SandboxOperator(loadLineDataset(config.SANDBOX_LINES_FILE, clock.now()), clock),
    },
    { provide: TenureSignal, useClass: TenureSandboxProvider },
    { provide: NumberRecyclingSignal, useClass: NumberRecyclingSandboxProvider },
    { provide: SimSwapSignal, useClass: SimSwapSandboxProvider },
    { provide: DeviceSwapSignal, useClass: DeviceSwapSandboxProvider },
    {
      provide: SignalCacheStore,
      inject: [AppConfig, Clock],
      useFactory: (config: AppConfig, clock: Clock) => new InMemorySignalCache(config.CACHE_MAX_ENTRIES, () => clock.now().getTime()),
    },
    SignalGateway,
    {
      provide: SIGNAL_PROVIDERS,
      inject: [TenureSignal, NumberRecyclingSignal, SimSwapSignal, DeviceSwapSignal],
      useFactory: (
        tenure: TenureSignal,
        numberRecycling: NumberRecyclingSignal,
        simSwap: SimSwapSignal,
        deviceSwap: DeviceSwapSignal,
      ): SignalProviders => ({ tenure, numberRecycling, simSwap, deviceSwap }),
    },
  ],
  exports: [SIGNAL_PROVIDERS, SignalGateway],
})
export class SignalsModule {}
