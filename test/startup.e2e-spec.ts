import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.factory';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRule, starterRulesDir } from './support/starter-rules';
import { CapturingLogger, startTestApp } from './support/test-app';
import { createTestDatabase } from './support/test-database';

/** Start-up refuses what it cannot serve correctly, saying which file, path or variable. */
describe('start-up (e2e)', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'linetrust-startup-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  const start = (env: Record<string, string>) =>
    createApp({
      env: { NODE_ENV: 'test', DATABASE_URL: `file:${join(tempDir(), 'refused.db')}`, RULES_DIR: starterRulesDir(), ...env },
      ignoreEnvFile: true,
      logger: new CapturingLogger(),
    });

  it('refuses a broken policy file, naming the file, the path inside it and the reason', async () => {
    const rules = tempDir();
    cpSync(starterRulesDir(), rules, { recursive: true });
    const broken = starterRule('onboarding.json');
    broken.rules[1].conditions.all[0].params.maxAge = 5000;
    writeFileSync(join(rules, 'onboarding.json'), JSON.stringify(broken));
    await expect(start({ RULES_DIR: rules })).rejects.toThrow(
      /onboarding\.json: invalid policy\n\s+\$\.rules\[1\]\.conditions\.all\[0\]\.params\.maxAge: must be <= 2400/,
    );
  });

  it('refuses a broken gateways file, naming the file, the path inside it and the offending value', async () => {
    const file = join(tempDir(), 'gateways.json');
    const gateways = JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'gateways', 'telefonica.json'), 'utf8'));
    gateways.gateways.telefonica.apis.simSwap.version = 'v3';
    writeFileSync(file, JSON.stringify(gateways));
    await expect(start({ GATEWAYS_FILE: file, TELEFONICA_CLIENT_SECRET: 'x' })).rejects.toThrow(
      /Invalid gateways file .*gateways\.json:\n\s+\$\.gateways\.telefonica\.apis\.simSwap\.version: must be one of .*\(got "v3"\)/,
    );
  });

  it('refuses a gateways file whose secret is not in the environment, naming the variable', async () => {
    const file = join(__dirname, '..', 'examples', 'gateways', 'telefonica.json');
    await expect(start({ GATEWAYS_FILE: file })).rejects.toThrow(
      /\$\.gateways\.telefonica\.auth\.client\.clientSecret: needs the secret in TELEFONICA_CLIENT_SECRET, or a file named by TELEFONICA_CLIENT_SECRET_FILE/,
    );
  });

  it('refuses a gateways file together with the single-operator variables', async () => {
    const file = join(__dirname, '..', 'examples', 'gateways', 'telefonica.json');
    await expect(start({ GATEWAYS_FILE: file, SIM_SWAP_API_URL: 'https://gateway.example.com' })).rejects.toThrow(
      /GATEWAYS_FILE replaces SIM_SWAP_API_URL: set one or the other, not both/,
    );
  });

  it('refuses an invalid sandbox dataset, naming the entry and the reason', async () => {
    const file = join(tempDir(), 'lines.json');
    writeFileSync(file, JSON.stringify({ lines: [{ phoneNumber: LINE.established, subscriberSince: 'last year' }] }));
    await expect(start({ SANDBOX_LINES_FILE: file })).rejects.toThrow(/lines\[0\] \(\+34\*+001\): subscriberSince must be/);
  });

  it('gives the real reason through the production logger too (errors without a stack)', async () => {
    const file = join(tempDir(), 'lines.json');
    writeFileSync(file, JSON.stringify({ lines: [{ phoneNumber: LINE.established }] }));
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const errSpy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(
        createApp({ env: { NODE_ENV: 'test', DATABASE_URL: `file:${join(tempDir(), 'x.db')}`, RULES_DIR: starterRulesDir(), SANDBOX_LINES_FILE: file }, ignoreEnvFile: true }),
      ).rejects.toThrow(/lines\[0\] \(\+34\*+001\): subscriberSince is required/);
    } finally {
      spy.mockRestore();
      errSpy.mockRestore();
    }
  });

  it.each([
    [{ NODE_ENV: 'production' }, /PHONE_NUMBER_HASH_KEY is required when NODE_ENV=production/],
    [{ PHONE_NUMBER_HASH_KEY: 'short' }, /PHONE_NUMBER_HASH_KEY must be at least 32 characters/],
    [{ PORT: 'eighty' }, /PORT/],
    [{ DATABASE_URL: 'mysql://localhost/db' }, /DATABASE_URL must be file:<path> or postgresql:\/\//],
    [{ DATABASE_URL: 'file::memory:' }, /file::memory: is not supported/],
    [{ SIM_SWAP_API_URL: 'http://127.0.0.1:9090' }, /OPERATOR_TOKEN_URL is required when an operator API URL is set/],
    [{ DECISION_DEADLINE_MS: '10' }, /DECISION_DEADLINE_MS/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ])('refuses configuration %p, naming the variable', async (env, message) => {
    await expect(start(env)).rejects.toThrow(message);
  });

  it('keeps stored decisions across a restart on the same database (migrations are not re-applied)', async () => {
    const database = await createTestDatabase();
    const env = { DATABASE_URL: database.url };
    try {
      const first = await startTestApp({ lines: TEST_LINES, now: NOW, env });
      const created = await first.http()
        .post('/v1/decisions')
        .send({ useCase: 'onboarding', phoneNumber: LINE.established })
        .expect(201);
      await first.app.close();
      const second = await startTestApp({ lines: TEST_LINES, now: NOW, env });
      try {
        const read = await second.http().get(`/v1/decisions/${created.body.id}`).expect(200);
        expect(read.body).toEqual(created.body);
      } finally {
        await second.app.close();
      }
    } finally {
      await database.drop();
    }
  });
});
