import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@nestjs/common';
import { runCli } from '../src/cli/linetrust-cli';
import { FixedClock } from '../src/common/time/clock';
import { starterRulesDir } from './support/starter-rules';
import { createTestDatabase, TestDatabase } from './support/test-database';

const ROOT = join(__dirname, '..');
const KEY = /^lt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;

/** Every command a user can type, as the README and docs/cli.md list them. */
const COMMANDS = [
  'keys create', 'keys list', 'keys revoke',
  'policy validate', 'policy test', 'policy explain', 'policy shadow', 'policy backtest', 'policy publish', 'policy activate',
  'privacy purge', 'privacy erase',
  'bench decisions', 'bench backtest', 'bench rules', 'bench fleet',
];

/** The linetrust command line, in process: what it prints where, and its exit code. */
describe('linetrust CLI', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    // In process, Nest's lines would go to jest's output ("database ready" for each command).
    Logger.overrideLogger(['error', 'warn']);
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url, NODE_ENV: 'test', LOG_LEVEL: 'warn', RULES_DIR: starterRulesDir() };
  });
  afterAll(() => database.drop());

  async function run(...argv: string[]) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await runCli(argv, { line: (text) => stdout.push(text), error: (text) => stderr.push(text) }, env, new FixedClock(new Date('2026-06-15T12:00:00Z')));
    return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  }

  it('--help lists every command, on stdout, exit 0', async () => {
    const { code, stdout, stderr } = await run('--help');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    for (const command of COMMANDS) {
      const [group, name] = command.split(' ');
      expect(stdout).toMatch(new RegExp(`^ {2}${group}\\b[\\s\\S]*^ {4}${name}\\b`, 'm'));
    }
    expect(stdout).toContain('64 a wrong command line');
  });

  it.each(COMMANDS)('%s --help: its usage and options on stdout, exit 0, nothing run', async (command) => {
    const { code, stdout, stderr } = await run(...command.split(' '), '--help');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(new RegExp(`^usage: linetrust ${command}\\b`));
    expect(stdout).toContain('-h, --help');
  });

  it('a group without its command: the group help on stderr, exit 64', async () => {
    const { code, stdout, stderr } = await run('keys');
    expect({ code, stdout }).toEqual({ code: 64, stdout: '' });
    expect(stderr).toMatch(/^usage: linetrust keys <command>/);
    expect((await run()).code).toBe(64);
    expect((await run('keyz', 'list')).stderr).toContain('unknown command "keyz"');
  });

  it('refuses an option whose value is missing or looks like an option, and creates nothing', async () => {
    for (const argv of [
      ['keys', 'create', '--label', '--scopes', 'admin'],
      ['keys', 'create', '--scopes', 'admin', '--label'],
      ['keys', 'create', '--label', 'ops'],
      ['keys', 'create', '--label', 'ops', '--scopes', 'admin', '--rate', '-5'],
      ['keys', 'create', '--label', 'ops', '--scopes', 'root'],
      ['keys', 'create', '--label', 'ops', '--scopes', 'admin', '--scope', 'admin'],
    ]) {
      const { code, stdout, stderr } = await run(...argv);
      expect({ argv, code, stdout }).toEqual({ argv, code: 64, stdout: '' });
      expect(stderr).toMatch(/^linetrust keys create: .*\nusage: linetrust keys create --label <text> --scopes <scope,...>/);
    }
    expect((await run('keys', 'create', '--label', '--scopes', 'admin')).stderr).toContain("'--label'");
    expect(JSON.parse((await run('keys', 'list', '--json')).stdout)).toEqual([]);
  });

  it('refuses a missing or extra argument', async () => {
    expect(await run('keys', 'revoke')).toMatchObject({ code: 64, stdout: '', stderr: expect.stringContaining('missing argument <id>') });
    expect(await run('keys', 'revoke', 'a', 'b')).toMatchObject({ code: 64, stderr: expect.stringContaining('unexpected argument "b"') });
    expect(await run('policy', 'activate', 'onboarding')).toMatchObject({ code: 64 });
    expect(await run('privacy', 'purge', '--older-than-days', '0')).toMatchObject({ code: 64, stderr: expect.stringContaining('1..99999') });
  });

  it('keys create --json: one JSON document with the key, which list never shows again', async () => {
    const created = await run('keys', 'create', '--label', 'ci', '--scopes', 'decisions:write,decisions:read', '--rate', '50', '--json');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ label: 'ci', scopes: ['decisions:write', 'decisions:read'], rateLimitPerSecond: 50, key: expect.stringMatching(KEY) });
    const listed = await run('keys', 'list', '--json');
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: key.id, label: 'ci' })]);
    expect(listed.stdout).not.toContain(key.key.slice(20));

    const revoked = await run('keys', 'revoke', key.id, '--json');
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: key.id, revokedAt: expect.any(String) });
    // A refusal of the service is a failure (1), not a usage error.
    expect(await run('keys', 'revoke', 'no-such-key')).toMatchObject({ code: 1, stdout: '' });
  });

  it('privacy purge --json: the counts and the cutoff', async () => {
    const { code, stdout } = await run('privacy', 'purge', '--older-than-days', '30', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ decisions: 0, idempotencyKeys: 0, cutoff: '2026-05-16T12:00:00.000Z' });
  });

  describe('policy files', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'linetrust-cli-'));
      cpSync(starterRulesDir(), dir, { recursive: true });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('validate --json: the valid and the invalid files, exit 2 when one is invalid', async () => {
      const broken = join(dir, 'onboarding.json');
      const policy = JSON.parse(readFileSync(broken, 'utf8'));
      policy.rules[0].event.type = 'DENY';
      writeFileSync(broken, JSON.stringify(policy));
      const { code, stdout } = await run('policy', 'validate', broken, join(dir, 'p2p_recipient.json'), '--json');
      expect(code).toBe(2);
      const report = JSON.parse(stdout);
      expect(report.valid).toEqual([{ file: join(dir, 'p2p_recipient.json'), id: 'p2p_recipient', version: expect.stringMatching(/^[0-9a-f]{16}$/), rules: 6 }]);
      expect(report.invalid).toEqual([{ file: broken, problems: [expect.objectContaining({ path: '$.rules[0].event.type' })] }]);
    });

    it('test --json: every case with its result, exit 0 when all pass', async () => {
      const { code, stdout } = await run('policy', 'test', join(dir, 'account_recovery.json'), '--json');
      expect(code).toBe(0);
      const report = JSON.parse(stdout);
      expect(report).toMatchObject({ passed: 9, failed: 0, invalid: [] });
      expect(report.policies[0].results).toHaveLength(9);
    });
  });

  it('policy shadow: names the address it could not reach, where it came from, and how to set it', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    env.LINETRUST_URL = `http://127.0.0.1:${closed}`;
    try {
      const { code, stdout, stderr } = await run('policy', 'shadow', 'onboarding');
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      expect(stderr).toContain(`cannot reach the LineTrust service at http://127.0.0.1:${closed} (LINETRUST_URL): ECONNREFUSED`);
      expect(stderr).toContain('--url http://host:port or LINETRUST_URL');
      expect((await run('policy', 'shadow', 'onboarding', '--url', 'not a url')).code).toBe(64);
    } finally {
      delete env.LINETRUST_URL;
    }
  });
});

