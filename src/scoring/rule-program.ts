import { isThenable, MaybePromise } from '../common/async/maybe-promise';
import { isRequestFact, isSignalFact, RequestFactName, SignalFactName } from './facts';
import { Condition, LeafCondition, PolicyRule } from './policy.types';
import type { SignalFactValue } from './signal-collector';

/**
 * A policy's rules compiled to closures, evaluated with json-rules-engine's semantics (the
 * reference: src/scoring/rule-program.spec.ts checks them against it on generated policies and
 * facts) without its per-run costs: json-rules-engine deep-copies every rule on every run and
 * goes through several promises per condition, so its cost grows with the number of rules even
 * when they read facts already known. Here a condition is a plain function call that answers
 * true, false or PENDING (a signal it reads is still in flight); a run re-evaluates when a
 * signal arrives. A promise per signal in flight, not per condition: under load each one
 * also runs the request context's async hooks (docs/benchmarks.md counts them).
 */

/** A condition or a read that waits for a signal still in flight. */
const PENDING: unique symbol = Symbol('pending');
type Pending = typeof PENDING;

/** Where a run reads operator signals: the decision's SignalCollector, or a backtest's replay. */
export interface SignalSource {
  resolve(fact: SignalFactName, params: Record<string, unknown>): MaybePromise<SignalFactValue>;
}

/** The request facts of one run (see REQUEST_FACTS). */
export type RequestFactValues = Record<RequestFactName, unknown>;

/** One run's state: its facts, and each distinct signal query's value (PENDING while in flight). */
interface Run {
  readonly source: SignalSource;
  readonly request: RequestFactValues;
  readonly slots: (SignalFactValue | Pending | undefined)[];
  /** The slots in flight that the condition being evaluated read (what it waits for). */
  touched: number[];
  /** Called when a signal in flight arrives (re-evaluates what waits for it), or fails (rejects the run). */
  arrived: (slot: number) => void;
  failed: (error: unknown) => void;
}

type Test = (run: Run) => boolean | Pending;
type Read = (run: Run) => unknown;

/** What a run gives back: json-rules-engine's `results` and `failureResults`, by rule index. */
export interface ProgramResult {
  fired: number[];
  failed: number[];
}

/**
 * json-rules-engine evaluates the conditions of an `all`/`any` by fact priority and stops at the
 * first set that settles it. Request facts cost nothing, operator signals cost a paid call:
 * request facts go first, so "amount >= 1000 and line under 90 days" only asks the operator
 * about the line when the amount is large.
 */
export const REQUEST_FACT_PRIORITY = 10;
export const SIGNAL_FACT_PRIORITY = 1;

/** json-rules-engine's numeric operators refuse a fact that does not start like a number. */
const numeric = (value: unknown): boolean => Number.parseFloat(value as string).toString() !== 'NaN';

/** json-rules-engine's default operators, with the fact-value checks it applies before each. */
const OPERATORS: Record<string, (fact: unknown, value: unknown) => boolean> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  in: (a, b) => (b as unknown[]).indexOf(a) > -1,
  notIn: (a, b) => (b as unknown[]).indexOf(a) === -1,
  contains: (a, b) => Array.isArray(a) && a.indexOf(b) > -1,
  doesNotContain: (a, b) => Array.isArray(a) && a.indexOf(b) === -1,
  lessThan: (a, b) => numeric(a) && (a as number) < (b as number),
  lessThanInclusive: (a, b) => numeric(a) && (a as number) <= (b as number),
  greaterThan: (a, b) => numeric(a) && (a as number) > (b as number),
  greaterThanInclusive: (a, b) => numeric(a) && (a as number) >= (b as number),
};

/**
 * The loader guarantees paths are `$.a.b` (policy.schema.json), so a plain property walk
 * replaces json-rules-engine's JSONPath default, which costs more than the rest of a condition.
 */
export function resolvePath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.slice(2).split('.')) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

interface FactReference {
  fact: string;
  params?: Record<string, unknown>;
  path?: string;
}

export class RuleProgram {
  /** Distinct signal queries (fact + params), each asked at most once per run. */
  private readonly queries = new Map<string, number>();
  /** Rule indexes by priority, highest first, in file order within a priority. */
  private readonly ruleSets: number[][];
  private readonly tests: Test[];

