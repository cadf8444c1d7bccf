import { ML_INPUT_SCALE } from '../../learn/mlJson.js';
import type { TreeModelName } from './plan.js';

/** When a fit ran: its first tree's start and last tree's end (seconds), and its trees' summed fit times. */
export interface FitTiming {
  start: number;
  end: number;
  treeSeconds: number;
}

/** What the stage learned about one model. */
export interface ModelResult {
  model: TreeModelName;
  /** per CV fold: held-out accuracy and timing */
  cv: (FitTiming & { accuracy: number })[];
  /** the fit on all training rows */
  fit: FitTiming;
  /** nodes over all its trees */
  nodes: number;
  validAccuracy: number;
  /** null when the test labels are unknown */
  testAccuracy: number | null;
}

const span = (timings: FitTiming[]) => Math.max(...timings.map((t) => t.end)) - Math.min(...timings.map((t) => t.start));
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * The lines the stage prints for a model, as the study reports it: the CV accuracy of each
 * fold and their mean, then validation (and test) accuracy of the model fitted on all rows.
 */
export function formatResult(r: ModelResult, validCount: number, testCount: number): string[] {
  const scores = r.cv.map((f) => f.accuracy);
  return [
    `${r.model}: ${scores.length}-fold CV accuracy ${scores.map((s) => s.toFixed(4)).join(' ')}, ` +
      `mean ${mean(scores).toFixed(4)} (CV ${span(r.cv).toFixed(1)} s)`,
    `${r.model}: valid accuracy ${r.validAccuracy.toFixed(4)} (${validCount} images), ` +
      (r.testAccuracy === null ? 'test labels unknown' : `test accuracy ${r.testAccuracy.toFixed(4)} (${testCount} images)`) +
      `; fit ${(r.fit.end - r.fit.start).toFixed(1)} s, ${r.nodes} nodes`,
  ];
}

/**
 * The model's entry in metrics.json (the names evaluate and report read: cvScores, cvMean,
 * validAccuracy, testAccuracy, fitSeconds), with the model file's path and the sha256 it was
 * written with, which every reader of the model checks.
 */
export function metricsEntry(r: ModelResult, model: { path: string; sha256: string }): Record<string, unknown> {
  const cvScores = r.cv.map((f) => f.accuracy);
  return {
    cvScores,
    cvMean: mean(cvScores),
    cvSeconds: span(r.cv),
    cvTreeSeconds: r.cv.reduce((s, f) => s + f.treeSeconds, 0),
    validAccuracy: r.validAccuracy,
    testAccuracy: r.testAccuracy,
    fitSeconds: r.fit.end - r.fit.start,
    fitTreeSeconds: r.fit.treeSeconds,
    nodes: r.nodes,
    modelPath: model.path,
    modelSha256: model.sha256,
    modelInputScale: ML_INPUT_SCALE,
  };
}