/** The bin as a user runs it: a process whose stdout is its result and nothing else. */
describe('linetrust bin (a process)', () => {
  const exec = promisify(execFile);
  let database: TestDatabase;
  beforeAll(async () => (database = await createTestDatabase()));
  afterAll(() => database.drop());

  // The sources through swc, as the fleet tests start the service: no build needed.
  async function linetrust(...argv: string[]) {
    const env = { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'info', NO_COLOR: '1' };
    const args = ['-r', join(ROOT, 'test', 'support', 'ts-register.js'), join(ROOT, 'src', 'cli', 'linetrust.ts'), ...argv];
    return exec(process.execPath, args, { env, cwd: tmpdir() }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  }

  it('prints only the JSON result on stdout, the framework log lines on stderr, exit 0', async () => {
    const { code, stdout, stderr } = await linetrust('keys', 'create', '--label', 'script', '--scopes', 'admin', '--json');
    expect(code).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(JSON.parse(stdout)).toMatchObject({ label: 'script', key: expect.stringMatching(KEY) });
    // LOG_LEVEL=info: Nest's "database ready" line is written, to stderr.
    expect(stderr).toContain('database ready');
  });

  it('exits 64 with the reason on stderr and nothing on stdout for a wrong command line', async () => {
    const { code, stdout, stderr } = await linetrust('keys', 'create', '--label', '--scopes', 'admin');
    expect({ code, stdout }).toEqual({ code: 64, stdout: '' });
    expect(stderr).toContain("Option '--label' argument is ambiguous");
  });

  it('is the package bin, from a file with a node shebang', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin.linetrust).toBe('dist/cli/linetrust.js');
    expect(readFileSync(join(ROOT, 'src', 'cli', 'linetrust.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    // The old scripts are aliases of it.
    expect(pkg.scripts.keys).toBe('node dist/cli/linetrust.js keys');
    expect(pkg.scripts.start).toBe('node dist/main.js');
  });
});
