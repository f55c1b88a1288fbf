import { createHash } from 'node:crypto';
import { Almanac, Engine } from 'json-rules-engine';
import { decideOutcome, Outcome } from './outcome';
import { REQUEST_FACTS, SIGNAL_FACTS, SignalFactName } from './facts';
import { ContextContract } from './policy-inputs';
import { PolicyDocument, PolicyRule } from './policy.types';
import { SignalCollector } from './signal-collector';

/** Runtime facts through which the engine's facts reach the decision's collector and request. */
const COLLECTOR_FACT = '__collector';
const REQUEST_FACT = '__request';
/**
 * json-rules-engine evaluates the conditions of an `all`/`any` by fact priority and stops at the
 * first that settles it. Facts from the request cost nothing, operator signals cost a paid call:
 * request facts go first, so "amount >= 1000 and line under 90 days" only asks the operator
 * about the line when the amount is large.
 */
const REQUEST_FACT_PRIORITY = 10;
const SIGNAL_FACT_PRIORITY = 1;
const MAX_IDLE_ENGINES = 64;

/** Request facts of one evaluation (see REQUEST_FACTS), given to each run as runtime facts. */
export interface RequestFacts {
  useCase: string;
  trustedSince: string | null;
  context: Record<string, unknown>;
}

/**
 * The loader guarantees paths are `$.a.b` (policy.schema.json), so a plain property walk
 * replaces json-rules-engine's JSONPath default, which costs more than the rest of a condition.
 */
function resolvePath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.slice(2).split('.')) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * A validated policy, ready to run. json-rules-engine's Engine keeps run state on itself (a
 * run that finishes marks the engine FINISHED and a concurrent run then skips its remaining
 * priority sets), so an Engine must never serve two runs at once. Building one per request
 * would repeat the rule parsing every time, so each policy keeps a pool: a run takes an idle
 * engine (or builds one) and gives it back when done.
 */
export class CompiledPolicy {
  readonly id: string;
  /** Content hash of the policy file: the version every decision records. */
  readonly version: string;
  readonly ruleNames: readonly string[];
  /** What the use case accepts in a request's context (its policy's `inputs.context`). */
  readonly inputs: ContextContract;
  private readonly rulesByName: ReadonlyMap<string, { rule: PolicyRule; index: number }>;
  private readonly idle: Engine[] = [];

  constructor(
    readonly document: PolicyDocument,
    readonly file: string,
    /** The file's exact text, stored with the version so a decision leads back to it. */
    readonly text: string,
  ) {
    this.id = document.id;
    this.version = createHash('sha256').update(text).digest('hex').slice(0, 16);
    this.ruleNames = document.rules.map((rule) => rule.name);
    this.inputs = new ContextContract(document.inputs?.context);
    this.rulesByName = new Map(document.rules.map((rule, index) => [rule.name, { rule, index }]));
    this.idle.push(this.buildEngine());
  }

  /**
   * Runs the rules. The caller has checked the context against `inputs` (a decision refuses it
   * with 400, a backtest reports it): here declared fields the request left out read as null.
   */
  async evaluate(collector: SignalCollector, facts: RequestFacts): Promise<Outcome> {
    const engine = this.idle.pop() ?? this.buildEngine();
    const request: RequestFacts = { ...facts, context: this.inputs.factValue(facts.context) };
    const { results } = await engine.run({ [REQUEST_FACT]: request, [COLLECTOR_FACT]: collector });
    // Only an engine whose run completed goes back: a rejected run may have left it mid-run.
    if (this.idle.length < MAX_IDLE_ENGINES) this.idle.push(engine);
    const fired = results
      .map((result) => this.rulesByName.get(result.name as string))
      .filter((entry): entry is { rule: PolicyRule; index: number } => entry !== undefined)
      .sort((a, b) => a.index - b.index)
      .map((entry) => entry.rule);
    return decideOutcome(fired, this.document.scoreThresholds);
  }

  private buildEngine(): Engine {
    const engine = new Engine([], { allowUndefinedFacts: false, pathResolver: resolvePath });
    for (const rule of this.document.rules) {
      engine.addRule({
        name: rule.name,
        priority: rule.priority ?? 1,
        conditions: rule.conditions as never,
        event: { type: rule.event.type, params: rule.event.params },
      });
    }
    for (const fact of Object.keys(SIGNAL_FACTS) as SignalFactName[]) {
      // The collector memoises queries itself; json-rules-engine's cache would hash params again.
      engine.addFact(
        fact,
        async (params: Record<string, unknown>, almanac: Almanac) => {
          const collector = (await almanac.factValue(COLLECTOR_FACT)) as SignalCollector;
          return collector.resolve(fact, params ?? {});
        },
        { cache: false, priority: SIGNAL_FACT_PRIORITY },
      );
    }
    for (const fact of REQUEST_FACTS) {
      engine.addFact(
        fact,
        async (_params: unknown, almanac: Almanac) => ((await almanac.factValue(REQUEST_FACT)) as RequestFacts)[fact],
        { cache: false, priority: REQUEST_FACT_PRIORITY },
      );
    }
    // Nothing is more severe than BLOCK: once a rule blocks, the remaining priority levels are
    // skipped and their signals never asked (each costs a paid operator call). An engine serves
    // one run at a time, so stopping it stops exactly this run.
    engine.on('success', (event) => {
      if (event.type === 'BLOCK') engine.stop();
    });
    return engine;
  }
}
