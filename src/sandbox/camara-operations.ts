import { CamaraResult } from '../signals/camara-result';
import { SandboxOperationId } from '../signals/sandbox/line-dataset';
import { SandboxOperator } from '../signals/sandbox/sandbox-operator';
import { BodySchema, phoneNumberField } from './request-validation';

/** SIM Swap v2 and Device Swap v1 `CreateCheck*`: `maxAge` defaults to 240 hours. */
export const DEFAULT_MAX_AGE_HOURS = 240;

/** One CAMARA operation as the sandbox serves it, at the path its spec's servers give. */
export interface CamaraOperation {
  id: SandboxOperationId;
  path: string;
  /** The spec's security alternatives: a token with any one of these scopes may call. */
  scopes: readonly string[];
  body: BodySchema;
  /** The operator's answer for a valid body and the subject's number. */
  answer(operator: SandboxOperator, body: Record<string, unknown>, phoneNumber: string): CamaraResult<unknown>;
}

const tenure = (version: string, strict: boolean, dateBounds: { minLength?: number; maxLength?: number }): CamaraOperation => ({
  id: 'kyc-tenure:check-tenure',
  path: `/kyc-tenure/${version}/check-tenure`,
  scopes: ['kyc-tenure:check-tenure'],
  body: { fields: { ...phoneNumberField, tenureDate: { kind: 'date', ...dateBounds } }, required: ['tenureDate'], strict },
  answer: (operator, body, phoneNumber) => operator.checkTenure({ phoneNumber, tenureDate: body.tenureDate as string }),
});

const recycling = (version: string, strict: boolean, dateBounds: { maxLength?: number }): CamaraOperation => ({
  id: 'number-recycling:check',
  path: `/number-recycling/${version}/check`,
  scopes: ['number-recycling:check'],
  body: { fields: { ...phoneNumberField, specifiedDate: { kind: 'date', ...dateBounds } }, required: ['specifiedDate'], strict },
  answer: (operator, body, phoneNumber) =>
    operator.checkNumberRecycling({ phoneNumber, specifiedDate: body.specifiedDate as string }),
});

const maxAgeOf = (body: Record<string, unknown>) => (body.maxAge as number | undefined) ?? DEFAULT_MAX_AGE_HOURS;
// SIM Swap v2 and Device Swap v1 predate the strictness clause: unknown properties are ignored.
const checkBody: BodySchema = { fields: { ...phoneNumberField, maxAge: { kind: 'int32' } }, required: [], strict: false };
const dateBody: BodySchema = { fields: { ...phoneNumberField }, required: [], strict: false };

/**
 * The eight operations. KYC Tenure and Number Recycling v0.3rc1 carry the "request body
 * strictness" clause and bound their dates' length; v0.2 does neither. SIM Swap and Device Swap
 * also accept their API's legacy whole-API scope, as their specs' security lists it.
 */
export const CAMARA_OPERATIONS: readonly CamaraOperation[] = [
  tenure('v0.3rc1', true, { minLength: 10, maxLength: 10 }),
  tenure('v0.2', false, {}),
  recycling('v0.3rc1', true, { maxLength: 64 }),
  recycling('v0.2', false, {}),
  {
    id: 'sim-swap:check',
    path: '/sim-swap/v2/check',
    scopes: ['sim-swap:check', 'sim-swap'],
    body: checkBody,
    answer: (operator, body, phoneNumber) => operator.checkSimSwap({ phoneNumber, maxAge: maxAgeOf(body) }),
  },
  {
    id: 'sim-swap:retrieve-date',
    path: '/sim-swap/v2/retrieve-date',
    scopes: ['sim-swap:retrieve-date', 'sim-swap'],
    body: dateBody,
    answer: (operator, _body, phoneNumber) => operator.retrieveSimSwapDate({ phoneNumber }),
  },
  {
    id: 'device-swap:check',
    path: '/device-swap/v1/check',
    scopes: ['device-swap:check', 'device-swap'],
    body: checkBody,
    answer: (operator, body, phoneNumber) => operator.checkDeviceSwap({ phoneNumber, maxAge: maxAgeOf(body) }),
  },
  {
    id: 'device-swap:retrieve-date',
    path: '/device-swap/v1/retrieve-date',
    scopes: ['device-swap:retrieve-date', 'device-swap'],
    body: dateBody,
    answer: (operator, _body, phoneNumber) => operator.retrieveDeviceSwapDate({ phoneNumber }),
  },
];

/** Every scope a token may carry: the operations' own, and a CAMARA purpose (`dpv:...`). */
export function isKnownScope(scope: string): boolean {
  return /^dpv:[A-Za-z]+$/.test(scope) || CAMARA_OPERATIONS.some((operation) => operation.scopes.includes(scope));
}
