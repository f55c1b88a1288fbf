import type { ErrorObject } from 'ajv';

/** One thing wrong in a JSON document: where (a JSON path such as `$.rules[0].name`) and why. */
export interface SchemaProblem {
  path: string;
  message: string;
}

/** `/rules/0/conditions` -> `$.rules[0].conditions` */
export function toJsonPath(pointer: string): string {
  return (
    '$' +
    pointer
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
      .join('')
  );
}

/** A field whose value may be a secret written where it should not be: never echoed back. */
const SECRET_FIELD = /secret|key|password|token/i;

function describe(error: ErrorObject, oneOfMessage: string | undefined, data: unknown): string {
  const params = error.params as Record<string, unknown>;
  const got = valueAt(data, error.instancePath);
  const field = error.instancePath.split('/').pop() ?? '';
  const shown =
    got === undefined ? '' : SECRET_FIELD.test(field) ? ` (got a ${typeof got}, not shown)` : ` (got ${JSON.stringify(got)?.slice(0, 80)})`;
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown property "${String(params.additionalProperty)}"`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${shown}`;
    case 'oneOf':
      return oneOfMessage ?? `${error.message ?? 'is invalid'}${shown}`;
    case 'propertyNames':
      return `property name ${JSON.stringify(params.propertyName)} is not allowed`;
    case 'required':
    case 'minProperties':
      return error.message ?? 'is invalid';
    default:
      return `${error.message ?? 'is invalid'}${shown}`;
  }
}

function valueAt(data: unknown, pointer: string): unknown {
  let value = data;
  for (const part of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return typeof value === 'object' && value !== null ? undefined : value;
}

/**
 * Ajv's errors as problems a person can act on, one per path and message. `if`/`then`
 * wrappers and the branches of oneOf only restate the specific error beside them.
 */
export function schemaProblems(errors: ErrorObject[], data: unknown, oneOfMessage?: string): SchemaProblem[] {
  const useful = errors.filter((e) => e.keyword !== 'if' && !e.schemaPath.includes('/oneOf/'));
  const seen = new Set<string>();
  const problems: SchemaProblem[] = [];
  for (const error of useful) {
    const problem = { path: toJsonPath(error.instancePath), message: describe(error, oneOfMessage, data) };
    const key = `${problem.path}|${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}
