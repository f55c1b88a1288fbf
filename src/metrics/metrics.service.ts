import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { PolicyRegistry } from '../policies/policy.registry';
import { Action, ACTIONS } from '../scoring/actions';
import { SignalGateway } from '../signals/signal-gateway';
import { registerPolicyMetrics } from './policy.metrics';
import { registerSignalMetrics } from './signal.metrics';

/** Up to the default 3 s decision deadline and past it (storing the decision comes after). */
const DECISION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5];

/**
 * The application's Prometheus metrics. One registry per application instance, not
 * prom-client's global one: tests boot several applications in one process, and each must
 * count its own requests. Domain code calls `decided`; signal and policy metrics listen to the
 * gateway and the policy registry (see registerSignalMetrics, registerPolicyMetrics).
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly decisions: Counter<'use_case' | 'outcome'>;
  private readonly decisionSeconds: Histogram<'use_case'>;
  private readonly shadowSkips: Counter<'use_case'>;

  constructor(
    private readonly policies: PolicyRegistry,
    gateway: SignalGateway,
  ) {
    collectDefaultMetrics({ register: this.registry });
    this.decisions = new Counter({
      name: 'linetrust_decisions_total',
      help: 'Decisions made and stored, by use case and outcome (idempotent replays are not counted again).',
      labelNames: ['use_case', 'outcome'] as const,
      registers: [this.registry],
    });
    this.decisionSeconds = new Histogram({
      name: 'linetrust_decision_duration_seconds',
      help: 'Time to make a decision: signals, policy and storing it.',
      labelNames: ['use_case'] as const,
      buckets: DECISION_BUCKETS,
      registers: [this.registry],
    });
    this.shadowSkips = new Counter({
      name: 'linetrust_shadow_skipped_total',
      help: "Decisions a shadow candidate did not evaluate because their context does not fit the candidate's declared inputs.",
      labelNames: ['use_case'] as const,
      registers: [this.registry],
    });
    // Listening from the constructor: the registry's start-up reloads (candidates) count too.
    registerSignalMetrics(this.registry, gateway);
    registerPolicyMetrics(this.registry, policies);
  }

  /**
   * Each loaded policy's series start at 0, so that rate() sees the first decision. At
   * bootstrap: a global module's onModuleInit runs before the policies are loaded.
   */
  onApplicationBootstrap(): void {
    for (const policy of this.policies.list()) {
      for (const outcome of ACTIONS) this.decisions.inc({ use_case: policy.id, outcome }, 0);
    }
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }

  /** A decision was made and stored. `useCase` is a loaded policy's id (bounded label values). */
  decided(useCase: string, outcome: Action, seconds: number): void {
    this.decisions.inc({ use_case: useCase, outcome });
    this.decisionSeconds.observe({ use_case: useCase }, seconds);
  }

  /** A shadow candidate would have refused the decision's context: it was not evaluated. */
  shadowSkipped(useCase: string): void {
    this.shadowSkips.inc({ use_case: useCase });
  }
}
