import { CamaraClientOptions, CamaraHttpClient, checkVersion, ResponseShape } from '../http/camara-http.client';
import { SignalAnswer, SignalCallContext } from '../signal.types';
import { SimSwapDateAnswer, SimSwapSignal, SwapCheckAnswer, SwapCheckQuery, SwapDateQuery } from './sim-swap.signal';

/**
 * The versions gateways serve with the bodies used here (`phoneNumber`, `maxAge`;
 * `swapped`, `latestSimChange`): v2 is CAMARA's current; v1, v0 and Vonage's v040 (0.4) are
 * what Telefónica, Orange, Nokia and Vonage still serve.
 */
export const SIM_SWAP_API_VERSIONS = ['v2', 'v1', 'v0', 'v040'] as const;
export type SimSwapApiVersion = (typeof SIM_SWAP_API_VERSIONS)[number];

/**
 * The fine-grained scopes. v2 also accepts a legacy catch-all `sim-swap` scope; asking only for
 * what an operation needs keeps a token from granting the other one.
 */
export const SIM_SWAP_SCOPES = { check: ['sim-swap:check'], retrieveDate: ['sim-swap:retrieve-date'] } as const;

/** `CheckSimSwapInfo` and `CheckDeviceSwapInfo`: the same `{ swapped: boolean }`. */
export const SWAP_CHECK_INFO: ResponseShape<SwapCheckAnswer> = {
  expected: '{ swapped: boolean }',
  parse(body) {
    const swapped = (body as { swapped?: unknown } | null | undefined)?.swapped;
    return typeof swapped === 'boolean' ? { swapped } : undefined;
  },
};

/**
 * RFC 3339 date-time with its time zone, as the spec requires: without one, the instant would be
 * off by hours, and "swapped in the last 24 hours" is exactly where hours matter.
 */
const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function isDateTime(value: unknown): value is string {
  return typeof value === 'string' && RFC3339_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * `latestSimChange` / `latestDeviceChange`: required, an RFC 3339 date-time or null (no data, or
 * older than the operator may keep). `monitoredPeriod` is optional, whole days.
 */
export function swapDateShape<K extends string>(field: K): ResponseShape<Record<K, string | null> & { monitoredPeriod?: number }> {
  return {
    expected: `{ ${field}: date-time | null, monitoredPeriod?: integer }`,
    parse(body) {
      const record = body as Record<string, unknown> | null | undefined;
      const date = record?.[field];
      const readable = date === null || isDateTime(date);
      const period = record?.monitoredPeriod;
      const periodOk = period === undefined || period === null || Number.isInteger(period);
      if (!readable || !periodOk) return undefined;
      const answer = { [field]: date } as Record<K, string | null> & { monitoredPeriod?: number };
      if (typeof period === 'number') answer.monitoredPeriod = period;
      return answer;
    },
  };
}

const SIM_SWAP_INFO: ResponseShape<SimSwapDateAnswer> = swapDateShape('latestSimChange');

/** SIM Swap v2 `POST /sim-swap/v2/check` and `/retrieve-date` at an operator's gateway. */
export class SimSwapHttpClient extends SimSwapSignal {
  private readonly http: CamaraHttpClient;

  constructor(options: CamaraClientOptions) {
    super();
    const version = checkVersion('SIM Swap', options.version, SIM_SWAP_API_VERSIONS);
    this.http = new CamaraHttpClient({ ...options, defaultBasePath: `/sim-swap/${version}`, name: SimSwapHttpClient.name });
  }

  /** maxAge is always sent: the spec's default (240 h) is not the question a policy asks. */
  check(query: SwapCheckQuery, ctx: SignalCallContext): Promise<SignalAnswer<SwapCheckAnswer>> {
    return this.http.post(
      {
        path: '/check',
        scopes: SIM_SWAP_SCOPES.check,
        phoneNumber: query.phoneNumber,
        params: { maxAge: query.maxAge },
        response: SWAP_CHECK_INFO,
      },
      ctx,
    );
  }

  retrieveDate(query: SwapDateQuery, ctx: SignalCallContext): Promise<SignalAnswer<SimSwapDateAnswer>> {
    return this.http.post(
      {
        path: '/retrieve-date',
        scopes: SIM_SWAP_SCOPES.retrieveDate,
        phoneNumber: query.phoneNumber,
        params: {},
        response: SIM_SWAP_INFO,
      },
      ctx,
    );
  }
}
