// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'data/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // Type-aware rules: a promise nobody awaits loses its rejection (an unhandled rejection ends the process),
    // and a promise where a void callback is expected (event handlers, Koa middleware) is never awaited.
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        // native/ is outside tsconfig.json (a manual benchmark of the optional addon).
        projectService: { allowDefaultProject: ['native/*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test collects describe/it itself and reports their failures: awaiting them changes nothing.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // crypto/ is pure: it must not reach into the rest of the service.
    files: ['src/crypto/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['../*', 'koa', 'knex', '@koa/*', 'pg', '@electric-sql/*'] },
      ],
    },
  },
  {
    // domain modules never import Koa or knex.
    files: [
      'src/pki/**/*.ts',
      'src/seal/**/*.ts',
      'src/pdf/**/*.ts',
      'src/ofd/**/*.ts',
      'src/licence/**/*.ts',
      'src/verify/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['koa', '@koa/*', 'knex', 'pg', '../http/*', '../store/*', '../cli/*'] },
      ],
    },
  },
);
