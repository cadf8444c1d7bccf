/**
 * `npm run bench -- boost`: our gradient boosting against Debian's python3-xgboost (`hist`, the
 * same threads), on the study's split (48,000 train / 12,000 valid rows, the 10,000 test
 * images), in the same run: for each setting, ours is fitted, then XGBoost with the same rounds,
 * tree size, learning rate and regularisation. Prints for both the fit seconds, seconds per
 * round, valid and test accuracy of the kept round and the time to predict the test images,
 * then ours / XGBoost's fit time.
 *
 * Settings (--settings, comma-separated; default depth,leaves):
 * - depth: XGBoost's defaults, max_depth 6, eta 0.3 (ours: 64 leaves, depth 6, which grows
 *   the same full trees);
 * - leaves: LightGBM's defaults, 31 leaves grown leaf-wise, eta 0.1;
 * - defaults: the boost stage's defaults (XGBoost gets the same parameters, but draws its own
 *   row and feature samples, and has no min rows per leaf).
 * Both fit --rounds rounds (default 50); with --early-stopping-rounds N both stop on the valid
 * mlogloss and keep their best round. --workers N (default 2: both cores) is ours and XGBoost's
 * threads. --no-reference skips XGBoost; --save PATH writes our last model as XGBoost JSON;
 * --verbose prints our rounds. BENCH_PYTHON names the interpreter that has xgboost.
 */
import { parseArgs } from 'node:util';
import { imageRows, NUM_CLASSES, PIXELS_PER_IMAGE } from '../src/dataset.js';
import { artifactPaths } from '../src/io/paths.js';
import { readPixelCache } from '../src/io/pixelCache.js';
import { readSplit } from '../src/io/split.js';
import { fitBoost } from '../src/boost/fitBoost.js';
import { BOOST_DEFAULTS, type BoostParams } from '../src/boost/model.js';
import { flattenModel, predictProbabilities } from '../src/boost/predict.js';
import { writeXgboostJson } from '../src/boost/xgboostJson.js';
import { accuracy, argmaxRows } from '../src/learn/metrics.js';
import { trackPeakRss } from './_measure.js';
import { figure, measureReference, referenceScript, type Reference } from './_reference.js';

const XGBOOST_SCRIPT = referenceScript('xgboost_reference.py');

/** The same setting for both learners: our parameters and XGBoost's. */
interface Setting {
  ours: Omit<BoostParams, 'rounds' | 'earlyStoppingRounds'>;
  xgboost: Record<string, number | string>;
}

/** Without sampling or min rows per leaf, ours grows XGBoost's trees: lambda and min_child_weight at XGBoost's 1. */
const EXACT = { lambda: 1, minChildWeight: 1, minDataInLeaf: 1, subsample: 1, colsampleBytree: 1, seed: BOOST_DEFAULTS.seed };

const SETTINGS: Record<string, Setting> = {
  depth: {
    ours: { ...EXACT, learningRate: 0.3, maxLeaves: 64, maxDepth: 6 },
    xgboost: { max_depth: 6, eta: 0.3 },
  },
  leaves: {
    ours: { ...EXACT, learningRate: 0.1, maxLeaves: 31, maxDepth: 0 },
    xgboost: { grow_policy: 'lossguide', max_leaves: 31, max_depth: 0, eta: 0.1 },
  },
  defaults: {
    ours: { ...BOOST_DEFAULTS },
    xgboost: {
      grow_policy: 'lossguide',
      max_leaves: BOOST_DEFAULTS.maxLeaves,
      max_depth: BOOST_DEFAULTS.maxDepth,
      eta: BOOST_DEFAULTS.learningRate,
      lambda: BOOST_DEFAULTS.lambda,
      min_child_weight: BOOST_DEFAULTS.minChildWeight,
      subsample: BOOST_DEFAULTS.subsample,
      colsample_bytree: BOOST_DEFAULTS.colsampleBytree,
      seed: BOOST_DEFAULTS.seed,
    },
  },
};

/** One learner's figures for one setting. */
interface Figures {
  rounds: number;
  bestRound: number;
  fitSeconds: number;
  secondsPerRound: number;
  validAccuracy: number;
  testAccuracy: number;
  predictSeconds: number;
}

const row = (name: string, f: Figures) =>
  `  ${name.padEnd(14)} ${`${f.rounds} (${f.bestRound})`.padStart(11)} ${f.fitSeconds.toFixed(1).padStart(8)} ${f.secondsPerRound.toFixed(3).padStart(9)} ` +
  `${f.validAccuracy.toFixed(4).padStart(7)} ${f.testAccuracy.toFixed(4).padStart(7)} ${f.predictSeconds.toFixed(2).padStart(10)}`;

