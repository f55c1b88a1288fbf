import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientKeysError, loadClientKeys } from './client-keys';

describe('loadClientKeys (SANDBOX_CLIENT_PUBLIC_KEYS)', () => {
  let dir: string;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = (key: typeof rsa.publicKey) => key.export({ type: 'spki', format: 'pem' }) as string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'client-keys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads every SPKI block of a PEM file', () => {
    expect(loadClientKeys(file('two.pem', `${spki(rsa.publicKey)}\n${spki(ec.publicKey)}`)).count).toBe(2);
  });

  it('loads a JWKS file', () => {
    const jwks = { keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'one', alg: 'RS256' }, ec.publicKey.export({ format: 'jwk' })] };
    expect(loadClientKeys(file('keys.json', JSON.stringify(jwks))).count).toBe(2);
  });

  it.each([
    ['a missing file', () => join(dir, 'missing.pem'), 'cannot read the client public keys'],
    ['a file without a public key', () => file('empty.pem', 'hello'), 'no -----BEGIN PUBLIC KEY----- block'],
    ['a private key', () => file('private.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), 'holds a private key'],
    ['a broken PEM block', () => file('broken.pem', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'), 'PEM block 1 is not a public key'],
    ['a P-384 key', () => file('p384.pem', spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey)), 'only RSA (RS256) and EC P-256 (ES256)'],
    ['a short RSA key', () => file('short.pem', spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey)), 'under 2048 bits'],
    ['JSON that is not a JWKS', () => file('not-jwks.json', '{"keys": []}'), 'non-empty "keys" array'],
    ['a private JWK', () => file('private.json', JSON.stringify({ keys: [ec.privateKey.export({ format: 'jwk' })] })), 'keys[0] is a private key'],
  ])('refuses %s, naming the file and the reason', (_label, path, reason) => {
    const name = path();
    expect(() => loadClientKeys(name)).toThrow(ClientKeysError);
    expect(() => loadClientKeys(name)).toThrow(`${name}: `);
    expect(() => loadClientKeys(name)).toThrow(reason);
  });
});
