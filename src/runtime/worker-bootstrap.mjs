// Entry of every worker thread when the service runs from TypeScript sources (under tsx): a worker thread
// does not inherit tsx hooks registered in code, so the .ts worker (workerData.entry) is loaded through tsx's
// scoped importer. Compiled builds start the worker's .js entry directly (see worker-module.ts).
import { workerData } from 'node:worker_threads';

const { tsImport } = await import('tsx/esm/api');
await tsImport(workerData.entry, import.meta.url);
