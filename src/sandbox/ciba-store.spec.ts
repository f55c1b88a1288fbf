import { CibaStore } from './ciba-store';

/** CIBA's state machine, timed by a clock the test steps: no sleeping. */
describe('CibaStore', () => {
  const PHONE = '+34600000001';
  const SCOPES = ['openid', 'dpv:FraudPreventionAndDetection#sim-swap'];
  let now: number;
  let store: CibaStore;
  const advance = (ms: number) => {
    now += ms;
  };

  beforeEach(() => {
    now = 50_000;
    store = new CibaStore(() => now, { intervalS: 2, expiresInS: 120 });
  });

  it('answers bc-authorize with a fresh auth_req_id, expires_in and interval', () => {
    const first = store.start('client', PHONE, SCOPES, 'granted');
    const second = store.start('client', PHONE, SCOPES, 'granted');
    expect(first).toEqual({ authReqId: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), expiresIn: 120, interval: 2 });
    expect(second.authReqId).not.toBe(first.authReqId);
  });

  it('grants a consenting line at the first poll after the interval, then refuses the id', () => {
    const { authReqId } = store.start('client', PHONE, SCOPES, 'granted');
    advance(2000);
    expect(store.poll('client', authReqId)).toEqual({ status: 'granted', phoneNumber: PHONE, scopes: SCOPES });
    advance(2000);
    expect(store.poll('client', authReqId)).toMatchObject({ status: 'invalid_grant', description: expect.stringMatching(/already used/) });
  });

  it('stays pending until the consent delay has passed', () => {
    const { authReqId } = store.start('client', PHONE, SCOPES, { pendingSeconds: 5 });
    advance(2000);
    expect(store.poll('client', authReqId).status).toBe('authorization_pending');
    advance(2000);
    expect(store.poll('client', authReqId).status).toBe('authorization_pending');
    advance(1000); // 5 s after bc-authorize, but only 1 s after the last poll
    expect(store.poll('client', authReqId).status).toBe('slow_down');
    advance(7000); // the interval grew to 7 s
    expect(store.poll('client', authReqId).status).toBe('granted');
  });

  it('answers slow_down to a poll sooner than interval after bc-authorize, and adds 5 s to the interval', () => {
    const { authReqId } = store.start('client', PHONE, SCOPES, 'granted');
    advance(1999);
    expect(store.poll('client', authReqId)).toMatchObject({ status: 'slow_down', description: expect.stringContaining('7 s') });
    advance(6999);
    expect(store.poll('client', authReqId)).toMatchObject({ status: 'slow_down', description: expect.stringContaining('12 s') });
    advance(12_000);
    expect(store.poll('client', authReqId).status).toBe('granted');
  });

  it('never answers slow_down with an interval of 0', () => {
    const fast = new CibaStore(() => now, { intervalS: 0, expiresInS: 120 });
    const { authReqId } = fast.start('client', PHONE, SCOPES, { pendingSeconds: 1 });
    expect(fast.poll('client', authReqId).status).toBe('authorization_pending');
    expect(fast.poll('client', authReqId).status).toBe('authorization_pending');
    advance(1000);
    expect(fast.poll('client', authReqId).status).toBe('granted');
  });

  it('answers access_denied for a line that denies, once', () => {
    const { authReqId } = store.start('client', PHONE, SCOPES, 'denied');
    advance(2000);
    expect(store.poll('client', authReqId).status).toBe('access_denied');
    advance(2000);
    expect(store.poll('client', authReqId).status).toBe('invalid_grant');
  });

  it('answers expired_token once expires_in has passed, even if consent came meanwhile', () => {
    const { authReqId } = store.start('client', PHONE, SCOPES, { pendingSeconds: 200 });
    advance(119_999);
    expect(store.poll('client', authReqId).status).toBe('authorization_pending');
    advance(1);
    expect(store.poll('client', authReqId).status).toBe('expired_token');
  });

  it('answers invalid_grant for an unknown auth_req_id or another client\'s', () => {
    const { authReqId } = store.start('client', PHONE, SCOPES, 'granted');
    advance(2000);
    expect(store.poll('client', 'made-up').status).toBe('invalid_grant');
    expect(store.poll('someone-else', authReqId).status).toBe('invalid_grant');
    expect(store.poll('client', authReqId).status).toBe('granted');
  });
});
