import { Instance, logMessages, messageMatching, startInstance, waitReady } from './support/fleet';
import { createTestDatabase, TestDatabase } from './support/test-database';

const RELEASED = /^load ended: compacting GC, JavaScript heap \d+ -> \d+ MB in use, \d+ ms$/;
const SETTLED = /^still quiet: scavenge, young generation (\d+) -> (\d+) MB reserved$/;
/** The release's own lines, each look's reading (at debug) included. */
const RELEASE_LINES = /^(event loop [\d.]+% busy since the last reading|load ended: |still quiet: )/;

/** The instance's log messages so far that match. */
const matching = (instance: Instance, pattern: RegExp) => logMessages(instance).filter((msg) => pattern.test(msg));

/** The first line that matches; fails with the release's lines (not the load's 15,000 access-log lines) after `limitMs`. */
async function releaseLine(instance: Instance, pattern: RegExp, limitMs: number): Promise<string> {
  try {
    return await messageMatching(instance, pattern, limitMs);
  } catch {
    throw new Error(`no line matching ${pattern} within ${limitMs} ms; what the release read:\n${matching(instance, RELEASE_LINES).join('\n')}`);
  }
}

/** Keeps `concurrency` requests in flight against the instance for `ms`. */
async function load(instance: Instance, ms: number, concurrency = 16): Promise<void> {
  const end = Date.now() + ms;
  const loop = async () => {
    while (Date.now() < end) await (await fetch(`${instance.url}/health/live`)).arrayBuffer();
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

/**
 * The service as started (src/main.ts, in its own process): once a load ends, it runs one
 * compacting GC and says so (RELEASE_MEMORY_WHEN_IDLE, on by default), then a scavenge that
 * shrinks the young generation. The unit spec covers when it decides to; this covers that the
 * process started that way does it at all.
 */
describe('memory released once a load ends (e2e)', () => {
  let database: TestDatabase;
  let instance: Instance | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await instance?.stop();
    await database.drop();
  });

  it('runs one compacting GC some seconds after the load, not during it, then shrinks the young generation', async () => {
    // The service's own polls at their defaults (the outbox every second, policies every 2 s):
    // the release has to come in spite of them. At debug the service logs each look's reading,
    // which a failure prints (CI runs failed here without saying what the looks saw).
    instance = await startInstance({ DATABASE_URL: database.url, LOG_LEVEL: 'debug' });
    await waitReady(instance);
    await load(instance, 4000);
    expect(matching(instance, RELEASED)).toEqual([]); // busy all along: nothing yet
    await releaseLine(instance, RELEASED, 30_000);
    expect(matching(instance, SETTLED)).toEqual([]); // 6 s after the collection, not with it
    const [, , settled] = SETTLED.exec(await releaseLine(instance, SETTLED, 15_000)) ?? [];
    // The load grows it to 32 MB; the compacting GC shrinks it in some runs and not in others
    // (the unit spec pins down when), so only the end state is certain: 1 or 2 MB.
    expect(Number(settled)).toBeLessThanOrEqual(2);
    // One of each per load: it waits for the next busy period before it collects again.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(matching(instance, RELEASED)).toHaveLength(1);
    expect(matching(instance, SETTLED)).toHaveLength(1);
  }, 90_000);
});
