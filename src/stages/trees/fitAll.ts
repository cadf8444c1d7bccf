import { setMaxListeners } from 'node:events';
import { from, lastValueFrom, mergeMap } from 'rxjs';
import type { ForestOptions } from '../../learn/forest.js';
import type { PixelMatrix } from '../../learn/pixelMatrix.js';
import type { SubtreeRoot, TreeOptions } from '../../learn/fitTree.js';
import type { Tree } from '../../learn/tree.js';
import { graft } from '../../learn/graft.js';
import { readFitResult, type FitTreeResult, type FitTreeTask, type TopTaskResult } from '../../learn/fitTask.js';
import { WorkerPool } from '../../workerPool.js';

export type TreePool = WorkerPool<FitTreeTask, Uint8Array | TopTaskResult>;

/** Where fitAll sends its tasks: this host's TreePool, or queue workers (queue/treeRunner.ts). */
export interface TreeRunner {
  run(task: FitTreeTask, opts: { signal: AbortSignal }): Promise<Uint8Array | TopTaskResult>;
  /** how many tasks it runs at once (fitAll keeps TASKS_PER_WORKER times as many in flight) */
  readonly maxThreads: number;
  destroy(): Promise<void>;
}

/** Tasks in flight per worker (fits are synchronous: a worker runs its tasks one after the other). */
export const TASKS_PER_WORKER = 2;

