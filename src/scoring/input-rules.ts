import Ajv from 'ajv';
import { leavesAt } from './conditions';
import { PolicyProblem } from './policy-invalid.error';
import { ContextContract } from './policy-inputs';
import { Condition, InputField, LeafCondition, PolicyDocument, PolicyRule } from './policy.types';
import { EITHER, fixed, holds, possibleWhen, ruleMatters } from './unknown-handling';

const ORDERING = new Set(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);
const LISTS = new Set(['in', 'notIn']);
/** Operators that make sense for each type of context field. */
const OPERATORS: Record<InputField['type'], ReadonlySet<string>> = {
  integer: new Set(['equal', 'notEqual', 'in', 'notIn', ...ORDERING]),
  number: new Set(['equal', 'notEqual', 'in', 'notIn', ...ORDERING]),
  string: new Set(['equal', 'notEqual', 'in', 'notIn']),
  boolean: new Set(['equal', 'notEqual']),
};

const ajv = new Ajv({ strict: false });

/** The declaration itself: required names declared, enums of the field's type, patterns that compile. */
function declarationProblems(policy: PolicyDocument): PolicyProblem[] {
  const declaration = policy.inputs?.context;
  if (!declaration) return [];
  const problems: PolicyProblem[] = [];
  const fields = declaration.properties ?? {};
  (declaration.required ?? []).forEach((name, i) => {
    if (!(name in fields)) problems.push({ path: `$.inputs.context.required[${i}]`, message: `names no declared field (got "${name}"; declared: ${Object.keys(fields).join(', ') || 'none'})` });
  });
  for (const [name, field] of Object.entries(fields)) {
    const at = `$.inputs.context.properties.${name}`;
    field.enum?.forEach((value, i) => {
      if (!fitsType(field, value)) problems.push({ path: `${at}.enum[${i}]`, message: `must be ${aType(field)} like the field (got ${JSON.stringify(value)})` });
    });
    if (field.minimum !== undefined && field.maximum !== undefined && field.minimum > field.maximum) {
      problems.push({ path: `${at}.minimum`, message: `must not be above maximum ${field.maximum} (got ${field.minimum})` });
    }
    if (field.pattern !== undefined) {
      try {
        ajv.compile({ type: 'string', pattern: field.pattern });
      } catch (error) {
        problems.push({ path: `${at}.pattern`, message: `is not a valid regular expression (got ${JSON.stringify(field.pattern)}): ${(error as Error).message}` });
      }
    }
  }
  return problems;
}

/** "an integer", "a string". */
function aType(field: InputField): string {
  return `${/^[aeiou]/.test(field.type) ? 'an' : 'a'} ${field.type}`;
}

function fitsType(field: InputField, value: unknown): boolean {
  switch (field.type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
  }
}

/** A value a rule compares a field with: of the field's type, in its enum, or null for an optional field's absence. */
function valueProblem(name: string, field: InputField, optional: boolean, value: unknown): string | undefined {
  if (value === null) {
    return optional ? undefined : `compares required context.${name} with null, which it never is (got null)`;
  }
  if (!fitsType(field, value)) return `compares context.${name}, ${aType(field)}, with a value of another type (got ${JSON.stringify(value)})`;
  if (field.enum && !field.enum.includes(value as string | number | boolean)) {
    return `compares context.${name} with a value outside its enum ${JSON.stringify(field.enum)} (got ${JSON.stringify(value)})`;
  }
  return undefined;
}

/** What is wrong with one leaf that reads `context`, against the declaration. */
function leafProblem(leaf: LeafCondition, contract: ContextContract): string | undefined {
  const declared = [...contract.fields.keys()];
  const list = declared.length ? `declared: ${declared.join(', ')}` : 'the policy declares no context field in $.inputs.context';
  if (leaf.path === undefined) return `reads the whole context: read one declared field with a path such as "$.${declared[0] ?? 'amount'}"`;
  const [name, ...deeper] = leaf.path.slice(2).split('.');
  const field = contract.fields.get(name);
  if (!field) return `reads context "${leaf.path}", which $.inputs.context does not declare (${list})`;
  if (deeper.length > 0) return `reads inside context.${name}, ${aType(field)}, which has no fields (got "${leaf.path}")`;
  if (!OPERATORS[field.type].has(leaf.operator)) {
    return `operator "${leaf.operator}" makes no sense for context.${name}, ${aType(field)} (got "${leaf.operator}"; use ${[...OPERATORS[field.type]].join(', ')})`;
  }
  const optional = !contract.required.has(name);
  if (LISTS.has(leaf.operator)) {
    const values = leaf.value as unknown[];
    return values.map((v) => valueProblem(name, field, optional, v)).find((p) => p !== undefined);
  }
  if (ORDERING.has(leaf.operator)) return undefined; // policy.schema.json already requires a number
  return valueProblem(name, field, optional, leaf.value);
}

/** The leaf tests the field's absence: `equal null`, or `in` a list holding null. */
function testsAbsence(leaf: LeafCondition, name: string): boolean {
  if (leaf.fact !== 'context' || leaf.path !== `$.${name}`) return false;
  return (leaf.operator === 'equal' && leaf.value === null) || (leaf.operator === 'in' && Array.isArray(leaf.value) && leaf.value.includes(null));
}

/**
 * Whether the rule says what a missing optional field means: it tests the absence, it can fire
 * while the field is absent, and firing changes the decision (as for an unknown signal).
 */
export function handlesAbsence(rule: PolicyRule, name: string): boolean {
  const conditions = rule.conditions as Condition;
  if (!ruleMatters(rule) || ![...leavesAt(conditions, '$')].some(([leaf]) => testsAbsence(leaf, name))) return false;
  const whileAbsent = possibleWhen(conditions, (leaf) => (leaf.fact === 'context' && leaf.path === `$.${name}` ? fixed(holds(leaf.operator, null, leaf.value)) : EITHER));
  return whileAbsent.canBeTrue;
}

/**
 * The rules against the policy's declared inputs: every context read names a declared field,
 * with an operator and a value that fit its type, and every optional field read has a rule that
 * says what its absence means. A typo or a formatted amount can then never turn a check off.
 */
export function inputProblems(policy: PolicyDocument): PolicyProblem[] {
  const problems = declarationProblems(policy);
  if (problems.length > 0) return problems;
  const contract = new ContextContract(policy.inputs?.context);
  const optionalReads = new Map<string, string>();
  policy.rules.forEach((rule, index) => {
    for (const [leaf, path] of leavesAt(rule.conditions as Condition, `$.rules[${index}].conditions`)) {
      if (leaf.fact !== 'context') continue;
      const problem = leafProblem(leaf, contract);
      if (problem) {
        problems.push({ path, message: problem });
        continue;
      }
      const name = leaf.path!.slice(2);
      if (!contract.required.has(name) && !optionalReads.has(name)) optionalReads.set(name, path);
    }
  });
  for (const [name, path] of optionalReads) {
    if (!policy.rules.some((rule) => handlesAbsence(rule, name))) {
      problems.push({
        path,
        message: `the policy reads optional context.${name} but no rule says what its absence means: add a rule that fires on {"fact": "context", "path": "$.${name}", "operator": "equal", "value": null} with an action above ALLOW or some points, or declare it required; a missing ${name} would otherwise silently count as no risk`,
      });
    }
  }
  return problems;
}
