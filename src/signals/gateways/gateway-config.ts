import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { SchemaProblem, schemaProblems } from '../../common/validation/schema-problems';
import { SignalName } from '../signal.types';
import gatewaysSchema from './gateways.schema.json';

/** A secret is named, never written: `{ "env": "NAME" }` reads NAME, or the file NAME_FILE names. */
export interface SecretRef {
  env: string;
}

export type ClientAuthConfig =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; clientSecret: SecretRef }
  | { method: 'private_key_jwt'; clientId: string; privateKey: SecretRef; alg: 'RS256' | 'ES256'; keyId?: string; audience?: string; lifetimeS?: number }
  | { method: 'application_jwt'; applicationId: string; privateKey: SecretRef; alg?: 'RS256'; keyId?: string; lifetimeS?: number };

export type AuthConfig =
  | { flow: 'client_credentials'; tokenUrl: string; client: ClientAuthConfig }
  | { flow: 'ciba'; authorizeUrl: string; tokenUrl: string; client: ClientAuthConfig; consentWaitMs?: number; refusalTtlS?: number }
  | {
      flow: 'jwt_bearer';
      tokenUrl: string;
      issuer: string;
      audience?: string;
      assertionKey: { privateKey: SecretRef; alg: 'RS256' | 'ES256'; keyId?: string };
      client?: ClientAuthConfig;
      refusalTtlS?: number;
    }
  | { flow: 'api_key'; headers: Record<string, string | SecretRef> };

export interface ApiConfig {
  version: string;
  path?: string;
  purpose?: string;
  scopes?: Record<string, string[]>;
}

export interface GatewayConfig {
  description?: string;
  apiRoot: string;
  auth: AuthConfig;
  purpose?: string;
  openid?: boolean;
  phoneNumberInBody?: boolean;
  apis: Partial<Record<SignalName, ApiConfig>>;
}

export interface GatewaysFile {
  gateways: Record<string, GatewayConfig>;
  routes?: { prefix: string; gateway: string }[];
  defaultGateway?: string;
}

/** A gateways file that cannot be used: the file, and each problem with its JSON path. */
export class GatewaysFileInvalidError extends Error {
  constructor(
    readonly file: string,
    readonly problems: SchemaProblem[],
  ) {
    super(`Invalid gateways file ${file}:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'GatewaysFileInvalidError';
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile<GatewaysFile>(gatewaysSchema);

/**
 * Reads and validates the gateways file: JSON syntax, the JSON Schema (gateways.schema.json),
 * then what the schema cannot say (routes naming gateways that exist, versions each client
 * speaks). Secrets are checked later, when they are resolved (resolveSecret).
 */
export function loadGatewaysFile(file: string, supportedVersions: Record<SignalName, readonly string[]>): GatewaysFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new GatewaysFileInvalidError(file, [{ path: '$', message: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GatewaysFileInvalidError(file, [{ path: '$', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  if (!validateSchema(json)) throw new GatewaysFileInvalidError(file, schemaProblems(validateSchema.errors ?? [], json));
  const problems = semanticProblems(json, supportedVersions);
  if (problems.length > 0) throw new GatewaysFileInvalidError(file, problems);
  return json;
}

function semanticProblems(config: GatewaysFile, supportedVersions: Record<SignalName, readonly string[]>): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const known = Object.keys(config.gateways);
  const unknown = (id: string) => `names no gateway (got "${id}"; the gateways are ${known.map((k) => `"${k}"`).join(', ')})`;
  const prefixes = new Map<string, number>();
  (config.routes ?? []).forEach((route, index) => {
    if (!known.includes(route.gateway)) problems.push({ path: `$.routes[${index}].gateway`, message: unknown(route.gateway) });
    const earlier = prefixes.get(route.prefix);
    if (earlier !== undefined) {
      problems.push({ path: `$.routes[${index}].prefix`, message: `"${route.prefix}" is routed twice (also $.routes[${earlier}])` });
    } else prefixes.set(route.prefix, index);
  });
  if (config.defaultGateway !== undefined && !known.includes(config.defaultGateway)) {
    problems.push({ path: '$.defaultGateway', message: unknown(config.defaultGateway) });
  }
  for (const [id, gateway] of Object.entries(config.gateways)) {
    for (const [signal, api] of Object.entries(gateway.apis) as [SignalName, ApiConfig][]) {
      const versions = supportedVersions[signal];
      if (!versions.includes(api.version)) {
        problems.push({
          path: `$.gateways.${id}.apis.${signal}.version`,
          message: `must be one of ${versions.map((v) => `"${v}"`).join(', ')} (got "${api.version}"); a gateway's own path goes in "path"`,
        });
      }
      const prefix = scopePrefix(signal);
      for (const operation of Object.keys(api.scopes ?? {})) {
        if (!operation.startsWith(prefix)) {
          problems.push({ path: `$.gateways.${id}.apis.${signal}.scopes`, message: `"${operation}" is not an operation of ${signal}` });
        }
      }
    }
  }
  return problems;
}

function scopePrefix(signal: SignalName): string {
  switch (signal) {
    case 'tenure':
      return 'kyc-tenure:';
    case 'numberRecycling':
      return 'number-recycling:';
    case 'simSwap':
      return 'sim-swap:';
    case 'deviceSwap':
      return 'device-swap:';
  }
}

/**
 * A secret's value from the environment: NAME itself, or the content of the file NAME_FILE
 * names (how container secrets are mounted). `where` is the JSON path, for the error.
 */
export function resolveSecret(
  ref: SecretRef,
  env: Record<string, string | undefined>,
  file: string,
  where: string,
): string {
  const direct = env[ref.env];
  if (direct !== undefined && direct !== '') return direct;
  const path = env[`${ref.env}_FILE`];
  if (path !== undefined && path !== '') {
    try {
      return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new GatewaysFileInvalidError(file, [{ path: where, message: `${ref.env}_FILE names ${path}, which cannot be read (${code})` }]);
    }
  }
  throw new GatewaysFileInvalidError(file, [{ path: where, message: `needs the secret in ${ref.env}, or a file named by ${ref.env}_FILE; neither is set` }]);
}
