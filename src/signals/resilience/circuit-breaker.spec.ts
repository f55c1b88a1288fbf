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

  it('counts the failures of calls still in flight when another call succeeds', () => {
    const b = breaker();
    const first = b.tryPass() as CircuitTicket;
    const second = b.tryPass() as CircuitTicket;
    b.onSuccess(first);
    b.onFailure(second);
    fail(b, 2);
    expect(b.state).toBe('open');
  });

  it('does not count a late failure of a call admitted before the circuit opened against the period after it closed', () => {
    const b = breaker();
    const slow = b.tryPass() as CircuitTicket;
    fail(b, 3);
    now = 1000;
    b.onSuccess(b.tryPass() as CircuitTicket);
    b.onFailure(slow);
    fail(b, 2);
    expect(b.state).toBe('closed');
    fail(b, 1);
    expect(b.state).toBe('open');
  });

  it('does not let a late success of a call admitted before the circuit opened reset the count after it closed', () => {
    const b = breaker();
    const slow = b.tryPass() as CircuitTicket;
    fail(b, 3);
    now = 1000;
    b.onSuccess(b.tryPass() as CircuitTicket);
    fail(b, 2);
    b.onSuccess(slow);
    fail(b, 1);
    expect(b.state).toBe('open');
  });

  it.each([
    [
      'a call admitted before the circuit opened',
      (b: CircuitBreaker) => {
        const slow = b.tryPass() as CircuitTicket;
        fail(b, 3);
        return slow;
      },
    ],
    [
      'the failed probe of an earlier period',
      (b: CircuitBreaker) => {
        fail(b, 3);
        now = 1000;
        const probe = b.tryPass() as CircuitTicket;
        b.onFailure(probe);
        return probe;
      },
    ],
  ])('keeps the probe place taken when %s is released', (_label, staleTicketOfOpenCircuit) => {
    const b = breaker();
    const stale = staleTicketOfOpenCircuit(b);
    now += 1000;
    expect(b.tryPass()).toMatchObject({ probe: true });
    b.release(stale);
    expect(b.tryPass()).toBeUndefined();
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

  it("holds the half-open probe back until the operator's Retry-After has passed", () => {
    const b = breaker();
    fail(b, 3);
    b.pauseUntil(3000);
    now = 1000;
    expect(b.tryPass()).toBeUndefined();
    expect(b.refusal()).toBe('simSwap: the operator asked to wait (Retry-After) 2 s more');
    now = 3000;
    expect(b.tryPass()).toMatchObject({ probe: true });
  });

  it('explains the time left from now, for a circuit opened and a pause given at any time', () => {
    now = 5000;
    const b = breaker();
    fail(b, 3);
    now = 5400;
    expect(b.refusal()).toBe('circuit open for simSwap after repeated failures (next probe in 1 s)');
    b.pauseUntil(8000);
    expect(b.refusal()).toBe('simSwap: the operator asked to wait (Retry-After) 3 s more');
  });

  it('explains an open circuit, not a pause, from the moment the pause ends', () => {
    const b = breaker();
    fail(b, 3);
    b.pauseUntil(500);
    now = 500;
    expect(b.refusal()).toBe('circuit open for simSwap after repeated failures (next probe in 1 s)');
  });
});
