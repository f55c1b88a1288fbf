/** Where finished lines go: process.stdout, or a test's capture. */
export interface LogSink {
  write(line: string): unknown;
}

/** Sinks holding lines not yet written: the exit hook writes them. */
const holding = new Set<TurnBatchedSink>();
let exitHookSet = false;

function flushAllOnExit(): void {
  if (exitHookSet) return;
  exitHookSet = true;
  // 'exit' also runs after an uncaught exception and after process.exit(), which ends SIGTERM
  // and SIGINT too (main.ts): the lines logged just before are written, synchronously (stdout
  // to a file or a pipe is synchronous on Linux). Only a death by a signal that runs no
  // handler (SIGKILL) or a native crash loses the current turn's lines.
  process.on('exit', () => {
    for (const sink of [...holding]) sink.flush();
  });
}

/**
 * POSIX writes to a pipe of at most PIPE_BUF (4,096 bytes on Linux) are never interleaved with
 * another process's: the cluster's workers share one stdout, and a line must not be torn.
 */
const ATOMIC_WRITE_BYTES = 4096;

/**
 * The lines logged in one turn of the event loop, written to `sink` at the end of the turn, at
 * exit, or as soon as the next line would take a write past `maxBytes`. Each write holds whole
 * lines and at most `maxBytes` of them (a longer line goes alone, as it did before), so that
 * lines from several processes on one pipe stay whole. On stdout every write is a system
 * call: under load, one access line per request made it about 3% of a decision's CPU, where a
 * turn's lines together take one call or a few. Order is kept.
 */
export class TurnBatchedSink implements LogSink {
  private pending: string[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(
    private readonly sink: LogSink,
    private readonly maxBytes = ATOMIC_WRITE_BYTES,
  ) {}

  write(line: string): void {
    const size = Buffer.byteLength(line, 'utf8');
    if (this.bytes + size > this.maxBytes) this.writePending();
    this.pending.push(line);
    this.bytes += size;
    if (this.scheduled) return;
    this.scheduled = true;
    holding.add(this);
    flushAllOnExit();
    setImmediate(() => this.flush());
  }

  /** Writes what is held now. */
  flush(): void {
    this.scheduled = false;
    holding.delete(this);
    this.writePending();
  }

  private writePending(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    this.bytes = 0;
    this.sink.write(text);
  }
}
