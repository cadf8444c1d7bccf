import { readFileSync } from 'node:fs';

/** The calling thread's CPU time and run-queue wait so far, in ms. */
export interface ThreadClock {
  cpuMs: number;
  /** time the thread was ready to run but waited for a core: what other work on the machine took from it */
  waitMs: number;
}

// Linux's per-thread scheduler figures, "<ns on a CPU> <ns waiting on a run queue> <slices>";
// Node 20 has no per-thread CPU clock (process.cpuUsage counts every thread).
const SCHEDSTAT = '/proc/thread-self/schedstat';
let readable = true;

/**
 * Reads the calling thread's ThreadClock, or undefined where the kernel does not provide it
 * (not Linux, or schedstats off); profiling figures then leave the CPU split out.
 */
export function readThreadClock(): ThreadClock | undefined {
  if (!readable) return undefined;
  try {
    const [cpu, wait] = readFileSync(SCHEDSTAT, 'utf8').split(' ').map(Number);
    if (!Number.isFinite(cpu) || !Number.isFinite(wait)) throw new Error('unexpected format');
    return { cpuMs: cpu! / 1e6, waitMs: wait! / 1e6 };
  } catch {
    readable = false;
    return undefined;
  }
}
