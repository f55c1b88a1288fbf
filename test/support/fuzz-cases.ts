import fc from 'fast-check';
import { LINE, NOW } from './lines';

/**
 * Generated requests for POST /v1/decisions, each with what the API must do with it:
 * `reject` (a 4xx), `accept` (201) or `either` (only the generic rules hold).
 */
export type Expectation = 'reject' | 'accept' | 'either';

export interface FuzzBody {
  kind: string;
  payload: string | Buffer;
  expect: Expectation;
}

const USE_CASES = ['onboarding', 'p2p_recipient', 'account_recovery'];
/**
 * The starter policies declare their context fields and refuse others. The cases here test
 * the body's limits (depth, size, names, numbers), so a body with a context goes to this use
 * case, whose policy accepts any field (see OPEN_CONTEXT_POLICY); declared inputs have their
 * own tests (test/policies.e2e-spec.ts, src/scoring/starter-inputs.spec.ts).
 */
export const OPEN_CONTEXT_USE_CASE = 'open_context';
export const OPEN_CONTEXT_POLICY = {
  id: OPEN_CONTEXT_USE_CASE,
  description: 'Fuzz tests only: accepts any context field, reads none.',
  inputs: { context: { type: 'object', properties: {}, additionalProperties: true } },
  rules: [
    {
      name: 'tenure-unknown',
      conditions: { all: [{ fact: 'tenure', params: { days: 30 }, path: '$.status', operator: 'notEqual', value: 'OK' }] },
      event: { type: 'REVIEW', params: { code: 'TENURE_UNVERIFIED', message: 'Tenure unknown.' } },
    },
  ],
};
const FIELDS = ['useCase', 'phoneNumber', 'trustedSince', 'subjectId', 'context'] as const;
type Field = (typeof FIELDS)[number];
const STRING_FIELDS: Field[] = ['useCase', 'phoneNumber', 'trustedSince', 'subjectId'];
/** The documented limits (README, POST /v1/decisions). */
const SUBJECT_ID_MAX = 128;
const CONTEXT_MAX_BYTES = 4096;
const CONTEXT_MAX_DEPTH = 4;
export const BODY_LIMIT_BYTES = 16384;

/** Names that reach prototypes: refused anywhere in a body (README). */
const PROTOTYPE_KEYS = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];
/** Names that mean something to JavaScript or JSONPath: plain data in `context`. */
const TRICKY_KEYS = ['toJSON', 'then', 'length', '0', '', '$', '$.a', '..', 'a.b', 'call', 'apply'];

type Body = Record<string, unknown>;

const contextKey = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...TRICKY_KEYS)).filter((key) => !PROTOTYPE_KEYS.includes(key));
const contextLeaf = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.string({ maxLength: 20 }),
  fc.constant(null),
  fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, -0),
);

/** A body the API accepts: a known use case, a dataset number, optional fields within limits. */
export const validBody: fc.Arbitrary<Body> = fc.record(
  {
    useCase: fc.constantFrom(...USE_CASES),
    phoneNumber: fc.constantFrom(...Object.values(LINE)),
    // Up to the day before NOW: the test clock's today is never in the future either way.
    trustedSince: fc.date({ min: new Date('2000-01-01'), max: new Date(NOW.getTime() - 86_400_000), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    subjectId: fc.string({ minLength: 1, maxLength: SUBJECT_ID_MAX }),
    context: fc.dictionary(contextKey, contextLeaf, { maxKeys: 5 }),
  },
  { requiredKeys: ['useCase', 'phoneNumber'] },
).map((body) => {
  if (body.context !== undefined) return { ...body, useCase: OPEN_CONTEXT_USE_CASE };
  // p2p_recipient requires its payment fields.
  return body.useCase === 'p2p_recipient' ? { ...body, context: { amount: 2500, currency: 'EUR' } } : body;
});

/** Any UTF-16 code unit, lone surrogates included, plus the characters that break things most. */
const codeUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
  fc.constantFrom('\u0000', '\ud800', '\udfff', '\ufeff', '\ufe0f', '\u202e', '\u2028', '\uffff', '😀', '"', '\\', 'é'),
);
const hostileString = fc.string({ unit: codeUnit, maxLength: 40 });

const jsonText = (value: unknown): string => JSON.stringify(value);
const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));
/** Splices a raw JSON token (one JSON.stringify cannot write, as 1e400) in place of a field's value. */
function withRaw(body: Body, field: string, raw: string): string {
  const marker = '\u0001raw\u0001';
  return jsonText({ ...body, [field]: marker }).replace(jsonText(marker), raw);
}
function wrap(depth: number, asArray: boolean): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}
function contextVerdict(context: unknown): Expectation {
  return bytes(context) > CONTEXT_MAX_BYTES ? 'reject' : 'accept';
}

