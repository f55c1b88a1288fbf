import { redactSecrets } from './log-redaction';

const KEY = `lt_0123456789abcdef_${'A1b2-C3d4_'.repeat(4)}xyz`;

describe('redactSecrets', () => {
  it.each([
    ['lookup of +34611000001 failed', 'lookup of +34******001 failed'],
    ['GET /v1/decisions?phoneNumber=%2B34611000001', 'GET /v1/decisions?phoneNumber=%2B34******001'],
    ['lower case encoding %2b34611000001', 'lower case encoding %2B34******001'],
    // A run longer than E.164 allows is masked whole, in clear and URL-encoded alike.
    ['digits +34611000001987654', 'digits +34************654'],
    ['q=%2B34611000001987654', 'q=%2B34************654'],
    [`Bearer ${KEY}`, 'Bearer lt_0123456789abcdef_[redacted]'],
    [`{"msg":"key ${KEY} for +34611000001"}`, '{"msg":"key lt_0123456789abcdef_[redacted] for +34******001"}'],
    ['decision 019ecb27 scored 65 at 2026-06-15T12:00:00.000Z', 'decision 019ecb27 scored 65 at 2026-06-15T12:00:00.000Z'],
  ])('%s -> %s', (text, redacted) => {
    expect(redactSecrets(text)).toBe(redacted);
  });
});
