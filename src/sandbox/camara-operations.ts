import { CamaraResult } from '../signals/camara-result';
import { SandboxOperationId } from '../signals/sandbox/line-dataset';
import { SandboxOperator } from '../signals/sandbox/sandbox-operator';
import { BodySchema, phoneNumberField } from './request-validation';

/** SIM Swap v2 and Device Swap v1 `CreateCheck*`: `maxAge` defaults to 240 hours. */
export const DEFAULT_MAX_AGE_HOURS = 240;

/** The spec versions whose body rules the sandbox knows; a profile serves each at its own path. */
export const API_SPECS = [
  'kyc-tenure/v0.3rc1',
  'kyc-tenure/v0.2',
  'number-recycling/v0.3rc1',
  'number-recycling/v0.2',
  'sim-swap/v2',
  'device-swap/v1',
] as const;
export type ApiSpec = (typeof API_SPECS)[number];

/** Scope tokens a token must hold all of. */
export type ScopeSet = readonly string[];

/** One operation of a spec version, wherever it is served. */
export interface SpecOperation {
  id: SandboxOperationId;
  /** Appended to the API's base path: `/check`, `/retrieve-date`, `/check-tenure`. */
  suffix: string;
  body: BodySchema;
  /** The operator's answer for a valid body and the subject's number. */
  answer(operator: SandboxOperator, body: Record<string, unknown>, phoneNumber: string): CamaraResult<unknown>;
}

/** One CAMARA operation as a profile serves it. */
export interface CamaraOperation extends SpecOperation {
  path: string;
  /** Alternatives: a token holding every scope of any one of these sets may call. */
  scopes: readonly ScopeSet[];
}

const tenure = (strict: boolean, dateBounds: { minLength?: number; maxLength?: number }): SpecOperation => ({
  id: 'kyc-tenure:check-tenure',
  suffix: '/check-tenure',
  body: { fields: { ...phoneNumberField, tenureDate: { kind: 'date', ...dateBounds } }, required: ['tenureDate'], strict },
  answer: (operator, body, phoneNumber) => operator.checkTenure({ phoneNumber, tenureDate: body.tenureDate as string }),
});

const recycling = (strict: boolean, dateBounds: { maxLength?: number }): SpecOperation => ({
  id: 'number-recycling:check',
  suffix: '/check',
  body: { fields: { ...phoneNumberField, specifiedDate: { kind: 'date', ...dateBounds } }, required: ['specifiedDate'], strict },
  answer: (operator, body, phoneNumber) =>
    operator.checkNumberRecycling({ phoneNumber, specifiedDate: body.specifiedDate as string }),
});

const maxAgeOf = (body: Record<string, unknown>) => (body.maxAge as number | undefined) ?? DEFAULT_MAX_AGE_HOURS;
// SIM Swap v2 and Device Swap v1 predate the strictness clause: unknown properties are ignored.
const checkBody: BodySchema = { fields: { ...phoneNumberField, maxAge: { kind: 'int32' } }, required: [], strict: false };
const dateBody: BodySchema = { fields: { ...phoneNumberField }, required: [], strict: false };

/**
 * The operations of each spec version. KYC Tenure and Number Recycling v0.3rc1 carry the
 * "request body strictness" clause and bound their dates' length; v0.2 does neither.
 */
export const SPEC_OPERATIONS: Readonly<Record<ApiSpec, readonly SpecOperation[]>> = {
  'kyc-tenure/v0.3rc1': [tenure(true, { minLength: 10, maxLength: 10 })],
  'kyc-tenure/v0.2': [tenure(false, {})],
  'number-recycling/v0.3rc1': [recycling(true, { maxLength: 64 })],
  'number-recycling/v0.2': [recycling(false, {})],
  'sim-swap/v2': [
    {
      id: 'sim-swap:check',
      suffix: '/check',
      body: checkBody,
      answer: (operator, body, phoneNumber) => operator.checkSimSwap({ phoneNumber, maxAge: maxAgeOf(body) }),
    },
    {
      id: 'sim-swap:retrieve-date',
      suffix: '/retrieve-date',
      body: dateBody,
      answer: (operator, _body, phoneNumber) => operator.retrieveSimSwapDate({ phoneNumber }),
    },
  ],
  'device-swap/v1': [
    {
      id: 'device-swap:check',
      suffix: '/check',
      body: checkBody,
      answer: (operator, body, phoneNumber) => operator.checkDeviceSwap({ phoneNumber, maxAge: maxAgeOf(body) }),
    },
    {
      id: 'device-swap:retrieve-date',
      suffix: '/retrieve-date',
      body: dateBody,
      answer: (operator, _body, phoneNumber) => operator.retrieveDeviceSwapDate({ phoneNumber }),
    },
  ],
};

/** The scope of every set a token lacks for an operation, or undefined when one set is held. */
export function missingScopes(operation: CamaraOperation, held: ReadonlySet<string>): ScopeSet | undefined {
  if (operation.scopes.some((set) => set.every((scope) => held.has(scope)))) return undefined;
  return operation.scopes[0];
}
