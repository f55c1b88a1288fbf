import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { GroupCommit } from '../common/batching/group-commit';
import { Deadline, DeadlineExceededError, monotonicMs, WriteAttempt } from '../common/batching/write-attempt';
import { track } from '../common/testing/promise-state.testing';
import { DecisionWrite } from './attached-rows';
import { PrimaryWriteServer } from './primary-write-server';
import { SqliteWriteError } from './sqlite-batch-sender';
import { SqliteRowStatements } from './sqlite-row-statements';
import { PrimaryWriteMessage } from './sqlite-write-requests';
import { decisionWrite as write, migratedSqliteFile, storedDecisionIds, unhurriedAttempt } from './sqlite-writer.testing';
import { PrimaryChannel, WritesViaPrimary } from './writes-via-primary';

/**
 * The worker's side and the primary's, joined by a channel that copies each message the way
 * the cluster's 'advanced' serialization does (structured clone) and can hold the requests on
 * their way to the primary, or its replies on their way back, as a busy primary or a slow pipe
 * would.
 */
class HeldChannel implements PrimaryChannel {
  open = true;
  holdRequests = false;
  holdReplies = false;
  private readonly requests: PrimaryWriteMessage[] = [];
  private readonly replies: unknown[] = [];
  private onMessage?: (message: unknown) => void;
  private onDisconnect?: () => void;

  constructor(private readonly primary: PrimaryWriteServer) {}

  connected(): boolean {
    return this.open;
  }

  send(message: PrimaryWriteMessage, callback: (error: Error | null) => void): void {
    this.requests.push(structuredClone(message));
    setImmediate(() => {
      callback(null);
      this.pump();
    });
  }

  listen(onMessage: (message: unknown) => void, onDisconnect: () => void): () => void {
    this.onMessage = onMessage;
    this.onDisconnect = onDisconnect;
    return () => (this.onMessage = this.onDisconnect = undefined);
  }

  get listening(): boolean {
    return this.onMessage !== undefined;
  }

  /** Delivers what is not held: requests to the primary (which answers at the end of its turn), replies back. */
  pump(): void {
    while (!this.holdRequests && this.requests.length > 0) {
      const taken = this.primary.handle(this.requests.shift(), (written) => {
        this.replies.push(structuredClone(written));
        this.pump();
      });
      if (!taken) throw new Error('the primary did not take a write request');
    }
    while (!this.holdReplies && this.replies.length > 0) {
      const reply = this.replies.shift(); // taken even when nobody listens any more
      this.onMessage?.(reply);
    }
  }

  get requestsHeld(): number {
    return this.requests.length;
  }

  release(): void {
    this.holdRequests = this.holdReplies = false;
    this.pump();
  }

