// Entry of a verification worker when the service runs from TypeScript sources (under tsx): a worker thread
// does not inherit tsx hooks registered in code, so the .ts worker is loaded through tsx's scoped importer.
// Compiled builds start verification-worker.js directly.
import { workerData } from 'node:worker_threads';

const { tsImport } = await import('tsx/esm/api');
await tsImport(workerData.entry, import.meta.url);
