// `npm ci` / `npm install` end here (postinstall), and `npm start` checks here first (prestart),
// so that starting never compiles (issue 15: a start spent 37 of its 39 s in tsc).
//   node scripts/build.js install   build dist/ when TypeScript is installed; with
//                                   --omit=dev it is not: say so, do not fail the install
//   node scripts/build.js check     refuse to start without dist/, warn when src/ is newer
/* global require, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports */
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = join(__dirname, '..');
const ENTRY = join(ROOT, 'dist', 'main.js');

function install() {
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  } catch {
    const state = existsSync(ENTRY) ? 'dist/ is kept as it is' : 'dist/ is missing: copy it from a build with the dev dependencies (see the Dockerfile)';
    process.stderr.write(`linetrust: TypeScript is not installed (--omit=dev), so nothing is built; ${state}.\n`);
    return 0;
  }
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) return result.status ?? 1;
  process.stderr.write(`linetrust: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s; npm start runs it.\n`);
  return 0;
}

/** The newest modification time under a folder (generated code excluded: it is not edited). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'generated') latest = Math.max(latest, newest(path));
    } else if (entry.name.endsWith('.ts')) {
      latest = Math.max(latest, statSync(path).mtimeMs);
    }
  }
  return latest;
}

function check() {
  if (!existsSync(ENTRY)) {
    process.stderr.write('linetrust: dist/main.js is missing: run `npm run build` first (it needs the dev dependencies).\n');
    return 1;
  }
  const src = join(ROOT, 'src');
  if (existsSync(src) && newest(src) > statSync(ENTRY).mtimeMs) {
    process.stderr.write('linetrust: src/ changed since the last build, and this runs the build: `npm run build` to include the change, or `npm run dev` to run the sources.\n');
  }
  return 0;
}

const command = process.argv[2];
process.exitCode = command === 'install' ? install() : command === 'check' ? check() : 64;
