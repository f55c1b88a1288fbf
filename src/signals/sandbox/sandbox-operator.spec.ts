import { FixedClock } from '../../common/time/clock';
import { CamaraResult } from '../camara-result';
import { SwapCheckAnswer, SwapCheckQuery, SwapDateQuery } from '../sim-swap/sim-swap.signal';
import { parseLineDataset } from './line-dataset';
import { SandboxOperator } from './sandbox-operator';

const NOW = new Date('2026-03-10T12:00:00Z'); // "today" is 2026-03-10
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const HOLDER = '+34699000001'; // subscriberSince 2020-06-15, PAYM, SIM and device changed 24 h ago
const NO_DATA = '+34699000002'; // subscriberSince 2018-09-09, no contractType, no SIM or device data
const RELATIVE = '+34699000003'; // everything relative to now
const UNKNOWN = '+34699999999';

function operatorAt(now: Date = NOW): { operator: SandboxOperator; clock: FixedClock } {
  const clock = new FixedClock(now);
  const lines = parseLineDataset(
    {
      lines: [
        {
          phoneNumber: HOLDER,
          subscriberSince: '2020-06-15',
          contractType: 'PAYM',
          latestSimChange: '2026-03-09T12:00:00Z',
          latestDeviceChange: '2026-03-09T14:00:00+02:00', // 2026-03-09T12:00:00Z
        },
        { phoneNumber: NO_DATA, subscriberSince: '2018-09-09' },
        { phoneNumber: RELATIVE, subscriberSince: '-10d', latestSimChange: '-36h', latestDeviceChange: '-36h' },
      ],
    },
    'test-lines.json',
    clock.now(),
  );
  return { operator: new SandboxOperator(lines, clock), clock };
}

const error = (status: number, code: string) => expect.objectContaining({ ok: false, status, code });

describe('SandboxOperator KYC Tenure', () => {
  const { operator } = operatorAt();

  it.each([
    ['2020-06-15', true, 'on subscriberSince'],
    ['2020-06-14', false, 'one day before subscriberSince'],
    ['2020-06-16', true, 'one day after subscriberSince'],
    ['2019-01-01', false, 'long before subscriberSince'],
    ['2026-03-10', true, 'today'],
  ])('tenureDate %s -> tenureDateCheck %s (%s)', (tenureDate, expected) => {
    expect(operator.checkTenure({ phoneNumber: HOLDER, tenureDate })).toEqual({
      ok: true,
      body: { tenureDateCheck: expected, contractType: 'PAYM' },
    });
  });

  it('omits contractType when the dataset has none', () => {
    const result = operator.checkTenure({ phoneNumber: NO_DATA, tenureDate: '2020-01-01' });
    expect(result).toEqual({ ok: true, body: { tenureDateCheck: true } });
    expect(result.ok && result.body).not.toHaveProperty('contractType');
  });

  it.each(['2026-03-11', '2027-01-01'])('refuses the future tenureDate %s with 400 OUT_OF_RANGE', (tenureDate) => {
    expect(operator.checkTenure({ phoneNumber: HOLDER, tenureDate })).toEqual(error(400, 'OUT_OF_RANGE'));
  });

  it('judges "future" by the UTC calendar date of now', () => {
    const { operator: lateEvening } = operatorAt(new Date('2026-03-10T23:59:59Z'));
    expect(lateEvening.checkTenure({ phoneNumber: HOLDER, tenureDate: '2026-03-10' }).ok).toBe(true);
    expect(lateEvening.checkTenure({ phoneNumber: HOLDER, tenureDate: '2026-03-11' })).toEqual(
      error(400, 'OUT_OF_RANGE'),
    );
  });

  it('answers 404 IDENTIFIER_NOT_FOUND for a number it does not serve', () => {
    expect(operator.checkTenure({ phoneNumber: UNKNOWN, tenureDate: '2020-01-01' })).toEqual(
      error(404, 'IDENTIFIER_NOT_FOUND'),
    );
  });
});

