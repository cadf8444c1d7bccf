/**
 * `evaluate`: the study's results table for every trained model, plus per-class scores,
 * confusion matrices and the misclassified images, all computed from the saved models on the
 * pixel cache (so every model is scored the same way), into metrics.json's "evaluation".
 */
import { join } from 'node:path';
import { CLASS_NAMES, imageRows, NUM_CLASSES, PIXELS_PER_IMAGE } from '../dataset.js';
import { PipelineError } from '../errors.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import type { Evaluation, Misclassified, ModelEvaluation, TableRow } from '../io/evaluation.js';
import { readMetrics, updateMetrics } from '../io/metrics.js';
import { artifactPaths } from '../io/paths.js';
import { readPixelCache, UNKNOWN_LABEL, type ImageSet } from '../io/pixelCache.js';
import { readSplit } from '../io/split.js';
import { accuracy, argmaxRows, classReport, confusionMatrix } from '../learn/metrics.js';
import { predictInBatches } from '../models/predictor.js';
import { inferenceBatchSize } from '../networks/evaluate.js';
import { MODEL_NAMES, MODELS, missingModelMessage, trainedModels } from '../models/registry.js';
import { loadPooledPredictor } from '../models/pooledPredictor.js';
import { renderConfusionMatrix } from '../plots/confusionMatrix.js';
import { renderImageGrid } from '../plots/imageGrid.js';
import { createProgress } from '../progress.js';
import type { Stage } from '../stage.js';

/** How many misclassified images are kept per model (and shown for the best one). */
export const MISCLASSIFIED_SHOWN = 15;

/** The validation rows of the train set as their own ImageSet (pixels copied in split order). */
function subset(set: ImageSet, rows: number[]): ImageSet {
  return { count: rows.length, pixels: imageRows(set.pixels, rows), labels: Uint8Array.from(rows, (r) => set.labels[r]!), ids: Int32Array.from(rows, (r) => set.ids[r]!) };
}

