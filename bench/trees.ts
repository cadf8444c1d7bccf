/**
 * `npm run bench -- trees`: wall time of the trees stage's parts on the real data, each alone
 * on the worker pool: the decision tree and the random forest fitted on the 48,000 training
 * rows, then each one's 5-fold CV, next to scikit-learn 1.2's figures on this machine. Also
 * prints the process's CPU seconds (workers included), a fixed integer loop's CPU time (to
 * judge how loaded the machine was: ~0.2 s when idle) and the peak RSS.
 * Flags: --artifacts-dir DIR (needs the load and split stages' outputs), --workers N, --no-cv.
 */
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../src/config.js';
import { NUM_CLASSES, PIXELS_PER_IMAGE } from '../src/dataset.js';
import { artifactPaths } from '../src/io/paths.js';
import { readPixelCache } from '../src/io/pixelCache.js';
import { readSplit } from '../src/io/split.js';
import { toPixelMatrix } from '../src/learn/pixelMatrix.js';
import { predictForest } from '../src/learn/forest.js';
import { accuracy } from '../src/learn/metrics.js';
import { stratifiedKFold } from '../src/learn/stratifiedKFold.js';
import { predictTree, type Tree } from '../src/learn/tree.js';
import { createTreePool, fitAll, sharedInt32, sharedUint8, type FitSpec, type SharedTrainingSet, type TreePool } from '../src/stages/trees/fitAll.js';
import { CV_FOLDS, planFits } from '../src/stages/trees/plan.js';
import { trackPeakRss } from './_measure.js';

/** The study's two tree models, which this bench times. */
const BENCHED = ['decision-tree', 'random-forest'] as const;

/** scikit-learn 1.2 on the same split, measured on this machine (the reference). */
const SKLEARN: Record<(typeof BENCHED)[number], { fit: string; cv: string; valid: number }> = {
  'decision-tree': { fit: '27.8 s', cv: '101.5 s (1 core)', valid: 0.7896 },
  'random-forest': { fit: '27.2 s (n_jobs=2)', cv: '113.3 s (n_jobs=2)', valid: 0.8805 },
};

/** CPU seconds of a fixed dependent integer loop: a gauge of how much CPU this process really gets. */
function calibrate(): number {
  const before = process.cpuUsage();
  let x = 1;
  for (let i = 0; i < 1e8; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  if (x === 0.5) console.log(x); // keeps the loop from being optimised away
  return process.cpuUsage(before).user / 1e6;
}

/** Wall and CPU seconds (main thread and workers) of fitting `specs` on the pool, and the trees of each. */
async function timeFits(pool: TreePool, data: SharedTrainingSet, specs: FitSpec[]): Promise<{ wall: number; cpu: number; trees: Tree[][] }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const trees: Tree[][] = [];
  await fitAll(pool, data, specs, new AbortController().signal, (i, outcome) => void (trees[i] = outcome.trees), () => undefined);
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6, trees };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { 'artifacts-dir': { type: 'string', default: 'artifacts' }, workers: { type: 'string' }, 'no-cv': { type: 'boolean', default: false } },
  });
  const workers = Number(values.workers ?? DEFAULTS.workers);
  const peakRss = trackPeakRss();
  const paths = artifactPaths(values['artifacts-dir']!);
  const [cache, split] = await Promise.all([readPixelCache(paths), readSplit(paths.split)]);
  const data: SharedTrainingSet = {
    x: toPixelMatrix(cache.train.pixels, PIXELS_PER_IMAGE, split.train, true),
    labels: sharedUint8(split.train.map((r) => cache.train.labels[r]!)),
    numClasses: NUM_CLASSES,
  };
  const folds = stratifiedKFold(data.labels, CV_FOLDS, DEFAULTS.seed).map((f) => ({ train: sharedInt32(f.train) }));
  const plan = planFits(BENCHED, sharedInt32(split.train.map((_, i) => i)), folds, PIXELS_PER_IMAGE, DEFAULTS.seed);
  const validPixels = new Uint8Array(split.valid.length * PIXELS_PER_IMAGE);
  split.valid.forEach((r, i) => validPixels.set(cache.train.pixels.subarray(r * PIXELS_PER_IMAGE, (r + 1) * PIXELS_PER_IMAGE), i * PIXELS_PER_IMAGE));
  const validLabels = split.valid.map((r) => cache.train.labels[r]!);

  console.log(`trees bench: ${split.train.length} training rows x ${PIXELS_PER_IMAGE} features, ${workers} workers; calibration loop ${calibrate().toFixed(2)} s CPU (idle machine: ~0.2 s)`);
  const pool = createTreePool(workers);
  try {
    for (const model of BENCHED) {
      const final = plan.find((p) => p.model === model && p.fold === undefined)!;
      const fit = await timeFits(pool, data, [final.spec]);
      const trees = fit.trees[0]!;
      const count = split.valid.length;
      const predicted = model === 'decision-tree' ? predictTree(trees[0]!, validPixels, PIXELS_PER_IMAGE, count) : predictForest(trees, validPixels, PIXELS_PER_IMAGE, count);
      const ref = SKLEARN[model];
      console.log(`${model.padEnd(14)} fit ${fit.wall.toFixed(1)} s wall, ${fit.cpu.toFixed(1)} s CPU; valid accuracy ${accuracy(validLabels, predicted).toFixed(4)} (scikit-learn: fit ${ref.fit}, valid ${ref.valid})`);
      if (values['no-cv']) continue;
      const cv = await timeFits(pool, data, plan.filter((p) => p.model === model && p.fold !== undefined).map((p) => p.spec));
      console.log(`${model.padEnd(14)} ${CV_FOLDS}-fold CV ${cv.wall.toFixed(1)} s wall, ${cv.cpu.toFixed(1)} s CPU (scikit-learn: ${ref.cv})`);
    }
  } finally {
    await pool.destroy();
  }
  console.log(`peak RSS ${peakRss().toFixed(0)} MB (main thread and workers)`);
}
