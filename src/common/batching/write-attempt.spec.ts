import { boundedWrite, Deadline, DeadlineExceededError, WriteAttempt } from './write-attempt';

describe('boundedWrite (fake timers, injected monotonic clock)', () => {
  let clock = 0;
  const now = () => clock;
  const elapse = async (ms: number) => {
    clock += ms;
    await jest.advanceTimersByTimeAsync(ms);
  };

  beforeEach(() => {
    clock = 0;
    jest.useFakeTimers({ doNotFake: ['performance', 'Date'] });
  });
  afterEach(() => jest.useRealTimers());

  /** A transaction whose last statement returns when the test says, then commits through beforeCommit(). */
  function transaction() {
    let statementDone!: () => void;
    const statement = new Promise<void>((resolve) => (statementDone = resolve));
    let attempt!: WriteAttempt;
    const write = async (a: WriteAttempt) => {
      attempt = a;
      await statement;
      a.beforeCommit();
      return 'stored';
    };
    return { write, statementDone: () => statementDone(), attempt: () => attempt };
  }

  it('rejects at the deadline while the statement still waits, and the transaction then refuses to commit', async () => {
    const tx = transaction();
    const result = boundedWrite(new Deadline(200, now), tx.write);
    const outcome = result.then(() => 'resolved', (error: unknown) => error);
    await elapse(200);
    expect(await outcome).toBeInstanceOf(DeadlineExceededError);
    tx.statementDone();
    await jest.advanceTimersByTimeAsync(0);
    expect(tx.attempt().aborted).toBe(true); // beforeCommit threw: rolled back
  });

  it('answers the commit it started, even past the deadline', async () => {
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    const result = boundedWrite(new Deadline(200, now), async (attempt) => {
      attempt.beforeCommit();
      await committed; // COMMIT in flight
      return 'stored';
    });
    await elapse(1000);
    commit();
    await expect(result).resolves.toBe('stored');
  });

  it('reports a failure with the time up (a statement timeout) as not stored, and one in time as itself', async () => {
    const timedOut = boundedWrite(new Deadline(200, now), async () => {
      clock += 250; // the server cancelled the statement at its timeout
      throw new Error('canceling statement due to statement timeout');
    });
    await expect(timedOut).rejects.toBeInstanceOf(DeadlineExceededError);
    const bad = new Error('constraint violated');
    await expect(boundedWrite(new Deadline(clock + 200, now), async () => Promise.reject(bad))).rejects.toBe(bad);
  });

  it('writes nothing when the deadline has passed before it starts', async () => {
    const write = jest.fn(async () => 'stored');
    clock = 300;
    await expect(boundedWrite(new Deadline(200, now), write)).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(write).not.toHaveBeenCalled();
  });
});
