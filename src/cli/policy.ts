#!/usr/bin/env node
// bin `linetrust-policy`, kept for the scripts that call it: the same as `linetrust policy ...`.
import { runMain } from './main';

runMain(['policy', ...process.argv.slice(2)]);
