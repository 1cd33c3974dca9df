// Worker entry used when the pool itself runs from TypeScript sources (under tsx): a worker
// thread does not inherit tsx hooks registered in code (bin/sealtrust.js), so load the .ts
// worker through tsx's scoped importer. Compiled builds start sm2-verify-worker.js directly.
import { workerData } from 'node:worker_threads';

const { tsImport } = await import('tsx/esm/api');
await tsImport(workerData.entry, import.meta.url);
