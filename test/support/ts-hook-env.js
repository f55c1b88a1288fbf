// Jest transpiles TypeScript in-process, and a worker thread does not inherit that: code that
// starts a thread from the sources (the SQLite decision writer) loads this hook in it first.
/* global require, process */
process.env.LINETRUST_TS_HOOK = require.resolve('./ts-register.js');
