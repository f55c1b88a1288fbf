import fc from 'fast-check';
import { starterRulesDir } from '../../test/support/starter-rules';
import { loadPolicyFolder } from './policy-loader';
import { ContextDeclaration, InputField } from './policy.types';

/**
 * Every starter policy against random contexts: the contract the API enforces accepts exactly
 * the contexts its declaration allows. The oracle below reads the declaration on its own (no
 * Ajv), so a request accepted while breaking it, or refused while fitting it, is found.
 */
const policies = [...loadPolicyFolder(starterRulesDir()).values()];

function valueFits(field: InputField, value: unknown): boolean {
  const typed =
    field.type === 'integer' ? Number.isInteger(value)
    : field.type === 'number' ? typeof value === 'number' && Number.isFinite(value)
    : field.type === 'string' ? typeof value === 'string'
    : typeof value === 'boolean';
  if (!typed) return false;
  if (field.enum && !field.enum.includes(value as string | number | boolean)) return false;
  if (typeof value === 'number') {
    if (field.minimum !== undefined && value < field.minimum) return false;
    if (field.maximum !== undefined && value > field.maximum) return false;
    if (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum) return false;
    if (field.exclusiveMaximum !== undefined && value >= field.exclusiveMaximum) return false;
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (field.minLength !== undefined && length < field.minLength) return false;
    if (field.maxLength !== undefined && length > field.maxLength) return false;
    if (field.pattern !== undefined && !new RegExp(field.pattern, 'u').test(value)) return false;
  }
  return true;
}

function fits(declaration: ContextDeclaration, context: Record<string, unknown>): boolean {
  const fields = declaration.properties ?? {};
  if ((declaration.required ?? []).some((name) => !Object.prototype.hasOwnProperty.call(context, name))) return false;
  return Object.entries(context).every(([name, value]) =>
    Object.prototype.hasOwnProperty.call(fields, name) ? valueFits(fields[name], value) : declaration.additionalProperties === true,
  );
}

/** Values near what a client sends by mistake: formatted, stringly, fractional, cased, null. */
function nearValue(field: InputField): fc.Arbitrary<unknown> {
  const fromEnum = field.enum ? [fc.constantFrom(...field.enum), fc.constantFrom(...field.enum).map((v) => (typeof v === 'string' ? v.toLowerCase() : String(v)))] : [];
  const bounds = [field.minimum, field.maximum, field.exclusiveMinimum, field.exclusiveMaximum].filter((b): b is number => b !== undefined).flatMap((b) => [b - 1, b, b + 1]);
  const valid =
    field.enum ? fc.constantFrom(...field.enum)
    : field.type === 'integer' ? fc.integer({ min: Math.ceil(field.minimum ?? -1e9), max: Math.floor(field.maximum ?? 1e12) })
    : field.type === 'number' ? fc.double({ min: field.minimum ?? -1e9, max: field.maximum ?? 1e12, noNaN: true })
    : field.type === 'boolean' ? fc.boolean()
    : fc.string({ maxLength: 20 });
  return fc.oneof(
    { arbitrary: valid, weight: 6 },
    ...fromEnum,
    fc.integer({ min: -1_000_000, max: 1_000_000_000_000 }),
    fc.constantFrom(...bounds, 0, -0, 12.5, 1e21, 2 ** 53 + 2),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: 0, max: 10_000_000 }).map((n) => n.toLocaleString('en-US')),
    fc.integer({ min: 0, max: 10_000_000 }).map(String),
    fc.constantFrom('abc', '', 'EUR', 'eur', ' EUR', 'true', 'null'),
    fc.constant(null),
    fc.boolean(),
    fc.jsonValue({ maxDepth: 2 }),
  );
}

function contexts(declaration: ContextDeclaration): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.entries(declaration.properties ?? {});
  const declaredNames = fields.map(([name]) => name);
  const otherNames = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('amout', 'Amount', 'amount ', 'currencyCode', 'constructor', '__proto__', 'toString'));
  const built = fc
    .tuple(
      fc.record(Object.fromEntries(fields.map(([name, field]) => [name, nearValue(field)])), { requiredKeys: [] }),
      fc.dictionary(otherNames, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
      fc.boolean(),
    )
    .map(([declared, extra, withExtra]) => (withExtra ? { ...extra, ...declared } : declared) as Record<string, unknown>);
  const anyObject = fc.dictionary(fc.oneof(fc.constantFrom(...declaredNames, 'x'), otherNames), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  return fc.oneof({ arbitrary: built, weight: 4 }, { arbitrary: anyObject, weight: 1 });
}

describe.each(policies.map((p) => [p.id, p] as const))('starter policy %s: its declared inputs', (_id, policy) => {
  const declaration = policy.inputs.schema;

  it('accepts a context exactly when it fits the declaration (random contexts)', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(contexts(declaration), (context) => {
        const problems = policy.inputs.problems(context);
        expect({ context, accepted: problems.length === 0 }).toEqual({ context, accepted: fits(declaration, context) });
        if (problems.length === 0) accepted += 1;
        else refused += 1;
      }),
      { numRuns: 2000, seed: 20261205 },
    );
    // Both sides were exercised (a policy reading nothing accepts only the empty context).
    expect(refused).toBeGreaterThan(100);
    expect(accepted).toBeGreaterThan(declaration.required?.length ? 10 : 0);
  });

  it('names every field it refuses, as context.<field>', () => {
    fc.assert(
      fc.property(contexts(declaration), (context) => {
        for (const problem of policy.inputs.problems(context)) expect(problem.field).toMatch(/^context(\.[A-Za-z_][A-Za-z0-9_]*|\[".*"\])?$/s);
      }),
      { numRuns: 500, seed: 20261205 },
    );
  });
});
