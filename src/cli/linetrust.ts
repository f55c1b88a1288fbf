#!/usr/bin/env node
// The `linetrust` command (package bin; `npx linetrust --help`). See linetrust-cli.ts.
import { runMain } from './main';

runMain(process.argv.slice(2));
