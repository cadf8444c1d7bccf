/**
 * metrics.json's "evaluation" entry, written by `evaluate`: its shape and its reader, so the
 * stages and the report that read it need not import the stage that writes it.
 */
import type { ClassScores } from '../learn/metrics.js';
import type { ModelName } from '../models/registry.js';
import { readMetrics } from './metrics.js';
import { artifactPaths } from './paths.js';

/** One row of the results table. */
export interface TableRow {
  model: ModelName;
  /** mean 5-fold cross-validation accuracy, where the training stage did cross-validation */
  cvMean: number | null;
  validAccuracy: number;
  /** null when test_labels.csv is absent */
  testAccuracy: number | null;
  /** training time as its stage recorded it */
  fitSeconds: number | null;
}

/** A wrongly predicted image: its row in the scored set, id, true and predicted class. */
export interface Misclassified {
  row: number;
  id: number;
  label: number;
  predicted: number;
  probability: number;
}

export interface ModelEvaluation {
  confusion: number[][];
  perClass: (ClassScores & { label: number; name: string })[];
  macro: { precision: number; recall: number; f1: number };
  misclassified: Misclassified[];
}

/** metrics.json's "evaluation" entry. */
export interface Evaluation {
  bestBy: 'validAccuracy';
  best: ModelName;
  /** the images the confusion matrices and per-class scores count: test when its labels are known */
  scoredOn: 'test' | 'valid';
  table: TableRow[];
  missing: { model: ModelName; message: string }[];
  models: Partial<Record<ModelName, ModelEvaluation>>;
}

/** The "evaluation" entry of metrics.json, or undefined before `evaluate` has run. */
export async function readEvaluation(artifactsDir: string): Promise<Evaluation | undefined> {
  const entry = (await readMetrics(artifactPaths(artifactsDir).metrics)).evaluation;
  return entry && typeof entry.best === 'string' ? (entry as unknown as Evaluation) : undefined;
}
