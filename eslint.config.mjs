// Lint rules that catch what reviews miss: floating promises (an unawaited write or assertion),
// non-exhaustive switches over our unions, loose equality.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/prisma/generated/', 'coverage/', 'reports/', '.stryker-tmp/', 'prisma/**/prisma.config.ts', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // The explorer's page scripts: plain browser modules, served as they are (no build step).
    files: ['src/explorer/static/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(['Blob', 'document', 'fetch', 'Intl', 'Node', 'sessionStorage', 'setTimeout', 'URL', 'URLSearchParams', 'window'].map((name) => [name, 'readonly'])),
    },
    rules: { eqeqeq: ['error', 'always'], 'no-console': 'error' },
  },
);
