import { createHmac } from 'node:crypto';
import { hashPhoneNumber, maskPhoneNumber, PHONE_NUMBER_PATTERN, redactPhoneNumbers } from './phone-number';

describe('PHONE_NUMBER_PATTERN', () => {
  it.each(['+34600000001', '+12025550123', '+447700900123', '+12345', '+123456789012345'])(
    'accepts the E.164 number %s',
    (value) => {
      expect(PHONE_NUMBER_PATTERN.test(value)).toBe(true);
    },
  );

  it.each([
    ['34600000001', 'no leading +'],
    ['+034600000001', 'leading zero after +'],
    ['+1234', 'fewer than 5 digits'],
    ['+1234567890123456', 'more than 15 digits'],
    ['+34 600 000 001', 'spaces'],
    ['+34-600-000-001', 'dashes'],
    ['+34600000001 ', 'trailing space'],
    [' +34600000001', 'leading space'],
    ['tel:+34600000001', 'a URI scheme before it'],
    ['0034+600000001', 'digits before the +'],
    ['', 'empty'],
  ])('rejects %j (%s)', (value) => {
    expect(PHONE_NUMBER_PATTERN.test(value)).toBe(false);
  });
});

describe('maskPhoneNumber', () => {
  // Rule: keep "+", the first two digits and the last three; every other digit becomes "*".
  // Under 10 digits less is kept, so that at least half of the digits stay hidden.
  it.each([
    ['+34600000001', '+34******001'], // 11 digits: 6 hidden
    ['+12025550123', '+12******123'],
    ['+447700900123', '+44*******123'], // 12 digits: 7 hidden
    ['+123456789012345', '+12**********345'], // 15 digits, the E.164 maximum
    ['+1202555012', '+12*****012'], // 10 digits: the full rule
    ['+123456789', '+1******89'], // 9 digits: one and two kept
    ['+123456', '+1***56'], // 6 digits: half hidden
    ['+12345', '+***45'], // 5 digits: the E.164 minimum here, three hidden
    // Shorter than E.164 allows (a malformed entry in a log or a dataset): nothing kept.
    ['+12', '+**'],
    ['+1', '+*'],
    ['+', '+'],
  ])('%s -> %s', (phone, masked) => {
    expect(maskPhoneNumber(phone)).toBe(masked);
  });

  it.each(['+34600000001', '+447700900123', '+123456789012345', '+123456', '+12345'])(
    'keeps the length of %s, hides at least half its digits and never contains it in clear',
    (phone) => {
      const masked = maskPhoneNumber(phone);
      expect(masked).toHaveLength(phone.length);
      expect(masked.split('*').length - 1).toBeGreaterThanOrEqual((phone.length - 1) / 2);
      expect(masked).not.toContain(phone.slice(1));
      expect(PHONE_NUMBER_PATTERN.test(masked)).toBe(false);
    },
  );

  it('masks a malformed number character for character, a misplaced + included', () => {
    // A sandbox dataset entry is masked in its error message before it is validated.
    expect(maskPhoneNumber('3460000+0001')).toBe('+34*******001');
  });

  it('does not reveal the distinguishing middle digits of numbers that share head and tail', () => {
    expect(maskPhoneNumber('+34611111001')).toBe(maskPhoneNumber('+34699999001'));
  });
});