/** A pool of `workers` tree-fitting threads; the caller destroys it. */
export function createTreePool(workers: number): TreePool {
  return new WorkerPool({
    filename: new URL('../../workers/fitTree.worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    // a worker holds its next task while it fits one and starts it at once, where with one
    // task each it sat idle waiting for the main thread to send it (bench/RESULTS.md)
    concurrentTasksPerWorker: TASKS_PER_WORKER,
  });
}

/** Training data every task shares: pixels and labels, on SharedArrayBuffers. */
export interface SharedTrainingSet {
  x: PixelMatrix;
  labels: Uint8Array;
  numClasses: number;
}

/** One model to fit on `rows`: a decision tree, or a forest (one pool task per tree). */
export type FitSpec = { rows: Int32Array } & ({ kind: 'tree'; options: TreeOptions } | { kind: 'forest'; options: ForestOptions });

/** A finished fit: its trees in order, when its first tree started and its last ended (seconds, performance clock), and the trees' summed fit times (worker wall time). */
export interface FitOutcome {
  trees: Tree[];
  start: number;
  end: number;
  treeSeconds: number;
}

const treesOf = (spec: FitSpec) => (spec.kind === 'tree' ? 1 : spec.options.trees);

/**
 * A decision tree is fitted in parts, level by level: a task grows its top until this many
 * subtrees are left, and each of those grows its own top into the next level's count, and so
 * on; the last level's subtrees are fitted whole (it is the same tree: see growTop). Each top
 * runs on one worker, so one big top leaves the other worker idle: the root alone first, then
 * its two children's tops side by side, cut that idle time, and the whole fit is faster than
 * with a single top of 8 parts (bench/RESULTS.md). More parts balance the workers better.
 */
const DECISION_TREE_PARTS = [2, 4];
/** Nodes of at most this many samples are not split by the top task: not worth a task each. */
const PART_MIN_SAMPLES = 4096;
/** Each fitAll's data id (see FitTreeTask). */
let nextDataId = 0;

/**
 * Fits every spec, tree by tree, in the pool, and calls `onFit(i, outcome)` as soon as fit i
 * has all its trees (in index order). Trees are dealt in spec order, with two tasks per worker
 * in flight: Piscina's own queue does not keep submission order, and this way the fits listed
 * first finish first, no worker waits while the main thread scores a fit, and 600 tasks never
 * sit in the queue at once; a decision tree's subtrees (DECISION_TREE_PARTS) join them as
 * soon as its top is grown. `onTree` is called per tree (progress). Aborting `signal` rejects
 * with the pool's AbortError.
 */
export async function fitAll(
  pool: TreeRunner,
  data: SharedTrainingSet,
  specs: FitSpec[],
  signal: AbortSignal,
  onFit: (fit: number, outcome: FitOutcome) => void | Promise<void>,
  onTree: () => void,
): Promise<void> {
  setMaxListeners(0, signal); // each task in flight listens to it
  const shared = sharedTaskData(data);
  const fits = specs.map((spec) => ({ trees: new Array<Tree>(treesOf(spec)), left: treesOf(spec), start: Infinity, end: -Infinity, treeSeconds: 0 }));
  const tasks = specs.flatMap((spec, fit) => Array.from({ length: treesOf(spec) }, (_, index) => ({ fit, index })));
  const run = async (rows: Int32Array, model: FitTreeTask['model']) => pool.run({ ...shared, rows, model }, { signal });
  /**
   * A decision tree (the subtree from `root` where given): its top, then its parts in
   * parallel, each grown the same way with the next level's part count (or whole after the
   * last level), grafted; the seconds are the tasks' sum, and it started when its top did.
   */
  const fitDecisionTree = async (rows: Int32Array, options: TreeOptions, levels: readonly number[], root?: SubtreeRoot): Promise<FitTreeResult & { start: number }> => {
    const top = (await run(rows, { kind: 'top', options, parts: levels[0]!, minSamples: PART_MIN_SAMPLES, ...(root ? { root } : {}) })) as TopTaskResult;
    const topResult = readFitResult(top.bytes);
    const start = performance.now() / 1000 - topResult.seconds;
    const rest = levels.slice(1);
    const parts = await Promise.all(
      top.roots.map(async (part) =>
        rest.length > 0 ? fitDecisionTree(part.samples, options, rest, part) : readFitResult((await run(part.samples, { kind: 'subtree', options, root: part })) as Uint8Array),
      ),
    );
    return {
      tree: graft(topResult.tree, top.open, parts.map((p) => p.tree)),
      seconds: parts.reduce((sum, p) => sum + p.seconds, topResult.seconds),
      start,
    };
  };
  const runTask = async ({ fit, index }: { fit: number; index: number }) => {
    const spec = specs[fit]!;
    const result: FitTreeResult & { start?: number } =
      spec.kind === 'tree'
        ? await fitDecisionTree(spec.rows, spec.options, DECISION_TREE_PARTS)
        : readFitResult((await run(spec.rows, { kind: 'forest', options: spec.options, index })) as Uint8Array);
    const end = performance.now() / 1000;
    const f = fits[fit]!;
    f.trees[index] = result.tree;
    f.start = Math.min(f.start, result.start ?? end - result.seconds);
    f.end = Math.max(f.end, end);
    f.treeSeconds += result.seconds;
    onTree();
    if (--f.left === 0) await onFit(fit, { trees: f.trees, start: f.start, end: f.end, treeSeconds: f.treeSeconds });
  };
  await lastValueFrom(from(tasks).pipe(mergeMap(runTask, pool.maxThreads * TASKS_PER_WORKER)), { defaultValue: undefined });
}

/** The part of every task that names the training set (a fresh data id: see FitTreeTask). */
export function sharedTaskData(data: SharedTrainingSet): Omit<FitTreeTask, 'rows' | 'model'> {
  return { dataId: nextDataId++, byFeature: data.x.byFeature, byRow: data.x.byRow, sampleCount: data.x.sampleCount, featureCount: data.x.featureCount, labels: data.labels, numClasses: data.numClasses };
}

/** A copy of `values` on a SharedArrayBuffer, so pool tasks read it without a copy each. */
export function sharedInt32(values: ArrayLike<number>): Int32Array {
  const out = new Int32Array(new SharedArrayBuffer(values.length * 4));
  out.set(values);
  return out;
}

/** A copy of `values` on a SharedArrayBuffer. */
export function sharedUint8(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(values.length));
  out.set(values);
  return out;
}
