import { SignalAnswer, SignalCallContext } from '../signal.types';

/** CAMARA KYC Tenure `POST /check-tenure` request (phoneNumber given: 2-legged). */
export interface TenureQuery {
  phoneNumber: string;
  /** `YYYY-MM-DD`: the date from which continuous tenure must be confirmed. */
  tenureDate: string;
}

export type ContractType = 'PAYG' | 'PAYM' | 'Business';
export const CONTRACT_TYPES: readonly ContractType[] = ['PAYG', 'PAYM', 'Business'];

/** CAMARA `TenureInfo`. */
export interface TenureAnswer {
  /** true when the current holder's subscription has held since `tenureDate`. */
  tenureDateCheck: boolean;
  contractType?: ContractType;
}

export abstract class TenureSignal {
  abstract checkTenure(query: TenureQuery, ctx: SignalCallContext): Promise<SignalAnswer<TenureAnswer>>;
}
