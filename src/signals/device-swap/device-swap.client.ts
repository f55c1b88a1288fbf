import { CamaraClientOptions, CamaraHttpClient, checkVersion, ResponseShape } from '../http/camara-http.client';
import { SWAP_CHECK_INFO, swapDateShape } from '../sim-swap/sim-swap.client';
import { SwapCheckAnswer, SwapCheckQuery, SwapDateQuery } from '../sim-swap/sim-swap.signal';
import { SignalAnswer, SignalCallContext } from '../signal.types';
import { DeviceSwapDateAnswer, DeviceSwapSignal } from './device-swap.signal';

/** v1 is CAMARA's current; v0.1 (Telefónica) and v040 take the same bodies. */
export const DEVICE_SWAP_API_VERSIONS = ['v1', 'v0.1', 'v040'] as const;
export type DeviceSwapApiVersion = (typeof DEVICE_SWAP_API_VERSIONS)[number];

/** The fine-grained scopes; v1 also accepts a catch-all `device-swap`, which grants too much. */
export const DEVICE_SWAP_SCOPES = { check: ['device-swap:check'], retrieveDate: ['device-swap:retrieve-date'] } as const;

const DEVICE_SWAP_INFO: ResponseShape<DeviceSwapDateAnswer> = swapDateShape('latestDeviceChange');

/** Device Swap v1 `POST /device-swap/v1/check` and `/retrieve-date` at an operator's gateway. */
export class DeviceSwapHttpClient extends DeviceSwapSignal {
  private readonly http: CamaraHttpClient;

  constructor(options: CamaraClientOptions) {
    super();
    const version = checkVersion('Device Swap', options.version, DEVICE_SWAP_API_VERSIONS);
    this.http = new CamaraHttpClient({ ...options, defaultBasePath: `/device-swap/${version}`, name: DeviceSwapHttpClient.name });
  }

  /** maxAge is always sent: the spec's default (240 h) is not the question a policy asks. */
  check(query: SwapCheckQuery, ctx: SignalCallContext): Promise<SignalAnswer<SwapCheckAnswer>> {
    return this.http.post(
      {
        path: '/check',
        scopes: DEVICE_SWAP_SCOPES.check,
        phoneNumber: query.phoneNumber,
        params: { maxAge: query.maxAge },
        response: SWAP_CHECK_INFO,
      },
      ctx,
    );
  }

  retrieveDate(query: SwapDateQuery, ctx: SignalCallContext): Promise<SignalAnswer<DeviceSwapDateAnswer>> {
    return this.http.post(
      {
        path: '/retrieve-date',
        scopes: DEVICE_SWAP_SCOPES.retrieveDate,
        phoneNumber: query.phoneNumber,
        params: {},
        response: DEVICE_SWAP_INFO,
      },
      ctx,
    );
  }
}
