import { GroupCommit } from './group-commit';
import { Deadline, DeadlineExceededError, WriteAttempt } from './write-attempt';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A database whose writes each wait until the test commits (or fails) them. */
function controlledDatabase() {
  const many: { items: string[]; done: Deferred }[] = [];
  const one: { item: string; done: Deferred }[] = [];
  const writeMany = jest.fn((items: string[]) => {
    const done = deferred();
    many.push({ items: [...items], done });
    return done.promise;
  });
  const writeOne = jest.fn((item: string) => {
    const done = deferred();
    one.push({ item, done });
    return done.promise;
  });
  return { many, one, writeMany, writeOne };
}

/** Tracks whether a write() promise has settled, and how. */
function track(promise: Promise<void>) {
  const state: { settled: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { settled: 'pending' };
  promise.then(
    () => (state.settled = 'resolved'),
    (error) => Object.assign(state, { settled: 'rejected', error }),
  );
  return state;
}

describe('GroupCommit', () => {
  it('writes a lone item with writeOne once the current event-loop turn ends', async () => {
    const db = controlledDatabase();
    const commit = new GroupCommit(db.writeMany, db.writeOne);
    const a = track(commit.write('a'));
    expect(db.writeOne).not.toHaveBeenCalled();
    await settle();
    expect(db.one.map((w) => w.item)).toEqual(['a']);
    db.one[0].done.resolve();
    await settle();
    expect(a.settled).toBe('resolved');
    expect(db.writeMany).not.toHaveBeenCalled();
  });

  it('commits writes issued in the same turn together, in ONE writeMany call', async () => {
    const db = controlledDatabase();
    const commit = new GroupCommit(db.writeMany, db.writeOne);
    const writes = ['a', 'b', 'c'].map((item) => track(commit.write(item)));
    await settle();
    expect(db.writeMany).toHaveBeenCalledTimes(1);
    expect(db.many[0].items).toEqual(['a', 'b', 'c']);
    expect(db.writeOne).not.toHaveBeenCalled();
    db.many[0].done.resolve();
    await commit.drained();
    expect(writes.map((w) => w.settled)).toEqual(['resolved', 'resolved', 'resolved']);
  });

  it('queues writes issued while a batch is in flight and commits them together next', async () => {
    const db = controlledDatabase();
    const commit = new GroupCommit(db.writeMany, db.writeOne);
    const first = track(commit.write('a'));
    await settle();
    const rest = ['b', 'c', 'd'].map((item) => track(commit.write(item)));
    await settle();
    expect(db.writeMany).not.toHaveBeenCalled();

    db.one[0].done.resolve();
    await settle();
    expect(first.settled).toBe('resolved');
    expect(db.writeMany).toHaveBeenCalledTimes(1);
    expect(db.many[0].items).toEqual(['b', 'c', 'd']);
    expect(rest.map((r) => r.settled)).toEqual(['pending', 'pending', 'pending']);

    db.many[0].done.resolve();
    await commit.drained();
    expect(rest.map((r) => r.settled)).toEqual(['resolved', 'resolved', 'resolved']);
  });

  it('resolves each write() only after the write holding its item committed', async () => {
    const db = controlledDatabase();
    const commit = new GroupCommit(db.writeMany, db.writeOne);
    const a = track(commit.write('a'));
    const b = track(commit.write('b'));
    await settle();
    const c = track(commit.write('c'));
    await settle();
    expect([a.settled, b.settled, c.settled]).toEqual(['pending', 'pending', 'pending']);

    db.many[0].done.resolve();
    await settle();
    expect([a.settled, b.settled, c.settled]).toEqual(['resolved', 'resolved', 'pending']);
    expect(db.one.map((w) => w.item)).toEqual(['c']);

    db.one[0].done.resolve();
    await commit.drained();
    expect(c.settled).toBe('resolved');
  });

  it('retries a failed batch item by item, so only the bad item rejects', async () => {
    const db = controlledDatabase();
    const commit = new GroupCommit(db.writeMany, db.writeOne);
    const batch = ['b', 'bad', 'c'].map((item) => track(commit.write(item)));
    await settle();

    db.many[0].done.reject(new Error('constraint violated'));
    await settle();
    // Retried one at a time: the next item is written only once the previous one is settled.
    expect(db.one.map((w) => w.item)).toEqual(['b']);
    expect(batch.map((s) => s.settled)).toEqual(['pending', 'pending', 'pending']);
    db.one[0].done.resolve();
    await settle();
    const badError = new Error('duplicate key');
    db.one[1].done.reject(badError);
    await settle();
    db.one[2].done.resolve();
    await commit.drained();

    expect(db.one.map((w) => w.item)).toEqual(['b', 'bad', 'c']);
    expect(batch.map((s) => s.settled)).toEqual(['resolved', 'rejected', 'resolved']);
    expect(batch[1].error).toBe(badError);
    expect(db.writeMany).toHaveBeenCalledTimes(1);
  });

  it('keeps writing after a write failed', async () => {
    const db = controlledDatabase();
    const commit = new GroupCommit(db.writeMany, db.writeOne);
    const a = track(commit.write('a'));
    await settle();
    db.one[0].done.reject(new Error('down'));
    await commit.drained();
    expect(a.settled).toBe('rejected');

    const b = track(commit.write('b'));
    await settle();
    db.one[1].done.resolve();
    await commit.drained();
    expect(b.settled).toBe('resolved');
  });

  it('never puts more than maxBatch items in one writeMany, and writes every item once, in order', async () => {
    const writeMany = jest.fn(async (_items: string[]) => undefined);
    const writeOne = jest.fn(async (_item: string) => undefined);
    const commit = new GroupCommit(writeMany, writeOne, 3);
    const items = Array.from({ length: 10 }, (_, i) => `item${i}`);
    await Promise.all(items.map((item) => commit.write(item)));

    const batches = writeMany.mock.calls.map(([batch]) => batch);
    // 3 + 3 + 3 in writeMany, then the last one alone.
    expect(batches).toEqual([['item0', 'item1', 'item2'], ['item3', 'item4', 'item5'], ['item6', 'item7', 'item8']]);
    expect(writeOne.mock.calls.map(([item]) => item)).toEqual(['item9']);
  });

  it('drained() resolves only once everything written so far is settled', async () => {
    const db = controlledDatabase();
    const commit = new GroupCommit(db.writeMany, db.writeOne);
    void commit.write('a');
    void commit.write('b');
    let drained = false;
    const done = commit.drained().then(() => (drained = true));
    await settle();
    expect(drained).toBe(false);
    db.many[0].done.resolve();
    await done;
    expect(drained).toBe(true);
  });

  it('never strands a write made by a caller whose previous write just committed', async () => {
    const written: string[] = [];
    const commit = new GroupCommit(
      async (items: string[]) => void written.push(...items),
      async (item: string) => void written.push(item),
    );
    // Each caller writes again as soon as its write commits, like a client sending its next
    // request on the answer: the second write lands while the first flush is finishing.
    const caller = async (name: string) => {
      await commit.write(`${name}-1`);
      await commit.write(`${name}-2`);
    };
    await Promise.all([caller('a'), caller('b')]);
    expect(written.sort()).toEqual(['a-1', 'a-2', 'b-1', 'b-2']);
    await commit.drained();
  }, 2000);
});

describe('GroupCommit with deadlines (fake timers, injected monotonic clock)', () => {
  let clock = 0;
  const now = () => clock;
  /** Moves the clock and fires the timers due, as time passing does. */
  const elapse = (ms: number) => {
    clock += ms;
    jest.advanceTimersByTime(ms);
  };

  beforeEach(() => {
    clock = 0;
    // Only setTimeout is faked: the batching turn (setImmediate) runs for real.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'performance', 'Date'] });
  });
  afterEach(() => jest.useRealTimers());

  /** Writes that wait until the test commits them; each gets its WriteAttempt. */
  function attemptedDatabase() {
    const writes: { items: string[]; attempt: WriteAttempt; done: Deferred }[] = [];
    const write = (items: string[], attempt: WriteAttempt) => {
      const done = deferred();
      writes.push({ items, attempt, done });
      return done.promise;
    };
    /** What a transaction does: its last statement returns, then it commits through beforeCommit(). */
    const commit = (index: number) => {
      try {
        writes[index].attempt.beforeCommit();
        writes[index].done.resolve();
      } catch (error) {
        writes[index].done.reject(error as Error);
      }
    };
    return {
      writes,
      commit,
      commitMany: (items: string[], attempt: WriteAttempt) => write(items, attempt),
      commitOne: (item: string, attempt: WriteAttempt) => write([item], attempt),
    };
  }

  it('refuses a queued item at its deadline and never writes it', async () => {
    const db = attemptedDatabase();
    const commit = new GroupCommit(db.commitMany, db.commitOne);
    const first = track(commit.write('first', new Deadline(1000, now)));
    await settle();
    const late = track(commit.write('late', new Deadline(100, now)));
    elapse(100);
    await settle();
    expect(late.settled).toBe('rejected');
    expect(late.error).toBeInstanceOf(DeadlineExceededError);

    db.commit(0);
    await commit.drained();
    expect(first.settled).toBe('resolved');
    expect(db.writes.map((w) => w.items)).toEqual([['first']]);
  });

  it('refuses an item whose deadline passed on the clock before its write starts, though its timer has not fired', async () => {
    const db = attemptedDatabase();
    const commit = new GroupCommit(db.commitMany, db.commitOne);
    const late = track(commit.write('late', new Deadline(50, now)));
    clock += 80; // the event loop was busy: the timer is late
    await settle();
    expect(late.settled).toBe('rejected');
    expect(late.error).toBeInstanceOf(DeadlineExceededError);
    expect(db.writes).toEqual([]);
  });

  it('aborts a write that has not begun to commit: the item is refused at once, the write can no longer commit, the others are retried alone', async () => {
    const db = attemptedDatabase();
    const commit = new GroupCommit(db.commitMany, db.commitOne);
    const early = track(commit.write('early', new Deadline(100, now)));
    const later = track(commit.write('later', new Deadline(1000, now)));
    await settle();
    expect(db.writes.map((w) => w.items)).toEqual([['early', 'later']]);

    elapse(100); // the statement is still waiting (a lock): the deadline comes first
    await settle();
    expect(early.settled).toBe('rejected');
    expect(early.error).toBeInstanceOf(DeadlineExceededError);
    expect(later.settled).toBe('pending');

    // The statement returns at last: the transaction may not commit, it rolls back.
    expect(() => db.writes[0].attempt.beforeCommit()).toThrow(DeadlineExceededError);
    db.writes[0].done.reject(new DeadlineExceededError());
    await settle();
    expect(db.writes.map((w) => w.items)).toEqual([['early', 'later'], ['later']]);
    db.commit(1);
    await commit.drained();
    expect(later.settled).toBe('resolved');
  });

  it('waits for a write that is committing, even past the deadline: it may be stored, so it is never refused', async () => {
    const db = attemptedDatabase();
    const commit = new GroupCommit(db.commitMany, db.commitOne);
    const item = track(commit.write('item', new Deadline(100, now)));
    await settle();
    db.writes[0].attempt.beforeCommit(); // COMMIT sent
    elapse(500);
    await settle();
    expect(item.settled).toBe('pending');
    db.writes[0].done.resolve();
    await commit.drained();
    expect(item.settled).toBe('resolved');
  });

  it('refuses the commit of a write whose deadline passed on the clock before its timer fired', async () => {
    const db = attemptedDatabase();
    const commit = new GroupCommit(db.commitMany, db.commitOne);
    const item = track(commit.write('item', new Deadline(100, now)));
    await settle();
    clock += 150; // late timer: only the clock knows
    db.commit(0);
    await commit.drained();
    expect(item.settled).toBe('rejected');
    expect(item.error).toBeInstanceOf(DeadlineExceededError);
  });

  it('keeps a failure in time as it is (a bad item is not a timeout)', async () => {
    const db = attemptedDatabase();
    const commit = new GroupCommit(db.commitMany, db.commitOne);
    const item = track(commit.write('item', new Deadline(100, now)));
    await settle();
    const bad = new Error('constraint violated');
    db.writes[0].done.reject(bad);
    await commit.drained();
    expect(item.error).toBe(bad);
  });
});
