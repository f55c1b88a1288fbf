import fc from 'fast-check';
import { SCOPES } from '../../src/auth/scopes';
import { ACTIONS } from '../../src/scoring/actions';
import { LINE, NOW } from './lines';

/**
 * Generated query strings and small JSON bodies for the read endpoints, erasures and keys:
 * values a caller may well send (instants at the edges of the accepted range, ids, numbers at
 * their limits) mixed with hostile ones (odd Unicode, broken percent escapes, repeated or
 * unknown parameters, prototype names). The test only asks for a 2xx or a CAMARA 4xx.
 */

const USE_CASES = ['onboarding', 'p2p_recipient', 'account_recovery', 'lending'];

const codeUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
  fc.constantFrom('\u0000', '\ud800', '\udfff', '\ufeff', '\u202e', '\u2028', '😀', '"', '\\', '&', '=', '?', '#', '%', '+', 'é'),
);
const hostileString = fc.string({ unit: codeUnit, maxLength: 40 });

/** Instants at and around the accepted range [1970-01-01, 9000-01-01), and forms Date reads oddly. */
const EDGE_INSTANTS = [
  '9999-12-31T20:00:00Z',
  '9999-12-31T23:59:59Z',
  '8999-12-31T23:59:59.999Z',
  '9000-01-01',
  '1970-01-01',
  '1970-01-01T00:30:00+01:00',
  '1969-12-31T23:59:59.999Z',
  '0000-01-01',
  '0001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '2026-02-29',
  '2024-02-29',
  '2026-06-15T24:00:00Z',
  '2026-06-15T23:59:60Z',
  '2026-06-15T12:00:00.123456789Z',
  '2026-06-15T12:00:00+14:00',
  '2026-06-15T12:00:00-23:59',
  '2026-06-15T12:00',
  '2026-W24',
  '20260615',
  '',
];

