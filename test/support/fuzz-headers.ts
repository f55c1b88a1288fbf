import fc from 'fast-check';
import { validBody } from './fuzz-cases';

/** A request to POST /v1/decisions with a valid body and generated headers. */
export interface FuzzHeaders {
  headers: Record<string, string>;
  payload: string;
  /** The headers that are wrong: the request must be refused. */
  wrong: string[];
  /** A header whose effect the test does not predict (random content type, non-numeric length). */
  unsure: boolean;
}

interface Choice {
  value: string | undefined;
  wrong: boolean;
  unsure?: boolean;
}

const ok = (value: string | undefined): Choice => ({ value, wrong: false });
const bad = (value: string | undefined): Choice => ({ value, wrong: true });
/** A header sent twice, as Node joins it (inject would join an array with a bare comma). */
const twice = (value: string): string => `${value}, ${value}`;

/** Header values that can travel on the wire: visible ASCII, space, tab and Latin-1 (obs-text). */
const headerText = fc.string({
  unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constant(0x09), fc.integer({ min: 0x80, max: 0xff })).map((code) => String.fromCharCode(code)),
  maxLength: 300,
});
const CORRELATOR = /^[a-zA-Z0-9-_:;./<>{}]{0,256}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function authorization(key: string): fc.Arbitrary<Choice> {
  return fc.oneof(
    { arbitrary: fc.constant(ok(`Bearer ${key}`)), weight: 3 },
    // RFC 7235: the scheme is case-insensitive, and 1*SP separates it from the credentials.
    fc.constantFrom(ok(`bearer ${key}`), ok(`BEARER ${key}`), ok(`Bearer  ${key}`)),
    fc.constantFrom(
      bad(undefined),
      bad(''),
      bad('Bearer'),
      bad(`Bearer ${key}x`),
      bad(`Bearer ${key.slice(0, -1)}`),
      bad(`Basic ${Buffer.from(`${key}:`).toString('base64')}`),
    ),
    headerText.map(bad),
    fc.stringMatching(/^[\x21-\x7e]{1,300}$/).map((token) => bad(`Bearer ${token}`)),
  );
}

const correlator: fc.Arbitrary<Choice> = fc.oneof(
  { arbitrary: fc.constantFrom(ok(undefined), ok('')), weight: 2 },
  fc.stringMatching(CORRELATOR).map(ok),
  fc.constantFrom(bad('x'.repeat(257)), bad(twice('abc'))),
  headerText.filter((value) => !CORRELATOR.test(value)).map(bad),
);

const idempotencyKey: fc.Arbitrary<Choice> = fc.oneof(
  { arbitrary: fc.constant(ok(undefined)), weight: 2 },
  fc.uuid().map(ok),
  fc.stringMatching(IDEMPOTENCY_KEY).map(ok),
  fc.constantFrom(bad(''), bad('k'.repeat(256)), bad(twice('key-1'))),
  headerText.filter((value) => !IDEMPOTENCY_KEY.test(value)).map(bad),
);

const contentType: fc.Arbitrary<Choice> = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      ok('application/json'),
      ok('application/json; charset=utf-8'),
      ok('Application/JSON'),
      ok('application/json;charset=UTF-8'),
      ok('application/json; charset="utf-8"'),
    ),
    weight: 3,
  },
  fc.constantFrom(
    bad(undefined),
    bad(''),
    bad('text/plain'),
    bad('application/x-www-form-urlencoded'),
    bad('multipart/form-data; boundary=x'),
    bad('application/json; charset=latin1'),
    bad('application/json; charset=utf-16'),
    bad('application/vnd.api+json'),
    bad('application/xml'),
  ),
  headerText.map((value): Choice => ({ value, wrong: false, unsure: true })),
);

/** Content-Length against the payload's real byte length. */
function contentLength(length: number): fc.Arbitrary<Choice> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(ok(undefined), ok(String(length))), weight: 3 },
    fc.constantFrom(bad(String(length + 1)), bad(String(length - 1)), bad('0'), bad('99999999'), bad('-1')),
    // light-my-request passes it as is; on the wire, Node's parser refuses a non-numeric one.
    headerText.map((value): Choice => ({ value, wrong: false, unsure: !/^\d+$/.test(value) || Number(value) !== length })),
  );
}

/** Every header of POST /v1/decisions, valid or not, on a valid body. */
export function headerCase(key: string): fc.Arbitrary<FuzzHeaders> {
  return validBody.chain((body) => {
    const payload = JSON.stringify(body);
    return fc
      .record({
        authorization: authorization(key),
        'x-correlator': correlator,
        'idempotency-key': idempotencyKey,
        'content-type': contentType,
        'content-length': contentLength(Buffer.byteLength(payload)),
      })
      .map((choices): FuzzHeaders => {
        const headers: Record<string, string> = {};
        for (const [name, choice] of Object.entries(choices)) if (choice.value !== undefined) headers[name] = choice.value;
        const entries = Object.entries(choices);
        return {
          headers,
          payload,
          wrong: entries.filter(([, choice]) => choice.wrong).map(([name]) => name),
          unsure: entries.some(([, choice]) => choice.unsure === true),
        };
      });
  });
}
