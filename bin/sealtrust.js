#!/usr/bin/env node
// Entry for `npx sealtrust` and `npm start`. A production image (NODE_ENV=production) runs the compiled dist/,
// as does SEALTRUST_COMPILED=1 (benchmarks build first); otherwise the TypeScript sources run through tsx (a dev
// dependency), so a stale dist/ in a checkout never runs by accident.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');
const useCompiled = process.env.NODE_ENV === 'production' || process.env.SEALTRUST_COMPILED === '1';
if (useCompiled && existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