/** An instant as text: any Date in JavaScript's range (as ISO, as a date, with an offset), or an edge. */
const instant: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...EDGE_INSTANTS),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  // Near NOW: ranges the stats endpoint accepts (at most 200 buckets) are common.
  fc.integer({ min: -400 * 86_400_000, max: 30 * 86_400_000 }).map((offset) => new Date(NOW.getTime() + offset).toISOString()),
  fc.date({ min: new Date('1960-01-01'), max: new Date('9100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.tuple(fc.date({ min: new Date('1969-01-01'), max: new Date('9001-01-01'), noInvalidDate: true }), fc.integer({ min: -23, max: 23 })).map(
    ([d, hours]) => `${d.toISOString().slice(0, 19)}${hours < 0 ? '-' : '+'}${String(Math.abs(hours)).padStart(2, '0')}:00`,
  ),
);

const numberText = fc.oneof(
  fc.integer({ min: -5, max: 300 }).map(String),
  fc.constantFrom('0', '1', '100', '101', '1.5', '-0', '1e3', '1e400', 'NaN', 'Infinity', '0x10', ' 5', '9007199254740993'),
);

/** A parameter's value before encoding: one it expects, an instant, a number, or anything. */
function valueFor(name: string): fc.Arbitrary<string> {
  const expected: Record<string, fc.Arbitrary<string>> = {
    from: instant,
    to: instant,
    useCase: fc.constantFrom(...USE_CASES, '', 'x'.repeat(65)),
    outcome: fc.constantFrom(...ACTIONS, 'allow', ''),
    bucket: fc.constantFrom('hour', 'day', 'week', 'HOUR', ''),
    limit: numberText,
    subjectId: fc.oneof(fc.constantFrom('customer-1', '', 'x'.repeat(128), 'x'.repeat(129)), hostileString),
    phoneNumber: fc.constantFrom(...Object.values(LINE), '+0123', '34611000001', '+1234567890123456'),
    cursor: fc.constantFrom('01a20149-7354-70d1-94a1-d52bc3b0c889', '00000000-0000-0000-0000-000000000000', 'not-a-cursor'),
  };
  return fc.oneof({ arbitrary: Object.hasOwn(expected, name) ? expected[name] : hostileString, weight: 4 }, { arbitrary: instant, weight: 1 }, { arbitrary: numberText, weight: 1 }, { arbitrary: hostileString, weight: 1 });
}

/** Percent-encodes the UTF-8 bytes of every character `keep` refuses (a lone surrogate becomes U+FFFD, as a client's encoder would). */
function percentEncode(text: string, keep: RegExp): string {
  return [...text].map((c) => (keep.test(c) ? c : [...Buffer.from(c, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''))).join('');
}

/** Percent-encoded as a client would, or sent raw with only what cannot be on the request line escaped: `%`, `&`, `=` and `+` stay as they are. */
const encoded = (text: string, raw: boolean): string => percentEncode(text, raw ? /^[\x21-\x22\x24-\x7e]$/ : /^[A-Za-z0-9\-_.~]$/);

const UNKNOWN_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'from[]', 'to[0]', 'limit[a]', 'x', ''];

/** Where short ranges are most likely to break something: the edges of the accepted range and of what Date and the databases hold. */
const RANGE_ANCHORS = ['9999-12-31T23:00:00Z', '9000-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '0001-01-01T12:00:00Z', NOW.toISOString()].map(Date.parse);
const HOUR_MS = 3_600_000;

/** `from` and `to` a few hours or days either side of an anchor, as a client charting a range would send them. */
const range: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.constantFrom(...RANGE_ANCHORS),
    fc.oneof({ arbitrary: fc.integer({ min: 0, max: 12 * HOUR_MS }), weight: 3 }, fc.integer({ min: 0, max: 250 * 24 * HOUR_MS })),
    fc.oneof({ arbitrary: fc.integer({ min: 0, max: 2 * HOUR_MS }), weight: 3 }, fc.integer({ min: 0, max: 250 * 24 * HOUR_MS })),
  )
  .map(([anchor, before, after]) => [`from=${encoded(new Date(anchor - before).toISOString(), false)}`, `to=${encoded(new Date(anchor + after).toISOString(), false)}`]);

/** A query string of up to 6 parameters: names of the route (repeated at times) or unknown ones, and at times a from-to range. */
export function queryString(names: readonly string[]): fc.Arbitrary<string> {
  const name = fc.oneof({ arbitrary: fc.constantFrom(...names), weight: 6 }, { arbitrary: fc.constantFrom(...UNKNOWN_NAMES), weight: 1 });
  const pair = fc
    .tuple(name, fc.boolean(), fc.boolean())
    .chain(([key, raw, bare]) => valueFor(key).map((value) => (bare ? encoded(key, raw) : `${encoded(key, raw)}=${encoded(value, raw)}`)));
  const pairs = fc.array(pair, { maxLength: 6 });
  if (!names.includes('from') || !names.includes('to')) return pairs.map((list) => list.join('&'));
  return fc.oneof(pairs, fc.tuple(range, fc.array(pair, { maxLength: 2 })).map(([fromTo, others]) => [...fromTo, ...others])).map((list) => list.join('&'));
}

/** A policy id in the path: known, unknown, or hostile (encoded). */
export const policyIdSegment: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom('onboarding', 'p2p_recipient'), weight: 4 },
  { arbitrary: fc.constantFrom('lending', 'ONBOARDING', '..', 'x'.repeat(101)), weight: 1 },
  { arbitrary: hostileString.filter((id) => id.length > 0).map((id) => encoded(id, false)), weight: 1 },
);

const anyJson = fc.jsonValue({ maxDepth: 2 });

type Entry = [key: string, value: unknown];

/**
 * An object body written as JSON text by hand, so that names may repeat and be __proto__: a
 * valid object (fields from `valid`, the `required` ones always there), then none to three
 * entries set over it from `wrong` (another value of a field) or under an unknown name.
 */
