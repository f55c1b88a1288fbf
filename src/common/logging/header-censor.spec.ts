import { censorAuthorization } from './header-censor';
import { StructuredLogger } from './structured-logger';

describe('censorAuthorization', () => {
  it.each([
    ['headers', { headers: { authorization: 'Bearer op-token', accept: 'application/json' } }, { headers: { authorization: '[redacted]', accept: 'application/json' } }],
    ['req.headers', { req: { method: 'GET', headers: { authorization: 'Basic dTpw' } } }, { req: { method: 'GET', headers: { authorization: '[redacted]' } } }],
    ['any field.headers', { upstream: { headers: { authorization: 'x' } }, n: 1 }, { upstream: { headers: { authorization: '[redacted]' } }, n: 1 }],
    [
      'several at once',
      { headers: { authorization: 'a' }, req: { headers: { authorization: 'b' } } },
      { headers: { authorization: '[redacted]' }, req: { headers: { authorization: '[redacted]' } } },
    ],
  ])('censors %s.authorization, and leaves the caller\'s object as it was', (_where, fields, expected) => {
    const before = structuredClone(fields);
    expect(censorAuthorization(fields)).toEqual(expected);
    expect(fields).toEqual(before);
  });

  it.each([
    ['no headers', { context: 'AccessLog', http: { status: 200 } }],
    ['headers without authorization', { headers: { accept: '*/*' } }],
    ['deeper than one level', { a: { b: { headers: { authorization: 'x' } } } }],
    ['a string headers field', { headers: 'authorization: x' }],
  ])('answers a line with %s as it is, copying nothing', (_what, fields) => {
    expect(censorAuthorization(fields)).toBe(fields);
  });

  it('is what the service logger applies to every line', () => {
    const lines: string[] = [];
    const logger = new StructuredLogger({ level: 'info', format: 'json', sink: { write: (line) => lines.push(line) } });
    logger.pino.info({ req: { headers: { authorization: 'Bearer op-token-123' } } }, 'upstream call');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ msg: 'upstream call', req: { headers: { authorization: '[redacted]' } } });
    expect(lines[0]).not.toContain('op-token-123');
  });
});
