#!/usr/bin/env node
// `npm run policy -- validate | test | explain | shadow | backtest | publish | activate` (see policy-cli.ts).
import { runPolicyCli } from './policy-cli';

void runPolicyCli(process.argv.slice(2), {
  line: (text) => console.log(text),
  error: (text) => console.error(text),
  colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
}).then((code) => (process.exitCode = code));
