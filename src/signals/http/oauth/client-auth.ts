import { randomUUID } from 'node:crypto';
import { KeyLike, SignJWT } from 'jose';

/**
 * How LineTrust proves who it is to a gateway's token and bc-authorize endpoints. Each
 * provider wants its own method (see docs/gateways.md): Telefónica and Orange HTTP Basic, the
 * CAMARA ICM profile private_key_jwt, Vonage an application JWT as a Bearer.
 */
export interface ClientAuthentication {
  /** `client_secret_basic`, `private_key_jwt`...: said in logs and errors, never a secret. */
  readonly method: string;
  /** The client id, as the endpoint knows it (the `iss` of the assertions we sign). */
  readonly clientId: string;
  /** Adds the credentials to a request for `endpoint` (each JWT is signed for that URL). */
  apply(endpoint: string, form: URLSearchParams, headers: Record<string, string>): Promise<void>;
}

/** ICM: an assertion lives at most 300 s; a short one limits what a stolen one is worth. */
export const MAX_ASSERTION_LIFETIME_S = 300;
export const DEFAULT_ASSERTION_LIFETIME_S = 60;

/** A private key ready to sign, with what the JWT header says about it. */
export interface SigningKey {
  key: KeyLike;
  alg: 'RS256' | 'ES256';
  /** Key id for the JWT header, when the gateway holds several keys of ours (a JWKS). */
  kid?: string;
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded. */
export function clientSecretBasic(clientId: string, clientSecret: string): ClientAuthentication {
  const basic = Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64');
  return {
    method: 'client_secret_basic',
    clientId,
    async apply(_endpoint, _form, headers) {
      headers.authorization = `Basic ${basic}`;
    },
  };
}

/** RFC 6749 §2.3.1, the form alternative: some gateways take only this. */
export function clientSecretPost(clientId: string, clientSecret: string): ClientAuthentication {
  return {
    method: 'client_secret_post',
    clientId,
    async apply(_endpoint, form) {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    },
  };
}

export interface AssertionOptions {
  /** Overrides the audience (by default the URL of the endpoint being called, as ICM asks). */
  audience?: string;
  lifetimeS?: number;
  /** Seconds since the epoch; injected so tests can check `iat` and `exp`. */
  nowS?: () => number;
}

/**
 * RFC 7523 §2.2 client assertion (`private_key_jwt`), the method the CAMARA ICM profile
 * requires: `iss` = `sub` = the client id, `aud` = the endpoint, a fresh `jti` per request
 * (gateways refuse a replayed one), and a lifetime of at most 300 s.
 */
export function privateKeyJwt(clientId: string, signing: SigningKey, options: AssertionOptions = {}): ClientAuthentication {
  const lifetimeS = checkLifetime(options.lifetimeS);
  const nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));
  return {
    method: 'private_key_jwt',
    clientId,
    async apply(endpoint, form) {
      const iat = nowS();
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: signing.alg, typ: 'JWT', ...(signing.kid ? { kid: signing.kid } : {}) })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(options.audience ?? endpoint)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetimeS)
        .sign(signing.key);
      form.set('client_id', clientId);
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', assertion);
    },
  };
}

/**
 * Vonage's application JWT, sent as `Authorization: Bearer`: signed RS256 with the
 * application's private key, naming the application in `application_id`, a fresh `jti` each.
 */
export function applicationJwt(applicationId: string, signing: SigningKey, options: AssertionOptions = {}): ClientAuthentication {
  const lifetimeS = checkLifetime(options.lifetimeS);
  const nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));
  return {
    method: 'application_jwt',
    clientId: applicationId,
    async apply(_endpoint, _form, headers) {
      const iat = nowS();
      const jwt = await new SignJWT({ application_id: applicationId })
        .setProtectedHeader({ alg: signing.alg, typ: 'JWT', ...(signing.kid ? { kid: signing.kid } : {}) })
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetimeS)
        .sign(signing.key);
      headers.authorization = `Bearer ${jwt}`;
    },
  };
}

export function checkLifetime(lifetimeS = DEFAULT_ASSERTION_LIFETIME_S): number {
  if (!Number.isInteger(lifetimeS) || lifetimeS < 1 || lifetimeS > MAX_ASSERTION_LIFETIME_S) {
    throw new Error(`assertion lifetime must be 1..${MAX_ASSERTION_LIFETIME_S} s, got ${lifetimeS}`);
  }
  return lifetimeS;
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
