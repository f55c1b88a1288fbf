import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { ContextDeclaration, InputField } from './policy.types';

/** One request input refused: the field (`context.amount`) and why, naming what was sent. */
export interface InputProblem {
  field: string;
  message: string;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const NO_CONTEXT: ContextDeclaration = { type: 'object', properties: {} };

/** `"5,000"`, `{...}`: what the caller sent, short enough for an error message. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value !== null && typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

/** `context.amount`, or `context["a b"]` for a name that is not an identifier. */
function fieldPath(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `context.${name}` : `context[${JSON.stringify(name)}]`;
}

/** `integer (minor units of currency)`: what a field expects, in a few words. */
export function expectation(field: InputField): string {
  const unit = field['x-unit'] ? ` in ${field['x-unit']}` : '';
  const values = field.enum ? ` one of ${field.enum.map((v) => JSON.stringify(v)).join(', ')}` : '';
  return `${field.type}${unit}${values}`;
}

/**
 * What a use case accepts in a request's `context`, from its policy's declaration: a compiled
 * JSON Schema check with messages that name the field, what it expects and what was sent.
 * Undeclared fields are refused unless the policy opts in. A declared optional field that is
 * absent reaches the rules as `null`, a value they can test (and must: see policy-validator).
 */
export class ContextContract {
  /** The JSON Schema requests are checked with (additionalProperties made explicit). */
  readonly schema: ContextDeclaration;
  readonly fields: ReadonlyMap<string, InputField>;
  readonly required: ReadonlySet<string>;
  private readonly validate: ValidateFunction;

  constructor(declaration: ContextDeclaration | undefined) {
    const given = declaration ?? NO_CONTEXT;
    this.schema = { ...given, properties: given.properties ?? {}, additionalProperties: given.additionalProperties ?? false };
    this.fields = new Map(Object.entries(this.schema.properties ?? {}));
    this.required = new Set(this.schema.required ?? []);
    this.validate = ajv.compile(this.schema);
  }

  get acceptsExtra(): boolean {
    return this.schema.additionalProperties === true;
  }

  /** Every way `context` breaks the declaration; none when it fits. */
  problems(context: Record<string, unknown> | undefined): InputProblem[] {
    const value = context ?? {};
    if (this.validate(value)) return [];
    const seen = new Set<string>();
    return (this.validate.errors ?? [])
      .map((error) => this.describe(error, value))
      .filter((problem) => {
        const key = `${problem.field}|${problem.message}`;
        return seen.has(key) ? false : (seen.add(key), true);
      });
  }

  /** The `context` fact the rules read: declared fields absent from the request are null. */
  factValue(context: Record<string, unknown> | undefined): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    for (const name of this.fields.keys()) value[name] = null;
    return Object.assign(value, context);
  }

  private describe(error: ErrorObject, context: Record<string, unknown>): InputProblem {
    const params = error.params as Record<string, unknown>;
    const pointer = error.instancePath.split('/')[1];
    const name = pointer?.replace(/~1/g, '/').replace(/~0/g, '~');
    if (error.keyword === 'required') {
      const missing = String(params.missingProperty);
      const field = this.fields.get(missing);
      return { field: fieldPath(missing), message: `is required: ${field ? expectation(field) : 'a value'} (got nothing)` };
    }
    if (error.keyword === 'additionalProperties') {
      const extra = String(params.additionalProperty);
      const declared = [...this.fields.keys()];
      const inputs = declared.length ? `its inputs are ${declared.join(', ')}` : 'it reads no context field';
      return { field: fieldPath(extra), message: `is not an input of this use case (got ${shown(context[extra])}; ${inputs})` };
    }
    const got = name === undefined ? context : context[name];
    const field = name === undefined ? 'context' : fieldPath(name);
    if (error.keyword === 'enum') {
      return { field, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${shown(got)})` };
    }
    return { field, message: `${error.message ?? 'is invalid'} (got ${shown(got)})` };
  }
}

/** The problems as one message: `context.amount must be integer (got "5,000"); ...`. */
export function inputProblemsMessage(problems: InputProblem[]): string {
  return problems.map((p) => `${p.field} ${p.message}`).join('; ');
}
