/** Where a promise stands, readable without awaiting it (so a test can check it has not settled). */
export function track<T>(promise: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

/** Lets every pending promise job run (setImmediate must be left real by fake timers for this). */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
