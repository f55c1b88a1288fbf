import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import {
  compactingGc,
  eventLoopUtilizationSince,
  exposedGc,
  IdleMemoryRelease,
  startIdleMemoryRelease,
  youngGenerationGc,
  youngGenerationSize,
} from './idle-memory-release';

/**
 * The event loop's utilization as the release reads it: one value per look from `utilizations`,
 * and 1 (fully busy) for the interval its own GC runs in, as a slow GC on a loaded machine is.
 */
function looks(utilizations: number[]) {
  const queue = [...utilizations];
  let gcRunning = false;
  return {
    utilization: () => {
      if (gcRunning) {
        gcRunning = false;
        return 1;
      }
      return queue.shift() ?? 0;
    },
    gcRan: () => (gcRunning = true),
  };
}

/** A release fed the given utilizations, one per check, counting its collections. */
function fed(utilizations: number[], thresholds?: ConstructorParameters<typeof IdleMemoryRelease>[2]) {
  const { utilization, gcRan } = looks(utilizations);
  let collected = 0;
  const release = new IdleMemoryRelease(
    () => {
      collected++;
      gcRan();
    },
    utilization,
    thresholds,
  );
  return { release, collected: () => collected };
}

describe('IdleMemoryRelease', () => {
  const checks = (release: IdleMemoryRelease, count: number) => Array.from({ length: count }, () => release.check());

  it('collects once the load has been quiet for three looks in a row, and only once', () => {
    const { release, collected } = fed([0.9, 0.5, 0.01, 0.01, 0.0, 0.0, 0.0]);
    expect(checks(release, 7)).toEqual([false, false, false, false, true, false, false]);
    expect(collected()).toBe(1);
  });

  it('never collects in a service that was never busy', () => {
    const { release, collected } = fed([0.0, 0.01, 0.19, 0.0, 0.0, 0.0, 0.0]);
    checks(release, 7);
    expect(collected()).toBe(0);
  });

  it('starts the quiet count again when requests still come in after the load', () => {
    // 0.05: too little to call busy, too much to call quiet.
    const { release, collected } = fed([0.6, 0.01, 0.01, 0.05, 0.01, 0.01, 0.019]);
    expect(checks(release, 7)).toEqual([false, false, false, false, false, false, true]);
    expect(collected()).toBe(1);
  });

  it('takes the thresholds as bounds: busy from 0.2, quiet below 0.02', () => {
    const bounds = { busy: 0.2, quiet: 0.02, quietChecks: 1 };
    const atBounds = fed([0.2, 0.02, 0.0199], bounds);
    expect(checks(atBounds.release, 3)).toEqual([false, false, true]);
    const underBusy = fed([0.1999, 0.0], bounds);
    expect(checks(underBusy.release, 2)).toEqual([false, false]);
  });

  it('collects again after each new busy period', () => {
    const { release, collected } = fed([0.8, 0.0, 0.0, 0.0, 0.0, 0.7, 0.0, 0.3, 0.0, 0.0, 0.0]);
    expect(checks(release, 11).map((done, i) => (done ? i : -1)).filter((i) => i >= 0)).toEqual([3, 10]);
    expect(collected()).toBe(2);
  });

  describe('with a settle step', () => {
    /** A release with both steps, recording which ran at each look. */
    function withSettle(utilizations: number[]) {
      const { utilization, gcRan } = looks(utilizations);
      const steps: string[] = [];
      const release = new IdleMemoryRelease(
        () => {
          steps.push('collect');
          gcRan();
        },
        utilization,
        undefined,
        () => {
          steps.push('settle');
          gcRan();
        },
      );
      const run = (count: number) =>
        Array.from({ length: count }, () => {
          const before = steps.length;
          release.check();
          return steps.slice(before).join('') || '-';
        });
      return { run };
    }

    // Its own GC's interval reads fully busy (see looks): these fail if that is taken for load.
    it('settles once, after as many quiet looks again as the collection waited for', () => {
      const { run } = withSettle([0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
      expect(run(10)).toEqual(['-', '-', '-', 'collect', '-', '-', 'settle', '-', '-', '-']);
    });

    it('starts the settle count again on a light request, and drops the settle on a new load', () => {
      const light = withSettle([0.9, 0.0, 0.0, 0.0, 0.0, 0.05, 0.0, 0.0, 0.0]);
      expect(light.run(9)).toEqual(['-', '-', '-', 'collect', '-', '-', '-', '-', 'settle']);
      // The load at look 5 drops the first settle; its own release collects and settles again.
      const reloaded = withSettle([0.9, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
      expect(reloaded.run(13)).toEqual(['-', '-', '-', 'collect', '-', '-', '-', '-', 'collect', '-', '-', 'settle', '-']);
    });
  });

  describe('with a confirmation', () => {
    /** A release whose confirmations wait until `confirmNow` is called, recording which steps ran. */
    function confirming(utilizations: number[]) {
      const { utilization, gcRan } = looks(utilizations);
      const steps: string[] = [];
      let waiting: (() => void) | undefined;
      const step = (name: string) => () => {
        steps.push(name);
        gcRan();
      };
      const release = new IdleMemoryRelease(step('collect'), utilization, undefined, step('settle'), (then) => (waiting = then));
      const confirmNow = () => {
        const then = waiting;
        waiting = undefined;
        then?.();
      };
      return { release, steps, confirmNow, waiting: () => waiting !== undefined };
    }

    it('collects only once the window after the deciding look is quiet too', () => {
      const { release, steps, confirmNow } = confirming([0.9, 0.0, 0.0, 0.0, 0.01]);
      expect([release.check(), release.check(), release.check()]).toEqual([false, false, false]);
      expect(release.check()).toBe(true); // the third quiet look asks for a confirmation...
      expect(steps).toEqual([]); // ...and runs nothing yet
      confirmNow(); // 0.01: still quiet
      expect(steps).toEqual(['collect']);
    });

    it('does not collect when a load began at the end of the deciding look, and collects after that load', () => {
      // The third look read 1.5%: a load 30 ms old at 50% busy. Its confirmation reads the load.
      const { release, steps, confirmNow } = confirming([0.9, 0.0, 0.0, 0.015, 0.6, 0.7, 0.0, 0.0, 0.0, 0.0]);
      for (let i = 0; i < 4; i++) release.check();
      confirmNow();
      expect(steps).toEqual([]);
      release.check(); // 0.7: the load goes on
      release.check();
      release.check();
      expect(steps).toEqual([]);
      release.check(); // the third quiet look after the load
      confirmNow();
      expect(steps).toEqual(['collect']);
    });

    it('puts the step off to the next quiet look when the confirmation reads light work, not busy', () => {
      const { release, steps, confirmNow } = confirming([0.9, 0.0, 0.0, 0.0, 0.05, 0.0, 0.0]);
      for (let i = 0; i < 4; i++) release.check();
      confirmNow(); // 0.05: a health check or a cache sweep in those 200 ms
      expect(steps).toEqual([]);
      expect(release.check()).toBe(true); // the very next quiet look decides again
      confirmNow();
      expect(steps).toEqual(['collect']);
    });

    it('drops the settle when its confirmation reads a new load', () => {
      const { release, steps, confirmNow } = confirming([0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0]);
      for (let i = 0; i < 4; i++) release.check();
      confirmNow(); // collect; then the reading after its own GC (1: see looks)
      for (let i = 0; i < 3; i++) release.check(); // three quiet looks: the settle's deciding one
      confirmNow(); // 0.5: a load
      expect(steps).toEqual(['collect']);
      for (let i = 0; i < 3; i++) release.check(); // quiet again, but the settle was dropped: this load's own release collects
      confirmNow();
      expect(steps).toEqual(['collect', 'collect']);
    });

    it('asks for one confirmation at a time: a look while one is pending reads nothing', () => {
      const { release, steps, confirmNow, waiting } = confirming([0.9, 0.0, 0.0, 0.0, 0.0]);
      for (let i = 0; i < 4; i++) release.check();
      expect(waiting()).toBe(true);
      expect(release.check()).toBe(false); // would have read the 0.0 meant for the confirmation
      confirmNow();
      expect(steps).toEqual(['collect']);
    });
  });

  describe('start', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('checks on its interval, and stops when told', () => {
      const { release, collected } = fed([0.9, 0.0, 0.0, 0.0, 0.9, 0.0, 0.0, 0.0]);
      const stop = release.start(1000);
      jest.advanceTimersByTime(3999);
      expect(collected()).toBe(0);
      jest.advanceTimersByTime(1); // the fourth look: busy, then quiet three times
      expect(collected()).toBe(1);
      stop();
      jest.advanceTimersByTime(10_000);
      expect(collected()).toBe(1);
    });
  });

  it('does not keep the process alive', () => {
    // Real timers: only a timer that holds the event loop open is listed as an active resource.
    const timeouts = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const before = timeouts();
    const stop = fed([]).release.start(1000);
    try {
      expect(timeouts()).toBe(before);
    } finally {
      stop();
    }
    const held = setInterval(() => undefined, 1000);
    expect(timeouts()).toBe(before + 1); // the check above can tell
    clearInterval(held);
  });
});

describe('eventLoopUtilizationSince', () => {
  it('reads a blocked event loop as busy, and each call covers only the time since the last', async () => {
    const since = eventLoopUtilizationSince();
    const until = Date.now() + 50;
    while (Date.now() < until); // the event loop is held for 50 ms
    expect(since()).toBeGreaterThan(0.5);
    await new Promise((resolve) => setTimeout(resolve, 100)); // an idle event loop
    expect(since()).toBeLessThan(0.5);
  });
});

describe('exposedGc', () => {
  it('collects the garbage of the whole heap, and still does when asked for again', () => {
    const gc = exposedGc();
    gc();
    const before = process.memoryUsage().heapUsed;
    let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i, text: `entry ${i}` }));
    expect(process.memoryUsage().heapUsed - before).toBeGreaterThan(10_000_000);
    garbage = undefined;
    gc();
    expect(garbage).toBeUndefined();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(2_000_000);
    garbage = Array.from({ length: 200_000 }, (_, i) => ({ i }));
    garbage = undefined;
    exposedGc()();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(2_000_000);
  });
});

