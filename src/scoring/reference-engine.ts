import { Engine } from 'json-rules-engine';
import { REQUEST_FACTS, SIGNAL_FACTS, SignalFactName } from './facts';
import { PolicyRule } from './policy.types';
import { REQUEST_FACT_PRIORITY, RequestFactValues, resolvePath, SIGNAL_FACT_PRIORITY, SignalSource } from './rule-program';

/** What json-rules-engine reports for one run: rule indexes, and the events in settling order. */
export interface ReferenceResult {
  fired: number[];
  failed: number[];
  events: { type: string; params?: Record<string, unknown> }[];
}

/**
 * The reference semantics the compiled RuleProgram must match: json-rules-engine itself, set up
 * the way LineTrust ran it before the rules were compiled (signal facts at priority 1 and
 * request facts at 10, no fact cache, stop after a BLOCK). The differential test checks the
 * program against it, and `npm run bench:rules` measures both in the same run. A fresh Engine
 * per run: one Engine shared by concurrent runs skips rules.
 */
export async function referenceRun(rules: readonly PolicyRule[], source: SignalSource, request: RequestFactValues): Promise<ReferenceResult> {
  const engine = new Engine([], { allowUndefinedFacts: false, pathResolver: resolvePath });
  rules.forEach((rule, index) =>
    engine.addRule({
      name: String(index),
      priority: rule.priority ?? 1,
      conditions: rule.conditions as never,
      event: { type: rule.event.type, params: rule.event.params },
    }),
  );
  for (const fact of Object.keys(SIGNAL_FACTS) as SignalFactName[]) {
    engine.addFact(fact, (params: Record<string, unknown>) => source.resolve(fact, params ?? {}), { cache: false, priority: SIGNAL_FACT_PRIORITY });
  }
  for (const fact of REQUEST_FACTS) {
    engine.addFact(fact, () => request[fact], { cache: false, priority: REQUEST_FACT_PRIORITY });
  }
  engine.on('success', (event) => {
    if (event.type === 'BLOCK') engine.stop();
  });
  const { results, failureResults, events } = await engine.run();
  const indexes = (list: { name?: unknown }[]) => list.map((r) => Number(r.name)).sort((a, b) => a - b);
  return { fired: indexes(results), failed: indexes(failureResults), events: events as ReferenceResult['events'] };
}
