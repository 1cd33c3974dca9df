// CPU time of the processes under measurement, from Linux /proc (NaN or empty elsewhere): where a request's time
// goes (the service's event loop, its other threads, PostgreSQL), so a change in the rate can be traced to a part.
// On a loaded 2-core machine the parts' sum per request is about the cores divided by the rate; it is no steadier
// than the rate when the neighbours slow the vCPUs down.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ of /proc/<pid>/stat (100 on Linux). */
const CLOCK_TICKS = 100;

/** utime + stime in seconds from the text of a /proc stat file (fields 14 and 15, after the `(comm)`). */
function statSeconds(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

/** CPU seconds (user + system, every thread) process `pid` has used; NaN when /proc cannot tell. */
export function processCpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    return statSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds per thread kind of a Node process: `main`, `worker threads` (they keep the process's name) and the
 * libuv and V8 helpers under their own names. A thread that ended since is missing, so compare kinds, not sums.
 */
export function threadCpuSeconds(pid: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (!pid) return out;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const name = tid === String(pid) ? 'main' : comm === 'node' ? 'worker threads' : comm;
      out.set(name, (out.get(name) ?? 0) + statSeconds(stat));
    } catch {
      // the thread ended
    }
  }
  return out;
}

/**
 * CPU seconds every running `postgres` process has used (backends, WAL writer, checkpointer): on a machine that
 * runs nothing else against it, the database's share of the load. NaN without /proc.
 */
export function postgresCpuSeconds(): number {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return NaN;
  }
  let sum = 0;
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      sum += statSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      // the process ended
    }
  }
  return sum;
}
