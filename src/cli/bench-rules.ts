// `npm run bench:rules`: policy evaluations per second for the compiled RuleProgram and, as the
// baseline measured in the same run, json-rules-engine (the reference semantics), on policies
// of 10 and 100 rules. Runs alternate A B A B so a busy machine skews both alike. The signal
// source answers as a decision's collector does once every query is in flight: a promise.
import { PolicyRule } from '../scoring/policy.types';
import { referenceRun } from '../scoring/reference-engine';
import { RequestFactValues, RuleProgram, SignalSource } from '../scoring/rule-program';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 1000);

/** A policy of `count` rules shaped like the starter ones: a signal, its status, an amount. */
function policy(count: number): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (let i = 0; i < count; i++) {
    const days = 30 * (1 + (i % 12));
    const kind = i % 4;
    const leaf =
      kind === 0
        ? { fact: 'tenure', params: { days }, path: '$.tenureDateCheck', operator: 'equal', value: false }
        : kind === 1
          ? { fact: 'tenure', params: { days }, path: '$.status', operator: 'notEqual', value: 'OK' }
          : kind === 2
            ? { fact: 'simSwap', params: { maxAge: 24 * (1 + (i % 10)) }, path: '$.swapped', operator: 'equal', value: true }
            : { fact: 'context', path: '$.amount', operator: 'greaterThanInclusive', value: 1000 * i };
    rules.push({
      name: `rule-${i}`,
      priority: 1 + (i % 3),
      conditions: { all: [leaf, { fact: 'useCase', operator: 'equal', value: 'p2p_recipient' }] },
      event: { type: i % 7 === 0 ? 'REVIEW' : 'CHALLENGE', params: { code: `R${i}`, message: `rule ${i}`, score: 5 } },
    });
  }
  return rules;
}

const source: SignalSource = {
  resolve: (fact) => Promise.resolve(fact === 'tenure' ? { status: 'OK', tenureDateCheck: true, contractType: 'PAYM' } : { status: 'OK', swapped: false }),
};
const request = { useCase: 'p2p_recipient', trustedSince: null, context: { amount: 25_000, currency: 'EUR' } } as RequestFactValues;

async function measure(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let done = 0;
  while (performance.now() - started < RUN_MS) {
    await run();
    done += 1;
  }
  return done / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const results: string[] = [];
  for (const count of [10, 100]) {
    const rules = policy(count);
    const program = new RuleProgram(rules);
    const compiled: number[] = [];
    const reference: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      compiled.push(await measure(() => program.run(source, request)));
      reference.push(await measure(() => referenceRun(rules, source, request)));
    }
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const [c, r] = [median(compiled), median(reference)];
    results.push(`${String(count).padStart(4)} rules  compiled ${Math.round(c).toLocaleString('en').padStart(9)}/s (${(1e6 / c).toFixed(1)} us)   json-rules-engine ${Math.round(r).toLocaleString('en').padStart(7)}/s (${(1e6 / r).toFixed(1)} us)   x${(c / r).toFixed(1)}`);
  }
  console.log(`policy evaluations per second, median of ${ROUNDS} alternating runs of ${RUN_MS} ms each:`);
  for (const line of results) console.log(line);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