describe('compactingGc', () => {
  /** The heap's reserve after a GC of an old generation where one object in ten is still alive. */
  function reserveAfterFragmentation(collect: () => void): number {
    const gc = exposedGc();
    let objects = Array.from({ length: 300_000 }, (_, i) => ({ i, text: `entry ${i}` }));
    gc();
    gc(); // survived twice: in the old generation
    objects = objects.filter((_, i) => i % 10 === 0);
    collect();
    const reserve = process.memoryUsage().heapTotal;
    expect(objects).toHaveLength(30_000); // alive until measured
    return reserve;
  }

  it('gives back the pages a plain full GC keeps for the few objects left on them', () => {
    const plain = reserveAfterFragmentation(exposedGc());
    const compacted = reserveAfterFragmentation(compactingGc());
    // About 58 MB against 38 MB on Node 20.
    expect(plain - compacted).toBeGreaterThan(10 * 1048576);
  });

  it('compacts for that one collection only, even when the collection throws', () => {
    const calls: string[] = [];
    const record = (flags: string) => calls.push(flags);
    compactingGc(() => calls.push('gc'), record)();
    expect(calls).toEqual(['--compact-on-every-full-gc', 'gc', '--no-compact-on-every-full-gc']);
    calls.length = 0;
    const failing = compactingGc(() => {
      throw new Error('no');
    }, record);
    expect(failing).toThrow('no');
    expect(calls).toEqual(['--compact-on-every-full-gc', '--no-compact-on-every-full-gc']);
  });
});