function scoreSet(predicted: Uint8Array, probs: Float32Array, set: ImageSet): ModelEvaluation {
  const confusion = confusionMatrix(set.labels, predicted, NUM_CLASSES);
  const report = classReport(confusion);
  const misclassified: Misclassified[] = [];
  for (let row = 0; row < set.count && misclassified.length < MISCLASSIFIED_SHOWN; row++) {
    const p = predicted[row]!;
    if (p !== set.labels[row]) misclassified.push({ row, id: set.ids[row]!, label: set.labels[row]!, predicted: p, probability: probs[row * NUM_CLASSES + p]! });
  }
  return {
    confusion,
    perClass: report.perClass.map((s, label) => ({ label, name: CLASS_NAMES[label]!, ...s })),
    macro: report.macro,
    misclassified,
  };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const fmt = (v: number | null, digits = 4) => (v === null ? '-' : v.toFixed(digits));

/** The results table as aligned text lines, as the stage prints it. */
export function formatTable(table: TableRow[]): string[] {
  const head = `${'model'.padEnd(14)} ${'CV mean'.padStart(8)} ${'valid'.padStart(8)} ${'test'.padStart(8)} ${'fit (s)'.padStart(9)}`;
  return [head, ...table.map((r) =>
    `${r.model.padEnd(14)} ${fmt(r.cvMean).padStart(8)} ${fmt(r.validAccuracy).padStart(8)} ${fmt(r.testAccuracy).padStart(8)} ${fmt(r.fitSeconds, 1).padStart(9)}`)];
}

/** `evaluate`: scores every trained model on the validation and test images; the best one by validation accuracy wins. */
export const evaluate: Stage = {
  name: 'evaluate',
  inputs: (c) => {
    const a = artifactPaths(c.artifactsDir);
    return [{ path: a.cacheManifest, producer: 'load' }, { path: a.split, producer: 'split' }];
  },
  outputs: (c) => {
    const a = artifactPaths(c.artifactsDir);
    return [a.figures, a.root];
  },
  async run(c, ctx) {
    const paths = artifactPaths(c.artifactsDir);
    const trained = await trainedModels(c.artifactsDir);
    const missing = MODEL_NAMES.filter((m) => !trained.includes(m)).map((model) => ({ model, message: missingModelMessage(c.artifactsDir, model) }));
    for (const m of missing) ctx.log(`missing: ${m.message}`);
    if (trained.length === 0) {
      throw new PipelineError(`No trained model to evaluate in ${paths.models}. Run the stage that trains one (${[...new Set(MODELS.map((m) => m.stage))].join(', ')}) first, or use --stage all.`);
    }
    const [cache, split, metrics] = await Promise.all([readPixelCache(paths), readSplit(paths.split), readMetrics(paths.metrics)]);
    const valid = subset(cache.train, split.valid);
    const testKnown = cache.test.count > 0 && !cache.test.labels.includes(UNKNOWN_LABEL);
    const scored = testKnown ? cache.test : valid;
    const table: TableRow[] = [];
    const models: Evaluation['models'] = {};
    for (const name of trained) {
      if (ctx.signal.aborted) return;
      const predictor = await loadPooledPredictor(c.artifactsDir, name, c);
      const progress = createProgress(`evaluate ${name}`, valid.count + (testKnown ? cache.test.count : 0));
      try {
        const predict = (set: ImageSet) => predictInBatches(predictor, set.pixels, set.count, inferenceBatchSize(c), (n) => progress.tick(n));
        const validProbs = await predict(valid);
        const testProbs = testKnown ? await predict(cache.test) : undefined;
        progress.done();
        const validPred = argmaxRows(validProbs, valid.count, NUM_CLASSES);
        const testPred = testProbs && argmaxRows(testProbs, cache.test.count, NUM_CLASSES);
        const trainedEntry = metrics[name] ?? {};
        table.push({
          model: name,
          cvMean: num(trainedEntry.cvMean),
          validAccuracy: accuracy(valid.labels, validPred),
          testAccuracy: testPred ? accuracy(cache.test.labels, testPred) : null,
          fitSeconds: num(trainedEntry.fitSeconds),
        });
        models[name] = testPred && testProbs ? scoreSet(testPred, testProbs, cache.test) : scoreSet(validPred, validProbs, valid);
        const figure = join(paths.figures, `confusion-${name}.png`);
        await writeFileAtomic(figure, await renderConfusionMatrix(models[name]!.confusion, [...CLASS_NAMES], `${name}: confusion on ${testKnown ? 'test' : 'validation'} images`));
      } finally {
        await predictor.dispose();
      }
    }
    const best = table.reduce((a, b) => (b.validAccuracy > a.validAccuracy ? b : a)).model;
    await writeMisclassifiedGrid(join(paths.figures, 'misclassified.png'), models[best]!.misclassified, scored);
    const evaluation: Evaluation = { bestBy: 'validAccuracy', best, scoredOn: testKnown ? 'test' : 'valid', table, missing, models };
    await updateMetrics(paths.metrics, 'evaluation', evaluation as unknown as Record<string, unknown>);
    for (const line of formatTable(table)) ctx.log(line);
    ctx.log(`best (highest validation accuracy): ${best}; confusion matrices in ${paths.figures}, scores in ${paths.metrics}`);
  },
};

/** The best model's misclassified images, titled `true→predicted` (figures/misclassified.png). */
async function writeMisclassifiedGrid(path: string, wrong: Misclassified[], set: ImageSet): Promise<void> {
  if (wrong.length === 0) return;
  const images = wrong.map((w) => ({
    pixels: set.pixels.slice(w.row * PIXELS_PER_IMAGE, (w.row + 1) * PIXELS_PER_IMAGE),
    title: `${CLASS_NAMES[w.label]}→${CLASS_NAMES[w.predicted]}`,
  }));
  await writeFileAtomic(path, await renderImageGrid(images, { columns: 5, scale: 5, fontSizePx: 11 }));
}
