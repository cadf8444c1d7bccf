import { bindHistogramKernels, BATCH, MAX_CLASSES, SCAN_BEST, SLOT_BYTES, type HistogramKernels } from '../../src/learn/histogramKernels.js';
import type { WasmMemory } from '../../src/wasm/wasmModule.js';
import type { PortCase, PortPair } from '../portAb.js';
import { arena, importOld, type Arena } from './_fixtures.js';

/**
 * The tree learner's histogram kernels on the study's training set's shape: 48,000 rows of 784
 * uint8 pixels (synthesized: garment-like blobs per class, a zero border), held feature-major and
 * row-major as the tree memory holds them, and a forest tree's bootstrap at the root (the
 * ~30,300 distinct samples of 48,000 draws, ascending, with their multiplicities as weights).
 */
const ROWS = 48_000;
const WIDTH = 784;
const SIDE = 28;
const CLASSES = 10;
/** a node small enough to have its rows gathered (treeMemory.ts's ROWS_BELOW) */
const SMALL = 2048;

interface World {
  a: Arena;
  oldKernels: HistogramKernels;
  newKernels: HistogramKernels;
  byFeature: number;
  byRow: number;
  /** the root's samples (ascending), their labels and weights */
  order: number;
  labels: number;
  weights: number;
  n: number;
  /** the node's weighted class totals */
  totals: Float64Array;
}

let world: Promise<World> | undefined;

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