describe('startIdleMemoryRelease', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('looks every 2 s, collects 6 s into the quiet after a load once 200 ms more were quiet, and says so with the heap before and after and the pause', () => {
    const looks = [0.7, 0.0, 0.0, 0.0];
    let collections = 0;
    let scavenges = 0;
    let garbage: unknown[] | undefined;
    const lines: string[] = [];
    const stop = startIdleMemoryRelease((line) => lines.push(line), {
      utilization: () => looks.shift() ?? 0,
      gc: () => {
        collections++;
        garbage = undefined; // what a GC would make of it: the heap shrinks
        exposedGc()();
      },
      scavenge: () => scavenges++,
    });
    garbage = Array.from({ length: 300_000 }, (_, i) => ({ i, text: `entry ${i}` }));
    jest.advanceTimersByTime(8199); // the deciding look at 8 s, then its confirmation's 200 ms
    expect(collections).toBe(0);
    jest.advanceTimersByTime(1);
    expect(garbage).toBeUndefined();
    expect(collections).toBe(1);
    expect(lines).toHaveLength(1);
    const [, before, after] = /^load ended: compacting GC, JavaScript heap (\d+) -> (\d+) MB in use, \d+ ms$/.exec(lines[0]) ?? [];
    expect(Number(before) - Number(after)).toBeGreaterThanOrEqual(10);
    jest.advanceTimersByTime(5999);
    expect(scavenges).toBe(0);
    jest.advanceTimersByTime(1); // 6 s after the collection
    stop();
    expect([collections, scavenges]).toEqual([1, 1]);
    expect(lines[1]).toMatch(/^still quiet: scavenge, young generation \d+ -> \d+ MB reserved$/);
  });
  it('traces what each look read, when asked, and runs the same without a trace', () => {
    const run = (trace?: (line: string) => void) => {
      const looks = [0.7, 0.0123, 0.0, 0.0];
      let collections = 0;
      const stop = startIdleMemoryRelease(() => undefined, { utilization: () => looks.shift() ?? 0, gc: () => collections++, scavenge: () => undefined, trace });
      jest.advanceTimersByTime(8200);
      stop();
      return collections;
    };
    const lines: string[] = [];
    expect(run((line) => lines.push(line))).toBe(1);
    // The fifth reading is the confirmation's; the sixth, taken after its own GC, is where the next look starts.
    expect(lines).toEqual([
      'event loop 70.0% busy since the last reading',
      'event loop 1.2% busy since the last reading',
      'event loop 0.0% busy since the last reading',
      'event loop 0.0% busy since the last reading',
      'event loop 0.0% busy since the last reading',
      'event loop 0.0% busy since the last reading',
    ]);
    expect(run()).toBe(1);
  });

  it('runs no GC after it is stopped, not even one whose confirmation was pending', () => {
    const looks = [0.7, 0.0, 0.0, 0.0];
    let collections = 0;
    const stop = startIdleMemoryRelease(() => undefined, { utilization: () => looks.shift() ?? 0, gc: () => collections++, scavenge: () => undefined });
    jest.advanceTimersByTime(8100); // the deciding look has asked for its confirmation
    stop();
    jest.advanceTimersByTime(10_000);
    expect(collections).toBe(0);
  });
});