/** XGBoost's figures from its script's JSON. */
function xgboostFigures(reference: Reference & { measured: true }): Figures {
  const get = (key: keyof Figures) => figure(reference.figures, [key], XGBOOST_SCRIPT);
  return {
    rounds: get('rounds'),
    bestRound: get('bestRound'),
    fitSeconds: get('fitSeconds'),
    secondsPerRound: get('secondsPerRound'),
    validAccuracy: get('validAccuracy'),
    testAccuracy: get('testAccuracy'),
    predictSeconds: get('predictSeconds'),
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'artifacts-dir': { type: 'string', default: 'artifacts' },
      settings: { type: 'string', default: 'depth,leaves' },
      rounds: { type: 'string', default: '50' },
      'early-stopping-rounds': { type: 'string', default: '0' },
      workers: { type: 'string', default: '2' },
      'no-reference': { type: 'boolean', default: false },
      save: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const names = values.settings.split(',');
  const unknown = names.filter((n) => !(n in SETTINGS));
  if (unknown.length > 0) throw new Error(`Unknown setting(s) ${unknown.join(', ')}: use ${Object.keys(SETTINGS).join(', ')}`);
  const rounds = Number(values.rounds);
  const earlyStoppingRounds = Number(values['early-stopping-rounds']);
  const workers = Number(values.workers);
  const artifactsDir = values['artifacts-dir'];
  const peakRss = trackPeakRss();
  const paths = artifactPaths(artifactsDir);
  const [cache, split] = await Promise.all([readPixelCache(paths), readSplit(paths.split)]);
  const validLabels = Uint8Array.from(split.valid, (r) => cache.train.labels[r]!);
  const validPixels = imageRows(cache.train.pixels, split.valid);
  console.log(`boost bench: ${split.train.length} train / ${split.valid.length} valid rows, ${cache.test.count} test images, ${workers} threads, ` +
    `${rounds} rounds${earlyStoppingRounds ? `, early stopping after ${earlyStoppingRounds}` : ''}`);

  const lines: string[] = [];
  for (const name of names) {
    const setting = SETTINGS[name]!;
    const params: BoostParams = { ...setting.ours, rounds, earlyStoppingRounds };
    const started = performance.now();
    const fit = await fitBoost(
      { pixels: cache.train.pixels, labels: cache.train.labels, numFeature: PIXELS_PER_IMAGE, numClass: NUM_CLASSES, train: Int32Array.from(split.train), valid: Int32Array.from(split.valid) },
      {
        params,
        workers,
        onRound: values.verbose
          ? (r) => console.log(`  round ${r.round + 1}: ${r.seconds.toFixed(3)} s, valid mlogloss ${r.valid!.mlogloss.toFixed(4)} accuracy ${r.valid!.accuracy.toFixed(4)}`)
          : undefined,
      },
    );
    const fitSeconds = (performance.now() - started) / 1000;
    const predictStarted = performance.now();
    const forest = flattenModel(fit.model);
    const testP = predictProbabilities(forest, cache.test.pixels, cache.test.count);
    const predictSeconds = (performance.now() - predictStarted) / 1000;
    const validP = predictProbabilities(forest, validPixels, split.valid.length);
    const ours: Figures = {
      rounds: fit.history.length,
      bestRound: fit.model.bestIteration + 1,
      fitSeconds,
      secondsPerRound: fitSeconds / fit.history.length,
      validAccuracy: accuracy(validLabels, argmaxRows(validP, split.valid.length, NUM_CLASSES)),
      testAccuracy: accuracy(cache.test.labels, argmaxRows(testP, cache.test.count, NUM_CLASSES)),
      predictSeconds,
    };
    console.log(`${name}: ours ${row('', ours).trim()}`);
    if (values.save) await writeXgboostJson(values.save, fit.model);
    // after ours, so the two never share the cores
    const reference: Reference = values['no-reference']
      ? { measured: false, why: '--no-reference' }
      : await measureReference(XGBOOST_SCRIPT, [
          JSON.stringify(setting.xgboost), '--artifacts-dir', artifactsDir, '--rounds', String(rounds),
          '--early-stopping-rounds', String(earlyStoppingRounds), '--jobs', String(workers),
        ]);
    lines.push(`${name}:`, row('ours', ours));
    if (!reference.measured) {
      lines.push(`  XGBoost not measured: ${reference.why}`);
      continue;
    }
    const theirs = xgboostFigures(reference);
    lines.push(
      row(String(reference.figures.library), theirs),
      `  ours / XGBoost: fit time ${(ours.fitSeconds / theirs.fitSeconds).toFixed(2)}x, per round ${(ours.secondsPerRound / theirs.secondsPerRound).toFixed(2)}x ` +
        `(ours on ${workers} threads; test images predicted by ours on 1 thread, by XGBoost on ${workers})`,
    );
  }
  console.log(`\n  ${'library'.padEnd(14)} ${'rounds(best)'.padStart(11)} ${'fit (s)'.padStart(8)} ${'s/round'.padStart(9)} ${'valid'.padStart(7)} ${'test'.padStart(7)} ${'predict (s)'.padStart(10)}`);
  for (const line of lines) console.log(line);
  console.log(`peak RSS of ours ${peakRss().toFixed(0)} MB`);
}
