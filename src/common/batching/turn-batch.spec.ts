import { TurnBatch } from './turn-batch';

describe('TurnBatch', () => {
  it('serves the requests of one turn with one call, each with its own answer', async () => {
    const calls: number[][] = [];
    const batch = new TurnBatch<number, number>(async (items) => {
      calls.push(items);
      return items.map((n) => n * 10);
    });
    expect(await Promise.all([1, 2, 3].map((n) => batch.request(n)))).toEqual([10, 20, 30]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('starts a new batch for requests made after the first was sent', async () => {
    const calls: number[][] = [];
    const batch = new TurnBatch<number, number>(async (items) => {
      calls.push(items);
      return items;
    });
    await batch.request(1);
    await Promise.all([batch.request(2), batch.request(3)]);
    expect(calls).toEqual([[1], [2, 3]]);
  });

  it('splits a large turn into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    const batch = new TurnBatch<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 2);
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => batch.request(n)))).toEqual([1, 2, 3, 4, 5]);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('rejects every request of a failed batch with its error, and serves the next turn', async () => {
    let fail = true;
    const batch = new TurnBatch<number, number>(async (items) => {
      if (fail) throw new Error('database down');
      return items;
    });
    const failed = await Promise.allSettled([batch.request(1), batch.request(2)]);
    expect(failed.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual(['database down', 'database down']);
    fail = false;
    expect(await batch.request(3)).toBe(3);
  });
});
