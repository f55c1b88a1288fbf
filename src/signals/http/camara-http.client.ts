import { Logger } from '@nestjs/common';
import { CORRELATOR_PATTERN } from '../../common/http/request-context';
import { maskPhoneNumber, redactPhoneNumbers } from '../../common/phone/phone-number';
import { camaraError, isTransientHttpStatus, toSignalAnswer } from '../camara-result';
import { SignalAnswer, SignalCallContext, SignalFailure } from '../signal.types';
import { AccessTokenSource, describeFetchError, TokenRequestError } from './client-credentials.token-source';
import { ConsentPendingError, SubscriberRefusedError } from './oauth/oauth-endpoint';

/** What each CAMARA client is built with: where the API is, which version, and its tokens. */
export interface CamaraClientOptions {
  /** The operator's API root, e.g. `https://api.operator.example/camara` (no API name). */
  apiRoot: string;
  /** The spec version whose request and response bodies the gateway speaks. */
  version: string;
  /**
   * The API's path under apiRoot when the gateway does not use `/<api>/<version>`, e.g.
   * Vonage's `/sim-swap/v040` or Network as Code's `/passthrough/camara/v1/sim-swap/sim-swap/v0`.
   */
  basePath?: string;
  /** Bearer tokens; absent when the gateway takes API-key headers instead. */
  tokens?: AccessTokenSource;
  /** Static headers on every call (API-key gateways), instead of a bearer token. */
  headers?: Record<string, string>;
  /** The scopes a token for an operation asks, from the operation's CAMARA scopes (a gateway's own strings). */
  scopes?: (operationScopes: readonly string[]) => readonly string[];
  /**
   * Whether phoneNumber goes in the body. By default only with a 2-legged token: CAMARA
   * forbids it with a 3-legged one (422 UNNECESSARY_IDENTIFIER), though some gateways want it.
   */
  phoneNumberInBody?: boolean;
  /** The gateway's name in logs and reasons. */
  gateway?: string;
  /** Replaces global fetch (tests, or a custom dispatcher). */
  fetch?: typeof fetch;
  /** Wall-clock milliseconds, to turn a Retry-After HTTP-date into a delay. */
  now?: () => number;
}

/** The minimal check of a 200 body: the answer, or undefined when the body does not fit. */
export interface ResponseShape<T> {
  /** What was expected, for the failure reason, e.g. `{ swapped: boolean }`. */
  expected: string;
  parse(body: unknown): T | undefined;
}

/** One CAMARA operation call: `POST {apiRoot}{basePath}{path}`. */
export interface CamaraOperation<T> {
  path: string;
  scopes: readonly string[];
  phoneNumber: string;
  /** Body fields besides phoneNumber, exactly as the spec names them. */
  params: Record<string, unknown>;
  response: ResponseShape<T>;
}

/** The versions a client supports; anything else is a start-up error naming the choices. */
export function checkVersion<V extends string>(api: string, version: string, supported: readonly V[]): V {
  if ((supported as readonly string[]).includes(version)) return version as V;
  throw new Error(`${api}: unsupported API version "${version}" (supported: ${supported.join(', ')})`);
}

interface Call {
  label: string;
  subject: string;
}

/** CAMARA ErrorInfo caps message at 512 characters; a proxy's HTML page gets less room. */
const MAX_MESSAGE = 512;
const MAX_FOREIGN_BODY = 200;

/**
 * The one POST every CAMARA client makes. It never throws: every outcome, from a 200 to a reset
 * socket, becomes a signal answer, and failures say whether asking again may help (`retryable`,
 * `retryAfterMs`) so that retries and circuit breakers can be layered around the clients.
 */
export class CamaraHttpClient {
  private readonly logger: Logger;
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly basePath: string;
  private readonly threeLegged: boolean;
  private readonly withPhoneNumber: boolean;
  private bodyRuleReported = false;

  constructor(
    private readonly options: CamaraClientOptions & { defaultBasePath: string; name: string },
  ) {
    this.logger = new Logger(options.name);
    if (!options.tokens && !options.headers) throw new Error(`${options.name}: needs tokens or API-key headers`);
    this.basePath = options.basePath ?? options.defaultBasePath;
    // A malformed apiRoot is a start-up error; trailing slashes would double up in the path.
    this.baseUrl = new URL(options.apiRoot).href.replace(/\/+$/, '') + this.basePath;
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.threeLegged = options.tokens?.identifiesSubject === true;
    this.withPhoneNumber = options.phoneNumberInBody ?? !this.threeLegged;
  }

