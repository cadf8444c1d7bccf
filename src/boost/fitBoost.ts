/**
 * Multiclass gradient boosting (XGBoost's multi:softprob) on uint8 pixels: each round computes
 * every row's softmax gradient pairs, samples rows (shared by the round's trees) and, per tree,
 * features, then grows one tree per class (growTree.ts) on the runner's threads. Every round is
 * scored on the train and valid rows; early stopping on the valid mlogloss keeps the best round.
 */
import { deriveSeed } from '../random.js';
import { ConfigError, DataError } from '../errors.js';
import { checkBoostParams } from './checkParams.js';
import { boostLayout, createBoostMemory, writeTrainPixels, writeValidPixels } from './boostMemory.js';
import { gradientScale, softmaxPass, type Scores } from './gradients.js';
import { sampleAscending } from './sampling.js';
import { createTreeRunner } from './treeRunner.js';
import type { GrowStats } from './growTree.js';
import type { BoostModel, BoostParams, BoostTree } from './model.js';
import { BIN_BYTES } from './histogramLayout.js';

/** XGBoost's starting margin of every class. */
export const BASE_SCORE = 0.5;

/** The data of a fit: row-major uint8 pixels with a label per row, and which rows train and validate. */
export interface BoostData {
  pixels: Uint8Array;
  labels: Uint8Array;
  numFeature: number;
  numClass: number;
  train: Int32Array;
  /** rows scored each round for early stopping; none: no early stopping */
  valid?: Int32Array;
}

/** The scores after a round. */
export interface BoostRound {
  /** 0-based */
  round: number;
  train: Scores;
  valid?: Scores;
  /** the round's wall time, scoring included */
  seconds: number;
}

export interface FitBoostOptions {
  params: BoostParams;
  /** threads growing trees (1: this thread); the model is the same for any number */
  workers?: number;
  onRound?: (round: BoostRound) => void;
  /** checked between rounds: when aborted, the fit ends with the rounds done so far */
  signal?: AbortSignal;
}

export interface BoostFit {
  /** the trees of rounds 0..bestIteration */
  model: BoostModel;
  history: BoostRound[];
  stoppedEarly: boolean;
  /** the signal fired before the last round */
  interrupted: boolean;
  /** histogram counters summed over every tree */
  stats: GrowStats;
}

/** Fits a model; see the file's comment. Throws a ConfigError for bad params, a DataError for a label out of range. */
export async function fitBoost(data: BoostData, options: FitBoostOptions): Promise<BoostFit> {
  const { params, workers = 1, onRound, signal } = options;
  checkBoostParams(params);
  if (!Number.isInteger(workers) || workers < 1) throw new ConfigError('workers', 'a positive integer', workers);
  const { numClass: K, numFeature: F, train, valid } = data;
  const trainLabels = labelsOf(data, train);
  const validLabels = valid && labelsOf(data, valid);
  const N = train.length;
  const V = valid?.length ?? 0;
  const treeFeatures = Math.max(1, Math.round(F * params.colsampleBytree));
  const layout = boostLayout({ rows: N, validRows: V, features: F, classes: K, maxLeaves: params.maxLeaves, treeFeatures, regions: workers });
  const memory = createBoostMemory(layout);
  writeTrainPixels(memory, layout, data.pixels, train);
  if (valid) writeValidPixels(memory, layout, data.pixels, valid);
  const { buffer } = memory;
  const gradients = { gh: new Int32Array(buffer, layout.gh, (K * N * BIN_BYTES) / 4), scale: gradientScale(N) };
  const trainMargins = new Float64Array(buffer, layout.margins, K * N).fill(BASE_SCORE);
  const validMargins = new Float64Array(buffer, layout.validMargins, K * V).fill(BASE_SCORE);
  const sample = new Int32Array(buffer, layout.sample, N);
  const unsampled = new Int32Array(buffer, layout.unsampled, N);
  const runner = createTreeRunner({ memory, layout, params: { ...params, gradientScale: gradients.scale } }, workers);

  const trees: BoostTree[] = [];
  const history: BoostRound[] = [];
  const stats: GrowStats = { built: 0, subtracted: 0, rowsBuilt: 0 };
  let best = { round: -1, loss: Infinity };
  let stoppedEarly = false;
  let interrupted = false;
  softmaxPass(trainMargins, trainLabels, K, gradients);
  try {
    for (let round = 0; round < params.rounds; round++) {
      if (signal?.aborted) {
        interrupted = true;
        break;
      }
      const started = performance.now();
      const seed = deriveSeed(params.seed, round * (K + 1));
      const { sampleCount, unsampledCount } = writeSample(sample, unsampled, sampleAscending(N, params.subsample, seed));
      const grown = await Promise.all(
        Array.from({ length: K }, (_, cls) => {
          const features = sampleAscending(F, params.colsampleBytree, deriveSeed(params.seed, round * (K + 1) + 1 + cls));
          return runner.grow({ cls, sampleCount, unsampledCount, features });
        }),
      );
      for (const { tree, stats: s } of grown) {
        trees.push(tree);
        stats.built += s.built;
        stats.subtracted += s.subtracted;
        stats.rowsBuilt += s.rowsBuilt;
      }
      // this round's train scores and the next round's gradients, from the same probabilities
      const scores: BoostRound = {
        round,
        train: softmaxPass(trainMargins, trainLabels, K, round + 1 < params.rounds ? gradients : undefined),
        valid: validLabels && softmaxPass(validMargins, validLabels, K),
        seconds: 0,
      };
      scores.seconds = (performance.now() - started) / 1000;
      history.push(scores);
      onRound?.(scores);
      if (!scores.valid) continue;
      if (scores.valid.mlogloss < best.loss) best = { round, loss: scores.valid.mlogloss };
      if (params.earlyStoppingRounds > 0 && round - best.round >= params.earlyStoppingRounds) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    await runner.close();
  }
  const kept = valid ? best.round + 1 : history.length;
  const model: BoostModel = {
    numClass: K,
    numFeature: F,
    baseScore: BASE_SCORE,
    trees: trees.slice(0, kept * K),
    treeInfo: Int32Array.from({ length: kept * K }, (_, i) => i % K),
    bestIteration: kept - 1,
  };
  return { model, history, stoppedEarly, interrupted, stats };
}

/** Writes the round's sampled rows (ascending) to `sample` and the others (ascending) to `unsampled`. */
function writeSample(sample: Int32Array, unsampled: Int32Array, rows: Int32Array): { sampleCount: number; unsampledCount: number } {
  sample.set(rows);
  let out = 0;
  let next = 0;
  for (let r = 0; r < sample.length; r++) {
    if (next < rows.length && rows[next] === r) next++;
    else unsampled[out++] = r;
  }
  return { sampleCount: rows.length, unsampledCount: out };
}

/** The labels of `rows`, checked to be classes of the model. */
function labelsOf(data: BoostData, rows: Int32Array): Uint8Array {
  const labels = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const label = data.labels[rows[i]!]!;
    if (label >= data.numClass) {
      throw new DataError(`Row ${rows[i]} has label ${label}, not a class in [0, ${data.numClass}). Boosting needs every train and valid row labelled.`);
    }
    labels[i] = label;
  }
  return labels;
}
