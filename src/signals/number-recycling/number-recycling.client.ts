import { CamaraClientOptions, CamaraHttpClient, checkVersion, ResponseShape } from '../http/camara-http.client';
import { SignalAnswer, SignalCallContext } from '../signal.types';
import { NumberRecyclingAnswer, NumberRecyclingQuery, NumberRecyclingSignal } from './number-recycling.signal';

/** v0.2 is the last public release; v0.3rc1 is the same request with stricter bodies. */
/** v0.1 (Telefónica) and v040 take the same body as v0.2. */
export const NUMBER_RECYCLING_API_VERSIONS = ['v0.3rc1', 'v0.2', 'v0.1', 'v040'] as const;
export type NumberRecyclingApiVersion = (typeof NUMBER_RECYCLING_API_VERSIONS)[number];

export const NUMBER_RECYCLING_SCOPES = ['number-recycling:check'] as const;

/** CAMARA `CheckNumRecyclingInfo`: the spec insists on a boolean, "not string". */
const CHECK_NUM_RECYCLING_INFO: ResponseShape<NumberRecyclingAnswer> = {
  expected: '{ phoneNumberRecycled: boolean }',
  parse(body) {
    const recycled = (body as { phoneNumberRecycled?: unknown } | null | undefined)?.phoneNumberRecycled;
    return typeof recycled === 'boolean' ? { phoneNumberRecycled: recycled } : undefined;
  },
};

/** Number Recycling `POST /number-recycling/{version}/check` at an operator's gateway. */
export class NumberRecyclingHttpClient extends NumberRecyclingSignal {
  private readonly http: CamaraHttpClient;

  constructor(options: CamaraClientOptions) {
    super();
    const version = checkVersion('Number Recycling', options.version, NUMBER_RECYCLING_API_VERSIONS);
    this.http = new CamaraHttpClient({
      ...options,
      defaultBasePath: `/number-recycling/${version}`,
      name: NumberRecyclingHttpClient.name,
    });
  }

  check(query: NumberRecyclingQuery, ctx: SignalCallContext): Promise<SignalAnswer<NumberRecyclingAnswer>> {
    return this.http.post(
      {
        path: '/check',
        scopes: NUMBER_RECYCLING_SCOPES,
        phoneNumber: query.phoneNumber,
        params: { specifiedDate: query.specifiedDate },
        response: CHECK_NUM_RECYCLING_INFO,
      },
      ctx,
    );
  }
}
