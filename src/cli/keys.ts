#!/usr/bin/env node
// `npm run keys -- create | list | revoke` (see keys-cli.ts).
import { runKeysCli } from './keys-cli';

void runKeysCli(process.argv.slice(2), {
  line: (text) => console.log(text),
  error: (text) => console.error(text),
}).then((code) => (process.exitCode = code));
