import { CamaraClientOptions, CamaraHttpClient, checkVersion, ResponseShape } from '../http/camara-http.client';
import { SignalAnswer, SignalCallContext } from '../signal.types';
import { CONTRACT_TYPES, ContractType, TenureAnswer, TenureQuery, TenureSignal } from './tenure.signal';

/** v0.2 is the last public release; v0.3rc1 adds OUT_OF_RANGE for a tenureDate past the operator's window. */
/** v0.1 (Telefónica, Nokia) and v040 take the same body as v0.2. */
export const TENURE_API_VERSIONS = ['v0.3rc1', 'v0.2', 'v0.1', 'v040'] as const;
export type TenureApiVersion = (typeof TENURE_API_VERSIONS)[number];

export const TENURE_SCOPES = ['kyc-tenure:check-tenure'] as const;

/**
 * CAMARA `TenureInfo`. Only the known fields are kept, so a stored answer has a stable shape. An
 * unknown contractType (a later spec version may add one) is dropped rather than failing the
 * whole answer: tenureDateCheck is what policies decide on, and the spec lets contractType be absent.
 */
const TENURE_INFO: ResponseShape<TenureAnswer> = {
  expected: '{ tenureDateCheck: boolean, contractType?: PAYG | PAYM | Business }',
  parse(body) {
    const record = body as Partial<Record<keyof TenureAnswer, unknown>> | null | undefined;
    if (typeof record?.tenureDateCheck !== 'boolean') return undefined;
    const answer: TenureAnswer = { tenureDateCheck: record.tenureDateCheck };
    if (CONTRACT_TYPES.includes(record.contractType as ContractType)) answer.contractType = record.contractType as ContractType;
    return answer;
  },
};

/** KYC Tenure `POST /kyc-tenure/{version}/check-tenure` at an operator's gateway. */
export class TenureHttpClient extends TenureSignal {
  private readonly http: CamaraHttpClient;

  constructor(options: CamaraClientOptions) {
    super();
    const version = checkVersion('KYC Tenure', options.version, TENURE_API_VERSIONS);
    this.http = new CamaraHttpClient({ ...options, defaultBasePath: `/kyc-tenure/${version}`, name: TenureHttpClient.name });
  }

  checkTenure(query: TenureQuery, ctx: SignalCallContext): Promise<SignalAnswer<TenureAnswer>> {
    return this.http.post(
      {
        path: '/check-tenure',
        scopes: TENURE_SCOPES,
        phoneNumber: query.phoneNumber,
        params: { tenureDate: query.tenureDate },
        response: TENURE_INFO,
      },
      ctx,
    );
  }
}
