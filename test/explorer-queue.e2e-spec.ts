import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { ApiKeyService } from '../src/auth/api-key.service';
import { DecisionView } from '../src/decisions/decision.types';
import { explorerBrowser, watch } from './support/explorer-browser';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

// What the functions evaluated in the page use of its globals (this project compiles without the DOM library).
declare const document: {
  querySelectorAll(selector: string): Iterable<{ getAttribute(name: string): string | null }> & ArrayLike<unknown>;
  documentElement: { scrollWidth: number; clientWidth: number };
};
declare const sessionStorage: Record<string, string>;
declare const localStorage: Record<string, string>;
declare const history: { length: number };

const BROWSER = explorerBrowser('test/explorer-queue.e2e-spec.ts');
/** Kept for review by people (test-output/ is git-ignored). */
const OUTPUT = join(__dirname, '..', 'test-output');
/** What the number looks like in any URL encoding or form: its national digits. */
const digits = (phone: string) => phone.replace(/^\+\d\d/, '');

/** An analyst's day in the explorer, in a real headless Chromium: the review queue, labels, search, export, a phone's screen. */
describe('explorer for analysts (browser e2e)', () => {
  let t: TestApp;
  let rulesDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  let analyst: { key: string; id: string };
  const made: Record<'review' | 'allow' | 'block', DecisionView> = {} as never;

  const waitForRows = (page: Page, ids: string[]) =>
    page.waitForFunction((expected) => JSON.stringify([...document.querySelectorAll('#decisions tbody tr')].map((row) => row.getAttribute('data-id'))) === expected, JSON.stringify(ids));

  async function connect(page: Page, key: string): Promise<void> {
    await page.goto(`${base}/explorer/`);
    await page.getByLabel('API key', { exact: true }).fill(key);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('#decisions tbody tr').first().waitFor();
  }

  beforeAll(async () => {
    // The starter policies (the run's snapshot), with candidates for onboarding and p2p_recipient (the latter BLOCKs
    // a recipient SIM swap): account_recovery is the policy without one.
    rulesDir = mkdtempSync(join(tmpdir(), 'linetrust-explorer-queue-rules-'));
    const shipped = starterRulesDir();
    for (const name of readdirSync(shipped)) writeFileSync(join(rulesDir, name), readFileSync(join(shipped, name)));
    const p2p = JSON.parse(readFileSync(join(shipped, 'p2p_recipient.json'), 'utf8'));
    p2p.rules.find((r: { name: string }) => r.name === 'recipient-sim-swap').event.type = 'BLOCK';
    writeFileSync(join(rulesDir, 'p2p_recipient.candidate.json'), JSON.stringify(p2p));
    const onboarding = JSON.parse(readFileSync(join(shipped, 'onboarding.json'), 'utf8'));
    onboarding.rules.find((r: { name: string }) => r.name === 'established-postpaid-line').event.type = 'CHALLENGE';
    writeFileSync(join(rulesDir, 'onboarding.candidate.json'), JSON.stringify(onboarding));

    t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { RULES_DIR: rulesDir, POLICY_RELOAD: 'false' } });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    const decide = async (secondsAgo: number, body: Record<string, unknown>) => {
      t.clock.set(new Date(NOW.getTime() - secondsAgo * 1000));
      return (await t.http().post('/v1/decisions').send(body).expect(201)).body as DecisionView;
    };
    made.review = await decide(3 * 3600, { useCase: 'p2p_recipient', phoneNumber: LINE.simSwapped48h, subjectId: 'customer-77', context: { amount: 25000, currency: 'EUR' } });
    made.allow = await decide(2 * 3600, { useCase: 'onboarding', phoneNumber: LINE.established, subjectId: 'customer-12' });
    // A subjectId a spreadsheet would run as a formula: the export must keep it text.
    made.block = await decide(3600, { useCase: 'account_recovery', phoneNumber: LINE.recycled, trustedSince: '2026-01-01', subjectId: '=HYPERLINK("http://x.example","open")' });
    t.clock.set(NOW);
    expect([made.review.outcome, made.allow.outcome, made.block.outcome]).toEqual(['REVIEW', 'ALLOW', 'BLOCK']);
    const created = await t.app.get(ApiKeyService).create({ label: 'analyst ana', scopes: ['decisions:read', 'policies:read', 'cases:read', 'cases:write'] });
    analyst = { key: created.key, id: created.id };
  });
  afterAll(async () => {
    await t?.close();
    if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
  });

  (BROWSER.skip ? describe.skip : describe)(BROWSER.skip ? 'in Chromium: SKIPPED, no browser (see the warning above)' : 'in Chromium', () => {
    beforeAll(async () => {
      browser = await BROWSER.launch();
      context = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'Europe/Madrid', locale: 'en-GB', acceptDownloads: true });
      // Well under jest's 30 s, so a wait that fails says what it waited for.
      context.setDefaultTimeout(8000);
      mkdirSync(OUTPUT, { recursive: true });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('works a REVIEW case from the queue to resolved, and the decision then shows its label', async () => {
      const page = await context.newPage();
      const { problems } = watch(page);
      await connect(page, analyst.key);

      // The REVIEW decision opened a case; it is in the open queue.
      const caseRow = page.locator(`#queue tbody tr[data-decision="${made.review.id}"]`);
      await caseRow.waitFor();
      expect(await caseRow.innerText()).toMatch(/^2026-06-15 11:00:00\s+p2p_recipient\s+REVIEW\s+\d+\s+open\s+/);
      await caseRow.getByRole('button').click();
      const detail = page.locator('#detail');
      await detail.getByRole('heading', { name: /^Case / }).waitFor();
      expect(await detail.locator('.decision-title code').innerText()).toBe(made.review.id);
      expect(await detail.locator('.decision-facts [data-label]').innerText()).toBe('not labelled');

      await detail.getByRole('button', { name: 'Claim', exact: true }).click();
      await detail.locator('.case-facts', { hasText: 'claimed by you' }).waitFor();
      // Claimed: the open view no longer lists it; "Claimed by me" does.
      await page.locator('#queue-note', { hasText: 'No case in this view.' }).waitFor();
      await page.getByLabel('Show', { exact: true }).selectOption('mine');
      await caseRow.waitFor();

      await detail.getByLabel('Note', { exact: true }).fill('Called the customer: the SIM swap was not theirs.');
      await detail.getByRole('button', { name: 'Add note' }).click();
      await detail.locator('.case-events li[data-action="noted"]', { hasText: 'the SIM swap was not theirs' }).waitFor();

      await detail.getByRole('group', { name: 'Resolve the case' }).getByRole('button', { name: 'fraud', exact: true }).click();
      await detail.locator('.case-facts', { hasText: 'resolved: fraud' }).waitFor();
      expect(await detail.locator('.case-events li').evaluateAll((items) => items.map((li) => li.getAttribute('data-action')))).toEqual(['opened', 'claimed', 'noted', 'resolved']);
      expect(await detail.locator('.case-actions button', { hasText: /^(Claim|Release|fraud|legitimate|inconclusive)$/ }).count()).toBe(0);
      // The decision under review now carries the label, in the case, in the list and in its own detail.
      await detail.locator('.decision-facts [data-label="fraud"]').waitFor();
      const listRow = page.locator(`#decisions tbody tr[data-id="${made.review.id}"]`);
      await listRow.locator('td.label-cell', { hasText: 'fraud' }).waitFor();
      await listRow.getByRole('button').click();
      await page.locator('#detail-title code', { hasText: made.review.id }).waitFor();
      expect(await detail.locator('.decision-facts [data-label="fraud"]').innerText()).toBe('fraud');
      await page.screenshot({ path: join(OUTPUT, 'explorer-queue.png'), fullPage: true });

      // The API agrees: resolved by this key, and the label counts in a backtest of the candidate.
      const found = await t.http().get(`/v1/cases?status=resolved`).expect(200);
      expect(found.body.items).toEqual([expect.objectContaining({ decisionId: made.review.id, status: 'resolved', disposition: 'fraud', assignee: analyst.id })]);
      const backtest = (await t.http().post('/v1/policies/p2p_recipient/backtest').send({}).expect(200)).body;
      expect(backtest.labels.labelled).toBe(1);
      expect(backtest.labels.before.REVIEW).toEqual({ decisions: 1, fraud: 1, precision: 1, recall: 1 });
      expect(backtest.labels.after.BLOCK).toEqual({ decisions: 1, fraud: 1, precision: 1, recall: 1 });
      expect(problems).toEqual([]);
      await page.close();
    });

    it('labels a decision from its detail (a cases:write key)', async () => {
      const page = await context.newPage();
      const { problems } = watch(page);
      await connect(page, analyst.key);
      await page.locator(`#decisions tbody tr[data-id="${made.allow.id}"]`).getByRole('button').click();
      const facts = page.locator('#detail .decision-facts');
      await facts.getByRole('button', { name: 'Label legitimate' }).click();
      await facts.locator('[data-label="legitimate"]').waitFor();
      await page.locator(`#decisions tbody tr[data-id="${made.allow.id}"] td.label-cell`, { hasText: 'legitimate' }).waitFor();
      expect((await t.http().get(`/v1/decisions/${made.allow.id}`).expect(200)).body).toMatchObject({ label: 'legitimate' });
      expect(problems).toEqual([]);
      await page.close();
    });

    it('searches by phone number without the number reaching a URL or the storage, and by subjectId', async () => {
      const page = await context.newPage();
      const { problems, urls } = watch(page);
      await connect(page, analyst.key);
      await waitForRows(page, [made.block.id, made.allow.id, made.review.id]);

      const entries = await page.evaluate(() => history.length);
      await page.getByLabel('Phone number', { exact: true }).fill(LINE.simSwapped48h);
      await page.getByRole('button', { name: 'Apply' }).click();
      await waitForRows(page, [made.review.id]);
      // Hashed on the server from a request body: in no URL the page asked for, nor its own, nor its history or storage.
      for (const url of [...urls, page.url()]) expect(url).not.toContain(digits(LINE.simSwapped48h));
      expect(await page.evaluate(() => history.length)).toBe(entries);
      const stored = await page.evaluate(() => JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)]));
      expect(stored).not.toContain(digits(LINE.simSwapped48h));

      await page.getByRole('button', { name: 'Clear search' }).click();
      await waitForRows(page, [made.block.id, made.allow.id, made.review.id]);
      await page.getByLabel('Subject id', { exact: true }).fill('customer-12');
      await page.getByRole('button', { name: 'Apply' }).click();
      await waitForRows(page, [made.allow.id]);

      // A malformed number is the API's 400, said in place.
      await page.getByRole('button', { name: 'Clear search' }).click();
      await waitForRows(page, [made.block.id, made.allow.id, made.review.id]);
      await page.getByLabel('Phone number', { exact: true }).fill('600 000');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.locator('#list-note .error', { hasText: '400 INVALID_ARGUMENT' }).waitFor();
      expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
      await page.close();
    });

    it('exports the filtered list as CSV, every page of it, safe to open in a spreadsheet', async () => {
      const page = await context.newPage();
      const { problems } = watch(page);
      await connect(page, analyst.key);
      await page.getByLabel('Use case', { exact: true }).selectOption('account_recovery');
      await waitForRows(page, [made.block.id]);
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
      expect(file.suggestedFilename()).toMatch(/^linetrust-decisions-2\d{3}-\d\d-\d\d-\d{4}\.csv$/);
      const lines = readFileSync(await file.path(), 'utf8').split('\r\n');
      expect(lines).toEqual([
        'time,id,use case,outcome,score,masked number,subjectId,reason codes,label',
        `${made.block.createdAt},${made.block.id},account_recovery,BLOCK,${made.block.score},'${made.block.phoneNumber},"'=HYPERLINK(""http://x.example"",""open"")",${made.block.reasons.map((r) => r.code).join(' ')},`,
        '',
      ]);
      await page.locator('#export-note', { hasText: 'Exported 1 decisions.' }).waitFor();

      // All pages: the three decisions, newest first, though the API answers 100 at most per page.
      await page.getByLabel('Use case', { exact: true }).selectOption('');
      await waitForRows(page, [made.block.id, made.allow.id, made.review.id]);
      const [all] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
      const rows = readFileSync(await all.path(), 'utf8').trimEnd().split('\r\n').slice(1);
      expect(rows.map((row) => row.split(',')[1])).toEqual([made.block.id, made.allow.id, made.review.id]);
      const label = (await t.http().get(`/v1/decisions/${made.review.id}`).expect(200)).body.label ?? '';
      expect(rows[2].split(',').pop()).toBe(label);
      expect(problems).toEqual([]);
      await page.close();
    });

    it('offers a backtest only on a policy with a candidate, and only to an admin key', async () => {
      const page = await context.newPage();
      await connect(page, t.key);
      const card = (id: string) => page.locator('article.policy', { has: page.getByRole('heading', { name: id, exact: true }) });
      await card('p2p_recipient').getByRole('button', { name: 'Run backtest' }).waitFor();
      await card('account_recovery').locator('.backtest-slot', { hasText: 'No candidate to backtest' }).waitFor();
      expect(await card('account_recovery').getByRole('button', { name: 'Run backtest' }).count()).toBe(0);
      await page.close();

      const analystPage = await context.newPage();
      await connect(analystPage, analyst.key);
      const p2p = analystPage.locator('article.policy', { has: analystPage.getByRole('heading', { name: 'p2p_recipient', exact: true }) });
      await p2p.locator('.backtest-slot', { hasText: 'can be backtested with an admin key' }).waitFor();
      expect(await p2p.getByRole('button', { name: 'Run backtest' }).count()).toBe(0);
      await analystPage.close();
    });

    it('fits a 360 px phone screen (no sideways scroll), and gives reason messages room at 1,400 px', async () => {
      const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, timezoneId: 'Europe/Madrid', locale: 'en-GB', isMobile: true, hasTouch: true });
      phone.setDefaultTimeout(8000);
      const page = await phone.newPage();
      const { problems } = watch(page);
      await connect(page, analyst.key);
      await page.locator('#queue-panel').waitFor();
      await page.locator('#rule-hits table').waitFor();
      await page.locator(`#decisions tbody tr[data-id="${made.block.id}"]`).getByRole('button').click();
      await page.locator('#detail table.reasons').waitFor();
      const wider = await page.evaluate(() =>
        [...(document.querySelectorAll('body *') as unknown as Iterable<{ getBoundingClientRect(): { right: number }; closest(s: string): unknown; tagName: string; id: string; className: unknown }>)]
          // What sticks out of the page; a table that scrolls inside its own box does not.
          .filter((node) => node.getBoundingClientRect().right > 360 && !node.closest('.scroll, .scroll-x, .matrix-wrap, .detail .policy-text'))
          .map((node) => `${node.tagName}#${node.id}.${String(node.className)}`),
      );
      expect(wider).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await page.screenshot({ path: join(OUTPUT, 'explorer-360.png'), fullPage: true });
      expect(problems).toEqual([]);
      await phone.close();

      // At 1,400 px the reasons' message column was squeezed to one word per line.
      const wide = await context.newPage();
      await connect(wide, t.key);
      await wide.locator(`#decisions tbody tr[data-id="${made.block.id}"]`).getByRole('button').click();
      const message = wide.locator('#detail table.reasons tbody tr').first().locator('td').last();
      await message.waitFor();
      const box = await message.boundingBox();
      const tableBox = await wide.locator('#detail table.reasons').boundingBox();
      expect(box!.width).toBeGreaterThanOrEqual(Math.max(200, 0.4 * tableBox!.width));
      // 13 words were 13 lines (over 200 px); a line of 12 px text is about 15 px: three lines at most now.
      expect(box!.height).toBeLessThanOrEqual(60);
      await wide.locator('#detail').screenshot({ path: join(OUTPUT, 'explorer-detail-1400.png') });
      expect(await wide.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400);
      await wide.close();
    });
  });

  it('serves every module the page imports', async () => {
    for (const file of ['api.js', 'breakdown.js', 'csv.js', 'queue.js']) {
      const response = await request(t.app.getHttpServer()).get(`/explorer/${file}`).expect(200);
      expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    }
  });
});