describe('youngGenerationGc', () => {
  /**
   * In a process of its own: V8 shrinks the young generation only when it measures a low
   * allocation rate over its last GCs, and a jest worker running beside other suites (its
   * reporters, its IPC) allocated enough in the 6 s to keep it at 32 MB in a CI run.
   */
  const script = `
    const { compactingGc, youngGenerationGc, youngGenerationSize } = require(${JSON.stringify(join(__dirname, 'idle-memory-release.ts'))});
    // Short-lived objects for 1.5 s: V8 grows the young generation to hold them.
    const until = Date.now() + 1500;
    let kept = [];
    while (Date.now() < until) {
      for (let i = 0; i < 10000; i++) kept.push({ i, text: 'entry ' + i });
      if (kept.length > 100000) kept = [];
    }
    kept = [];
    const grown = youngGenerationSize();
    compactingGc()(); // as the release's first step runs it: too soon after the burst's scavenges
    const afterFullGc = youngGenerationSize();
    setTimeout(() => {
      youngGenerationGc()();
      process.stdout.write(JSON.stringify({ grown, afterFullGc, afterScavenge: youngGenerationSize() }));
    }, 6000);
  `;
  const MB = 1048576;

  it("asks V8's exposed gc for a minor collection (a scavenge), not a full one", () => {
    const calls: unknown[] = [];
    youngGenerationGc((options?: unknown) => calls.push(options))();
    expect(calls).toEqual([{ type: 'minor' }]);
  });

  it("reads the young generation's reserve from V8's new space", () => {
    const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    expect(newSpace?.space_size).toBeGreaterThan(0);
    expect(youngGenerationSize()).toBe(newSpace?.space_size);
  });

  it('shrinks a young generation grown by a burst once 6 s have passed without a GC, where a full GC right after keeps it', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', join(__dirname, '../../../test/support/ts-register.js'), '-e', script], { encoding: 'utf8' });
    const { grown, afterFullGc, afterScavenge } = JSON.parse(stdout) as Record<string, number>;
    expect(grown).toBeGreaterThanOrEqual(16 * MB);
    expect(afterFullGc).toBe(grown);
    expect(afterScavenge).toBeLessThanOrEqual(2 * MB);
  }, 20_000);
});