const field = fc.constantFrom(...FIELDS);
const wrongType = (name: Field) =>
  fc.jsonValue({ maxDepth: 3 }).filter((value) =>
    name === 'context' ? value === null || typeof value !== 'object' || Array.isArray(value) : typeof value !== 'string',
  );

/** A valid body with one thing wrong, odd or at a limit. */
export const nearValidBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc.tuple(validBody, field).chain(([body, name]) =>
    wrongType(name).map((value): FuzzBody => ({ kind: `wrong type for ${name}`, payload: jsonText({ ...body, [name]: value }), expect: 'reject' })),
  ),
  fc.tuple(validBody, fc.oneof(fc.string(), fc.constantFrom(...TRICKY_KEYS, ...PROTOTYPE_KEYS)), contextLeaf, fc.boolean()).map(
    ([body, key, value, inContext]): FuzzBody => {
      // Spliced as text: an object literal would turn "__proto__" into a prototype, not a field.
      const member = `${jsonText(key)}:${jsonText(value)}`;
      if (inContext) {
        const payload = withRaw({ ...body, useCase: OPEN_CONTEXT_USE_CASE, context: {} }, 'context', `{${member}}`);
        return { kind: 'any name in context', payload, expect: PROTOTYPE_KEYS.includes(key) ? 'reject' : 'accept' };
      }
      const known = FIELDS.includes(key as Field);
      return { kind: 'unknown field', payload: known ? jsonText(body) : `${jsonText(body).slice(0, -1)},${member}}`, expect: known ? 'accept' : 'reject' };
    },
  ),
  fc.tuple(
    validBody,
    fc.constantFrom(...STRING_FIELDS),
    fc.oneof(fc.constantFrom(0, 1, 63, 64, 65, 127, 128, 129, 4096, BODY_LIMIT_BYTES, BODY_LIMIT_BYTES + 1), fc.integer({ min: 0, max: 20_000 })),
    fc.constantFrom('x', 'é', '😀'),
  ).map(([body, name, length, char]): FuzzBody => {
    const value = char.repeat(length);
    const fits = name === 'subjectId' && length >= 1 && length <= SUBJECT_ID_MAX;
    return { kind: `long ${name}`, payload: jsonText({ ...body, [name]: value }), expect: fits ? 'accept' : 'reject' };
  }),
  fc.tuple(validBody, hostileString, fc.constantFrom('subjectId', 'context value', 'context key')).map(([body, text, where]): FuzzBody => {
    const clean = text.isWellFormed() && !text.includes('\u0000');
    if (where === 'subjectId') {
      // At most 40 code units, so within 128 characters however they are counted.
      return { kind: 'unicode subjectId', payload: jsonText({ ...body, subjectId: text }), expect: clean && text !== '' ? 'accept' : 'reject' };
    }
    const context = where === 'context value' ? { note: text } : { [text]: 1 };
    const prototypeKey = where === 'context key' && PROTOTYPE_KEYS.includes(text);
    return { kind: `unicode ${where}`, payload: jsonText({ ...body, useCase: OPEN_CONTEXT_USE_CASE, context }), expect: clean && !prototypeKey ? 'accept' : 'reject' };
  }),
  fc.tuple(
    validBody,
    fc.oneof(
      fc.constantFrom('1e400', '-1e400', '1e-400', '-0', '0.0', '1E+308', '123456789012345678901234567890', '9007199254740993', '5e-324'),
      fc.bigInt().map(String),
    ),
    fc.boolean(),
  ).map(([body, raw, inContext]): FuzzBody => {
    if (!inContext) return { kind: 'raw number as useCase', payload: withRaw(body, 'useCase', raw), expect: 'reject' };
    const payload = withRaw({ ...body, useCase: OPEN_CONTEXT_USE_CASE, context: {} }, 'context', `{"n":${raw}}`);
    return { kind: 'raw number in context', payload, expect: Number.isFinite(Number(raw)) ? 'accept' : 'reject' };
  }),
  fc.tuple(validBody, fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 1 }), fc.boolean()).map(([body, name, value, nested]): FuzzBody => {
    if (nested) {
      const payload = withRaw({ ...body, useCase: OPEN_CONTEXT_USE_CASE, context: {} }, 'context', `{"a":1,"b":2,"\\u0061":${jsonText(value)}}`);
      return { kind: 'duplicate key in context', payload, expect: 'reject' };
    }
    const once = jsonText({ ...body, [name]: body[name] ?? value });
    return { kind: `duplicate ${name}`, payload: `${once.slice(0, -1)},${jsonText(name)}:${jsonText(body[name] ?? value)}}`, expect: 'reject' };
  }),
  fc.tuple(validBody, fc.integer({ min: 0, max: 40 }), fc.boolean()).map(([body, depth, asArray]): FuzzBody => {
    // context { k: <depth containers> } is 1 + depth levels deep.
    const tooDeep = 1 + depth > CONTEXT_MAX_DEPTH;
    return { kind: 'deep context', payload: jsonText({ ...body, useCase: OPEN_CONTEXT_USE_CASE, context: { k: wrap(depth, asArray) } }), expect: tooDeep ? 'reject' : 'accept' };
  }),
  fc.tuple(validBody, fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 40 })).map(([body, count, keyLength]): FuzzBody => {
    const context = Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i).padStart(keyLength, 'k'), i]));
    return { kind: 'many context keys', payload: jsonText({ ...body, useCase: OPEN_CONTEXT_USE_CASE, context }), expect: contextVerdict(context) };
  }),
  fc.tuple(validBody, fc.integer({ min: 0, max: 20_000 }), fc.boolean()).map(([body, length, asArray]): FuzzBody => {
    const context = asArray ? { list: Array.from({ length: Math.floor(length / 4) }, (_, i) => i) } : { ['k'.repeat(length)]: 1 };
    const verdict = bytes({ ...body, useCase: OPEN_CONTEXT_USE_CASE, context }) > BODY_LIMIT_BYTES ? 'reject' : contextVerdict(context);
    return { kind: asArray ? 'long array in context' : 'long context key', payload: jsonText({ ...body, useCase: OPEN_CONTEXT_USE_CASE, context }), expect: verdict };
  }),
);

