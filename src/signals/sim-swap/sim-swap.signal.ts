import { SignalAnswer, SignalCallContext } from '../signal.types';

/** CAMARA `maxAge` bounds (hours), shared by SIM Swap and Device Swap `check`. */
export const MAX_AGE_MIN_HOURS = 1;
export const MAX_AGE_MAX_HOURS = 2400;

/** CAMARA SIM Swap / Device Swap `POST /check` request. */
export interface SwapCheckQuery {
  phoneNumber: string;
  /** Hours, 1..2400. */
  maxAge: number;
}

/** `POST /retrieve-date` request. */
export interface SwapDateQuery {
  phoneNumber: string;
}

export interface SwapCheckAnswer {
  swapped: boolean;
}

export interface SimSwapDateAnswer {
  /** ISO 8601 date-time, or null when the operator cannot tell (never paired, or privacy window). */
  latestSimChange: string | null;
  /** Days the operator monitors, when it returns null for that reason. */
  monitoredPeriod?: number;
}

export abstract class SimSwapSignal {
  abstract check(query: SwapCheckQuery, ctx: SignalCallContext): Promise<SignalAnswer<SwapCheckAnswer>>;
  abstract retrieveDate(query: SwapDateQuery, ctx: SignalCallContext): Promise<SignalAnswer<SimSwapDateAnswer>>;
}