  async post<T>(op: CamaraOperation<T>, ctx: SignalCallContext): Promise<SignalAnswer<T>> {
    const via = this.options.gateway ? ` via ${this.options.gateway}` : '';
    const call: Call = { label: `POST ${this.basePath}${op.path}${via}`, subject: maskPhoneNumber(op.phoneNumber) };
    try {
      let token = await this.token(op, ctx);
      let response = await this.send(op, token, ctx);
      if (response.status === 401 && token !== undefined) {
        // Tokens can be revoked or expire early at the operator: one fresh token, one retry.
        // For a 3-legged token "fresh" means a new flow, which is then reported pending.
        await response.arrayBuffer();
        this.options.tokens?.invalidate(this.tokenScopes(op), token, { phoneNumber: op.phoneNumber });
        token = await this.token(op, ctx);
        response = await this.send(op, token, ctx);
      }
      return await this.answer(response, op, call, token);
    } catch (error) {
      return this.thrown(error, ctx, call);
    }
  }

  private tokenScopes(op: CamaraOperation<unknown>): readonly string[] {
    return this.options.scopes ? this.options.scopes(op.scopes) : op.scopes;
  }

  private async token(op: CamaraOperation<unknown>, ctx: SignalCallContext): Promise<string | undefined> {
    if (!this.options.tokens) return undefined;
    try {
      return await this.options.tokens.token(this.tokenScopes(op), { abortSignal: ctx.abortSignal, phoneNumber: op.phoneNumber });
    } catch (error) {
      if (error instanceof TokenRequestError) throw error;
      // A token source that breaks its contract is a bug: asking again will not fix it.
      throw new TokenRequestError(`token source failed: ${describeFetchError(error)}`, false);
    }
  }

  private send(op: CamaraOperation<unknown>, token: string | undefined, ctx: SignalCallContext): Promise<Response> {
    const body = this.withPhoneNumber ? { phoneNumber: op.phoneNumber, ...op.params } : op.params;
    const headers: Record<string, string> = {
      ...this.options.headers,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    // The decision's own correlator, so operator logs and ours can be joined. The service only
    // accepts CAMARA-conformant ones; the check guards against a caller that skipped that.
    if (ctx.correlator && CORRELATOR_PATTERN.test(ctx.correlator)) headers['x-correlator'] = ctx.correlator;
    // The operator's spans join the decision's trace, as children of the query's span.
    if (ctx.traceparent !== undefined) headers.traceparent = ctx.traceparent;
    if (ctx.tracestate) headers.tracestate = ctx.tracestate;
    return this.fetchFn(this.baseUrl + op.path, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: ctx.abortSignal,
      // A redirect would re-send the phone number to wherever it points: a gateway's answer
      // comes from the gateway configured, or it is a failure.
      redirect: 'error',
    });
  }

