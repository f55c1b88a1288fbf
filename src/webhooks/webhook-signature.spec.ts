import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { PACKAGE_ROOT } from '../config/package-root';
import { generateSigningSecret, signatureHeader, verifySignature } from './webhook-signature';

describe('webhook signatures', () => {
  const secret = 'whsec_test-secret';
  const body = JSON.stringify({ id: '01a20149-7354-70d1-94a1-d52bc3b0c889', type: 'decision.created', data: { outcome: 'BLOCK' } });
  const at = new Date('2026-12-01T10:00:00.750Z');
  const header = signatureHeader(secret, body, at);

  it('signs "<t>.<body>" with HMAC-SHA256, t in whole Unix seconds (Stripe style)', () => {
    const t = Math.floor(at.getTime() / 1000);
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
  });

  it('verifies a fresh signature', () => {
    expect(verifySignature(secret, header, body, 300, new Date(at.getTime() + 60_000))).toEqual({ valid: true, timestamp: Math.floor(at.getTime() / 1000) });
  });

  it.each<[string, string, string, string, Date]>([
    ['a tampered body', secret, header, body.replace('BLOCK', 'ALLOW'), at],
    ['a body with a byte added (re-serialised JSON)', secret, header, `${body} `, at],
    ['the wrong secret', 'whsec_other', header, body, at],
    ['a timestamp changed without re-signing', secret, header.replace(/^t=(\d+)/, (_m, t: string) => `t=${Number(t) + 1}`), body, at],
  ])('refuses %s as a mismatch', (_name, key, signed, received, now) => {
    expect(verifySignature(key, signed, received, 300, now)).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('refuses a signature older than the tolerance (a captured request replayed), and one too far in the future', () => {
    expect(verifySignature(secret, header, body, 300, new Date(at.getTime() + 301_000))).toEqual({ valid: false, reason: 'too old' });
    expect(verifySignature(secret, header, body, 300, new Date(at.getTime() + 299_000)).valid).toBe(true);
    expect(verifySignature(secret, header, body, 300, new Date(at.getTime() - 302_000))).toEqual({ valid: false, reason: 'in the future' });
  });

  it.each(['', 'v1=abc', 't=1', 't=abc,v1=' + 'a'.repeat(64), `t=1,t=2,v1=${'a'.repeat(64)}`, `t=1,v1=${'z'.repeat(64)}`])('refuses the malformed header %p', (bad) => {
    expect(verifySignature(secret, bad, body, 300, at)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('accepts any of several v1 signatures (a receiver rotating its secret gets both)', () => {
    const other = signatureHeader('whsec_old', body, at).split(',')[1];
    expect(verifySignature(secret, `${header},${other}`, body, 300, at).valid).toBe(true);
  });

  it('makes distinct secrets with a recognisable prefix', () => {
    const a = generateSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateSigningSecret()).not.toBe(a);
  });

  it.each([['docs/webhooks.md'], ['README.md']])("agrees with the receiver snippet of %s (plain Node crypto), which must stay true", (file) => {
    const doc = readFileSync(join(PACKAGE_ROOT, file), 'utf8');
    const snippet = /```js\n\/\/ verify-webhook\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(snippet).toBeDefined();
    const context: Record<string, unknown> = { require, Buffer };
    runInNewContext(`${snippet}\nthis.verify = verifyLineTrust;`, context);
    const verify = context.verify as (secret: string, header: string, body: string) => boolean;
    const now = new Date();
    expect(verify(secret, signatureHeader(secret, body, now), body)).toBe(true);
    expect(verify(secret, signatureHeader(secret, body, now), body.replace('BLOCK', 'ALLOW'))).toBe(false);
    expect(verify('whsec_other', signatureHeader(secret, body, now), body)).toBe(false);
    expect(verify(secret, signatureHeader(secret, body, new Date(now.getTime() - 301_000)), body)).toBe(false);
    expect(verify(secret, 'garbage', body)).toBe(false);
  });
});
