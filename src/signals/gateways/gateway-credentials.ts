import { importPKCS8, SignJWT } from 'jose';
import { AccessTokenSource, ClientCredentialsTokenSource } from '../http/client-credentials.token-source';
import { CibaFlow } from '../http/oauth/ciba.flow';
import { applicationJwt, ClientAuthentication, clientSecretBasic, clientSecretPost, privateKeyJwt, SigningKey } from '../http/oauth/client-auth';
import { JwtBearerFlow } from '../http/oauth/jwt-bearer.flow';
import { SubscriberFlow, SubscriberTokenSource } from '../http/oauth/subscriber-token.source';
import { AuthConfig, ClientAuthConfig, GatewaysFileInvalidError, resolveSecret, SecretRef } from './gateway-config';

/** How calls to one gateway are authorised: bearer tokens (2- or 3-legged), or fixed API-key headers. */
export type GatewayCredentials = { tokens: AccessTokenSource; headers?: undefined } | { tokens?: undefined; headers: Record<string, string> };

export interface CredentialContext {
  gateway: string;
  file: string;
  env: Record<string, string | undefined>;
  /** The number's keyed hash, the key of per-subscriber tokens. */
  subjectKey: (phoneNumber: string) => string;
  tokenTimeoutMs: number;
  fetch?: typeof fetch;
}

/** How long a decision waits on a CIBA flow in progress: under any sane signal timeout. */
const DEFAULT_CONSENT_WAIT_MS = 300;
/** A refusal is remembered an hour: a holder who said no is not prompted at every payment. */
const DEFAULT_REFUSAL_TTL_S = 3600;

/** Builds the credentials of a gateway from its `auth` block, loading keys and secrets now. */
export async function buildCredentials(auth: AuthConfig, ctx: CredentialContext): Promise<GatewayCredentials> {
  const where = `$.gateways.${ctx.gateway}.auth`;
  switch (auth.flow) {
    case 'api_key': {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(auth.headers)) {
        headers[name.toLowerCase()] = typeof value === 'string' ? value : resolveSecret(value, ctx.env, ctx.file, `${where}.headers.${name}`);
      }
      return { headers };
    }
    case 'client_credentials':
      return {
        tokens: new ClientCredentialsTokenSource({
          tokenUrl: auth.tokenUrl,
          clientAuth: await clientAuthentication(auth.client, ctx, `${where}.client`),
          // The gateway's scope strings are composed per API (purpose and openid included).
          purpose: null,
          requestTimeoutMs: ctx.tokenTimeoutMs,
          fetch: ctx.fetch,
        }),
      };
    case 'ciba': {
      const flow = new CibaFlow({
        authorizeUrl: auth.authorizeUrl,
        tokenUrl: auth.tokenUrl,
        clientAuth: await clientAuthentication(auth.client, ctx, `${where}.client`),
        requestTimeoutMs: ctx.tokenTimeoutMs,
        fetch: ctx.fetch,
      });
      return subscriberTokens(flow, ctx, auth.consentWaitMs ?? DEFAULT_CONSENT_WAIT_MS, auth.refusalTtlS);
    }
    case 'jwt_bearer': {
      const flow = new JwtBearerFlow({
        tokenUrl: auth.tokenUrl,
        issuer: auth.issuer,
        audience: auth.audience,
        signing: await signingKey(auth.assertionKey.privateKey, auth.assertionKey.alg, auth.assertionKey.keyId, ctx, `${where}.assertionKey.privateKey`),
        clientAuth: auth.client ? await clientAuthentication(auth.client, ctx, `${where}.client`) : undefined,
        requestTimeoutMs: ctx.tokenTimeoutMs,
        fetch: ctx.fetch,
      });
      // One request, no holder to wait for: the call's own timeout bounds it.
      return subscriberTokens(flow, ctx, ctx.tokenTimeoutMs, auth.refusalTtlS);
    }
  }
}

/** 3-legged tokens from `flow`, one per subscriber of this gateway. */
function subscriberTokens(flow: SubscriberFlow, ctx: CredentialContext, waitMs: number, refusalTtlS = DEFAULT_REFUSAL_TTL_S): GatewayCredentials {
  return {
    tokens: new SubscriberTokenSource({ flow, gateway: ctx.gateway, subjectKey: ctx.subjectKey, waitMs, refusalTtlMs: refusalTtlS * 1000 }),
  };
}

async function clientAuthentication(config: ClientAuthConfig, ctx: CredentialContext, where: string): Promise<ClientAuthentication> {
  switch (config.method) {
    case 'client_secret_basic':
      return clientSecretBasic(config.clientId, resolveSecret(config.clientSecret, ctx.env, ctx.file, `${where}.clientSecret`));
    case 'client_secret_post':
      return clientSecretPost(config.clientId, resolveSecret(config.clientSecret, ctx.env, ctx.file, `${where}.clientSecret`));
    case 'private_key_jwt': {
      const key = await signingKey(config.privateKey, config.alg, config.keyId, ctx, `${where}.privateKey`);
      return privateKeyJwt(config.clientId, key, { audience: config.audience, lifetimeS: config.lifetimeS });
    }
    case 'application_jwt': {
      const key = await signingKey(config.privateKey, 'RS256', config.keyId, ctx, `${where}.privateKey`);
      return applicationJwt(config.applicationId, key, { lifetimeS: config.lifetimeS });
    }
  }
}

/** A PKCS#8 PEM private key from a secret, checked now: a wrong key stops start-up, not a decision. */
async function signingKey(
  ref: SecretRef,
  alg: 'RS256' | 'ES256',
  kid: string | undefined,
  ctx: CredentialContext,
  where: string,
): Promise<SigningKey> {
  const pem = resolveSecret(ref, ctx.env, ctx.file, where);
  try {
    const key = await importPKCS8(pem.trim(), alg);
    // The import does not check that the key fits the algorithm (an EC key for RS256, a P-384
    // key for ES256): one signature now makes that a start-up error, not a decision's.
    await new SignJWT({}).setProtectedHeader({ alg }).sign(key);
    return { key, alg, kid };
  } catch (error) {
    throw new GatewaysFileInvalidError(ctx.file, [
      { path: where, message: `${ref.env} is not a PKCS#8 PEM private key for ${alg} (${(error as Error).message})` },
    ]);
  }
}
