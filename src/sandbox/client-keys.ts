import { createPublicKey, JsonWebKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, JSONWebKeySet, JWK } from 'jose';

/** The verifier jose picks a key with: by the JWT header's alg (and kid when both sides have one). */
export type ClientKeySet = ReturnType<typeof createLocalJWKSet>;

export class ClientKeysError extends Error {}

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/**
 * The clients' public keys (SANDBOX_CLIENT_PUBLIC_KEYS): a PEM file of SPKI blocks or a JWKS
 * file. Each must be an RSA key of 2048 bits or more (RS256) or a P-256 key (ES256), the two
 * algorithms CAMARA ICM names. Throws naming the file and the reason.
 */
export function loadClientKeys(file: string): { keys: ClientKeySet; count: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ClientKeysError(`${file}: cannot read the client public keys: ${(error as Error).message}`);
  }
  try {
    const jwks = text.trimStart().startsWith('{') ? fromJwks(text) : fromPem(text);
    return { keys: createLocalJWKSet(jwks), count: jwks.keys.length };
  } catch (error) {
    if (error instanceof ClientKeysError) throw new ClientKeysError(`${file}: ${error.message}`);
    throw new ClientKeysError(`${file}: invalid client public keys: ${(error as Error).message}`);
  }
}

function fromPem(text: string): JSONWebKeySet {
  if (/PRIVATE KEY-----/.test(text)) throw new ClientKeysError('holds a private key: give the clients\' public keys only');
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new ClientKeysError('no -----BEGIN PUBLIC KEY----- block: expected PEM SPKI public keys or a JWKS JSON file');
  }
  return { keys: blocks.map((block, index) => toJwk(parse(() => createPublicKey(block), `PEM block ${index + 1}`), `PEM block ${index + 1}`)) };
}

function fromJwks(text: string): JSONWebKeySet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ClientKeysError(`not valid JSON: ${(error as Error).message}`);
  }
  const keys = (json as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new ClientKeysError('a JWKS needs a non-empty "keys" array');
  return {
    keys: keys.map((raw: unknown, index) => {
      const label = `keys[${index}]`;
      if (typeof raw !== 'object' || raw === null) throw new ClientKeysError(`${label} must be an object`);
      const jwk = raw as JWK;
      if (jwk.d !== undefined) throw new ClientKeysError(`${label} is a private key: give the public key only`);
      const key = parse(() => createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), label);
      // Keep the set's own kid, alg and use: jose matches JWT headers against them.
      return { ...toJwk(key, label), ...pick(jwk, ['kid', 'alg', 'use']) };
    }),
  };
}

function parse(read: () => KeyObject, label: string): KeyObject {
  try {
    return read();
  } catch (error) {
    throw new ClientKeysError(`${label} is not a public key: ${(error as Error).message}`);
  }
}

function toJwk(key: KeyObject, label: string): JWK {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) throw new ClientKeysError(`${label} is an RSA key under 2048 bits (RS256 needs 2048 or more)`);
  } else if (!(key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1')) {
    throw new ClientKeysError(`${label} is a ${key.asymmetricKeyType ?? 'unknown'} key: only RSA (RS256) and EC P-256 (ES256) keys are accepted`);
  }
  return key.export({ format: 'jwk' }) as JWK;
}

function pick(jwk: JWK, fields: readonly (keyof JWK)[]): Partial<JWK> {
  return Object.fromEntries(fields.filter((field) => typeof jwk[field] === 'string').map((field) => [field, jwk[field]]));
}