  constructor(private readonly rules: readonly PolicyRule[]) {
    this.tests = rules.map((rule) => this.compileCondition(rule.conditions as Condition));
    const byPriority = new Map<number, number[]>();
    rules.forEach((rule, index) => {
      const priority = rule.priority || 1;
      byPriority.set(priority, [...(byPriority.get(priority) ?? []), index]);
    });
    this.ruleSets = [...byPriority.entries()].sort(([a], [b]) => b - a).map(([, set]) => set);
  }

  /**
   * Evaluates every rule as json-rules-engine would: priority sets one after the other, the
   * rules of a set side by side. Once a rule of a set fires with BLOCK, nothing is more severe,
   * so later sets are skipped and their signals never asked (each costs a paid operator call).
   */
  run(source: SignalSource, request: RequestFactValues): Promise<ProgramResult> {
    return new Promise((resolve, reject) => {
      const result: ProgramResult = { fired: [], failed: [] };
      let next = 0;
      let settled = false;
      // The verdicts of the set being evaluated, and which of its rules wait for which slot: a
      // signal's arrival re-evaluates the rules that read it, not the whole set (a rule is
      // pure, so a repeat gives what it would have given had the value been there at first).
      let verdicts: (boolean | Pending)[] = [];
      let waiting = new Map<number, number[]>();
      const evaluate = (i: number) => {
        run.touched = [];
        verdicts[i] = this.tests[this.ruleSets[next][i]](run);
        // Stryker disable next-line ConditionalExpression: a decided rule's waiters are skipped when their signal arrives (see arrived), so registering them changes nothing
        for (const slot of verdicts[i] === PENDING ? run.touched : []) {
          const waiters = waiting.get(slot) ?? [];
          // Stryker disable next-line ConditionalExpression: a rule listed twice is evaluated again only while still PENDING, and a rule is pure: same verdict, no new query
          if (!waiters.includes(i)) waiting.set(slot, [...waiters, i]);
        }
      };
      const startSet = () => {
        verdicts = [];
        waiting = new Map();
        this.ruleSets[next].forEach((_, i) => evaluate(i));
      };
      // Closes every set whose rules all have a verdict, starting the next; false while one waits.
      const advance = (): boolean => {
        while (!verdicts.includes(PENDING)) {
          let blocked = false;
          this.ruleSets[next].forEach((index, i) => {
            if (verdicts[i] !== true) return result.failed.push(index);
            result.fired.push(index);
            blocked ||= this.rules[index].event.type === 'BLOCK';
          });
          next = blocked ? this.ruleSets.length : next + 1;
          if (next === this.ruleSets.length) return true;
          startSet();
        }
        return false;
      };
      const finish = () => {
        // Stryker disable next-line BooleanLiteral: at finish every verdict of the last set is decided, so a late arrival evaluates nothing and asks nothing, and the promise is settled already
        settled = true;
        resolve(result);
      };
      const run: Run = {
        source,
        request,
        // Stryker disable next-line ArrayDeclaration: a slot reads undefined until set, whether the array is sized up front or grows
        slots: new Array<undefined>(this.queries.size),
        touched: [],
        arrived: (slot) => {
          if (settled) return;
          try {
            const waiters = waiting.get(slot) ?? [];
            waiting.delete(slot);
            // Stryker disable next-line ConditionalExpression: a decided verdict stays decided (three-valued logic: a PENDING read that arrives cannot change it), and a rule is pure
            for (const i of waiters) if (verdicts[i] === PENDING) evaluate(i);
            if (advance()) finish();
          } catch (error) {
            run.failed(error);
          }
        },
        failed: (error) => {
          settled = true;
          reject(error as Error);
        },
      };
      try {
        if (this.ruleSets.length === 0) return resolve(result);
        startSet();
        if (advance()) finish();
      } catch (error) {
        run.failed(error);
      }
    });
  }

