import Ajv from 'ajv';
import { schemaProblems } from '../common/validation/schema-problems';
import { ACTIONS } from './actions';
import { SignalFactName } from './facts';
import { PolicyInvalidError, PolicyProblem } from './policy-invalid.error';
import { policyIdOf } from './policy-files';
import policySchema from './policy.schema.json';
import { Condition, PolicyDocument } from './policy.types';
import { inputProblems } from './input-rules';
import { handlesUnknown, signalFactsRead } from './unknown-handling';

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile<PolicyDocument>(policySchema);
const ONE_OF_CONDITION = 'must have exactly one of "all", "any" or "not"';

/** Checks the schema cannot express: names, file/id agreement, thresholds, unknown handling (inputs: input-rules.ts). */
function semanticProblems(policy: PolicyDocument, file: string): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const expectedId = policyIdOf(file);
  if (policy.id !== expectedId) {
    problems.push({ path: '$.id', message: `must equal the file name "${expectedId}" (got "${policy.id}")` });
  }
  const names = new Map<string, number>();
  const firstUse = new Map<SignalFactName, string>();
  policy.rules.forEach((rule, index) => {
    const previous = names.get(rule.name);
    if (previous !== undefined) {
      problems.push({ path: `$.rules[${index}].name`, message: `duplicate rule name "${rule.name}" (also $.rules[${previous}])` });
    } else {
      names.set(rule.name, index);
    }
    for (const [fact, path] of signalFactsRead(rule.conditions as Condition, `$.rules[${index}].conditions`)) {
      if (!firstUse.has(fact)) firstUse.set(fact, path);
    }
  });
  for (const [fact, path] of firstUse) {
    if (!policy.rules.some((rule) => handlesUnknown(rule, fact))) {
      problems.push({
        path,
        message: `the policy reads "${fact}" but no rule says what an unknown ${fact} answer means: add a rule that fires on its "$.status" being other than "OK" (for example notEqual "OK") with an action above ALLOW or some points, or an unknown answer would silently count as no risk`,
      });
    }
  }
  const thresholds = policy.scoreThresholds ?? {};
  let last: { action: string; score: number } | undefined;
  for (const action of ACTIONS) {
    const score = thresholds[action as keyof typeof thresholds];
    if (score === undefined) continue;
    if (last && score <= last.score) {
      problems.push({ path: `$.scoreThresholds.${action}`, message: `must be above ${last.action}'s ${last.score}: more severe actions need higher scores` });
    }
    last = { action, score };
  }
  return problems;
}

/**
 * Parses and validates a policy file's text: JSON syntax, the JSON Schema (policy.schema.json),
 * then semantic checks. Throws PolicyInvalidError listing every problem with its path.
 */
export function validatePolicyText(text: string, file: string): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PolicyInvalidError(file, [{ path: '$', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  if (!validateSchema(json)) throw new PolicyInvalidError(file, schemaProblems(validateSchema.errors ?? [], json, ONE_OF_CONDITION));
  const problems = [...semanticProblems(json, file), ...inputProblems(json)];
  if (problems.length > 0) throw new PolicyInvalidError(file, problems);
  return json;
}
