import { firstUuidv7At, UUID_PATTERN, uuidv7 } from './uuid7';

/** RFC 9562: version 7 in the 13th hex digit, variant 10 in the 17th. */
const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisecondOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('uuidv7', () => {
  it('makes RFC 9562 version 7 ids in the lower-case form UUID_PATTERN accepts', () => {
    for (const id of [uuidv7(), uuidv7(0), uuidv7(1_781_524_800_123), uuidv7(2 ** 48 - 1)]) {
      expect(id).toMatch(UUIDV7);
      expect(id).toMatch(UUID_PATTERN);
    }
  });

  it('carries the millisecond it is given, or the current one', () => {
    expect(millisecondOf(uuidv7(1_781_524_800_123))).toBe(1_781_524_800_123);
    const before = Date.now();
    const made = millisecondOf(uuidv7());
    expect(made).toBeGreaterThanOrEqual(before);
    expect(made).toBeLessThanOrEqual(Date.now());
  });

  // The decision list pages newest first by id: decisions made in one millisecond keep their order.
  it.each([
    ['given the same millisecond (a fixed clock)', () => uuidv7(1_781_524_800_000)],
    ['on its own clock', () => uuidv7()],
  ])('orders ids made one after another %s', (_label, make) => {
    const ids = Array.from({ length: 2000 }, make);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('orders ids by their millisecond first', () => {
    const times = [1_781_524_800_000, 1_781_524_800_001, 1_781_524_801_000, 1_781_611_200_000];
    // Made newest first, so the order cannot come from the sequence.
    const ids = [...times].reverse().map((ms) => uuidv7(ms));
    expect([...ids].sort()).toEqual([...ids].reverse());
  });
});

describe('firstUuidv7At', () => {
  // Time filters on decisions rely on it: id >= firstUuidv7At(t) exactly when the id was made at or after t.
  it.each([0, 1, 1_781_524_800_000, 1_781_524_800_999, 2 ** 48 - 2])('orders every UUIDv7 of millisecond %d between its bound and the next one', (ms) => {
    const bound = firstUuidv7At(new Date(ms));
    const next = firstUuidv7At(new Date(ms + 1));
    for (let i = 0; i < 50; i += 1) {
      const id = uuidv7(ms);
      expect(id >= bound && id < next).toBe(true);
    }
    if (ms > 0) expect(uuidv7(ms - 1) < bound).toBe(true);
  });

  it('clamps instants outside the 48-bit millisecond range', () => {
    expect(firstUuidv7At(new Date(-1))).toBe('00000000-0000-7000-8000-000000000000');
    expect(firstUuidv7At(new Date(8.64e15))).toBe('ffffffff-ffff-7000-8000-000000000000');
  });
});