describe('hashPhoneNumber', () => {
  it('is HMAC-SHA256 in lowercase hex (RFC 4231 test case 2)', () => {
    expect(hashPhoneNumber('what do ya want for nothing?', 'Jefe')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('is 64 hex characters and never contains the number', () => {
    const hash = hashPhoneNumber('+34600000001', 'key-1');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain('34600000001');
  });

  it('is stable for the same number and key, so decisions can be found again', () => {
    expect(hashPhoneNumber('+34600000001', 'key-1')).toBe(hashPhoneNumber('+34600000001', 'key-1'));
  });

  it.each([
    ['a different key', '+34600000001', 'key-2'],
    ['a different number', '+34600000002', 'key-1'],
  ])('differs for %s', (_label, phone, key) => {
    expect(hashPhoneNumber(phone, key)).not.toBe(hashPhoneNumber('+34600000001', 'key-1'));
  });

  it('hashes under the key it is given, across many keys used in turn (imported keys are reused)', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}-é`);
    for (const round of [1, 2]) {
      for (const key of keys) {
        const expected = createHmac('sha256', key).update(`+3460000000${round}`).digest('hex');
        expect(hashPhoneNumber(`+3460000000${round}`, key)).toBe(expected);
      }
    }
  });
});

describe('keyedHash key import', () => {
  // The real module object, not an import's copy of it, so that a spy sees phone-number's calls.
  const crypto: typeof import('node:crypto') = require('node:crypto');
  let imports: jest.SpyInstance;
  let keyedHash: (text: string, key: string) => string;

  beforeEach(() => {
    imports = jest.spyOn(crypto, 'createSecretKey');
    // A fresh module: no key imported yet.
    jest.isolateModules(() => {
      ({ keyedHash } = require('./phone-number'));
    });
  });
  afterEach(() => imports.mockRestore());

  const useInTurn = (keys: string[], rounds: number) => {
    for (let round = 0; round < rounds; round++) {
      for (const key of keys) expect(keyedHash('+34600000001', key)).toBe(createHmac('sha256', key).update('+34600000001').digest('hex'));
    }
  };

  it('imports a key once, however many hashes use it (importing costs as much as hashing)', () => {
    useInTurn(['key-1'], 3);
    expect(imports).toHaveBeenCalledTimes(1);
  });

  it('keeps 16 keys imported while they are used in turn', () => {
    useInTurn(Array.from({ length: 16 }, (_, i) => `key-${i}`), 3);
    expect(imports).toHaveBeenCalledTimes(16);
  });

  it('holds no more than 16 imported keys, however many keys are used', () => {
    const keys = Array.from({ length: 17 }, (_, i) => `key-${i}`);
    useInTurn(keys, 1);
    expect(imports).toHaveBeenCalledTimes(17);
    // The 17th key did not join the first 16: one of them had to go.
    useInTurn(keys.slice(0, 1), 1);
    expect(imports).toHaveBeenCalledTimes(18);
  });
});

describe('redactPhoneNumbers', () => {
  it.each([
    ['lookup for +34600000001 failed', 'lookup for +34******001 failed'],
    ['+34600000001', '+34******001'],
    ['from +34600000001 to +447700900123.', 'from +34******001 to +44*******123.'],
    ['{"phoneNumber":"+34600000001","x":1}', '{"phoneNumber":"+34******001","x":1}'],
    ['tel:+12025550123;ext=1', 'tel:+12******123;ext=1'],
    ['a+34600000001b', 'a+34******001b'],
    ['line1 +34600000001\nline2 +34600000002', 'line1 +34******001\nline2 +34******002'],
    // Longer than E.164 allows (16 digits): masked whole, no tail left in clear.
    ['ref +3460000000112345', 'ref +34***********345'],
    ['+1234567890123456', '+12***********456'],
  ])('masks every E.164 number in %j', (text, expected) => {
    expect(redactPhoneNumbers(text)).toBe(expected);
  });

  it.each([
    ['no number here'],
    ['retry 3 of 5 at 2026-03-10T12:00:00+01:00'], // a UTC offset is not a phone number
    ['score +1234 points'], // too short for E.164
    ['id 34600000001 without plus'],
    [''],
  ])('leaves %j unchanged', (text) => {
    expect(redactPhoneNumbers(text)).toBe(text);
  });

  it('is idempotent: an already redacted line is not changed again', () => {
    const once = redactPhoneNumbers('caller +34600000001 and +12025550123');
    expect(redactPhoneNumbers(once)).toBe(once);
  });
});