describe('SandboxOperator Number Recycling', () => {
  const { operator } = operatorAt();

  it.each([
    ['2020-06-15', false, 'on subscriberSince: not a change'],
    ['2020-06-14', true, 'one day before subscriberSince'],
    ['2020-06-16', false, 'one day after subscriberSince'],
    ['2026-03-10', false, 'today'],
  ])('specifiedDate %s -> phoneNumberRecycled %s (%s)', (specifiedDate, expected) => {
    expect(operator.checkNumberRecycling({ phoneNumber: HOLDER, specifiedDate })).toEqual({
      ok: true,
      body: { phoneNumberRecycled: expected },
    });
  });

  it.each(['2026-03-11', '2030-12-31'])('refuses the future specifiedDate %s with 400 OUT_OF_RANGE', (specifiedDate) => {
    expect(operator.checkNumberRecycling({ phoneNumber: HOLDER, specifiedDate })).toEqual(error(400, 'OUT_OF_RANGE'));
  });

  it('answers 404 IDENTIFIER_NOT_FOUND for a number it does not serve', () => {
    expect(operator.checkNumberRecycling({ phoneNumber: UNKNOWN, specifiedDate: '2020-01-01' })).toEqual(
      error(404, 'IDENTIFIER_NOT_FOUND'),
    );
  });
});

type SwapCheck = (operator: SandboxOperator, query: SwapCheckQuery) => CamaraResult<SwapCheckAnswer>;
type SwapDate = (operator: SandboxOperator, query: SwapDateQuery) => CamaraResult<unknown>;