  private async answer<T>(response: Response, op: CamaraOperation<T>, call: Call, token: string | undefined): Promise<SignalAnswer<T>> {
    const text = await response.text();
    if (response.status === 200) {
      const value = op.response.parse(parseJson(text));
      if (value !== undefined) return { status: 'OK', value };
      // A 200 we cannot read will read the same way next time: not worth a retry.
      const reason = `malformed 200 response: expected ${op.response.expected}`;
      this.logger.warn(`${call.label} for ${call.subject}: ${reason}`);
      return { status: 'UNAVAILABLE', reason, retryable: false };
    }
    const { code, message } = readCamaraError(text);
    const status = response.status;
    if ((status === 401 || status === 403) && this.threeLegged) {
      // A 3-legged token speaks for one holder: its refusal (revoked consent, another line:
      // INVALID_TOKEN_CONTEXT) is about that subscriber, not our set-up nor the gateway.
      if (token !== undefined) this.options.tokens?.invalidate(this.tokenScopes(op), token, { phoneNumber: op.phoneNumber });
      this.logger.warn(`${call.label} for ${call.subject}: the subscriber's token was refused: ${status} ${code}`);
      return { status: 'UNAVAILABLE', reason: `${status} ${code}: ${message} (this subscriber's 3-legged token)`, retryable: false, perSubscriber: true };
    }
    if (status === 401 || status === 403) {
      const after = status === 401 && token !== undefined ? ' (a freshly fetched token was refused too)' : '';
      return this.configurationFault(`${status} ${code}: ${message}${after}`, call);
    }
    if (status === 422 && (code === 'MISSING_IDENTIFIER' || code === 'UNNECESSARY_IDENTIFIER')) {
      return this.bodyRuleFault(`${status} ${code}: ${message}`, call);
    }
    const answer = toSignalAnswer<T>(camaraError(status, code, message));
    if (answer.status !== 'UNAVAILABLE') return answer;
    if (status === 429 && code === 'QUOTA_EXCEEDED') {
      // The contract's quota is spent: asking again only adds to the bill until it renews.
      this.logger.warn(`${call.label} for ${call.subject}: quota exceeded ${answer.reason}`);
      return { ...answer, retryable: false };
    }
    if (isTransientHttpStatus(status)) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
      this.logger.warn(`${call.label} for ${call.subject}: transient failure ${answer.reason}`);
      return { ...answer, retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    // The operator refused the request itself (INVALID_ARGUMENT, MISSING_IDENTIFIER...): our bug.
    this.logger.warn(`${call.label} for ${call.subject}: request refused ${answer.reason}`);
    return { ...answer, retryable: false };
  }

  private thrown<T>(error: unknown, ctx: SignalCallContext, call: Call): SignalAnswer<T> {
    // Whoever aborted (call timeout, decision deadline) decides; the error may be any shape.
    if (ctx.abortSignal?.aborted) {
      return { status: 'UNAVAILABLE', reason: `timeout/aborted: ${call.label}`, retryable: true };
    }
    if (error instanceof ConsentPendingError) {
      return { status: 'CONSENT_PENDING', reason: error.message };
    }
    if (error instanceof SubscriberRefusedError) {
      return error.kind === 'consent'
        ? { status: 'CONSENT_REFUSED', reason: `the holder refused the token flow: ${error.message}` }
        : { status: 'NOT_SUBSCRIBER', reason: `the gateway does not know the subscriber: ${error.message}` };
    }
    if (error instanceof TokenRequestError) {
      if (error.configurationFault) return this.configurationFault(error.message.replace(/^configuration fault: /, ''), call);
      this.logger.warn(`${call.label} for ${call.subject}: no access token: ${error.message}`);
      return { status: 'UNAVAILABLE', reason: `no access token: ${error.message}`, retryable: error.retryable };
    }
    // Refused or reset connections, dropped sockets, DNS hiccups: the network, so transient.
    const reason = `network error: ${describeFetchError(error)}`;
    this.logger.warn(`${call.label} for ${call.subject}: ${reason}`);
    return { status: 'UNAVAILABLE', reason, retryable: true };
  }

  /**
   * The gateway's rule on phoneNumber in the body and ours differ: every call will fail the
   * same way, so the fix is said once, at error level, and each call is refused quietly.
   */
  private bodyRuleFault(what: string, call: Call): SignalFailure {
    const reason = `configuration fault: ${what}`;
    if (!this.bodyRuleReported) {
      this.bodyRuleReported = true;
      const fix = this.withPhoneNumber ? 'false' : 'true';
      this.logger.error(
        `${call.label}: ${reason}. The gateway${this.options.gateway ? ` "${this.options.gateway}"` : ''} wants the other body rule: ` +
          `set "phoneNumberInBody": ${fix} for it in the gateways file.`,
      );
    }
    return { status: 'UNAVAILABLE', reason, retryable: false };
  }

  /** Wrong credentials, scopes or API root: no retry can help, and someone must be told. */
  private configurationFault(what: string, call: Call): SignalFailure {
    const reason = `configuration fault: ${what}`;
    this.logger.error(
      `${call.label} for ${call.subject}: ${reason}. Check the client credentials, the scopes granted ` +
        'to them and the API root: every call to this API will fail until this is fixed.',
    );
    return { status: 'UNAVAILABLE', reason, retryable: false };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `{status, code, message}`, or a stand-in when a proxy answered with something else. */
function readCamaraError(text: string): { code: string; message: string } {
  const body = parseJson(text) as { code?: unknown; message?: unknown } | undefined;
  // Operator messages end up in stored decisions: no number in clear, bounded length.
  const clean = (value: string, max: number) => redactPhoneNumbers(value.replace(/\s+/g, ' ').trim()).slice(0, max);
  if (body && typeof body === 'object' && typeof body.code === 'string') {
    return { code: clean(body.code, 96), message: typeof body.message === 'string' ? clean(body.message, MAX_MESSAGE) : '' };
  }
  return { code: '(no CAMARA error body)', message: clean(text, MAX_FOREIGN_BODY) };
}

/**
 * RFC 9110 Retry-After: delay-seconds, or an HTTP-date (turned into a delay from `nowMs`).
 * Returns milliseconds, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Date.parse reads bare numbers such as "1.5" as dates; an HTTP-date always has a day name.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
