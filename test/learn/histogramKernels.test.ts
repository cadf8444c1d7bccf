import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/random.js';
import { createMemory } from '../../src/wasm/wasmModule.js';
import { bindHistogramKernels, MAX_CLASSES, SCAN_BEST, SLOTS, VALUES } from '../../src/learn/histogramKernels.js';

/** A memory laid out for `n` samples of `features` features (row-major, sampleStep = features). */
function setUp(n: number, features: number) {
  const wasm = createMemory(1 << 20);
  const kernels = bindHistogramKernels(wasm);
  const { buffer } = wasm;
  const hist = new Uint16Array(buffer, 0, 4 * SLOTS);
  const seen = new Uint8Array(buffer, hist.byteOffset + hist.byteLength, 4 * VALUES);
  const counts = new Float64Array(buffer, seen.byteOffset + seen.byteLength, SCAN_BEST + 1);
  const order = new Int32Array(buffer, counts.byteOffset + counts.byteLength, n);
  const weights = new Uint16Array(buffer, order.byteOffset + order.byteLength, n);
  const labels = new Uint8Array(buffer, weights.byteOffset + weights.byteLength, n);
  const values = new Uint8Array(buffer, labels.byteOffset + labels.byteLength, n * features);
  return { kernels, hist, seen, counts, order, weights, labels, values };
}

/** Random samples: few distinct values (so bins collect several classes), uneven weights, order a subset. */
function randomNode(n: number, features: number, classes: number, seed: number) {
  const m = setUp(n, features);
  const rng = createRng(seed);
  for (let i = 0; i < n * features; i++) m.values[i] = rng.int(6) * 40 + rng.int(2);
  for (let i = 0; i < n; i++) {
    m.order[i] = n - 1 - i;
    m.labels[i] = rng.int(classes);
    m.weights[i] = 1 + rng.int(3);
  }
  return m;
}

/** The node's histogram of feature f by plain counting. */
function referenceHistogram(m: ReturnType<typeof setUp>, f: number, features: number, n: number) {
  const hist = new Uint16Array(SLOTS);
  for (let i = 0; i < n; i++) hist[(m.values[m.order[i]! * features + f]! << 4) | m.labels[i]!]! += m.weights[i]!;
  return hist;
}

/** The Gini proxy (sum L_k^2 / wL + sum R_k^2 / wR) of sending values <= t left. */
function proxyOf(hist: Uint16Array, classes: number, t: number): number {
  const left = new Array<number>(classes).fill(0);
  const right = new Array<number>(classes).fill(0);
  for (let v = 0; v < VALUES; v++) for (let k = 0; k < classes; k++) (v <= t ? left : right)[k]! += hist[(v << 4) | k]!;
  const sq = (a: number[]) => a.reduce((s, c) => s + c * c, 0);
  const total = (a: number[]) => a.reduce((s, c) => s + c, 0);
  return sq(left) / total(left) + sq(right) / total(right);
}

/** The best proxy over every cut between two values present, and the values present. */
function bruteForceBest(hist: Uint16Array, classes: number): { best: number; present: number[] } {
  const present = Array.from({ length: VALUES }, (_, v) => v).filter((v) => hist.subarray(v << 4, (v << 4) + classes).some((c) => c > 0));
  let best = -Infinity;
  for (let cut = 1; cut < present.length; cut++) best = Math.max(best, proxyOf(hist, classes, present[cut - 1]!));
  return { best, present };
}

