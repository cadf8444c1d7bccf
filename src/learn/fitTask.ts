import { Piscina } from 'piscina';
import { fitForestTree, type ForestOptions } from './forest.js';
import { fitTree, growTop, type SubtreeRoot, type TrainingSet, type TreeOptions } from './fitTree.js';
import { packTree, unpackTree } from './packTree.js';
import type { Tree } from './tree.js';

/**
 * One tree to fit. The big arrays are views on SharedArrayBuffers, so posting a task shares
 * them with the worker instead of copying 2 x 37 MB of pixels per tree.
 */
export interface FitTreeTask {
  /**
   * names the training set (pixels and labels) within its pool: a worker copies the pixels into
   * its tree memory (treeMemory.ts) once per data id, not once per task
   */
  dataId: number;
  /** feature f of sample s at `byFeature[f * sampleCount + s]` */
  byFeature: Uint8Array;
  /** feature f of sample s at `byRow[s * featureCount + f]` */
  byRow: Uint8Array;
  sampleCount: number;
  featureCount: number;
  /** class of each sample */
  labels: Uint8Array;
  numClasses: number;
  /** the samples to learn from (a fold's training rows; a subtree's samples) */
  rows: Int32Array;
  /**
   * tree `index` of a forest (its own bootstrap of `rows`); the top of a decision tree (or of
   * its subtree from `root`), split until `parts` subtrees are left (growTop); or one of those
   * subtrees
   */
  model:
    | { kind: 'forest'; options: ForestOptions; index: number }
    | { kind: 'top'; options: TreeOptions; parts: number; minSamples: number; root?: SubtreeRoot }
    | { kind: 'subtree'; options: TreeOptions; root: SubtreeRoot };
}

/** What a `top` task hands back: its result bytes (as a tree task's), and where the subtrees go and grow from. */
export interface TopTaskResult {
  bytes: Uint8Array;
  open: number[];
  roots: SubtreeRoot[];
}

/** The fitted tree and the seconds its fit took in the worker. */
export interface FitTreeResult {
  tree: Tree;
  seconds: number;
}

/** Bytes before the packed tree in a result: the fit time, a float64. */
const TIME_BYTES = 8;

/**
 * The pool task: fits one tree (or a decision tree's top or subtree) and hands back one
 * buffer, moved rather than copied (Piscina would clone a typed array nested in an object):
 * the fit time, then the packed tree. A top also hands back its subtree roots (cloned: small).
 */
export default function fitTreeTask(task: FitTreeTask): Uint8Array | TopTaskResult {
  const started = performance.now();
  const data = trainingSet(task);
  const { model } = task;
  if (model.kind === 'top') {
    const top = growTop(data, task.rows, undefined, model.options, model.parts, model.minSamples, model.root);
    return { bytes: resultBytes(top.tree, started), open: top.open, roots: top.roots };
  }
  const tree = model.kind === 'forest' ? fitForestTree(data, task.rows, model.options, model.index) : fitTree(data, task.rows, undefined, model.options, model.root);
  return Piscina.move(resultBytes(tree, started)) as Uint8Array;
}

/** The training set this worker last used: the same PixelMatrix object keeps its tree memory. */
let current: { id: number; data: TrainingSet } | undefined;

/** The task's training set, as the same object for every task of one data id. */
function trainingSet(task: FitTreeTask): TrainingSet {
  if (current?.id !== task.dataId) {
    const x = { byFeature: task.byFeature, byRow: task.byRow, sampleCount: task.sampleCount, featureCount: task.featureCount };
    current = { id: task.dataId, data: { x, labels: task.labels, numClasses: task.numClasses } };
  }
  return current.data;
}

/** The fit time since `started`, then the packed tree. */
function resultBytes(tree: Tree, started: number): Uint8Array {
  const packed = packTree(tree);
  const out = new Uint8Array(TIME_BYTES + packed.byteLength);
  out.set(packed, TIME_BYTES);
  new Float64Array(out.buffer, 0, 1)[0] = (performance.now() - started) / 1000;
  return out;
}

/** Reads what `fitTreeTask` returned. */
export function readFitResult(bytes: Uint8Array): FitTreeResult {
  const seconds = new Float64Array(bytes.buffer, bytes.byteOffset, 1)[0]!;
  return { tree: unpackTree(bytes.subarray(TIME_BYTES)), seconds };
}
