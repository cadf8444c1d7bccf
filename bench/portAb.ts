/**
 * `npm run bench -- portAb BASE_DIST [NAME...]`: each WebAssembly kernel module ported from the
 * hand-assembled opcode lists to AssemblyScript, against its opcode version built in another
 * checkout (BASE_DIST: that checkout's `dist`), in one process: same output bytes, and the time
 * ratio (new / old, median of 9 alternating rounds). The cases are `bench/_portAb/*.ts`.
 */
import { readdir } from 'node:fs/promises';
import { median } from './_measure.js';

/** One kernel, old and new, over the same inputs in the same memory. */
export interface PortPair {
  /** restores the inputs (kernels that update in place need it) */
  reset(): void;
  runOld(): void;
  runNew(): void;
  /** a copy of everything the kernel writes */
  output(): Uint8Array;
}

export interface PortCase {
  name: string;
  /** `base`: the old build's dist folder (import its modules with `import(join(base, ...))`) */
  prepare(base: string): Promise<PortPair>;
}

const ROUNDS = 9;
const MIN_ROUND_MS = 50;

export async function run(args: string[]): Promise<void> {
  const [base, ...only] = args;
  if (!base) throw new Error('Usage: npm run bench -- portAb BASE_DIST [NAME...] (BASE_DIST: the dist folder of the opcode build)');
  const here = new URL('./_portAb/', import.meta.url);
  const files = (await readdir(here)).filter((f) => f.endsWith('.js') && !f.startsWith('_')).sort();
  for (const file of files) {
    const { cases } = (await import(new URL(file, here).href)) as { cases: PortCase[] };
    for (const c of cases) {
      if (only.length > 0 && !only.includes(c.name)) continue;
      const pair = await c.prepare(base);
      pair.reset();
      pair.runOld();
      const oldOut = pair.output();
      pair.reset();
      pair.runNew();
      const newOut = pair.output();
      const same = oldOut.length === newOut.length && oldOut.every((b, i) => b === newOut[i]);
      const reps = repsFor(pair);
      const ratios: number[] = [];
      const oldMs: number[] = [];
      const newMs: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const o = time(pair, pair.runOld, reps);
        const n = time(pair, pair.runNew, reps);
        oldMs.push(o);
        newMs.push(n);
        ratios.push(n / o);
      }
      console.log(
        `${c.name}: output ${same ? 'identical' : 'DIFFERS'} (${oldOut.length} bytes); ` +
          `old ${median(oldMs).toFixed(3)} ms, new ${median(newMs).toFixed(3)} ms per call; new/old ${median(ratios).toFixed(3)} (median of ${ROUNDS})`,
      );
      if (!same) process.exitCode = 1;
    }
  }
}

function repsFor(pair: PortPair): number {
  const once = time(pair, pair.runOld, 1);
  return Math.max(1, Math.ceil(MIN_ROUND_MS / Math.max(once, 1e-3)));
}

/** ms per call; inputs restored before each call, outside the timing. */
function time(pair: PortPair, fn: () => void, reps: number): number {
  let total = 0;
  for (let i = 0; i < reps; i++) {
    pair.reset();
    const t = performance.now();
    fn();
    total += performance.now() - t;
  }
  return total / reps;
}
