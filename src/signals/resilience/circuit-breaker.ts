export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failed queries that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting one probe through. */
  openMs: number;
}

/** Leave to make one call; its outcome is reported with it. */
export interface CircuitTicket {
  readonly generation: number;
  readonly probe: boolean;
}

/**
 * One per operator API. After `failureThreshold` consecutive failed queries it opens: calls are
 * refused at once (no money, no waiting on a gateway that is down) until `openMs` has passed.
 * Then one probe goes through (half-open): success closes the circuit, failure opens it again.
 *
 * Every call holds a ticket from the circuit's current generation, which changes whenever the
 * circuit opens or closes: a slow call admitted before the circuit opened cannot close it when
 * it finally succeeds, nor count against the next period.
 *
 * The operator's Retry-After pauses the API the same way: no call before the time it gave.
 */
export class CircuitBreaker {
  private failures = 0;
  private generation = 0;
  private opened = false;
  private openedAt = 0;
  // Stryker disable next-line BooleanLiteral: probing is read only when half-open, reached only through open(), which clears it
  private probing = false;
  private pausedUntil = 0;

  constructor(
    readonly name: string,
    private readonly options: CircuitBreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    if (!this.opened) return this.now() < this.pausedUntil ? 'open' : 'closed';
    return this.now() - this.openedAt >= this.options.openMs ? 'half-open' : 'open';
  }

  /** A ticket when a call may go through now (in half-open, one probe at a time). */
  tryPass(): CircuitTicket | undefined {
    if (this.now() < this.pausedUntil) return undefined;
    const state = this.state;
    if (state === 'closed') return { generation: this.generation, probe: false };
    if (state === 'open' || this.probing) return undefined;
    this.probing = true;
    return { generation: this.generation, probe: true };
  }

  /** Why calls are refused now, for the decision's explanation. */
  refusal(): string {
    const now = this.now();
    if (now < this.pausedUntil) {
      return `${this.name}: the operator asked to wait (Retry-After) ${Math.ceil((this.pausedUntil - now) / 1000)} s more`;
    }
    const nextProbe = Math.ceil(Math.max(0, this.options.openMs - (now - this.openedAt)) / 1000);
    return `circuit open for ${this.name} after repeated failures (next probe in ${nextProbe} s)`;
  }

  onSuccess(ticket: CircuitTicket): void {
    if (ticket.generation !== this.generation) return;
    if (ticket.probe) return this.close();
    // Stryker disable next-line ConditionalExpression: a current-generation ticket that is not a probe was issued while closed, and opening changes the generation, so the circuit is closed here
    if (!this.opened) this.failures = 0;
  }

  onFailure(ticket: CircuitTicket): void {
    if (ticket.generation !== this.generation) return;
    if (ticket.probe) return this.open();
    // Stryker disable next-line ConditionalExpression: a current-generation ticket that is not a probe was issued while closed, and opening changes the generation, so this never returns
    if (this.opened) return;
    this.failures += 1;
    if (this.failures >= this.options.failureThreshold) this.open();
  }

  /** The call said nothing about the operator (our own deadline cut it): free its place. */
  release(ticket: CircuitTicket): void {
    if (ticket.probe && ticket.generation === this.generation) this.probing = false;
  }

  /** Milliseconds left of a Retry-After pause (0 when none). */
  pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /** The operator's Retry-After: refuse calls until `until` (epoch ms of this breaker's clock). */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  private open(): void {
    this.generation += 1;
    this.opened = true;
    this.openedAt = this.now();
    this.probing = false;
  }

  private close(): void {
    this.generation += 1;
    this.opened = false;
    this.failures = 0;
    // Stryker disable next-line BooleanLiteral: probing is read only when half-open, reached only through open(), which clears it
    this.probing = false;
  }
}