  private compileCondition(condition: Condition): Test {
    if ('fact' in condition) return this.compileLeaf(condition);
    if ('not' in condition) {
      const inner = this.compileCondition(condition.not);
      return (run) => {
        const passes = inner(run);
        return passes === PENDING ? PENDING : passes !== true;
      };
    }
    const isAll = 'all' in condition;
    const children = isAll ? condition.all : condition.any;
    if (children.length === 0) return () => true;
    // A shortcut for the common one-condition group, giving what the general path below gives.
    // Stryker disable next-line ConditionalExpression,BlockStatement: without the shortcut the general path returns the same verdict
    if (children.length === 1) {
      const only = this.compileCondition(children[0]);
      return (run) => {
        const passes = only(run);
        return passes === PENDING ? PENDING : passes === true;
      };
    }
    const sets = this.prioritize(children).map((set) => set.map((child) => this.compileCondition(child)));
    // A set is evaluated whole (all its facts asked side by side); the next set only when the
    // ones before have not settled the answer: false for `all`, true for `any`.
    return (run) => {
      for (const set of sets) {
        let pending = false;
        let decided = false;
        for (const test of set) {
          const verdict = test(run);
          if (verdict === PENDING) pending = true;
          else if (isAll ? verdict !== true : verdict === true) decided = true;
        }
        if (pending) return PENDING;
        if (decided) return !isAll;
      }
      return isAll;
    };
  }

  /** json-rules-engine's order: the condition's own priority, else its fact's; highest first. */
  private prioritize(conditions: Condition[]): Condition[][] {
    const sets = new Map<number, Condition[]>();
    for (const condition of conditions) {
      const priority = condition.priority || ('fact' in condition ? this.factPriority(condition.fact) : 1);
      sets.set(priority, [...(sets.get(priority) ?? []), condition]);
    }
    return [...sets.entries()].sort(([a], [b]) => b - a).map(([, set]) => set);
  }

  private factPriority(fact: string): number {
    return isRequestFact(fact) ? REQUEST_FACT_PRIORITY : SIGNAL_FACT_PRIORITY;
  }

  private compileLeaf(leaf: LeafCondition): Test {
    const operator = OPERATORS[leaf.operator];
    if (!operator) throw new Error(`unknown operator ${leaf.operator}`);
    const fact = this.compileRead(leaf);
    const value = leaf.value;
    // As in json-rules-engine, a value `{ fact, params?, path? }` is read from that fact.
    if (value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, 'fact')) {
      const other = this.compileRead(value as FactReference);
      return (run) => {
        const right = other(run);
        const left = fact(run);
        return right === PENDING || left === PENDING ? PENDING : operator(left, right);
      };
    }
    return (run) => {
      const left = fact(run);
      return left === PENDING ? PENDING : operator(left, value);
    };
  }

  private compileRead({ fact, params, path }: FactReference): Read {
    const atPath = path ? (value: unknown) => (value !== null && typeof value === 'object' ? resolvePath(value, path) : value) : undefined;
    let read: Read;
    if (isSignalFact(fact)) {
      const query = params ?? {};
      const key = `${fact}:${JSON.stringify(query)}`;
      const slot = this.queries.get(key) ?? this.queries.size;
      this.queries.set(key, slot);
      read = (run) => {
        const known = run.slots[slot];
        // Stryker disable next-line ConditionalExpression: a known slot registered as awaited never arrives again, so nothing waits on it
        if (known === PENDING) run.touched.push(slot);
        if (known !== undefined) return known;
        const asked = run.source.resolve(fact, query);
        if (!isThenable(asked)) return (run.slots[slot] = asked);
        run.slots[slot] = PENDING;
        run.touched.push(slot);
        asked.then((value) => {
          run.slots[slot] = value;
          run.arrived(slot);
        }, run.failed);
        return PENDING;
      };
    } else if (isRequestFact(fact)) {
      read = (run) => run.request[fact];
    } else {
      // The loader refuses unknown facts; json-rules-engine would reject the run the same way.
      throw new Error(`undefined fact: ${fact}`);
    }
    if (!atPath) return read;
    return (run) => {
      const value = read(run);
      // Stryker disable next-line ConditionalExpression: atPath answers a non-object, the PENDING symbol included, as it is
      return value === PENDING ? PENDING : atPath(value);
    };
  }
}