describe.each<[string, SwapCheck, SwapDate, string]>([
  ['SIM Swap', (o, q) => o.checkSimSwap(q), (o, q) => o.retrieveSimSwapDate(q), 'latestSimChange'],
  ['Device Swap', (o, q) => o.checkDeviceSwap(q), (o, q) => o.retrieveDeviceSwapDate(q), 'latestDeviceChange'],
])('SandboxOperator %s', (_api, check, retrieveDate, dateField) => {
  const { operator } = operatorAt(); // HOLDER's change was exactly 24 h ago

  it.each([
    [24, true, 'change exactly maxAge ago: inclusive'],
    [23, false, 'change one hour older than maxAge'],
    [25, true, 'change within maxAge'],
    [1, false, 'minimum maxAge'],
    [2400, true, 'maximum maxAge'],
  ])('maxAge %i -> swapped %s (%s)', (maxAge, swapped) => {
    expect(check(operator, { phoneNumber: HOLDER, maxAge })).toEqual({ ok: true, body: { swapped } });
  });

  it('is inclusive to the millisecond', () => {
    const { operator: oneMsLater } = operatorAt(new Date(NOW.getTime() + 1));
    expect(check(oneMsLater, { phoneNumber: HOLDER, maxAge: 24 })).toEqual({ ok: true, body: { swapped: false } });
  });

  it.each([0, 2401, 1.5, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses maxAge %p with 400 OUT_OF_RANGE',
    (maxAge) => {
      expect(check(operator, { phoneNumber: HOLDER, maxAge })).toEqual(error(400, 'OUT_OF_RANGE'));
    },
  );

  it('retrieve-date answers the change as an ISO 8601 UTC date-time', () => {
    expect(retrieveDate(operator, { phoneNumber: HOLDER })).toEqual({
      ok: true,
      body: { [dateField]: '2026-03-09T12:00:00.000Z' },
    });
  });

  it('answers 404 IDENTIFIER_NOT_FOUND for a number it does not serve, on check and retrieve-date', () => {
    expect(check(operator, { phoneNumber: UNKNOWN, maxAge: 24 })).toEqual(error(404, 'IDENTIFIER_NOT_FOUND'));
    expect(retrieveDate(operator, { phoneNumber: UNKNOWN })).toEqual(error(404, 'IDENTIFIER_NOT_FOUND'));
  });

  it('answers from the current clock: an absolute change ages out as time passes', () => {
    const { operator: op, clock } = operatorAt();
    expect(check(op, { phoneNumber: HOLDER, maxAge: 48 })).toEqual({ ok: true, body: { swapped: true } });
    clock.set(new Date(NOW.getTime() + 24 * HOUR + 1));
    expect(check(op, { phoneNumber: HOLDER, maxAge: 48 })).toEqual({ ok: true, body: { swapped: false } });
  });
});

describe('SandboxOperator lines without swap data', () => {
  const { operator } = operatorAt();

  it('SIM Swap: a line never paired with a SIM is not swapped, and its date is null', () => {
    expect(operator.checkSimSwap({ phoneNumber: NO_DATA, maxAge: 2400 })).toEqual({ ok: true, body: { swapped: false } });
    expect(operator.retrieveSimSwapDate({ phoneNumber: NO_DATA })).toEqual({ ok: true, body: { latestSimChange: null } });
  });

  it('Device Swap: a line with no device data is 422 SERVICE_NOT_APPLICABLE on check and retrieve-date', () => {
    expect(operator.checkDeviceSwap({ phoneNumber: NO_DATA, maxAge: 24 })).toEqual(error(422, 'SERVICE_NOT_APPLICABLE'));
    expect(operator.retrieveDeviceSwapDate({ phoneNumber: NO_DATA })).toEqual(error(422, 'SERVICE_NOT_APPLICABLE'));
  });
});

describe('SandboxOperator relative dataset dates resolve at query time', () => {
  it('Tenure: a line "-10d" old loses tenure for a fixed date as the clock advances', () => {
    const { operator, clock } = operatorAt(); // subscriberSince = 2026-02-28
    expect(operator.checkTenure({ phoneNumber: RELATIVE, tenureDate: '2026-03-01' })).toEqual({
      ok: true,
      body: { tenureDateCheck: true },
    });
    clock.set(new Date(NOW.getTime() + 10 * DAY)); // subscriberSince = 2026-03-10
    expect(operator.checkTenure({ phoneNumber: RELATIVE, tenureDate: '2026-03-01' })).toEqual({
      ok: true,
      body: { tenureDateCheck: false },
    });
  });

  it('Number Recycling: a line "-10d" old becomes recycled after a fixed date as the clock advances', () => {
    const { operator, clock } = operatorAt();
    const query = { phoneNumber: RELATIVE, specifiedDate: '2026-03-05' };
    expect(operator.checkNumberRecycling(query)).toEqual({ ok: true, body: { phoneNumberRecycled: false } });
    clock.set(new Date(NOW.getTime() + 10 * DAY));
    expect(operator.checkNumberRecycling(query)).toEqual({ ok: true, body: { phoneNumberRecycled: true } });
  });

  it('Swaps: a change "-36h" ago stays 36 h ago, and its retrieved date moves with the clock', () => {
    const { operator, clock } = operatorAt();
    expect(operator.retrieveSimSwapDate({ phoneNumber: RELATIVE })).toEqual({
      ok: true,
      body: { latestSimChange: '2026-03-09T00:00:00.000Z' },
    });
    clock.set(new Date(NOW.getTime() + 30 * DAY));
    expect(operator.retrieveSimSwapDate({ phoneNumber: RELATIVE })).toEqual({
      ok: true,
      body: { latestSimChange: '2026-04-08T00:00:00.000Z' },
    });
    expect(operator.retrieveDeviceSwapDate({ phoneNumber: RELATIVE })).toEqual({
      ok: true,
      body: { latestDeviceChange: '2026-04-08T00:00:00.000Z' },
    });
    for (const [maxAge, swapped] of [[36, true], [35, false]] as const) {
      expect(operator.checkSimSwap({ phoneNumber: RELATIVE, maxAge })).toEqual({ ok: true, body: { swapped } });
      expect(operator.checkDeviceSwap({ phoneNumber: RELATIVE, maxAge })).toEqual({ ok: true, body: { swapped } });
    }
  });
});
