import { SandboxOperationId } from '../signals/sandbox/line-dataset';
import { ApiSpec, CamaraOperation, ScopeSet, SPEC_OPERATIONS } from './camara-operations';

/**
 * The gateways the sandbox can play, as data: each real provider's token flows, client
 * authentication, paths and scopes (see docs/operators.md in the shared notes for the sources).
 * Code reads these fields; it never asks which profile it is.
 */
export const PROFILE_NAMES = ['camara', 'telefonica', 'orange', 'vonage', 'nokia', 'icm'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** Client authentication at the token and bc-authorize endpoints (OIDC core 9 names, plus Vonage's). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'application_jwt';

export type GrantName = 'client_credentials' | 'ciba' | 'jwt-bearer';
export const GRANT_TYPES: Readonly<Record<GrantName, string>> = {
  client_credentials: 'client_credentials',
  ciba: 'urn:openid:params:grant-type:ciba',
  'jwt-bearer': 'urn:ietf:params:oauth:grant-type:jwt-bearer',
};

export interface OAuthAccess {
  kind: 'oauth';
  tokenPath: string;
  /** CIBA's backchannel authentication endpoint; set exactly when the grants include `ciba`. */
  authorizePath?: string;
  grants: readonly GrantName[];
  clientAuth: readonly ClientAuthMethod[];
  /** `login_hint=tel:+E164` on client_credentials binds the token to a number (the historic shortcut). */
  loginHintOnClientCredentials: boolean;
  /** `openid` in a token request: refused as unknown, accepted, or required. */
  openid: 'refused' | 'accepted' | 'required';
  /** At most one distinct `dpv:` purpose per token request (CAMARA ICM). */
  onePurpose: boolean;
}

/** RapidAPI's headers in front of every call, no token endpoint (Nokia Network as Code). */
export interface ApiKeyAccess {
  kind: 'api-key';
}

/** One API: the spec version whose body rules apply, served under `base`. */
export interface ProfileApi {
  spec: ApiSpec;
  base: string;
}

export interface SandboxProfile {
  name: ProfileName;
  access: OAuthAccess | ApiKeyAccess;
  /**
   * With a 3-legged token: `forbidden` (CAMARA: phoneNumber in the body is 422
   * UNNECESSARY_IDENTIFIER) or `required` (Vonage v0.4: it must be there and be the token's).
   */
  identifier: 'forbidden' | 'required';
  apis: readonly ProfileApi[];
  /** Per operation, the scope sets a token may hold (all scopes of any one set). */
  scopes: Readonly<Record<SandboxOperationId, readonly ScopeSet[]>>;
  /** CIBA poll timing defaults; SANDBOX_CIBA_INTERVAL_S and SANDBOX_CIBA_EXPIRES_S override them. */
  ciba: { intervalS: number; expiresInS: number };
}

const FRAUD = 'dpv:FraudPreventionAndDetection';
const SECURITY = 'dpv:EnforceSecurity';
const CIBA_TIMING = { intervalS: 2, expiresInS: 120 };

/** CAMARA's own fine-grained scopes; SIM and Device Swap also list their legacy whole-API scope. */
const CAMARA_SCOPES: SandboxProfile['scopes'] = {
  'kyc-tenure:check-tenure': [['kyc-tenure:check-tenure']],
  'number-recycling:check': [['number-recycling:check']],
  'sim-swap:check': [['sim-swap:check'], ['sim-swap']],
  'sim-swap:retrieve-date': [['sim-swap:retrieve-date'], ['sim-swap']],
  'device-swap:check': [['device-swap:check'], ['device-swap']],
  'device-swap:retrieve-date': [['device-swap:retrieve-date'], ['device-swap']],
};

const CAMARA_APIS: readonly ProfileApi[] = [
  { spec: 'kyc-tenure/v0.3rc1', base: '/kyc-tenure/v0.3rc1' },
  { spec: 'kyc-tenure/v0.2', base: '/kyc-tenure/v0.2' },
  { spec: 'number-recycling/v0.3rc1', base: '/number-recycling/v0.3rc1' },
  { spec: 'number-recycling/v0.2', base: '/number-recycling/v0.2' },
  { spec: 'sim-swap/v2', base: '/sim-swap/v2' },
  { spec: 'device-swap/v1', base: '/device-swap/v1' },
];

/** One scope set per operation, the same for both operations of an API. */
const perApi = (tenure: ScopeSet, recycling: ScopeSet, sim: ScopeSet, device: ScopeSet): SandboxProfile['scopes'] => ({
  'kyc-tenure:check-tenure': [tenure],
  'number-recycling:check': [recycling],
  'sim-swap:check': [sim],
  'sim-swap:retrieve-date': [sim],
  'device-swap:check': [device],
  'device-swap:retrieve-date': [device],
});

/** Telefónica and Orange: CIBA at /bc-authorize, HTTP Basic client authentication. */
const basicCiba: OAuthAccess = {
  kind: 'oauth',
  tokenPath: '/token',
  authorizePath: '/bc-authorize',
  grants: ['ciba'],
  clientAuth: ['client_secret_basic'],
  loginHintOnClientCredentials: false,
  openid: 'accepted',
  onePurpose: true,
};

export const PROFILES: Readonly<Record<ProfileName, SandboxProfile>> = {
  camara: {
    name: 'camara',
    access: {
      kind: 'oauth',
      tokenPath: '/oauth2/token',
      grants: ['client_credentials'],
      clientAuth: ['client_secret_basic', 'client_secret_post'],
      loginHintOnClientCredentials: true,
      openid: 'refused',
      onePurpose: false,
    },
    identifier: 'forbidden',
    apis: CAMARA_APIS,
    scopes: CAMARA_SCOPES,
    ciba: CIBA_TIMING,
  },
  telefonica: {
    name: 'telefonica',
    access: basicCiba,
    identifier: 'forbidden',
    apis: [
      { spec: 'kyc-tenure/v0.2', base: '/kyc-tenure/v0.2' },
      { spec: 'number-recycling/v0.2', base: '/number-recycling/v0.1' },
      { spec: 'sim-swap/v2', base: '/sim-swap/v1' },
      { spec: 'device-swap/v1', base: '/device-swap/v0.1' },
    ],
    // Open Gateway v1 scopes: the purpose and the API's scope as two tokens.
    scopes: perApi([FRAUD, 'kyc-tenure:check-tenure'], [SECURITY, 'number-recycling:check'], [FRAUD, 'sim-swap'], [FRAUD, 'device-swap']),
    ciba: CIBA_TIMING,
  },
  orange: {
    name: 'orange',
    access: basicCiba,
    identifier: 'forbidden',
    apis: [
      { spec: 'sim-swap/v2', base: '/camara/sim-swap/v1' },
      { spec: 'device-swap/v1', base: '/camara/device-swap/v1' },
      { spec: 'kyc-tenure/v0.2', base: '/camara/kyc-tenure/v0.2' },
      { spec: 'number-recycling/v0.2', base: '/camara/number-recycling/v0.2' },
    ],
    // Purpose and API combined in one token, as Orange's developer pages write them.
    scopes: perApi([`${FRAUD}#kyc-tenure`], [`${SECURITY}#number-recycling`], [`${FRAUD}#sim-swap`], [`${FRAUD}#device-swap`]),
    // bc-authorize answers interval 2, expires_in 120 (developer.orange.com).
    ciba: { intervalS: 2, expiresInS: 120 },
  },
  vonage: {
    name: 'vonage',
    access: {
      kind: 'oauth',
      tokenPath: '/oauth2/token',
      authorizePath: '/oauth2/bc-authorize',
      grants: ['ciba'],
      clientAuth: ['application_jwt'],
      loginHintOnClientCredentials: false,
      openid: 'required',
      onePurpose: true,
    },
    // Vonage's v0.4 APIs still want phoneNumber in the body with a 3-legged token.
    identifier: 'required',
    apis: [
      { spec: 'sim-swap/v2', base: '/camara/sim-swap/v040' },
      { spec: 'device-swap/v1', base: '/camara/device-swap/v040' },
      { spec: 'kyc-tenure/v0.2', base: '/camara/kyc-tenure/v040' },
      { spec: 'number-recycling/v0.2', base: '/camara/number-recycling/v040' },
    ],
    scopes: {
      'kyc-tenure:check-tenure': [[`${FRAUD}#check-tenure`]],
      'number-recycling:check': [[`${SECURITY}#check-number-recycling`]],
      'sim-swap:check': [[`${FRAUD}#check-sim-swap`]],
      'sim-swap:retrieve-date': [[`${FRAUD}#retrieve-sim-swap-date`]],
      'device-swap:check': [[`${FRAUD}#check-device-swap`]],
      'device-swap:retrieve-date': [[`${FRAUD}#retrieve-device-swap-date`]],
    },
    ciba: CIBA_TIMING,
  },
  nokia: {
    name: 'nokia',
    access: { kind: 'api-key' },
    identifier: 'forbidden',
    apis: [
      { spec: 'sim-swap/v2', base: '/passthrough/camara/v1/sim-swap/sim-swap/v0' },
      { spec: 'device-swap/v1', base: '/passthrough/camara/v1/device-swap/device-swap/v1' },
      { spec: 'kyc-tenure/v0.2', base: '/passthrough/camara/v1/kyc-tenure/kyc-tenure/v0.1' },
      { spec: 'number-recycling/v0.2', base: '/passthrough/camara/v1/number-recycling/number-recycling/v0.2' },
    ],
    // The API key is the whole authorization: one empty set, which every call holds.
    scopes: perApi([], [], [], []),
    ciba: CIBA_TIMING,
  },
  icm: {
    name: 'icm',
    access: {
      kind: 'oauth',
      tokenPath: '/token',
      authorizePath: '/bc-authorize',
      grants: ['ciba', 'jwt-bearer'],
      clientAuth: ['private_key_jwt'],
      loginHintOnClientCredentials: false,
      openid: 'required',
      onePurpose: true,
    },
    identifier: 'forbidden',
    apis: [
      { spec: 'kyc-tenure/v0.3rc1', base: '/kyc-tenure/v0.3rc1' },
      { spec: 'number-recycling/v0.3rc1', base: '/number-recycling/v0.3rc1' },
      { spec: 'sim-swap/v2', base: '/sim-swap/v2' },
      { spec: 'device-swap/v1', base: '/device-swap/v1' },
    ],
    // Each operation its own scope: ICM has no whole-API alternatives.
    scopes: {
      ...CAMARA_SCOPES,
      'sim-swap:check': [['sim-swap:check']],
      'sim-swap:retrieve-date': [['sim-swap:retrieve-date']],
      'device-swap:check': [['device-swap:check']],
      'device-swap:retrieve-date': [['device-swap:retrieve-date']],
    },
    ciba: CIBA_TIMING,
  },
};

/** The operations a profile serves, each at its path with the profile's scopes. */
export function profileOperations(profile: SandboxProfile): CamaraOperation[] {
  return profile.apis.flatMap((api) =>
    SPEC_OPERATIONS[api.spec].map((operation) => ({
      ...operation,
      path: `${api.base}${operation.suffix}`,
      scopes: profile.scopes[operation.id],
    })),
  );
}

/** Every path the profile answers: token endpoints first, then the APIs'. */
export function profilePaths(profile: SandboxProfile): string[] {
  const endpoints = profile.access.kind === 'oauth' ? [profile.access.tokenPath, profile.access.authorizePath] : [];
  return [...endpoints.filter((path): path is string => path !== undefined), ...profileOperations(profile).map((operation) => operation.path)];
}

/** True when the profile verifies signed JWTs, so it needs SANDBOX_CLIENT_PUBLIC_KEYS. */
export function needsClientKeys(profile: SandboxProfile): boolean {
  const { access } = profile;
  return (
    access.kind === 'oauth' &&
    (access.grants.includes('jwt-bearer') || access.clientAuth.some((method) => method === 'private_key_jwt' || method === 'application_jwt'))
  );
}
