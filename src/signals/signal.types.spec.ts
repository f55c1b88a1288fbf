import { SignalCallContext, withAbortSignalOnRead } from './signal.types';

describe('withAbortSignalOnRead', () => {
  const ctx: SignalCallContext = { correlator: 'c-1', deadlineAt: 1000, traceparent: '00-abc-def-01' };

  it('makes the signal when it is first read, once, and keeps the rest of the context', () => {
    let made = 0;
    const controller = new AbortController();
    const call = withAbortSignalOnRead(ctx, () => {
      made++;
      return controller.signal;
    });
    expect(made).toBe(0);
    expect(call).toMatchObject({ correlator: 'c-1', deadlineAt: 1000, traceparent: '00-abc-def-01' });
    expect(call.abortSignal).toBe(controller.signal);
    expect(call.abortSignal).toBe(controller.signal);
    expect(made).toBe(1);
  });

  it('replaces a signal the context had, and leaves that context as it was', () => {
    const outer = new AbortController();
    const inner = new AbortController();
    const original = { ...ctx, abortSignal: outer.signal };
    expect(withAbortSignalOnRead(original, () => inner.signal).abortSignal).toBe(inner.signal);
    expect(original.abortSignal).toBe(outer.signal);
  });
});
