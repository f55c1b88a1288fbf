import { validateConfig } from '../../config/app-config';
import { InMemorySignalCache } from './signal-cache';
import { ForgetSubjectMessage, WorkerSignalCache } from './worker-signal-cache';

const answer = { answer: { status: 'OK' as const, value: { swapped: false } }, storedAt: 0 };

describe('WorkerSignalCache', () => {
  it("tells the siblings of an erasure, and forgets what a sibling's erasure names", async () => {
    const sent: ForgetSubjectMessage[] = [];
    const listeners: ((message: unknown) => void)[] = [];
    const local = new InMemorySignalCache(100, () => 0);
    const cache = new WorkerSignalCache(local, (message) => sent.push(message));
    cache.listen((listener) => listeners.push(listener));
    await cache.set('a', answer, 60_000, 'subject-1');
    await cache.set('b', answer, 60_000, 'subject-2');

    expect(await cache.forgetSubject('subject-1')).toBe(1);
    expect(sent).toEqual([{ linetrust: 'forget-subject', subjectHash: 'subject-1' }]);
    expect(await cache.get('a')).toBeUndefined();

    // A sibling erased subject-2; anything else on the channel is ignored.
    listeners.forEach((listener) => listener({ other: true }));
    expect(await cache.get('b')).toEqual(answer);
    listeners.forEach((listener) => listener({ linetrust: 'forget-subject', subjectHash: 'subject-2' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.get('b')).toBeUndefined();
    // Forgetting on a sibling's word is not echoed back (no message storm between workers).
    expect(sent).toHaveLength(1);
  });
});

describe('FLEET_STATE=auto with WORKERS', () => {
  it.each([
    ['one process on SQLite', { DATABASE_URL: 'file:./x.db' }, false, false],
    ['two workers on SQLite', { DATABASE_URL: 'file:./x.db', WORKERS: '2' }, true, false],
    ['one process on PostgreSQL', { DATABASE_URL: 'postgresql://h/db' }, true, true],
    ['two workers on PostgreSQL', { DATABASE_URL: 'postgresql://h/db', WORKERS: '2' }, true, true],
    ['FLEET_STATE=database forces both', { DATABASE_URL: 'file:./x.db', FLEET_STATE: 'database' }, true, true],
    ['FLEET_STATE=local forces neither', { DATABASE_URL: 'postgresql://h/db', WORKERS: '2', FLEET_STATE: 'local' }, false, false],
  ])('%s: shared rate limits %s, shared signal cache %s', (_label, env, fleet, cache) => {
    const config = validateConfig(env);
    expect([config.sharedFleetState, config.sharedSignalCache]).toEqual([fleet, cache]);
  });

  it('refuses WORKERS outside 1..64', () => {
    expect(() => validateConfig({ WORKERS: '0' })).toThrow(/WORKERS/);
    expect(() => validateConfig({ WORKERS: '65' })).toThrow(/WORKERS/);
  });
});
