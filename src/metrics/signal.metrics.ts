import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CircuitState } from '../signals/resilience/circuit-breaker';
import { providerKind, SignalGateway } from '../signals/signal-gateway';
import { SignalName } from '../signals/signal.types';
import { signalResult } from './signal-result';

/** The gauge's value per state: the higher, the less the API is called. */
const CIRCUIT_STATE_VALUE: Readonly<Record<CircuitState, number>> = { closed: 0, 'half-open': 1, open: 2 };

/** From the sandbox's sub-millisecond answers to a slow operator near the 1.5 s call timeout. */
const SIGNAL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5];

/**
 * Signal metrics. Queries and their latency are observed as the gateway answers them; operator
 * calls and circuit states are read from the gateway at scrape time (nothing on the hot path).
 */
export function registerSignalMetrics(registry: Registry, gateway: SignalGateway): void {
  const provider = Object.fromEntries(gateway.status().items.map((item) => [item.signal, providerKind(item.provider)])) as Record<
    SignalName,
    'http' | 'sandbox'
  >;
  const queries = new Counter({
    name: 'linetrust_signal_queries_total',
    help: 'Signal queries by signal, provider and result (ok, cache_hit, not_subscriber, not_applicable, out_of_range, unavailable_<cause>).',
    labelNames: ['signal', 'provider', 'result'] as const,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'linetrust_signal_duration_seconds',
    help: 'Time of a signal query not answered from the cache, retries included.',
    labelNames: ['signal', 'provider'] as const,
    buckets: SIGNAL_BUCKETS,
    registers: [registry],
  });
  gateway.onQuery(({ signal, answer, cached, seconds: took }) => {
    queries.inc({ signal, provider: provider[signal], result: signalResult(answer, cached) });
    if (!cached) seconds.observe({ signal, provider: provider[signal] }, took);
  });
  new Counter({
    name: 'linetrust_signal_operator_calls_total',
    help: 'Calls made to the operator API (what it bills), retries included.',
    labelNames: ['signal', 'provider'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const item of gateway.status().items) this.inc({ signal: item.signal, provider: provider[item.signal] }, item.calls);
    },
  });
  new Gauge({
    name: 'linetrust_circuit_state',
    help: 'Circuit breaker of each signal API: 0 closed, 1 half-open (the next call is a probe), 2 open (calls refused).',
    labelNames: ['signal'] as const,
    registers: [registry],
    collect() {
      for (const item of gateway.status().items) this.set({ signal: item.signal }, CIRCUIT_STATE_VALUE[item.circuit]);
    },
  });
}
