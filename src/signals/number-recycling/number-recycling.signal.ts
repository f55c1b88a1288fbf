import { SignalAnswer, SignalCallContext } from '../signal.types';

/** CAMARA Number Recycling `POST /check` request. */
export interface NumberRecyclingQuery {
  phoneNumber: string;
  /** `YYYY-MM-DD`: the date the caller last trusted the number's holder. */
  specifiedDate: string;
}

/** CAMARA `CheckNumRecyclingInfo`. */
export interface NumberRecyclingAnswer {
  /** true when the holder changed after `specifiedDate`. */
  phoneNumberRecycled: boolean;
}

export abstract class NumberRecyclingSignal {
  abstract check(
    query: NumberRecyclingQuery,
    ctx: SignalCallContext,
  ): Promise<SignalAnswer<NumberRecyclingAnswer>>;
}
