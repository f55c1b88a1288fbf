/** A value now, or later: for work that is usually synchronous and only sometimes waits. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Whether `value` is to be awaited. Any thenable, not only a native Promise: a Prisma query or
 * a promise from another realm is not `instanceof Promise`, and taking one for the value itself
 * would answer a promise where a value was meant.
 */
export function isThenable<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined | null)?.then === 'function';
}
