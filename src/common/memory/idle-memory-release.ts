import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Hands memory back to the system once the load stops. Under load V8 grows its heap: the young
 * generation to its maximum (32 MB) and the old one's reserve. Once the requests stop nothing
 * allocates, so no GC comes, and V8's memory reducer did not start within 30 s in the bench: the
 * RSS stayed about 50% above idle for as long as the service stayed idle. Here, once the event
 * loop has been quiet for `quietChecks` looks in a row after a busy one, one GC runs (see
 * compactingGc; the loop is idle, so no request waits for it). The quiet must outlast 5 s: V8
 * shrinks the young generation in a GC only when its recent allocation rate is low, and a GC 2 s
 * into the quiet kept its 32 MB where one 6 s in took it to 1 MB (not in every bench run, see
 * docs/benchmarks.md). The next collection needs another busy look first, so a steady light
 * load never collects.
 */
export class IdleMemoryRelease {
  private busySeen = false;
  private quietInARow = 0;

  constructor(
    /** Runs the GC. */
    private readonly collect: () => void,
    /** The event loop's utilization (0 to 1) since the previous call. */
    private readonly utilization: () => number,
    private readonly thresholds = { busy: 0.2, quiet: 0.02, quietChecks: 3 },
  ) {}

  /** Looks at the interval since the last look; true when it collected. */
  check(): boolean {
    const used = this.utilization();
    if (used >= this.thresholds.quiet) {
      this.quietInARow = 0;
      if (used >= this.thresholds.busy) this.busySeen = true;
      return false;
    }
    if (!this.busySeen || ++this.quietInARow < this.thresholds.quietChecks) return false;
    this.busySeen = false;
    this.quietInARow = 0;
    this.collect();
    return true;
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
export function exposedGc(): () => void {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
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
 * The service's release: a look at the event loop every 2 s, so a GC 6 s into the quiet; `log`
 * gets one line per collection, with the heap's size before and after. Returns the stop function.
 */
export function startIdleMemoryRelease(
  log: (line: string) => void,
  { gc = compactingGc(), utilization = eventLoopUtilizationSince(), everyMs = 2000 }: { gc?: () => void; utilization?: () => number; everyMs?: number } = {},
): () => void {
  const collect = () => {
    const before = process.memoryUsage().heapUsed;
    gc();
    log(`load ended: compacting GC, JavaScript heap ${megabytes(before)} -> ${megabytes(process.memoryUsage().heapUsed)} MB in use`);
  };
  return new IdleMemoryRelease(collect, utilization).start(everyMs);
}

const megabytes = (bytes: number) => Math.round(bytes / 1048576);
