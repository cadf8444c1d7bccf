/**
 * `npm run bench -- boost`: the gradient-boosting learner on the study's split (48,000 train /
 * 12,000 valid rows, the 10,000 test images): each round's seconds and scores, the fit's time and
 * seconds per round, valid and test accuracy of the best round, the prediction time of the test
 * images, the peak RSS, and a fixed integer loop's CPU time (how loaded the machine was).
 * Flags: --artifacts-dir DIR (the load and split stages' outputs), --workers N, and the
 * parameters (defaults: BOOST_DEFAULTS): --rounds, --learning-rate, --max-leaves, --max-depth,
 * --lambda, --min-child-weight, --min-data-in-leaf, --subsample, --colsample-bytree,
 * --early-stopping-rounds, --seed; --quiet prints no line per round; --save PATH writes the model
 * as XGBoost JSON.
 */
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../src/config.js';
import { NUM_CLASSES, PIXELS_PER_IMAGE } from '../src/dataset.js';
import { artifactPaths } from '../src/io/paths.js';
import { readPixelCache } from '../src/io/pixelCache.js';
import { readSplit } from '../src/io/split.js';
import { fitBoost } from '../src/boost/fitBoost.js';
import { BOOST_DEFAULTS, type BoostParams } from '../src/boost/model.js';
import { flattenModel, predictProbabilities } from '../src/boost/predict.js';
import { writeXgboostJson } from '../src/boost/xgboostJson.js';
import { trackPeakRss } from './_measure.js';

/** Flag of each parameter. */
const FLAGS: Record<keyof BoostParams, string> = {
  rounds: 'rounds',
  learningRate: 'learning-rate',
  maxLeaves: 'max-leaves',
  maxDepth: 'max-depth',
  lambda: 'lambda',
  minChildWeight: 'min-child-weight',
  minDataInLeaf: 'min-data-in-leaf',
  subsample: 'subsample',
  colsampleBytree: 'colsample-bytree',
  earlyStoppingRounds: 'early-stopping-rounds',
  seed: 'seed',
};

/** CPU seconds of a fixed dependent integer loop: a gauge of how much CPU this process really gets (~0.2 s idle). */
function calibrate(): number {
  const before = process.cpuUsage();
  let x = 1;
  for (let i = 0; i < 1e8; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  if (x === 0.5) console.log(x);
  return process.cpuUsage(before).user / 1e6;
}

/** Accuracy of probabilities (rows of NUM_CLASSES) against labels; an argmax tie goes to the lower class. */
function accuracyOf(p: Float64Array, labels: Uint8Array): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    let top = 0;
    for (let k = 1; k < NUM_CLASSES; k++) if (p[i * NUM_CLASSES + k]! > p[i * NUM_CLASSES + top]!) top = k;
    if (top === labels[i]) right++;
  }
  return right / labels.length;
}

export async function run(args: string[]): Promise<void> {
  const options = Object.fromEntries(Object.values(FLAGS).map((flag) => [flag, { type: 'string' as const }]));
  const { values } = parseArgs({
    args,
    options: { ...options, 'artifacts-dir': { type: 'string', default: 'artifacts' }, workers: { type: 'string' }, quiet: { type: 'boolean', default: false }, save: { type: 'string' } },
  });
  const params = { ...BOOST_DEFAULTS };
  const given = values as unknown as Record<string, string | undefined>;
  for (const [key, flag] of Object.entries(FLAGS) as [keyof BoostParams, string][]) {
    if (given[flag] !== undefined) params[key] = Number(given[flag]);
  }
  const workers = Number(values.workers ?? Math.min(DEFAULTS.workers, NUM_CLASSES));
  const peakRss = trackPeakRss();
  const paths = artifactPaths(values['artifacts-dir'] as string);
  const [cache, split] = await Promise.all([readPixelCache(paths), readSplit(paths.split)]);
  console.log(
    `boost bench: ${split.train.length} train / ${split.valid.length} valid rows, ${workers} workers, ` +
      `${JSON.stringify(params)}; calibration loop ${calibrate().toFixed(2)} s CPU`,
  );
  const cpu = process.cpuUsage();
  const started = performance.now();
  const fit = await fitBoost(
    { pixels: cache.train.pixels, labels: cache.train.labels, numFeature: PIXELS_PER_IMAGE, numClass: NUM_CLASSES, train: Int32Array.from(split.train), valid: Int32Array.from(split.valid) },
    {
      params,
      workers,
      onRound: values.quiet
        ? undefined
        : (r) =>
            console.log(
              `round ${r.round + 1}: ${r.seconds.toFixed(3)} s, train mlogloss ${r.train.mlogloss.toFixed(4)} acc ${r.train.accuracy.toFixed(4)}, ` +
                `valid mlogloss ${r.valid!.mlogloss.toFixed(4)} acc ${r.valid!.accuracy.toFixed(4)}`,
            ),
    },
  );
  const fitSeconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const rounds = fit.history.length;
  const best = fit.history[fit.model.bestIteration]!;
  const predictStart = performance.now();
  const forest = flattenModel(fit.model);
  const testP = predictProbabilities(forest, cache.test.pixels, cache.test.count);
  const predictSeconds = (performance.now() - predictStart) / 1000;
  console.log(
    `fit ${fitSeconds.toFixed(1)} s (CPU ${((used.user + used.system) / 1e6).toFixed(1)} s), ${rounds} rounds` +
      `${fit.stoppedEarly ? ' (early stop)' : ''}, ${(fitSeconds / rounds).toFixed(3)} s per round; best round ${fit.model.bestIteration + 1}: ` +
      `valid ${best.valid!.accuracy.toFixed(4)}, test ${accuracyOf(testP, cache.test.labels).toFixed(4)}; ` +
      `predict ${cache.test.count} test images ${predictSeconds.toFixed(2)} s; peak RSS ${peakRss().toFixed(0)} MB`,
  );
  if (values.save) await writeXgboostJson(values.save as string, fit.model);
  console.log(`histograms: ${fit.stats.built} built, ${fit.stats.subtracted} by subtraction, ${fit.stats.rowsBuilt} rows read to build`);
}