function objectText(valid: Record<string, fc.Arbitrary<unknown>>, required: string[], wrong: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  const base = fc.record(valid, { requiredKeys: required }).map((record) => Object.entries(record));
  const change = fc.oneof(
    { arbitrary: fc.constantFrom(...Object.keys(wrong)).chain((key) => wrong[key].map((value): Entry => [key, value])), weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', ''), anyJson), weight: 1 },
    // A name twice: JSON.parse keeps the last.
    { arbitrary: fc.constantFrom(...Object.keys(valid)).chain((key) => valid[key].map((value): Entry => [key, value])), weight: 1 },
  );
  return fc.tuple(base, fc.array(change, { maxLength: 3 }), fc.boolean()).map(([entries, changes, replace]) => {
    // Either the change takes the field's place, or it follows it (a repeated name).
    const list = replace ? [...entries.filter(([key]) => !changes.some(([changed]) => changed === key)), ...changes] : [...entries, ...changes];
    return `{${list.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`;
  });
}

/** A body for POST /v1/erasures: mostly an object of its fields, at times any JSON value. */
export const erasureBody: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc.oneof(
      objectText({ phoneNumber: fc.constantFrom(...Object.values(LINE)) }, ['phoneNumber'], { subjectId: fc.constantFrom('customer-1', 'x') }),
      objectText({ subjectId: fc.oneof(fc.constantFrom('customer-1', 'customer-2', 'x'.repeat(128)), fc.string({ minLength: 1, maxLength: 128 })) }, ['subjectId'], {
        phoneNumber: fc.oneof(fc.constantFrom('+0123456', '+1234567890123456', '+34 611 000 001'), hostileString, anyJson),
        subjectId: fc.oneof(fc.constantFrom('', 'x'.repeat(129)), fc.string({ maxLength: 140 }), hostileString, anyJson),
      }),
    ),
    weight: 5,
  },
  { arbitrary: anyJson.map((value) => JSON.stringify(value)), weight: 1 },
);

/** A body for POST /v1/keys: mostly an object of its fields, at times any JSON value or a number JSON.stringify cannot write. */
export const keyBody: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: objectText(
      {
        label: fc.string({ minLength: 1, maxLength: 100 }),
        scopes: fc.subarray([...SCOPES], { minLength: 1 }),
        useCases: fc.array(fc.constantFrom(...USE_CASES, 'a'.repeat(64)), { minLength: 1, maxLength: 4 }),
        rateLimitPerSecond: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(1, 100_000)),
      },
      ['label', 'scopes'],
      {
        label: fc.oneof(fc.constantFrom('', 'x'.repeat(101)), hostileString, anyJson),
        scopes: fc.oneof(fc.array(fc.oneof(fc.constantFrom(...SCOPES, 'ADMIN', 'decisions:*', ''), hostileString), { maxLength: 6 }), anyJson),
        useCases: fc.oneof(
          fc.array(fc.constantFrom('onboarding', 'a'.repeat(65), 'Onboarding', ''), { minLength: 1, maxLength: 3 }),
          fc.array(fc.constant('onboarding'), { minLength: 49, maxLength: 52 }),
          anyJson,
        ),
        rateLimitPerSecond: fc.oneof(fc.integer({ min: -2, max: 100_002 }), fc.constantFrom(0, 100_001, 1.5, -0, Number.MAX_SAFE_INTEGER, '10'), anyJson),
      },
    ),
    weight: 5,
  },
  { arbitrary: anyJson.map((value) => JSON.stringify(value)), weight: 1 },
  { arbitrary: fc.constantFrom('{"label":"x","scopes":["admin"],"rateLimitPerSecond":1e400}', '{"label":"x","scopes":["admin"],"rateLimitPerSecond":-1e-400}'), weight: 1 },
);