  disconnect(): void {
    this.open = false;
    this.onDisconnect?.();
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WritesViaPrimary and PrimaryWriteServer (one SQLite writer for the workers of a machine)', () => {
  let db: Database.Database;
  let remove: () => void;
  let primary: PrimaryWriteServer;
  let channel: HeldChannel;
  let writer: WritesViaPrimary;

  beforeEach(async () => {
    let file: string;
    ({ file, db, remove } = await migratedSqliteFile());
    primary = PrimaryWriteServer.open(file, 200);
    channel = new HeldChannel(primary);
    writer = new WritesViaPrimary(channel);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    channel.release();
    await writer.close();
    primary.close();
    remove();
  });

  const stored = () => storedDecisionIds(db);
  /** The decision path's use: a group commit of one item, in a write budget of `ms`. */
  const groupCommit = () => new GroupCommit<DecisionWrite>((items, attempt) => writer.insertMany(items, attempt), (item, attempt) => writer.insertMany([item], attempt));

  it("stores the worker's batches on the primary's connection, durably before they resolve", async () => {
    await writer.insertMany([write('d1'), write('d2')], unhurriedAttempt());
    expect(stored()).toEqual(['d1', 'd2']);
    await writer.insertMany([write('d3')], unhurriedAttempt());
    expect(stored()).toEqual(['d1', 'd2', 'd3']);
  });

  it('reports, per claim, whether it was inserted, and per claimed decision whether it linked', async () => {
    const createdAt = new Date('2026-06-15T11:59:58.000Z');
    const claims = [
      { claim: { apiKeyId: 'key-1', key: 'k1', requestHash: 'h1', createdAt } },
      { claim: { apiKeyId: 'key-1', key: 'k1', requestHash: 'h2', createdAt } },
    ];
    await writer.insertClaims(claims, unhurriedAttempt());
    expect(claims.map((c) => (c as { inserted?: boolean }).inserted)).toEqual([true, false]);
    const linked = { ...write('d1'), claim: { apiKeyId: 'key-1', key: 'k1', createdAt } };
    const stale = { ...write('d2'), claim: { apiKeyId: 'key-1', key: 'k1', createdAt: new Date('2026-06-15T11:00:00.000Z') } };
    await writer.insertMany([linked, stale, write('d3')], unhurriedAttempt());
    expect([linked.linked, stale.linked]).toEqual([true, false]);
    expect(stored()).toEqual(['d1', 'd3']);
  });

  it('a deadline that passes while the batch waits for the primary: the decision waits for its answer, which refuses it, and nothing is stored', async () => {
    channel.holdRequests = true;
    const result = track(groupCommit().write(write('late'), Deadline.in(30)));
    await pause(80);
    // A worker cannot call off what it has sent: only the primary's answer tells.
    expect(result.settled).toBe(false);
    channel.release();
    await pause(0);
    expect(result.error).toBeInstanceOf(DeadlineExceededError);
    expect(stored()).toEqual([]);
  });

  it('a deadline that passes after the primary committed, before its answer arrives: the decision is stored, and says so', async () => {
    channel.holdReplies = true;
    const result = track(groupCommit().write(write('committed'), Deadline.in(30)));
    await pause(5);
    expect(stored()).toEqual(['committed']);
    await pause(80);
    // Refusing it here, at the deadline, would answer "not stored" for a stored decision.
    expect(result.settled).toBe(false);
    channel.release();
    await pause(0);
    expect(result).toEqual({ settled: true, value: undefined });
  });

  it('a write whose deadline passed before it was sent is refused without reaching the primary', async () => {
    const attempt = new WriteAttempt(Deadline.in(-1));
    channel.holdRequests = true;
    await expect(writer.insertMany([write('never')], attempt)).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(channel.requestsHeld).toBe(0);
  });

  it('writes the batches that reach the primary together in one transaction, each answered as its own', async () => {
    const together = jest.spyOn(SqliteRowStatements.prototype, 'insertTogether');
    const createdAt = new Date('2026-06-15T11:59:58.000Z');
    const claims = [{ claim: { apiKeyId: 'key-1', key: 'k1', requestHash: 'h1', createdAt } }];
    const again = [{ claim: { apiKeyId: 'key-1', key: 'k1', requestHash: 'h2', createdAt } }];
    channel.holdRequests = true;
    const sent = [
      writer.insertMany([write('d1'), write('d2')], unhurriedAttempt()),
      writer.insertClaims(claims, unhurriedAttempt()),
      writer.insertMany([write('d3')], unhurriedAttempt()),
      writer.insertClaims(again, unhurriedAttempt()),
    ];
    await pause(5);
    expect(channel.requestsHeld).toBe(4);
    channel.release();
    await Promise.all(sent);
    expect(together).toHaveBeenCalledTimes(1);
    expect(together.mock.calls[0][0].map((batch) => batch.kind)).toEqual(['decisions', 'claims', 'decisions', 'claims']);
    expect(stored()).toEqual(['d1', 'd2', 'd3']);
    expect([claims[0], again[0]].map((c) => (c as { inserted?: boolean }).inserted)).toEqual([true, false]);
  });

  it('of batches that arrive together, one past its deadline is refused and stores nothing; the others are written', async () => {
    channel.holdRequests = true;
    const late = track(writer.insertMany([write('late')], new WriteAttempt(Deadline.in(20))));
    const inTime = writer.insertMany([write('in-time')], unhurriedAttempt());
    await pause(50);
    channel.release();
    await inTime;
    await pause(0);
    expect(late.error).toBeInstanceOf(DeadlineExceededError);
    expect(stored()).toEqual(['in-time']);
  });

  it('a deadline that passes during the shared transaction rolls it back; the others are written again without it', async () => {
    // The statements of the first try take 30 ms, past the late batch's 15 ms deadline.
    const statements = (primary as unknown as { statements: { writeDecisions: (items: unknown[]) => boolean[] } }).statements;
    const writeDecisions = statements.writeDecisions;
    let tries = 0;
    statements.writeDecisions = (items) => {
      if (tries++ === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
      return writeDecisions(items);
    };
    channel.holdRequests = true;
    const late = track(writer.insertMany([write('late')], new WriteAttempt(Deadline.in(15))));
    const inTime = writer.insertMany([write('in-time')], unhurriedAttempt());
    await pause(1);
    channel.release();
    await inTime;
    await pause(0);
    expect(late.error).toBeInstanceOf(DeadlineExceededError);
    expect(stored()).toEqual(['in-time']);
  });

  it('of batches that arrive together, one whose statement fails fails alone; the others are written', async () => {
    await writer.insertMany([write('d1')], unhurriedAttempt());
    channel.holdRequests = true;
    const failing = track(writer.insertMany([write('d1')], unhurriedAttempt()));
    const inTime = writer.insertMany([write('d2')], unhurriedAttempt());
    await pause(1);
    channel.release();
    await inTime;
    await pause(0);
    expect(failing.error).toMatchObject({ code: expect.stringMatching(/^SQLITE_CONSTRAINT/) });
    expect(stored()).toEqual(['d1', 'd2']);
  });

  it("a statement that fails at the primary: SQLite's code, known to have stored nothing, and the next batch is written", async () => {
    await writer.insertMany([write('d1')], unhurriedAttempt());
    const failed = unhurriedAttempt();
    const error = await writer.insertMany([write('d2'), write('d1')], failed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqliteWriteError);
    expect((error as SqliteWriteError).code).toMatch(/^SQLITE_CONSTRAINT/);
    expect(failed.failedInTime()).toBe(true);
    expect(stored()).toEqual(['d1']);
    await writer.insertMany([write('d3')], unhurriedAttempt());
    expect(stored()).toEqual(['d1', 'd3']);
  });

  it("the primary's lock wait is bounded by its busy timeout: SQLITE_BUSY, and nothing stored", async () => {
    db.exec('BEGIN IMMEDIATE');
    const error = await writer.insertMany([write('busy')], unhurriedAttempt()).catch((e: unknown) => e);
    db.exec('ROLLBACK');
    expect(error).toMatchObject({ code: 'SQLITE_BUSY' });
    expect(stored()).toEqual([]);
  });

  it('the primary gone: the writes it held fail as unknown (not the deadline), and later ones are refused unsent', async () => {
    channel.holdRequests = true;
    const held = track(writer.insertMany([write('held')], unhurriedAttempt()));
    await pause(0);
    channel.disconnect();
    await pause(0);
    expect(held.error).not.toBeInstanceOf(DeadlineExceededError);
    expect((held.error as Error).message).toMatch(/outcome of the writes sent to it is unknown/);
    await expect(writer.insertMany([write('after')], unhurriedAttempt())).rejects.toThrow(/nothing was sent/);
  });

  it('close() waits for the writes in flight, stops listening, then refuses new ones', async () => {
    channel.holdReplies = true;
    const inFlight = track(writer.insertMany([write('d1')], unhurriedAttempt()));
    const closed = track(writer.close());
    await pause(10);
    expect(closed.settled).toBe(false);
    expect(channel.listening).toBe(true);
    channel.release();
    await pause(0);
    expect(inFlight).toEqual({ settled: true, value: undefined });
    expect(closed.settled).toBe(true);
    expect(channel.listening).toBe(false);
    await expect(writer.insertMany([write('d2')], unhurriedAttempt())).rejects.toThrow(/closed/);
  });

  it('leaves the messages that are not write requests to the other listeners', () => {
    expect(primary.handle({ linetrust: 'forget-subject', subjectHash: 'x' }, () => undefined)).toBe(false);
    expect(primary.handle('write', () => undefined)).toBe(false);
  });

  it("rests on one monotonic clock for the machine's processes: a deadline set in a worker means the same in the primary", () => {
    const before = monotonicMs();
    const child = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(Number(process.hrtime.bigint()) / 1e6))'], { encoding: 'utf8' }));
    const after = monotonicMs();
    expect(child).toBeGreaterThanOrEqual(before);
    expect(child).toBeLessThanOrEqual(after);
  });
});
