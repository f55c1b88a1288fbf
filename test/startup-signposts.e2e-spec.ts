import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiKeyService } from '../src/auth/api-key.service';
import { runKeysCli } from '../src/cli/keys-cli';
import { FIRST_KEY_COMMAND, startupSignposts } from '../src/startup-signposts';
import { Instance, logMessages as messages, messageMatching, startInstance, waitReady } from './support/fleet';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** The instance's start-up lines, from `listening` to its last signpost. */
async function startupLines(instance: Instance): Promise<string[]> {
  await waitReady(instance);
  await messageMatching(instance, /^API document:/);
  // The signposts are logged together: the access line of a request made now comes after the last one.
  await fetch(`${instance.url}/health/live`);
  await messageMatching(instance, /^GET \/health\/live 200/);
  const all = messages(instance);
  return all.slice(all.findIndex((msg) => msg.startsWith('listening on')), all.findIndex((msg) => msg.startsWith('GET /health/live')));
}

/** What a person who starts the service reads next: where to go, and how to make the first key. */
describe('start-up signposts (e2e)', () => {
  let database: TestDatabase;
  const instances: Instance[] = [];
  const start = async () => {
    const instance = await startInstance({ DATABASE_URL: database.url, LOG_LEVEL: 'info' });
    instances.push(instance);
    return instance;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await database.drop();
  });

  // Log lines are written at the end of each event-loop turn, and at 'exit' (TurnBatchedSink):
  // a SIGTERM must end the process through process.exit, or the last turn's lines are lost.
  it('ends on SIGTERM with exit code 0, by process.exit, so that its last log lines are written', async () => {
    const instance = await start();
    await waitReady(instance);
    await instance.stop();
    expect(instance.process.signalCode).toBeNull();
    expect(instance.process.exitCode).toBe(0);
    expect(messages(instance)).toEqual(expect.arrayContaining([expect.stringMatching(/^listening on /)]));
  });

  it('names the explorer and the API document, and on a fresh install the command that makes the first key', async () => {
    const fresh = await start();
    const base = fresh.url;
    const lines = await startupLines(fresh);
    expect(lines).toEqual(
      expect.arrayContaining([
        `explorer: ${base}/explorer/`,
        `API document: ${base}/docs (OpenAPI JSON: ${base}/docs/openapi.json)`,
        `no API key yet: make the first (admin) one with \`${FIRST_KEY_COMMAND}\`; it is shown once`,
      ]),
    );
    // The places it names are served, without a key.
    expect((await fetch(`${base}/explorer/`)).status).toBe(200);
    expect((await fetch(`${base}/docs/openapi.json`)).status).toBe(200);
    await fresh.stop();

    // The command it names is the README's, and it works.
    expect(readFileSync(join(__dirname, '..', 'README.md'), 'utf8')).toContain(`\n${FIRST_KEY_COMMAND}\n`);
    const [npx, bin, group, ...argv] = FIRST_KEY_COMMAND.split(' ');
    expect([npx, bin, group]).toEqual(['npx', 'linetrust', 'keys']);
    const out: string[] = [];
    // Quiet: the command logs through Nest's default logger.
    const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const code = await runKeysCli(argv, { line: (text) => out.push(text), error: (text) => out.push(text) }, {
      DATABASE_URL: database.url,
      LOG_LEVEL: 'warn',
      RULES_DIR: starterRulesDir(),
    }).finally(() => quiet.mockRestore());
    expect({ code, out: out[0] }).toEqual({ code: 0, out: expect.stringMatching(/^created [0-9a-f]{16} {2}admin {2}\[admin\]/) });

    const keyed = await start();
    const after = await startupLines(keyed);
    expect(after.filter((msg) => msg.startsWith('explorer:') || msg.startsWith('API document:'))).toHaveLength(2);
    expect(after.join('\n')).not.toContain('no API key yet');
  });

  it('asks for a key again when every key is revoked', async () => {
    const t = await startTestApp();
    try {
      await t.app.listen(0, '127.0.0.1');
      const keys = t.app.get(ApiKeyService);
      expect((await startupSignposts(t.app)).join('\n')).not.toContain('no API key yet');
      for (const key of await keys.list()) await keys.revoke(key.id);
      expect(await startupSignposts(t.app)).toContain(`no API key yet: make the first (admin) one with \`${FIRST_KEY_COMMAND}\`; it is shown once`);
    } finally {
      await t.close();
    }
  });
});
