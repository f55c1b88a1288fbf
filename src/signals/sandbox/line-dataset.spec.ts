import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '../../common/time/clock';
import {
  LineDatasetError,
  loadLineDataset,
  parseLineDataset,
  resolveCalendarDate,
  resolveTimePoint,
} from './line-dataset';

const NOW = new Date('2026-03-10T12:00:00Z');
const PHONE = '+34699123456';
const MASKED = '+34******456';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Parses `lines` and returns the refusal message; fails the test if the dataset is accepted. */
function refusal(lines: unknown[], source = 'lines.json'): string {
  try {
    parseLineDataset({ lines }, source, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(LineDatasetError);
    return (error as Error).message;
  }
  throw new Error('expected the dataset to be refused');
}

const line = (fields: Record<string, unknown>) => ({ phoneNumber: PHONE, subscriberSince: '2020-01-15', ...fields });

describe('parseLineDataset: valid entries', () => {
  it('keys lines by number and keeps contractType only when given', () => {
    const lines = parseLineDataset(
      { lines: [line({ contractType: 'PAYM' }), { phoneNumber: '+34699000002', subscriberSince: '-10d' }] },
      'lines.json',
      NOW,
    );
    expect([...lines.keys()]).toEqual([PHONE, '+34699000002']);
    expect(lines.get(PHONE)?.contractType).toBe('PAYM');
    expect(lines.get('+34699000002')?.contractType).toBeUndefined();
    expect(lines.get('+34699000002')?.latestSimChange).toBeUndefined();
  });

  it.each([
    ['subscriberSince', '2020-01-15', '2020-01-15T00:00:00.000Z'],
    ['subscriberSince', '2026-03-10', '2026-03-10T00:00:00.000Z'], // today is not the future
    ['subscriberSince', '-10d', '2026-02-28T12:00:00.000Z'],
    ['subscriberSince', '-36h', '2026-03-09T00:00:00.000Z'],
    ['latestSimChange', '2026-03-09T12:00:00Z', '2026-03-09T12:00:00.000Z'],
    ['latestSimChange', '2026-03-09T14:00:00+02:00', '2026-03-09T12:00:00.000Z'],
    ['latestSimChange', '2026-03-09T12:00Z', '2026-03-09T12:00:00.000Z'], // seconds optional
    ['latestSimChange', '2026-03-09T12:00:00.250Z', '2026-03-09T12:00:00.250Z'],
    ['latestSimChange', '2026-03-10T12:00:00Z', '2026-03-10T12:00:00.000Z'], // exactly now
    ['latestSimChange', '-0h', '2026-03-10T12:00:00.000Z'],
    ['latestDeviceChange', '2025-12-31', '2025-12-31T00:00:00.000Z'],
    ['latestDeviceChange', '-5h', '2026-03-10T07:00:00.000Z'],
  ])('accepts %s %j, which means %s', (field, value, expected) => {
    const parsed = parseLineDataset({ lines: [line({ [field]: value })] }, 'lines.json', NOW).get(PHONE);
    const point = parsed?.[field as 'subscriberSince' | 'latestSimChange' | 'latestDeviceChange'];
    expect(point && resolveTimePoint(point, NOW).toISOString()).toBe(expected);
  });

  it('accepts an empty dataset', () => {
    expect(parseLineDataset({ lines: [] }, 'lines.json', NOW).size).toBe(0);
  });
});

describe('relative dates resolve against the clock at query time, not at load', () => {
  it.each([
    ['-10d', 10 * DAY],
    ['-36h', 36 * HOUR],
  ])('%s stays %i ms before now as the clock advances', (value, offsetMs) => {
    const clock = new FixedClock(NOW);
    const point = parseLineDataset({ lines: [line({ latestSimChange: value })] }, 'x', clock.now()).get(PHONE)!
      .latestSimChange!;
    expect(resolveTimePoint(point, clock.now()).getTime()).toBe(NOW.getTime() - offsetMs);

    clock.set(new Date(NOW.getTime() + 30 * DAY));
    expect(resolveTimePoint(point, clock.now()).getTime()).toBe(NOW.getTime() + 30 * DAY - offsetMs);
  });

  it('gives the UTC calendar date of the resolved point', () => {
    const point = parseLineDataset({ lines: [line({ subscriberSince: '-36h' })] }, 'x', NOW).get(PHONE)!
      .subscriberSince;
    expect(resolveCalendarDate(point, NOW)).toBe('2026-03-09');
    expect(resolveCalendarDate(point, new Date('2026-03-11T11:59:59Z'))).toBe('2026-03-09');
    expect(resolveCalendarDate(point, new Date('2026-03-11T12:00:00Z'))).toBe('2026-03-10');
  });

  it('keeps absolute dates where they are', () => {
    const point = parseLineDataset({ lines: [line({})] }, 'x', NOW).get(PHONE)!.subscriberSince;
    expect(resolveCalendarDate(point, new Date('2030-01-01T00:00:00Z'))).toBe('2020-01-15');
  });
});

describe('parseLineDataset: refused entries', () => {
  it.each([
    ['missing subscriberSince', { phoneNumber: PHONE }, 'subscriberSince is required'],
    ['bad contractType', line({ contractType: 'Prepaid' }), 'contractType must be one of PAYG, PAYM, Business'],
    ['unknown field', line({ msisdn: 'x', imsi: 'y' }), 'unknown field(s): msisdn, imsi'],
    ['impossible date', line({ subscriberSince: '2026-02-30' }), 'subscriberSince must be a date YYYY-MM-DD'],
    ['non-ISO date', line({ subscriberSince: '15/01/2020' }), 'subscriberSince must be a date YYYY-MM-DD'],
    ['date-time where a date is due', line({ subscriberSince: '2020-01-15T00:00:00Z' }), 'subscriberSince must be a date'],
    ['unknown relative unit', line({ subscriberSince: '-10m' }), 'subscriberSince must be'],
    ['relative date in the future', line({ latestSimChange: '+10d' }), 'latestSimChange must be'],
    ['relative date with a space', line({ latestSimChange: '-10 d' }), 'latestSimChange must be'],
    ['bad month in a date-time', line({ latestSimChange: '2026-13-01T00:00:00Z' }), 'latestSimChange must be'],
    ['date-time without offset', line({ latestDeviceChange: '2026-03-09T12:00:00' }), 'latestDeviceChange must be'],
    ['free text date', line({ latestDeviceChange: 'yesterday' }), 'latestDeviceChange must be'],
    ['non-string date', line({ latestSimChange: 1741600000000 }), 'latestSimChange must be a string'],
    ['subscriberSince in the future', line({ subscriberSince: '2026-03-11' }), 'subscriberSince is in the future'],
    ['latestSimChange in the future', line({ latestSimChange: '2026-03-10T12:00:01Z' }), 'latestSimChange is in the future'],
    ['latestDeviceChange in the future', line({ latestDeviceChange: '2026-03-10T14:00:01+02:00' }), 'latestDeviceChange is in the future'],
  ])('%s: names the index, the masked number and the reason', (_label, entry, reason) => {
    const message = refusal([entry]);
    expect(message).toContain(`lines[0] (${MASKED}): ${reason}`);
    expect(message).not.toContain(PHONE);
  });

  it.each([
    ['no +', '34699123456', 'lines[0] (+34******456)'],
    ['spaces', '+34 699123456', 'lines[0] (+34*******456)'],
    ['too long', '+3469912345678901', 'lines[0] (+34***********901)'],
    ['not a string', 34699123456, 'lines[0]'],
  ])('refuses a bad phone number (%s), masked in the message', (_label, phoneNumber, label) => {
    const message = refusal([{ phoneNumber, subscriberSince: '2020-01-15' }]);
    expect(message).toContain(`${label}: phoneNumber must be E.164`);
    expect(message).not.toMatch(/699 ?123/);
  });

  it('refuses a duplicate number at its second occurrence', () => {
    const message = refusal([line({}), line({ subscriberSince: '2021-01-01' })]);
    expect(message).toContain(`lines[1] (${MASKED}): duplicate phoneNumber`);
    expect(message).not.toContain('lines[0]');
  });

  it.each([[null], [PHONE], [[PHONE, '2020-01-15']], [42]])('refuses the non-object entry %j', (entry) => {
    expect(refusal([entry])).toContain('lines[0]: an entry must be an object');
  });

  it('names an entry without a phone number by index alone', () => {
    expect(refusal([{ subscriberSince: '2020-01-15' }])).toContain('lines[0]: phoneNumber must be E.164');
  });

  it('reports every bad entry at once, and only the bad ones, under the source name', () => {
    const message = refusal(
      [
        line({}),
        { phoneNumber: '+34699000002' },
        { phoneNumber: '+34699000003', subscriberSince: '2020-01-15' },
        { phoneNumber: '+34699000004', subscriberSince: '2020-01-15', contractType: 'Gold' },
        line({ subscriberSince: '2019-01-01' }),
      ],
      'demo.json',
    );
    expect(message).toMatch(/^demo\.json: invalid sandbox line dataset/);
    expect(message).toContain('lines[1] (+34******002): subscriberSince is required');
    expect(message).toContain('lines[3] (+34******004): contractType must be one of');
    expect(message).toContain(`lines[4] (${MASKED}): duplicate phoneNumber`);
    expect(message).not.toMatch(/lines\[0\]|lines\[2\]/);
    expect(message).not.toMatch(/\+34699\d{6}/);
  });

  it.each([[null], [[]], [{}], [{ lines: {} }], [{ line: [] }]])('refuses %j that is not { "lines": [...] }', (json) => {
    expect(() => parseLineDataset(json, 'lines.json', NOW)).toThrow(
      new LineDatasetError('lines.json: expected an object { "lines": [ ... ] }'),
    );
  });

  // KNOWN DISCREPANCY (reported, src/ not changed): Date.parse rolls Feb 30 over to Mar 1, so an
  // impossible date-time is accepted. Turn this into a plain `it` once line-dataset.ts refuses it.
  it('refuses an impossible date-time such as 2026-02-30T10:00:00Z', () => {
    expect(refusal([line({ latestSimChange: '2026-02-30T10:00:00Z' })])).toContain('latestSimChange must be');
  });
});

describe('parseLineDataset: faults (for the standalone sandbox server)', () => {
  const faultsOf = (faults: unknown) => parseLineDataset({ lines: [line({ faults })] }, 'lines.json', NOW).get(PHONE)?.faults;

  it('keeps no faults on a line that has none', () => {
    expect(parseLineDataset({ lines: [line({})] }, 'lines.json', NOW).get(PHONE)).not.toHaveProperty('faults');
  });

  it.each([
    [{ latencyMs: 250 }],
    [{ status: 503 }],
    [{ status: 429, retryAfterS: 2 }],
    [{ status: 503, retryAfterS: 0 }],
    [{ status: 422, code: 'SERVICE_NOT_APPLICABLE' }],
    [{ status: 429, code: 'QUOTA_EXCEEDED' }],
    [{ drop: true }],
    [{ latencyMs: 60_000, drop: true, rate: 0.5, apis: ['sim-swap', 'kyc-tenure:check-tenure'] }],
    [{ latencyMs: 100, status: 504, rate: 0 }],
    [{}],
    [{ drop: false }],
  ])('accepts faults %j', (faults) => {
    expect(faultsOf(faults)).toEqual(faults);
  });

  it.each([
    ['unknown field', { status: 503, retries: 3 }, 'unknown field(s) in faults: retries'],
    ['not an object', [503], 'faults must be an object'],
    ['negative latency', { latencyMs: -1 }, 'faults.latencyMs must be an integer from 0 to 60000'],
    ['latency as text', { latencyMs: '50' }, 'faults.latencyMs must be an integer'],
    ['latency too long', { latencyMs: 60_001 }, 'faults.latencyMs must be an integer'],
    ['status without a CAMARA code', { status: 418 }, 'faults.status must be one of 400, 401, 403, 404, 422, 429, 500, 502, 503, 504'],
    ['status as text', { status: '503' }, 'faults.status must be one of'],
    ['code of another status', { status: 503, code: 'TIMEOUT' }, 'faults.code must be one of UNAVAILABLE for status 503'],
    ['code without status', { code: 'UNAVAILABLE' }, 'faults.code needs faults.status'],
    ['Retry-After on a 500', { status: 500, retryAfterS: 1 }, 'faults.retryAfterS needs faults.status 429 or 503'],
    ['fractional Retry-After', { status: 429, retryAfterS: 1.5 }, 'faults.retryAfterS must be an integer from 0 to 86400'],
    ['drop as text', { drop: 'yes' }, 'faults.drop must be true or false'],
    ['drop with a status', { drop: true, status: 503 }, 'faults.drop and faults.status exclude each other'],
    ['rate above 1', { status: 503, rate: 1.5 }, 'faults.rate must be a number from 0 to 1'],
    ['unknown API', { status: 503, apis: ['sim-swap', 'location-verification'] }, 'faults.apis must list one or more of kyc-tenure, kyc-tenure:check-tenure, number-recycling'],
    ['empty API list', { status: 503, apis: [] }, 'faults.apis must list one or more of'],
    ['a rate with nothing to apply', { rate: 0.5 }, 'faults.rate and faults.apis need a fault to apply'],
  ])('refuses %s, naming the index, the masked number and the field', (_label, faults, reason) => {
    const message = refusal([line({ faults })]);
    expect(message).toContain(`lines[0] (${MASKED}): `);
    expect(message).toContain(reason);
  });

  it('reports every problem of one entry\'s faults together', () => {
    const message = refusal([line({ faults: { latencyMs: -5, status: 418, extra: true } })]);
    expect(message).toContain('unknown field(s) in faults: extra');
    expect(message).toContain('faults.latencyMs must be');
    expect(message).toContain('faults.status must be');
  });
});

describe('parseLineDataset: consent (for the 3-legged flows of the sandbox server)', () => {
  const consentOf = (consent: unknown) => parseLineDataset({ lines: [line({ consent })] }, 'lines.json', NOW).get(PHONE)?.consent;

  it('keeps no consent on a line without one (granted by default)', () => {
    expect(parseLineDataset({ lines: [line({})] }, 'lines.json', NOW).get(PHONE)).not.toHaveProperty('consent');
  });

  it.each(['granted', 'denied', 'opted_out', { pendingSeconds: 0 }, { pendingSeconds: 2.5 }, { pendingSeconds: 3600 }])(
    'accepts consent %j',
    (consent) => {
      expect(consentOf(consent)).toEqual(consent);
    },
  );

  it.each([
    ['an unknown word', 'maybe'],
    ['a negative delay', { pendingSeconds: -1 }],
    ['a delay over an hour', { pendingSeconds: 3601 }],
    ['a delay as text', { pendingSeconds: '5' }],
    ['an extra field', { pendingSeconds: 5, then: 'denied' }],
    ['an array', ['granted']],
  ])('refuses %s, naming the index and the masked number', (_label, consent) => {
    const message = refusal([line({ consent })]);
    expect(message).toContain(`lines[0] (${MASKED}): `);
    expect(message).toMatch(/consent/);
  });
});

describe('loadLineDataset', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'line-dataset-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the bundled demo dataset', () => {
    const lines = loadLineDataset(join(__dirname, 'demo-lines.json'), NOW);
    expect(lines.size).toBe(6);
    expect(lines.get('+34600000001')?.contractType).toBe('PAYM');
  });

  it('refuses a missing file, naming it', () => {
    const file = join(dir, 'missing.json');
    expect(() => loadLineDataset(file, NOW)).toThrow(LineDatasetError);
    expect(() => loadLineDataset(file, NOW)).toThrow(`${file}: cannot read the sandbox line dataset`);
  });

  it('refuses a file that is not JSON, naming it', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "lines": [ ');
    expect(() => loadLineDataset(file, NOW)).toThrow(`${file}: cannot read the sandbox line dataset`);
  });

  it('refuses a file with a bad entry, naming the file and the entry', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ lines: [{ phoneNumber: PHONE }] }));
    expect(() => loadLineDataset(file, NOW)).toThrow(`${file}: invalid sandbox line dataset:\n  lines[0] (${MASKED})`);
  });
});