describe('histogram kernels (wasm)', () => {
  it('fill4 and fill1 count each sample weight at (value, class) and mark the values present', () => {
    const [n, features] = [300, 6];
    const m = randomNode(n, features, 10, 5);
    const args = [features, m.order.byteOffset, m.labels.byteOffset, m.weights.byteOffset, n] as const;
    const column = (f: number) => m.values.byteOffset + f;
    m.kernels.fill4(column(0), column(2), column(3), column(5), ...args, m.hist.byteOffset, m.seen.byteOffset);
    [0, 2, 3, 5].forEach((f, slot) => {
      const expected = referenceHistogram(m, f, features, n);
      assert.deepEqual(Array.from(m.hist.subarray(slot * SLOTS, (slot + 1) * SLOTS)), Array.from(expected), `feature ${f}`);
      for (let v = 0; v < VALUES; v++) {
        const present = expected.subarray(v << 4, (v + 1) << 4).some((c) => c > 0);
        assert.equal(m.seen[slot * VALUES + v], present ? 0xff : 0, `feature ${f} value ${v} seen`);
      }
    });
    m.hist.fill(0);
    m.kernels.fill1(column(4), ...args, m.hist.byteOffset + 2 * SLOTS * 2, m.seen.byteOffset);
    assert.deepEqual(Array.from(m.hist.subarray(2 * SLOTS, 3 * SLOTS)), Array.from(referenceHistogram(m, 4, features, n)));
  });

  it('scan finds the best cut a brute-force search finds, returns its midpoint threshold and clears what it read', () => {
    for (const [seed, classes] of [[1, 10], [2, 3], [3, 2]] as const) {
      const [n, features] = [200, 1];
      const m = randomNode(n, features, classes, seed);
      m.kernels.fill1(m.values.byteOffset, features, m.order.byteOffset, m.labels.byteOffset, m.weights.byteOffset, n, m.hist.byteOffset, m.seen.byteOffset);
      const hist = m.hist.slice(0, SLOTS);
      const totals = new Float64Array(classes);
      for (let i = 0; i < n; i++) totals[m.labels[i]!]! += m.weights[i]!;
      m.counts.set(totals, MAX_CLASSES);
      const totalWeight = totals.reduce((a, b) => a + b, 0);
      const rightSq = totals.reduce((a, b) => a + b * b, 0);
      const threshold = m.kernels.scan(m.hist.byteOffset, m.seen.byteOffset, m.counts.byteOffset, rightSq, totalWeight, -Infinity);
      const { best: expected, present } = bruteForceBest(hist, classes);
      assert.ok(Math.abs(m.counts[SCAN_BEST]! - expected) < 1e-9 * expected, `seed ${seed}: ${m.counts[SCAN_BEST]} against ${expected}`);
      // the threshold is the midpoint of the two values around the cut, rounded down, and it scores the best proxy
      const below = present.filter((v) => v <= threshold);
      assert.equal(threshold, (below.at(-1)! + present[below.length]!) >> 1);
      assert.ok(Math.abs(proxyOf(hist, classes, threshold) - expected) < 1e-9 * expected);
      assert.ok(m.hist.every((c) => c === 0) && m.seen.every((w) => w === 0));
      // a best proxy already above every cut: -1, nothing kept
      m.kernels.fill1(m.values.byteOffset, features, m.order.byteOffset, m.labels.byteOffset, m.weights.byteOffset, n, m.hist.byteOffset, m.seen.byteOffset);
      assert.equal(m.kernels.scan(m.hist.byteOffset, m.seen.byteOffset, m.counts.byteOffset, rightSq, totalWeight, expected + 1), -1);
    }
  });
});

describe('gather and isConstant (wasm)', () => {
  it('gather copies the rows at order into consecutive rows and renumbers order', () => {
    const [n, features] = [50, 7];
    const m = randomNode(n, features, 3, 9);
    const picked = [3, 8, 9, 20, 41];
    m.order.set(picked);
    const gathered = new Uint8Array(m.values.buffer, m.values.byteOffset + n * features, picked.length * features);
    m.kernels.gather(m.values.byteOffset, m.order.byteOffset, picked.length, features, gathered.byteOffset);
    picked.forEach((s, i) => assert.deepEqual(Array.from(gathered.subarray(i * features, (i + 1) * features)), Array.from(m.values.subarray(s * features, (s + 1) * features))));
    assert.deepEqual(Array.from(m.order.subarray(0, picked.length)), [0, 1, 2, 3, 4]);
  });

  it('isConstant answers 1 only when every sample at order has the same byte', () => {
    const [n, features] = [40, 3];
    const m = randomNode(n, features, 2, 4);
    for (let s = 0; s < n; s++) m.values[s * features + 1] = 77;
    m.values[(n - 1) * features + 2] = 5;
    for (let s = 0; s < n - 1; s++) m.values[s * features + 2] = 6;
    const at = (f: number) => m.values.byteOffset + f;
    assert.equal(m.kernels.isConstant(at(1), features, m.order.byteOffset, n), 1);
    // order[0] is sample n - 1, the one 5 among 6s: different from all the rest
    assert.equal(m.kernels.isConstant(at(2), features, m.order.byteOffset, n), 0);
    assert.equal(m.kernels.isConstant(at(2), features, m.order.byteOffset + 4, n - 1), 1);
    assert.equal(m.kernels.isConstant(at(2), features, m.order.byteOffset, 1), 1);
  });
});
