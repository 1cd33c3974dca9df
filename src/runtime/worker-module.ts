/**
 * Where a worker thread's module is, run from source (tsx) or from the compiled build. Workers do not inherit
 * tsx's loader hooks, so from source the thread starts a small bootstrap that registers tsx and then imports
 * `entry` (passed in workerData); a compiled build starts the entry itself.
 */
export function workerModule(base: string, name: string): { script: URL; entry: URL } {
  const fromTypeScript = base.endsWith('.ts');
  const entry = new URL(`./${name}.${fromTypeScript ? 'ts' : 'js'}`, base);
  return { script: fromTypeScript ? new URL('./worker-bootstrap.mjs', import.meta.url) : entry, entry };
}
