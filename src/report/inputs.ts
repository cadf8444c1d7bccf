/**
 * Everything the report shows, read from the artifacts folder. Each part is optional: a stage
 * that has not run yet leaves a gap that the page names, instead of failing the report.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { classCountTable, studyChecks } from '../dataset.js';
import { readEvaluation, type Evaluation } from '../io/evaluation.js';
import { readMetrics, type Metrics } from '../io/metrics.js';
import { artifactPaths, boostPaths, historyPaths, visualizeOutputs } from '../io/paths.js';
import { readCacheManifest, readPixelCache } from '../io/pixelCache.js';
import { readSplit } from '../io/split.js';
import { MODELS } from '../models/registry.js';
import { dataUri } from './html.js';

export interface ReportInputs {
  metrics: Metrics;
  evaluation: Evaluation | undefined;
  /** the load stage's checks (shapes, pixel range), when the pixel cache exists */
  dataChecks: string[] | undefined;
  /** split counts per class as text lines, when split.json and the cache exist */
  splitTable: string[] | undefined;
  /** figure data URIs by key: samples, sample, <model>-history, boost-importance, confusion-<model>, misclassified */
  figures: Map<string, string>;
  /** image 8703's pixel values as the study prints them */
  sampleText: string | undefined;
  /** prediction CSVs written by `predict` */
  predictions: string[];
}

const optional = <T>(p: Promise<T>): Promise<T | undefined> => p.catch(() => undefined);

/** Reads the report's inputs from `artifactsDir`. */
export async function readReportInputs(artifactsDir: string): Promise<ReportInputs> {
  const paths = artifactPaths(artifactsDir);
  const vis = visualizeOutputs(artifactsDir);
  const figureFiles: [string, string][] = [
    ['samples', vis.samples],
    ['sample', vis.sampleImage],
    ...MODELS.filter((m) => m.history).map((m): [string, string] => [`${m.name}-history`, historyPaths(paths, m.name).figure]),
    ...MODELS.map((m): [string, string] => [`confusion-${m.name}`, join(paths.figures, `confusion-${m.name}.png`)]),
    ['boost-importance', boostPaths(paths).importance],
    ['misclassified', join(paths.figures, 'misclassified.png')],
  ];
  const figures = new Map<string, string>();
  await Promise.all(figureFiles.map(async ([key, file]) => {
    const bytes = await optional(readFile(file));
    if (bytes) figures.set(key, dataUri(bytes));
  }));
  const cache = (await readCacheManifest(paths)) ? await readPixelCache(paths) : undefined;
  const split = await optional(readSplit(paths.split));
  const predictionNames = (await optional(readdir(paths.predictions))) ?? [];
  return {
    metrics: await readMetrics(paths.metrics),
    evaluation: await readEvaluation(artifactsDir),
    dataChecks: cache && studyChecks(cache),
    splitTable: cache && split && classCountTable(split.train, split.valid, cache.train.labels),
    figures,
    sampleText: await optional(readFile(vis.sampleText, 'utf8')),
    predictions: predictionNames.filter((n) => n.endsWith('.csv')).sort().map((n) => join(paths.predictions, n)),
  };
}
