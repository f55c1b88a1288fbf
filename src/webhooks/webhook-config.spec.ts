import { validateConfig } from '../config/app-config';

describe('webhook settings', () => {
  it('defaults to delivery on, https only, no private networks, 8 attempts over about an hour', () => {
    expect(validateConfig({})).toMatchObject({
      WEBHOOK_DELIVERY: 'on',
      WEBHOOK_ALLOW_HTTP: false,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: false,
      WEBHOOK_MAX_ATTEMPTS: 8,
      WEBHOOK_BACKOFF_BASE_MS: 30_000,
      WEBHOOK_BACKOFF_CAP_MS: 3_600_000,
      WEBHOOK_DISABLE_AFTER: 5,
      WEBHOOK_POLL_MS: 1000,
      WEBHOOK_REFRESH_MS: 5000,
      WEBHOOK_TIMEOUT_MS: 5000,
    });
  });

  it('reads the allow flags as true/false or 1/0', () => {
    expect(validateConfig({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' })).toMatchObject({ WEBHOOK_ALLOW_HTTP: true, WEBHOOK_ALLOW_PRIVATE_NETWORKS: true });
    expect(validateConfig({ WEBHOOK_ALLOW_HTTP: 'false', WEBHOOK_ALLOW_PRIVATE_NETWORKS: '0' })).toMatchObject({ WEBHOOK_ALLOW_HTTP: false, WEBHOOK_ALLOW_PRIVATE_NETWORKS: false });
  });

  it.each([
    [{ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes' }, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS must be true or false'],
    [{ WEBHOOK_DELIVERY: 'paused' }, 'WEBHOOK_DELIVERY'],
    [{ WEBHOOK_MAX_ATTEMPTS: '0' }, 'WEBHOOK_MAX_ATTEMPTS'],
    [{ WEBHOOK_BACKOFF_BASE_MS: '60000', WEBHOOK_BACKOFF_CAP_MS: '1000' }, 'WEBHOOK_BACKOFF_CAP_MS must be at least WEBHOOK_BACKOFF_BASE_MS'],
  ])('stops start-up on %p, naming the variable', (env, message) => {
    expect(() => validateConfig(env)).toThrow(message);
  });
});
