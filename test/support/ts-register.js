// Lets a child process run the TypeScript sources directly (`node -r ./test/support/ts-register.js
// src/main.ts`), transpiled by @swc/core with the same options as jest: the fleet and crash
// tests start real service processes without a build step.
/* global require, process, __filename */
/* eslint-disable @typescript-eslint/no-require-imports */
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

// Worker threads started from the sources load it too (see src/decisions/sqlite-decision-writer.ts).
process.env.LINETRUST_TS_HOOK = __filename;

require.extensions['.ts'] = function compile(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
