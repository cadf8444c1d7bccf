/**
 * Seeded sampling without replacement, in ascending order (the rows of a round, the features of a
 * tree): selection sampling (Knuth's algorithm S) draws one number per candidate and emits the
 * chosen ones already sorted, so a node's rows are read in memory order.
 */
import { createRng } from '../random.js';

/** `round(n * fraction)` (at least 1) of 0..n-1, ascending, drawn with `seed`; all of them when fraction is 1. */
export function sampleAscending(n: number, fraction: number, seed: number): Int32Array {
  const want = Math.max(1, Math.round(n * fraction));
  if (want >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed);
  const out = new Int32Array(want);
  let taken = 0;
  for (let i = 0; i < n && taken < want; i++) {
    // candidate i is taken with probability (still wanted) / (still left)
    if (rng.next() * (n - i) < want - taken) out[taken++] = i;
  }
  return out;
}
