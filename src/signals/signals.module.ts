import { Logger, Module } from '@nestjs/common';
import { hashPhoneNumber } from '../common/phone/phone-number';
import { Clock } from '../common/time/clock';
import { AppConfig, environmentOf } from '../config/app-config';
import { SignalProviders } from '../scoring/signal-collector';
import { SIGNAL_PROVIDERS } from '../scoring/signal-providers.token';
import { DatabaseSignalCache } from './cache/database-signal-cache';
import { InMemorySignalCache, SignalCacheStore } from './cache/signal-cache';
import { isClusterWorker, WorkerSignalCache } from './cache/worker-signal-cache';
import { SignalCacheRepository } from './cache/signal-cache.repository';
import { DeviceSwapHttpClient } from './device-swap/device-swap.client';
import { DeviceSwapSandboxProvider } from './device-swap/device-swap.sandbox-provider';
import { SingleRoute } from './gateways/gateway-router';
import { loadGateways } from './gateways/gateway-providers';
import { AccessTokenSource, ClientCredentialsTokenSource } from './http/client-credentials.token-source';
import { NumberRecyclingHttpClient } from './number-recycling/number-recycling.client';
import { NumberRecyclingSandboxProvider } from './number-recycling/number-recycling.sandbox-provider';
import { loadLineDataset } from './sandbox/line-dataset';
import { SandboxOperator } from './sandbox/sandbox-operator';
import { SIGNAL_SOURCES, SignalGateway, SignalSources } from './signal-gateway';
import { SignalsController } from './signals.controller';
import { SimSwapHttpClient } from './sim-swap/sim-swap.client';
import { SimSwapSandboxProvider } from './sim-swap/sim-swap.sandbox-provider';
import { TenureHttpClient } from './tenure/tenure.client';
import { TenureSandboxProvider } from './tenure/tenure.sandbox-provider';

/**
 * Where signals come from. With GATEWAYS_FILE, from the gateways it lists, routed by number
 * (docs/gateways.md). Without it, each API from the one operator its variables name
 * (`*_API_URL`, client credentials), or from the built-in sandbox operator when none is set.
 */
async function createSources(config: AppConfig, clock: Clock): Promise<SignalSources> {
  if (!config.GATEWAYS_FILE) {
    const providers = createProviders(config, clock);
    const source = (url: string | undefined) => (url ? `http ${url}` : 'built-in sandbox');
    return {
      providers,
      routing: new SingleRoute('default'),
      describe: {
        tenure: source(config.TENURE_API_URL),
        numberRecycling: source(config.NUMBER_RECYCLING_API_URL),
        simSwap: source(config.SIM_SWAP_API_URL),
        deviceSwap: source(config.DEVICE_SWAP_API_URL),
      },
    };
  }
  const set = await loadGateways(config.GATEWAYS_FILE, {
    env: environmentOf(config),
    subjectKey: (phoneNumber) => hashPhoneNumber(phoneNumber, config.hashKey),
    tokenTimeoutMs: config.OPERATOR_TOKEN_TIMEOUT_MS,
  });
  const logger = new Logger('Signals');
  logger.log(`gateways from ${config.GATEWAYS_FILE}`);
  for (const line of set.summary) logger.log(line);
  const describe = (signal: 'tenure' | 'numberRecycling' | 'simSwap' | 'deviceSwap') => {
    const gateways = set.routing.gatewaysFor(signal);
    return gateways.length > 0 ? `http gateways ${gateways.join(', ')}` : 'no gateway (no coverage)';
  };
  return {
    providers: set.providers,
    routing: set.routing,
    describe: { tenure: describe('tenure'), numberRecycling: describe('numberRecycling'), simSwap: describe('simSwap'), deviceSwap: describe('deviceSwap') },
  };
}

/**
 * Without a gateways file: the CAMARA HTTP client when an API's URL is configured, the
 * built-in sandbox operator otherwise. One deployment can mix them, e.g. SIM Swap from one
 * gateway and the rest from the sandbox.
 */
function createProviders(config: AppConfig, clock: Clock): SignalProviders {
  const logger = new Logger('Signals');
  let operator: SandboxOperator | undefined;
  const sandbox = () => (operator ??= new SandboxOperator(loadLineDataset(config.SANDBOX_LINES_FILE, clock.now()), clock));
  let tokens: AccessTokenSource | undefined;
  const http = (apiRoot: string, version: string) => {
    tokens ??= new ClientCredentialsTokenSource({
      tokenUrl: config.OPERATOR_TOKEN_URL as string,
      clientId: config.OPERATOR_CLIENT_ID as string,
      clientSecret: config.OPERATOR_CLIENT_SECRET as string,
      requestTimeoutMs: config.OPERATOR_TOKEN_TIMEOUT_MS,
    });
    return { apiRoot, version, tokens };
  };
  const providers: SignalProviders = {
    tenure: config.TENURE_API_URL
      ? new TenureHttpClient(http(config.TENURE_API_URL, config.TENURE_API_VERSION))
      : new TenureSandboxProvider(sandbox()),
    numberRecycling: config.NUMBER_RECYCLING_API_URL
      ? new NumberRecyclingHttpClient(http(config.NUMBER_RECYCLING_API_URL, config.NUMBER_RECYCLING_API_VERSION))
      : new NumberRecyclingSandboxProvider(sandbox()),
    simSwap: config.SIM_SWAP_API_URL
      ? new SimSwapHttpClient(http(config.SIM_SWAP_API_URL, 'v2'))
      : new SimSwapSandboxProvider(sandbox()),
    deviceSwap: config.DEVICE_SWAP_API_URL
      ? new DeviceSwapHttpClient(http(config.DEVICE_SWAP_API_URL, 'v1'))
      : new DeviceSwapSandboxProvider(sandbox()),
  };
  const where = (url: string | undefined) => url ?? 'built-in sandbox';
  logger.log(
    `tenure: ${where(config.TENURE_API_URL)}, numberRecycling: ${where(config.NUMBER_RECYCLING_API_URL)}, ` +
      `simSwap: ${where(config.SIM_SWAP_API_URL)}, deviceSwap: ${where(config.DEVICE_SWAP_API_URL)}`,
  );
  return providers;
}

@Module({
  controllers: [SignalsController],
  providers: [
    { provide: SIGNAL_SOURCES, inject: [AppConfig, Clock], useFactory: createSources },
    { provide: SIGNAL_PROVIDERS, inject: [SIGNAL_SOURCES], useFactory: (sources: SignalSources) => sources.providers },
    SignalCacheRepository,
    {
      provide: SignalCacheStore,
      inject: [AppConfig, Clock, SignalCacheRepository],
      // FLEET_STATE: shared by the instances in the database, or in this instance's memory
      // (each worker's, with erasures relayed between the workers of WORKERS > 1).
      useFactory: (config: AppConfig, clock: Clock, repository: SignalCacheRepository) => {
        if (config.sharedSignalCache) return new DatabaseSignalCache(repository, () => clock.now().getTime());
        const local = new InMemorySignalCache(config.CACHE_MAX_ENTRIES, () => clock.now().getTime());
        if (!isClusterWorker()) return local;
        const cache = new WorkerSignalCache(local);
        cache.listen();
        return cache;
      },
    },
    SignalGateway,
  ],
  exports: [SIGNAL_PROVIDERS, SignalGateway],
})
export class SignalsModule {}
