import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserRequired, findBrowser, isExecutableFile, missingBrowserMessage } from './browser';

/** A file system of these executables only: nothing installed on this machine counts. */
const installed = (...files: string[]) => (file: string) => files.includes(file);

describe('findBrowser', () => {
  it.each([
    ['the first name found, in the order chromium, chromium-browser, google-chrome, google-chrome-stable', { PATH: '/opt/a:/opt/b' }, ['/opt/a/google-chrome', '/opt/b/chromium-browser', '/opt/b/google-chrome-stable'], '/opt/b/chromium-browser'],
    ['chromium before any other name, wherever it is on the PATH', { PATH: '/opt/a:/opt/b' }, ['/opt/a/google-chrome-stable', '/opt/b/chromium'], '/opt/b/chromium'],
    ['the first PATH folder that has the name', { PATH: '/opt/a:/opt/b' }, ['/opt/a/google-chrome', '/opt/b/google-chrome'], '/opt/a/google-chrome'],
    ["Google's stable channel, the last resort", { PATH: '/usr/bin' }, ['/usr/bin/google-chrome-stable'], '/usr/bin/google-chrome-stable'],
    ['LINETRUST_BROWSER as a path, over the PATH', { LINETRUST_BROWSER: '/opt/chrome/chrome', PATH: '/usr/bin' }, ['/opt/chrome/chrome', '/usr/bin/chromium'], '/opt/chrome/chrome'],
    ['LINETRUST_BROWSER as a command on the PATH', { LINETRUST_BROWSER: 'brave', PATH: '/usr/bin:/snap/bin' }, ['/snap/bin/brave', '/usr/bin/chromium'], '/snap/bin/brave'],
    ["in the PATH's absolute folders only", { PATH: 'bin:/usr/bin' }, ['bin/chromium', '/usr/bin/google-chrome'], '/usr/bin/google-chrome'],
  ])('finds %s', (_case, env, files, path) => {
    expect(findBrowser(env, installed(...files))).toEqual({ path });
  });

  it.each([
    ['no PATH at all', {}, ['/usr/bin/chromium'], 'none of chromium, chromium-browser, google-chrome, google-chrome-stable is on the PATH'],
    ['a PATH without any of the names', { PATH: '/usr/bin:/bin' }, ['/usr/bin/firefox'], 'none of chromium, chromium-browser, google-chrome, google-chrome-stable is on the PATH'],
    // A wrong setting is said, not silently replaced by another browser.
    ['LINETRUST_BROWSER naming a missing file', { LINETRUST_BROWSER: '/nowhere/chromium', PATH: '/usr/bin' }, ['/usr/bin/chromium'], 'LINETRUST_BROWSER=/nowhere/chromium is not an executable file'],
    ['LINETRUST_BROWSER naming a command not on the PATH', { LINETRUST_BROWSER: 'brave', PATH: '/usr/bin' }, ['/usr/bin/chromium'], 'LINETRUST_BROWSER=brave is not a command on the PATH'],
  ])('reports %s', (_case, env, files, missing) => {
    expect(findBrowser(env, installed(...files))).toEqual({ missing });
  });

  it('reads executables from the file system by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'linetrust-browser-'));
    try {
      writeFileSync(join(dir, 'chromium'), '#!/bin/sh\n');
      writeFileSync(join(dir, 'google-chrome'), '#!/bin/sh\n');
      chmodSync(join(dir, 'google-chrome'), 0o755);
      expect(isExecutableFile(join(dir, 'chromium'))).toBe(false);
      expect(isExecutableFile(dir)).toBe(false);
      expect(findBrowser({ PATH: dir })).toEqual({ path: join(dir, 'google-chrome') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('browserRequired', () => {
  it.each([
    [{}, false],
    [{ LINETRUST_REQUIRE_BROWSER: '0' }, false],
    [{ LINETRUST_REQUIRE_BROWSER: '1' }, true],
    [{ LINETRUST_REQUIRE_BROWSER: 'true' }, true],
  ])('%j -> %s', (env, required) => {
    expect(browserRequired(env)).toBe(required);
  });
});

it('says how to run a test that lacks a browser', () => {
  expect(missingBrowserMessage('The browser test', { missing: 'none of chromium is on the PATH' })).toBe(
    'The browser test needs a Chromium browser, and none of chromium is on the PATH. To run it, install Chromium (Debian: apt-get install -y chromium; ' +
      'any of chromium, chromium-browser, google-chrome, google-chrome-stable on the PATH will do) or set LINETRUST_BROWSER=<path to a Chromium or Chrome>.',
  );
});