/** Any JSON value as the whole body: never a valid request. */
export const arbitraryJsonBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc.jsonValue().map((value): FuzzBody => ({ kind: 'any JSON value', payload: jsonText(value), expect: 'reject' })),
  fc.dictionary(fc.constantFrom(...FIELDS, 'amount', 'id'), fc.jsonValue({ maxDepth: 2 })).map(
    // A number field would need an exact use case and an E.164 number: chance says never.
    (value): FuzzBody => ({ kind: 'object of known fields', payload: jsonText(value), expect: 'either' }),
  ),
);

/** Raw bytes sent as application/json: random ones, a valid body cut short, one byte changed. */
export const rawBytesBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((data): FuzzBody => ({ kind: 'random bytes', payload: Buffer.from(data), expect: 'reject' })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((text): FuzzBody => ({ kind: 'random text', payload: text, expect: 'reject' })),
  fc.tuple(validBody, fc.nat()).map(([body, cut]): FuzzBody => {
    const text = jsonText(body);
    return { kind: 'truncated body', payload: text.slice(0, cut % text.length), expect: 'reject' };
  }),
  fc.tuple(validBody, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([body, at, byte]): FuzzBody => {
    const data = Buffer.from(jsonText(body));
    data[at % data.length] = byte;
    return { kind: 'one byte changed', payload: data, expect: 'either' };
  }),
);
