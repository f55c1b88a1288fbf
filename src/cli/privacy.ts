#!/usr/bin/env node
// `npm run privacy -- purge | erase` (see privacy-cli.ts).
import { runPrivacyCli } from './privacy-cli';

void runPrivacyCli(process.argv.slice(2), {
  line: (text) => console.log(text),
  error: (text) => console.error(text),
}).then((code) => (process.exitCode = code));
