import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindBoostKernels } from '../../src/boost/histogramKernels.js';
import { BEST_BIN, BEST_COUNT, BEST_FEATURE, BEST_GAIN, BEST_SIZE, BINS, HIST_BYTES } from '../../src/boost/histogramLayout.js';
import { createRng } from '../../src/random.js';
import { createSharedMemory } from '../../src/wasm/wasmModule.js';

const ROWS = 500;
const FEATURES = 7; // a batch of four, then three one at a time
const LAMBDA = 1;
/** the gradients' fixed-point scale, and its unit */
const SCALE = 2 ** 20;
const UNIT = 1 / SCALE;

/** A node of random rows (a scattered subset, in order) in a fresh memory, with the kernels bound to it. */
function setUp(seed: number) {
  const memory = createSharedMemory(8 << 20);
  const kernels = bindBoostKernels(memory);
  const { buffer } = memory;
  let next = 64;
  const take = (bytes: number) => {
    const at = next;
    next += Math.ceil(bytes / 64) * 64;
    return at;
  };
  const x = new Uint8Array(buffer, take(FEATURES * ROWS), FEATURES * ROWS);
  const gh = new Int32Array(buffer, take(ROWS * 16), ROWS * 4);
  const order = new Int32Array(buffer, take(ROWS * 4), ROWS);
  const spare = new Int32Array(buffer, take(ROWS * 4), ROWS);
  const features = new Int32Array(buffer, take(FEATURES * 4), FEATURES);
  const best = new Float64Array(buffer, take(BEST_SIZE * 8), BEST_SIZE);
  const sums = new Float64Array(buffer, take(16), 2);
  const hist = new Int32Array(buffer, take(FEATURES * HIST_BYTES), FEATURES * BINS * 4);
  const child = new Int32Array(buffer, take(FEATURES * HIST_BYTES), FEATURES * BINS * 4);
  const rng = createRng(seed);
  // few distinct values, some features mostly 0 as pixels are
  for (let i = 0; i < x.length; i++) x[i] = rng.next() < 0.4 ? 0 : rng.int(8) * 30 + rng.int(3);
  for (let r = 0; r < ROWS; r++) {
    const p = rng.next();
    gh.set([Math.round((rng.next() < 0.1 ? p - 1 : p) * SCALE), Math.max(1, Math.round(2 * p * (1 - p) * SCALE)), 1, 0], r * 4);
  }
  // the node: every row but a random fifth, ascending; features in a scrambled order
  let count = 0;
  for (let r = 0; r < ROWS; r++) if (rng.next() < 0.8) order[count++] = r;
  features.set([3, 0, 6, 1, 5, 2, 4]);
  return { memory, kernels, x, gh, order, spare, features, best, sums, hist, child, count };
}
type Node = ReturnType<typeof setUp>;

/** Feature f's histogram of the rows order[from, to), counted row by row. */
function referenceHistogram(m: Node, f: number, from: number, to: number): Int32Array {
  const h = new Int32Array(BINS * 4);
  for (let i = from; i < to; i++) {
    const r = m.order[i]!;
    const at = m.x[f * ROWS + r]! * 4;
    for (let lane = 0; lane < 4; lane++) h[at + lane]! += m.gh[r * 4 + lane]!;
  }
  return h;
}

/** The best cut over every feature's histogram in `hist` by brute force, in the kernel's float64 arithmetic (g, h in gradient units). */
function referenceBest(hist: Int32Array, g: number, h: number, n: number, minChildWeight: number, minRows: number) {
  let best = { gain: 1e-6, feature: -1, bin: -1, count: 0 };
  const parent = (g * g) / (h + LAMBDA);
  for (let j = 0; j < FEATURES; j++) {
    let gl = 0, hl = 0, nl = 0;
    for (let b = 0; b < BINS - 1; b++) {
      const at = (j * BINS + b) * 4;
      if (hist[at + 2] === 0) continue;
      gl += hist[at]! * UNIT;
      hl += hist[at + 1]! * UNIT;
      nl += hist[at + 2]!;
      const hr = h - hl;
      if (n - nl < minRows) break;
      if (nl < minRows || hl < minChildWeight || hr < minChildWeight) continue;
      const gain = (gl * gl) / (hl + LAMBDA) + ((g - gl) * (g - gl)) / (hr + LAMBDA) - parent;
      if (gain > best.gain) best = { gain, feature: j, bin: b, count: nl };
    }
  }
  return best;
}

/** The node's sums in gradient units. */
function sums(m: Node, from: number, to: number): { g: number; h: number } {
  m.kernels.sums(m.order.byteOffset + from * 4, to - from, m.gh.byteOffset, m.sums.byteOffset);
  return { g: m.sums[0]! * UNIT, h: m.sums[1]! * UNIT };
}

function build(m: Node, from: number, to: number, into: Int32Array, minChildWeight = 0, minRows = 1) {
  const { g, h } = sums(m, from, to);
  m.best.set([1e-6, 0, -1, -1]);
  m.kernels.build(
    m.x.byteOffset, ROWS, 1, m.order.byteOffset + from * 4, to - from, m.gh.byteOffset, m.features.byteOffset, FEATURES, into.byteOffset,
    1, m.best.byteOffset, g, h, to - from, UNIT, LAMBDA, minChildWeight, minRows,
  );
  return { g, h };
}