async function makeWorld(base: string): Promise<World> {
  const { HISTOGRAM_KERNELS } = await importOld<{ HISTOGRAM_KERNELS: Uint8Array }>(base, 'src/learn/histogramKernels.js');
  const { bindToMemory } = await importOld<{ bindToMemory<T>(bytes: Uint8Array, memory: WasmMemory): T | undefined }>(base, 'src/wasm/assembler.js');
  const a = arena(2 * ROWS * WIDTH + ROWS * 8 + (16 << 20));
  const byFeature = a.alloc(ROWS * WIDTH);
  const byRow = a.alloc(ROWS * WIDTH);
  const rowLabels = new Uint8Array(ROWS);
  const rand = xorshift(7);
  const rows = a.bytes(byRow, ROWS * WIDTH);
  for (let r = 0; r < ROWS; r++) {
    const c = Math.floor(rand() * CLASSES);
    rowLabels[r] = c;
    const [rx, ry] = [4 + (c % 5) * 2 + rand() * 2, 6 + (c >> 1) * 1.5 + rand() * 2];
    const brightness = 60 + 17 * c + rand() * 60;
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const d = ((x - 13.5) / rx) ** 2 + ((y - 13.5) / ry) ** 2;
        let v = 0;
        if (d < 1) v = brightness * (1.2 - 0.5 * d) + (rand() - 0.5) * 50;
        else if (x > 1 && x < SIDE - 2 && y > 1 && y < SIDE - 2 && rand() < 0.04) v = rand() * 40;
        rows[r * WIDTH + y * SIDE + x] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  const features = a.bytes(byFeature, ROWS * WIDTH);
  for (let r = 0; r < ROWS; r++) for (let f = 0; f < WIDTH; f++) features[f * ROWS + r] = rows[r * WIDTH + f]!;
  // a bootstrap: ROWS draws with replacement; the samples drawn, ascending, weighted by their draws
  const draws = new Uint16Array(ROWS);
  for (let i = 0; i < ROWS; i++) draws[Math.floor(rand() * ROWS)]!++;
  const n = draws.reduce((k, w) => k + (w > 0 ? 1 : 0), 0);
  const order = a.alloc(n * 4);
  const labels = a.alloc(n);
  const weights = a.alloc(n * 2);
  const orderView = new Int32Array(a.memory.buffer, order, n);
  const labelView = a.bytes(labels, n);
  const weightView = new Uint16Array(a.memory.buffer, weights, n);
  const totals = new Float64Array(MAX_CLASSES);
  for (let r = 0, i = 0; r < ROWS; r++) {
    if (draws[r] === 0) continue;
    orderView[i] = r;
    labelView[i] = rowLabels[r]!;
    weightView[i++] = draws[r]!;
    totals[rowLabels[r]!]! += draws[r]!;
  }
  const oldKernels = bindToMemory<HistogramKernels>(HISTOGRAM_KERNELS, a.memory);
  if (!oldKernels) throw new Error('the old histogram kernels did not bind');
  return { a, oldKernels, newKernels: bindHistogramKernels(a.memory), byFeature, byRow, order, labels, weights, n, totals };
}

const getWorld = (base: string) => (world ??= makeWorld(base));

/** The histograms and marks of one batch (what the fills write), zeroed before each run. */
function batchScratch(w: World) {
  const hist = w.a.alloc(BATCH * SLOT_BYTES.hist);
  const seen = w.a.alloc(BATCH * SLOT_BYTES.seen);
  const bytes = BATCH * (SLOT_BYTES.hist + SLOT_BYTES.seen);
  return {
    hist,
    seen,
    reset: () => {
      w.a.bytes(hist, BATCH * SLOT_BYTES.hist).fill(0);
      w.a.bytes(seen, BATCH * SLOT_BYTES.seen).fill(0);
    },
    output: () => {
      const out = new Uint8Array(bytes);
      out.set(w.a.bytes(hist, BATCH * SLOT_BYTES.hist));
      out.set(w.a.bytes(seen, BATCH * SLOT_BYTES.seen), BATCH * SLOT_BYTES.hist);
      return out;
    },
  };
}

/** A small node's rows gathered as the tree memory gathers them: SMALL samples from the middle of the root's. */
function gatheredNode(w: World) {
  const start = (w.n >> 1) - (SMALL >> 1);
  const sourceOrder = new Int32Array(w.a.memory.buffer, w.order + start * 4, SMALL);
  const order = w.a.alloc(SMALL * 4);
  const gathered = w.a.alloc(SMALL * WIDTH);
  const rows = w.a.bytes(w.byRow, ROWS * WIDTH);
  const out = w.a.bytes(gathered, SMALL * WIDTH);
  const orderView = new Int32Array(w.a.memory.buffer, order, SMALL);
  for (let i = 0; i < SMALL; i++) {
    out.set(rows.subarray(sourceOrder[i]! * WIDTH, (sourceOrder[i]! + 1) * WIDTH), i * WIDTH);
    orderView[i] = i;
  }
  return { start, order, gathered, labels: w.labels + start, weights: w.weights + start * 2 };
}

function pair(w: World, reset: () => void, run: (k: HistogramKernels) => void, output: () => Uint8Array): PortPair {
  return { reset, runOld: () => run(w.oldKernels), runNew: () => run(w.newKernels), output };
}

export const cases: PortCase[] = [
  {
    // the root's whole search: all 784 features, four per pass, over the bootstrap, feature-major
    name: 'histFill4',
    async prepare(base) {
      const w = await getWorld(base);
      const s = batchScratch(w);
      return pair(w, s.reset, (k) => {
        for (let f = 0; f < WIDTH; f += BATCH) {
          const v = w.byFeature + f * ROWS;
          k.fill4(v, v + ROWS, v + 2 * ROWS, v + 3 * ROWS, 1, w.order, w.labels, w.weights, w.n, s.hist, s.seen);
        }
      }, s.output);
    },
  },
  {
    // a gathered node's search one feature at a time, row-major (sampleStep 784)
    name: 'histFill1',
    async prepare(base) {
      const w = await getWorld(base);
      const s = batchScratch(w);
      const g = gatheredNode(w);
      return pair(w, s.reset, (k) => {
        for (let f = 0; f < WIDTH; f++) {
          const j = f % BATCH;
          k.fill1(g.gathered + f, WIDTH, g.order, g.labels, g.weights, SMALL, s.hist + j * SLOT_BYTES.hist, s.seen + j * SLOT_BYTES.seen);
        }
      }, s.output);
    },
  },
  {
    // 64 of the root's histograms (every 12th feature) scanned, the best proxy carried as the search carries it
    name: 'histScan',
    async prepare(base) {
      const w = await getWorld(base);
      const FEATURES = 64;
      const hist = w.a.alloc(FEATURES * SLOT_BYTES.hist);
      const seen = w.a.alloc(FEATURES * SLOT_BYTES.seen);
      const counts = w.a.alloc((SCAN_BEST + 1) * 8);
      const countsView = new Float64Array(w.a.memory.buffer, counts, SCAN_BEST + 1);
      for (let i = 0; i < FEATURES; i++) {
        w.newKernels.fill1(w.byFeature + i * 12 * ROWS, 1, w.order, w.labels, w.weights, w.n, hist + i * SLOT_BYTES.hist, seen + i * SLOT_BYTES.seen);
      }
      const savedHist = w.a.bytes(hist, FEATURES * SLOT_BYTES.hist).slice();
      const savedSeen = w.a.bytes(seen, FEATURES * SLOT_BYTES.seen).slice();
      const totalWeight = w.totals.reduce((x, y) => x + y, 0);
      const rightSq = w.totals.reduce((x, y) => x + y * y, 0);
      const thresholds = new Int32Array(FEATURES);
      return pair(
        w,
        () => {
          w.a.bytes(hist, FEATURES * SLOT_BYTES.hist).set(savedHist);
          w.a.bytes(seen, FEATURES * SLOT_BYTES.seen).set(savedSeen);
          countsView.fill(0);
          countsView.set(w.totals, MAX_CLASSES);
          thresholds.fill(0);
        },
        (k) => {
          let best = -Infinity;
          for (let i = 0; i < FEATURES; i++) {
            thresholds[i] = k.scan(hist + i * SLOT_BYTES.hist, seen + i * SLOT_BYTES.seen, counts, rightSq, totalWeight, best);
            if (thresholds[i]! >= 0) best = countsView[SCAN_BEST]!;
          }
        },
        () => concat(w.a.bytes(hist, FEATURES * SLOT_BYTES.hist), w.a.bytes(seen, FEATURES * SLOT_BYTES.seen), w.a.bytes(counts, (SCAN_BEST + 1) * 8), new Uint8Array(thresholds.buffer)),
      );
    },
  },
  {
    // a small node's rows copied out of the row-major matrix, as a subtree's search starts
    name: 'histGather',
    async prepare(base) {
      const w = await getWorld(base);
      const g = gatheredNode(w);
      const order = w.a.alloc(SMALL * 4);
      const orderView = new Int32Array(w.a.memory.buffer, order, SMALL);
      const source = new Int32Array(w.a.memory.buffer, w.order + g.start * 4, SMALL).slice();
      return pair(
        w,
        () => {
          orderView.set(source);
          w.a.bytes(g.gathered, SMALL * WIDTH).fill(0);
        },
        (k) => k.gather(w.byRow, order, SMALL, WIDTH, g.gathered),
        () => concat(w.a.bytes(g.gathered, SMALL * WIDTH), w.a.bytes(order, SMALL * 4)),
      );
    },
  },
  {
    // every feature tested at the root (feature-major) and at a gathered node (row-major)
    name: 'histIsConstant',
    async prepare(base) {
      const w = await getWorld(base);
      const g = gatheredNode(w);
      const results = new Int32Array(2 * WIDTH);
      return pair(
        w,
        () => results.fill(-1),
        (k) => {
          for (let f = 0; f < WIDTH; f++) results[f] = k.isConstant(w.byFeature + f * ROWS, 1, w.order, w.n);
          for (let f = 0; f < WIDTH; f++) results[WIDTH + f] = k.isConstant(g.gathered + f, WIDTH, g.order, SMALL);
        },
        () => new Uint8Array(results.slice().buffer),
      );
    },
  },
];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
