import { DUMMY_HASH, generateKey, hashSecret, KEY_IN_TEXT, parseKey, sameHash } from './api-key-secret';

describe('API key secrets', () => {
  it('generates keys that parse back to their id and secret, never twice the same', () => {
    const keys = Array.from({ length: 50 }, generateKey);
    for (const { id, secret, key } of keys) expect(parseKey(key)).toEqual({ id, secret });
    expect(new Set(keys.map((k) => k.key)).size).toBe(50);
  });

  it.each([
    ['no prefix', (key: string) => key.slice(3)],
    ['short secret', (key: string) => key.slice(0, -1)],
    ['long secret', (key: string) => `${key}A`],
    ['upper-case id', (key: string) => key.replace(/^lt_([0-9a-f]+)/, (_m, id: string) => `lt_${id.toUpperCase()}`)],
    ['whitespace', (key: string) => ` ${key}`],
  ])('refuses a key with %s', (_name, mangle) => {
    // A fixed, valid key whose id has letters, so that every mangling changes it.
    const key = `lt_0123456789abcdef_${'Ab9-_'.repeat(8)}Ab9`;
    expect(parseKey(key)).toBeDefined();
    expect(parseKey(mangle(key))).toBeUndefined();
  });

  // Stored keys were hashed so: any other digest or text encoding would lock every key out.
  it.each([
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['lt_ü€', '8221cabdb4bdfe57d14ec3ee3ae0af15210caa9306843eeef4357c2f91970770'],
  ])('hashes %j to its SHA-256 of the UTF-8 text, in hex', (secret, expected) => {
    expect(hashSecret(secret)).toBe(expected);
  });

  it('compares hashes by value only', () => {
    const { secret } = generateKey();
    expect(sameHash(hashSecret(secret), hashSecret(secret))).toBe(true);
    expect(sameHash(hashSecret(secret), hashSecret(`${secret}x`))).toBe(false);
    expect(sameHash(hashSecret(secret), DUMMY_HASH)).toBe(false);
    expect(sameHash(hashSecret(secret), 'abcd')).toBe(false);
  });

  it('finds keys pasted into text', () => {
    const { key } = generateKey();
    expect(`Authorization: Bearer ${key} sent`.match(KEY_IN_TEXT)).toEqual([key]);
  });
});
