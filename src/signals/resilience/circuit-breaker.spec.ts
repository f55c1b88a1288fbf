import { CircuitBreaker, CircuitTicket } from './circuit-breaker';

describe('CircuitBreaker', () => {
  let now = 0;
  const breaker = () => new CircuitBreaker('simSwap', { failureThreshold: 3, openMs: 1000 }, () => now);
  const fail = (b: CircuitBreaker, times = 1) => {
    for (let i = 0; i < times; i++) b.onFailure(b.tryPass() as CircuitTicket);
  };
  beforeEach(() => (now = 0));

  it('stays closed below the failure threshold, and a success resets the count', () => {
    const b = breaker();
    fail(b, 2);
    b.onSuccess(b.tryPass() as CircuitTicket);
    fail(b, 2);
    expect(b.state).toBe('closed');
    expect(b.tryPass()).toBeDefined();
  });

  it('opens after consecutive failures and refuses calls until openMs has passed', () => {
    const b = breaker();
    fail(b, 3);
    expect(b.state).toBe('open');
    expect(b.tryPass()).toBeUndefined();
    now = 999;
    expect(b.tryPass()).toBeUndefined();
    expect(b.refusal()).toMatch(/circuit open for simSwap .*next probe in 1 s/);
  });

  it('lets exactly one probe through when half-open; its success closes the circuit', () => {
    const b = breaker();
    fail(b, 3);
    now = 1000;
    expect(b.state).toBe('half-open');
    const probe = b.tryPass();
    expect(probe).toMatchObject({ probe: true });
    expect(b.tryPass()).toBeUndefined();
    b.onSuccess(probe as CircuitTicket);
    expect(b.state).toBe('closed');
    expect(b.tryPass()).toBeDefined();
  });

  it('starts counting afresh after a probe closes it: the full threshold of new failures reopens it', () => {
    const b = breaker();
    fail(b, 3);
    now = 1000;
    b.onSuccess(b.tryPass() as CircuitTicket);
    fail(b, 2);
    expect(b.state).toBe('closed');
    expect(b.tryPass()).toMatchObject({ probe: false });
    fail(b, 1);
    expect(b.state).toBe('open');
  });

  it('opens again for a full period when the probe fails', () => {
    const b = breaker();
    fail(b, 3);
    now = 1000;
    b.onFailure(b.tryPass() as CircuitTicket);
    expect(b.state).toBe('open');
    now = 1999;
    expect(b.tryPass()).toBeUndefined();
    now = 2000;
    expect(b.tryPass()).toBeDefined();
  });

  it('ignores a slow call admitted before the circuit opened: its late success does not close it', () => {
    const b = breaker();
    const slow = b.tryPass() as CircuitTicket;
    fail(b, 3);
    b.onSuccess(slow);
    expect(b.state).toBe('open');
    now = 1000;
    const probe = b.tryPass() as CircuitTicket;
    b.onFailure(slow);
    expect(b.tryPass()).toBeUndefined();
    b.onSuccess(probe);
    expect(b.state).toBe('closed');
  });

  it('frees the probe place of a call our own deadline cut short, without judging the operator', () => {
    const b = breaker();
    fail(b, 3);
    now = 1000;
    b.release(b.tryPass() as CircuitTicket);
    expect(b.state).toBe('half-open');
    expect(b.tryPass()).toMatchObject({ probe: true });
  });

  it("refuses calls until the operator's Retry-After has passed, and says so", () => {
    const b = breaker();
    b.pauseUntil(5000);
    expect(b.tryPass()).toBeUndefined();
    expect(b.state).toBe('open');
    expect(b.refusal()).toMatch(/operator asked to wait \(Retry-After\) 5 s more/);
    now = 5000;
    expect(b.tryPass()).toBeDefined();
    expect(b.state).toBe('closed');
  });
});
