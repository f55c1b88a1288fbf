import { SignalProviders } from '../../scoring/signal-collector';
import { DEVICE_SWAP_API_VERSIONS, DEVICE_SWAP_SCOPES, DeviceSwapHttpClient } from '../device-swap/device-swap.client';
import { DeviceSwapSignal } from '../device-swap/device-swap.signal';
import { CamaraClientOptions } from '../http/camara-http.client';
import { FRAUD_PREVENTION_PURPOSE } from '../http/client-credentials.token-source';
import { NUMBER_RECYCLING_API_VERSIONS, NUMBER_RECYCLING_SCOPES, NumberRecyclingHttpClient } from '../number-recycling/number-recycling.client';
import { NumberRecyclingSignal } from '../number-recycling/number-recycling.signal';
import { SignalName } from '../signal.types';
import { SIM_SWAP_API_VERSIONS, SIM_SWAP_SCOPES, SimSwapHttpClient } from '../sim-swap/sim-swap.client';
import { SimSwapSignal } from '../sim-swap/sim-swap.signal';
import { TENURE_API_VERSIONS, TENURE_SCOPES, TenureHttpClient } from '../tenure/tenure.client';
import { TenureSignal } from '../tenure/tenure.signal';
import { GatewayConfig, GatewaysFile, loadGatewaysFile } from './gateway-config';
import { buildCredentials, CredentialContext } from './gateway-credentials';
import { PrefixRouter, SignalRouting } from './gateway-router';
import { RoutedDeviceSwap, RoutedNumberRecycling, RoutedSimSwap, RoutedTenure } from './routed-providers';

export const SUPPORTED_VERSIONS: Record<SignalName, readonly string[]> = {
  tenure: TENURE_API_VERSIONS,
  numberRecycling: NUMBER_RECYCLING_API_VERSIONS,
  simSwap: SIM_SWAP_API_VERSIONS,
  deviceSwap: DEVICE_SWAP_API_VERSIONS,
};

/** The CAMARA operations of each API, by their own scope. */
const OPERATIONS: Record<SignalName, readonly string[]> = {
  tenure: TENURE_SCOPES,
  numberRecycling: NUMBER_RECYCLING_SCOPES,
  simSwap: [...SIM_SWAP_SCOPES.check, ...SIM_SWAP_SCOPES.retrieveDate],
  deviceSwap: [...DEVICE_SWAP_SCOPES.check, ...DEVICE_SWAP_SCOPES.retrieveDate],
};

export interface GatewaySet {
  providers: SignalProviders;
  routing: SignalRouting;
  /** One line per gateway for the start-up log: id, flow, APIs (never a secret). */
  summary: string[];
}

export interface GatewayBuildOptions extends Omit<CredentialContext, 'gateway' | 'file'> {
  now?: () => number;
}

/** Reads the gateways file and builds a client per gateway and API, routed by number. */
export async function loadGateways(file: string, options: GatewayBuildOptions): Promise<GatewaySet> {
  return buildGateways(loadGatewaysFile(file, SUPPORTED_VERSIONS), file, options);
}

export async function buildGateways(config: GatewaysFile, file: string, options: GatewayBuildOptions): Promise<GatewaySet> {
  const clients = {
    tenure: new Map<string, TenureSignal>(),
    numberRecycling: new Map<string, NumberRecyclingSignal>(),
    simSwap: new Map<string, SimSwapSignal>(),
    deviceSwap: new Map<string, DeviceSwapSignal>(),
  };
  const summary: string[] = [];
  for (const [id, gateway] of Object.entries(config.gateways)) {
    const credentials = await buildCredentials(gateway.auth, { ...options, gateway: id, file });
    const threeLegged = gateway.auth.flow === 'ciba' || gateway.auth.flow === 'jwt_bearer';
    const scopes = scopePlan(gateway, threeLegged);
    const base = (signal: SignalName): CamaraClientOptions => {
      const api = gateway.apis[signal];
      if (!api) throw new Error(`${id} has no ${signal}`);
      return {
        apiRoot: gateway.apiRoot,
        version: api.version,
        basePath: api.path,
        tokens: credentials.tokens,
        headers: credentials.headers,
        scopes: (operationScopes) => scopes.get(operationScopes[0]) ?? operationScopes,
        phoneNumberInBody: gateway.phoneNumberInBody,
        gateway: id,
        fetch: options.fetch,
        now: options.now,
      };
    };
    if (gateway.apis.tenure) clients.tenure.set(id, new TenureHttpClient(base('tenure')));
    if (gateway.apis.numberRecycling) clients.numberRecycling.set(id, new NumberRecyclingHttpClient(base('numberRecycling')));
    if (gateway.apis.simSwap) clients.simSwap.set(id, new SimSwapHttpClient(base('simSwap')));
    if (gateway.apis.deviceSwap) clients.deviceSwap.set(id, new DeviceSwapHttpClient(base('deviceSwap')));
    summary.push(`${id}: ${gateway.auth.flow} at ${gateway.apiRoot} for ${Object.keys(gateway.apis).join(', ')}`);
  }
  const routing = new PrefixRouter(
    config.routes ?? [],
    config.defaultGateway,
    (gateway, signal) => clients[signal].has(gateway),
    Object.keys(config.gateways),
  );
  const routes = (config.routes ?? []).map((route) => `${route.prefix} -> ${route.gateway}`);
  summary.push(`routes: ${routes.length > 0 ? routes.join(', ') : 'none'}; default: ${config.defaultGateway ?? 'none (no coverage)'}`);
  return {
    providers: {
      tenure: new RoutedTenure(routing, clients.tenure),
      numberRecycling: new RoutedNumberRecycling(routing, clients.numberRecycling),
      simSwap: new RoutedSimSwap(routing, clients.simSwap),
      deviceSwap: new RoutedDeviceSwap(routing, clients.deviceSwap),
    },
    routing,
    summary,
  };
}

/**
 * The scope parameter each CAMARA operation asks at this gateway: `openid` when the gateway
 * wants it, the purpose (unless the gateway's own scope strings carry it, as in
 * `dpv:FraudPreventionAndDetection#sim-swap`), then the API scopes. With a 3-legged flow the
 * scopes of every operation with the same purpose are asked together: one consent per holder
 * and purpose covers all of a decision's signals, instead of one prompt per API.
 */
export function scopePlan(gateway: GatewayConfig, threeLegged: boolean): Map<string, string[]> {
  const perOperation = new Map<string, { purpose: string; scopes: string[] }>();
  for (const [signal, api] of Object.entries(gateway.apis) as [SignalName, NonNullable<GatewayConfig['apis'][SignalName]>][]) {
    const purpose = api.purpose ?? gateway.purpose ?? FRAUD_PREVENTION_PURPOSE;
    for (const operation of OPERATIONS[signal]) {
      const own = api.scopes?.[operation] ?? [operation];
      const carriesPurpose = own.some((scope) => scope.startsWith('dpv:'));
      perOperation.set(operation, { purpose, scopes: carriesPurpose ? own : [purpose, ...own] });
    }
  }
  const plan = new Map<string, string[]>();
  for (const [operation, { purpose, scopes }] of perOperation) {
    const together = threeLegged
      ? [...perOperation.values()].filter((other) => other.purpose === purpose).flatMap((other) => other.scopes)
      : scopes;
    const withOpenid = gateway.openid ? ['openid', ...together] : together;
    plan.set(operation, [...new Set(withOpenid)].sort());
  }
  return plan;
}
