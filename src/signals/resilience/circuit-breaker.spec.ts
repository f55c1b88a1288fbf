import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  let now = 0;
  const breaker = () => new CircuitBreaker('simSwap', { failureThreshold: 3, openMs: 1000 }, () => now);
  beforeEach(() => (now = 0));

  it('stays closed below the failure threshold, and a success resets the count', () => {
    const b = breaker();
    b.onFailure();
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    b.onFailure();
    expect(b.state).toBe('closed');
    expect(b.tryPass()).toBe(true);
  });

  it('opens after consecutive failures and refuses calls until openMs has passed', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.onFailure();
    expect(b.state).toBe('open');
    expect(b.tryPass()).toBe(false);
    now = 999;
    expect(b.tryPass()).toBe(false);
    expect(b.retryInMs()).toBe(1);
  });

  it('lets exactly one probe through when half-open; success closes it', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.onFailure();
    now = 1000;
    expect(b.state).toBe('half-open');
    expect(b.tryPass()).toBe(true);
    expect(b.tryPass()).toBe(false);
    b.onSuccess();
    expect(b.state).toBe('closed');
    expect(b.tryPass()).toBe(true);
  });

  it('opens again for a full period when the probe fails', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.onFailure();
    now = 1000;
    expect(b.tryPass()).toBe(true);
    b.onFailure();
    expect(b.state).toBe('open');
    now = 1999;
    expect(b.tryPass()).toBe(false);
    now = 2000;
    expect(b.tryPass()).toBe(true);
  });
});
