import { Browser, chromium, Page } from 'playwright-core';
import { browserRequired, findBrowser, missingBrowserMessage, REQUIRE_BROWSER_VARIABLE } from './browser';

/**
 * What the explorer's browser tests share: a Chromium the machine has (LINETRUST_BROWSER, else
 * chromium, chromium-browser, google-chrome or google-chrome-stable on the PATH), since a browser
 * downloaded by a test tool cannot install offline, and a watch on a page's problems. Without a
 * browser the tests are skipped, saying so, unless LINETRUST_REQUIRE_BROWSER=1 (CI).
 */
const BROWSER = findBrowser();

export interface ExplorerBrowser {
  /** True when the browser tests must be skipped (no browser, and none required). */
  skip: boolean;
  /** Launches the browser, or fails saying why there is none. */
  launch(): Promise<Browser>;
}

export function explorerBrowser(spec: string): ExplorerBrowser {
  const missing = 'missing' in BROWSER ? missingBrowserMessage(`The explorer's browser test (${spec})`, BROWSER) : undefined;
  const skip = missing !== undefined && !browserRequired();
  // Said once per file, as fleet.e2e-spec does, so a skipped browser test is never mistaken for a passed one.
  if (skip) process.stderr.write(`\nSKIPPED: ${missing} (${REQUIRE_BROWSER_VARIABLE}=1 makes a missing browser fail the run instead.)\n\n`);
  return {
    skip,
    launch: async () => {
      if ('missing' in BROWSER) throw new Error(`${missing} (${REQUIRE_BROWSER_VARIABLE} is set: a missing browser fails the run.)`);
      return chromium.launch({ executablePath: BROWSER.path, args: CHROMIUM_ARGS });
    },
  };
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Console errors and warnings, script errors, failed requests and error responses of a page, and every URL it asked for. */
export function watch(page: Page): { problems: string[]; urls: string[] } {
  const problems: string[] = [];
  const urls: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (failed) => problems.push(`request failed: ${failed.url()} ${failed.failure()?.errorText}`));
  page.on('request', (sent) => urls.push(sent.url()));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  return { problems, urls };
}
