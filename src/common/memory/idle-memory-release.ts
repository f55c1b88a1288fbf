import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Hands memory back to the system once the load stops. Under load V8 grows its heap: the young
 * generation to its maximum (32 MB) and the old one's reserve. Once the requests stop nothing
 * allocates, so no GC comes, and V8's memory reducer did not start within 30 s in the bench: the
 * RSS stayed about 50% above idle for as long as the service stayed idle. Here, once the event
 * loop has been quiet for `quietChecks` looks in a row after a busy one, `collect` runs (see
 * compactingGc; the loop is idle, so no request waits for it).
 *
 * Then, after as many quiet looks again, `settle` runs (see youngGenerationGc). V8 shrinks the
 * young generation in a GC only when the allocation rate since the GCs of the last 5 s is under
 * about 1 MB/s. The load's last scavenge is 4-6 s old when `collect` runs, so that GC kept the
 * 32 MB in six bench runs of ten; the next GC, 6 s after it with nothing allocated between,
 * shrank it in every try (docs/benchmarks.md). A busy look in between drops the settle: the next
 * load's own release will do both.
 *
 * The next collection needs another busy look first, so a steady light load never collects.
 *
 * A look covers the 2 s before it, so its reading hides a load that began in its last tens of
 * milliseconds (40 ms at 50% busy read under 2%): the bench caught a compacting GC 130 ms into a
 * new load that way. With `confirm`, the step runs only if the event loop is still quiet over a
 * short window after the deciding look; if not, the next quiet look decides again.
 */
export class IdleMemoryRelease {
  private busySeen = false;
  private settlePending = false;
  private quietInARow = 0;
  private confirming = false;

  constructor(
    /** Runs the GC once the load has ended. */
    private readonly collect: () => void,
    /** The event loop's utilization (0 to 1) since the previous call. */
    private readonly utilization: () => number,
    private readonly thresholds = { busy: 0.2, quiet: 0.02, quietChecks: 3 },
    /** Runs once the quiet has lasted as long again after `collect`; none: nothing to settle. */
    private readonly settle?: () => void,
    /** Calls back after a short window (see the class comment); none: the deciding look acts at once. */
    private readonly confirm?: (then: () => void) => void,
  ) {}

  /** Looks at the interval since the last look; true when it collected or settled (with `confirm`: when it asked to). */
  check(): boolean {
    if (this.confirming) return false; // the window being confirmed is read by the confirmation
    if (!this.read(this.utilization())) return false;
    const step = this.busySeen ? 'collect' : 'settle';
    if (this.confirm === undefined) {
      this.act(step);
      return true;
    }
    this.confirming = true;
    // The window confirmed is the one from this look's reading to the confirmation's.
    this.confirm(() => {
      this.confirming = false;
      const used = this.utilization();
      if (used < this.thresholds.quiet) return this.act(step);
      // A busy window counts as any busy look; a light one only puts the step off to the next quiet look.
      this.read(used);
      if (used < this.thresholds.busy) this.quietInARow = this.thresholds.quietChecks - 1;
    });
    return true;
  }

  /** Counts one reading; true when it completes the quiet looks needed. */
  private read(used: number): boolean {
    if (used >= this.thresholds.quiet) {
      this.quietInARow = 0;
      if (used >= this.thresholds.busy) {
        this.busySeen = true;
        this.settlePending = false;
      }
      return false;
    }
    if (!this.busySeen && !this.settlePending) return false;
    return ++this.quietInARow >= this.thresholds.quietChecks;
  }

  private act(step: 'collect' | 'settle'): void {
    this.quietInARow = 0;
    if (step === 'collect') {
      this.busySeen = false;
      this.settlePending = this.settle !== undefined;
      this.collect();
    } else {
      this.settlePending = false;
      this.settle?.();
    }
    // The next look starts after our own GC: its pause is not load. On a loaded machine a
    // compacting GC took hundreds of ms, which the next look read as busy, dropping the settle.
    this.utilization();
  }

