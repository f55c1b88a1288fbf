import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve, sep } from 'node:path';

/** A Chromium (or Chrome) to drive, a path or a command name on the PATH; wins over the search of BROWSER_NAMES. */
export const BROWSER_VARIABLE = 'LINETRUST_BROWSER';
/** `1`: a browser test without a browser fails instead of being skipped (CI sets it). */
export const REQUIRE_BROWSER_VARIABLE = 'LINETRUST_REQUIRE_BROWSER';
/** Looked up on the PATH, in this order: Debian's and Ubuntu's packages, then Google's. */
export const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

export type BrowserLookup = { path: string } | { missing: string };

/** True for a file this process may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const HOW_TO = `install Chromium (Debian: apt-get install -y chromium; any of ${BROWSER_NAMES.join(', ')} on the PATH will do) or set ${BROWSER_VARIABLE}=<path to a Chromium or Chrome>`;

/** The first executable `name` in the PATH's folders (relative entries are skipped: they depend on the working directory). */
function onPath(name: string, path: string | undefined, isExecutable: (file: string) => boolean): string | undefined {
  for (const folder of (path ?? '').split(delimiter).filter((entry) => isAbsolute(entry))) {
    const candidate = join(folder, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The browser the browser tests drive (playwright-core never downloads one): the one named by
 * LINETRUST_BROWSER when it is set, a path or a command on the PATH (a wrong one is reported,
 * never replaced by another browser), else the first of BROWSER_NAMES found on the PATH.
 * `isExecutable` is injected by the unit test, so that it does not depend on what is installed.
 */
export function findBrowser(env: Readonly<Record<string, string | undefined>> = process.env, isExecutable: (file: string) => boolean = isExecutableFile): BrowserLookup {
  const named = env[BROWSER_VARIABLE];
  if (named) {
    const found = named.includes(sep) ? (isExecutable(resolve(named)) ? resolve(named) : undefined) : onPath(named, env.PATH, isExecutable);
    return found ? { path: found } : { missing: `${BROWSER_VARIABLE}=${named} is not ${named.includes(sep) ? 'an executable file' : 'a command on the PATH'}` };
  }
  for (const name of BROWSER_NAMES) {
    const found = onPath(name, env.PATH, isExecutable);
    if (found) return { path: found };
  }
  return { missing: `none of ${BROWSER_NAMES.join(', ')} is on the PATH` };
}

/** Whether a missing browser fails the browser tests (LINETRUST_REQUIRE_BROWSER=1) instead of skipping them. */
export function browserRequired(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const value = env[REQUIRE_BROWSER_VARIABLE];
  return value === '1' || value === 'true';
}

/** What a skipped or failed browser test says: why, and how to run it. */
export function missingBrowserMessage(what: string, lookup: { missing: string }): string {
  return `${what} needs a Chromium browser, and ${lookup.missing}. To run it, ${HOW_TO}.`;
}
