/**
 * `npm run bench -- trees`: wall time of the trees stage's parts on the real data, each alone
 * on the worker pool: the decision tree and the random forest fitted on the 48,000 training
 * rows, then each one's 5-fold CV; then scikit-learn's figures for the same fits, measured
 * right after on as many cores (bench/sklearn_reference.py, see _reference.ts), and the ratio of
 * ours to them. Also prints the process's CPU seconds (workers included), a fixed integer loop's
 * CPU time (to judge how loaded the machine was: ~0.2 s when idle) and the peak RSS.
 * Flags: --artifacts-dir DIR (needs the load and split stages' outputs), --workers N, --no-cv,
 * --no-reference (skip scikit-learn).
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
import { figure, measureReference, referenceScript, type Reference } from './_reference.js';

/** The study's two tree models, which this bench times. */
const BENCHED = ['decision-tree', 'random-forest'] as const;

const SKLEARN_SCRIPT = referenceScript('sklearn_reference.py');

/** What this bench measured of one model: wall seconds of the fit and of the CV (unless --no-cv), valid accuracy. */
interface TreeFigures {
  fitSeconds: number;
  cvSeconds?: number;
  validAccuracy: number;
}

/** The lines comparing `ours` with scikit-learn's run of the same model, or saying why there is none. */
export function compareWithSklearn(model: string, ours: TreeFigures, reference: Reference): string[] {
  if (!reference.measured) return [`${model.padEnd(14)} no scikit-learn reference measured: ${reference.why}`];
  const library = String(reference.figures.library);
  const theirs = (key: string) => figure(reference.figures, ['models', model, key], SKLEARN_SCRIPT);
  const times = (label: string, mine: number, key: string) =>
    `${model.padEnd(14)} ${label} ${mine.toFixed(1)} s against ${library}'s ${theirs(key).toFixed(1)} s (same run) -> ${(mine / theirs(key)).toFixed(2)}x its time`;
  const lines = [
    times('fit', ours.fitSeconds, 'fitSeconds') + `; valid accuracy ${ours.validAccuracy.toFixed(4)} against ${theirs('validAccuracy').toFixed(4)}`,
  ];
  if (ours.cvSeconds !== undefined) lines.push(times(`${CV_FOLDS}-fold CV`, ours.cvSeconds, 'cvSeconds'));
  return lines;
}

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
    options: {
      'artifacts-dir': { type: 'string', default: 'artifacts' },
      workers: { type: 'string' },
      'no-cv': { type: 'boolean', default: false },
      'no-reference': { type: 'boolean', default: false },
    },
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
  const ours: Partial<Record<(typeof BENCHED)[number], TreeFigures>> = {};
  const pool = createTreePool(workers);
  try {
    for (const model of BENCHED) {
      const final = plan.find((p) => p.model === model && p.fold === undefined)!;
      const fit = await timeFits(pool, data, [final.spec]);
      const trees = fit.trees[0]!;
      const count = split.valid.length;
      const predicted = model === 'decision-tree' ? predictTree(trees[0]!, validPixels, PIXELS_PER_IMAGE, count) : predictForest(trees, validPixels, PIXELS_PER_IMAGE, count);
      const validAccuracy = accuracy(validLabels, predicted);
      ours[model] = { fitSeconds: fit.wall, validAccuracy };
      console.log(`${model.padEnd(14)} fit ${fit.wall.toFixed(1)} s wall, ${fit.cpu.toFixed(1)} s CPU; valid accuracy ${validAccuracy.toFixed(4)}`);
      if (values['no-cv']) continue;
      const cv = await timeFits(pool, data, plan.filter((p) => p.model === model && p.fold !== undefined).map((p) => p.spec));
      ours[model]!.cvSeconds = cv.wall;
      console.log(`${model.padEnd(14)} ${CV_FOLDS}-fold CV ${cv.wall.toFixed(1)} s wall, ${cv.cpu.toFixed(1)} s CPU`);
    }
  } finally {
    await pool.destroy();
  }
  console.log(`peak RSS ${peakRss().toFixed(0)} MB (main thread and workers)`);
  // after ours, so the two never share the cores
  const reference: Reference = values['no-reference']
    ? { measured: false, why: '--no-reference' }
    : await measureReference(SKLEARN_SCRIPT, [
        '--artifacts-dir', values['artifacts-dir']!, '--jobs', String(workers), '--seed', String(DEFAULTS.seed), ...(values['no-cv'] ? ['--no-cv'] : []),
      ]);
  for (const model of BENCHED) for (const line of compareWithSklearn(model, ours[model]!, reference)) console.log(line);
}