  /** Looks every `intervalMs` (a timer that does not hold the process open); returns the stop function. */
  start(intervalMs: number): () => void {
    const timer = setInterval(() => this.check(), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

/** The event loop's utilization since the previous call (the first call: since the sampler was made). */
export function eventLoopUtilizationSince(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    return utilization;
  };
}

/**
 * V8's full GC, as `--expose-gc` gives it, without that flag on the command line: set at run
 * time, the flag installs `gc` in contexts made afterwards, and the one made here is enough.
 * The function collects the whole isolate's heap, not only that context's.
 */
export function exposedGc(): ExposedGc {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as ExposedGc;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as ExposedGc;
}

/** V8's `gc`: a full GC when called bare, a scavenge of the young generation with `type: 'minor'`. */
type ExposedGc = (options?: { type: 'minor' | 'major' }) => void;

/**
 * A scavenge: it empties the young generation, and V8 decides there whether to shrink it. The
 * young generation is all it touches, so on an idle heap it takes about a millisecond.
 */
export function youngGenerationGc(gc: ExposedGc = exposedGc()): () => void {
  return () => gc({ type: 'minor' });
}

/** The young generation's reserve (both semi-spaces), in bytes. */
export function youngGenerationSize(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * A full GC that also compacts every page of the old generation. A plain one frees the garbage
 * but moves live objects only off the pages V8 judges fragmented enough, so after the bench's
 * load the heap kept a 93 MB reserve for 50 MB in use, and the RSS stayed 40% above idle; with
 * compaction the reserve fell to 53 MB and the RSS to within 4% of idle. The flag is V8's
 * testing flag, set for this one collection only: under load, compacting every page would
 * lengthen every full GC's pause.
 */
export function compactingGc(gc: () => void = exposedGc(), setFlags: (flags: string) => void = setFlagsFromString): () => void {
  return () => {
    setFlags('--compact-on-every-full-gc');
    try {
      gc();
    } finally {
      setFlags('--no-compact-on-every-full-gc');
    }
  };
}

/**
 * The service's release: a look at the event loop every 2 s, so a compacting GC 6 s into the
 * quiet and a scavenge 6 s after it, each once the 200 ms after its deciding look were quiet too.
 * `log` gets one line for each, with the heap's size before and after and the GC's pause;
 * `trace`, one line per reading, for when the release does not come (the service logs them at
 * debug). Returns the stop function.
 */
export function startIdleMemoryRelease(
  log: (line: string) => void,
  {
    gc = compactingGc(),
    scavenge = youngGenerationGc(),
    utilization = eventLoopUtilizationSince(),
    everyMs = 2000,
    confirmMs = 200,
    trace,
  }: { gc?: () => void; scavenge?: () => void; utilization?: () => number; everyMs?: number; confirmMs?: number; trace?: (line: string) => void } = {},
): () => void {
  const collect = () => {
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    gc();
    const pause = Math.round(performance.now() - started);
    log(`load ended: compacting GC, JavaScript heap ${megabytes(before)} -> ${megabytes(process.memoryUsage().heapUsed)} MB in use, ${pause} ms`);
  };
  const settle = () => {
    const before = youngGenerationSize();
    scavenge();
    log(`still quiet: scavenge, young generation ${megabytes(before)} -> ${megabytes(youngGenerationSize())} MB reserved`);
  };
  const traced =
    trace === undefined
      ? utilization
      : () => {
          const used = utilization();
          trace(`event loop ${(used * 100).toFixed(1)}% busy since the last reading`);
          return used;
        };
  let pending: NodeJS.Timeout | undefined;
  const confirm = (then: () => void) => {
    pending = setTimeout(() => {
      pending = undefined;
      then();
    }, confirmMs);
    pending.unref();
  };
  const stopLooks = new IdleMemoryRelease(collect, traced, undefined, settle, confirm).start(everyMs);
  return () => {
    stopLooks();
    clearTimeout(pending);
  };
}

const megabytes = (bytes: number) => Math.round(bytes / 1048576);
