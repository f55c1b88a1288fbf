import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { DecisionService } from '../src/decisions/decision.service';
import { DecisionView } from '../src/decisions/decision.types';
import { EXPLORER_CSP } from '../src/explorer/explorer.controller';
import { explorerBrowser, watch } from './support/explorer-browser';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

// What the functions evaluated in the page use of its globals (this project compiles without the DOM library).
declare const document: { querySelectorAll(selector: string): Iterable<{ getAttribute(name: string): string | null }> & ArrayLike<unknown> };
declare const sessionStorage: Record<string, string> & { length: number };
declare const localStorage: Record<string, string>;

const BROWSER = explorerBrowser('test/explorer.e2e-spec.ts');
const SKIP_BROWSER = BROWSER.skip;
/** Kept for review by people (test-output/ is git-ignored). */
const SCREENSHOT = join(__dirname, '..', 'test-output', 'explorer.png');

/** The decision explorer in a real headless Chromium, on decisions the test makes through the API. */
describe('decision explorer (browser e2e)', () => {
  let t: TestApp;
  let rulesDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  const made: Record<'allow' | 'review' | 'block', DecisionView> = {} as never;

  const rowIds = (page: Page) => page.locator('#decisions tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
  const waitForRows = (page: Page, ids: string[]) =>
    page.waitForFunction((expected) => JSON.stringify([...document.querySelectorAll('#decisions tbody tr')].map((row) => row.getAttribute('data-id'))) === expected, JSON.stringify(ids));
  const barOutcomes = (page: Page) => page.locator('#chart rect.bar').evaluateAll((bars) => bars.map((bar) => bar.getAttribute('data-outcome')).sort());

  async function connect(page: Page, key: string): Promise<void> {
    await page.goto(`${base}/explorer/`);
    await page.getByLabel('API key', { exact: true }).fill(key);
    await page.getByRole('button', { name: 'Connect' }).click();
  }

  beforeAll(async () => {
    // The starter policies (the run's snapshot), and a shadow candidate for onboarding (for the shadow and backtest panels).
    rulesDir = mkdtempSync(join(tmpdir(), 'linetrust-explorer-rules-'));
    const shipped = starterRulesDir();
    for (const name of readdirSync(shipped)) writeFileSync(join(rulesDir, name), readFileSync(join(shipped, name)));
    const candidate = JSON.parse(readFileSync(join(shipped, 'onboarding.json'), 'utf8'));
    candidate.rules.find((r: { name: string }) => r.name === 'established-postpaid-line').event.type = 'CHALLENGE';
    writeFileSync(join(rulesDir, 'onboarding.candidate.json'), JSON.stringify(candidate));

    t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { RULES_DIR: rulesDir, POLICY_RELOAD: 'false' } });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    const decide = async (secondsAgo: number, body: Record<string, unknown>) => {
      t.clock.set(new Date(NOW.getTime() - secondsAgo * 1000));
      return (await t.http().post('/v1/decisions').send(body).expect(201)).body as DecisionView;
    };
    made.allow = await decide(3 * 3600, { useCase: 'onboarding', phoneNumber: LINE.established });
    made.review = await decide(3600, { useCase: 'p2p_recipient', phoneNumber: LINE.simSwapped48h, context: { amount: 25000, currency: 'EUR' } });
    made.block = await decide(1, { useCase: 'account_recovery', phoneNumber: LINE.recycled, trustedSince: '2026-01-01' });
    t.clock.set(NOW);
    await t.app.get(DecisionService).shadowsSettled();
    expect([made.allow.outcome, made.review.outcome, made.block.outcome]).toEqual(['ALLOW', 'REVIEW', 'BLOCK']);
  });
  afterAll(async () => {
    await t?.close();
    if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
  });

  it('serves the page without a key, with a strict CSP, no caching, and only its own files', async () => {
    const server = () => request(t.app.getHttpServer());
    const page = await server().get('/explorer/').expect(200);
    expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'content-security-policy': EXPLORER_CSP, 'x-content-type-options': 'nosniff' });
    expect(EXPLORER_CSP).toContain("default-src 'self'");
    expect(page.text).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=/i);
    expect((await server().get('/explorer/app.js').expect(200)).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await server().get('/explorer').expect(301)).headers.location).toBe('/explorer/');
    for (const path of ['/explorer/package.json', '/explorer/..%2f..%2fpackage.json', '/explorer/static/app.js']) {
      expect((await server().get(path).expect(404)).body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    }
  });

  (SKIP_BROWSER ? describe.skip : describe)(SKIP_BROWSER ? 'in Chromium: SKIPPED, no browser (see the warning above)' : 'in Chromium', () => {
    beforeAll(async () => {
      browser = await BROWSER.launch();
      // Not UTC: the page shows local times and must turn the filter's local times into instants.
      context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'Europe/Madrid', locale: 'en-GB' });
      // Well under jest's 30 s, so a wait that fails says what it waited for.
      context.setDefaultTimeout(8000);
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('lists the decisions just made, opens one with its reasons, signals and policy, and charts the outcomes', async () => {
      const page = await context.newPage();
      const { problems, urls } = watch(page);
      await connect(page, t.key);

      await waitForRows(page, [made.block.id, made.review.id, made.allow.id]);
      const blockRow = page.locator(`#decisions tbody tr[data-id="${made.block.id}"]`);
      // 11:59:59Z, a second before the clock's now, shown in Madrid's summer time.
      expect(await blockRow.innerText()).toMatch(/^2026-06-15 13:59:59\s+account_recovery\s+BLOCK\s+\d+\s+\+34\*+005\s+—\s+NUMBER_RECYCLED/);

      await blockRow.getByRole('button').click();
      await page.locator('#detail-title code', { hasText: made.block.id }).waitFor();
      const reasons = await page.locator('#detail table.reasons tbody tr').allInnerTexts();
      expect(reasons).toHaveLength(made.block.reasons.length);
      made.block.reasons.forEach((reason, index) => {
        for (const part of [reason.rule, reason.code, reason.action, reason.message]) expect(reasons[index]).toContain(part);
      });
      const signals = await page.locator('#detail table.signals tbody tr').allInnerTexts();
      expect(signals).toHaveLength(made.block.signals.length);
      made.block.signals.forEach((signal, index) => {
        expect(signals[index]).toContain(signal.signal);
        expect(signals[index]).toContain(signal.status);
        for (const [name, value] of Object.entries(signal.query)) expect(signals[index]).toContain(`${name}: ${value}`);
      });
      await page.getByRole('button', { name: 'Show policy text' }).click();
      await page.locator('#policy-text', { hasText: '"id": "account_recovery"' }).waitFor();

      await page.locator('#chart rect.bar').first().waitFor();
      expect(await barOutcomes(page)).toEqual(['ALLOW', 'BLOCK', 'REVIEW']);
      expect(await page.locator('#chart svg').getAttribute('aria-label')).toMatch(/^3 decisions per hour .*: 1 ALLOW, 0 CHALLENGE, 1 REVIEW, 1 BLOCK$/);

      // The onboarding candidate shadowed the ALLOW decision; its backtest replays it.
      const onboarding = page.locator('article.policy', { has: page.getByRole('heading', { name: 'onboarding', exact: true }) });
      await onboarding.locator('.shadow table.matrix').waitFor();
      expect(await onboarding.locator('.shadow').innerText()).toContain('1 decision shadowed · agreement 0.0%');
      await onboarding.getByRole('button', { name: 'Run backtest' }).click();
      await onboarding.locator('.backtest table.matrix').waitFor();
      expect(await onboarding.locator('.backtest').innerText()).toMatch(/replayed on 1 decision, 1 fully replayable; 1 would change outcome/);

      // Each policy shows the request inputs it declares.
      const p2p = page.locator('article.policy', { has: page.getByRole('heading', { name: 'p2p_recipient', exact: true }) });
      await p2p.locator('.inputs table').waitFor();
      const inputRows = await p2p.locator('.inputs tbody tr').allInnerTexts();
      expect(inputRows).toEqual([expect.stringMatching(/^context\.amount\s+integer\s+required\s+≥ 1; ≤ 100000000000; in minor units of the currency\s+/), expect.stringMatching(/^context\.currency\s+string\s+required\s+"EUR", "GBP", "USD"/)]);
      expect(await onboarding.locator('.inputs').innerText()).toContain('Reads no context field. Other fields are refused (400).');

      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(problems).toEqual([]);
      // The key travels in a header only: never in a URL, and it is kept in this tab's sessionStorage only.
      expect(urls.filter((url) => url.includes(t.key.slice(-20)))).toEqual([]);
      expect(await page.evaluate(() => [Object.keys(localStorage).length, Object.values(sessionStorage)])).toEqual([0, [t.key]]);
      await page.close();
    });

    it('filters the list and the chart by outcome and by a local time range', async () => {
      const page = await context.newPage();
      const { problems } = watch(page);
      await connect(page, t.key);
      await waitForRows(page, [made.block.id, made.review.id, made.allow.id]);

      await page.getByLabel('Outcome', { exact: true }).selectOption('BLOCK');
      await waitForRows(page, [made.block.id]);

      await page.getByLabel('Outcome', { exact: true }).selectOption('');
      // 12:00 to 14:00 in Madrid is 10:00Z to 12:00Z: the ALLOW decision (09:00Z) is before it.
      await page.getByLabel('From', { exact: true }).fill('2026-06-15T12:00:00');
      await page.getByLabel('To', { exact: true }).fill('2026-06-15T14:00:00');
      await page.getByRole('button', { name: 'Apply' }).click();
      await waitForRows(page, [made.block.id, made.review.id]);
      await page.waitForFunction(() => document.querySelectorAll('#chart rect.bar').length === 2);
      expect(await barOutcomes(page)).toEqual(['BLOCK', 'REVIEW']);
      expect(problems).toEqual([]);
      await page.close();
    });

    it('says clearly when the key is refused, and keeps nothing of it', async () => {
      const page = await context.newPage();
      await connect(page, `lt_0123456789abcdef_${'A'.repeat(43)}`);
      const status = page.locator('#status.status-error');
      await status.waitFor();
      expect(await status.innerText()).toContain('The API key was not accepted (401 UNAUTHENTICATED)');
      expect(await page.locator('#main').isHidden()).toBe(true);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      expect(await rowIds(page)).toEqual([]);
      await page.close();
    });

    it('renders the API document at /docs, every operation of it, with no script error', async () => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${base}/docs`);
      await page.locator('.opblock').first().waitFor();
      const spec = (await (await fetch(`${base}/docs/openapi.json`)).json()) as { paths: Record<string, object> };
      const documented = Object.values(spec.paths).flatMap(Object.keys).length;
      expect(await page.locator('.opblock').count()).toBe(documented);
      expect(errors).toEqual([]);
      await page.screenshot({ path: join(dirname(SCREENSHOT), 'docs.png') });
      await page.close();
    });
  });
});