const bestOf = (m: Node) => ({ gain: m.best[BEST_GAIN]!, feature: m.best[BEST_FEATURE]!, bin: m.best[BEST_BIN]!, count: m.best[BEST_COUNT]! });

describe('boosting histogram kernels (wasm SIMD) against plain TypeScript (issue 17)', () => {
  it('build: each feature histogram equals the sums of its rows, bin by bin', () => {
    const m = setUp(1);
    m.hist.fill(123); // build zeroes its histograms first
    build(m, 0, m.count, m.hist);
    for (let j = 0; j < FEATURES; j++) {
      assert.deepEqual(m.hist.subarray(j * BINS * 4, (j + 1) * BINS * 4), referenceHistogram(m, m.features[j]!, 0, m.count), `feature ${m.features[j]}`);
    }
  });

  it('build: from row-major pixels (a small node) the histograms are the same as from feature-major ones', () => {
    const m = setUp(10);
    build(m, 0, m.count, m.hist);
    const byRow = new Uint8Array(m.memory.buffer, m.child.byteOffset + m.child.byteLength, ROWS * FEATURES);
    for (let r = 0; r < ROWS; r++) for (let f = 0; f < FEATURES; f++) byRow[r * FEATURES + f] = m.x[f * ROWS + r]!;
    const { g, h } = sums(m, 0, m.count);
    const featureMajor = { hist: Int32Array.from(m.hist), best: bestOf(m) };
    m.best.set([1e-6, 0, -1, -1]);
    m.kernels.build(
      byRow.byteOffset, 1, FEATURES, m.order.byteOffset, m.count, m.gh.byteOffset, m.features.byteOffset, FEATURES, m.hist.byteOffset,
      1, m.best.byteOffset, g, h, m.count, UNIT, LAMBDA, 0, 1,
    );
    assert.deepEqual({ hist: m.hist, best: bestOf(m) }, featureMajor);
  });

  it('sums: the exact integer sums of the node gradients and hessians', () => {
    const m = setUp(2);
    m.kernels.sums(m.order.byteOffset, m.count, m.gh.byteOffset, m.sums.byteOffset);
    let g = 0, h = 0;
    for (let i = 0; i < m.count; i++) {
      g += m.gh[m.order[i]! * 4]!;
      h += m.gh[m.order[i]! * 4 + 1]!;
    }
    assert.deepEqual(Array.from(m.sums), [g, h]);
  });

  it('scan: the best cut over all features equals brute force, with and without min rows and min child weight', () => {
    for (const [seed, minChildWeight, minRows] of [[3, 0, 1], [4, 5, 1], [5, 0, 60], [6, 3, 25]] as const) {
      const m = setUp(seed);
      const { g, h } = build(m, 0, m.count, m.hist, minChildWeight, minRows);
      const expected = referenceBest(m.hist, g, h, m.count, minChildWeight, minRows);
      assert.ok(expected.feature >= 0);
      assert.deepEqual(bestOf(m), expected, `seed ${seed}`);
    }
  });

  it('scan: no cut is kept when none satisfies the constraints', () => {
    const m = setUp(7);
    build(m, 0, m.count, m.hist, 0, m.count);
    assert.deepEqual(bestOf(m), { gain: 1e-6, feature: -1, bin: -1, count: 0 });
  });

  it('partition: rows below the threshold first, each side in its former order', () => {
    const m = setUp(8);
    const before = Array.from(m.order.subarray(0, m.count));
    const column = m.x.subarray(2 * ROWS);
    const left = m.kernels.partition(column.byteOffset, 61, m.order.byteOffset, m.count, m.spare.byteOffset);
    const expected = [...before.filter((r) => column[r]! < 61), ...before.filter((r) => column[r]! >= 61)];
    assert.equal(left, before.filter((r) => column[r]! < 61).length);
    assert.deepEqual(Array.from(m.order.subarray(0, m.count)), expected);
  });

  it("subtract: the parent's histogram minus a child's is the other child's, scanned like a built one", () => {
    const m = setUp(9);
    build(m, 0, m.count, m.hist);
    const column = m.x.subarray(m.features[0]! * ROWS);
    const left = m.kernels.partition(column.byteOffset, 61, m.order.byteOffset, m.count, m.spare.byteOffset);
    build(m, 0, left, m.child);
    const { g, h } = sums(m, left, m.count);
    m.best.set([1e-6, 0, -1, -1]);
    m.kernels.subtract(m.hist.byteOffset, m.child.byteOffset, FEATURES, 1, m.best.byteOffset, g, h, m.count - left, UNIT, LAMBDA, 0, 1);
    // integer sums are exact: the difference is the right side's histogram, bin for bin
    for (let j = 0; j < FEATURES; j++) {
      assert.deepEqual(m.hist.subarray(j * BINS * 4, (j + 1) * BINS * 4), referenceHistogram(m, m.features[j]!, left, m.count));
    }
    assert.deepEqual(bestOf(m), referenceBest(m.hist, g, h, m.count - left, 0, 1));
  });
});
