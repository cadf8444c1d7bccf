import { NUM_CLASSES, PIXELS_PER_IMAGE } from '../../dataset.js';
import type { PixelCache } from '../../io/pixelCache.js';
import type { SplitFile } from '../../io/split.js';
import { toPixelMatrix } from '../../learn/pixelMatrix.js';
import { type Fold, stratifiedKFold } from '../../learn/stratifiedKFold.js';
import { sharedInt32, sharedUint8, type SharedTrainingSet } from './fitAll.js';
import { CV_FOLDS } from './plan.js';

/** What every fit of the stage learns from, built the same way wherever it runs (here, or on a queue worker). */
export interface TreeTrainingData {
  data: SharedTrainingSet;
  /** stratified CV folds of the training rows (indexes into them) */
  folds: Fold[];
  /** every training row's index (the final fits), shared */
  all: Int32Array;
  /** each fold's training rows, shared */
  foldTrain: Int32Array[];
}

/** The split's training rows of `cache`, as shared buffers, with the seed's CV folds. */
export function treeTrainingData(cache: PixelCache, split: SplitFile, seed: number): TreeTrainingData {
  const trainRows = split.train;
  const data = {
    x: toPixelMatrix(cache.train.pixels, PIXELS_PER_IMAGE, trainRows, true),
    labels: sharedUint8(trainRows.map((r) => cache.train.labels[r]!)),
    numClasses: NUM_CLASSES,
  };
  const folds = stratifiedKFold(data.labels, CV_FOLDS, seed);
  return { data, folds, all: sharedInt32(trainRows.map((_, i) => i)), foldTrain: folds.map((f) => sharedInt32(f.train)) };
}
