import { SignalName } from '../signal.types';

/** Where a number's queries for one API go: a gateway's id, or null for no coverage. */
export interface SignalRouting {
  route(signal: SignalName, phoneNumber: string): string | null;
  /** Every gateway that can serve `signal` (for status and breakers). */
  gatewaysFor(signal: SignalName): readonly string[];
}

/** One route of the table: numbers starting with `prefix` go to `gateway`. */
export interface Route {
  prefix: string;
  gateway: string;
}

/**
 * Routing by E.164 prefix: the longest prefix whose gateway offers the API wins, then the
 * default gateway if it offers it; otherwise the number has no coverage for that API. A bank
 * contracting one aggregator sets only a default; one contracting operators per country (or
 * per range, for MVNOs hosted on a range) lists prefixes.
 */
export class PrefixRouter implements SignalRouting {
  /** Per API, its routes longest prefix first. */
  private readonly tables: Record<SignalName, Route[]>;
  private readonly defaults: Record<SignalName, string | null>;
  private readonly served: Record<SignalName, string[]>;

  constructor(
    routes: readonly Route[],
    defaultGateway: string | undefined,
    offers: (gateway: string, signal: SignalName) => boolean,
    gateways: readonly string[],
  ) {
    const sorted = [...routes].sort((a, b) => b.prefix.length - a.prefix.length);
    const perSignal = <T>(make: (signal: SignalName) => T) =>
      Object.fromEntries((['tenure', 'numberRecycling', 'simSwap', 'deviceSwap'] as const).map((s) => [s, make(s)])) as Record<SignalName, T>;
    this.tables = perSignal((signal) => sorted.filter((route) => offers(route.gateway, signal)));
    this.defaults = perSignal((signal) => (defaultGateway !== undefined && offers(defaultGateway, signal) ? defaultGateway : null));
    this.served = perSignal((signal) => gateways.filter((gateway) => offers(gateway, signal)));
  }

  route(signal: SignalName, phoneNumber: string): string | null {
    for (const route of this.tables[signal]) if (phoneNumber.startsWith(route.prefix)) return route.gateway;
    return this.defaults[signal];
  }

  gatewaysFor(signal: SignalName): readonly string[] {
    return this.served[signal];
  }
}

/** One source for everything (the built-in sandbox, or one operator set by environment variables). */
export class SingleRoute implements SignalRouting {
  constructor(private readonly gateway: string) {}

  route(): string {
    return this.gateway;
  }

  gatewaysFor(): readonly string[] {
    return [this.gateway];
  }
}
