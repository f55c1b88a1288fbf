import { firstUuidv7At, uuidv7 } from './uuid7';

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
