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
