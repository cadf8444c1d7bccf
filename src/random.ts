/**
 * Seeded pseudo-random numbers shared by the split, the folds, shuffles and tree learners, so a
 * seed reproduces a run exactly. mulberry32: tiny, fast, good enough for sampling (not crypto).
 */
export interface Rng {
  /** uniform float in [0, 1) */
  next(): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
  /** the state, to save for resume */
  state(): number;
}

/** Seeds drawn for other generators (dropout masks, shards, augmentation) are integers below this. */
export const SEED_RANGE = 2 ** 31;

export function createRng(seed: number, state?: number): Rng {
  // The state is kept as an int32 (`| 0`): as a uint32 (`>>> 0`) half its values are not small
  // integers to V8 and every step would allocate a heap number (much slower). Same bits either
  // way.
  let s = (state ?? seed) | 0;
  const next = () => {
    s = (s + INCREMENT) | 0;
    return mulberry32(s) / 2 ** 32;
  };
  return { next, int: (n) => Math.floor(next() * n), state: () => s >>> 0 };
}

const INCREMENT = 0x6d2b79f5;

/** mulberry32's output (a uint32) for the state `s` (an int32). */
function mulberry32(s: number): number {
  let t = Math.imul(s ^ (s >>> 15), s | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/**
 * Fills `out` with `value` where `createRng(seed).next()` would draw a number below `p`, and 0
 * elsewhere, element by element: a Bernoulli(p) mask in one tight loop (dropout's; faster than
 * a `next()` call per element, bench/RESULTS.md).
 */
export function fillBernoulli(out: Float32Array, p: number, value: number, seed: number): void {
  const below = p * 2 ** 32; // next() < p exactly when the uint32 is below p * 2^32
  let s = seed | 0;
  for (let i = 0; i < out.length; i++) {
    s = (s + INCREMENT) | 0;
    out[i] = mulberry32(s) < below ? value : 0;
  }
}

/** Fisher-Yates shuffle in place; returns the same array. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(a: T, rng: Rng): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = a[i];
    a[i] = a[j];
    a[j] = tmp;
  }
  return a;
}

/**
 * A seed for part `index` of a seeded job (tree i of a forest, fold k of a CV), mixed so that
 * neighbouring indexes give unrelated streams; the same (seed, index) always gives the same seed.
 */
export function deriveSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
