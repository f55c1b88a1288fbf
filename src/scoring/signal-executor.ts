import { abortSignalOf } from '../common/async/alarm';
import { SignalAnswer, SignalCallContext, SignalName, withAbortSignalOnRead } from '../signals/signal.types';

/** One signal query, ready to be made: what it asks, and how to ask the provider. */
export interface SignalRequest<T> {
  signal: SignalName;
  operation: string;
  /** The query's parameters, without the phone number. */
  query: Record<string, string | number>;
  phoneNumber: string;
  /** The number's keyed hash when the caller already has it (the cache key uses it). */
  subjectKey?: string;
  call: (ctx: SignalCallContext) => Promise<SignalAnswer<T>>;
}

/** An answer with how it was obtained: from the cache (and how old), or after how many tries. */
export interface ExecutedSignal<T> {
  answer: SignalAnswer<T>;
  cached: boolean;
  cacheAgeMs?: number;
  attempts: number;
}

/**
 * How the collector makes a query. The service plugs in caching, retries and circuit breakers
 * (src/signals/signal-gateway.ts); a CLI, a backtest or a unit test can call the provider
 * directly.
 */
export interface SignalExecutor {
  execute<T>(request: SignalRequest<T>, ctx: SignalCallContext): Promise<ExecutedSignal<T>>;
}

export const directExecutor: SignalExecutor = {
  async execute<T>(request: SignalRequest<T>, ctx: SignalCallContext): Promise<ExecutedSignal<T>> {
    return { answer: await request.call(withDeadlineSignal(ctx)), cached: false, attempts: 1 };
  },
};

/** The context with an abort signal for the decision's deadline, made when the provider first reads it. */
function withDeadlineSignal(ctx: SignalCallContext): SignalCallContext {
  const deadline = ctx.deadlineAlarm;
  if (!deadline || ctx.abortSignal) return ctx;
  return withAbortSignalOnRead(ctx, () => abortSignalOf(deadline));
}
