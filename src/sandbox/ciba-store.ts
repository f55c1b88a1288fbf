import { randomBytes } from 'node:crypto';
import { SandboxConsent } from '../signals/sandbox/line-dataset';

/** OpenID CIBA core 11: a client told to slow down must add at least 5 s to its interval. */
export const SLOW_DOWN_STEP_MS = 5000;

export interface CibaTiming {
  intervalS: number;
  expiresInS: number;
}

interface AuthRequest {
  clientId: string;
  phoneNumber: string;
  scopes: readonly string[];
  consent: SandboxConsent;
  startedAt: number;
  /** The last poll, or the bc-authorize call before any poll. */
  lastPollAt: number;
  intervalMs: number;
  expiresAt: number;
  /** Answered for good (token issued, or access denied): later polls are invalid_grant. */
  finished: boolean;
}

export type CibaPoll =
  | { status: 'granted'; phoneNumber: string; scopes: readonly string[] }
  | { status: 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant'; description: string };

/**
 * CIBA poll mode's authentication requests and the subscriber's pretend answer, from the line's
 * consent. Timed by `ticks`, a monotonic clock in milliseconds: unit tests step it by hand,
 * and a dataset clock pinned to a date cannot stall it.
 */
export class CibaStore {
  private readonly requests = new Map<string, AuthRequest>();

  constructor(
    private readonly ticks: () => number,
    private readonly timing: CibaTiming,
  ) {}

  /** bc-authorize accepted: the subscriber is being asked (opted-out lines are refused before). */
  start(clientId: string, phoneNumber: string, scopes: readonly string[], consent: SandboxConsent): { authReqId: string; expiresIn: number; interval: number } {
    const now = this.ticks();
    this.forgetOld(now);
    const authReqId = randomBytes(24).toString('base64url');
    this.requests.set(authReqId, {
      clientId,
      phoneNumber,
      scopes,
      consent,
      startedAt: now,
      lastPollAt: now,
      intervalMs: this.timing.intervalS * 1000,
      expiresAt: now + this.timing.expiresInS * 1000,
      finished: false,
    });
    return { authReqId, expiresIn: this.timing.expiresInS, interval: this.timing.intervalS };
  }

  /** One token request with this auth_req_id (CIBA core 10.1, errors of 11). */
  poll(clientId: string, authReqId: string): CibaPoll {
    const now = this.ticks();
    const request = this.requests.get(authReqId);
    if (!request || request.clientId !== clientId) {
      // Another client's auth_req_id is as unknown to this client as a made-up one.
      return { status: 'invalid_grant', description: 'unknown auth_req_id' };
    }
    if (request.finished) return { status: 'invalid_grant', description: 'auth_req_id already used: start a new bc-authorize' };
    if (now >= request.expiresAt) return { status: 'expired_token', description: 'the authentication request has expired: start a new bc-authorize' };
    const sinceLast = now - request.lastPollAt;
    request.lastPollAt = now;
    if (sinceLast < request.intervalMs) {
      request.intervalMs += SLOW_DOWN_STEP_MS;
      return { status: 'slow_down', description: `polled too soon: wait at least ${request.intervalMs / 1000} s between polls` };
    }
    const { consent } = request;
    if (consent === 'denied' || consent === 'opted_out') {
      request.finished = true;
      return { status: 'access_denied', description: 'the subscriber denied consent' };
    }
    const pendingMs = consent === 'granted' ? 0 : consent.pendingSeconds * 1000;
    if (now - request.startedAt < pendingMs) {
      return { status: 'authorization_pending', description: 'the subscriber has not answered yet' };
    }
    request.finished = true;
    return { status: 'granted', phoneNumber: request.phoneNumber, scopes: request.scopes };
  }

  /** Keeps finished and expired requests one more lifetime, to answer them meaningfully meanwhile. */
  private forgetOld(now: number): void {
    const horizon = now - this.timing.expiresInS * 1000;
    for (const [id, request] of this.requests) if (request.expiresAt < horizon) this.requests.delete(id);
  }
}
