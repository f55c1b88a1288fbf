import { Deadline, DeadlineExceededError, monotonicMs, WriteAttempt } from '../common/batching/write-attempt';
import { SqliteRowStatements, WriteBatch } from './sqlite-row-statements';

/**
 * One batch to write in one transaction, by its deadline (monotonicMs() milliseconds: the clock
 * is CLOCK_MONOTONIC, one for every thread and process of the machine). `cell` is the shared
 * state of the sender's WriteAttempt when the writer is a thread of the same process; a writer
 * in another process has none, and decides on the clock alone.
 */
export type WriterRequest = { id: number; deadlineAt: number; cell?: Int32Array } & WriteBatch;

export type WriterReply = { id: number; written: boolean[] } | { id: number; error: { message: string; code?: string; deadline: boolean } };

/** Runs one request on the writer's statements, and says how it ended in a reply (never throws). */
export function answerWrite(statements: SqliteRowStatements, request: WriterRequest): WriterReply {
  const attempt = new WriteAttempt(new Deadline(request.deadlineAt), request.cell);
  try {
    // Past its deadline already (it waited behind other batches): no statement runs.
    if (attempt.deadline.passed()) throw new DeadlineExceededError();
    const written = request.kind === 'decisions' ? statements.insertDecisions(request.items, attempt) : statements.insertClaims(request.items, attempt);
    return { id: request.id, written };
  } catch (error) {
    const { message, code } = error as Error & { code?: unknown };
    return { id: request.id, error: { message, code: typeof code === 'string' ? code : undefined, deadline: error instanceof DeadlineExceededError } };
  }
}

/**
 * Requests from several senders, written in one transaction (one commit, one fsync) when they
 * can be: the ones past their deadline are refused first, and if another's deadline passes before
 * the commit, the rest are written again without it. When a statement fails, each is written
 * alone, so that it fails alone. The replies are in the requests' order.
 */
export function answerWrites(statements: SqliteRowStatements, requests: WriterRequest[]): WriterReply[] {
  if (requests.length === 1) return [answerWrite(statements, requests[0])];
  const replies = new Map<number, WriterReply>();
  for (let live = requests; live.length > 0; ) {
    const now = monotonicMs();
    for (const request of live) if (request.deadlineAt <= now) replies.set(request.id, answerWrite(statements, request));
    live = live.filter((request) => !replies.has(request.id));
    if (live.length === 0) break;
    try {
      statements.insertTogether(live).forEach((written, i) => replies.set(live[i].id, { id: live[i].id, written }));
      break;
    } catch (error) {
      if (error instanceof DeadlineExceededError) continue; // rolled back: the others again
      for (const request of live) replies.set(request.id, answerWrite(statements, request));
      break;
    }
  }
  return requests.map((request) => replies.get(request.id) as WriterReply);
}

/** A worker's write, sent to the cluster's primary (WORKERS > 1 on SQLite: see PrimaryWriteServer). */
export interface PrimaryWriteMessage {
  linetrust: 'write';
  request: WriterRequest;
}

/** The primary's answer to a PrimaryWriteMessage. */
export interface PrimaryWrittenMessage {
  linetrust: 'written';
  reply: WriterReply;
}

export function isPrimaryWriteMessage(message: unknown): message is PrimaryWriteMessage {
  return typeof message === 'object' && message !== null && (message as PrimaryWriteMessage).linetrust === 'write';
}

export function isPrimaryWrittenMessage(message: unknown): message is PrimaryWrittenMessage {
  return typeof message === 'object' && message !== null && (message as PrimaryWrittenMessage).linetrust === 'written';
}
