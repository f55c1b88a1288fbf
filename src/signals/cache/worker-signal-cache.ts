import cluster from 'node:cluster';
import { MaybePromise } from '../../common/async/maybe-promise';
import { CachedAnswer, SignalCacheStore } from './signal-cache';

/** The IPC message an erasure sends to the sibling workers (through the primary). */
export interface ForgetSubjectMessage {
  linetrust: 'forget-subject';
  subjectHash: string;
}

export function isForgetSubjectMessage(message: unknown): message is ForgetSubjectMessage {
  return typeof message === 'object' && message !== null && (message as ForgetSubjectMessage).linetrust === 'forget-subject' && typeof (message as ForgetSubjectMessage).subjectHash === 'string';
}

/**
 * WORKERS > 1 on SQLite: each worker keeps its operator answers in memory (a cache shared
 * through SQLite cost every lookup a query and every miss a synchronous, fsync'd write from
 * competing processes, and halved the throughput), and an erasure reaches the siblings: the
 * worker that erased tells the primary, which tells the others (runPrimary relays it). What it
 * costs: each worker asks the operator once per question and TTL, so up to WORKERS times.
 */
export class WorkerSignalCache extends SignalCacheStore {
  constructor(
    private readonly local: SignalCacheStore,
    private readonly send: (message: ForgetSubjectMessage) => void = (message) => process.send?.(message),
  ) {
    super();
  }

  /** Listens for the siblings' erasures; call once per worker process. */
  listen(on: (listener: (message: unknown) => void) => void = (listener) => void process.on('message', listener)): void {
    on((message) => {
      if (isForgetSubjectMessage(message)) void this.local.forgetSubject(message.subjectHash);
    });
  }

  get(key: string): MaybePromise<CachedAnswer | undefined> {
    return this.local.get(key);
  }

  set(key: string, value: CachedAnswer, ttlMs: number, subjectHash: string): MaybePromise<void> {
    return this.local.set(key, value, ttlMs, subjectHash);
  }

  async forgetSubject(subjectHash: string): Promise<number> {
    const removed = await this.local.forgetSubject(subjectHash);
    this.send({ linetrust: 'forget-subject', subjectHash });
    return removed;
  }
}

/** A worker process of WORKERS > 1 (not the primary, not a single process). */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}
